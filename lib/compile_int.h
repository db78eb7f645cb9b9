/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_COMPILE_INT_H
#define PINHOLE_COMPILE_INT_H

/*
 * Private to the compiler (compile*.c), not installed: its context, and the
 * two halves of phase 2 (lower.h) that compile.c runs.
 */
#include <stdbool.h>

#include "rule_build.h"

/* The chains of the compiled table. */
#define PH_CHAIN_INPUT		"input"
#define PH_CHAIN_FORWARD	"forward"
#define PH_CHAIN_INPUT_WAN	"input_wan"
#define PH_CHAIN_FORWARD_WAN	"forward_wan"
#define PH_CHAIN_DSTNAT		"dstnat"
#define PH_CHAIN_SRCNAT		"srcnat"
#define PH_CHAIN_MANGLE_FORWARD	"mangle_forward"

/* The burst of every log rule's limit (nft's default); the rate is
   defaults.log_rate. */
#define PH_LOG_BURST		5

struct branch_list;
struct pinhole_diag;
struct pinhole_policy;

/**
 * struct cc - one compilation
 * @p: the policy, for what is not a pinhole (defaults, zones)
 * @l: its branches (phase 1)
 * @d: where policy errors go
 * @b: the ruleset being built (@b.r) and the sticky -ENOMEM (@b.err)
 * @policy_error: an error was queued in @d
 */
struct cc {
	const struct pinhole_policy *p;
	const struct branch_list *l;
	struct pinhole_diag *d;
	struct rule_builder b;
	bool policy_error;
};

/*
 * compile_sets.c: the named sets and their elements. cc_build_sets() makes
 * them, in name order, with their elements unsorted; the chains need no
 * more. cc_finish_sets() sorts and deduplicates the elements.
 */
void cc_build_sets(struct cc *cc);
void cc_finish_sets(struct cc *cc);

/*
 * compile_zones.c: router mode's rules that dispatch on interfaces, one per
 * class of zones. cc_rule_outside(): `iifname { outside } jump TARGET`;
 * cc_m_outside(): the outside interfaces as a match of @f (iifname for
 * DNAT, oifname for masquerade); cc_rules_zone_input(): what inside zones
 * may open on the router (input:); cc_rules_zone_reach(): what they may
 * forward to (reach:, defaults.outbound).
 */
struct ir_chain;
struct ir_rule;

void cc_rule_outside(struct cc *cc, struct ir_chain *c, const char *target);
void cc_m_outside(struct cc *cc, struct ir_rule *r, enum ir_field f);
/* cc_m_inside(): the same for the inside zones, if cc_has_inside() (some
   inside zone has an interface) */
bool cc_has_inside(struct cc *cc);
void cc_m_inside(struct cc *cc, struct ir_rule *r, enum ir_field f);
void cc_rules_zone_input(struct cc *cc, struct ir_chain *in);
void cc_rules_zone_reach(struct cc *cc, struct ir_chain *fw);
/*
 * mss_clamp (SPEC §6.1): the location of the first zone with it that has
 * interfaces (NULL: none), and a match of their interfaces as @f.
 */
const struct pinhole_loc *cc_mss_zones_loc(struct cc *cc);
void cc_m_mss_zones(struct cc *cc, struct ir_rule *r, enum ir_field f);

/*
 * A log rule's statements (SPEC §6.3), after the matches the caller gave
 * @r: `limit rate R burst 5 packets counter log prefix "pinhole: WHAT: "`.
 * The verdict is always a rule of its own after it, never limited.
 */
void cc_log_stmts(struct cc *cc, struct ir_rule *r, const char *what);	/* compile_log.c */

/* compile_chains.c: the chains of each mode, around those sets */
void cc_build_host_chains(struct cc *cc);
void cc_build_router_chains(struct cc *cc);

#endif
