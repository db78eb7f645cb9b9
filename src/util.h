/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_UTIL_H
#define PINHOLE_UTIL_H

#include <stdbool.h>

struct pinhole_diag;
struct pinhole_policy;
struct pinhole_ruleset;

/*
 * Load, validate and compile POLICY; print every diagnostic to stderr.
 * Returns EXIT_OK with *out set, or EXIT_POLICY / EXIT_SYSTEM.
 * @policy_out may be NULL; otherwise the caller frees the policy too.
 */
int load_and_compile(const char *path, struct pinhole_policy **policy_out,
		     struct pinhole_ruleset **out);

/* "Usage: pinhole SUB ARGS" on stderr; returns EXIT_POLICY. */
int usage_error(const char *sub, const char *args);

#endif
