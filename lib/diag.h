/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_DIAG_H
#define PINHOLE_DIAG_H

#include <stdbool.h>
#include <stdio.h>

#include "loc.h"

/* Errors kept before the rest are only counted (nftables parser_max_errors). */
#define PINHOLE_DIAG_MAX_ERRORS 10
/*
 * Errors counted before pinhole_diag_full() tells the parsers to stop: far
 * past PINHOLE_DIAG_MAX_ERRORS, so that "N more not shown" is a count, but
 * bounded, so that a file of nothing but errors costs little.
 */
#define PINHOLE_DIAG_STOP_ERRORS 10000

enum pinhole_severity {
	PINHOLE_SEV_ERROR,
	PINHOLE_SEV_WARNING,
	PINHOLE_SEV_NOTE,
};

struct pinhole_diag;

/*
 * Queue an error and return -1, so call sites read
 *	return pinhole_error(d, &node->loc, "port %lu is out of range", v);
 * A NULL or line-0 location prints as "FILE: error: ..." (or "pinhole: ...").
 */
int pinhole_error(struct pinhole_diag *d, const struct pinhole_loc *loc,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void pinhole_warning(struct pinhole_diag *d, const struct pinhole_loc *loc,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void pinhole_note(struct pinhole_diag *d, const struct pinhole_loc *loc,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* True once PINHOLE_DIAG_STOP_ERRORS errors are counted: parsers may stop. */
bool pinhole_diag_full(const struct pinhole_diag *d);

#endif
