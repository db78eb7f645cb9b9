/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_RULE_BUILD_H
#define PINHOLE_RULE_BUILD_H

/*
 * The one builder of IR rules, for the compiler (compile_chains.c) and the
 * lockdown table (lockdown.c): a rule, its matches in the shapes pinhole
 * uses, its statements, anonymous sets.
 *
 * The error is sticky: the first allocation failure (or a rule with more
 * matches or statements than the IR holds, a caller's bug) sets @err to
 * -ENOMEM, and from then on every call does nothing and returns NULL, so a
 * caller builds a whole chain and checks once at the end. Every function
 * accepts the NULL rule or set a failed call returned.
 */
#include <stddef.h>
#include <stdint.h>

#include "ir.h"

struct pinhole_loc;

/**
 * struct rule_builder - where rules go, and how it went
 * @r: the ruleset; a rule's location points at its file name (@r->file)
 * @err: 0, or -ENOMEM once anything failed
 */
struct rule_builder {
	struct pinhole_ruleset *r;
	int err;
};

/*
 * Append a rule to @c. @comment is copied (NULL: none); @loc is the policy
 * node it comes from (NULL: built in).
 */
struct ir_rule *rb_rule(struct rule_builder *b, struct ir_chain *c,
			const char *comment, const struct pinhole_loc *loc);
/* A match of @f with @op; the caller fills in its value. */
struct ir_match *rb_match(struct rule_builder *b, struct ir_rule *r,
			  enum ir_field f, enum ir_op op);
/* A statement; the caller fills in what its type needs. */
struct ir_stmt *rb_stmt(struct rule_builder *b, struct ir_rule *r,
			enum ir_stmt_type t);

/* @f == @v, for the one-byte fields (l4proto, icmpv6 type, hop limit...). */
void rb_m_u8(struct rule_builder *b, struct ir_rule *r, enum ir_field f,
	     uint8_t v);
/* @f == @v[0] for one value, else @f in { @v... } (an anonymous set). */
void rb_m_u8s(struct rule_builder *b, struct ir_rule *r, enum ir_field f,
	      const uint8_t *v, size_t n);
/* meta nfproto ipv6 / ipv4, for @family 6 or 4. */
void rb_m_nfproto(struct rule_builder *b, struct ir_rule *r, int family);
/* (@f & @bits) != 0: ct state / ct status with enum ir_ct_state bits. */
void rb_m_flags(struct rule_builder *b, struct ir_rule *r, enum ir_field f,
		uint32_t bits);
/* `fib daddr type local`: the packet is addressed to this machine. */
void rb_m_fib_local(struct rule_builder *b, struct ir_rule *r);
/* iifname / oifname @name; a trailing '*' matches a prefix. */
void rb_m_ifname(struct rule_builder *b, struct ir_rule *r, enum ir_field f,
		 const char *name);
/*
 * iifname / oifname in { @names... }: one name is rb_m_ifname(), more an
 * anonymous set; with a wildcard it is an interval set, a trailing '*' the
 * range of names it starts (nft's own encoding). A
 * name a wildcard of the list already matches is left out (the elements of
 * an interval set must not overlap).
 */
void rb_m_ifnames(struct rule_builder *b, struct ir_rule *r, enum ir_field f,
		  const char *const *names, size_t n);
/* An address field in @addr/@plen. */
void rb_m_prefix(struct rule_builder *b, struct ir_rule *r, enum ir_field f,
		 const uint8_t *addr, unsigned int plen);
/* th dport in [@lo, @hi] (one port: @lo == @hi). */
void rb_m_port(struct rule_builder *b, struct ir_rule *r, uint16_t lo,
	       uint16_t hi);

/* @f in an anonymous set: the set, for rb_anon_elem() to fill. */
struct ir_set *rb_m_anon(struct rule_builder *b, struct ir_rule *r,
			 enum ir_field f);
/* Append a zeroed element to the anonymous set @s. */
struct ir_elem *rb_anon_elem(struct rule_builder *b, struct ir_set *s);

#endif
