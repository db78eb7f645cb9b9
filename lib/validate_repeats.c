// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The repeat check, once every pinhole is parsed: the same port opened
 * twice for one host, or twice on the router's IPv4 address.
 */
#include "internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "mem.h"
#include "pinhole.h"
#include "strmap.h"
#include "validate_int.h"

/*
 * The same port opened twice for one host (to the same sources): one entry
 * per (pinhole, port item, proto, family), sorted so that overlaps are
 * neighbours. In router mode every IPv4 opening (a forward, or a port of
 * the router itself) takes a port of the router's one IPv4 address: those
 * are compared across hosts, by their external port.
 *
 * The order is (host, key, from, lo, pinhole, item), a total order. A
 * counting sort by host does most of it in linear time; the buckets, small
 * but for a host with many pinholes, are sorted on their own. Over 100,000
 * pinholes this is ~1% of what one qsort() of the whole array cost.
 */
#define OPEN_ROUTER_V4 (-2)
struct opening {
	uint64_t from;		/* hash of the from list; 0 = any */
	int32_t host;		/* OPEN_ROUTER_V4: the router's IPv4 ports */
	uint32_t pinhole, item;
	uint32_t slot;		/* index in the warned[] bitmap */
	uint16_t lo, hi;
	uint8_t key;		/* proto and family bits */
};

static int cmp_opening(const void *a, const void *b)
{
	const struct opening *x = a, *y = b;

	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->pinhole != y->pinhole)
		return x->pinhole < y->pinhole ? -1 : 1;
	return x->item < y->item ? -1 : x->item > y->item;
}

/* Sort @o (n entries) by cmp_opening() into @tmp (n entries). */
static void sort_openings(const struct opening *o, struct opening *tmp, size_t n,
			  size_t *count, size_t n_buckets)
{
	/* host + 2: OPEN_ROUTER_V4, self, then the hosts */
	for (size_t i = 0; i < n; i++)
		count[o[i].host + 2]++;
	for (size_t b = 0, at = 0; b < n_buckets; b++) {
		size_t c = count[b];

		count[b] = at;
		at += c;
	}
	for (size_t i = 0; i < n; i++)
		tmp[count[o[i].host + 2]++] = o[i];
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;

		while (j < n && tmp[j].host == tmp[i].host)
			j++;
		if (j - i > 16) {
			qsort(tmp + i, j - i, sizeof(*tmp), cmp_opening);
		} else {
			for (size_t k = i + 1; k < j; k++) {
				struct opening x = tmp[k];
				size_t m = k;

				while (m > i && cmp_opening(&tmp[m - 1], &x) > 0) {
					tmp[m] = tmp[m - 1];
					m--;
				}
				tmp[m] = x;
			}
		}
		i = j;
	}
}

static uint64_t from_hash(const struct ph_pinhole *ph)
{
	uint64_t h = 14695981039346656037ull;

	if (!ph->n_from)
		return 0;
	for (size_t i = 0; i < ph->n_from; i++) {
		const struct ph_prefix *pf = &ph->from[i];
		uint8_t b[18];

		memcpy(b, pf->addr, 16);
		b[16] = (uint8_t)pf->family;
		b[17] = (uint8_t)pf->plen;
		for (size_t j = 0; j < sizeof(b); j++) {
			h ^= b[j];
			h *= 1099511628211ull;
		}
	}
	return h | 1;
}

/* The port item an opening was made from: IPv4 forwards by external port. */
static const struct pinhole_loc *opening_loc(const struct vctx *c,
					     const struct opening *o)
{
	const struct ph_pinhole *ph = &c->p->pinholes[o->pinhole];

	if ((o->key & (1u << 3)) && c->p->router && ph->n_ext)
		return &ph->ext_ports[o->item].loc;
	return &ph->ports[o->item].loc;
}

static void warn_overlap(struct vctx *c, const struct opening *a,
			 const struct opening *b, uint8_t *warned)
{
	const struct pinhole_policy *p = c->p;
	const struct opening *later = a, *earlier = b;
	const struct ph_pinhole *ph, *eph;
	unsigned int lo, hi, proto;
	char what[64], ports[32];

	if (a->pinhole < b->pinhole ||
	    (a->pinhole == b->pinhole && a->item < b->item)) {
		later = b;
		earlier = a;
	}
	proto = later->key & (PH_PROTO_TCP | PH_PROTO_UDP);
	if (warned[later->slot] & proto)
		return;
	warned[later->slot] |= (uint8_t)proto;
	lo = a->lo > b->lo ? a->lo : b->lo;
	hi = a->hi < b->hi ? a->hi : b->hi;
	if (lo == hi)
		snprintf(ports, sizeof(ports), "port %u", lo);
	else
		snprintf(ports, sizeof(ports), "ports %u:%u", lo, hi);
	ph = &p->pinholes[later->pinhole];
	eph = &p->pinholes[earlier->pinhole];
	if (later->host == OPEN_ROUTER_V4 && ph != eph) {
		v_warn(c, opening_loc(c, later), "IPv4 %s/%s of the router %s "
		      "already taken by pinhole '%s'", ports,
		      proto == PH_PROTO_TCP ? "tcp" : "udp",
		      lo == hi ? "is" : "are", v_q(c, eph->name));
		return;
	}
	if (later->host >= 0)
		snprintf(what, sizeof(what), "host '%s'", v_q(c, p->hosts[later->host].name));
	else
		snprintf(what, sizeof(what), "this machine");
	if (ph == eph)
		v_warn(c, opening_loc(c, later), "%s/%s %s opened twice by "
		      "pinhole '%s'", ports,
		      proto == PH_PROTO_TCP ? "tcp" : "udp",
		      lo == hi ? "is" : "are", v_q(c, ph->name));
	else
		v_warn(c, opening_loc(c, later), "%s/%s of %s "
		      "%s already opened by pinhole '%s'", ports,
		      proto == PH_PROTO_TCP ? "tcp" : "udp", what,
		      lo == hi ? "is" : "are", v_q(c, eph->name));
}

/*
 * Once every pinhole is parsed, nothing looks a host or a pinhole up by
 * name again: their maps (8 MiB at 100,000 of each) go before the repeat
 * check allocates its own arrays.
 */
void v_drop_name_maps(struct vctx *c)
{
	strmap_free(&c->hosts);
	strmap_free(&c->names);
}

void v_warn_repeats(struct vctx *c, const bool *ok)
{
	const struct pinhole_policy *p = c->p;
	struct opening *o, *tmp, *sorted;
	uint8_t *warned;
	size_t *count;
	size_t n = 0, slots = 0, n_buckets = p->n_hosts + 2;

	for (size_t i = 0; i < p->n_pinholes; i++)
		if (ok[i])
			slots += p->pinholes[i].n_ports;
	/* at most 2 protos x 2 families per port item */
	o = malloc((slots ? slots : 1) * 4 * sizeof(*o));
	warned = v_xcalloc(c, slots, 1);
	count = v_xcalloc(c, n_buckets, sizeof(*count));
	tmp = NULL;
	if (!o || !warned || !count) {
		c->oom = true;
		goto out;
	}
	/* most port items make one or two entries: map that much at once */
	mem_prefault(o, 2 * slots * sizeof(*o));
	slots = 0;
	for (size_t i = 0; i < p->n_pinholes; i++) {
		const struct ph_pinhole *ph = &p->pinholes[i];
		const struct ph_host *h = ph->host >= 0 ? &p->hosts[ph->host] : NULL;
		unsigned int fams = 0;
		uint64_t from;

		if (!ok[i])
			continue;
		/* a family with no source prefix in from: opens nothing */
		if (ph->family != PH_FAM_IPV4 && ph_filters(p, 6) &&
		    (!h || h->ipv6.kind != PH_ADDR6_NONE) &&
		    (!ph->n_from || v_from_has(ph, 6)))
			fams |= 1u << 2;
		if (ph->family != PH_FAM_IPV6 && ph_filters(p, 4) &&
		    (!h || h->has_ipv4) &&
		    (!ph->n_from || v_from_has(ph, 4)))
			fams |= 1u << 3;
		from = from_hash(ph);
		for (size_t j = 0; j < ph->n_ports; j++, slots++) {
			for (unsigned int pr = PH_PROTO_TCP; pr <= PH_PROTO_UDP; pr <<= 1) {
				for (unsigned int fb = 1u << 2; fb <= 1u << 3; fb <<= 1) {
					const struct ph_portrange *r = &ph->ports[j];
					bool v4 = fb == 1u << 3 && p->router;

					if (!(ph->protos & pr) || !(fams & fb))
						continue;
					if (v4 && ph->n_ext)
						r = &ph->ext_ports[j];
					o[n++] = (struct opening){
						.host = v4 ? OPEN_ROUTER_V4 : ph->host,
						.key = (uint8_t)(pr | fb),
						.from = from, .lo = r->lo, .hi = r->hi,
						.pinhole = (uint32_t)i,
						.item = (uint32_t)j, .slot = (uint32_t)slots,
					};
				}
			}
		}
	}
	tmp = malloc((n ? n : 1) * sizeof(*tmp));
	if (!tmp) {
		c->oom = true;
		goto out;
	}
	mem_prefault(tmp, n * sizeof(*tmp));
	sort_openings(o, tmp, n, count, n_buckets);
	sorted = tmp;
	for (size_t i = 1, cover = 0; i < n; i++) {
		const struct opening *cv = &sorted[cover], *cur = &sorted[i];

		if (cur->host != cv->host || cur->key != cv->key ||
		    cur->from != cv->from) {
			cover = i;
			continue;
		}
		if (cur->lo <= cv->hi)
			warn_overlap(c, cv, cur, warned);
		if (cur->hi > cv->hi)
			cover = i;
	}
out:
	free(o);
	free(tmp);
	free(warned);
	free(count);
}
