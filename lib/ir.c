// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/* Ruleset IR: field table, allocation and builders. */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>

#include "pinhole.h"
#include "arena.h"
#include "ir.h"
#include "mem.h"

static const struct ir_field_desc fields[__IR_F_MAX] = {
	[IR_F_NFPROTO]	   = { "meta nfproto", IR_LOAD_META, NFT_META_NFPROTO, 0, 0, 1, IR_T_NFPROTO },
	[IR_F_L4PROTO]	   = { "meta l4proto", IR_LOAD_META, NFT_META_L4PROTO, 0, 0, 1, IR_T_INET_PROTO },
	[IR_F_IIFNAME]	   = { "iifname", IR_LOAD_META, NFT_META_IIFNAME, 0, 0, 16, IR_T_IFNAME },
	[IR_F_OIFNAME]	   = { "oifname", IR_LOAD_META, NFT_META_OIFNAME, 0, 0, 16, IR_T_IFNAME },
	[IR_F_CT_STATE]	   = { "ct state", IR_LOAD_CT, NFT_CT_STATE, 0, 0, 4, IR_T_CT_STATE },
	[IR_F_CT_STATUS]   = { "ct status", IR_LOAD_CT, NFT_CT_STATUS, 0, 0, 4, IR_T_CT_STATUS },
	[IR_F_IP_SADDR]	   = { "ip saddr", IR_LOAD_PAYLOAD, 0, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, IR_T_IPADDR },
	[IR_F_IP_DADDR]	   = { "ip daddr", IR_LOAD_PAYLOAD, 0, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, IR_T_IPADDR },
	[IR_F_IP6_SADDR]   = { "ip6 saddr", IR_LOAD_PAYLOAD, 0, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, IR_T_IP6ADDR },
	[IR_F_IP6_DADDR]   = { "ip6 daddr", IR_LOAD_PAYLOAD, 0, NFT_PAYLOAD_NETWORK_HEADER, 24, 16, IR_T_IP6ADDR },
	[IR_F_IP6_HOPLIMIT] = { "ip6 hoplimit", IR_LOAD_PAYLOAD, 0, NFT_PAYLOAD_NETWORK_HEADER, 7, 1, IR_T_INTEGER },
	[IR_F_ICMPV6_TYPE] = { "icmpv6 type", IR_LOAD_PAYLOAD, 0, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, IR_T_ICMP6_TYPE },
	[IR_F_ICMPV6_CODE] = { "icmpv6 code", IR_LOAD_PAYLOAD, 0, NFT_PAYLOAD_TRANSPORT_HEADER, 1, 1, IR_T_ICMPV6_CODE },
	[IR_F_TH_DPORT]	   = { "th dport", IR_LOAD_PAYLOAD, 0, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, IR_T_INET_SERVICE },
	[IR_F_FIB_DADDR_TYPE] = { "fib daddr type", IR_LOAD_FIB, NFT_FIB_RESULT_ADDRTYPE, NFTA_FIB_F_DADDR, 0, 4, IR_T_FIB_ADDR },
	[IR_F_FIB_DADDR_IIF_TYPE] = { "fib daddr . iif type", IR_LOAD_FIB, NFT_FIB_RESULT_ADDRTYPE, NFTA_FIB_F_DADDR | NFTA_FIB_F_IIF, 0, 4, IR_T_FIB_ADDR },
	[IR_F_ICMP_TYPE]   = { "icmp type", IR_LOAD_PAYLOAD, 0, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, IR_T_ICMP_TYPE },
	[IR_F_TCP_FLAGS]   = { "tcp flags", IR_LOAD_PAYLOAD, 0, NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1, IR_T_TCP_FLAG },
	[IR_F_RT_TYPE]	   = { "rt type", IR_LOAD_EXTHDR, IPPROTO_ROUTING, NFT_EXTHDR_OP_IPV6, 2, 1, IR_T_INTEGER },
};

const struct ir_field_desc *ir_field(enum ir_field f)
{
	return &fields[f];
}

unsigned int ir_keys_off(const struct ir_key *keys, unsigned int i)
{
	unsigned int off = 0;

	for (unsigned int k = 0; k < i; k++)
		off += (fields[keys[k].field].len + 3) & ~3u;
	return off;
}

unsigned int ir_keys_len(const struct ir_key *keys, unsigned int n)
{
	return ir_keys_off(keys, n);
}

void ir_prefix_range(const uint8_t *addr, unsigned int plen, unsigned int len,
		     uint8_t *lo, uint8_t *hi)
{
	for (unsigned int i = 0; i < len; i++) {
		unsigned int bits = plen > i * 8 ? plen - i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

		lo[i] = addr[i] & mask;
		hi[i] = lo[i] | (uint8_t)~mask;
	}
}

void ir_suffix_mask(unsigned int n, uint8_t mask[16])
{
	uint8_t lo[16];

	ir_prefix_range((const uint8_t[16]){ 0 }, 128 - n, 16, lo, mask);
}

void ir_port_bytes(uint16_t port, uint8_t *b)
{
	b[0] = port >> 8;
	b[1] = port & 0xff;
}

_Static_assert(IR_CT_STATE_INVALID == NF_CT_STATE_INVALID_BIT &&
	       IR_CT_STATE_ESTABLISHED == NF_CT_STATE_BIT(IP_CT_ESTABLISHED) &&
	       IR_CT_STATE_RELATED == NF_CT_STATE_BIT(IP_CT_RELATED) &&
	       IR_CT_STATE_NEW == NF_CT_STATE_BIT(IP_CT_NEW) &&
	       IR_CT_STATE_UNTRACKED == NF_CT_STATE_UNTRACKED_BIT &&
	       (int)IR_CT_STATUS_DNAT == (int)IPS_DST_NAT,
	       "ct bits are the kernel's");

void *ir_pool_alloc(struct pinhole_ruleset *r, size_t size, size_t align)
{
	return arena_alloc(&r->pool, size, align);
}

char *ir_pool_strdup(struct pinhole_ruleset *r, const char *s)
{
	return arena_strdup(&r->pool, s);
}

struct pinhole_ruleset *ir_ruleset_new(const char *table)
{
	struct pinhole_ruleset *r = calloc(1, sizeof(*r));

	if (!r || !(r->table = strdup(table))) {
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

static bool grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *q;

	if (n < *cap)
		return true;
	c = *cap ? *cap * 2 : 8;
	q = realloc(*p, c * size);
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

struct ir_set *ir_set_new_anon(void)
{
	struct ir_set *s = calloc(1, sizeof(*s));

	if (s)
		s->flags = IR_SET_ANON;
	return s;
}

struct ir_set *ir_set_add(struct pinhole_ruleset *r, const char *name)
{
	struct ir_set *s;

	if (strlen(name) >= IR_NAME_MAX)
		return NULL;
	if (!grow((void **)&r->sets, &r->cap_sets, r->n_sets, sizeof(*r->sets)))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	strcpy(s->name, name);
	r->sets[r->n_sets++] = s;
	return s;
}

struct ir_set *ir_set_find(const struct pinhole_ruleset *r, const char *name)
{
	for (size_t i = 0; i < r->n_sets; i++)
		if (!strcmp(r->sets[i]->name, name))
			return r->sets[i];
	return NULL;
}

void ir_set_free(struct ir_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; !s->pooled_comments && i < s->n_elems; i++)
		free(s->elems[i].comment);
	free(s->elems);
	free(s->counters);
	free(s);
}

struct ir_elem *ir_set_add_elem(struct ir_set *s)
{
	size_t cap = s->cap_elems;
	struct ir_elem *e;

	if (!grow((void **)&s->elems, &s->cap_elems, s->n_elems, sizeof(*s->elems)))
		return NULL;
	if (s->counters && s->cap_elems != cap) {
		struct ir_counter *c = realloc(s->counters,
					       s->cap_elems * sizeof(*c));

		if (!c) {
			s->cap_elems = cap;	/* elems grew; it does no harm */
			return NULL;
		}
		s->counters = c;
	}
	if (s->counters)
		memset(&s->counters[s->n_elems], 0, sizeof(*s->counters));
	e = &s->elems[s->n_elems++];
	memset(e, 0, sizeof(*e));
	return e;
}

uint32_t ir_set_hash_size(size_t n)
{
	uint32_t size = 64;

	while (size < n && size < (1u << 31))
		size <<= 1;
	return size;
}

int ir_set_want_counters(struct ir_set *s)
{
	if (s->counters)
		return 0;
	s->counters = calloc(s->cap_elems ? s->cap_elems : 1, sizeof(*s->counters));
	return s->counters ? 0 : -ENOMEM;
}

/*
 * Sorting moves 16-byte keys and an index, not 64-byte elements: the first
 * 16 key bytes as two big-endian words decide almost every comparison (an
 * IPv6 address, or the whole key of a smaller set), the rest of the key,
 * the key end and then the original position settle ties. The elements are
 * then permuted in place. This is a stable sort by (key, key_end), as
 * qsort() (a merge sort in glibc) gave, at a fraction of its cost.
 */
struct sort_key {
	uint64_t hi, lo;
	uint32_t i;
};

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int cmp_key(const struct sort_key *x, const struct sort_key *y,
		   const struct ir_elem *el)
{
	int c;

	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	c = memcmp(el[x->i].key + 16, el[y->i].key + 16, IR_KEY_MAX - 16);
	if (!c)
		c = memcmp(el[x->i].key_end, el[y->i].key_end, IR_KEY_MAX);
	if (!c)
		c = x->i < y->i ? -1 : x->i > y->i;
	return c;
}

static void sort_keys(struct sort_key *k, size_t n, const struct ir_elem *el)
{
	/* quicksort, median of three, insertion sort below 16; the smaller side recursed */
	while (n > 16) {
		struct sort_key *a = &k[0], *b = &k[n / 2], *c = &k[n - 1], pivot, t;
		size_t i = 0, j = n - 1;

		if (cmp_key(a, b, el) > 0) {
			t = *a; *a = *b; *b = t;
		}
		if (cmp_key(b, c, el) > 0) {
			t = *b; *b = *c; *c = t;
			if (cmp_key(a, b, el) > 0) {
				t = *a; *a = *b; *b = t;
			}
		}
		pivot = *b;
		for (;;) {
			while (cmp_key(&k[i], &pivot, el) < 0)
				i++;
			while (cmp_key(&pivot, &k[j], el) < 0)
				j--;
			if (i >= j)
				break;
			t = k[i]; k[i] = k[j]; k[j] = t;
			i++;
			j--;
		}
		/* [0, j] <= pivot <= [j + 1, n) */
		if (j + 1 < n - j - 1) {
			sort_keys(k, j + 1, el);
			k += j + 1;
			n -= j + 1;
		} else {
			sort_keys(k + j + 1, n - j - 1, el);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		struct sort_key x = k[i];
		size_t m = i;

		while (m > 0 && cmp_key(&k[m - 1], &x, el) > 0) {
			k[m] = k[m - 1];
			m--;
		}
		k[m] = x;
	}
}

void ir_set_sort(struct ir_set *s)
{
	struct sort_key *k;
	size_t n = s->n_elems;

	if (n < 2)
		return;
	k = malloc(n * sizeof(*k));
	if (!k) {
		/* no memory for the keys: the slow way needs none */
		for (size_t i = 1; i < n; i++) {
			struct ir_elem x = s->elems[i];
			struct ir_counter xc = s->counters ? s->counters[i] :
					       (struct ir_counter){ 0 };
			size_t m = i;

			while (m > 0 && (memcmp(s->elems[m - 1].key, x.key, IR_KEY_MAX) ?:
					 memcmp(s->elems[m - 1].key_end, x.key_end,
						IR_KEY_MAX)) > 0) {
				s->elems[m] = s->elems[m - 1];
				if (s->counters)
					s->counters[m] = s->counters[m - 1];
				m--;
			}
			s->elems[m] = x;
			if (s->counters)
				s->counters[m] = xc;
		}
		return;
	}
	mem_prefault(k, n * sizeof(*k));
	for (size_t i = 0; i < n; i++) {
		k[i].hi = be64(s->elems[i].key);
		k[i].lo = be64(s->elems[i].key + 8);
		k[i].i = (uint32_t)i;
	}
	sort_keys(k, n, s->elems);
	/* position j takes element k[j].i: follow each cycle once */
	for (size_t j = 0; j < n; j++) {
		struct ir_counter tc = { 0 };
		struct ir_elem t;
		size_t at = j;

		if (k[j].i == j)
			continue;
		t = s->elems[j];
		if (s->counters)
			tc = s->counters[j];
		while (k[at].i != j) {
			size_t from = k[at].i;

			s->elems[at] = s->elems[from];
			if (s->counters)
				s->counters[at] = s->counters[from];
			k[at].i = (uint32_t)at;
			at = from;
		}
		s->elems[at] = t;
		if (s->counters)
			s->counters[at] = tc;
		k[at].i = (uint32_t)at;
	}
	free(k);
}

struct ir_chain *ir_chain_add(struct pinhole_ruleset *r, const char *name,
			      enum ir_chain_type type, uint32_t hook,
			      int32_t prio, uint32_t policy)
{
	struct ir_chain *c;

	if (strlen(name) >= IR_NAME_MAX)
		return NULL;
	if (!grow((void **)&r->chains, &r->cap_chains, r->n_chains, sizeof(*r->chains)))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	strcpy(c->name, name);
	c->type = type;
	c->hook = hook;
	c->prio = prio;
	c->policy = policy;
	r->chains[r->n_chains++] = c;
	return c;
}

struct ir_chain *ir_chain_find(const struct pinhole_ruleset *r, const char *name)
{
	for (size_t i = 0; i < r->n_chains; i++)
		if (!strcmp(r->chains[i]->name, name))
			return r->chains[i];
	return NULL;
}

struct ir_rule *ir_chain_add_rule(struct ir_chain *c)
{
	struct ir_rule *rule;

	if (!grow((void **)&c->rules, &c->cap_rules, c->n_rules, sizeof(*c->rules)))
		return NULL;
	rule = &c->rules[c->n_rules++];
	memset(rule, 0, sizeof(*rule));
	return rule;
}

void ir_rule_clear(struct ir_rule *rule)
{
	for (unsigned int i = 0; i < rule->n_matches; i++) {
		struct ir_set *s = rule->matches[i].set;

		if (s && (s->flags & IR_SET_ANON))
			ir_set_free(s);
	}
	free(rule->comment);
	free(rule->raw);
	memset(rule, 0, sizeof(*rule));
}

struct ir_match *ir_rule_match(struct ir_rule *rule, enum ir_field f,
			       enum ir_op op)
{
	struct ir_match *m;

	if (rule->n_matches == IR_RULE_MAX_MATCHES)
		return NULL;
	m = &rule->matches[rule->n_matches++];
	memset(m, 0, sizeof(*m));
	m->n_keys = 1;
	m->keys[0].field = f;
	m->op = op;
	return m;
}

struct ir_stmt *ir_rule_stmt(struct ir_rule *rule, enum ir_stmt_type t)
{
	struct ir_stmt *s;

	if (rule->n_stmts == IR_RULE_MAX_STMTS)
		return NULL;
	s = &rule->stmts[rule->n_stmts++];
	memset(s, 0, sizeof(*s));
	s->type = t;
	return s;
}

struct ir_pinhole *ir_pinhole_add(struct pinhole_ruleset *r)
{
	struct ir_pinhole *ph;

	if (!grow((void **)&r->pinholes, &r->cap_pinholes, r->n_pinholes,
		  sizeof(*r->pinholes)))
		return NULL;
	ph = &r->pinholes[r->n_pinholes++];
	memset(ph, 0, sizeof(*ph));
	return ph;
}

static void ir_pinhole_clear(struct ir_pinhole *ph)
{
	if (ph->pooled)
		return;
	free(ph->name);
	free(ph->dest_zone);
	free(ph->ports);
	free(ph->ext);
	free(ph->from_addr);
	free(ph->from_plen);
}

int ir_foreign_add(struct pinhole_ruleset *r, const char *fmt, ...)
{
	char **v = realloc(r->foreign, (r->n_foreign + 1) * sizeof(*v));
	va_list ap;
	int n;

	if (!v)
		return -ENOMEM;
	r->foreign = v;
	va_start(ap, fmt);
	n = vasprintf(&v[r->n_foreign], fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	r->n_foreign++;
	return 0;
}

EXPORT_SYMBOL(pinhole_ruleset_foreign);
const char *pinhole_ruleset_foreign(const struct pinhole_ruleset *r, size_t i)
{
	return r && i < r->n_foreign ? r->foreign[i] : NULL;
}

EXPORT_SYMBOL(pinhole_ruleset_free);
void pinhole_ruleset_free(struct pinhole_ruleset *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_chains; i++) {
		struct ir_chain *c = r->chains[i];

		for (size_t j = 0; j < c->n_rules; j++)
			ir_rule_clear(&c->rules[j]);
		free(c->rules);
		free(c);
	}
	for (size_t i = 0; i < r->n_sets; i++)
		ir_set_free(r->sets[i]);
	for (size_t i = 0; i < r->n_pinholes; i++)
		ir_pinhole_clear(&r->pinholes[i]);
	for (size_t i = 0; i < r->n_foreign; i++)
		free(r->foreign[i]);
	free(r->foreign);
	free(r->pinholes);
	free(r->chains);
	free(r->sets);
	free(r->table);
	free(r->file);
	arena_release(&r->pool);
	free(r);
}
