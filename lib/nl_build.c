// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * IR -> libnftnl objects -> one nftnl_batch. Every shape here is the
 * bytecode nft 1.0.6 emits for the text emit.c prints (checked with
 * `unshare -n nft --debug=netlink -f`; research/netlink.md §4.6, App. A),
 * so `nft -f` of `pinhole compile` and `pinhole apply` load the same thing.
 * nl_decode.c is the exact inverse.
 *
 * This file holds the batch bookkeeping: begin and end, the table and
 * chain messages and the record of what each message was built from
 * (nl_built_obj()); sets and their elements are built in nl_build_set.c,
 * rules and their expressions in nl_build_rule.c.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>

#include "pinhole.h"
#include "ir.h"
#include "mem.h"
#include "nl_build.h"
#include "nl_build_int.h"

/* ---------------------------------------------------------------- batch */

int nlb_note(struct ctx *c, enum nl_obj_kind kind, const struct ir_chain *ch,
	     const struct ir_rule *rule, const struct ir_set *set)
{
	struct nl_built *b = c->out;

	if (b->n_msgs == b->cap_objs) {
		size_t cap = b->cap_objs ? b->cap_objs * 2 : 64;
		struct nl_obj *p = realloc(b->objs, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		b->objs = p;
		b->cap_objs = cap;
	}
	b->objs[b->n_msgs++] = (struct nl_obj){ kind, ch, rule, set };
	return 0;
}

/* The largest message: an element list nest of 64 KiB and its header. */
#define MSG_MAX ((size_t)UINT16_MAX + (size_t)getpagesize())

/*
 * Where the next message goes, zeroed as far as it can reach: libmnl 1.0.4
 * leaves attribute padding unwritten, and no stale heap bytes may go to the
 * kernel (nor upset valgrind). A message starts at most at the page limit
 * and ends within the page's overrun (new_built()), so this stays inside
 * the page; zeroing as we go touches only the memory the batch fills.
 */
static void *tail(struct ctx *c)
{
	char *t = nftnl_batch_buffer(c->out->batch);

	if (t < c->zero_lo || t >= c->zero_hi) {
		mem_prefault(t, MSG_MAX);	/* a new page */
		memset(t, 0, MSG_MAX);
		c->zero_lo = t;
		c->zero_hi = t + MSG_MAX;
	} else if (t + MSG_MAX > c->zero_hi) {
		size_t more = (size_t)(t + MSG_MAX - c->zero_hi);

		mem_prefault(c->zero_hi, more);
		memset(c->zero_hi, 0, more);
		c->zero_hi = t + MSG_MAX;
	}
	return t;
}

struct nlmsghdr *nlb_hdr(struct ctx *c, uint16_t type, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(tail(c), type, NFPROTO_INET, flags, c->seq++);
}

int nlb_done(struct ctx *c)
{
	return nftnl_batch_update(c->out->batch) < 0 ? -ENOMEM : 0;
}

static int begin(struct ctx *c, uint32_t genid)
{
	struct nlmsghdr *nlh = nftnl_batch_begin(tail(c), c->seq++);

	if (genid) {
		/* Checked under the commit mutex: no TOCTOU (netlink.md §3). */
		struct nlattr *a = (struct nlattr *)((char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));
		uint32_t v = htonl(genid);

		a->nla_type = NFNL_BATCH_GENID;
		a->nla_len = NLA_HDRLEN + sizeof(v);
		memcpy((char *)a + NLA_HDRLEN, &v, sizeof(v));
		nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(a->nla_len);
	}
	if (nlb_note(c, NL_OBJ_BATCH, NULL, NULL, NULL) < 0)
		return -ENOMEM;
	return nlb_done(c);
}

static int end(struct ctx *c)
{
	nftnl_batch_end(tail(c), c->seq++);
	if (nlb_note(c, NL_OBJ_BATCH, NULL, NULL, NULL) < 0)
		return -ENOMEM;
	return nlb_done(c);
}

static int table_msg(struct ctx *c, uint16_t type)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, c->table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	if (type == NFT_MSG_NEWTABLE)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, 0);
	nlh = nlb_hdr(c, type, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	if (nlb_note(c, NL_OBJ_TABLE, NULL, NULL, NULL) < 0)
		return -ENOMEM;
	return nlb_done(c);
}

static int chain_msg(struct ctx *c, const struct ir_chain *ch)
{
	struct nftnl_chain *nc = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!nc)
		return -ENOMEM;
	nftnl_chain_set_str(nc, NFTNL_CHAIN_TABLE, c->table);
	nftnl_chain_set_str(nc, NFTNL_CHAIN_NAME, ch->name);
	nftnl_chain_set_u32(nc, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	if (ch->type != IR_CHAIN_REGULAR) {
		nftnl_chain_set_str(nc, NFTNL_CHAIN_TYPE,
				    ch->type == IR_CHAIN_NAT ? "nat" : "filter");
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_HOOKNUM, ch->hook);
		nftnl_chain_set_s32(nc, NFTNL_CHAIN_PRIO, ch->prio);
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_POLICY, ch->policy);
	}
	nlh = nlb_hdr(c, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	nftnl_chain_nlmsg_build_payload(nlh, nc);
	nftnl_chain_free(nc);
	return nlb_note(c, NL_OBJ_CHAIN, ch, NULL, NULL) ?: nlb_done(c);
}

static int new_built(uint32_t seq0, struct nl_built **out)
{
	struct nl_built *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (!b)
		return -ENOMEM;
	/* nft's page size and overrun: the largest message is 64 KiB + a page */
	b->batch = nftnl_batch_alloc(2u << 20, MSG_MAX);
	if (!b->batch) {
		free(b);
		return -ENOMEM;
	}
	b->seq0 = seq0;	/* pages are zeroed as they fill: tail() */
	*out = b;
	return 0;
}

int nl_build_ruleset(const struct pinhole_ruleset *r, uint32_t genid,
		     uint32_t seq0, struct nl_built **out)
{
	struct ctx c = { .r = r, .table = r->table, .seq = seq0 };
	int ret = new_built(seq0, &c.out);

	if (ret)
		return ret;
	c.next_id = r->n_sets + 1;
	ret = begin(&c, genid) ?:
	      table_msg(&c, NFT_MSG_NEWTABLE) ?:
	      table_msg(&c, NFT_MSG_DELTABLE) ?:
	      table_msg(&c, NFT_MSG_NEWTABLE);
	for (size_t i = 0; i < r->n_sets && !ret; i++)
		ret = nlb_set_msgs(&c, r->sets[i], i + 1, NULL, NULL);
	for (size_t i = 0; i < r->n_chains && !ret; i++)
		ret = chain_msg(&c, r->chains[i]);
	for (size_t i = 0; i < r->n_chains && !ret; i++)
		for (size_t j = 0; j < r->chains[i]->n_rules && !ret; j++)
			ret = nlb_rule_msgs(&c, r->chains[i], &r->chains[i]->rules[j]);
	if (!ret)
		ret = end(&c);
	if (ret) {
		nl_built_free(c.out);
		return ret;
	}
	*out = c.out;
	return 0;
}

int nl_build_flush(const char *table, uint32_t genid, uint32_t seq0,
		   struct nl_built **out)
{
	struct ctx c = { .table = table, .seq = seq0 };
	int ret = new_built(seq0, &c.out);

	if (ret)
		return ret;
	ret = begin(&c, genid) ?: table_msg(&c, NFT_MSG_DELTABLE) ?: end(&c);
	if (ret) {
		nl_built_free(c.out);
		return ret;
	}
	*out = c.out;
	return 0;
}

void nl_built_free(struct nl_built *b)
{
	if (!b)
		return;
	nftnl_batch_free(b->batch);
	free(b->objs);
	free(b);
}

const struct nl_obj *nl_built_obj(const struct nl_built *b, uint32_t seq)
{
	uint32_t i = seq - b->seq0;

	return i < b->n_msgs ? &b->objs[i] : NULL;
}
