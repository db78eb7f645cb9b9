// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The logical pinhole layer (PINHOLE_COMPILE_PINHOLES): per pinhole and
 * address family, what the table was made from, kept in the ruleset's pool.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "compile_int.h"
#include "ir.h"
#include "mem.h"

static bool branch_active(const struct ph_pinhole *ph, int family)
{
	return cc_family_wanted(ph, family) && (!ph->n_from || cc_has_from_family(ph, family));
}

static const char *dest_zone(const struct pinhole_policy *p, const struct ph_host *h)
{
	if (h->zone >= 0)
		return p->zones[h->zone].name;
	for (size_t i = 0; i < p->n_zones; i++)
		if (!p->zones[i].is_wan)
			return p->zones[i].name;
	return NULL;
}

/* Zone names are few: the pool keeps one copy of each. */
static char *zone_name(struct cc *cc, const char *z, char **cache, size_t n)
{
	const struct pinhole_policy *p = cc->p;

	for (size_t i = 0; i < n; i++)
		if (p->zones[i].name == z)
			return cache[i] ? cache[i] : (cache[i] = ir_pool_strdup(cc->b.r, z));
	return ir_pool_strdup(cc->b.r, z);
}

/*
 * One logical pinhole: its name, zone and arrays live in the ruleset's
 * pool (one allocation per 64 KiB of them, freed with the ruleset).
 */
static void add_logical(struct cc *cc, const struct ph_pinhole *ph,
			const struct ph_host *h, int family, char **zones)
{
	struct ir_pinhole *lp = ir_pinhole_add(cc->b.r);
	size_t nf = 0;
	bool same_ext = !ph->n_ext;

	if (!lp || !(lp->name = cc_pinhole_name(cc, ph))) {
		cc->b.err = -ENOMEM;
		return;
	}
	lp->pooled = true;
	lp->loc = ph->loc;
	lp->loc.file = cc->b.r->file;
	lp->family = family;
	lp->protos = ph->protos;
	lp->kind = IR_PH_SELF;
	if (h) {
		const char *z = dest_zone(cc->p, h);

		if (z && !(lp->dest_zone = zone_name(cc, z, zones, cc->p->n_zones)))
			cc->b.err = -ENOMEM;
		if (family == 4) {
			lp->kind = IR_PH_EXACT;
			memcpy(lp->addr, h->ipv4, 4);
			lp->plen = 32;
			lp->dnat = true;
		} else {
			lp->kind = h->ipv6.kind == PH_ADDR6_SUBNET ? IR_PH_SUBNET :
				   h->ipv6.kind == PH_ADDR6_SUFFIX ? IR_PH_SUFFIX : IR_PH_EXACT;
			memcpy(lp->addr, h->ipv6.addr, 16);
			lp->plen = h->ipv6.plen;
		}
	}
	lp->n_ports = ph->n_ports;
	for (size_t i = 0; i < ph->n_from; i++)
		nf += ph->from[i].family == family;
	/* ports, then ext (unless the same), then the from prefixes */
	lp->ports = ir_pool_alloc(cc->b.r, ph->n_ports * sizeof(*lp->ports) *
				  (same_ext ? 1 : 2), _Alignof(struct ir_portrange));
	if (nf) {
		lp->from_addr = ir_pool_alloc(cc->b.r, nf * sizeof(*lp->from_addr), 1);
		lp->from_plen = ir_pool_alloc(cc->b.r, nf * sizeof(*lp->from_plen),
					      _Alignof(unsigned int));
	}
	if (!lp->ports || (nf && (!lp->from_addr || !lp->from_plen))) {
		cc->b.err = -ENOMEM;
		return;
	}
	lp->ext = same_ext ? lp->ports : lp->ports + ph->n_ports;
	for (size_t i = 0; i < ph->n_ports; i++) {
		lp->ports[i].lo = ph->ports[i].lo;
		lp->ports[i].hi = ph->ports[i].hi;
		lp->ext[i].lo = cc_ext_of(ph, i)->lo;
		lp->ext[i].hi = cc_ext_of(ph, i)->hi;
	}
	for (size_t i = 0; i < ph->n_from; i++) {
		if (ph->from[i].family != family)
			continue;
		memcpy(lp->from_addr[lp->n_from], ph->from[i].addr, 16);
		lp->from_plen[lp->n_from++] = ph->from[i].plen;
	}
}

void cc_record_pinholes(struct cc *cc)
{
	const struct pinhole_policy *p = cc->p;
	char **zones = calloc(p->n_zones ? p->n_zones : 1, sizeof(*zones));
	size_t n = 0;

	if (!zones) {
		cc->b.err = -ENOMEM;
		return;
	}
	/* room for every logical pinhole at once: no doubling */
	for (size_t i = 0; i < p->n_pinholes; i++) {
		const struct ph_pinhole *ph = &p->pinholes[i];
		const struct ph_host *h = ph->host >= 0 ? &p->hosts[ph->host] : NULL;

		if (!h || !p->router)
			n += branch_active(ph, 6) + branch_active(ph, 4);
		else
			n += (h->ipv6.kind != PH_ADDR6_NONE && branch_active(ph, 6)) +
			     (h->has_ipv4 && branch_active(ph, 4));
	}
	if (n > cc->b.r->cap_pinholes) {
		struct ir_pinhole *a = realloc(cc->b.r->pinholes, n * sizeof(*a));

		if (!a) {
			free(zones);
			cc->b.err = -ENOMEM;
			return;
		}
		cc->b.r->pinholes = a;
		cc->b.r->cap_pinholes = n;
		mem_prefault(a, n * sizeof(*a));
	}
	for (size_t i = 0; i < p->n_pinholes && !cc->b.err; i++) {
		const struct ph_pinhole *ph = &p->pinholes[i];
		const struct ph_host *h = ph->host >= 0 ? &p->hosts[ph->host] : NULL;

		if (!h || !p->router) {
			for (int fam = 6; fam >= 4; fam -= 2)
				if (branch_active(ph, fam))
					add_logical(cc, ph, NULL, fam, zones);
			continue;
		}
		if (h->ipv6.kind != PH_ADDR6_NONE && branch_active(ph, 6))
			add_logical(cc, ph, h, 6, zones);
		if (h->has_ipv4 && branch_active(ph, 4))
			add_logical(cc, ph, h, 4, zones);
	}
	free(zones);
}
