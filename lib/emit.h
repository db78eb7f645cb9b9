/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_EMIT_H
#define PINHOLE_EMIT_H

#include <stdio.h>

struct pinhole_ruleset;
struct ir_match;
struct ir_stmt;
struct ir_rule;
struct ir_set;
struct ir_elem;

enum ir_emit_flags {
	IR_EMIT_COUNTERS = 1 << 0,	/* print counter values (status, decoded state) */
	IR_EMIT_NO_PREAMBLE = 1 << 1,	/* omit the header and the delete-table lines */
	IR_EMIT_NO_ELEMENTS = 1 << 2,	/* named sets without their elements (incremental apply) */
};

/*
 * Print the ruleset as an nft script. Without IR_EMIT_NO_PREAMBLE it starts
 * with "table inet T" + "delete table inet T", so `nft -f` replaces the
 * table atomically whether or not it exists. Returns 0 or -EIO.
 */
int ir_emit(const struct pinhole_ruleset *r, FILE *f, unsigned int flags);

/* One value of a field type, [lo, hi] (a value, a prefix or a range). */
void ir_emit_value(FILE *f, int type, unsigned int len, const unsigned char *lo,
		   const unsigned char *hi);

/*
 * One rule as nft text on one line, no indent, no newline (a rule nl_decode
 * did not recognise: "# not recognised: " and its bytecode); @flags:
 * IR_EMIT_COUNTERS.
 */
void ir_emit_rule(FILE *f, const struct ir_rule *r, unsigned int flags);
/* One element of @s as nft text: key, comment, map data. */
void ir_emit_elem(FILE *f, const struct ir_set *s, const struct ir_elem *e);

#endif
