// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The chains and their rules: the boilerplate every chain starts and ends
 * with, the from:-restricted pinholes (one rule each), and the host and
 * router modes that put it all together with the set lookups.
 */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/netfilter.h>

#include "pinhole.h"
#include "ast.h"
#include "compile.h"
#include "compile_int.h"
#include "diag.h"
#include "ir.h"

/* ------------------------------------------------------------ boilerplate */

static void rule_ct(struct cc *cc, struct ir_chain *c)
{
	struct ir_rule *r = cc_new_rule(cc, c, NULL, NULL);

	cc_m_flags(cc, r, IR_F_CT_STATE, 0x2 | 0x4);	/* established,related */
	cc_stmt(cc, r, IR_S_ACCEPT);
	r = cc_new_rule(cc, c, NULL, NULL);
	cc_m_flags(cc, r, IR_F_CT_STATE, 0x1);		/* invalid */
	cc_stmt(cc, r, IR_S_DROP);
}

static void icmp6_types(struct cc *cc, struct ir_rule *r, const uint8_t *types,
			size_t n)
{
	struct ir_set *s;

	if (n == 1) {
		cc_m_u8(cc, r, IR_F_ICMPV6_TYPE, types[0]);
		return;
	}
	s = cc_m_anon(cc, r, IR_F_ICMPV6_TYPE);
	for (size_t i = 0; s && i < n; i++)
		cc_anon_u8(cc, s, types[i]);
}

/*
 * ICMPv6 per RFC 4890 (SPEC §4). Errors and echo pass in both chains;
 * `strict` keeps only the must-not-drop codes of time-exceeded (0) and
 * parameter-problem (1, 2). Packet-too-big is never dropped. Input adds
 * neighbour/router discovery (hop limit 255: on-link only) and MLD
 * (link-local sources).
 */
static void rules_icmpv6(struct cc *cc, struct ir_chain *c, bool input)
{
	static const uint8_t errors_all[] = { 1, 2, 3, 4, 128, 129 };
	static const uint8_t errors_strict[] = { 1, 2, 128, 129 };
	static const uint8_t nd[] = { 133, 134, 135, 136, 141, 142 };
	static const uint8_t mld[] = { 130, 131, 132, 143 };
	bool strict = cc->p->defaults.icmpv6 == PH_ICMPV6_STRICT;
	struct ir_rule *r;
	struct ir_match *m;

	r = cc_new_rule(cc, c, NULL, NULL);
	cc_m_u8(cc, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
	if (strict)
		icmp6_types(cc, r, errors_strict, ARRAY_SIZE(errors_strict));
	else
		icmp6_types(cc, r, errors_all, ARRAY_SIZE(errors_all));
	cc_stmt(cc, r, IR_S_ACCEPT);
	if (strict) {
		r = cc_new_rule(cc, c, NULL, NULL);
		cc_m_u8(cc, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
		cc_m_u8(cc, r, IR_F_ICMPV6_TYPE, 3);
		cc_m_u8(cc, r, IR_F_ICMPV6_CODE, 0);
		cc_stmt(cc, r, IR_S_ACCEPT);
		r = cc_new_rule(cc, c, NULL, NULL);
		cc_m_u8(cc, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
		cc_m_u8(cc, r, IR_F_ICMPV6_TYPE, 4);
		m = cc_match(cc, r, IR_F_ICMPV6_CODE, IR_OP_EQ);
		if (m) {
			m->lo[0] = 1;
			m->hi[0] = 2;
		}
		cc_stmt(cc, r, IR_S_ACCEPT);
	}
	if (!input)
		return;
	r = cc_new_rule(cc, c, NULL, NULL);
	cc_m_nfproto(cc, r, 6);
	cc_m_u8(cc, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
	cc_m_u8(cc, r, IR_F_IP6_HOPLIMIT, 255);
	icmp6_types(cc, r, nd, ARRAY_SIZE(nd));
	cc_stmt(cc, r, IR_S_ACCEPT);
	r = cc_new_rule(cc, c, NULL, NULL);
	cc_m_nfproto(cc, r, 6);
	cc_m_u8(cc, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
	cc_m_prefix(cc, r, IR_F_IP6_SADDR, (const uint8_t[16]){ 0xfe, 0x80 }, 10);
	icmp6_types(cc, r, mld, ARRAY_SIZE(mld));
	cc_stmt(cc, r, IR_S_ACCEPT);
}

/* DHCPv6 and DHCPv4 client replies, so the machine keeps its own addresses. */
static void rules_dhcp_client(struct cc *cc, struct ir_chain *c)
{
	static const struct ph_portrange v6 = { .lo = 546, .hi = 546 },
					 v4 = { .lo = 68, .hi = 68 };
	struct ir_rule *r = cc_new_rule(cc, c, "dhcpv6-client", NULL);

	cc_m_nfproto(cc, r, 6);
	cc_m_prefix(cc, r, IR_F_IP6_DADDR, (const uint8_t[16]){ 0xfe, 0x80 }, 10);
	cc_m_u8(cc, r, IR_F_L4PROTO, IPPROTO_UDP);
	cc_m_ports(cc, r, &v6, 1);
	cc_stmt(cc, r, IR_S_ACCEPT);
	r = cc_new_rule(cc, c, "dhcpv4-client", NULL);
	cc_m_nfproto(cc, r, 4);
	cc_m_u8(cc, r, IR_F_L4PROTO, IPPROTO_UDP);
	cc_m_ports(cc, r, &v4, 1);
	cc_stmt(cc, r, IR_S_ACCEPT);
}

/* What every input chain accepts first: loopback, replies, ICMPv6, DHCP. */
static void rules_input_common(struct cc *cc, struct ir_chain *in)
{
	struct ir_rule *r = cc_new_rule(cc, in, NULL, NULL);

	cc_m_ifname(cc, r, IR_F_IIFNAME, "lo");
	cc_stmt(cc, r, IR_S_ACCEPT);
	rule_ct(cc, in);
	rules_icmpv6(cc, in, true);
	rules_dhcp_client(cc, in);
}

/* The end of a chain that saw unsolicited traffic: log, then the verdict. */
static void rules_final(struct cc *cc, struct ir_chain *c, enum ph_defaults_verdict v)
{
	struct ir_rule *r;
	struct ir_stmt *s;

	if (v == PH_V_ACCEPT) {
		r = cc_new_rule(cc, c, NULL, NULL);
		cc_stmt(cc, r, IR_S_ACCEPT);
		return;
	}
	if (cc->p->defaults.log) {
		r = cc_new_rule(cc, c, NULL, NULL);
		if (!r)
			return;
		s = ir_rule_stmt(r, IR_S_LIMIT);
		s->limit.rate = PH_LOG_RATE;
		s->limit.unit = 60;
		s->limit.burst = PH_LOG_BURST;
		s = ir_rule_stmt(r, IR_S_LOG);
		strcpy(s->log.prefix, PH_LOG_PREFIX);
	}
	if (v == PH_V_REJECT) {
		r = cc_new_rule(cc, c, NULL, NULL);
		cc_m_u8(cc, r, IR_F_L4PROTO, IPPROTO_TCP);
		cc_stmt(cc, r, IR_S_COUNTER);
		if (r && (s = ir_rule_stmt(r, IR_S_REJECT)))
			s->reject.how = IR_REJECT_TCP_RST;
		r = cc_new_rule(cc, c, NULL, NULL);
		cc_stmt(cc, r, IR_S_COUNTER);
		if (r && (s = ir_rule_stmt(r, IR_S_REJECT)))
			s->reject.how = IR_REJECT_ICMPX_ADMIN;
		return;
	}
	r = cc_new_rule(cc, c, NULL, NULL);
	cc_stmt(cc, r, IR_S_COUNTER);
	cc_stmt(cc, r, IR_S_DROP);
}

static void rule_lookup(struct cc *cc, struct ir_chain *c, const struct ir_set *s,
			int family)
{
	struct ir_rule *r = cc_new_rule(cc, c, NULL, NULL);
	struct ir_match *m;

	if (family)
		cc_m_nfproto(cc, r, family);
	m = cc_match(cc, r, s->keys[0].field, IR_OP_LOOKUP);
	if (!m)
		return;
	m->n_keys = s->n_keys;
	memcpy(m->keys, s->keys, sizeof(m->keys));
	m->set = (struct ir_set *)s;
	cc_stmt(cc, r, IR_S_ACCEPT);
}

static void rule_jump_per_if(struct cc *cc, struct ir_chain *c, enum ir_field f,
			     const struct ph_zone *z, const char *target)
{
	for (size_t i = 0; i < z->n_ifnames; i++) {
		struct ir_rule *r = cc_new_rule(cc, c, NULL, &z->ifname_locs[i]);
		struct ir_stmt *s;

		cc_m_ifname(cc, r, f, z->ifnames[i]);
		if (!target) {
			cc_stmt(cc, r, IR_S_ACCEPT);
		} else if (r && (s = ir_rule_stmt(r, IR_S_JUMP))) {
			strcpy(s->jump.chain, target);
		}
	}
}

static const struct ph_zone *wan_zone(const struct pinhole_policy *p)
{
	for (size_t i = 0; i < p->n_zones; i++)
		if (p->zones[i].is_wan)
			return &p->zones[i];
	return NULL;
}

/* ------------------------------------------------------ restricted pinholes */

bool cc_family_wanted(const struct ph_pinhole *ph, int family)
{
	return ph->family == PH_FAM_ANY ||
	       ph->family == (family == 6 ? PH_FAM_IPV6 : PH_FAM_IPV4);
}

bool cc_has_from_family(const struct ph_pinhole *ph, int family)
{
	for (size_t i = 0; i < ph->n_from; i++)
		if (ph->from[i].family == family)
			return true;
	return false;
}

/* `from:`-restricted pinhole to a host or to self, as one accept rule. */
static void rule_restricted(struct cc *cc, struct ir_chain *c,
			    const struct ph_pinhole *ph, const struct ph_host *h,
			    int family)
{
	struct ir_rule *r = cc_new_rule(cc, c, ph->name, &ph->loc);

	cc_m_nfproto(cc, r, family);
	cc_m_from(cc, r, ph, family);
	if (h)
		cc_m_host6(cc, r, &h->ipv6);
	cc_m_protos(cc, r, ph->protos);
	cc_m_ports(cc, r, ph->ports, ph->n_ports);
	cc_stmt(cc, r, IR_S_COUNTER);
	cc_stmt(cc, r, IR_S_ACCEPT);
}

/* `from:`-restricted IPv4 forward: DNAT rules per wan interface. */
static void rules_restricted_fwd4(struct cc *cc, struct ir_chain *c,
				  const struct ph_zone *wan,
				  const struct ph_pinhole *ph, const struct ph_host *h)
{
	for (size_t w = 0; w < wan->n_ifnames; w++) {
		for (size_t i = 0; i < ph->n_ports; i++) {
			const struct ph_portrange *in = &ph->ports[i], *ex = cc_ext_of(ph, i);
			struct ir_rule *r;
			struct ir_stmt *s;

			if (in->lo != ex->lo && in->lo != in->hi) {
				if (w == 0)
					cc->policy_error = true,
					pinhole_error(cc->d, &ph->ext_loc,
						      "pinhole '%s': a port range forwarded to a different range cannot be combined with from:",
						      ph->name);
				continue;
			}
			r = cc_new_rule(cc, c, ph->name, &ph->loc);
			cc_m_ifname(cc, r, IR_F_IIFNAME, wan->ifnames[w]);
			cc_m_nfproto(cc, r, 4);
			cc_m_fib_local(cc, r);
			cc_m_from(cc, r, ph, 4);
			cc_m_protos(cc, r, ph->protos);
			cc_m_ports(cc, r, ex, 1);
			cc_stmt(cc, r, IR_S_COUNTER);
			if (r && (s = ir_rule_stmt(r, IR_S_DNAT))) {
				memcpy(s->dnat.addr, h->ipv4, 4);
				s->dnat.port = in->lo != ex->lo ? in->lo : 0;
			}
		}
	}
}

/* ------------------------------------------------------------------ modes */

void cc_compile_host_mode(struct cc *cc)
{
	const struct pinhole_policy *p = cc->p;
	struct ir_chain *in;

	for (int pass = 0; pass < 2; pass++) {
		cc->counting = pass == 0;
		for (size_t i = 0; i < p->n_pinholes; i++) {
			const struct ph_pinhole *ph = &p->pinholes[i];

			for (int fam = 6; fam >= 4; fam -= 2)
				if (cc_family_wanted(ph, fam) && !ph->n_from)
					cc_add_self_elems(cc, ph, fam);
		}
		if (pass == 0)
			cc_reserve_sets(cc);
	}
	cc_finish_sets(cc);
	in = ir_chain_add(cc->r, PH_CHAIN_INPUT, IR_CHAIN_FILTER, NF_INET_LOCAL_IN,
			  0, NF_DROP);
	if (!in) {
		cc->err = -ENOMEM;
		return;
	}
	rules_input_common(cc, in);
	for (size_t i = 0; i < cc->r->n_sets; i++)
		rule_lookup(cc, in, cc->r->sets[i], !strcmp(cc->r->sets[i]->name, "in6") ? 6 : 4);
	for (size_t i = 0; i < p->n_pinholes; i++) {
		const struct ph_pinhole *ph = &p->pinholes[i];

		for (int fam = 6; fam >= 4; fam -= 2)
			if (cc_family_wanted(ph, fam) && cc_has_from_family(ph, fam))
				rule_restricted(cc, in, ph, NULL, fam);
	}
	rules_final(cc, in, p->defaults.input);
}

void cc_compile_router_mode(struct cc *cc)
{
	const struct pinhole_policy *p = cc->p;
	const struct ph_zone *wan = wan_zone(p);
	struct ir_chain *in, *inw, *fw, *fww, *dnat = NULL, *snat = NULL;
	bool any_fwd4 = false;
	struct ir_rule *r;

	for (int pass = 0; pass < 2; pass++) {
		cc->counting = pass == 0;
		for (size_t i = 0; i < p->n_pinholes; i++) {
			const struct ph_pinhole *ph = &p->pinholes[i];
			const struct ph_host *h = ph->host >= 0 ? &p->hosts[ph->host] : NULL;

			if (h && h->has_ipv4 && cc_family_wanted(ph, 4))
				any_fwd4 = true;
			if (ph->n_from)
				continue;
			if (!h) {
				for (int fam = 6; fam >= 4; fam -= 2)
					if (cc_family_wanted(ph, fam))
						cc_add_self_elems(cc, ph, fam);
				continue;
			}
			if (h->ipv6.kind != PH_ADDR6_NONE && cc_family_wanted(ph, 6))
				cc_add_host6_elems(cc, ph, h);
			if (h->has_ipv4 && cc_family_wanted(ph, 4))
				cc_add_fwd4_elems(cc, ph, h);
		}
		if (pass == 0)
			cc_reserve_sets(cc);
	}
	cc_finish_sets(cc);

	in = ir_chain_add(cc->r, PH_CHAIN_INPUT, IR_CHAIN_FILTER, NF_INET_LOCAL_IN, 0, NF_DROP);
	inw = ir_chain_add(cc->r, PH_CHAIN_INPUT_WAN, IR_CHAIN_REGULAR, 0, 0, 0);
	fw = ir_chain_add(cc->r, PH_CHAIN_FORWARD, IR_CHAIN_FILTER, NF_INET_FORWARD, 0, NF_DROP);
	fww = ir_chain_add(cc->r, PH_CHAIN_FORWARD_WAN, IR_CHAIN_REGULAR, 0, 0, 0);
	if (any_fwd4)
		dnat = ir_chain_add(cc->r, PH_CHAIN_DSTNAT, IR_CHAIN_NAT,
				    NF_INET_PRE_ROUTING, -100, NF_ACCEPT);
	if (p->masquerade)
		snat = ir_chain_add(cc->r, PH_CHAIN_SRCNAT, IR_CHAIN_NAT,
				    NF_INET_POST_ROUTING, 100, NF_ACCEPT);
	if (!in || !inw || !fw || !fww || (any_fwd4 && !dnat) || (p->masquerade && !snat)) {
		cc->err = -ENOMEM;
		return;
	}

	/* input: the router itself */
	rules_input_common(cc, in);
	for (size_t z = 0; z < p->n_zones; z++)
		if (!p->zones[z].is_wan)
			rule_jump_per_if(cc, in, IR_F_IIFNAME, &p->zones[z], NULL);
	rule_jump_per_if(cc, in, IR_F_IIFNAME, wan, PH_CHAIN_INPUT_WAN);

	/* forward: through the router */
	rule_ct(cc, fw);
	rules_icmpv6(cc, fw, false);
	for (size_t z = 0; z < p->n_zones; z++) {
		const struct ph_zone *zone = &p->zones[z];

		if (zone->is_wan)
			continue;
		if (p->defaults.outbound == PH_V_ACCEPT) {
			rule_jump_per_if(cc, fw, IR_F_IIFNAME, zone, NULL);
			continue;
		}
		/* outbound drop: inside zones still reach each other */
		for (size_t i = 0; i < zone->n_ifnames; i++)
			for (size_t z2 = 0; z2 < p->n_zones; z2++) {
				if (p->zones[z2].is_wan)
					continue;
				for (size_t j = 0; j < p->zones[z2].n_ifnames; j++) {
					r = cc_new_rule(cc, fw, NULL, &zone->ifname_locs[i]);
					cc_m_ifname(cc, r, IR_F_IIFNAME, zone->ifnames[i]);
					cc_m_ifname(cc, r, IR_F_OIFNAME, p->zones[z2].ifnames[j]);
					cc_stmt(cc, r, IR_S_ACCEPT);
				}
			}
	}
	if (any_fwd4) {
		r = cc_new_rule(cc, fw, NULL, NULL);
		cc_m_flags(cc, r, IR_F_CT_STATUS, 0x20);	/* dnat */
		cc_stmt(cc, r, IR_S_ACCEPT);
	}
	rule_jump_per_if(cc, fw, IR_F_IIFNAME, wan, PH_CHAIN_FORWARD_WAN);

	/*
	 * Lookups, in set-name order; in forward_wan the exact-match (hash)
	 * sets come first. Most new connections to LAN hosts match one of
	 * them, and a miss in an interval (pipapo) set is the dearest step of
	 * the chain: at 10,000 pinholes ~0.3 us per packet, as much as the
	 * rest of the ruleset (bench/dataplane.sh). Every lookup accepts, so
	 * the order decides nothing else.
	 */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < cc->r->n_sets; i++) {
			const struct ir_set *s = cc->r->sets[i];
			bool interval = s->flags & IR_SET_INTERVAL;

			if (!strcmp(s->name, "in6")) {
				if (pass == 0)
					rule_lookup(cc, inw, s, 6);
			} else if (!strcmp(s->name, "in4")) {
				if (pass == 0)
					rule_lookup(cc, inw, s, 4);
			} else if (!(s->flags & IR_SET_MAP) && interval == (pass == 1)) {
				rule_lookup(cc, fww, s, 6);
			}
		}
	}
	for (size_t w = 0; dnat && w < wan->n_ifnames; w++) {
		for (size_t i = 0; i < cc->r->n_sets; i++) {
			const struct ir_set *s = cc->r->sets[i];
			struct ir_stmt *st;

			if (!(s->flags & IR_SET_MAP))
				continue;
			r = cc_new_rule(cc, dnat, NULL, &wan->ifname_locs[w]);
			cc_m_ifname(cc, r, IR_F_IIFNAME, wan->ifnames[w]);
			cc_m_nfproto(cc, r, 4);
			cc_m_fib_local(cc, r);
			if (r && (st = ir_rule_stmt(r, IR_S_DNAT_MAP))) {
				st->dnat_map.n_keys = s->n_keys;
				memcpy(st->dnat_map.keys, s->keys, sizeof(s->keys));
				st->dnat_map.map = (struct ir_set *)s;
			}
		}
	}

	/* pinholes restricted by from: one rule each */
	for (size_t i = 0; i < p->n_pinholes; i++) {
		const struct ph_pinhole *ph = &p->pinholes[i];
		const struct ph_host *h = ph->host >= 0 ? &p->hosts[ph->host] : NULL;

		if (!ph->n_from)
			continue;
		if (!h) {
			for (int fam = 6; fam >= 4; fam -= 2)
				if (cc_family_wanted(ph, fam) && cc_has_from_family(ph, fam))
					rule_restricted(cc, inw, ph, NULL, fam);
			continue;
		}
		if (h->ipv6.kind != PH_ADDR6_NONE && cc_family_wanted(ph, 6) &&
		    cc_has_from_family(ph, 6))
			rule_restricted(cc, fww, ph, h, 6);
		if (h->has_ipv4 && cc_family_wanted(ph, 4) && cc_has_from_family(ph, 4))
			rules_restricted_fwd4(cc, dnat, wan, ph, h);
	}
	rules_final(cc, inw, p->defaults.input);
	rules_final(cc, fww, p->defaults.inbound);

	for (size_t w = 0; snat && w < wan->n_ifnames; w++) {
		r = cc_new_rule(cc, snat, NULL, &wan->ifname_locs[w]);
		cc_m_ifname(cc, r, IR_F_OIFNAME, wan->ifnames[w]);
		cc_m_nfproto(cc, r, 4);
		cc_stmt(cc, r, IR_S_MASQ);
	}
}
