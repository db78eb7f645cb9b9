// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Phase 1 of the compiler: policy → branches (lower.h says what a branch
 * is and who walks the list), and the list kept as the ruleset's logical
 * layer for the printers that speak in pinholes.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ast.h"
#include "ir.h"
#include "lower.h"
#include "mem.h"

_Static_assert(sizeof(struct branch) <= 64, "a branch per pinhole and family");

/* The pinhole's host; NULL for the machine itself (in host mode, always). */
static const struct ph_host *host_of(const struct pinhole_policy *p,
				     const struct ph_pinhole *ph)
{
	return p->router && ph->host >= 0 ? &p->hosts[ph->host] : NULL;
}

static bool family_wanted(const struct ph_pinhole *ph, int family)
{
	return ph->family == PH_FAM_ANY ||
	       ph->family == (family == 6 ? PH_FAM_IPV6 : PH_FAM_IPV4);
}

static size_t n_from_of(const struct ph_pinhole *ph, int family)
{
	size_t n = 0;

	for (size_t i = 0; i < ph->n_from; i++)
		n += ph->from[i].family == family;
	return n;
}

/*
 * Does @ph have a branch in @family? The policy must filter the family
 * (families:, SPEC §6.2: the chains accept the others at once); the
 * pinhole must ask for it; a host must have an address of it; a from:
 * must name a source of it (a from: of IPv6 prefixes alone opens nothing
 * over IPv4, not everything).
 */
static bool has_branch(const struct pinhole_policy *p,
		       const struct ph_pinhole *ph, int family)
{
	const struct ph_host *h = host_of(p, ph);

	if (!ph_filters(p, family) || !family_wanted(ph, family) ||
	    (ph->n_from && !n_from_of(ph, family)))
		return false;
	if (!h)
		return true;
	return family == 6 ? h->ipv6.kind != PH_ADDR6_NONE : h->has_ipv4;
}

/* The inside zone a host is in: its own, else the first inside zone. */
static int32_t dest_zone(const struct pinhole_policy *p, const struct ph_host *h)
{
	if (h->zone >= 0)
		return h->zone;
	for (size_t i = 0; i < p->n_zones; i++)
		if (!p->zones[i].outside)
			return (int32_t)i;
	return -1;
}

/* Is @in inside @out (same family; @out no longer than @in)? */
static bool prefix_covers(const struct ph_prefix *out, const struct ph_prefix *in)
{
	unsigned int full = out->plen / 8, rest = out->plen % 8;

	if (out->plen > in->plen || memcmp(out->addr, in->addr, full))
		return false;
	return !rest || !((out->addr[full] ^ in->addr[full]) & (0xff00 >> rest));
}

static int prefix_cmp(const void *a, const void *b)
{
	const struct ph_prefix *x = *(const struct ph_prefix *const *)a;
	const struct ph_prefix *y = *(const struct ph_prefix *const *)b;
	int c = memcmp(x->addr, y->addr, 16);

	return c ? c : (x->plen > y->plen) - (x->plen < y->plen);
}

/*
 * @ph's from: prefixes of @family, without those another one covers: its
 * own array when nothing goes, else a copy in the written order. The
 * source match is an interval set, whose elements must not overlap (the
 * kernel keeps a truncated interval of nested ones, and sources the
 * policy accepts are dropped). Sorted by address and then length, a
 * prefix's cover comes right before it among those kept: n log n.
 */
static int from_of(struct branch_list *l, struct branch *b)
{
	const struct ph_pinhole *ph = b->ph;
	const struct ph_prefix **by = NULL, *last = NULL;
	struct ph_prefix *v;
	bool *gone = NULL;
	size_t n = 0, m = 0, dropped = 0;
	int ret = -ENOMEM;

	b->n_from = n_from_of(ph, b->family);
	if (b->n_from > 1) {
		by = malloc(b->n_from * sizeof(*by));
		gone = calloc(ph->n_from, sizeof(*gone));
		if (!by || !gone)
			goto out;
		for (size_t i = 0; i < ph->n_from; i++)
			if (ph->from[i].family == b->family)
				by[m++] = &ph->from[i];
		qsort(by, m, sizeof(*by), prefix_cmp);
		for (size_t i = 0; i < m; i++) {
			if (last && prefix_covers(last, by[i])) {
				gone[by[i] - ph->from] = true;
				dropped++;
			} else {
				last = by[i];
			}
		}
	}
	if (!dropped && b->n_from == ph->n_from) {
		b->from = ph->from;
		ret = 0;
		goto out;
	}
	b->n_from -= dropped;
	v = arena_alloc(&l->pool, b->n_from * sizeof(*v), _Alignof(struct ph_prefix));
	if (!v)
		goto out;
	for (size_t i = 0; i < ph->n_from; i++)
		if (ph->from[i].family == b->family && !(gone && gone[i]))
			v[n++] = ph->from[i];
	b->from = v;
	ret = 0;
out:
	free(by);
	free(gone);
	return ret;
}

static int add_branch(struct branch_list *l, const struct ph_pinhole *ph,
		      const char *name, int family)
{
	const struct ph_host *h = host_of(l->p, ph);
	struct branch *b = &l->v[l->n++];

	memset(b, 0, sizeof(*b));
	b->ph = ph;
	b->name = name;
	b->family = family;
	b->ports = b->ext = ph->ports;
	b->n_ports = ph->n_ports;
	b->kind = IR_PH_SELF;
	b->dest_zone = -1;
	if (h && family == 4) {
		b->kind = IR_PH_EXACT;
		b->addr = h->ipv4;
		b->plen = 32;
		b->dnat = true;
		if (ph->n_ext)
			b->ext = ph->ext_ports;
	} else if (h) {
		b->kind = h->ipv6.kind == PH_ADDR6_SUBNET ? IR_PH_SUBNET :
			  h->ipv6.kind == PH_ADDR6_SUFFIX ? IR_PH_SUFFIX : IR_PH_EXACT;
		b->addr = h->ipv6.addr;
		b->plen = h->ipv6.plen;
	}
	if (h)
		b->dest_zone = dest_zone(l->p, h);
	return ph->n_from ? from_of(l, b) : 0;
}

int lower_policy(const struct pinhole_policy *p, struct pinhole_ruleset *r,
		 struct branch_list *l)
{
	size_t n = 0;

	memset(l, 0, sizeof(*l));
	l->p = p;
	for (size_t i = 0; i < p->n_pinholes; i++) {
		const struct ph_pinhole *ph = &p->pinholes[i];
		const struct ph_host *h = host_of(p, ph);

		n += has_branch(p, ph, 6) + has_branch(p, ph, 4);
		if (h && h->has_ipv4 && family_wanted(ph, 4))
			l->dnat = true;
	}
	/* the exact room: no doubling, each page touched once */
	l->v = malloc((n ? n : 1) * sizeof(*l->v));
	if (!l->v)
		return -ENOMEM;
	mem_prefault(l->v, n * sizeof(*l->v));
	for (size_t i = 0; i < p->n_pinholes; i++) {
		const struct ph_pinhole *ph = &p->pinholes[i];
		char *name = NULL;

		for (int family = 6; family >= 4; family -= 2) {
			if (!has_branch(p, ph, family))
				continue;
			if (!name && !(name = ir_pool_strdup(r, ph->name)))
				return -ENOMEM;
			if (add_branch(l, ph, name, family))
				return -ENOMEM;
		}
	}
	return 0;
}

void lower_free(struct branch_list *l)
{
	free(l->v);
	arena_release(&l->pool);
	memset(l, 0, sizeof(*l));
}

/* --------------------------------------------------------- logical layer */

/*
 * One logical pinhole: its arrays live in the ruleset's pool (one
 * allocation per 64 KiB of them, freed with the ruleset), its name and zone
 * are the pool's copies.
 */
static int keep_branch(const struct branch *b, struct pinhole_ruleset *r,
		       char *zone)
{
	struct ir_pinhole *lp = &r->pinholes[r->n_pinholes++];
	bool same_ext = b->ext == b->ports;

	memset(lp, 0, sizeof(*lp));
	lp->name = (char *)b->name;
	lp->pooled = true;
	lp->loc = b->ph->loc;
	lp->loc.file = r->file;
	lp->family = b->family;
	lp->protos = b->ph->protos;
	lp->kind = b->kind;
	lp->dest_zone = zone;
	lp->dnat = b->dnat;
	lp->log = b->ph->log;
	lp->plen = b->plen;
	if (b->addr)
		memcpy(lp->addr, b->addr, b->family == 6 ? 16 : 4);
	lp->n_ports = b->n_ports;
	/* ports, then ext (unless the same), then the from prefixes */
	lp->ports = ir_pool_alloc(r, b->n_ports * sizeof(*lp->ports) *
				  (same_ext ? 1 : 2), _Alignof(struct ir_portrange));
	if (b->n_from) {
		lp->from_addr = ir_pool_alloc(r, b->n_from * sizeof(*lp->from_addr), 1);
		lp->from_plen = ir_pool_alloc(r, b->n_from * sizeof(*lp->from_plen),
					      _Alignof(unsigned int));
	}
	if (!lp->ports || (b->n_from && (!lp->from_addr || !lp->from_plen)))
		return -ENOMEM;
	lp->ext = same_ext ? lp->ports : lp->ports + b->n_ports;
	for (size_t i = 0; i < b->n_ports; i++) {
		lp->ports[i].lo = b->ports[i].lo;
		lp->ports[i].hi = b->ports[i].hi;
		lp->ext[i].lo = b->ext[i].lo;
		lp->ext[i].hi = b->ext[i].hi;
	}
	for (size_t i = 0; i < b->n_from; i++) {
		memcpy(lp->from_addr[i], b->from[i].addr, 16);
		lp->from_plen[i] = b->from[i].plen;
	}
	lp->n_from = b->n_from;
	return 0;
}

/* The zones and the defaults that shape them, for `uci --zones`. */
static int keep_zones(const struct pinhole_policy *p, struct pinhole_ruleset *r)
{
	r->zone_policy.no_reflection = !p->reflection;
	r->zone_policy.ipsec = p->ipsec;
	r->zone_policy.ping_drop = p->defaults.ping == PH_V_DROP;
	r->zone_policy.ping_loc = p->defaults.ping_loc;
	r->zone_policy.ping_loc.file = r->file;
	r->zone_policy.reflection_loc = p->reflection_loc;
	r->zone_policy.reflection_loc.file = r->file;
	if (!p->router || !p->n_zones)
		return 0;
	r->zones = ir_pool_alloc(r, p->n_zones * sizeof(*r->zones),
				 _Alignof(struct ir_zone));
	if (!r->zones)
		return -ENOMEM;
	for (size_t z = 0; z < p->n_zones; z++) {
		const struct ph_zone *pz = &p->zones[z];
		struct ir_zone *iz = &r->zones[z];

		iz->name = ir_pool_strdup(r, pz->name);
		iz->ifnames = ir_pool_alloc(r, (pz->n_ifnames ? pz->n_ifnames : 1) *
					    sizeof(*iz->ifnames), _Alignof(char *));
		if (!iz->name || !iz->ifnames)
			return -ENOMEM;
		for (size_t i = 0; i < pz->n_ifnames; i++)
			if (!(iz->ifnames[i] = ir_pool_strdup(r, pz->ifnames[i])))
				return -ENOMEM;
		iz->n_ifnames = (uint32_t)pz->n_ifnames;
		iz->outside = pz->outside;
		iz->input = pz->input;
		iz->has_reach = pz->has_reach;
		iz->mss_clamp = pz->mss_clamp;
		iz->n_reach = (uint32_t)pz->n_reach;
		if (pz->n_reach) {
			iz->reach = ir_pool_alloc(r, pz->n_reach * sizeof(*iz->reach),
						  _Alignof(uint32_t));
			if (!iz->reach)
				return -ENOMEM;
			memcpy(iz->reach, pz->reach, pz->n_reach * sizeof(*iz->reach));
		}
	}
	r->n_zones = p->n_zones;
	r->zone_policy.input = p->defaults.input;
	r->zone_policy.inbound = p->defaults.inbound;
	r->zone_policy.outbound_accept = p->defaults.outbound == PH_V_ACCEPT;
	r->zone_policy.masq = p->masquerade;
	r->zone_policy.bogons = p->defaults.bogons && ph_filters(p, 6);
	r->zone_policy.bogons_loc = p->defaults.bogons_loc;
	r->zone_policy.bogons_loc.file = r->file;
	return 0;
}

int lower_keep(const struct branch_list *l, struct pinhole_ruleset *r)
{
	const struct pinhole_policy *p = l->p;
	/* zone names are few: the pool keeps one copy of each */
	char **zones = calloc(p->n_zones ? p->n_zones : 1, sizeof(*zones));
	int ret = -ENOMEM;

	if (!zones)
		return -ENOMEM;
	if (l->n > r->cap_pinholes) {
		struct ir_pinhole *a = realloc(r->pinholes, l->n * sizeof(*a));

		if (!a)
			goto out;
		r->pinholes = a;
		r->cap_pinholes = l->n;
		mem_prefault(a, l->n * sizeof(*a));
	}
	for_each_branch(l, b) {
		char **z = b->dest_zone >= 0 ? &zones[b->dest_zone] : NULL;

		if (z && !*z && !(*z = ir_pool_strdup(r, p->zones[b->dest_zone].name)))
			goto out;
		if (keep_branch(b, r, z ? *z : NULL))
			goto out;
	}
	if (keep_zones(p, r))
		goto out;
	r->has_pinholes = true;
	r->unfiltered = p->unfiltered;
	r->families_loc = p->families_loc;
	r->families_loc.file = r->file;
	r->log_rate = p->defaults.log_rate;
	r->log_unit = p->defaults.log_unit;
	ret = 0;
out:
	free(zones);
	return ret;
}
