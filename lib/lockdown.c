// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The lockdown table (SPEC §3): what `apply --boot` loads when the policy
 * does not compile and nothing was saved. Built as IR, so it goes through
 * the same apply path, printer and decoder as a compiled policy.
 *
 *   input    policy drop: lo, established/related, ICMPv6 errors (packet
 *            too big above all), ND/RA with hop limit 255, the machine's
 *            own DHCP client replies, then everything from link-local
 *            fe80::/10, ULA fc00::/7 and private IPv4 sources (an admin on
 *            the LAN can reach the machine to repair it); the rest dropped
 *   forward  policy drop: established/related, ICMPv6 errors, ULA and
 *            private IPv4 sources; nothing new from global addresses
 * No output chain: the machine itself may still open connections.
 */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/netfilter.h>

#include "pinhole.h"
#include "ir.h"

struct lb {
	struct pinhole_ruleset *r;
	int err;	/* sticky */
};

static struct ir_rule *rule(struct lb *b, struct ir_chain *c, const char *comment)
{
	struct ir_rule *r = c ? ir_chain_add_rule(c) : NULL;

	if (!r || (comment && !(r->comment = strdup(comment)))) {
		b->err = -ENOMEM;
		return NULL;
	}
	return r;
}

static struct ir_match *match(struct lb *b, struct ir_rule *r, enum ir_field f,
			      enum ir_op op)
{
	struct ir_match *m = r ? ir_rule_match(r, f, op) : NULL;

	if (!m)
		b->err = -ENOMEM;
	return m;
}

static void add_stmt(struct lb *b, struct ir_rule *r, enum ir_stmt_type t)
{
	if (!r || !ir_rule_stmt(r, t))
		b->err = -ENOMEM;
}

static void m_u8(struct lb *b, struct ir_rule *r, enum ir_field f, uint8_t v)
{
	struct ir_match *m = match(b, r, f, IR_OP_EQ);

	if (m)
		m->lo[0] = m->hi[0] = v;
}

static void m_port(struct lb *b, struct ir_rule *r, uint16_t port)
{
	struct ir_match *m = match(b, r, IR_F_TH_DPORT, IR_OP_EQ);

	if (m) {
		m->lo[0] = m->hi[0] = port >> 8;
		m->lo[1] = m->hi[1] = port & 0xff;
	}
}

static void m_prefix(struct lb *b, struct ir_rule *r, enum ir_field f,
		     const uint8_t *addr, unsigned int plen)
{
	struct ir_match *m = match(b, r, f, IR_OP_EQ);

	if (m)
		ir_prefix_range(addr, plen, ir_field(f)->len, m->lo, m->hi);
}

/* An anonymous set of one field for a new lookup match. */
static struct ir_set *m_anon(struct lb *b, struct ir_rule *r, enum ir_field f)
{
	struct ir_match *m = match(b, r, f, IR_OP_LOOKUP);

	if (!m)
		return NULL;
	m->set = ir_set_new_anon();
	if (!m->set) {
		r->n_matches--;
		b->err = -ENOMEM;
		return NULL;
	}
	m->set->n_keys = 1;
	m->set->keys[0].field = f;
	return m->set;
}

static void m_icmp6_types(struct lb *b, struct ir_rule *r, const uint8_t *types,
			  size_t n)
{
	struct ir_set *s = m_anon(b, r, IR_F_ICMPV6_TYPE);

	for (size_t i = 0; s && i < n; i++) {
		struct ir_elem *e = ir_set_add_elem(s);

		if (!e) {
			b->err = -ENOMEM;
			return;
		}
		e->key[0] = e->key_end[0] = types[i];
	}
}

static void m_nfproto(struct lb *b, struct ir_rule *r, int family)
{
	m_u8(b, r, IR_F_NFPROTO, family == 6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
}

static void rules_ct(struct lb *b, struct ir_chain *c)
{
	struct ir_rule *r = rule(b, c, NULL);
	struct ir_match *m = match(b, r, IR_F_CT_STATE, IR_OP_FLAGS);
	uint32_t v = 0x2 | 0x4;		/* established,related */

	if (m) {
		memcpy(m->lo, &v, 4);
		memcpy(m->hi, &v, 4);
	}
	add_stmt(b, r, IR_S_ACCEPT);
	r = rule(b, c, NULL);
	m = match(b, r, IR_F_CT_STATE, IR_OP_FLAGS);
	v = 0x1;			/* invalid */
	if (m) {
		memcpy(m->lo, &v, 4);
		memcpy(m->hi, &v, 4);
	}
	add_stmt(b, r, IR_S_DROP);
}

/* RFC 4890's must-not-drop errors; packet-too-big keeps PMTUD working. */
static void rule_icmp6_errors(struct lb *b, struct ir_chain *c)
{
	static const uint8_t errors[] = { 1, 2, 3, 4 };
	struct ir_rule *r = rule(b, c, NULL);

	m_u8(b, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
	m_icmp6_types(b, r, errors, ARRAY_SIZE(errors));
	add_stmt(b, r, IR_S_ACCEPT);
}

/* Everything from ULA (and, for input, link-local) and private IPv4. */
static void rules_repair(struct lb *b, struct ir_chain *c, bool link_local)
{
	static const uint8_t fe80[16] = { 0xfe, 0x80 }, fc00[16] = { 0xfc };
	static const uint8_t private4[3][4] = { { 10 }, { 172, 16 }, { 192, 168 } };
	static const unsigned int plen4[3] = { 8, 12, 16 };
	struct ir_rule *r;
	struct ir_set *s;

	if (link_local) {
		r = rule(b, c, "lockdown: link-local");
		m_nfproto(b, r, 6);
		m_prefix(b, r, IR_F_IP6_SADDR, fe80, 10);
		add_stmt(b, r, IR_S_ACCEPT);
	}
	r = rule(b, c, "lockdown: ULA");
	m_nfproto(b, r, 6);
	m_prefix(b, r, IR_F_IP6_SADDR, fc00, 7);
	add_stmt(b, r, IR_S_ACCEPT);
	r = rule(b, c, "lockdown: private IPv4");
	m_nfproto(b, r, 4);
	s = m_anon(b, r, IR_F_IP_SADDR);
	if (s)
		s->flags |= IR_SET_INTERVAL;
	for (unsigned int i = 0; s && i < 3; i++) {
		struct ir_elem *e = ir_set_add_elem(s);

		if (!e) {
			b->err = -ENOMEM;
			break;
		}
		ir_prefix_range(private4[i], plen4[i], 4, e->key, e->key_end);
	}
	add_stmt(b, r, IR_S_ACCEPT);
}

static void rule_counter_drop(struct lb *b, struct ir_chain *c)
{
	struct ir_rule *r = rule(b, c, "lockdown");

	add_stmt(b, r, IR_S_COUNTER);
	add_stmt(b, r, IR_S_DROP);
}

static void chain_input(struct lb *b)
{
	static const uint8_t nd[] = { 133, 134, 135, 136, 141, 142 };
	static const uint8_t fe80[16] = { 0xfe, 0x80 };
	struct ir_chain *c = ir_chain_add(b->r, "input", IR_CHAIN_FILTER,
					  NF_INET_LOCAL_IN, 0, NF_DROP);
	struct ir_match *m;
	struct ir_rule *r;

	if (!c) {
		b->err = -ENOMEM;
		return;
	}
	r = rule(b, c, NULL);
	m = match(b, r, IR_F_IIFNAME, IR_OP_EQ);
	if (m) {
		memcpy(m->lo, "lo", 2);
		memcpy(m->hi, "lo", 2);
	}
	add_stmt(b, r, IR_S_ACCEPT);
	rules_ct(b, c);
	rule_icmp6_errors(b, c);
	/* neighbour and router discovery: hop limit 255 means on-link */
	r = rule(b, c, NULL);
	m_nfproto(b, r, 6);
	m_u8(b, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
	m_u8(b, r, IR_F_IP6_HOPLIMIT, 255);
	m_icmp6_types(b, r, nd, ARRAY_SIZE(nd));
	add_stmt(b, r, IR_S_ACCEPT);
	/* the machine keeps its own addresses (as compile_chains.c's input chain) */
	r = rule(b, c, "dhcpv6-client");
	m_nfproto(b, r, 6);
	m_prefix(b, r, IR_F_IP6_DADDR, fe80, 10);
	m_u8(b, r, IR_F_L4PROTO, IPPROTO_UDP);
	m_port(b, r, 546);
	add_stmt(b, r, IR_S_ACCEPT);
	r = rule(b, c, "dhcpv4-client");
	m_nfproto(b, r, 4);
	m_u8(b, r, IR_F_L4PROTO, IPPROTO_UDP);
	m_port(b, r, 68);
	add_stmt(b, r, IR_S_ACCEPT);
	rules_repair(b, c, true);
	rule_counter_drop(b, c);
}

static void chain_forward(struct lb *b)
{
	struct ir_chain *c = ir_chain_add(b->r, "forward", IR_CHAIN_FILTER,
					  NF_INET_FORWARD, 0, NF_DROP);

	if (!c) {
		b->err = -ENOMEM;
		return;
	}
	rules_ct(b, c);
	rule_icmp6_errors(b, c);
	/* link-local sources are never forwarded */
	rules_repair(b, c, false);
	rule_counter_drop(b, c);
}

EXPORT_SYMBOL(pinhole_ruleset_lockdown);
struct pinhole_ruleset *pinhole_ruleset_lockdown(const char *table)
{
	struct lb b = { 0 };

	if (!table || !*table || strlen(table) > 255) {
		errno = EINVAL;
		return NULL;
	}
	b.r = ir_ruleset_new(table);
	if (!b.r)
		return NULL;
	chain_input(&b);
	chain_forward(&b);
	if (b.err) {
		pinhole_ruleset_free(b.r);
		errno = -b.err;
		return NULL;
	}
	return b.r;
}
