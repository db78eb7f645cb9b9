/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_COMPILE_INT_H
#define PINHOLE_COMPILE_INT_H

/*
 * Private to the compiler (compile*.c), not installed: its context, the
 * rule and match helpers its files share (defined in compile.c) and what
 * one file runs for another.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir.h"

struct ph_addr6;
struct ph_host;
struct ph_pinhole;
struct ph_portrange;
struct pinhole_diag;
struct pinhole_loc;
struct pinhole_policy;

struct cc {
	const struct pinhole_policy *p;
	struct pinhole_diag *d;
	struct pinhole_ruleset *r;
	int err;		/* sticky -ENOMEM */
	bool policy_error;
	/* each pinhole's name in the pool, shared by its elements */
	char **names;
	/* a first pass only counts each named set's elements (cc_reserve_sets()) */
	bool counting;
	struct ir_elem scratch;
	/* the suffix sets' names for the last /-N seen */
	unsigned int sfx_plen;
	char sfx[IR_NAME_MAX], sfxr[IR_NAME_MAX];
};

/* compile.c: rules, matches and set elements */
struct ir_rule *cc_new_rule(struct cc *cc, struct ir_chain *c,
			    const char *comment, const struct pinhole_loc *loc);
struct ir_match *cc_match(struct cc *cc, struct ir_rule *r, enum ir_field f,
			  enum ir_op op);
void cc_stmt(struct cc *cc, struct ir_rule *r, enum ir_stmt_type t);
void cc_m_u8(struct cc *cc, struct ir_rule *r, enum ir_field f, uint8_t v);
void cc_m_nfproto(struct cc *cc, struct ir_rule *r, int family);
void cc_m_fib_local(struct cc *cc, struct ir_rule *r);
void cc_m_ifname(struct cc *cc, struct ir_rule *r, enum ir_field f,
		 const char *name);
void cc_m_flags(struct cc *cc, struct ir_rule *r, enum ir_field f, uint32_t v);
void cc_m_prefix(struct cc *cc, struct ir_rule *r, enum ir_field f,
		 const uint8_t *addr, unsigned int plen);
void cc_port_bytes(uint16_t port, uint8_t *b);
struct ir_set *cc_m_anon(struct cc *cc, struct ir_rule *r, enum ir_field f);
struct ir_elem *cc_elem(struct cc *cc, struct ir_set *s);
void cc_anon_u8(struct cc *cc, struct ir_set *s, uint8_t v);
void cc_m_protos(struct cc *cc, struct ir_rule *r, unsigned int protos);
void cc_m_ports(struct cc *cc, struct ir_rule *r, const struct ph_portrange *pr,
		size_t n);
size_t cc_m_from(struct cc *cc, struct ir_rule *r, const struct ph_pinhole *ph,
		 int family);
void cc_suffix_mask(unsigned int n, uint8_t *mask);
void cc_m_host6(struct cc *cc, struct ir_rule *r, const struct ph_addr6 *a);

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
