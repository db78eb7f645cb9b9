/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_DIFF_H
#define PINHOLE_DIFF_H

#include <stdio.h>

/**
 * diff_unified - print a unified diff of two texts
 * @a: the old text (NULL = empty); @name_a: its name for "--- "
 * @b: the new text; @name_b: its name for "+++ "
 * @f: where the diff goes (nothing is printed when equal)
 *
 * Returns 0 if equal, 1 if different, -ENOMEM.
 */
int diff_unified(const char *a, const char *b, const char *name_a,
		 const char *name_b, FILE *f);

#endif
