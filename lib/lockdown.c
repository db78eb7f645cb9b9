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
#include "rule_build.h"

static void rules_ct(struct rule_builder *b, struct ir_chain *c)
{
	struct ir_rule *r = rb_rule(b, c, NULL, NULL);

	rb_m_flags(b, r, IR_F_CT_STATE, IR_CT_STATE_ESTABLISHED | IR_CT_STATE_RELATED);
	rb_stmt(b, r, IR_S_ACCEPT);
	r = rb_rule(b, c, NULL, NULL);
	rb_m_flags(b, r, IR_F_CT_STATE, IR_CT_STATE_INVALID);
	rb_stmt(b, r, IR_S_DROP);
}

/* RFC 4890's must-not-drop errors; packet-too-big keeps PMTUD working. */
static void rule_icmp6_errors(struct rule_builder *b, struct ir_chain *c)
{
	static const uint8_t errors[] = { 1, 2, 3, 4 };
	struct ir_rule *r = rb_rule(b, c, NULL, NULL);

	rb_m_u8(b, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
	rb_m_u8s(b, r, IR_F_ICMPV6_TYPE, errors, ARRAY_SIZE(errors));
	rb_stmt(b, r, IR_S_ACCEPT);
}

/* Everything from ULA (and, for input, link-local) and private IPv4. */
static void rules_repair(struct rule_builder *b, struct ir_chain *c, bool link_local)
{
	static const uint8_t fe80[16] = { 0xfe, 0x80 }, fc00[16] = { 0xfc };
	static const uint8_t private4[3][4] = { { 10 }, { 172, 16 }, { 192, 168 } };
	static const unsigned int plen4[3] = { 8, 12, 16 };
	struct ir_rule *r;
	struct ir_set *s;

	if (link_local) {
		r = rb_rule(b, c, "lockdown: link-local", NULL);
		rb_m_nfproto(b, r, 6);
		rb_m_prefix(b, r, IR_F_IP6_SADDR, fe80, 10);
		rb_stmt(b, r, IR_S_ACCEPT);
	}
	r = rb_rule(b, c, "lockdown: ULA", NULL);
	rb_m_nfproto(b, r, 6);
	rb_m_prefix(b, r, IR_F_IP6_SADDR, fc00, 7);
	rb_stmt(b, r, IR_S_ACCEPT);
	r = rb_rule(b, c, "lockdown: private IPv4", NULL);
	rb_m_nfproto(b, r, 4);
	s = rb_m_anon(b, r, IR_F_IP_SADDR);
	if (s)
		s->flags |= IR_SET_INTERVAL;
	for (unsigned int i = 0; i < 3; i++) {
		struct ir_elem *e = rb_anon_elem(b, s);

		if (e)
			ir_prefix_range(private4[i], plen4[i], 4, e->key, e->key_end);
	}
	rb_stmt(b, r, IR_S_ACCEPT);
}

static void rule_counter_drop(struct rule_builder *b, struct ir_chain *c)
{
	struct ir_rule *r = rb_rule(b, c, "lockdown", NULL);

	rb_stmt(b, r, IR_S_COUNTER);
	rb_stmt(b, r, IR_S_DROP);
}

static void chain_input(struct rule_builder *b)
{
	static const uint8_t nd[] = { 133, 134, 135, 136, 141, 142, 148, 149 };
	static const uint8_t fe80[16] = { 0xfe, 0x80 };
	struct ir_chain *c = ir_chain_add(b->r, "input", IR_CHAIN_FILTER,
					  NF_INET_LOCAL_IN, 0, NF_DROP);
	struct ir_rule *r;

	r = rb_rule(b, c, NULL, NULL);
	rb_m_ifname(b, r, IR_F_IIFNAME, "lo");
	rb_stmt(b, r, IR_S_ACCEPT);
	/*
	 * neighbour and router discovery, inverse ND and SEND: hop limit 255
	 * means on-link; before the invalid drop, as conntrack marks inverse
	 * ND and SEND invalid
	 */
	r = rb_rule(b, c, NULL, NULL);
	rb_m_nfproto(b, r, 6);
	rb_m_u8(b, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
	rb_m_u8(b, r, IR_F_IP6_HOPLIMIT, 255);
	rb_m_u8s(b, r, IR_F_ICMPV6_TYPE, nd, ARRAY_SIZE(nd));
	rb_stmt(b, r, IR_S_ACCEPT);
	rules_ct(b, c);
	rule_icmp6_errors(b, c);
	/* the machine keeps its own addresses (as compile_chains.c's input chain) */
	r = rb_rule(b, c, "dhcpv6-client", NULL);
	rb_m_nfproto(b, r, 6);
	rb_m_prefix(b, r, IR_F_IP6_DADDR, fe80, 10);
	rb_m_u8(b, r, IR_F_L4PROTO, IPPROTO_UDP);
	rb_m_port(b, r, 546, 546);
	rb_stmt(b, r, IR_S_ACCEPT);
	r = rb_rule(b, c, "dhcpv4-client", NULL);
	rb_m_nfproto(b, r, 4);
	rb_m_u8(b, r, IR_F_L4PROTO, IPPROTO_UDP);
	rb_m_port(b, r, 68, 68);
	rb_stmt(b, r, IR_S_ACCEPT);
	rules_repair(b, c, true);
	rule_counter_drop(b, c);
}

static void chain_forward(struct rule_builder *b)
{
	struct ir_chain *c = ir_chain_add(b->r, "forward", IR_CHAIN_FILTER,
					  NF_INET_FORWARD, 0, NF_DROP);

	rules_ct(b, c);
	rule_icmp6_errors(b, c);
	/* link-local sources are never forwarded */
	rules_repair(b, c, false);
	rule_counter_drop(b, c);
}

EXPORT_SYMBOL(pinhole_ruleset_lockdown);
struct pinhole_ruleset *pinhole_ruleset_lockdown(const char *table)
{
	struct rule_builder b = { 0 };

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
