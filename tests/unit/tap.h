/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Minimal TAP producer for the unit tests (automake tap-driver.sh), and
 * the helpers they share. */
#ifndef PINHOLE_TAP_H
#define PINHOLE_TAP_H

#include <stdio.h>
#include <string.h>

#include "pinhole.h"

static int tap_n, tap_failed;

#define ok(cond, ...) do {						\
	int ok_c_ = !!(cond);						\
	printf("%sok %d - ", ok_c_ ? "" : "not ", ++tap_n);		\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!ok_c_) {							\
		tap_failed++;						\
		printf("# failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	}								\
} while (0)

#define is_str(got, want, ...) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int e_ = g_ && w_ && !strcmp(g_, w_);				\
	ok(e_, __VA_ARGS__);						\
	if (!e_)							\
		printf("#   got:  '%s'\n#   want: '%s'\n",		\
		       g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
} while (0)

/* The diagnostics of @d as pinhole_diag_print() prints them (free it). */
static inline char *diag_text(const struct pinhole_diag *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	pinhole_diag_print(d, f);
	fclose(f);
	return buf;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
