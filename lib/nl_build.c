// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * IR -> libnftnl objects -> one nftnl_batch. Every shape here is the
 * bytecode nft 1.0.6 emits for the text emit.c prints (checked with
 * `unshare -n nft --debug=netlink -f`; research/netlink.md §4.6, App. A),
 * so `nft -f` of `pinhole compile` and `pinhole apply` load the same thing.
 * nl_decode.c is the exact inverse.
 *
 * This file is the driver: which messages a transaction holds, in what
 * order, and the table and chain messages. Sets and their elements are
 * built in nl_build_set.c, rules and their expressions in nl_build_rule.c,
 * and the batch itself (buffer, headers, begin and end, the record of what
 * each message was built from) is kept by nl_build_msg.c.
 */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libnftnl/chain.h>
#include <libnftnl/table.h>

#include "pinhole.h"
#include "ir.h"
#include "nl_build.h"
#include "nl_build_int.h"

static int name_msg(struct ctx *c, const char *name, uint16_t type,
		    enum nl_obj_kind kind)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	if (type == NFT_MSG_NEWTABLE)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, 0);
	nlh = nlb_hdr(c, type, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	if (nlb_note(c, kind, NULL, NULL, NULL) < 0)
		return -ENOMEM;
	return nlb_done(c);
}

static int table_msg(struct ctx *c, uint16_t type)
{
	return name_msg(c, c->table, type, NL_OBJ_TABLE);
}

/*
 * The table a previous apply loaded under another name: NEWTABLE then
 * DELTABLE deletes it whether or not it still exists, in this batch, with
 * no read before (NFT_MSG_DESTROYTABLE would do it in one message, but
 * only from Linux 6.3 on).
 */
static int old_table_msgs(struct ctx *c, const char *old)
{
	if (!old || !*old || !strcmp(old, c->table))
		return 0;
	return name_msg(c, old, NFT_MSG_NEWTABLE, NL_OBJ_OLD_TABLE) ?:
	       name_msg(c, old, NFT_MSG_DELTABLE, NL_OBJ_OLD_TABLE);
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

int nl_build_ruleset(const struct pinhole_ruleset *r, uint32_t genid,
		     uint32_t seq0, struct nl_built **out)
{
	return nl_build_replacing(r, NULL, genid, seq0, out);
}

int nl_build_replacing(const struct pinhole_ruleset *r, const char *old,
		       uint32_t genid, uint32_t seq0, struct nl_built **out)
{
	struct ctx c = { .r = r, .table = r->table, .seq = seq0 };
	int ret = nlb_new_built(seq0, &c.out);

	if (ret)
		return ret;
	c.next_id = r->n_sets + 1;
	ret = nlb_begin(&c, genid) ?:
	      old_table_msgs(&c, old) ?:
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
		ret = nlb_end(&c);
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
	int ret = nlb_new_built(seq0, &c.out);

	if (ret)
		return ret;
	ret = nlb_begin(&c, genid) ?: table_msg(&c, NFT_MSG_DELTABLE) ?: nlb_end(&c);
	if (ret) {
		nl_built_free(c.out);
		return ret;
	}
	*out = c.out;
	return 0;
}

int nl_build_elems(const char *table, const struct nl_elem_delta *d, size_t n,
		   uint32_t genid, uint32_t seq0, struct nl_built **out)
{
	struct ctx c = { .table = table, .seq = seq0 };
	int ret = nlb_new_built(seq0, &c.out);

	if (ret)
		return ret;
	ret = nlb_begin(&c, genid);
	for (size_t i = 0; i < n && !ret; i++)
		ret = nlb_elem_list(&c, d[i].set, NFT_MSG_DELSETELEM, 0,
				    d[i].del, d[i].n_del, d[i].del_zero);
	for (size_t i = 0; i < n && !ret; i++)
		ret = nlb_elem_list(&c, d[i].set, NFT_MSG_NEWSETELEM,
				    NLM_F_CREATE | NLM_F_EXCL, d[i].add, d[i].n_add,
				    d[i].add_zero);
	if (!ret)
		ret = nlb_end(&c);
	if (ret) {
		nl_built_free(c.out);
		return ret;
	}
	*out = c.out;
	return 0;
}
