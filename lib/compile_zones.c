// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Router mode's dispatch on interfaces (SPEC 6.1): which zone a packet
 * comes from or goes to, always as one rule per class of zones with an
 * interface set lookup (iifname { "wan0", "ppp*" }), never a rule per
 * interface or per pair of zones. compile_chains.c puts these rules into
 * its base chains: the outside zones first, then the inside ones per their
 * `input:` and `reach:`.
 */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "ast.h"
#include "compile_int.h"
#include "ir.h"
#include "rule_build.h"

/*
 * The interface patterns of the zones @pick(zone, @arg) chooses, in the
 * policy's order; NULL when out of memory (@cc->b.err set). *@loc is the
 * first chosen zone's key. Free it with free().
 */
typedef bool zone_pick(const struct pinhole_policy *p, size_t z, const void *arg);

static const char **zone_ifs(struct cc *cc, zone_pick *pick, const void *arg,
			     size_t *n, const struct pinhole_loc **loc)
{
	const struct pinhole_policy *p = cc->p;
	const char **v;
	size_t k = 0;

	*loc = NULL;
	for (size_t z = 0; z < p->n_zones; z++)
		if (pick(p, z, arg))
			k += p->zones[z].n_ifnames;
	v = malloc((k ? k : 1) * sizeof(*v));
	if (!v) {
		cc->b.err = -ENOMEM;
		return NULL;
	}
	k = 0;
	for (size_t z = 0; z < p->n_zones; z++) {
		if (!pick(p, z, arg))
			continue;
		if (!*loc)
			*loc = &p->zones[z].loc;
		for (size_t i = 0; i < p->zones[z].n_ifnames; i++)
			v[k++] = p->zones[z].ifnames[i];
	}
	*n = k;
	return v;
}

/* @arg: a bool, outside zones or inside ones */
static bool pick_side(const struct pinhole_policy *p, size_t z, const void *arg)
{
	return p->zones[z].outside == *(const bool *)arg;
}

/* @arg: a bool per zone */
static bool pick_mask(const struct pinhole_policy *p, size_t z, const void *arg)
{
	(void)p;
	return ((const bool *)arg)[z];
}

/* Match the interfaces of the zones @pick chooses: 0 if there are none. */
static size_t m_zones(struct cc *cc, struct ir_rule *r, enum ir_field f,
		      zone_pick *pick, const void *arg)
{
	const struct pinhole_loc *loc;
	size_t n = 0;
	const char **v = zone_ifs(cc, pick, arg, &n, &loc);

	if (v && n)
		rb_m_ifnames(&cc->b, r, f, v, n);
	free(v);
	return n;
}

/* Has any chosen zone an interface? (where the rule of that class goes) */
static const struct pinhole_loc *zones_loc(const struct pinhole_policy *p,
					   zone_pick *pick, const void *arg)
{
	for (size_t z = 0; z < p->n_zones; z++)
		if (pick(p, z, arg) && p->zones[z].n_ifnames)
			return &p->zones[z].loc;
	return NULL;
}

/*
 * One rule for a class of zones: `iifname "wan0"` or, for more interfaces,
 * `iifname { "wan0", "ppp*" }`, then @target (NULL: accept).
 */
static struct ir_rule *rule_zones(struct cc *cc, struct ir_chain *c, enum ir_field f,
				  zone_pick *pick, const void *arg, const char *target)
{
	const struct pinhole_loc *loc = zones_loc(cc->p, pick, arg);
	struct ir_rule *r;
	struct ir_stmt *s;

	if (!loc)
		return NULL;
	r = rb_rule(&cc->b, c, NULL, loc);
	m_zones(cc, r, f, pick, arg);
	if (!target)
		rb_stmt(&cc->b, r, IR_S_ACCEPT);
	else if ((s = rb_stmt(&cc->b, r, IR_S_JUMP)))
		strcpy(s->jump.chain, target);
	return r;
}

void cc_m_outside(struct cc *cc, struct ir_rule *r, enum ir_field f)
{
	static const bool outside = true;

	m_zones(cc, r, f, pick_side, &outside);
}

bool cc_has_inside(struct cc *cc)
{
	static const bool inside = false;

	return zones_loc(cc->p, pick_side, &inside) != NULL;
}

void cc_m_inside(struct cc *cc, struct ir_rule *r, enum ir_field f)
{
	static const bool inside = false;

	m_zones(cc, r, f, pick_side, &inside);
}

void cc_rule_outside(struct cc *cc, struct ir_chain *c, const char *target)
{
	static const bool outside = true;

	rule_zones(cc, c, IR_F_IIFNAME, pick_side, &outside, target);
}

/* zones with mss_clamp */
static bool pick_mss(const struct pinhole_policy *p, size_t z, const void *arg)
{
	(void)arg;
	return p->zones[z].mss_clamp;
}

const struct pinhole_loc *cc_mss_zones_loc(struct cc *cc)
{
	return zones_loc(cc->p, pick_mss, NULL);
}

void cc_m_mss_zones(struct cc *cc, struct ir_rule *r, enum ir_field f)
{
	m_zones(cc, r, f, pick_mss, NULL);
}

/* ------------------------------------------------------------ inside zones */

/* @arg: an enum ph_defaults_verdict; inside zones with that `input:` */
static bool pick_input(const struct pinhole_policy *p, size_t z, const void *arg)
{
	return !p->zones[z].outside &&
	       p->zones[z].input == *(const enum ph_defaults_verdict *)arg;
}

/* inside zones whose `input:` is not accept */
static bool pick_closed(const struct pinhole_policy *p, size_t z, const void *arg)
{
	(void)arg;
	return !p->zones[z].outside && p->zones[z].input != PH_V_ACCEPT;
}

/*
 * New connections from inside zones to the router, per zone `input:`: the
 * accepting zones in one rule; the others still get DHCP, DHCPv6 and DNS
 * (NDP and router solicitations passed before), then drop or reject. A
 * rule per class of zones, each an interface set lookup.
 */
void cc_rules_zone_input(struct cc *cc, struct ir_chain *in)
{
	static const enum ph_defaults_verdict acc = PH_V_ACCEPT, drop = PH_V_DROP,
					      rej = PH_V_REJECT;
	static const uint16_t udp_ports[] = { 53, 67, 547 };
	struct ir_rule *r;
	struct ir_stmt *s;
	struct ir_set *set;

	rule_zones(cc, in, IR_F_IIFNAME, pick_input, &acc, NULL);
	if (!zones_loc(cc->p, pick_closed, NULL))
		return;
	r = rb_rule(&cc->b, in, "zone-services", zones_loc(cc->p, pick_closed, NULL));
	m_zones(cc, r, IR_F_IIFNAME, pick_closed, NULL);
	rb_m_u8(&cc->b, r, IR_F_L4PROTO, IPPROTO_UDP);
	set = rb_m_anon(&cc->b, r, IR_F_TH_DPORT);
	for (size_t i = 0; set && i < ARRAY_SIZE(udp_ports); i++) {
		struct ir_elem *e = rb_anon_elem(&cc->b, set);

		if (e) {
			ir_port_bytes(udp_ports[i], e->key);
			ir_port_bytes(udp_ports[i], e->key_end);
		}
	}
	rb_stmt(&cc->b, r, IR_S_ACCEPT);
	r = rb_rule(&cc->b, in, "zone-services", zones_loc(cc->p, pick_closed, NULL));
	m_zones(cc, r, IR_F_IIFNAME, pick_closed, NULL);
	rb_m_u8(&cc->b, r, IR_F_L4PROTO, IPPROTO_TCP);
	rb_m_port(&cc->b, r, 53, 53);
	rb_stmt(&cc->b, r, IR_S_ACCEPT);
	if (cc->p->defaults.log) {
		r = rb_rule(&cc->b, in, NULL, zones_loc(cc->p, pick_closed, NULL));
		m_zones(cc, r, IR_F_IIFNAME, pick_closed, NULL);
		cc_log_stmts(cc, r, in->name);
	}
	if (zones_loc(cc->p, pick_input, &drop)) {
		r = rb_rule(&cc->b, in, NULL, zones_loc(cc->p, pick_input, &drop));
		m_zones(cc, r, IR_F_IIFNAME, pick_input, &drop);
		rb_stmt(&cc->b, r, IR_S_COUNTER);
		rb_stmt(&cc->b, r, IR_S_DROP);
	}
	if (zones_loc(cc->p, pick_input, &rej)) {
		r = rb_rule(&cc->b, in, NULL, zones_loc(cc->p, pick_input, &rej));
		m_zones(cc, r, IR_F_IIFNAME, pick_input, &rej);
		rb_m_u8(&cc->b, r, IR_F_L4PROTO, IPPROTO_TCP);
		rb_stmt(&cc->b, r, IR_S_COUNTER);
		if ((s = rb_stmt(&cc->b, r, IR_S_REJECT)))
			s->reject.how = IR_REJECT_TCP_RST;
		r = rb_rule(&cc->b, in, NULL, zones_loc(cc->p, pick_input, &rej));
		m_zones(cc, r, IR_F_IIFNAME, pick_input, &rej);
		rb_stmt(&cc->b, r, IR_S_COUNTER);
		if ((s = rb_stmt(&cc->b, r, IR_S_REJECT)))
			s->reject.how = IR_REJECT_ICMPX_ADMIN;
	}
}

/* The zones inside zone @z opens new connections to, into @to. */
static void zone_targets(const struct pinhole_policy *p, size_t z, bool *to)
{
	const struct ph_zone *zone = &p->zones[z];

	memset(to, 0, p->n_zones * sizeof(*to));
	if (zone->has_reach) {
		for (size_t i = 0; i < zone->n_reach; i++)
			to[zone->reach[i]] = true;
		return;
	}
	for (size_t i = 0; i < p->n_zones; i++)
		to[i] = !p->zones[i].outside || p->defaults.outbound == PH_V_ACCEPT;
}

/*
 * Forwarding from inside zones, per `reach:` and defaults.outbound. Zones
 * that reach the same zones share one rule: `iifname { FROM } accept` when
 * that is every zone, else `iifname { FROM } oifname { TO } accept`. So
 * the rules grow with the distinct reach lists, never with the pairs.
 */
void cc_rules_zone_reach(struct cc *cc, struct ir_chain *fw)
{
	const struct pinhole_policy *p = cc->p;
	size_t nz = p->n_zones;
	bool *to = calloc(nz * 3, sizeof(*to)), *other = to + nz, *from = to + 2 * nz;
	bool *done = calloc(nz, sizeof(*done));

	if (!to || !done) {
		cc->b.err = -ENOMEM;
		goto out;
	}
	for (size_t z = 0; z < nz; z++) {
		bool all = true, none = true;
		struct ir_rule *r;

		if (p->zones[z].outside || done[z])
			continue;
		zone_targets(p, z, to);
		memset(from, 0, nz * sizeof(*from));
		for (size_t y = z; y < nz; y++) {
			if (p->zones[y].outside || done[y])
				continue;
			zone_targets(p, y, other);
			if (memcmp(to, other, nz * sizeof(*to)))
				continue;
			from[y] = done[y] = true;
		}
		for (size_t i = 0; i < nz; i++) {
			all &= to[i];
			none &= !to[i] || !p->zones[i].n_ifnames;
		}
		if (none || !zones_loc(p, pick_mask, from))
			continue;
		if (all) {
			rule_zones(cc, fw, IR_F_IIFNAME, pick_mask, from, NULL);
			continue;
		}
		r = rb_rule(&cc->b, fw, NULL, zones_loc(p, pick_mask, from));
		m_zones(cc, r, IR_F_IIFNAME, pick_mask, from);
		m_zones(cc, r, IR_F_OIFNAME, pick_mask, to);
		rb_stmt(&cc->b, r, IR_S_ACCEPT);
	}
out:
	free(to);
	free(done);
}
