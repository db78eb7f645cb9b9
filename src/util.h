/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_UTIL_H
#define PINHOLE_UTIL_H

#include <stdbool.h>

struct pinhole_diag;
struct pinhole_policy;
struct pinhole_ruleset;

/*
 * Load, validate and compile POLICY (@flags: PINHOLE_COMPILE_*); print
 * every diagnostic to stderr. The policy is freed before this returns: the
 * ruleset keeps its own copy of the file name for locating kernel errors.
 * Returns EXIT_OK with *out set, or EXIT_POLICY / EXIT_SYSTEM.
 */
int load_and_compile(const char *path, unsigned int flags,
		     struct pinhole_ruleset **out);

/* "Usage: pinhole SUB ARGS" on stderr; returns EXIT_POLICY. */
int usage_error(const char *sub, const char *args);

#endif
