// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The named sets and their elements: the branches open to everyone (no
 * from:) as elements of pin6, pin6r, net6, sfxN, in6/in4 and the fwd4
 * maps. The list is walked twice: a first pass only counts each set's
 * elements, then the sets are reserved and filled; cc_finish_sets() sorts
 * and deduplicates them.
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
#include "lower.h"
#include "mem.h"

/**
 * struct sets - the set builder over its two passes
 * @cc: the compilation (its ruleset and sticky error)
 * @counting: the first pass: elements are only counted
 * @scratch: where a counted element is written
 * @sfx_plen: the /-N of the last suffix seen, @sfx and @sfxr its sets' names
 */
struct sets {
	struct cc *cc;
	bool counting;
	struct ir_elem scratch;
	unsigned int sfx_plen;
	char sfx[IR_NAME_MAX], sfxr[IR_NAME_MAX];
};

static struct ir_set *get_set(struct sets *st, enum ir_set_role role,
			      const char *name, const struct ir_key *keys,
			      unsigned int n_keys, unsigned int flags)
{
	struct ir_set *s = ir_set_find(st->cc->b.r, name);

	if (s)
		return s;
	s = ir_set_add(st->cc->b.r, name);
	if (!s) {
		st->cc->b.err = -ENOMEM;
		return NULL;
	}
	s->role = role;
	s->n_keys = n_keys;
	memcpy(s->keys, keys, n_keys * sizeof(*keys));
	s->flags = flags | IR_SET_COUNTER;
	s->pooled_comments = true;
	return s;
}

/* A new element of @s for branch @b; while counting, only counted. */
static struct ir_elem *elem(struct sets *st, struct ir_set *s,
			    const struct branch *b)
{
	struct ir_elem *e;

	if (!s)
		return NULL;
	if (st->counting) {
		s->cap_elems++;
		memset(&st->scratch, 0, sizeof(st->scratch));
		return &st->scratch;
	}
	e = ir_set_add_elem(s);
	if (!e) {
		st->cc->b.err = -ENOMEM;
		return NULL;
	}
	e->comment = (char *)b->name;	/* the pool's: pooled_comments */
	return e;
}

static uint8_t proto_of(unsigned int pi)
{
	return pi ? IPPROTO_UDP : IPPROTO_TCP;
}

static bool has_proto(const struct branch *b, unsigned int pi)
{
	return b->ph->protos & (pi ? PH_PROTO_UDP : PH_PROTO_TCP);
}

/*
 * To a host's IPv6 address: pin6 (exact address, exact port), pin6r (exact
 * address, port range), net6 (subnet), sfxN / sfxNr (suffix /-N).
 */
static void add_host6_elems(struct sets *st, const struct branch *b)
{
	struct ir_key keys[3] = {
		{ .field = IR_F_IP6_DADDR },
		{ .field = IR_F_L4PROTO },
		{ .field = IR_F_TH_DPORT },
	};
	uint8_t lo[16], hi[16];

	switch (b->kind) {
	case IR_PH_EXACT:
		memcpy(lo, b->addr, 16);
		memcpy(hi, b->addr, 16);
		break;
	case IR_PH_SUBNET:
		ir_prefix_range(b->addr, b->plen, 16, lo, hi);
		break;
	case IR_PH_SUFFIX:
		keys[0].masked = true;
		ir_suffix_mask(b->plen, keys[0].mask);
		memcpy(lo, b->addr, 16);
		memcpy(hi, b->addr, 16);
		break;
	default:
		return;
	}
	if (b->kind == IR_PH_SUFFIX && st->sfx_plen != b->plen) {
		snprintf(st->sfx, sizeof(st->sfx), "sfx%u", b->plen);
		snprintf(st->sfxr, sizeof(st->sfxr), "sfx%ur", b->plen);
		st->sfx_plen = b->plen;
	}
	for (unsigned int pi = 0; pi < 2; pi++) {
		if (!has_proto(b, pi))
			continue;
		for (size_t i = 0; i < b->n_ports; i++) {
			const struct ph_portrange *pr = &b->ports[i];
			bool range = pr->lo != pr->hi;
			unsigned int flags = range ? IR_SET_INTERVAL : 0;
			enum ir_set_role role;
			const char *name;
			struct ir_elem *e;

			if (b->kind == IR_PH_SUBNET) {
				role = IR_SET_ROLE_NET6;
				name = "net6";
				flags = IR_SET_INTERVAL;
			} else if (b->kind == IR_PH_SUFFIX) {
				role = range ? IR_SET_ROLE_SFXR : IR_SET_ROLE_SFX;
				name = range ? st->sfxr : st->sfx;
			} else {
				role = range ? IR_SET_ROLE_PIN6R : IR_SET_ROLE_PIN6;
				name = range ? "pin6r" : "pin6";
			}
			e = elem(st, get_set(st, role, name, keys, 3, flags), b);
			if (!e)
				return;
			memcpy(e->key, lo, 16);
			memcpy(e->key_end, hi, 16);
			e->key[16] = e->key_end[16] = proto_of(pi);
			ir_port_bytes(pr->lo, e->key + 20);
			ir_port_bytes(pr->hi, e->key_end + 20);
		}
	}
}

/* To the machine itself: in6 / in4. */
static void add_self_elems(struct sets *st, const struct branch *b)
{
	static const struct ir_key keys[2] = {
		{ .field = IR_F_L4PROTO },
		{ .field = IR_F_TH_DPORT },
	};
	struct ir_set *s = b->family == 6 ?
			   get_set(st, IR_SET_ROLE_IN6, "in6", keys, 2, 0) :
			   get_set(st, IR_SET_ROLE_IN4, "in4", keys, 2, 0);

	for (unsigned int pi = 0; s && pi < 2; pi++) {
		if (!has_proto(b, pi))
			continue;
		for (size_t i = 0; i < b->n_ports; i++) {
			const struct ph_portrange *pr = &b->ports[i];
			struct ir_elem *e = elem(st, s, b);

			if (!e)
				return;
			e->key[0] = e->key_end[0] = proto_of(pi);
			ir_port_bytes(pr->lo, e->key + 4);
			ir_port_bytes(pr->hi, e->key_end + 4);
			if (pr->lo != pr->hi)
				s->flags |= IR_SET_INTERVAL;
		}
	}
}

/*
 * IPv4 port forwards: fwd4 maps proto . external port to address . port;
 * fwd4r maps a range forwarded unchanged to the address. A range forwarded
 * to a shifted range is expanded into fwd4, port by port.
 */
static void add_fwd4_elems(struct sets *st, const struct branch *b)
{
	static const struct ir_key keys[2] = {
		{ .field = IR_F_L4PROTO },
		{ .field = IR_F_TH_DPORT },
	};

	for (unsigned int pi = 0; pi < 2; pi++) {
		if (!has_proto(b, pi))
			continue;
		for (size_t i = 0; i < b->n_ports; i++) {
			const struct ph_portrange *in = &b->ports[i], *ex = &b->ext[i];
			bool same = in->lo == ex->lo && in->hi == ex->hi;
			struct ir_set *s;
			struct ir_elem *e;

			if (same && in->lo != in->hi) {
				s = get_set(st, IR_SET_ROLE_FWD4R, "fwd4r", keys, 2,
					    IR_SET_MAP | IR_SET_INTERVAL);
				if (!s)
					return;
				s->n_data = 1;
				s->data[0] = IR_T_IPADDR;
				e = elem(st, s, b);
				if (!e)
					return;
				e->key[0] = e->key_end[0] = proto_of(pi);
				ir_port_bytes(ex->lo, e->key + 4);
				ir_port_bytes(ex->hi, e->key_end + 4);
				memcpy(e->data, b->addr, 4);
				continue;
			}
			s = get_set(st, IR_SET_ROLE_FWD4, "fwd4", keys, 2, IR_SET_MAP);
			if (!s)
				return;
			s->n_data = 2;
			s->data[0] = IR_T_IPADDR;
			s->data[1] = IR_T_INET_SERVICE;
			for (uint32_t p = ex->lo; p <= ex->hi; p++) {
				e = elem(st, s, b);
				if (!e)
					return;
				e->key[0] = e->key_end[0] = proto_of(pi);
				ir_port_bytes(p, e->key + 4);
				ir_port_bytes(p, e->key_end + 4);
				memcpy(e->data, b->addr, 4);
				ir_port_bytes(in->lo + (p - ex->lo), e->data + 4);
			}
		}
	}
}

/*
 * Give every named set exactly the room the counting pass found: no
 * doubling, no copying, no memory touched twice (100,000 pinholes make
 * ~160,000 elements of 64 bytes).
 */
static void reserve_sets(struct sets *st)
{
	struct pinhole_ruleset *r = st->cc->b.r;

	for (size_t i = 0; i < r->n_sets; i++) {
		struct ir_set *s = r->sets[i];

		if (s->elems || !s->cap_elems)
			continue;
		s->elems = malloc(s->cap_elems * sizeof(*s->elems));
		if (!s->elems) {
			s->cap_elems = 0;
			st->cc->b.err = -ENOMEM;
			continue;
		}
		mem_prefault(s->elems, s->cap_elems * sizeof(*s->elems));
	}
	st->counting = false;
}

static int cmp_set_name(const void *a, const void *b)
{
	const struct ir_set *x = *(const struct ir_set *const *)a;
	const struct ir_set *y = *(const struct ir_set *const *)b;

	return strcmp(x->name, y->name);
}

/*
 * Sort every set's elements and drop exact duplicates (validate_repeats.c
 * warned about them; the first keeps its comment).
 */
void cc_finish_sets(struct cc *cc)
{
	struct pinhole_ruleset *r = cc->b.r;

	for (size_t i = 0; i < r->n_sets; i++) {
		struct ir_set *s = r->sets[i];
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
}

void cc_build_sets(struct cc *cc)
{
	struct sets st = { .cc = cc, .counting = true };

	for (int pass = 0; pass < 2; pass++) {
		for_each_branch(cc->l, b) {
			if (b->n_from)
				continue;	/* a rule each: compile_chains.c */
			if (b->kind == IR_PH_SELF)
				add_self_elems(&st, b);
			else if (b->dnat)
				add_fwd4_elems(&st, b);
			else
				add_host6_elems(&st, b);
		}
		if (pass == 0)
			reserve_sets(&st);
	}
	/* the table declares its sets in name order */
	if (cc->b.r->n_sets > 1)
		qsort(cc->b.r->sets, cc->b.r->n_sets, sizeof(*cc->b.r->sets),
		      cmp_set_name);
}
