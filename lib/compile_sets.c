// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The named sets and their elements: pinholes open to everyone (pin6,
 * pin6r, net6, sfxN, in6/in4, the fwd4 maps), counted in a first pass,
 * then reserved, filled, sorted and deduplicated.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "ast.h"
#include "compile_int.h"
#include "ir.h"
#include "mem.h"

/*
 * The set for a host pinhole's element: pin6 (exact address, exact port),
 * pin6r (exact address, port range), net6 (subnet), sfxN / sfxNr (suffix).
 */
static struct ir_set *get_set(struct cc *cc, enum ir_set_role role,
			      const char *name, const struct ir_key *keys,
			      unsigned int n_keys, unsigned int flags)
{
	struct ir_set *s = ir_set_find(cc->b.r, name);

	if (s)
		return s;
	s = ir_set_add(cc->b.r, name);
	if (!s) {
		cc->b.err = -ENOMEM;
		return NULL;
	}
	s->role = role;
	s->n_keys = n_keys;
	memcpy(s->keys, keys, n_keys * sizeof(*keys));
	s->flags = flags | IR_SET_COUNTER;
	s->pooled_comments = true;
	return s;
}

/* A new element of the named set @s; while counting, only counted. */
static struct ir_elem *elem(struct cc *cc, struct ir_set *s)
{
	struct ir_elem *e;

	if (!s)
		return NULL;
	if (cc->counting) {
		s->cap_elems++;
		memset(&cc->scratch, 0, sizeof(cc->scratch));
		return &cc->scratch;
	}
	e = ir_set_add_elem(s);
	if (!e)
		cc->b.err = -ENOMEM;
	return e;
}

/* @ph's name, copied into the ruleset's pool once for all its uses. */
char *cc_pinhole_name(struct cc *cc, const struct ph_pinhole *ph)
{
	char **n = &cc->names[ph - cc->p->pinholes];

	if (!*n && !(*n = ir_pool_strdup(cc->b.r, ph->name)))
		cc->b.err = -ENOMEM;
	return *n;
}

static int set_elem_comment(struct cc *cc, struct ir_elem *e,
			    const struct ph_pinhole *ph)
{
	if (!(e->comment = cc_pinhole_name(cc, ph)))
		return cc->b.err = -ENOMEM;
	return 0;
}

void cc_add_host6_elems(struct cc *cc, const struct ph_pinhole *ph,
			const struct ph_host *h)
{
	const struct ph_addr6 *a = &h->ipv6;
	struct ir_key keys[3] = {
		{ .field = IR_F_IP6_DADDR },
		{ .field = IR_F_L4PROTO },
		{ .field = IR_F_TH_DPORT },
	};
	uint8_t lo[16], hi[16];

	switch (a->kind) {
	case PH_ADDR6_EXACT:
		memcpy(lo, a->addr, 16);
		memcpy(hi, a->addr, 16);
		break;
	case PH_ADDR6_SUBNET:
		ir_prefix_range(a->addr, a->plen, 16, lo, hi);
		break;
	case PH_ADDR6_SUFFIX:
		keys[0].masked = true;
		ir_suffix_mask(a->plen, keys[0].mask);
		memcpy(lo, a->addr, 16);
		memcpy(hi, a->addr, 16);
		break;
	case PH_ADDR6_NONE:
		return;
	}
	if (a->kind == PH_ADDR6_SUFFIX && cc->sfx_plen != a->plen) {
		snprintf(cc->sfx, sizeof(cc->sfx), "sfx%u", a->plen);
		snprintf(cc->sfxr, sizeof(cc->sfxr), "sfx%ur", a->plen);
		cc->sfx_plen = a->plen;
	}
	for (unsigned int pi = 0; pi < 2; pi++) {
		uint8_t proto = pi ? IPPROTO_UDP : IPPROTO_TCP;

		if (!(ph->protos & (pi ? PH_PROTO_UDP : PH_PROTO_TCP)))
			continue;
		for (size_t i = 0; i < ph->n_ports; i++) {
			const struct ph_portrange *pr = &ph->ports[i];
			bool range = pr->lo != pr->hi;
			unsigned int flags = range ? IR_SET_INTERVAL : 0;
			enum ir_set_role role;
			const char *name;
			struct ir_set *s;
			struct ir_elem *e;

			if (a->kind == PH_ADDR6_SUBNET) {
				role = IR_SET_ROLE_NET6;
				name = "net6";
				flags = IR_SET_INTERVAL;
			} else if (a->kind == PH_ADDR6_SUFFIX) {
				role = range ? IR_SET_ROLE_SFXR : IR_SET_ROLE_SFX;
				name = range ? cc->sfxr : cc->sfx;
			} else {
				role = range ? IR_SET_ROLE_PIN6R : IR_SET_ROLE_PIN6;
				name = range ? "pin6r" : "pin6";
			}
			s = get_set(cc, role, name, keys, 3, flags);
			e = elem(cc, s);
			if (!e || set_elem_comment(cc, e, ph))
				return;
			memcpy(e->key, lo, 16);
			memcpy(e->key_end, hi, 16);
			e->key[16] = e->key_end[16] = proto;
			ir_port_bytes(pr->lo, e->key + 20);
			ir_port_bytes(pr->hi, e->key_end + 20);
		}
	}
}

/* Pinholes to the machine itself, open to everyone: in6 / in4. */
void cc_add_self_elems(struct cc *cc, const struct ph_pinhole *ph, int family)
{
	static const struct ir_key keys[2] = {
		{ .field = IR_F_L4PROTO },
		{ .field = IR_F_TH_DPORT },
	};
	struct ir_set *s = family == 6 ? get_set(cc, IR_SET_ROLE_IN6, "in6", keys, 2, 0) :
					 get_set(cc, IR_SET_ROLE_IN4, "in4", keys, 2, 0);

	for (unsigned int pi = 0; s && pi < 2; pi++) {
		if (!(ph->protos & (pi ? PH_PROTO_UDP : PH_PROTO_TCP)))
			continue;
		for (size_t i = 0; i < ph->n_ports; i++) {
			const struct ph_portrange *pr = &ph->ports[i];
			struct ir_elem *e = elem(cc, s);

			if (!e || set_elem_comment(cc, e, ph))
				return;
			e->key[0] = e->key_end[0] = pi ? IPPROTO_UDP : IPPROTO_TCP;
			ir_port_bytes(pr->lo, e->key + 4);
			ir_port_bytes(pr->hi, e->key_end + 4);
			if (pr->lo != pr->hi)
				s->flags |= IR_SET_INTERVAL;
		}
	}
}

const struct ph_portrange *cc_ext_of(const struct ph_pinhole *ph, size_t i)
{
	return ph->n_ext ? &ph->ext_ports[i] : &ph->ports[i];
}

/*
 * IPv4 port forwards open to everyone: fwd4 maps proto . external port to
 * address . port; fwd4r maps a range forwarded unchanged to the address.
 * A range forwarded to a shifted range is expanded into fwd4, port by port.
 */
void cc_add_fwd4_elems(struct cc *cc, const struct ph_pinhole *ph,
		       const struct ph_host *h)
{
	static const struct ir_key keys[2] = {
		{ .field = IR_F_L4PROTO },
		{ .field = IR_F_TH_DPORT },
	};

	for (unsigned int pi = 0; pi < 2; pi++) {
		uint8_t proto = pi ? IPPROTO_UDP : IPPROTO_TCP;

		if (!(ph->protos & (pi ? PH_PROTO_UDP : PH_PROTO_TCP)))
			continue;
		for (size_t i = 0; i < ph->n_ports; i++) {
			const struct ph_portrange *in = &ph->ports[i], *ex = cc_ext_of(ph, i);
			bool same = in->lo == ex->lo && in->hi == ex->hi;
			struct ir_set *s;
			struct ir_elem *e;

			if (same && in->lo != in->hi) {
				s = get_set(cc, IR_SET_ROLE_FWD4R, "fwd4r", keys, 2,
					    IR_SET_MAP | IR_SET_INTERVAL);
				if (!s)
					return;
				s->n_data = 1;
				s->data[0] = IR_T_IPADDR;
				e = elem(cc, s);
				if (!e || set_elem_comment(cc, e, ph))
					return;
				e->key[0] = e->key_end[0] = proto;
				ir_port_bytes(ex->lo, e->key + 4);
				ir_port_bytes(ex->hi, e->key_end + 4);
				memcpy(e->data, h->ipv4, 4);
				continue;
			}
			s = get_set(cc, IR_SET_ROLE_FWD4, "fwd4", keys, 2, IR_SET_MAP);
			if (!s)
				return;
			s->n_data = 2;
			s->data[0] = IR_T_IPADDR;
			s->data[1] = IR_T_INET_SERVICE;
			for (uint32_t p = ex->lo; p <= ex->hi; p++) {
				e = elem(cc, s);
				if (!e || set_elem_comment(cc, e, ph))
					return;
				e->key[0] = e->key_end[0] = proto;
				ir_port_bytes(p, e->key + 4);
				ir_port_bytes(p, e->key_end + 4);
				memcpy(e->data, h->ipv4, 4);
				ir_port_bytes(in->lo + (p - ex->lo), e->data + 4);
			}
		}
	}
}

/* Sort every set and drop exact duplicates (validate_repeats.c warned about them). */
static int cmp_set_name(const void *a, const void *b)
{
	const struct ir_set *x = *(const struct ir_set *const *)a;
	const struct ir_set *y = *(const struct ir_set *const *)b;

	return strcmp(x->name, y->name);
}

/*
 * Give every named set exactly the room the counting pass found: no
 * doubling, no copying, no memory touched twice (100,000 pinholes make
 * ~160,000 elements of 112 bytes).
 */
void cc_reserve_sets(struct cc *cc)
{
	for (size_t i = 0; i < cc->b.r->n_sets; i++) {
		struct ir_set *s = cc->b.r->sets[i];

		if (s->elems || !s->cap_elems)
			continue;
		s->elems = malloc(s->cap_elems * sizeof(*s->elems));
		if (!s->elems) {
			s->cap_elems = 0;
			cc->b.err = -ENOMEM;
			continue;
		}
		mem_prefault(s->elems, s->cap_elems * sizeof(*s->elems));
	}
	cc->counting = false;
}

void cc_finish_sets(struct cc *cc)
{
	for (size_t i = 0; i < cc->b.r->n_sets; i++) {
		struct ir_set *s = cc->b.r->sets[i];
		size_t out = 0;

		ir_set_sort(s);
		for (size_t j = 0; j < s->n_elems; j++) {
			if (out && !memcmp(s->elems[out - 1].key, s->elems[j].key, IR_KEY_MAX) &&
			    !memcmp(s->elems[out - 1].key_end, s->elems[j].key_end, IR_KEY_MAX)) {
				if (!s->pooled_comments)
					free(s->elems[j].comment);
				continue;
			}
			s->elems[out++] = s->elems[j];
		}
		s->n_elems = out;
		if (!(s->flags & (IR_SET_INTERVAL | IR_SET_ANON)))
			s->size = ir_set_hash_size(s->n_elems);
	}
	if (cc->b.r->n_sets > 1)
		qsort(cc->b.r->sets, cc->b.r->n_sets, sizeof(*cc->b.r->sets), cmp_set_name);
}
