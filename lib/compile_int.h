/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_COMPILE_INT_H
#define PINHOLE_COMPILE_INT_H

/*
 * Private to the compiler (compile*.c), not installed: its context and what
 * one file runs for another.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir.h"
#include "rule_build.h"

struct ph_host;
struct ph_pinhole;
struct ph_portrange;
struct pinhole_diag;
struct pinhole_policy;

/**
 * struct cc - one compilation
 * @p: the policy
 * @d: where policy errors go
 * @b: the ruleset being built (@b.r) and the sticky -ENOMEM (@b.err)
 * @policy_error: an error was queued in @d
 * @names: each pinhole's name in the ruleset's pool, shared by its elements
 * @counting: a first pass only counts each named set's elements
 *	(cc_reserve_sets())
 * @scratch: where a counted element is written
 * @sfx_plen: the /-N of the last suffix seen, @sfx and @sfxr its sets' names
 */
struct cc {
	const struct pinhole_policy *p;
	struct pinhole_diag *d;
	struct rule_builder b;
	bool policy_error;
	char **names;
	bool counting;
	struct ir_elem scratch;
	unsigned int sfx_plen;
	char sfx[IR_NAME_MAX], sfxr[IR_NAME_MAX];
};

/* compile_sets.c: the named sets and their elements */
char *cc_pinhole_name(struct cc *cc, const struct ph_pinhole *ph);
void cc_add_host6_elems(struct cc *cc, const struct ph_pinhole *ph,
			const struct ph_host *h);
void cc_add_self_elems(struct cc *cc, const struct ph_pinhole *ph, int family);
const struct ph_portrange *cc_ext_of(const struct ph_pinhole *ph, size_t i);
void cc_add_fwd4_elems(struct cc *cc, const struct ph_pinhole *ph,
		       const struct ph_host *h);
void cc_reserve_sets(struct cc *cc);
void cc_finish_sets(struct cc *cc);

/* compile_chains.c: the chains of each mode */
bool cc_family_wanted(const struct ph_pinhole *ph, int family);
bool cc_has_from_family(const struct ph_pinhole *ph, int family);
void cc_compile_host_mode(struct cc *cc);
void cc_compile_router_mode(struct cc *cc);

/* compile_logical.c: the logical pinholes (PINHOLE_COMPILE_PINHOLES) */
void cc_record_pinholes(struct cc *cc);

#endif
