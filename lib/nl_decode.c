// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The live table back into the IR: dump it through netlink (per-chain rule
 * dumps, research/netlink.md §6.1) and decode pinhole's own shapes. A rule
 * counts as recognised only if nl_build_rule() of the decoded IR gives the
 * same bytecode again (modulo what the kernel echoes differently, §6.2);
 * everything else is kept as an unknown rule with its bytecode as text.
 *
 * This file holds the decoder itself, chains and the dump; sets and their
 * elements are decoded in nl_decode_set.c, rules in nl_decode_rule.c.
 */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/flowtable.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "pinhole.h"
#include "ir.h"
#include "nl.h"
#include "nl_decode.h"
#include "nl_decode_int.h"

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

/*
 * What a chain may carry that its IR chain does not: another chain type
 * (route), devices, offload or binding flags, a comment. The chain and its
 * rules are still decoded; the extra is recorded as foreign.
 */
static int chain_foreign(struct nl_decoder *d, struct nftnl_chain *c,
			 enum ir_chain_type type)
{
	const char *name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
	const char *t = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);
	uint32_t flags = nftnl_chain_is_set(c, NFTNL_CHAIN_FLAGS) ?
			 nftnl_chain_get_u32(c, NFTNL_CHAIN_FLAGS) : 0;

	if (type != IR_CHAIN_REGULAR && t && strcmp(t, "filter") && strcmp(t, "nat"))
		return ir_foreign_add(d->r, "chain \"%s\" of type %s", name, t);
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_DEV) ||
	    nftnl_chain_is_set(c, NFTNL_CHAIN_DEVICES))
		return ir_foreign_add(d->r, "chain \"%s\" bound to devices", name);
	if (flags & ~(uint32_t)NFT_CHAIN_BASE)
		return ir_foreign_add(d->r, "chain \"%s\" flags 0x%x", name, flags);
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_USERDATA))
		return ir_foreign_add(d->r, "chain \"%s\" userdata (a comment?)", name);
	return 0;
}

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
	if (!ret)
		ret = chain_foreign(d, c, type);
	nftnl_chain_free(c);
	return ret;
}

/* ---------------------------------------------------------------- dump */

struct dump_ctx {
	struct nl_decoder *d;
	const char *table;
	struct nftnl_set *set;
	int err;
};

struct table_info {
	uint32_t flags;
	bool udata;
};

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct table_info *ti = data;
	int ret = 0;

	if (!t)
		return -ENOMEM;
	if (nftnl_table_nlmsg_parse(nlh, t) < 0) {
		ret = -EPROTO;
	} else {
		ti->flags = nftnl_table_is_set(t, NFTNL_TABLE_FLAGS) ?
			    nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS) : 0;
		ti->udata = nftnl_table_is_set(t, NFTNL_TABLE_USERDATA);
	}
	nftnl_table_free(t);
	return ret;
}

/* pinhole builds its table with no flags and no userdata */
static int table_foreign(struct nl_decoder *d, const struct table_info *ti)
{
	static const char *const names[] = { "dormant", "owner", "persist" };
	uint32_t rest = ti->flags;
	int ret = 0;

	for (unsigned int b = 0; !ret && b < ARRAY_SIZE(names); b++)
		if (rest & (1u << b)) {
			ret = ir_foreign_add(d->r, "table flags %s", names[b]);
			rest &= ~(1u << b);
		}
	if (!ret && rest)
		ret = ir_foreign_add(d->r, "table flags 0x%x", rest);
	if (!ret && ti->udata)
		ret = ir_foreign_add(d->r, "table userdata (a comment?)");
	return ret;
}

/* Named stateful objects: the IR has none, so each one is foreign. */
static int obj_cb(const struct nlmsghdr *nlh, void *data)
{
	static const char *const types[] = {
		[NFT_OBJECT_COUNTER] = "counter", [NFT_OBJECT_QUOTA] = "quota",
		[NFT_OBJECT_CT_HELPER] = "ct helper", [NFT_OBJECT_LIMIT] = "limit",
		[NFT_OBJECT_CONNLIMIT] = "connlimit", [NFT_OBJECT_TUNNEL] = "tunnel",
		[NFT_OBJECT_CT_TIMEOUT] = "ct timeout",
		[NFT_OBJECT_SECMARK] = "secmark",
		[NFT_OBJECT_CT_EXPECT] = "ct expectation",
		[NFT_OBJECT_SYNPROXY] = "synproxy",
	};
	struct dump_ctx *c = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	const char *table;
	uint32_t type;
	int ret = 0;

	if (!o)
		return -ENOMEM;
	if (nftnl_obj_nlmsg_parse(nlh, o) < 0) {
		nftnl_obj_free(o);
		return -EPROTO;
	}
	table = nftnl_obj_get_str(o, NFTNL_OBJ_TABLE);
	type = nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE);
	if (table && !strcmp(table, c->table)) {
		if (type < ARRAY_SIZE(types) && types[type])
			ret = ir_foreign_add(c->d->r, "%s \"%s\"", types[type],
					     nftnl_obj_get_str(o, NFTNL_OBJ_NAME));
		else
			ret = ir_foreign_add(c->d->r, "object \"%s\" of type %u",
					     nftnl_obj_get_str(o, NFTNL_OBJ_NAME), type);
	}
	nftnl_obj_free(o);
	return ret;
}

static int flowtable_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	struct nftnl_flowtable *ft = nftnl_flowtable_alloc();
	const char *table;
	int ret = 0;

	if (!ft)
		return -ENOMEM;
	if (nftnl_flowtable_nlmsg_parse(nlh, ft) < 0) {
		nftnl_flowtable_free(ft);
		return -EPROTO;
	}
	table = nftnl_flowtable_get_str(ft, NFTNL_FLOWTABLE_TABLE);
	if (table && !strcmp(table, c->table))
		ret = ir_foreign_add(c->d->r, "flowtable \"%s\"",
				     nftnl_flowtable_get_str(ft, NFTNL_FLOWTABLE_NAME));
	nftnl_flowtable_free(ft);
	return ret;
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
	char buf[NL_REQ_BUFSZ] = { 0 };	/* no uninitialised padding reaches sendto() */
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
	/* named objects and flowtables: only to say they are there */
	{
		struct nftnl_obj *q = nftnl_obj_alloc();

		if (!q)
			return -ENOMEM;
		nftnl_obj_set_str(q, NFTNL_OBJ_TABLE, table);
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_INET,
					    NLM_F_DUMP, nl_seq(s));
		nftnl_obj_nlmsg_build_payload(nlh, q);
		nftnl_obj_free(q);
	}
	ret = nl_request(s, nlh, obj_cb, &c);
	if (ret)
		return ret;
	{
		struct nftnl_flowtable *q = nftnl_flowtable_alloc();

		if (!q)
			return -ENOMEM;
		nftnl_flowtable_set_str(q, NFTNL_FLOWTABLE_TABLE, table);
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETFLOWTABLE, NFPROTO_INET,
					    NLM_F_DUMP, nl_seq(s));
		nftnl_flowtable_nlmsg_build_payload(nlh, q);
		nftnl_flowtable_free(q);
	}
	ret = nl_request(s, nlh, flowtable_cb, &c);
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
	char buf[NL_REQ_BUFSZ] = { 0 };	/* no uninitialised padding reaches sendto() */
	int ret = -EINTR;

	*out = NULL;
	/* A commit between our dumps would mix generations: retry. */
	for (int attempt = 0; attempt < 5 && ret == -EINTR; attempt++) {
		struct nftnl_table *t = nftnl_table_alloc();
		struct table_info ti = { 0 };
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
		ret = nl_request(s, nlh, table_cb, &ti);
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
		ret = table_foreign(d, &ti) ?: read_once(s, table, d);
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
