// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/* The IR rule builder with a sticky error (rule_build.h). */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <net/if.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>

#include "ir.h"
#include "rule_build.h"

static void *fail(struct rule_builder *b)
{
	b->err = -ENOMEM;
	return NULL;
}

struct ir_rule *rb_rule(struct rule_builder *b, struct ir_chain *c,
			const char *comment, const struct pinhole_loc *loc)
{
	struct ir_rule *r;

	if (b->err)
		return NULL;
	if (!c || !(r = ir_chain_add_rule(c)))
		return fail(b);
	if (comment && !(r->comment = strdup(comment)))
		return fail(b);
	if (loc) {
		r->loc = *loc;
		r->loc.file = b->r->file;	/* the ruleset's own copy */
	}
	return r;
}

struct ir_match *rb_match(struct rule_builder *b, struct ir_rule *r,
			  enum ir_field f, enum ir_op op)
{
	struct ir_match *m;

	if (b->err || !r)
		return NULL;
	m = ir_rule_match(r, f, op);
	return m ? m : fail(b);	/* IR_RULE_MAX_MATCHES: a caller's bug */
}

struct ir_stmt *rb_stmt(struct rule_builder *b, struct ir_rule *r,
			enum ir_stmt_type t)
{
	struct ir_stmt *s;

	if (b->err || !r)
		return NULL;
	s = ir_rule_stmt(r, t);
	return s ? s : fail(b);
}

void rb_m_u8(struct rule_builder *b, struct ir_rule *r, enum ir_field f,
	     uint8_t v)
{
	struct ir_match *m = rb_match(b, r, f, IR_OP_EQ);

	if (m)
		m->lo[0] = m->hi[0] = v;
}

void rb_m_u8s(struct rule_builder *b, struct ir_rule *r, enum ir_field f,
	      const uint8_t *v, size_t n)
{
	struct ir_set *s;

	if (n == 1) {
		rb_m_u8(b, r, f, v[0]);
		return;
	}
	s = rb_m_anon(b, r, f);
	for (size_t i = 0; s && i < n; i++) {
		struct ir_elem *e = rb_anon_elem(b, s);

		if (e)
			e->key[0] = e->key_end[0] = v[i];
	}
}

void rb_m_nfproto(struct rule_builder *b, struct ir_rule *r, int family)
{
	rb_m_u8(b, r, IR_F_NFPROTO, family == 6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
}

/* Flag values are 4 bytes in host order, as the ct expression loads them. */
void rb_m_flags(struct rule_builder *b, struct ir_rule *r, enum ir_field f,
		uint32_t bits)
{
	struct ir_match *m = rb_match(b, r, f, IR_OP_FLAGS);

	if (m) {
		memcpy(m->lo, &bits, 4);
		memcpy(m->hi, &bits, 4);
	}
}

/*
 * IPv4 forwards are DNAT "from the router's wan address" (SPEC §1); without
 * this a packet the internet routes to a LAN address would be forwarded too.
 */
void rb_m_fib_local(struct rule_builder *b, struct ir_rule *r)
{
	struct ir_match *m = rb_match(b, r, IR_F_FIB_DADDR_TYPE, IR_OP_EQ);
	uint32_t local = RTN_LOCAL;

	if (m) {
		memcpy(m->lo, &local, 4);
		memcpy(m->hi, &local, 4);
	}
}

void rb_m_ifname(struct rule_builder *b, struct ir_rule *r, enum ir_field f,
		 const char *name)
{
	struct ir_match *m = rb_match(b, r, f, IR_OP_EQ);
	size_t len = strlen(name);

	if (!m)
		return;
	if (len && name[len - 1] == '*') {
		m->prefix_len = len - 1;
		memcpy(m->lo, name, len - 1);
	} else {
		memcpy(m->lo, name, len < 16 ? len : 15);
	}
	memcpy(m->hi, m->lo, sizeof(m->hi));
}

/* Does the wildcard @w (with its '*') match every name @p matches? */
static bool ifname_covers(const char *w, const char *p)
{
	size_t lw = strlen(w);

	return lw && w[lw - 1] == '*' && strcmp(w, p) && !strncmp(w, p, lw - 1);
}

void rb_m_ifnames(struct rule_builder *b, struct ir_rule *r, enum ir_field f,
		  const char *const *names, size_t n)
{
	struct ir_set *s;

	if (n == 1) {
		rb_m_ifname(b, r, f, names[0]);
		return;
	}
	s = rb_m_anon(b, r, f);
	if (!s)
		return;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		bool covered = false;
		struct ir_elem *e;

		/* interfaces are few: a zone's handful, not thousands */
		for (size_t j = 0; j < n && !covered; j++)
			covered = ifname_covers(names[j], names[i]);
		if (covered)
			continue;
		if (!(e = rb_anon_elem(b, s)))
			return;
		if (len && names[i][len - 1] == '*') {
			/* as nft does it: exact names alone make a hash set */
			s->flags |= IR_SET_INTERVAL;
			memcpy(e->key, names[i], len - 1);
			memcpy(e->key_end, names[i], len - 1);
			memset(e->key_end + len - 1, 0xff, IFNAMSIZ - (len - 1));
		} else {
			memcpy(e->key, names[i], len < IFNAMSIZ ? len : IFNAMSIZ - 1);
			memcpy(e->key_end, e->key, IFNAMSIZ);
		}
	}
	ir_set_sort(s);
}

void rb_m_prefix(struct rule_builder *b, struct ir_rule *r, enum ir_field f,
		 const uint8_t *addr, unsigned int plen)
{
	struct ir_match *m = rb_match(b, r, f, IR_OP_EQ);

	if (m)
		ir_prefix_range(addr, plen, ir_field(f)->len, m->lo, m->hi);
}

void rb_m_port(struct rule_builder *b, struct ir_rule *r, uint16_t lo,
	       uint16_t hi)
{
	struct ir_match *m = rb_match(b, r, IR_F_TH_DPORT, IR_OP_EQ);

	if (m) {
		ir_port_bytes(lo, m->lo);
		ir_port_bytes(hi, m->hi);
	}
}

struct ir_set *rb_m_anon(struct rule_builder *b, struct ir_rule *r,
			 enum ir_field f)
{
	struct ir_match *m = rb_match(b, r, f, IR_OP_LOOKUP);
	struct ir_set *s;

	if (!m)
		return NULL;
	s = ir_set_new_anon();
	if (!s) {
		r->n_matches--;
		return fail(b);
	}
	s->n_keys = 1;
	s->keys[0].field = f;
	m->set = s;
	return s;
}

struct ir_elem *rb_anon_elem(struct rule_builder *b, struct ir_set *s)
{
	struct ir_elem *e;

	if (b->err || !s)
		return NULL;
	e = ir_set_add_elem(s);
	return e ? e : fail(b);
}
