/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_INCR_H
#define PINHOLE_INCR_H

/*
 * Incremental apply (incr.c): whether the compiled table differs from the
 * live one only in the elements of named sets, and if so which elements
 * to delete and add. No kernel here: the unit test (tests/unit/incr.c)
 * feeds it two IRs.
 */
#include <stddef.h>

#include "nl_build.h"

struct pinhole_ruleset;

/**
 * struct incr_plan - the element delta of a compiled table against the live one
 * @d: one entry per named set with something to delete or add, @n of them
 * @n_del, @n_add: IR elements (ranges) deleted and added over all sets
 * @why: when the full replace is needed, why (a static string)
 */
struct incr_plan {
	struct nl_elem_delta *d;
	size_t n;
	size_t n_del, n_add;
	const char *why;
};

/*
 * Compare @want (compiled) with @live (decoded, NULL when absent).
 * Returns 0 with @p filled when the element delta is all that differs (it
 * may be empty: the tables are the same), 1 with @p->why when the table
 * must be replaced whole, or -ENOMEM. The delta's element pointers point
 * into @live and @want: keep both until the batch is built.
 */
int incr_plan(const struct pinhole_ruleset *live,
	      const struct pinhole_ruleset *want, struct incr_plan *p);
void incr_plan_free(struct incr_plan *p);

#endif
