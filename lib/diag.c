// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Diagnostics queue: records are collected while parsing, validating and
 * compiling, and printed at the end in file order, the way nftables' erec
 * and pfctl's yyerror report every problem of a file in one run.
 */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pinhole.h"
#include "diag.h"

struct record {
	enum pinhole_severity sev;
	char *file;
	unsigned int line, col;
	size_t seq;		/* insertion order: ties keep it */
	char *msg;
};

struct pinhole_diag {
	struct record *r;
	size_t n, cap;
	unsigned int errors, warnings;
	unsigned int dropped;	/* errors past the cap, counted only */
	bool oom;
};

EXPORT_SYMBOL(pinhole_diag_new);
struct pinhole_diag *pinhole_diag_new(void)
{
	struct pinhole_diag *d = calloc(1, sizeof(*d));

	if (!d)
		errno = ENOMEM;
	return d;
}

EXPORT_SYMBOL(pinhole_diag_free);
void pinhole_diag_free(struct pinhole_diag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->r[i].file);
		free(d->r[i].msg);
	}
	free(d->r);
	free(d);
}

static void vqueue(struct pinhole_diag *d, enum pinhole_severity sev,
		   const struct pinhole_loc *loc, const char *fmt, va_list ap)
{
	struct record *rec;
	char *msg;

	if (sev == PINHOLE_SEV_ERROR) {
		if (d->errors >= PINHOLE_DIAG_MAX_ERRORS) {
			d->errors++;
			d->dropped++;
			return;
		}
		d->errors++;
	} else if (sev == PINHOLE_SEV_WARNING) {
		d->warnings++;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct record *r = realloc(d->r, cap * sizeof(*r));

		if (!r) {
			d->oom = true;
			return;
		}
		d->r = r;
		d->cap = cap;
	}
	if (vasprintf(&msg, fmt, ap) < 0) {
		d->oom = true;
		return;
	}
	rec = &d->r[d->n];
	memset(rec, 0, sizeof(*rec));
	rec->sev = sev;
	rec->msg = msg;
	rec->seq = d->n;
	if (loc) {
		rec->line = loc->line;
		rec->col = loc->col;
		if (loc->file && !(rec->file = strdup(loc->file))) {
			free(msg);
			d->oom = true;
			return;
		}
	}
	d->n++;
}

int pinhole_error(struct pinhole_diag *d, const struct pinhole_loc *loc,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vqueue(d, PINHOLE_SEV_ERROR, loc, fmt, ap);
	va_end(ap);
	return -1;
}

void pinhole_warning(struct pinhole_diag *d, const struct pinhole_loc *loc,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vqueue(d, PINHOLE_SEV_WARNING, loc, fmt, ap);
	va_end(ap);
}

void pinhole_note(struct pinhole_diag *d, const struct pinhole_loc *loc,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vqueue(d, PINHOLE_SEV_NOTE, loc, fmt, ap);
	va_end(ap);
}

bool pinhole_diag_full(const struct pinhole_diag *d)
{
	return d->errors >= PINHOLE_DIAG_STOP_ERRORS;
}

EXPORT_SYMBOL(pinhole_diag_errors);
unsigned int pinhole_diag_errors(const struct pinhole_diag *d)
{
	return d->errors + (d->oom ? 1 : 0);
}

EXPORT_SYMBOL(pinhole_diag_warnings);
unsigned int pinhole_diag_warnings(const struct pinhole_diag *d)
{
	return d->warnings;
}

static int cmp_record(const void *a, const void *b)
{
	const struct record *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char *const sevname[] = {
	[PINHOLE_SEV_ERROR] = "error",
	[PINHOLE_SEV_WARNING] = "warning",
	[PINHOLE_SEV_NOTE] = "note",
};

static void print_records(const struct pinhole_diag *d, FILE *f)
{
	struct record *sorted;
	const char *last_file = NULL;

	sorted = malloc((d->n ? d->n : 1) * sizeof(*sorted));
	if (sorted) {
		memcpy(sorted, d->r, d->n * sizeof(*sorted));
		qsort(sorted, d->n, sizeof(*sorted), cmp_record);
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct record *r = sorted ? &sorted[i] : &d->r[i];
		const char *file = r->file ? r->file : "pinhole";

		last_file = r->file ? r->file : last_file;
		if (r->line)
			fprintf(f, "%s:%u:%u: %s: %s\n", file, r->line, r->col,
				sevname[r->sev], r->msg);
		else
			fprintf(f, "%s: %s: %s\n", file, sevname[r->sev], r->msg);
	}
	if (d->dropped)
		fprintf(f, "%s: note: too many errors; %s%u more not shown\n",
			last_file ? last_file : "pinhole",
			d->errors >= PINHOLE_DIAG_STOP_ERRORS ? "at least " : "",
			d->dropped);
	if (d->oom)
		fprintf(f, "pinhole: error: out of memory while reporting diagnostics\n");
	free(sorted);
}

/*
 * stderr is unbuffered: one write per line made 5,000 warnings cost 46 ms
 * (a third of checking a 100,000-pinhole policy). The text is put together
 * in memory and written in one go; straight to @f if that fails.
 */
EXPORT_SYMBOL(pinhole_diag_print);
void pinhole_diag_print(const struct pinhole_diag *d, FILE *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	if (!d->n && !d->oom && !d->dropped)
		return;
	m = open_memstream(&buf, &len);
	if (m) {
		print_records(d, m);
		if (fclose(m) == 0) {
			fwrite(buf, 1, len, f);
			fflush(f);
			free(buf);
			return;
		}
		free(buf);
	}
	print_records(d, f);
}
