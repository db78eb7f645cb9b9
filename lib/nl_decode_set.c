// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Dumped sets back into the IR: key types, flags, counters and the
 * elements, whose interval encoding (start / END pairs) becomes one
 * [key, key_end] per element.
 */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter/nf_tables.h>

#include <libnftnl/expr.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#include "pinhole.h"
#include "ir.h"
#include "nl_build.h"
#include "nl_decode.h"
#include "nl_decode_int.h"

static bool field_of_type(uint32_t type, enum ir_field *f)
{
	static const enum ir_field guess[] = {
		IR_F_IP6_DADDR, IR_F_IP_DADDR, IR_F_L4PROTO, IR_F_TH_DPORT,
		IR_F_IIFNAME, IR_F_NFPROTO, IR_F_CT_STATE, IR_F_CT_STATUS,
		IR_F_ICMPV6_TYPE, IR_F_ICMPV6_CODE, IR_F_IP6_HOPLIMIT,
	};

	for (size_t i = 0; i < ARRAY_SIZE(guess); i++) {
		if (ir_field(guess[i])->type == type) {
			*f = guess[i];
			return true;
		}
	}
	return false;
}

/* Key fields from the set's type; a rule's lookup refines them later. */
static bool keys_of_type(uint32_t type, struct ir_set *s)
{
	unsigned int n = 0;
	enum ir_field f[IR_CONCAT_MAX];

	do {
		if (n == IR_CONCAT_MAX || !field_of_type(type & 0x3f, &f[n]))
			return false;
		n++;
		type >>= 6;
	} while (type);
	s->n_keys = n;
	for (unsigned int i = 0; i < n; i++) {
		memset(&s->keys[i], 0, sizeof(s->keys[i]));
		s->keys[i].field = f[n - 1 - i];
	}
	return ir_keys_len(s->keys, n) <= IR_KEY_MAX;	/* else: not pinhole's */
}

/* Map data the IR can hold: ipv4_addr [. inet_service] (or not a map). */
static bool data_of_type(struct nftnl_set *ns)
{
	uint32_t t;

	if (!(nftnl_set_get_u32(ns, NFTNL_SET_FLAGS) & NFT_SET_MAP))
		return true;
	t = nftnl_set_get_u32(ns, NFTNL_SET_DATA_TYPE);
	return t == IR_T_IPADDR ||
	       t == ((uint32_t)IR_T_IPADDR << 6 | IR_T_INET_SERVICE);
}

struct raw_elem {
	uint8_t key[IR_KEY_MAX];
	bool end;
	bool open;
	struct ir_elem e;
	struct ir_counter ctr;
};

static int elem_counter_cb(struct nftnl_expr *e, void *data)
{
	struct ir_counter *c = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (name && !strcmp(name, "counter")) {
		c->packets += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		c->bytes += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	}
	return 0;
}

static int elem_udata(struct nftnl_set_elem *ne, struct raw_elem *re)
{
	const struct nftnl_udata *a;
	uint32_t len = 0;
	const void *ud;

	if (!nftnl_set_elem_is_set(ne, NFTNL_SET_ELEM_USERDATA))
		return 0;
	ud = nftnl_set_elem_get(ne, NFTNL_SET_ELEM_USERDATA, &len);
	nftnl_udata_for_each_data(ud, len, a) {
		const char *v = nftnl_udata_get(a);
		uint8_t l = nftnl_udata_len(a);

		if (nftnl_udata_type(a) == 0 && l > 0 && v[l - 1] == '\0') {
			free(re->e.comment);
			re->e.comment = strdup(v);
			if (!re->e.comment)
				return -ENOMEM;
		} else if (nftnl_udata_type(a) == 1 && l == 4) {
			re->open = nftnl_udata_get_u32(a) & 1;
		}
	}
	return 0;
}

static int cmp_raw(const void *a, const void *b)
{
	const struct raw_elem *x = a, *y = b;
	int c = memcmp(x->key, y->key, IR_KEY_MAX);

	if (c)
		return c;
	return (int)y->end - (int)x->end;	/* END before a start at the same key */
}

static int push_elem(struct ir_set *s, const struct raw_elem *re,
		     const uint8_t *hi)
{
	struct ir_elem *e = ir_set_add_elem(s);

	if (!e)
		return -ENOMEM;
	*e = re->e;
	memcpy(e->key, re->key, IR_KEY_MAX);
	memcpy(e->key_end, hi, IR_KEY_MAX);
	if (s->counters)
		s->counters[s->n_elems - 1] = re->ctr;
	return 0;
}

/* Elements in the kernel's encoding -> [key, key_end] per IR element. */
static int decode_elems(struct ir_set *s, struct nftnl_set *ns)
{
	uint32_t klen = nl_set_key_len(s), dlen = nl_set_data_len(s);
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(ns);
	bool single_iv = (s->flags & IR_SET_INTERVAL) && s->n_keys == 1;
	struct raw_elem *v = NULL, *open = NULL;
	size_t n = 0, cap = 0;
	struct nftnl_set_elem *ne;
	int ret = -ENOMEM;

	if (!it)
		return -ENOMEM;
	/* libnftnl 1.2.4: _next() returns the current element, then advances */
	while ((ne = nftnl_set_elems_iter_next(it))) {
		struct raw_elem *re;
		uint32_t len = 0;
		const void *p;

		if (n == cap) {
			struct raw_elem *q = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (!q)
				goto out;
			v = q;
		}
		re = &v[n++];
		memset(re, 0, sizeof(*re));
		p = nftnl_set_elem_get(ne, NFTNL_SET_ELEM_KEY, &len);
		memcpy(re->key, p, len < IR_KEY_MAX ? len : IR_KEY_MAX);
		if (nftnl_set_elem_is_set(ne, NFTNL_SET_ELEM_KEY_END)) {
			p = nftnl_set_elem_get(ne, NFTNL_SET_ELEM_KEY_END, &len);
			memcpy(re->e.key_end, p, len < IR_KEY_MAX ? len : IR_KEY_MAX);
		} else {
			memcpy(re->e.key_end, re->key, IR_KEY_MAX);
		}
		if (nftnl_set_elem_is_set(ne, NFTNL_SET_ELEM_DATA)) {
			p = nftnl_set_elem_get(ne, NFTNL_SET_ELEM_DATA, &len);
			memcpy(re->e.data, p, len < IR_DATA_MAX ? len : IR_DATA_MAX);
		}
		if (nftnl_set_elem_is_set(ne, NFTNL_SET_ELEM_FLAGS))
			re->end = nftnl_set_elem_get_u32(ne, NFTNL_SET_ELEM_FLAGS) &
				  NFT_SET_ELEM_INTERVAL_END;
		nftnl_set_elem_expr_foreach(ne, elem_counter_cb, &re->ctr);
		if (elem_udata(ne, re) < 0)
			goto out;
	}
	if (v && single_iv)
		qsort(v, n, sizeof(*v), cmp_raw);
	for (size_t i = 0; i < n; i++) {
		struct raw_elem *re = &v[i];
		uint8_t hi[IR_KEY_MAX] = { 0 };

		if (!single_iv) {
			if (push_elem(s, re, re->e.key_end) < 0)
				goto out;
			re->e.comment = NULL;
			continue;
		}
		if (open) {
			/* closes at this key - 1: an END, or an adjacent start */
			memcpy(hi, re->key, klen);
			for (int j = klen - 1; j >= 0 && hi[j]-- == 0; j--)
				;
			if (push_elem(s, open, hi) < 0)
				goto out;
			open->e.comment = NULL;
			open = NULL;
		}
		if (!re->end)
			open = re;
	}
	if (open) {
		uint8_t hi[IR_KEY_MAX] = { 0 };

		memset(hi, 0xff, klen);
		if (push_elem(s, open, hi) < 0)
			goto out;
		open->e.comment = NULL;
	}
	(void)dlen;
	ir_set_sort(s);
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(v[i].e.comment);
	free(v);
	nftnl_set_elems_iter_destroy(it);
	return ret;
}

static int set_has_counter(struct nftnl_expr *e, void *data)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (name && !strcmp(name, "counter"))
		*(bool *)data = true;
	return 0;
}

/* Fill @s (keys already set) from the dumped set @ns. */
int nld_fill_set(struct ir_set *s, struct nftnl_set *ns)
{
	uint32_t flags = nftnl_set_get_u32(ns, NFTNL_SET_FLAGS);
	bool counter = false;

	if (flags & NFT_SET_INTERVAL)
		s->flags |= IR_SET_INTERVAL;
	if (nftnl_set_is_set(ns, NFTNL_SET_DESC_SIZE))
		s->size = nftnl_set_get_u32(ns, NFTNL_SET_DESC_SIZE);
	if (flags & NFT_SET_MAP) {
		uint32_t t = nftnl_set_get_u32(ns, NFTNL_SET_DATA_TYPE);

		s->flags |= IR_SET_MAP;
		s->n_data = 0;
		if (t >> 6) {
			s->data[s->n_data++] = t >> 6;
			s->data[s->n_data++] = t & 0x3f;
		} else {
			s->data[s->n_data++] = t;
		}
	}
	nftnl_set_expr_foreach(ns, set_has_counter, &counter);
	if (counter) {
		s->flags |= IR_SET_COUNTER;
		if (ir_set_want_counters(s) < 0)
			return -ENOMEM;
	}
	return decode_elems(s, ns);
}

static int expr_name(struct nftnl_expr *e, void *data)
{
	char *buf = data;
	size_t len = strlen(buf);

	snprintf(buf + len, 128 - len, "%s ", nftnl_expr_get_str(e, NFTNL_EXPR_NAME));
	return 0;
}

/*
 * Does the IR hold the dumped set @ns exactly? Only if the declaration the
 * builder writes for @s is the one dumped, attribute for attribute: key
 * and data types, flags (timeout, dynamic, object maps...), userdata (nft
 * keeps auto-merge and comments there), size, policy, expressions. The
 * elements are what decode_elems() read; their extras need flags the
 * set would show (timeouts, object references).
 */
static bool set_exact(const char *table, const struct ir_set *s,
		      struct nftnl_set *ns)
{
	static const uint16_t attrs[] = {
		NFTNL_SET_KEY_TYPE, NFTNL_SET_KEY_LEN,
		NFTNL_SET_DATA_TYPE, NFTNL_SET_DATA_LEN, NFTNL_SET_OBJ_TYPE,
		NFTNL_SET_POLICY, NFTNL_SET_DESC_SIZE, NFTNL_SET_DESC_CONCAT,
		NFTNL_SET_TIMEOUT, NFTNL_SET_GC_INTERVAL, NFTNL_SET_USERDATA,
	};
	struct nftnl_set *want = nl_build_set(table, s);
	char ea[128] = "", eb[128] = "";
	bool same = want != NULL;

	/* the kernel leaves out flags 0 */
	if (same && (nftnl_set_is_set(ns, NFTNL_SET_FLAGS) ?
		     nftnl_set_get_u32(ns, NFTNL_SET_FLAGS) : 0) !=
		    nftnl_set_get_u32(want, NFTNL_SET_FLAGS))
		same = false;

	for (size_t i = 0; same && i < ARRAY_SIZE(attrs); i++) {
		uint32_t la = 0, lb = 0;
		const void *a, *b;

		if (nftnl_set_is_set(ns, attrs[i]) != nftnl_set_is_set(want, attrs[i]))
			same = false;
		else if (nftnl_set_is_set(ns, attrs[i])) {
			a = nftnl_set_get_data(ns, attrs[i], &la);
			b = nftnl_set_get_data(want, attrs[i], &lb);
			same = a && b && la == lb && !memcmp(a, b, la);
		}
	}
	if (same) {
		nftnl_set_expr_foreach(ns, expr_name, ea);
		nftnl_set_expr_foreach(want, expr_name, eb);
		same = !strcmp(ea, eb);
	}
	nftnl_set_free(want);
	return same;
}

int nl_decode_set(struct nl_decoder *d, struct nftnl_set *ns)
{
	struct nftnl_set **v;
	struct ir_set *s;
	const char *name;
	int ret;

	v = realloc(d->sets, (d->n_sets + 1) * sizeof(*v));
	if (!v) {
		nftnl_set_free(ns);
		return -ENOMEM;
	}
	d->sets = v;
	d->sets[d->n_sets++] = ns;
	if (nftnl_set_get_u32(ns, NFTNL_SET_FLAGS) & NFT_SET_ANONYMOUS)
		return 0;	/* decoded with the rule that binds it */
	name = nftnl_set_get_str(ns, NFTNL_SET_NAME);
	s = ir_set_add(d->r, name);
	if (!s)
		return -ENOMEM;
	ret = 0;
	if (keys_of_type(nftnl_set_get_u32(ns, NFTNL_SET_KEY_TYPE), s) &&
	    data_of_type(ns) && !(ret = nld_fill_set(s, ns)) &&
	    set_exact(d->r->table, s, ns))
		return 0;
	/* not one the IR can hold: out of the IR, marked foreign */
	d->r->n_sets--;
	ir_set_free(s);
	if (ret)
		return ret;
	return ir_foreign_add(d->r, "%s \"%s\"",
			      nftnl_set_get_u32(ns, NFTNL_SET_FLAGS) & NFT_SET_MAP ?
			      "map" : "set", name);
}

struct nftnl_set *nld_find_nset(struct nl_decoder *d, const char *name,
				uint32_t id)
{
	for (size_t i = 0; i < d->n_sets; i++) {
		struct nftnl_set *ns = d->sets[i];

		if (id && nftnl_set_is_set(ns, NFTNL_SET_ID) &&
		    nftnl_set_get_u32(ns, NFTNL_SET_ID) == id)
			return ns;
	}
	for (size_t i = 0; i < d->n_sets; i++)
		if (!strcmp(nftnl_set_get_str(d->sets[i], NFTNL_SET_NAME), name))
			return d->sets[i];
	return NULL;
}
