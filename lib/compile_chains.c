// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The chains and their rules: the boilerplate every chain starts and ends
 * with, a lookup of each named set, one rule for each branch restricted by
 * from: (lower.h), and the host and router modes that put them together.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>

#include "pinhole.h"
#include "ast.h"
#include "compile_int.h"
#include "diag.h"
#include "ir.h"
#include "lower.h"
#include "rule_build.h"

/* ------------------------------------------------------------ boilerplate */

static void rule_ct(struct cc *cc, struct ir_chain *c)
{
	struct ir_rule *r = rb_rule(&cc->b, c, NULL, NULL);

	rb_m_flags(&cc->b, r, IR_F_CT_STATE, IR_CT_STATE_ESTABLISHED | IR_CT_STATE_RELATED);
	rb_stmt(&cc->b, r, IR_S_ACCEPT);
	r = rb_rule(&cc->b, c, NULL, NULL);
	rb_m_flags(&cc->b, r, IR_F_CT_STATE, IR_CT_STATE_INVALID);
	rb_stmt(&cc->b, r, IR_S_DROP);
}

/*
 * ICMPv6 per RFC 4890 (SPEC §4). Errors and echo pass in both chains;
 * `strict` keeps only the must-not-drop codes of time-exceeded (0) and
 * parameter-problem (1, 2). Packet-too-big is never dropped.
 *
 * An error that belongs to a connection is `ct state related` and would be
 * accepted by the rule before these, whatever its code: `strict` therefore
 * drops the two should-not-drop codes (time-exceeded 1, parameter-problem
 * 0) ahead of the conntrack rule (rules_icmpv6_strict()), and what is left
 * here is the unrelated traffic (echo, and errors conntrack does not
 * track).
 */
static void rules_icmpv6(struct cc *cc, struct ir_chain *c, bool input)
{
	static const uint8_t errors_all[] = { 1, 2, 3, 4, 128, 129 };
	static const uint8_t errors_strict[] = { 1, 2, 128, 129 };
	bool strict = cc->p->defaults.icmpv6 == PH_ICMPV6_STRICT;
	/* defaults.ping: drop takes echo-request (128) out of input's list */
	bool no_echo = input && cc->p->defaults.ping == PH_V_DROP;
	const uint8_t *types = strict ? errors_strict : errors_all;
	size_t n = strict ? ARRAY_SIZE(errors_strict) : ARRAY_SIZE(errors_all);
	uint8_t kept[ARRAY_SIZE(errors_all)];
	size_t k = 0;
	struct ir_rule *r;
	struct ir_match *m;

	for (size_t i = 0; i < n; i++)
		if (!no_echo || types[i] != 128)
			kept[k++] = types[i];
	r = rb_rule(&cc->b, c, NULL, NULL);
	rb_m_u8(&cc->b, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
	rb_m_u8s(&cc->b, r, IR_F_ICMPV6_TYPE, kept, k);
	rb_stmt(&cc->b, r, IR_S_ACCEPT);
	if (strict) {
		r = rb_rule(&cc->b, c, NULL, NULL);
		rb_m_u8(&cc->b, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
		rb_m_u8(&cc->b, r, IR_F_ICMPV6_TYPE, 3);
		rb_m_u8(&cc->b, r, IR_F_ICMPV6_CODE, 0);
		rb_stmt(&cc->b, r, IR_S_ACCEPT);
		r = rb_rule(&cc->b, c, NULL, NULL);
		rb_m_u8(&cc->b, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
		rb_m_u8(&cc->b, r, IR_F_ICMPV6_TYPE, 4);
		m = rb_match(&cc->b, r, IR_F_ICMPV6_CODE, IR_OP_EQ);
		if (m) {
			m->lo[0] = 1;
			m->hi[0] = 2;
		}
		rb_stmt(&cc->b, r, IR_S_ACCEPT);
	}
}

/*
 * `strict`: the should-not-drop error codes, dropped before conntrack's
 * `related` could accept them (RFC 4890 §4.3.2: time-exceeded code 1,
 * parameter-problem code 0).
 */
static void rules_icmpv6_strict(struct cc *cc, struct ir_chain *c)
{
	static const uint8_t drop[][2] = { { 3, 1 }, { 4, 0 } };
	struct ir_rule *r;

	if (cc->p->defaults.icmpv6 != PH_ICMPV6_STRICT)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(drop); i++) {
		r = rb_rule(&cc->b, c, NULL, NULL);
		rb_m_u8(&cc->b, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
		rb_m_u8(&cc->b, r, IR_F_ICMPV6_TYPE, drop[i][0]);
		rb_m_u8(&cc->b, r, IR_F_ICMPV6_CODE, drop[i][1]);
		rb_stmt(&cc->b, r, IR_S_DROP);
	}
}

/*
 * The link's own control traffic to the machine (RFC 4890 §4.4.1): router
 * and neighbour discovery, inverse ND and SEND (hop limit 255: on-link
 * only), MLD and multicast router discovery (link-local sources). Before
 * `ct state invalid drop`: conntrack tracks none of these, and marks
 * inverse ND, SEND and MRD solicitation/termination invalid.
 */
static void rules_icmpv6_link(struct cc *cc, struct ir_chain *c)
{
	static const uint8_t nd[] = { 133, 134, 135, 136, 141, 142, 148, 149 };
	static const uint8_t mld[] = { 130, 131, 132, 143, 151, 152, 153 };
	struct ir_rule *r;

	r = rb_rule(&cc->b, c, NULL, NULL);
	rb_m_nfproto(&cc->b, r, 6);
	rb_m_u8(&cc->b, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
	rb_m_u8(&cc->b, r, IR_F_IP6_HOPLIMIT, 255);
	rb_m_u8s(&cc->b, r, IR_F_ICMPV6_TYPE, nd, ARRAY_SIZE(nd));
	rb_stmt(&cc->b, r, IR_S_ACCEPT);
	r = rb_rule(&cc->b, c, NULL, NULL);
	rb_m_nfproto(&cc->b, r, 6);
	rb_m_u8(&cc->b, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
	rb_m_prefix(&cc->b, r, IR_F_IP6_SADDR, (const uint8_t[16]){ 0xfe, 0x80 }, 10);
	rb_m_u8s(&cc->b, r, IR_F_ICMPV6_TYPE, mld, ARRAY_SIZE(mld));
	rb_stmt(&cc->b, r, IR_S_ACCEPT);
}

/* A location of the policy, or NULL for a default (line 0). */
static const struct pinhole_loc *given(const struct pinhole_loc *loc)
{
	return loc->line ? loc : NULL;
}

/*
 * defaults.ping: accept (SPEC §6.3): IPv4 echo requests to the machine, as
 * ICMPv6's are in the input list (fw4's Allow-Ping).
 */
static void rule_ping4(struct cc *cc, struct ir_chain *in)
{
	struct ir_rule *r;

	if (cc->p->defaults.ping != PH_V_ACCEPT || !ph_filters(cc->p, 4))
		return;
	r = rb_rule(&cc->b, in, "ping", given(&cc->p->defaults.ping_loc));
	rb_m_nfproto(&cc->b, r, 4);
	rb_m_u8(&cc->b, r, IR_F_L4PROTO, IPPROTO_ICMP);
	rb_m_u8(&cc->b, r, IR_F_ICMP_TYPE, 8);	/* echo-request */
	rb_stmt(&cc->b, r, IR_S_ACCEPT);
}

/*
 * defaults.bogons (SPEC 6.3; RFC 6092 REC-1..4, REC-7). Sources that never
 * come from the internet, as ONE interval set: IPv4-compatible ::/96 but
 * not :: itself (the source of DAD neighbour solicitations), IPv4-mapped
 * ::ffff:0:0/96, ULA fc00::/7, site-local fec0::/10 and multicast
 * ff00::/8. The last two touch, and nft merges touching intervals of an
 * anonymous set, so they are one element here too (fec0:: to the end),
 * the same bytecode as `nft -f` of the text. 2001:db8::/32 is not here.
 */
static void m_bogon_sources(struct cc *cc, struct ir_rule *r)
{
	static const struct { uint8_t lo[16], hi[16]; } bogons[] = {
		{ { [15] = 1 }, { [12] = 0xff, 0xff, 0xff, 0xff } },
		{ { [10] = 0xff, 0xff }, { [10] = 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
		{ { 0xfc }, { 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
		{ { 0xfe, 0xc0 }, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
	};
	struct ir_set *s = rb_m_anon(&cc->b, r, IR_F_IP6_SADDR);

	if (!s)
		return;
	s->flags |= IR_SET_INTERVAL;
	for (size_t i = 0; i < ARRAY_SIZE(bogons); i++) {
		struct ir_elem *e = rb_anon_elem(&cc->b, s);

		if (!e)
			return;
		memcpy(e->key, bogons[i].lo, 16);
		memcpy(e->key_end, bogons[i].hi, 16);
	}
}

/*
 * The bogon rules of the input (@forward false) or forward chain, placed
 * right after `ct state invalid drop`: a new packet from an outside zone
 * with a bogon source (forward: also a ULA destination) is dropped before
 * ICMPv6, NDP or any pinhole can accept it. Replies pass before them on
 * purpose: conntrack only holds flows whose first packet passed this
 * ruleset, so an established or related packet from such a source answers
 * something the inside (or the router) opened itself, such as the ICMPv6
 * packet-too-big of an ISP router numbered from ULA space, which must
 * never be dropped (SPEC 4, RFC 4890).
 */
static void rules_bogons(struct cc *cc, struct ir_chain *c, bool forward)
{
	const struct pinhole_loc *loc = &cc->p->defaults.bogons_loc;
	struct ir_rule *r;

	r = rb_rule(&cc->b, c, NULL, loc);
	cc_m_outside(cc, r, IR_F_IIFNAME);
	rb_m_nfproto(&cc->b, r, 6);
	m_bogon_sources(cc, r);
	rb_stmt(&cc->b, r, IR_S_COUNTER);
	rb_stmt(&cc->b, r, IR_S_DROP);
	if (!forward)
		return;
	r = rb_rule(&cc->b, c, NULL, loc);
	cc_m_outside(cc, r, IR_F_IIFNAME);
	rb_m_nfproto(&cc->b, r, 6);
	rb_m_prefix(&cc->b, r, IR_F_IP6_DADDR, (const uint8_t[16]){ 0xfc }, 7);
	rb_stmt(&cc->b, r, IR_S_COUNTER);
	rb_stmt(&cc->b, r, IR_S_DROP);
}

/*
 * Routing header type 0, part of defaults.bogons: `rt type 0` on every
 * interface and in every conntrack state, before the replies are
 * accepted. RFC 5095 deprecates it for every node and RFC 6092 REC-4 says
 * a gateway MUST NOT forward it in either direction; no flow carries it
 * legitimately. A packet without a routing header breaks the match.
 */
static void rule_rt0(struct cc *cc, struct ir_chain *c)
{
	struct ir_rule *r = rb_rule(&cc->b, c, NULL, &cc->p->defaults.bogons_loc);

	rb_m_nfproto(&cc->b, r, 6);
	rb_m_u8(&cc->b, r, IR_F_RT_TYPE, 0);
	rb_stmt(&cc->b, r, IR_S_COUNTER);
	rb_stmt(&cc->b, r, IR_S_DROP);
}

/* Router mode with defaults.bogons and IPv6 filtered. */
static bool want_bogons(const struct cc *cc)
{
	return cc->p->router && cc->p->defaults.bogons && ph_filters(cc->p, 6);
}

/* DHCPv6 and DHCPv4 client replies, so the machine keeps its own addresses. */
static void rules_dhcp_client(struct cc *cc, struct ir_chain *c)
{
	struct ir_rule *r;

	if (ph_filters(cc->p, 6)) {
		r = rb_rule(&cc->b, c, "dhcpv6-client", NULL);
		rb_m_nfproto(&cc->b, r, 6);
		rb_m_prefix(&cc->b, r, IR_F_IP6_DADDR, (const uint8_t[16]){ 0xfe, 0x80 }, 10);
		rb_m_u8(&cc->b, r, IR_F_L4PROTO, IPPROTO_UDP);
		rb_m_port(&cc->b, r, 546, 546);
		rb_stmt(&cc->b, r, IR_S_ACCEPT);
	}
	if (!ph_filters(cc->p, 4))
		return;
	r = rb_rule(&cc->b, c, "dhcpv4-client", NULL);
	rb_m_nfproto(&cc->b, r, 4);
	rb_m_u8(&cc->b, r, IR_F_L4PROTO, IPPROTO_UDP);
	rb_m_port(&cc->b, r, 68, 68);
	rb_stmt(&cc->b, r, IR_S_ACCEPT);
}

/*
 * The first rules of every base chain pinhole owns: `meta nfproto ipv4
 * accept` for a family families: leaves alone (SPEC §6.2), before any
 * state, NAT or verdict could touch it.
 */
static void rules_unfiltered(struct cc *cc, struct ir_chain *c)
{
	for (int family = 6; family >= 4; family -= 2) {
		struct ir_rule *r;

		if (ph_filters(cc->p, family))
			continue;
		r = rb_rule(&cc->b, c, NULL, &cc->p->families_loc);
		rb_m_nfproto(&cc->b, r, family);
		rb_stmt(&cc->b, r, IR_S_ACCEPT);
	}
}

/*
 * What every input chain accepts first: the families it leaves alone,
 * loopback, replies, ICMPv6, DHCP (of the families it filters).
 */
static void rules_input_common(struct cc *cc, struct ir_chain *in)
{
	struct ir_rule *r;

	rules_unfiltered(cc, in);
	r = rb_rule(&cc->b, in, NULL, NULL);
	rb_m_ifname(&cc->b, r, IR_F_IIFNAME, "lo");
	rb_stmt(&cc->b, r, IR_S_ACCEPT);
	if (want_bogons(cc))
		rule_rt0(cc, in);
	if (ph_filters(cc->p, 6)) {
		rules_icmpv6_link(cc, in);
		rules_icmpv6_strict(cc, in);
	}
	rule_ct(cc, in);
	if (want_bogons(cc))
		rules_bogons(cc, in, false);
	if (ph_filters(cc->p, 6))
		rules_icmpv6(cc, in, true);
	rule_ping4(cc, in);
	rules_dhcp_client(cc, in);
}

/* defaults.log: what chain @c is about to drop, logged under its name. */
static void rule_log_drop(struct cc *cc, struct ir_chain *c)
{
	if (cc->p->defaults.log)
		cc_log_stmts(cc, rb_rule(&cc->b, c, NULL, NULL), c->name);
}

/* The end of a chain that saw unsolicited traffic: log, then the verdict. */
static void rules_final(struct cc *cc, struct ir_chain *c, enum ph_defaults_verdict v)
{
	struct ir_rule *r;
	struct ir_stmt *s;

	if (v == PH_V_ACCEPT) {
		r = rb_rule(&cc->b, c, NULL, NULL);
		rb_stmt(&cc->b, r, IR_S_ACCEPT);
		return;
	}
	rule_log_drop(cc, c);
	if (v == PH_V_REJECT) {
		r = rb_rule(&cc->b, c, NULL, NULL);
		rb_m_u8(&cc->b, r, IR_F_L4PROTO, IPPROTO_TCP);
		rb_stmt(&cc->b, r, IR_S_COUNTER);
		if ((s = rb_stmt(&cc->b, r, IR_S_REJECT)))
			s->reject.how = IR_REJECT_TCP_RST;
		r = rb_rule(&cc->b, c, NULL, NULL);
		rb_stmt(&cc->b, r, IR_S_COUNTER);
		if ((s = rb_stmt(&cc->b, r, IR_S_REJECT)))
			s->reject.how = IR_REJECT_ICMPX_ADMIN;
		return;
	}
	r = rb_rule(&cc->b, c, NULL, NULL);
	rb_stmt(&cc->b, r, IR_S_COUNTER);
	rb_stmt(&cc->b, r, IR_S_DROP);
}

static void rule_lookup(struct cc *cc, struct ir_chain *c, const struct ir_set *s,
			int family)
{
	struct ir_rule *r = rb_rule(&cc->b, c, NULL, NULL);
	struct ir_match *m;

	if (family)
		rb_m_nfproto(&cc->b, r, family);
	m = rb_match(&cc->b, r, s->keys[0].field, IR_OP_LOOKUP);
	if (!m)
		return;
	m->n_keys = s->n_keys;
	memcpy(m->keys, s->keys, sizeof(m->keys));
	m->set = (struct ir_set *)s;
	rb_stmt(&cc->b, r, IR_S_ACCEPT);
}

/* ------------------------------------------------------ restricted pinholes */

/* l4proto match: one value, or { tcp, udp }. */
static void m_protos(struct cc *cc, struct ir_rule *r, unsigned int protos)
{
	static const uint8_t both[] = { IPPROTO_TCP, IPPROTO_UDP };

	if (protos == PH_PROTO_TCP)
		rb_m_u8(&cc->b, r, IR_F_L4PROTO, IPPROTO_TCP);
	else if (protos == PH_PROTO_UDP)
		rb_m_u8(&cc->b, r, IR_F_L4PROTO, IPPROTO_UDP);
	else
		rb_m_u8s(&cc->b, r, IR_F_L4PROTO, both, ARRAY_SIZE(both));
}

/* th dport match: one port or range, else an anonymous set. */
static void m_portlist(struct cc *cc, struct ir_rule *r,
		       const struct ph_portrange *v, size_t n)
{
	struct ir_set *s;

	if (n == 1) {
		rb_m_port(&cc->b, r, v[0].lo, v[0].hi);
		return;
	}
	s = rb_m_anon(&cc->b, r, IR_F_TH_DPORT);
	for (size_t i = 0; i < n; i++) {
		const struct ph_portrange *pr = &v[i];
		struct ir_elem *e = rb_anon_elem(&cc->b, s);

		if (!e)
			return;
		ir_port_bytes(pr->lo, e->key);
		ir_port_bytes(pr->hi, e->key_end);
		if (pr->lo != pr->hi)
			s->flags |= IR_SET_INTERVAL;
	}
	if (s)
		ir_set_sort(s);
}

static void m_ports(struct cc *cc, struct ir_rule *r, const struct branch *b)
{
	m_portlist(cc, r, b->ports, b->n_ports);
}

/* Source match: the one prefix of `from:`, else an anonymous set. */
static void m_from(struct cc *cc, struct ir_rule *r, const struct branch *b)
{
	enum ir_field f = b->family == 6 ? IR_F_IP6_SADDR : IR_F_IP_SADDR;
	unsigned int len = b->family == 6 ? 16 : 4;
	struct ir_set *s;

	if (b->n_from == 1) {
		rb_m_prefix(&cc->b, r, f, b->from[0].addr, b->from[0].plen);
		return;
	}
	s = rb_m_anon(&cc->b, r, f);
	if (!s)
		return;
	s->flags |= IR_SET_INTERVAL;
	for (size_t i = 0; i < b->n_from; i++) {
		struct ir_elem *e = rb_anon_elem(&cc->b, s);

		if (!e)
			return;
		ir_prefix_range(b->from[i].addr, b->from[i].plen, len, e->key, e->key_end);
	}
	ir_set_sort(s);
}

/* Destination match for a host's IPv6 address, subnet or suffix. */
static void m_dest6(struct cc *cc, struct ir_rule *r, const struct branch *b)
{
	struct ir_match *m;

	switch (b->kind) {
	case IR_PH_EXACT:
		rb_m_prefix(&cc->b, r, IR_F_IP6_DADDR, b->addr, 128);
		break;
	case IR_PH_SUBNET:
		rb_m_prefix(&cc->b, r, IR_F_IP6_DADDR, b->addr, b->plen);
		break;
	case IR_PH_SUFFIX:
		m = rb_match(&cc->b, r, IR_F_IP6_DADDR, IR_OP_EQ);
		if (!m)
			return;
		m->keys[0].masked = true;
		ir_suffix_mask(b->plen, m->keys[0].mask);
		memcpy(m->lo, b->addr, 16);
		memcpy(m->hi, b->addr, 16);
		break;
	case IR_PH_SELF:
		break;
	}
}

/*
 * The matches of branch @b's own traffic to a host or to self: its family,
 * sources (with from:), destination, protocols and ports.
 */
static void m_branch(struct cc *cc, struct ir_rule *r, const struct branch *b)
{
	rb_m_nfproto(&cc->b, r, b->family);
	if (b->n_from)
		m_from(cc, r, b);
	m_dest6(cc, r, b);
	m_protos(cc, r, b->ph->protos);
	m_ports(cc, r, b);
}

/*
 * The matches of an IPv4 forward's traffic before DNAT: from outside, to
 * the router, its sources (with from:), protocols and outside ports @ext
 * (@n of them).
 */
static void m_branch_fwd4(struct cc *cc, struct ir_rule *r, const struct branch *b,
			  const struct ph_portrange *ext, size_t n)
{
	cc_m_outside(cc, r, IR_F_IIFNAME);
	rb_m_nfproto(&cc->b, r, 4);
	rb_m_fib_local(&cc->b, r);
	if (b->n_from)
		m_from(cc, r, b);
	m_protos(cc, r, b->ph->protos);
	m_portlist(cc, r, ext, n);
}

/*
 * `log: true`: a rule that logs the pinhole's new connections under its
 * name, before the rule that accepts them; it matches exactly the
 * pinhole's traffic (the elements it put in a shared set, or its own
 * rule's matches), so nothing else is logged under its name.
 */
static void rule_log_branch(struct cc *cc, struct ir_chain *c, const struct branch *b)
{
	struct ir_rule *r;

	if (!b->ph->log)
		return;
	r = rb_rule(&cc->b, c, NULL, &b->ph->loc);
	if (b->dnat)
		m_branch_fwd4(cc, r, b, b->ext, b->n_ports);
	else
		m_branch(cc, r, b);
	cc_log_stmts(cc, r, b->name);
}

/*
 * The log rules of the `log: true` pinholes open to everyone whose set
 * lookups chain @c holds: @self, to the machine itself (input, input_wan),
 * else to hosts (forward_wan), @dnat the IPv4 forwards (dstnat).
 */
static void rules_log_sets(struct cc *cc, struct ir_chain *c, bool self, bool dnat)
{
	for_each_branch(cc->l, b)
		if (!b->n_from && b->dnat == dnat &&
		    (dnat || (b->kind == IR_PH_SELF) == self))
			rule_log_branch(cc, c, b);
}

/* `from:`-restricted pinhole to a host or to self, as one accept rule. */
static void rule_restricted(struct cc *cc, struct ir_chain *c,
			    const struct branch *b)
{
	struct ir_rule *r;

	rule_log_branch(cc, c, b);
	r = rb_rule(&cc->b, c, b->name, &b->ph->loc);
	m_branch(cc, r, b);
	rb_stmt(&cc->b, r, IR_S_COUNTER);
	rb_stmt(&cc->b, r, IR_S_ACCEPT);
}

/* `from:`-restricted IPv4 forward: DNAT rules, one per port. */
static void rules_restricted_fwd4(struct cc *cc, struct ir_chain *c,
				  const struct branch *b)
{
	for (size_t i = 0; i < b->n_ports; i++) {
		const struct ph_portrange *in = &b->ports[i], *ex = &b->ext[i];
		struct ir_rule *r;
		struct ir_stmt *s;

		if (in->lo != ex->lo && in->lo != in->hi) {
			cc->policy_error = true;
			pinhole_error(cc->d, &b->ph->ext_loc,
				      "pinhole '%s': a port range forwarded to a different range cannot be combined with from:",
				      b->name);
			continue;
		}
		if (b->ph->log) {
			r = rb_rule(&cc->b, c, NULL, &b->ph->loc);
			m_branch_fwd4(cc, r, b, ex, 1);
			cc_log_stmts(cc, r, b->name);
		}
		r = rb_rule(&cc->b, c, b->name, &b->ph->loc);
		m_branch_fwd4(cc, r, b, ex, 1);
		rb_stmt(&cc->b, r, IR_S_COUNTER);
		if ((s = rb_stmt(&cc->b, r, IR_S_DNAT))) {
			memcpy(s->dnat.addr, b->addr, 4);
			s->dnat.port = in->lo != ex->lo ? in->lo : 0;
		}
	}
}

/* ------------------------------------------------------------- set lookups */

/*
 * Router mode, in set-name order: the sets to the router itself from
 * input_wan, those to LAN hosts from forward_wan with the exact-match (hash)
 * sets first. Most new connections to LAN hosts match one of them, and a
 * miss in an interval (pipapo) set is the dearest step of the chain: at
 * 10,000 pinholes ~0.3 us per packet, as much as the rest of the ruleset
 * (bench/dataplane.sh). Every lookup accepts, so the order decides nothing
 * else.
 */
static void rules_lookups(struct cc *cc, struct ir_chain *inw, struct ir_chain *fww)
{
	const struct pinhole_ruleset *rs = cc->b.r;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < rs->n_sets; i++) {
			const struct ir_set *s = rs->sets[i];
			bool interval = s->flags & IR_SET_INTERVAL;

			switch (s->role) {
			case IR_SET_ROLE_IN6:
			case IR_SET_ROLE_IN4:
				if (pass == 0)
					rule_lookup(cc, inw, s,
						    s->role == IR_SET_ROLE_IN6 ? 6 : 4);
				break;
			case IR_SET_ROLE_PIN6:
			case IR_SET_ROLE_PIN6R:
			case IR_SET_ROLE_NET6:
			case IR_SET_ROLE_SFX:
			case IR_SET_ROLE_SFXR:
				if (interval == (pass == 1))
					rule_lookup(cc, fww, s, 6);
				break;
			case IR_SET_ROLE_FWD4:
			case IR_SET_ROLE_FWD4R:
			case IR_SET_ROLE_NONE:
				break;
			}
		}
	}
}

/*
 * IPv4 forwards open to everyone: `dnat ip to ... map @fwd4`. With
 * ipv4.reflection (SPEC §6.3) the same from inside zones when the
 * destination is one of the router's addresses but not one of the
 * interface's the packet comes in on (`fib daddr . iif type != local`):
 * the router's outside address, reflected; its LAN address stays the
 * router's own, so a forwarded port never locks the LAN out of it.
 */
static bool reflect(struct cc *cc)
{
	const struct pinhole_ruleset *rs = cc->b.r;

	if (!cc->p->reflection || !cc_has_inside(cc))
		return false;
	for (size_t i = 0; i < rs->n_sets; i++)
		if (rs->sets[i]->role == IR_SET_ROLE_FWD4 ||
		    rs->sets[i]->role == IR_SET_ROLE_FWD4R)
			return true;
	return false;	/* forwards restricted by from: are not reflected */
}

/* `dnat ip to meta l4proto . th dport map @MAP`, from outside or reflected */
static void rule_dnat_map(struct cc *cc, struct ir_chain *dnat, const struct ir_set *s,
			  bool reflected)
{
	struct ir_rule *r;
	struct ir_stmt *st;
	struct ir_match *m;

	if (reflected) {
		r = rb_rule(&cc->b, dnat, "reflection", given(&cc->p->reflection_loc));
		cc_m_inside(cc, r, IR_F_IIFNAME);
	} else {
		r = rb_rule(&cc->b, dnat, NULL, NULL);
		cc_m_outside(cc, r, IR_F_IIFNAME);
	}
	rb_m_nfproto(&cc->b, r, 4);
	rb_m_fib_local(&cc->b, r);
	if (reflected && (m = rb_match(&cc->b, r, IR_F_FIB_DADDR_IIF_TYPE, IR_OP_NEQ))) {
		uint32_t local = RTN_LOCAL;	/* host order, as fib stores it */

		memcpy(m->lo, &local, 4);
		memcpy(m->hi, &local, 4);
	}
	if ((st = rb_stmt(&cc->b, r, IR_S_DNAT_MAP))) {
		st->dnat_map.n_keys = s->n_keys;
		memcpy(st->dnat_map.keys, s->keys, sizeof(s->keys));
		st->dnat_map.map = (struct ir_set *)s;
	}
}

static void rules_dnat_maps(struct cc *cc, struct ir_chain *dnat)
{
	const struct pinhole_ruleset *rs = cc->b.r;

	for (int reflected = 0; reflected <= reflect(cc); reflected++) {
		for (size_t i = 0; i < rs->n_sets; i++) {
			const struct ir_set *s = rs->sets[i];

			if (s->role == IR_SET_ROLE_FWD4 || s->role == IR_SET_ROLE_FWD4R)
				rule_dnat_map(cc, dnat, s, reflected);
		}
	}
}

/*
 * ipsec: true (SPEC §6.3, RFC 6092 REC-21..24): ESP, AH and IKE (udp 500,
 * NAT-T 4500) from outside to inside IPv6 hosts. IPv4 inside hosts are
 * behind NAT: an IPv4 VPN endpoint inside needs port forwards of udp 500
 * and 4500 (NAT-T), which pinholes give.
 */
static void rules_ipsec(struct cc *cc, struct ir_chain *fww)
{
	static const uint8_t protos[] = { IPPROTO_ESP, IPPROTO_AH };
	static const uint16_t ike[] = { 500, 4500 };
	const struct pinhole_loc *loc = given(&cc->p->ipsec_loc);
	struct ir_rule *r;
	struct ir_set *s;

	if (!cc->p->ipsec || !ph_filters(cc->p, 6))
		return;
	r = rb_rule(&cc->b, fww, "ipsec", loc);
	rb_m_nfproto(&cc->b, r, 6);
	rb_m_u8s(&cc->b, r, IR_F_L4PROTO, protos, ARRAY_SIZE(protos));
	rb_stmt(&cc->b, r, IR_S_ACCEPT);
	r = rb_rule(&cc->b, fww, "ipsec", loc);
	rb_m_nfproto(&cc->b, r, 6);
	rb_m_u8(&cc->b, r, IR_F_L4PROTO, IPPROTO_UDP);
	s = rb_m_anon(&cc->b, r, IR_F_TH_DPORT);
	for (size_t i = 0; s && i < ARRAY_SIZE(ike); i++) {
		struct ir_elem *e = rb_anon_elem(&cc->b, s);

		if (e) {
			ir_port_bytes(ike[i], e->key);
			ir_port_bytes(ike[i], e->key_end);
		}
	}
	rb_stmt(&cc->b, r, IR_S_ACCEPT);
}

/* ------------------------------------------------------------ MSS clamping */

/*
 * mss_clamp (SPEC §6.1, fw4's mtu_fix): SYNs and SYN-ACKs forwarded out
 * of or into the zones that have it get their MSS option lowered to what
 * the route's MTU allows (`tcp flags syn / fin,syn,rst`, as fw4). In a
 * forward-hook chain of its own at mangle priority, so that it always
 * runs: the filter chain accepts replies and DNAT before any rule of a
 * zone could see them. It holds no verdict but the families' own.
 */
static void build_mss_chain(struct cc *cc)
{
	static const enum ir_field dirs[] = { IR_F_OIFNAME, IR_F_IIFNAME };
	const struct pinhole_loc *loc = cc_mss_zones_loc(cc);
	struct ir_chain *c;

	if (!loc)
		return;
	c = ir_chain_add(cc->b.r, PH_CHAIN_MANGLE_FORWARD, IR_CHAIN_FILTER,
			 NF_INET_FORWARD, -150, NF_ACCEPT);
	if (!c) {
		cc->b.err = -ENOMEM;
		return;
	}
	rules_unfiltered(cc, c);
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		struct ir_rule *r = rb_rule(&cc->b, c, NULL, loc);
		struct ir_match *m;

		cc_m_mss_zones(cc, r, dirs[i]);
		rb_m_u8(&cc->b, r, IR_F_L4PROTO, IPPROTO_TCP);
		if ((m = rb_match(&cc->b, r, IR_F_TCP_FLAGS, IR_OP_EQ))) {
			m->keys[0].masked = true;
			m->keys[0].mask[0] = IR_TCP_FIN | IR_TCP_SYN | IR_TCP_RST;
			m->lo[0] = m->hi[0] = IR_TCP_SYN;
		}
		rb_stmt(&cc->b, r, IR_S_TCPMSS);
	}
}

/* ------------------------------------------------------------------ modes */

void cc_build_host_chains(struct cc *cc)
{
	const struct pinhole_policy *p = cc->p;
	const struct pinhole_ruleset *rs = cc->b.r;
	struct ir_chain *in;

	in = ir_chain_add(cc->b.r, PH_CHAIN_INPUT, IR_CHAIN_FILTER, NF_INET_LOCAL_IN,
			  0, NF_DROP);
	if (!in) {
		cc->b.err = -ENOMEM;
		return;
	}
	rules_input_common(cc, in);
	rules_log_sets(cc, in, true, false);
	for (size_t i = 0; i < rs->n_sets; i++)
		rule_lookup(cc, in, rs->sets[i], rs->sets[i]->role == IR_SET_ROLE_IN6 ? 6 : 4);
	for_each_branch(cc->l, b)
		if (b->n_from)
			rule_restricted(cc, in, b);
	rules_final(cc, in, p->defaults.input);
}

/*
 * Router mode. The base chains dispatch on the input interface, outside
 * zones first: validation already refuses two zones that can claim one
 * interface, and should one slip through, a packet from the internet still
 * meets the outside chains (a second line of defence; issue 11).
 */
void cc_build_router_chains(struct cc *cc)
{
	const struct pinhole_policy *p = cc->p;
	struct ir_chain *in, *inw, *fw, *fww, *dnat = NULL, *snat = NULL;
	bool any_fwd4 = cc->l->dnat;
	struct ir_rule *r;

	in = ir_chain_add(cc->b.r, PH_CHAIN_INPUT, IR_CHAIN_FILTER, NF_INET_LOCAL_IN, 0, NF_DROP);
	inw = ir_chain_add(cc->b.r, PH_CHAIN_INPUT_WAN, IR_CHAIN_REGULAR, 0, 0, 0);
	fw = ir_chain_add(cc->b.r, PH_CHAIN_FORWARD, IR_CHAIN_FILTER, NF_INET_FORWARD, 0, NF_DROP);
	fww = ir_chain_add(cc->b.r, PH_CHAIN_FORWARD_WAN, IR_CHAIN_REGULAR, 0, 0, 0);
	if (any_fwd4)
		dnat = ir_chain_add(cc->b.r, PH_CHAIN_DSTNAT, IR_CHAIN_NAT,
				    NF_INET_PRE_ROUTING, -100, NF_ACCEPT);
	if (p->masquerade || reflect(cc))
		snat = ir_chain_add(cc->b.r, PH_CHAIN_SRCNAT, IR_CHAIN_NAT,
				    NF_INET_POST_ROUTING, 100, NF_ACCEPT);
	if (!in || !inw || !fw || !fww || (any_fwd4 && !dnat) ||
	    ((p->masquerade || reflect(cc)) && !snat)) {
		cc->b.err = -ENOMEM;
		return;
	}

	/* input: the router itself */
	rules_input_common(cc, in);
	cc_rule_outside(cc, in, PH_CHAIN_INPUT_WAN);
	cc_rules_zone_input(cc, in);
	rule_log_drop(cc, in);

	/* forward: through the router */
	rules_unfiltered(cc, fw);
	if (want_bogons(cc))
		rule_rt0(cc, fw);
	if (ph_filters(p, 6))
		rules_icmpv6_strict(cc, fw);
	rule_ct(cc, fw);
	if (want_bogons(cc))
		rules_bogons(cc, fw, true);
	if (ph_filters(p, 6))
		rules_icmpv6(cc, fw, false);
	if (any_fwd4) {
		r = rb_rule(&cc->b, fw, NULL, NULL);
		rb_m_flags(&cc->b, r, IR_F_CT_STATUS, IR_CT_STATUS_DNAT);
		rb_stmt(&cc->b, r, IR_S_ACCEPT);
	}
	cc_rule_outside(cc, fw, PH_CHAIN_FORWARD_WAN);
	cc_rules_zone_reach(cc, fw);
	rule_log_drop(cc, fw);

	if (dnat)
		rules_unfiltered(cc, dnat);
	if (snat)
		rules_unfiltered(cc, snat);

	/* the pinholes open to everyone: their logs, then their sets */
	rules_log_sets(cc, inw, true, false);
	rules_log_sets(cc, fww, false, false);
	rules_lookups(cc, inw, fww);
	if (dnat) {
		rules_log_sets(cc, dnat, false, true);
		rules_dnat_maps(cc, dnat);
	}

	/* pinholes restricted by from: one rule each (per port for DNAT) */
	for_each_branch(cc->l, b) {
		if (!b->n_from)
			continue;
		if (b->dnat)
			rules_restricted_fwd4(cc, dnat, b);
		else
			rule_restricted(cc, b->kind == IR_PH_SELF ? inw : fww, b);
	}
	rules_ipsec(cc, fww);
	rules_final(cc, inw, p->defaults.input);
	rules_final(cc, fww, p->defaults.inbound);

	if (snat && p->masquerade) {
		r = rb_rule(&cc->b, snat, NULL, NULL);
		cc_m_outside(cc, r, IR_F_OIFNAME);
		rb_m_nfproto(&cc->b, r, 4);
		rb_stmt(&cc->b, r, IR_S_MASQ);
	}
	if (snat && reflect(cc)) {
		/*
		 * the reflected connection leaves into an inside zone: its
		 * replies must come back through the router to be un-DNATed,
		 * so its source becomes the router's (fw4 snats it the same)
		 */
		r = rb_rule(&cc->b, snat, "reflection", given(&p->reflection_loc));
		cc_m_inside(cc, r, IR_F_IIFNAME);
		cc_m_inside(cc, r, IR_F_OIFNAME);
		rb_m_nfproto(&cc->b, r, 4);
		rb_m_flags(&cc->b, r, IR_F_CT_STATUS, IR_CT_STATUS_DNAT);
		rb_stmt(&cc->b, r, IR_S_MASQ);
	}
	build_mss_chain(cc);
}
