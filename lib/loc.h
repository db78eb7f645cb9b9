/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_LOC_H
#define PINHOLE_LOC_H

/**
 * struct pinhole_loc - a position in a policy file, 1-based
 * @file: borrowed; owned by the policy (or the caller of the loader)
 * @line: 1-based line (libyaml marks are 0-based: ydoc.c adds 1, once)
 * @col: 1-based column
 *
 * A zero @line means "no position" (the whole file, or a built-in rule).
 */
struct pinhole_loc {
	const char *file;
	unsigned int line;
	unsigned int col;
};

#endif
