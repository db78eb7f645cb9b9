// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Policy AST → ruleset IR (cf. nftables netlink_linearize.c, one level up).
 *
 * Shape of the table (router mode):
 *   input        base, policy drop: lo, ct state, ICMPv6, DHCP client
 *                replies, inside zones, then `iifname WAN jump input_wan`
 *   input_wan    pinholes to the router itself (`host: self`), log, final verdict
 *   forward      base, policy drop: ct state, ICMPv6, inside zones out,
 *                `ct status dnat accept`, `iifname WAN jump forward_wan`
 *   forward_wan  pinholes to LAN hosts as set lookups, log, final verdict
 *   dstnat/srcnat  IPv4 port forwards (a map) and masquerade
 * Host mode: the input chain only, with the self pinholes inline.
 *
 * Pinholes open to everyone become set elements, not rules, so the per-packet
 * cost stays flat as they grow (research/netlink.md §5, §7): exact host and
 * exact port in hash sets, ranges and subnets in interval sets, suffix hosts
 * in sets looked up with a masked address. Pinholes with `from:` are few and
 * become one rule each.
 *
 * This file holds the compiler's entry points and the rule, match and
 * element helpers the others share (compile_int.h); the named sets are
 * built in compile_sets.c, the chains in compile_chains.c and the logical
 * pinholes in compile_logical.c.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/netfilter.h>

#include "pinhole.h"
#include "ast.h"
#include "compile.h"
#include "compile_int.h"
#include "ir.h"

static const struct pinhole_loc no_loc;

/* ------------------------------------------------------------ rule helpers */

struct ir_rule *cc_new_rule(struct cc *cc, struct ir_chain *c,
			    const char *comment, const struct pinhole_loc *loc)
{
	struct ir_rule *r = ir_chain_add_rule(c);

	if (!r) {
		cc->err = -ENOMEM;
		return NULL;
	}
	if (comment && !(r->comment = strdup(comment))) {
		cc->err = -ENOMEM;
		return NULL;
	}
	r->loc = loc ? *loc : no_loc;
	if (loc)
		r->loc.file = cc->r->file;	/* the ruleset's own copy */
	return r;
}

struct ir_match *cc_match(struct cc *cc, struct ir_rule *r, enum ir_field f,
			  enum ir_op op)
{
	struct ir_match *m = r ? ir_rule_match(r, f, op) : NULL;

	if (r && !m)
		cc->err = -ENOMEM;	/* IR_RULE_MAX_MATCHES: a compiler bug */
	return m;
}

void cc_stmt(struct cc *cc, struct ir_rule *r, enum ir_stmt_type t)
{
	if (r && !ir_rule_stmt(r, t))
		cc->err = -ENOMEM;
}

void cc_m_u8(struct cc *cc, struct ir_rule *r, enum ir_field f, uint8_t v)
{
	struct ir_match *m = cc_match(cc, r, f, IR_OP_EQ);

	if (m)
		m->lo[0] = m->hi[0] = v;
}

void cc_m_nfproto(struct cc *cc, struct ir_rule *r, int family)
{
	cc_m_u8(cc, r, IR_F_NFPROTO, family == 6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
}

/*
 * `fib daddr type local`: the packet is addressed to the router itself.
 * IPv4 forwards are DNAT "from the router's wan address" (SPEC §1); without
 * this a packet the internet routes to a LAN address would be forwarded too.
 */
void cc_m_fib_local(struct cc *cc, struct ir_rule *r)
{
	struct ir_match *m = cc_match(cc, r, IR_F_FIB_DADDR_TYPE, IR_OP_EQ);
	uint32_t local = 2;	/* RTN_LOCAL */

	if (m) {
		memcpy(m->lo, &local, 4);
		memcpy(m->hi, &local, 4);
	}
}

void cc_m_ifname(struct cc *cc, struct ir_rule *r, enum ir_field f,
		 const char *name)
{
	struct ir_match *m = cc_match(cc, r, f, IR_OP_EQ);
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

void cc_m_flags(struct cc *cc, struct ir_rule *r, enum ir_field f, uint32_t v)
{
	struct ir_match *m = cc_match(cc, r, f, IR_OP_FLAGS);

	if (m) {
		memcpy(m->lo, &v, 4);
		memcpy(m->hi, &v, 4);
	}
}

void cc_m_prefix(struct cc *cc, struct ir_rule *r, enum ir_field f,
		 const uint8_t *addr, unsigned int plen)
{
	struct ir_match *m = cc_match(cc, r, f, IR_OP_EQ);

	if (m)
		ir_prefix_range(addr, plen, ir_field(f)->len, m->lo, m->hi);
}

void cc_port_bytes(uint16_t port, uint8_t *b)
{
	b[0] = port >> 8;
	b[1] = port & 0xff;
}

/* Anonymous set of one field, attached to a new lookup match. */
struct ir_set *cc_m_anon(struct cc *cc, struct ir_rule *r, enum ir_field f)
{
	struct ir_match *m = cc_match(cc, r, f, IR_OP_LOOKUP);
	struct ir_set *s;

	if (!m)
		return NULL;
	s = ir_set_new_anon();
	if (!s) {
		cc->err = -ENOMEM;
		r->n_matches--;
		return NULL;
	}
	s->n_keys = 1;
	s->keys[0].field = f;
	m->set = s;
	return s;
}

struct ir_elem *cc_elem(struct cc *cc, struct ir_set *s)
{
	struct ir_elem *e;

	if (cc->counting && s && !(s->flags & IR_SET_ANON)) {
		s->cap_elems++;
		memset(&cc->scratch, 0, sizeof(cc->scratch));
		return &cc->scratch;
	}
	e = s ? ir_set_add_elem(s) : NULL;

	if (s && !e)
		cc->err = -ENOMEM;
	return e;
}

void cc_anon_u8(struct cc *cc, struct ir_set *s, uint8_t v)
{
	struct ir_elem *e = cc_elem(cc, s);

	if (e)
		e->key[0] = e->key_end[0] = v;
}

/* l4proto match: one value, or { tcp, udp }. */
void cc_m_protos(struct cc *cc, struct ir_rule *r, unsigned int protos)
{
	struct ir_set *s;

	if (protos == PH_PROTO_TCP || protos == PH_PROTO_UDP) {
		cc_m_u8(cc, r, IR_F_L4PROTO, protos == PH_PROTO_TCP ? IPPROTO_TCP : IPPROTO_UDP);
		return;
	}
	s = cc_m_anon(cc, r, IR_F_L4PROTO);
	cc_anon_u8(cc, s, IPPROTO_TCP);
	cc_anon_u8(cc, s, IPPROTO_UDP);
}

/* th dport match: one port or range, else an anonymous set. */
void cc_m_ports(struct cc *cc, struct ir_rule *r, const struct ph_portrange *pr,
		size_t n)
{
	struct ir_set *s;

	if (n == 1) {
		struct ir_match *m = cc_match(cc, r, IR_F_TH_DPORT, IR_OP_EQ);

		if (m) {
			cc_port_bytes(pr[0].lo, m->lo);
			cc_port_bytes(pr[0].hi, m->hi);
		}
		return;
	}
	s = cc_m_anon(cc, r, IR_F_TH_DPORT);
	for (size_t i = 0; s && i < n; i++) {
		struct ir_elem *e = cc_elem(cc, s);

		if (!e)
			return;
		cc_port_bytes(pr[i].lo, e->key);
		cc_port_bytes(pr[i].hi, e->key_end);
		if (pr[i].lo != pr[i].hi)
			s->flags |= IR_SET_INTERVAL;
	}
	if (s)
		ir_set_sort(s);
}

/* Source prefixes of @family from `from:`; returns how many there were. */
size_t cc_m_from(struct cc *cc, struct ir_rule *r, const struct ph_pinhole *ph,
		 int family)
{
	enum ir_field f = family == 6 ? IR_F_IP6_SADDR : IR_F_IP_SADDR;
	unsigned int len = family == 6 ? 16 : 4;
	struct ir_set *s = NULL;
	size_t n = 0, last = 0;

	for (size_t i = 0; i < ph->n_from; i++)
		if (ph->from[i].family == family) {
			n++;
			last = i;
		}
	if (n == 1) {
		cc_m_prefix(cc, r, f, ph->from[last].addr, ph->from[last].plen);
		return n;
	}
	if (!n)
		return 0;
	s = cc_m_anon(cc, r, f);
	if (!s)
		return n;
	s->flags |= IR_SET_INTERVAL;
	for (size_t i = 0; i < ph->n_from; i++) {
		struct ir_elem *e;

		if (ph->from[i].family != family)
			continue;
		e = cc_elem(cc, s);
		if (!e)
			break;
		ir_prefix_range(ph->from[i].addr, ph->from[i].plen, len, e->key, e->key_end);
	}
	ir_set_sort(s);
	return n;
}

/* The last @n bits set: the mask of a ::X/-N suffix. */
void cc_suffix_mask(unsigned int n, uint8_t *mask)
{
	uint8_t lo[16];

	ir_prefix_range((const uint8_t[16]){ 0 }, 128 - n, 16, lo, mask);
}

/* Destination match for a host's IPv6 address of any kind. */
void cc_m_host6(struct cc *cc, struct ir_rule *r, const struct ph_addr6 *a)
{
	struct ir_match *m;

	switch (a->kind) {
	case PH_ADDR6_EXACT:
		cc_m_prefix(cc, r, IR_F_IP6_DADDR, a->addr, 128);
		break;
	case PH_ADDR6_SUBNET:
		cc_m_prefix(cc, r, IR_F_IP6_DADDR, a->addr, a->plen);
		break;
	case PH_ADDR6_SUFFIX:
		m = cc_match(cc, r, IR_F_IP6_DADDR, IR_OP_EQ);
		if (!m)
			return;
		m->keys[0].masked = true;
		cc_suffix_mask(a->plen, m->keys[0].mask);
		memcpy(m->lo, a->addr, 16);
		memcpy(m->hi, a->addr, 16);
		break;
	case PH_ADDR6_NONE:
		break;
	}
}

EXPORT_SYMBOL(pinhole_ruleset_compile_flags);
int pinhole_ruleset_compile_flags(const struct pinhole_policy *p,
				  unsigned int flags, struct pinhole_diag *d,
				  struct pinhole_ruleset **out)
{
	struct cc cc = { .p = p, .d = d };

	*out = NULL;
	cc.r = ir_ruleset_new(p->table ? p->table : PINHOLE_DEFAULT_TABLE);
	cc.names = calloc(p->n_pinholes ? p->n_pinholes : 1, sizeof(*cc.names));
	if (!cc.r || !cc.names || !(cc.r->file = strdup(p->file))) {
		pinhole_ruleset_free(cc.r);
		free(cc.names);
		return -ENOMEM;
	}
	if (flags & PINHOLE_COMPILE_PINHOLES) {
		cc_record_pinholes(&cc);
		cc.r->has_pinholes = true;
	}
	if (p->router)
		cc_compile_router_mode(&cc);
	else
		cc_compile_host_mode(&cc);
	free(cc.names);
	if (cc.err || cc.policy_error) {
		pinhole_ruleset_free(cc.r);
		return cc.err ? cc.err : -1;
	}
	*out = cc.r;
	return 0;
}

EXPORT_SYMBOL(pinhole_ruleset_compile);
int pinhole_ruleset_compile(const struct pinhole_policy *p, struct pinhole_diag *d,
			    struct pinhole_ruleset **out)
{
	return pinhole_ruleset_compile_flags(p, PINHOLE_COMPILE_PINHOLES, d, out);
}
