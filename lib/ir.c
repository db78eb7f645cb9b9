// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/* Ruleset IR: field table, allocation and builders. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "pinhole.h"
#include "ir.h"

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
	for (size_t i = 0; i < s->n_elems; i++)
		free(s->elems[i].comment);
	free(s->elems);
	free(s);
}

struct ir_elem *ir_set_add_elem(struct ir_set *s)
{
	struct ir_elem *e;

	if (!grow((void **)&s->elems, &s->cap_elems, s->n_elems, sizeof(*s->elems)))
		return NULL;
	e = &s->elems[s->n_elems++];
	memset(e, 0, sizeof(*e));
	return e;
}

static int cmp_elem(const void *a, const void *b)
{
	const struct ir_elem *x = a, *y = b;
	int c = memcmp(x->key, y->key, IR_KEY_MAX);

	return c ? c : memcmp(x->key_end, y->key_end, IR_KEY_MAX);
}

void ir_set_sort(struct ir_set *s)
{
	if (s->n_elems > 1)
		qsort(s->elems, s->n_elems, sizeof(*s->elems), cmp_elem);
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
	free(ph->name);
	free(ph->dest_zone);
	free(ph->ports);
	free(ph->ext);
	free(ph->from_addr);
	free(ph->from_plen);
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
	free(r->pinholes);
	free(r->chains);
	free(r->sets);
	free(r->table);
	free(r);
}
