// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The live table back into the IR: dump it through netlink (per-chain rule
 * dumps, research/netlink.md §6.1) and decode pinhole's own shapes. A rule
 * counts as recognised only if nl_build_rule() of the decoded IR gives the
 * same bytecode again (modulo what the kernel echoes differently, §6.2);
 * everything else is kept as an unknown rule with its bytecode as text.
 */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_nat.h>

#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "pinhole.h"
#include "ir.h"
#include "nl.h"
#include "nl_build.h"
#include "nl_decode.h"

#define MAX_EXPRS 64

struct nl_decoder {
	struct pinhole_ruleset *r;
	struct nftnl_set **sets;	/* every set of the table, as dumped */
	size_t n_sets;
	bool failed;
};

struct nl_decoder *nl_decoder_new(const char *table)
{
	struct nl_decoder *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->r = ir_ruleset_new(table);
	if (!d->r) {
		free(d);
		return NULL;
	}
	return d;
}

void nl_decoder_free(struct nl_decoder *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_sets; i++)
		nftnl_set_free(d->sets[i]);
	free(d->sets);
	pinhole_ruleset_free(d->r);
	free(d);
}

struct pinhole_ruleset *nl_decoder_result(struct nl_decoder *d)
{
	struct pinhole_ruleset *r = d->r;

	d->r = NULL;
	return r;
}

/* ---------------------------------------------------------------- chains */

int nl_decode_chain(struct nl_decoder *d, struct nftnl_chain *c)
{
	enum ir_chain_type type = IR_CHAIN_REGULAR;
	uint32_t hook = 0, policy = 0;
	int32_t prio = 0;
	struct ir_chain *ch;
	int ret = 0;

	if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) {
		const char *t = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);

		type = t && !strcmp(t, "nat") ? IR_CHAIN_NAT : IR_CHAIN_FILTER;
		hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
		prio = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
		policy = nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY);
	}
	ch = ir_chain_add(d->r, nftnl_chain_get_str(c, NFTNL_CHAIN_NAME),
			  type, hook, prio, policy);
	if (!ch)
		ret = -ENOMEM;
	nftnl_chain_free(c);
	return ret;
}

/* ---------------------------------------------------------------- sets */

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
static int fill_set(struct ir_set *s, struct nftnl_set *ns)
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

int nl_decode_set(struct nl_decoder *d, struct nftnl_set *ns)
{
	struct nftnl_set **v;
	struct ir_set *s;
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
	s = ir_set_add(d->r, nftnl_set_get_str(ns, NFTNL_SET_NAME));
	if (!s)
		return -ENOMEM;
	if (!keys_of_type(nftnl_set_get_u32(ns, NFTNL_SET_KEY_TYPE), s)) {
		/* not one of ours: keep it as an ipv6 set so it still shows */
		s->n_keys = 1;
		s->keys[0].field = IR_F_IP6_DADDR;
		return 0;
	}
	ret = fill_set(s, ns);
	return ret;
}

static struct nftnl_set *find_nset(struct nl_decoder *d, const char *name,
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

/* ---------------------------------------------------------------- rules */

struct pending {
	int off;
	enum ir_field field;
	uint32_t len;		/* bytes loaded (short for shortened prefixes) */
	bool masked;
	uint8_t mask[IR_VAL_MAX];
};

struct dstate {
	struct nl_decoder *d;
	struct ir_rule *rule;
	struct pending p[IR_CONCAT_MAX];
	unsigned int np;
	uint8_t imm[2][IR_VAL_MAX];	/* immediates in reg 1 / reg 2 */
	uint32_t imm_len[2];
	struct ir_set *map;		/* lookup with dreg, for dnat map */
	struct ir_key map_keys[IR_CONCAT_MAX];
	unsigned int map_n_keys;
};

static bool load_field(struct nftnl_expr *e, const char *name, enum ir_field *f,
		       uint32_t *len)
{
	for (int i = 0; i < __IR_F_MAX; i++) {
		const struct ir_field_desc *d = ir_field(i);

		if (!strcmp(name, "meta") && d->load == IR_LOAD_META &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) == d->key) {
			*f = i;
			*len = d->len;
			return true;
		}
		if (!strcmp(name, "ct") && d->load == IR_LOAD_CT &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY) == d->key) {
			*f = i;
			*len = d->len;
			return true;
		}
		if (!strcmp(name, "fib") && d->load == IR_LOAD_FIB &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_RESULT) == d->key &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_FLAGS) == d->base) {
			*f = i;
			*len = d->len;
			return true;
		}
		if (!strcmp(name, "payload") && d->load == IR_LOAD_PAYLOAD &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE) == d->base &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET) == d->offset) {
			*len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
			if (*len > d->len)
				continue;
			*f = i;
			return true;
		}
	}
	return false;
}

static const void *get_data(struct nftnl_expr *e, uint16_t attr, uint32_t *len)
{
	const void *p = nftnl_expr_get(e, attr, len);

	if (!p || *len > IR_VAL_MAX)
		return NULL;
	return p;
}

/* Mask @m of @len bytes as a CIDR prefix length, or -1. */
static int mask_prefix(const uint8_t *m, unsigned int len)
{
	unsigned int p = 0;

	while (p < len * 8 && (m[p / 8] & (0x80 >> (p % 8))))
		p++;
	for (unsigned int b = p; b < len * 8; b++)
		if (m[b / 8] & (0x80 >> (b % 8)))
			return -1;
	return (int)p;
}

static bool is_addr(enum ir_field f)
{
	enum ir_type t = ir_field(f)->type;

	return t == IR_T_IPADDR || t == IR_T_IP6ADDR;
}

static bool decode_cmp(struct dstate *st, struct nftnl_expr **ex, int n, int *i)
{
	struct nftnl_expr *e = ex[*i];
	struct pending *p = &st->p[0];
	const struct ir_field_desc *fd;
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP), len;
	const uint8_t *data = get_data(e, NFTNL_EXPR_CMP_DATA, &len);
	struct ir_match *m;

	if (st->np != 1 || p->off != 0 || !data ||
	    nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG) != NFT_REG_1)
		return false;
	fd = ir_field(p->field);
	if (op == NFT_CMP_GTE) {
		struct nftnl_expr *e2 = *i + 1 < n ? ex[*i + 1] : NULL;
		const uint8_t *hi;
		uint32_t len2;

		if (!e2 || strcmp(nftnl_expr_get_str(e2, NFTNL_EXPR_NAME), "cmp") ||
		    nftnl_expr_get_u32(e2, NFTNL_EXPR_CMP_OP) != NFT_CMP_LTE ||
		    !(hi = get_data(e2, NFTNL_EXPR_CMP_DATA, &len2)) ||
		    len != fd->len || len2 != fd->len || p->masked)
			return false;
		m = ir_rule_match(st->rule, p->field, IR_OP_EQ);
		if (!m)
			return false;
		memcpy(m->lo, data, len);
		memcpy(m->hi, hi, len);
		++*i;
		st->np = 0;
		return true;
	}
	if (op != NFT_CMP_EQ && op != NFT_CMP_NEQ)
		return false;
	if (p->masked && (p->field == IR_F_CT_STATE || p->field == IR_F_CT_STATUS)) {
		uint8_t zero[IR_VAL_MAX] = { 0 };

		if (op != NFT_CMP_NEQ || memcmp(data, zero, len))
			return false;
		m = ir_rule_match(st->rule, p->field, IR_OP_FLAGS);
		if (!m)
			return false;
		memcpy(m->lo, p->mask, fd->len);
		memcpy(m->hi, p->mask, fd->len);
		st->np = 0;
		return true;
	}
	m = ir_rule_match(st->rule, p->field, op == NFT_CMP_EQ ? IR_OP_EQ : IR_OP_NEQ);
	if (!m)
		return false;
	if (p->masked && is_addr(p->field) && mask_prefix(p->mask, fd->len) > 0) {
		for (unsigned int b = 0; b < fd->len && b < len; b++) {
			m->lo[b] = data[b];
			m->hi[b] = data[b] | (uint8_t)~p->mask[b];
		}
	} else if (p->masked) {
		m->keys[0].masked = true;
		memcpy(m->keys[0].mask, p->mask, fd->len);
		memcpy(m->lo, data, len);
		memcpy(m->hi, data, len);
	} else if (p->len < fd->len) {
		/* shortened prefix load */
		memcpy(m->lo, data, len);
		memcpy(m->hi, data, len);
		memset(m->hi + len, 0xff, fd->len - len);
	} else if (len < fd->len) {
		m->prefix_len = len;	/* iifname "eth*" */
		memcpy(m->lo, data, len);
		memcpy(m->hi, data, len);
	} else {
		memcpy(m->lo, data, len);
		memcpy(m->hi, data, len);
	}
	st->np = 0;
	return true;
}

static bool pending_keys(struct dstate *st, struct ir_key *keys,
			 unsigned int *n)
{
	for (unsigned int i = 0; i < st->np; i++) {
		keys[i].field = st->p[i].field;
		keys[i].masked = st->p[i].masked;
		memcpy(keys[i].mask, st->p[i].mask, IR_VAL_MAX);
		if (st->p[i].len != ir_field(st->p[i].field)->len ||
		    st->p[i].off != (int)ir_keys_off(keys, i))
			return false;
	}
	*n = st->np;
	st->np = 0;
	return *n > 0;
}

static bool decode_lookup(struct dstate *st, struct nftnl_expr *e)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
	uint32_t id = nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_SET_ID) ?
		      nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SET_ID) : 0;
	struct nftnl_set *ns = find_nset(st->d, name, id);
	struct ir_key keys[IR_CONCAT_MAX];
	struct ir_match *m;
	struct ir_set *s;
	unsigned int n;

	if (!ns || !pending_keys(st, keys, &n) ||
	    (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) &&
	     nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS)))
		return false;
	if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG)) {
		s = ir_set_find(st->d->r, name);
		if (!s || !(s->flags & IR_SET_MAP) ||
		    nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG) != NFT_REG_1)
			return false;
		st->map = s;
		memcpy(st->map_keys, keys, sizeof(keys));
		st->map_n_keys = n;
		memcpy(s->keys, keys, sizeof(keys));
		s->n_keys = n;
		return true;
	}
	m = ir_rule_match(st->rule, keys[0].field, IR_OP_LOOKUP);
	if (!m)
		return false;
	m->n_keys = n;
	memcpy(m->keys, keys, sizeof(keys));
	if (nftnl_set_get_u32(ns, NFTNL_SET_FLAGS) & NFT_SET_ANONYMOUS) {
		s = ir_set_new_anon();
		if (!s)
			return false;
		m->set = s;	/* owned by the match from here on */
		s->n_keys = n;
		memcpy(s->keys, keys, sizeof(keys));
		if (fill_set(s, ns) < 0)
			return false;
		return true;
	}
	s = ir_set_find(st->d->r, name);
	if (!s || (s->flags & IR_SET_MAP))
		return false;
	/* the rule knows the real fields (saddr vs daddr, masks) */
	s->n_keys = n;
	memcpy(s->keys, keys, sizeof(keys));
	m->set = s;
	return true;
}

static bool decode_stmt(struct dstate *st, struct nftnl_expr *e, const char *name)
{
	struct ir_stmt *s;

	if (!strcmp(name, "counter")) {
		s = ir_rule_stmt(st->rule, IR_S_COUNTER);
		if (!s)
			return false;
		s->counter.packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		s->counter.bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
		return true;
	}
	if (!strcmp(name, "limit")) {
		s = ir_rule_stmt(st->rule, IR_S_LIMIT);
		if (!s)
			return false;
		s->limit.rate = nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_RATE);
		s->limit.unit = nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_UNIT);
		s->limit.burst = nftnl_expr_get_u32(e, NFTNL_EXPR_LIMIT_BURST);
		return true;
	}
	if (!strcmp(name, "log")) {
		const char *pfx = nftnl_expr_get_str(e, NFTNL_EXPR_LOG_PREFIX);

		s = ir_rule_stmt(st->rule, IR_S_LOG);
		if (!s || !pfx || strlen(pfx) >= sizeof(s->log.prefix))
			return false;
		strcpy(s->log.prefix, pfx);
		return true;
	}
	if (!strcmp(name, "masq"))
		return ir_rule_stmt(st->rule, IR_S_MASQ) != NULL;
	if (!strcmp(name, "reject")) {
		uint32_t type = nftnl_expr_get_u32(e, NFTNL_EXPR_REJECT_TYPE);

		s = ir_rule_stmt(st->rule, IR_S_REJECT);
		if (!s)
			return false;
		s->reject.how = type == NFT_REJECT_TCP_RST ? IR_REJECT_TCP_RST :
				IR_REJECT_ICMPX_ADMIN;
		return true;
	}
	if (!strcmp(name, "immediate")) {
		uint32_t dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG), len;
		const void *p;

		if (dreg == NFT_REG_VERDICT) {
			int v = (int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);
			const char *chain;

			switch (v) {
			case NF_ACCEPT:
				return ir_rule_stmt(st->rule, IR_S_ACCEPT) != NULL;
			case NF_DROP:
				return ir_rule_stmt(st->rule, IR_S_DROP) != NULL;
			case NFT_RETURN:
				return ir_rule_stmt(st->rule, IR_S_RETURN) != NULL;
			case NFT_JUMP:
				chain = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);
				s = ir_rule_stmt(st->rule, IR_S_JUMP);
				if (!s || !chain || strlen(chain) >= IR_NAME_MAX)
					return false;
				strcpy(s->jump.chain, chain);
				return true;
			}
			return false;
		}
		if (dreg != NFT_REG_1 && dreg != NFT_REG_2)
			return false;
		p = get_data(e, NFTNL_EXPR_IMM_DATA, &len);
		if (!p)
			return false;
		memcpy(st->imm[dreg - 1], p, len);
		st->imm_len[dreg - 1] = len;
		return true;
	}
	if (!strcmp(name, "nat")) {
		if (st->map) {
			s = ir_rule_stmt(st->rule, IR_S_DNAT_MAP);
			if (!s)
				return false;
			s->dnat_map.n_keys = st->map_n_keys;
			memcpy(s->dnat_map.keys, st->map_keys, sizeof(st->map_keys));
			s->dnat_map.map = st->map;
			st->map = NULL;
			return true;
		}
		s = ir_rule_stmt(st->rule, IR_S_DNAT);
		if (!s || st->imm_len[0] != 4)
			return false;
		memcpy(s->dnat.addr, st->imm[0], 4);
		if (st->imm_len[1] == 2) {
			uint16_t port;

			memcpy(&port, st->imm[1], 2);
			s->dnat.port = ntohs(port);
		}
		return true;
	}
	return false;
}

static int collect(struct nftnl_expr *e, void *data)
{
	struct nftnl_expr **ex = data;
	int i = 0;

	while (i < MAX_EXPRS && ex[i])
		i++;
	if (i == MAX_EXPRS)
		return -1;
	ex[i] = e;
	return 0;
}

static bool decode_exprs(struct dstate *st, struct nftnl_expr **ex, int n)
{
	for (int i = 0; i < n; i++) {
		struct nftnl_expr *e = ex[i];
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
		enum ir_field f;
		uint32_t len;

		if (!strcmp(name, "meta") || !strcmp(name, "ct") ||
		    !strcmp(name, "payload") || !strcmp(name, "fib")) {
			uint16_t attr = !strcmp(name, "meta") ? NFTNL_EXPR_META_DREG :
					!strcmp(name, "ct") ? NFTNL_EXPR_CT_DREG :
					!strcmp(name, "fib") ? NFTNL_EXPR_FIB_DREG :
					NFTNL_EXPR_PAYLOAD_DREG;
			int off;

			if (!nftnl_expr_is_set(e, attr) || st->np == IR_CONCAT_MAX ||
			    !load_field(e, name, &f, &len))
				return false;
			off = nl_reg_off(nftnl_expr_get_u32(e, attr));
			if (off < 0)
				return false;
			st->p[st->np++] = (struct pending){ .off = off, .field = f, .len = len };
		} else if (!strcmp(name, "bitwise")) {
			struct pending *p = st->np ? &st->p[st->np - 1] : NULL;
			const uint8_t *mask, *xor;
			uint32_t ml, xl;

			mask = get_data(e, NFTNL_EXPR_BITWISE_MASK, &ml);
			xor = get_data(e, NFTNL_EXPR_BITWISE_XOR, &xl);
			if (!p || !mask || !xor || p->masked ||
			    ml != ir_field(p->field)->len)
				return false;
			for (uint32_t b = 0; b < xl; b++)
				if (xor[b])
					return false;
			p->masked = true;
			memcpy(p->mask, mask, ml);
		} else if (!strcmp(name, "byteorder")) {
			if (!st->np)
				return false;	/* checked by re-linearising */
		} else if (!strcmp(name, "cmp")) {
			if (!decode_cmp(st, ex, n, &i))
				return false;
		} else if (!strcmp(name, "range")) {
			const uint8_t *lo, *hi;
			uint32_t l1, l2;
			struct ir_match *m;

			lo = get_data(e, NFTNL_EXPR_RANGE_FROM_DATA, &l1);
			hi = get_data(e, NFTNL_EXPR_RANGE_TO_DATA, &l2);
			if (st->np != 1 || !lo || !hi || st->p[0].masked ||
			    nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_OP) != NFT_RANGE_NEQ ||
			    !(m = ir_rule_match(st->rule, st->p[0].field, IR_OP_NEQ)))
				return false;
			memcpy(m->lo, lo, l1);
			memcpy(m->hi, hi, l2);
			st->np = 0;
		} else if (!strcmp(name, "lookup")) {
			if (!decode_lookup(st, e))
				return false;
		} else {
			if (st->np || !decode_stmt(st, e, name))
				return false;
		}
	}
	return st->np == 0 && !st->map;
}

/* Compare one dumped expression with its re-linearised twin (§6.2). */
static bool same_expr(struct nftnl_expr *a, struct nftnl_expr *b)
{
	const char *n = nftnl_expr_get_str(a, NFTNL_EXPR_NAME);
	char x[1024], y[1024];

	if (strcmp(n, nftnl_expr_get_str(b, NFTNL_EXPR_NAME)))
		return false;
	if (!strcmp(n, "counter"))
		return true;
	if (!strcmp(n, "lookup")) {
		/* anonymous names differ (__set0 vs __set%d); flags 0 echoed */
		uint32_t fa = nftnl_expr_is_set(a, NFTNL_EXPR_LOOKUP_FLAGS) ?
			      nftnl_expr_get_u32(a, NFTNL_EXPR_LOOKUP_FLAGS) : 0;
		uint32_t fb = nftnl_expr_is_set(b, NFTNL_EXPR_LOOKUP_FLAGS) ?
			      nftnl_expr_get_u32(b, NFTNL_EXPR_LOOKUP_FLAGS) : 0;

		return fa == fb &&
		       nftnl_expr_get_u32(a, NFTNL_EXPR_LOOKUP_SREG) ==
		       nftnl_expr_get_u32(b, NFTNL_EXPR_LOOKUP_SREG) &&
		       nftnl_expr_is_set(a, NFTNL_EXPR_LOOKUP_DREG) ==
		       nftnl_expr_is_set(b, NFTNL_EXPR_LOOKUP_DREG) &&
		       nftnl_expr_get_u32(a, NFTNL_EXPR_LOOKUP_DREG) ==
		       nftnl_expr_get_u32(b, NFTNL_EXPR_LOOKUP_DREG);
	}
	if (!strcmp(n, "log")) {
		/* the kernel echoes the default level (warning) it filled in */
		const char *pa = nftnl_expr_get_str(a, NFTNL_EXPR_LOG_PREFIX);
		const char *pb = nftnl_expr_get_str(b, NFTNL_EXPR_LOG_PREFIX);
		uint32_t la = nftnl_expr_is_set(a, NFTNL_EXPR_LOG_LEVEL) ?
			      nftnl_expr_get_u32(a, NFTNL_EXPR_LOG_LEVEL) : 4;
		uint32_t lb = nftnl_expr_is_set(b, NFTNL_EXPR_LOG_LEVEL) ?
			      nftnl_expr_get_u32(b, NFTNL_EXPR_LOG_LEVEL) : 4;

		return pa && pb && !strcmp(pa, pb) && la == lb &&
		       nftnl_expr_is_set(a, NFTNL_EXPR_LOG_GROUP) ==
		       nftnl_expr_is_set(b, NFTNL_EXPR_LOG_GROUP) &&
		       nftnl_expr_is_set(a, NFTNL_EXPR_LOG_FLAGS) ==
		       nftnl_expr_is_set(b, NFTNL_EXPR_LOG_FLAGS);
	}
	if (!strcmp(n, "nat")) {
		/* the kernel fills *_MAX and ORs in MAP_IPS / PROTO_SPECIFIED */
		uint32_t mask = ~(uint32_t)(NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED);
		uint32_t fa = nftnl_expr_is_set(a, NFTNL_EXPR_NAT_FLAGS) ?
			      nftnl_expr_get_u32(a, NFTNL_EXPR_NAT_FLAGS) : 0;
		uint32_t fb = nftnl_expr_is_set(b, NFTNL_EXPR_NAT_FLAGS) ?
			      nftnl_expr_get_u32(b, NFTNL_EXPR_NAT_FLAGS) : 0;

		return (fa & mask) == (fb & mask) &&
		       nftnl_expr_get_u32(a, NFTNL_EXPR_NAT_TYPE) ==
		       nftnl_expr_get_u32(b, NFTNL_EXPR_NAT_TYPE) &&
		       nftnl_expr_get_u32(a, NFTNL_EXPR_NAT_FAMILY) ==
		       nftnl_expr_get_u32(b, NFTNL_EXPR_NAT_FAMILY) &&
		       nftnl_expr_get_u32(a, NFTNL_EXPR_NAT_REG_ADDR_MIN) ==
		       nftnl_expr_get_u32(b, NFTNL_EXPR_NAT_REG_ADDR_MIN) &&
		       nftnl_expr_is_set(a, NFTNL_EXPR_NAT_REG_PROTO_MIN) ==
		       nftnl_expr_is_set(b, NFTNL_EXPR_NAT_REG_PROTO_MIN) &&
		       nftnl_expr_get_u32(a, NFTNL_EXPR_NAT_REG_PROTO_MIN) ==
		       nftnl_expr_get_u32(b, NFTNL_EXPR_NAT_REG_PROTO_MIN);
	}
	nftnl_expr_snprintf(x, sizeof(x), a, NFTNL_OUTPUT_DEFAULT, 0);
	nftnl_expr_snprintf(y, sizeof(y), b, NFTNL_OUTPUT_DEFAULT, 0);
	return !strcmp(x, y);
}

static bool relinearises(struct nl_decoder *d, const char *chain,
			 const struct ir_rule *rule, struct nftnl_expr **ex, int n)
{
	struct nftnl_rule *r = nl_build_rule(d->r, chain, rule);
	struct nftnl_expr *ey[MAX_EXPRS + 1] = { 0 };
	bool same = false;
	int m = 0;

	if (!r)
		return false;
	if (nftnl_expr_foreach(r, collect, ey) == 0) {
		while (ey[m])
			m++;
		same = m == n;
		for (int i = 0; i < n && same; i++)
			same = same_expr(ex[i], ey[i]);
	}
	nftnl_rule_free(r);
	return same;
}

static char *raw_text(struct nftnl_expr **ex, int n)
{
	char *buf = NULL, one[1024];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (int i = 0; i < n; i++) {
		nftnl_expr_snprintf(one, sizeof(one), ex[i], NFTNL_OUTPUT_DEFAULT, 0);
		fprintf(f, "%s[ %s %s]", i ? " " : "",
			nftnl_expr_get_str(ex[i], NFTNL_EXPR_NAME), one);
	}
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static char *rule_comment(struct nftnl_rule *r)
{
	const struct nftnl_udata *a;
	uint32_t len = 0;
	const void *ud;

	if (!nftnl_rule_is_set(r, NFTNL_RULE_USERDATA))
		return NULL;
	ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
	nftnl_udata_for_each_data(ud, len, a) {
		const char *v = nftnl_udata_get(a);
		uint8_t l = nftnl_udata_len(a);

		if (nftnl_udata_type(a) == 0 && l > 0 && v[l - 1] == '\0')
			return strdup(v);
	}
	return NULL;
}

int nl_decode_rule(struct nl_decoder *d, struct nftnl_rule *r)
{
	struct nftnl_expr *ex[MAX_EXPRS + 1] = { 0 };
	const char *chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	struct ir_chain *ch = chain ? ir_chain_find(d->r, chain) : NULL;
	struct dstate st = { .d = d };
	struct ir_rule *rule;
	bool ok;
	int n = 0, ret = 0;

	if (!ch) {
		nftnl_rule_free(r);
		return -EPROTO;
	}
	rule = ir_chain_add_rule(ch);
	if (!rule) {
		nftnl_rule_free(r);
		return -ENOMEM;
	}
	st.rule = rule;
	ok = nftnl_expr_foreach(r, collect, ex) == 0;
	while (ex[n])
		n++;
	rule->comment = rule_comment(r);
	if (nftnl_rule_is_set(r, NFTNL_RULE_HANDLE))
		rule->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	ok = ok && decode_exprs(&st, ex, n) && relinearises(d, chain, rule, ex, n);
	if (!ok) {
		uint64_t handle = rule->handle;
		char *comment = rule->comment;

		rule->comment = NULL;
		ir_rule_clear(rule);
		rule->comment = comment;
		rule->handle = handle;
		rule->unknown = true;
		rule->raw = raw_text(ex, n);
		if (!rule->raw)
			ret = -ENOMEM;
	}
	nftnl_rule_free(r);
	return ret;
}

/* ---------------------------------------------------------------- dump */

struct dump_ctx {
	struct nl_decoder *d;
	const char *table;
	struct nftnl_set *set;
	int err;
};

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	return 0;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	struct nftnl_chain *ch = nftnl_chain_alloc();

	if (!ch)
		return -ENOMEM;
	if (nftnl_chain_nlmsg_parse(nlh, ch) < 0) {
		nftnl_chain_free(ch);
		return -EPROTO;
	}
	if (strcmp(nftnl_chain_get_str(ch, NFTNL_CHAIN_TABLE), c->table)) {
		nftnl_chain_free(ch);
		return 0;
	}
	return nl_decode_chain(c->d, ch);
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set **v;

	if (!s)
		return -ENOMEM;
	if (nftnl_set_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return -EPROTO;
	}
	/* collected now, decoded once their elements are in */
	v = realloc(c->d->sets, (c->d->n_sets + 1) * sizeof(*v));
	if (!v) {
		nftnl_set_free(s);
		return -ENOMEM;
	}
	c->d->sets = v;
	c->d->sets[c->d->n_sets++] = s;
	return 0;
}

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;

	return nftnl_set_elems_nlmsg_parse(nlh, c->set) < 0 ? -EPROTO : 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r)
		return -ENOMEM;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		return -EPROTO;
	}
	return nl_decode_rule(c->d, r);
}

static int read_once(struct nl_sock *s, const char *table,
		     struct nl_decoder *d)
{
	struct dump_ctx c = { .d = d, .table = table };
	char buf[NL_REQ_BUFSZ];
	struct nftnl_set **sets;
	struct nlmsghdr *nlh;
	size_t n_sets;
	int ret;

	/* chains */
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_INET,
				    NLM_F_DUMP, nl_seq(s));
	ret = nl_request(s, nlh, chain_cb, &c);
	if (ret)
		return ret;
	/* sets, then each set's elements */
	{
		struct nftnl_set *q = nftnl_set_alloc();

		if (!q)
			return -ENOMEM;
		nftnl_set_set_str(q, NFTNL_SET_TABLE, table);
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_INET,
					    NLM_F_DUMP, nl_seq(s));
		nftnl_set_nlmsg_build_payload(nlh, q);
		nftnl_set_free(q);
	}
	ret = nl_request(s, nlh, set_cb, &c);
	if (ret)
		return ret;
	sets = d->sets;
	n_sets = d->n_sets;
	d->sets = NULL;
	d->n_sets = 0;
	for (size_t i = 0; i < n_sets; i++) {
		struct nftnl_set *q = nftnl_set_alloc();

		if (!q) {
			ret = -ENOMEM;
			break;
		}
		nftnl_set_set_str(q, NFTNL_SET_TABLE, table);
		nftnl_set_set_str(q, NFTNL_SET_NAME,
				  nftnl_set_get_str(sets[i], NFTNL_SET_NAME));
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET,
					    NLM_F_DUMP, nl_seq(s));
		nftnl_set_elems_nlmsg_build_payload(nlh, q);
		nftnl_set_free(q);
		c.set = sets[i];
		ret = nl_request(s, nlh, elem_cb, &c);
		if (ret)
			break;
	}
	for (size_t i = 0; i < n_sets; i++) {
		if (!ret)
			ret = nl_decode_set(d, sets[i]);
		else
			nftnl_set_free(sets[i]);
	}
	free(sets);
	if (ret)
		return ret;
	/* rules, one chain at a time (whole-table dumps are quadratic) */
	for (size_t i = 0; i < d->r->n_chains; i++) {
		struct nftnl_rule *q = nftnl_rule_alloc();

		if (!q)
			return -ENOMEM;
		nftnl_rule_set_str(q, NFTNL_RULE_TABLE, table);
		nftnl_rule_set_str(q, NFTNL_RULE_CHAIN, d->r->chains[i]->name);
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET,
					    NLM_F_DUMP, nl_seq(s));
		nftnl_rule_nlmsg_build_payload(nlh, q);
		nftnl_rule_free(q);
		ret = nl_request(s, nlh, rule_cb, &c);
		if (ret)
			return ret;
	}
	return 0;
}

int nl_read_table(struct nl_sock *s, const char *table,
		  struct pinhole_ruleset **out, uint32_t *genid)
{
	char buf[NL_REQ_BUFSZ];
	int ret = -EINTR;

	*out = NULL;
	/* A commit between our dumps would mix generations: retry. */
	for (int attempt = 0; attempt < 5 && ret == -EINTR; attempt++) {
		struct nftnl_table *t = nftnl_table_alloc();
		struct nl_decoder *d;
		struct nlmsghdr *nlh;
		uint32_t g1, g2;

		if (!t)
			return -ENOMEM;
		ret = nl_getgen(s, &g1);
		if (ret) {
			nftnl_table_free(t);
			return ret;
		}
		nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET,
					    0, nl_seq(s));
		nftnl_table_nlmsg_build_payload(nlh, t);
		nftnl_table_free(t);
		ret = nl_request(s, nlh, table_cb, NULL);
		if (ret == -ENOENT) {
			if (genid)
				*genid = g1;
			return 0;
		}
		if (ret)
			return ret;
		d = nl_decoder_new(table);
		if (!d)
			return -ENOMEM;
		ret = read_once(s, table, d);
		if (!ret) {
			ret = nl_getgen(s, &g2);
			if (!ret && g1 != g2)
				ret = -EINTR;
		}
		if (!ret) {
			*out = nl_decoder_result(d);
			if (genid)
				*genid = g1;
		}
		nl_decoder_free(d);
	}
	return ret;
}
