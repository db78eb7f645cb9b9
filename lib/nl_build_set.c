// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Sets and their elements: the set's key and data types and userdata as
 * nft writes them, then the elements streamed straight into the batch in
 * the kernel's interval encoding.
 */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libnftnl/expr.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#include "ir.h"
#include "nl_build.h"
#include "nl_build_int.h"

/* nft's set userdata TLVs (nftables include/mnl.h, libnftnl udata.h) */
enum {
	UD_SET_KEYBYTEORDER = 0,
	UD_SET_DATABYTEORDER = 1,
	UD_SET_KEY_TYPEOF = 3,
	UD_SET_DATA_TYPEOF = 4,
	UD_SET_DATA_INTERVAL = 6,
};
#define NFT_EXPR_CONCAT 13	/* nftables enum expr_types */

uint32_t nl_set_key_type(const struct ir_set *s)
{
	uint32_t t = 0;

	for (unsigned int i = 0; i < s->n_keys; i++)
		t = t << 6 | ir_field(s->keys[i].field)->type;
	return t;
}

uint32_t nl_set_key_len(const struct ir_set *s)
{
	if (s->n_keys == 1)
		return ir_field(s->keys[0].field)->len;
	return ir_keys_len(s->keys, s->n_keys);
}

static uint32_t type_len(enum ir_type t)
{
	switch (t) {
	case IR_T_IPADDR:
		return 4;
	case IR_T_IP6ADDR:
		return 16;
	case IR_T_INET_SERVICE:
		return 2;
	default:
		return 4;
	}
}

uint32_t nl_set_data_len(const struct ir_set *s)
{
	uint32_t len = 0;

	if (s->n_data == 1)
		return type_len(s->data[0]);
	for (unsigned int i = 0; i < s->n_data; i++)
		len += (type_len(s->data[i]) + 3) & ~3u;
	return len;
}

/* nft byteorder of a datatype: 0 invalid (1 byte), 1 host, 2 big endian */
static uint32_t type_byteorder(enum ir_type t)
{
	switch (t) {
	case IR_T_NFPROTO:
	case IR_T_INET_PROTO:
		return 0;
	case IR_T_IFNAME:
	case IR_T_CT_STATE:
	case IR_T_CT_STATUS:
	case IR_T_INTEGER:
		return 1;
	default:
		return 2;
	}
}

static void put_typeof_concat(struct nftnl_udata_buf *ud, uint8_t type)
{
	struct nftnl_udata *nest = nftnl_udata_nest_start(ud, type);
	struct nftnl_udata *data;

	nftnl_udata_put_u32(ud, 0, NFT_EXPR_CONCAT);	/* TYPEOF_EXPR */
	data = nftnl_udata_nest_start(ud, 1);		/* TYPEOF_DATA */
	nftnl_udata_nest_end(ud, data);
	nftnl_udata_nest_end(ud, nest);
}

/* The set userdata nft 1.0.6 writes for a `type ...` declaration. */
static int set_udata(struct nftnl_set *ns, const struct ir_set *s)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(UD_MAX);
	bool map = s->flags & IR_SET_MAP;

	if (!ud)
		return -ENOMEM;
	nftnl_udata_put_u32(ud, UD_SET_KEYBYTEORDER, s->n_keys > 1 ? 0 :
			    type_byteorder(ir_field(s->keys[0].field)->type));
	if (map)
		nftnl_udata_put_u32(ud, UD_SET_DATABYTEORDER, s->n_data > 1 ? 0 :
				    type_byteorder(s->data[0]));
	if (s->n_keys > 1)
		put_typeof_concat(ud, UD_SET_KEY_TYPEOF);
	if (map && s->n_data > 1)
		put_typeof_concat(ud, UD_SET_DATA_TYPEOF);
	if (map)
		nftnl_udata_put_u32(ud, UD_SET_DATA_INTERVAL, 0);
	nftnl_set_set_data(ns, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
			   nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	return 0;
}

static bool all_ones(const uint8_t *p, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++)
		if (p[i] != 0xff)
			return false;
	return true;
}

static bool all_zero(const uint8_t *p, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * Elements go straight into the batch, one at a time, through one reused
 * nftnl_set_elem: a set of 100,000 elements never exists as 100,000
 * libnftnl objects. The messages are byte for byte what libnftnl's element
 * iterator builds (nftnl_set_elems_nlmsg_build_payload_iter(): elements
 * numbered from 1 in each message, a message ends before its element nest
 * would pass 64 KiB).
 */
struct elem_writer {
	struct ctx *c;
	struct nftnl_set *def;		/* table, name and id of the set */
	const struct ir_set *s;
	const struct ir_chain *ch;
	const struct ir_rule *rule;
	struct nftnl_set_elem *e;
	struct nlmsghdr *nlh;		/* the open NEWSETELEM, or NULL */
	struct nlattr *list;		/* its NFTA_SET_ELEM_LIST_ELEMENTS nest */
	int i;
	uint16_t type, flags;		/* 0: NEWSETELEM, NLM_F_CREATE */
};

static struct nlattr *nest_start(struct nlmsghdr *nlh, uint16_t type)
{
	struct nlattr *a = (struct nlattr *)((char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));

	a->nla_type = NLA_F_NESTED | type;
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(NLA_HDRLEN);
	return a;
}

static void nest_end(struct nlmsghdr *nlh, struct nlattr *a)
{
	a->nla_len = (uint16_t)((char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len) - (char *)a);
}

static int elems_close(struct elem_writer *w)
{
	if (!w->nlh)
		return 0;
	nest_end(w->nlh, w->list);
	w->nlh = NULL;
	return nlb_note(w->c, NL_OBJ_ELEMS, w->ch, w->rule, w->s) ?: nlb_done(w->c);
}

static void elems_open(struct elem_writer *w)
{
	w->nlh = w->type ? nlb_hdr(w->c, w->type, w->flags) :
			   nlb_hdr(w->c, NFT_MSG_NEWSETELEM, NLM_F_CREATE);
	nftnl_set_elems_nlmsg_build_payload(w->nlh, w->def);	/* no elements: the header */
	w->list = nest_start(w->nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	w->i = 0;
}

static int add_elem(struct elem_writer *w, const uint8_t *key, uint32_t klen,
		    const uint8_t *key_end, const uint8_t *data, uint32_t dlen,
		    uint32_t flags, const char *comment, bool open)
{
	struct nftnl_set_elem *e = w->e;

	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, klen);
	if (key_end)
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY_END, key_end, klen);
	else
		nftnl_set_elem_unset(e, NFTNL_SET_ELEM_KEY_END);
	if (data)
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, data, dlen);
	else
		nftnl_set_elem_unset(e, NFTNL_SET_ELEM_DATA);
	if (flags)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, flags);
	else
		nftnl_set_elem_unset(e, NFTNL_SET_ELEM_FLAGS);
	nftnl_set_elem_unset(e, NFTNL_SET_ELEM_USERDATA);
	if (comment || open) {
		struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(UD_MAX);

		if (!ud)
			return -ENOMEM;
		if (comment)
			nftnl_udata_put_strz(ud, 0, comment);	/* ELEM_COMMENT */
		if (open)	/* ELEM_FLAGS: NFTNL_SET_ELEM_F_INTERVAL_OPEN */
			nftnl_udata_put_u32(ud, 1, 1);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA,
				   nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
		nftnl_udata_buf_free(ud);
	}
	for (;;) {
		struct nlattr *one;
		int ret;

		if (!w->nlh)
			elems_open(w);
		one = nest_start(w->nlh, (uint16_t)++w->i);
		nftnl_set_elem_nlmsg_build_payload(w->nlh, e);
		nest_end(w->nlh, one);
		if ((char *)one + one->nla_len - (char *)w->list <= UINT16_MAX)
			return 0;
		/* the list nest would overflow: this element opens the next message */
		w->nlh->nlmsg_len -= one->nla_len;
		ret = elems_close(w);
		if (ret)
			return ret;
	}
}

/* How many kernel elements set_elems() writes (DESC_SIZE of anonymous sets). */
static uint32_t count_elems(const struct ir_set *s)
{
	uint32_t klen = nl_set_key_len(s), n = 0;

	if (!((s->flags & IR_SET_INTERVAL) && s->n_keys == 1))
		return (uint32_t)s->n_elems;
	if (s->n_elems && !all_zero(s->elems[0].key, klen))
		n++;
	for (size_t i = 0; i < s->n_elems; i++)
		n += all_ones(s->elems[i].key_end, klen) ? 1 : 2;
	return n;
}

/*
 * Elements in the kernel's encoding. Single-field interval sets (rbtree):
 * start, then hi+1 flagged INTERVAL_END (none when hi is the maximum), and
 * like nft a leading END element of key 0 when the first range does not
 * start at 0. Concatenated interval sets (pipapo): KEY + KEY_END.
 */
static int set_elems(struct elem_writer *w)
{
	const struct ir_set *s = w->s;
	uint32_t klen = nl_set_key_len(s), dlen = nl_set_data_len(s);
	bool map = s->flags & IR_SET_MAP;

	if ((s->flags & IR_SET_INTERVAL) && s->n_keys == 1) {
		uint8_t zero[IR_KEY_MAX] = { 0 };

		if (s->n_elems && !all_zero(s->elems[0].key, klen)) {
			if (add_elem(w, zero, klen, NULL, NULL, 0,
				     NFT_SET_ELEM_INTERVAL_END, NULL, false) < 0)
				return -ENOMEM;
		}
		for (size_t i = 0; i < s->n_elems; i++) {
			const struct ir_elem *e = &s->elems[i];
			bool open = all_ones(e->key_end, klen);
			uint8_t next[IR_KEY_MAX];

			if (add_elem(w, e->key, klen, NULL, map ? e->data : NULL,
				     dlen, 0, e->comment, open) < 0)
				return -ENOMEM;
			if (open)
				continue;
			memcpy(next, e->key_end, klen);
			for (int j = klen - 1; j >= 0 && ++next[j] == 0; j--)
				;
			if (add_elem(w, next, klen, NULL, NULL, 0,
				     NFT_SET_ELEM_INTERVAL_END, NULL, false) < 0)
				return -ENOMEM;
		}
		return 0;
	}
	for (size_t i = 0; i < s->n_elems; i++) {
		const struct ir_elem *e = &s->elems[i];
		bool ranged = (s->flags & IR_SET_INTERVAL) && s->n_keys > 1;

		if (add_elem(w, e->key, klen, ranged ? e->key_end : NULL,
			     map ? e->data : NULL, dlen, 0, e->comment, false) < 0)
			return -ENOMEM;
	}
	return 0;
}

static struct nftnl_set *set_obj(const char *table, const struct ir_set *s,
				 uint32_t id)
{
	struct nftnl_set *ns = nftnl_set_alloc();
	uint32_t flags = 0;

	if (!ns)
		return NULL;
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, s->flags & IR_SET_ANON ? "__set%d" : s->name);
	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, NFPROTO_INET);
	if (s->flags & IR_SET_ANON)
		flags |= NFT_SET_ANONYMOUS | NFT_SET_CONSTANT;
	if (s->flags & IR_SET_INTERVAL) {
		flags |= NFT_SET_INTERVAL;
		if (s->n_keys > 1)
			flags |= NFT_SET_CONCAT;
	}
	if (s->flags & IR_SET_MAP)
		flags |= NFT_SET_MAP;
	nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, flags);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE, nl_set_key_type(s));
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN, nl_set_key_len(s));
	if (s->flags & IR_SET_MAP) {
		uint32_t t = 0;

		for (unsigned int i = 0; i < s->n_data; i++)
			t = t << 6 | s->data[i];
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_TYPE, t);
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_LEN, nl_set_data_len(s));
	}
	nftnl_set_set_u32(ns, NFTNL_SET_ID, id);
	if ((s->flags & IR_SET_INTERVAL) && s->n_keys > 1) {
		uint8_t fl[IR_CONCAT_MAX];

		for (unsigned int i = 0; i < s->n_keys; i++)
			fl[i] = ir_field(s->keys[i].field)->len;
		nftnl_set_set_data(ns, NFTNL_SET_DESC_CONCAT, fl, s->n_keys);
	}
	if (s->flags & IR_SET_COUNTER) {
		struct nftnl_expr *e = nftnl_expr_alloc("counter");

		if (!e)
			goto err;
		nftnl_set_add_expr(ns, e);
	}
	/*
	 * nft gives anonymous sets typeof userdata instead; listing is the
	 * same, except for names in a hash set, which nft prints from the
	 * key's byte order (host) and reads as "" without it.
	 */
	if ((!(s->flags & IR_SET_ANON) ||
	     ir_field(s->keys[0].field)->type == IR_T_IFNAME) && set_udata(ns, s) < 0)
		goto err;
	if (s->flags & IR_SET_ANON)
		nftnl_set_set_u32(ns, NFTNL_SET_DESC_SIZE, count_elems(s));
	else if (s->size)
		nftnl_set_set_u32(ns, NFTNL_SET_DESC_SIZE, s->size);
	return ns;
err:
	nftnl_set_free(ns);
	return NULL;
}

struct nftnl_set *nl_build_set(const char *table, const struct ir_set *s)
{
	return set_obj(table, s, 0);
}

int nlb_set_msgs(struct ctx *c, const struct ir_set *s, uint32_t id,
		 const struct ir_chain *ch, const struct ir_rule *rule)
{
	struct elem_writer w = { .c = c, .s = s, .ch = ch, .rule = rule };
	struct nftnl_set *ns = set_obj(c->table, s, id);
	struct nlmsghdr *nlh;
	int ret = -ENOMEM;

	if (!ns)
		return -ENOMEM;
	nlh = nlb_hdr(c, NFT_MSG_NEWSET, NLM_F_CREATE);
	nftnl_set_nlmsg_build_payload(nlh, ns);
	if (nlb_note(c, NL_OBJ_SET, ch, rule, s) < 0 || nlb_done(c) < 0)
		goto out;
	if (!s->n_elems) {
		ret = 0;
		goto out;
	}
	/* the element messages name the set as libnftnl's would: table, name, id */
	w.def = nftnl_set_alloc();
	w.e = nftnl_set_elem_alloc();
	if (!w.def || !w.e)
		goto out;
	nftnl_set_set_str(w.def, NFTNL_SET_TABLE, c->table);
	nftnl_set_set_str(w.def, NFTNL_SET_NAME,
			  s->flags & IR_SET_ANON ? "__set%d" : s->name);
	nftnl_set_set_u32(w.def, NFTNL_SET_ID, id);
	ret = set_elems(&w) ?: elems_close(&w);
out:
	if (w.e)
		nftnl_set_elem_free(w.e);
	if (w.def)
		nftnl_set_free(w.def);
	nftnl_set_free(ns);
	return ret;
}

/*
 * Incremental apply (nl_build_elems()): @n elements of the named set @s
 * (table, name; no id) in @type messages, DELSETELEM or NEWSETELEM, with
 * @flags, and with @zero the leading END element of key 0 set_elems()
 * writes when the first range does not start at 0. A delete names a
 * kernel element by what the kernel matches it on: KEY (and KEY_END in a
 * concatenated interval set, as nft does); in a single-field interval set
 * (rbtree) each range is two kernel elements, its start and hi+1 flagged
 * INTERVAL_END (none for a range open to the maximum), deleted the same
 * way nft deletes them: the kernel's rbtree finds an element by key AND
 * end flag, so the END of one range and the start of an adjacent one at
 * the same key are distinct, and a range shares no kernel element with
 * any other range of a set without overlaps. An add writes an element as
 * set_elems() writes it in a full load: map data, comment, the "open"
 * flag. Anonymous sets belong to rules: -EINVAL.
 */
int nlb_elem_list(struct ctx *c, const struct ir_set *s, uint16_t type,
		  uint16_t flags, const struct ir_elem *const *elems, size_t n,
		  bool zero)
{
	struct elem_writer w = { .c = c, .s = s, .type = type, .flags = flags };
	uint32_t klen = nl_set_key_len(s), dlen = nl_set_data_len(s);
	bool single_iv = (s->flags & IR_SET_INTERVAL) && s->n_keys == 1;
	bool ranged = (s->flags & IR_SET_INTERVAL) && s->n_keys > 1;
	bool add = type == NFT_MSG_NEWSETELEM;
	bool map = s->flags & IR_SET_MAP;
	uint8_t zkey[IR_KEY_MAX] = { 0 };
	int ret = -ENOMEM;

	if (s->flags & IR_SET_ANON)
		return -EINVAL;
	if (!n && !(zero && single_iv))
		return 0;
	w.def = nftnl_set_alloc();
	w.e = nftnl_set_elem_alloc();
	if (!w.def || !w.e)
		goto out;
	nftnl_set_set_str(w.def, NFTNL_SET_TABLE, c->table);
	nftnl_set_set_str(w.def, NFTNL_SET_NAME, s->name);
	ret = 0;
	if (zero && single_iv)
		ret = add_elem(&w, zkey, klen, NULL, NULL, 0,
			       NFT_SET_ELEM_INTERVAL_END, NULL, false);
	for (size_t i = 0; i < n && !ret; i++) {
		const struct ir_elem *e = elems[i];
		bool open = single_iv && all_ones(e->key_end, klen);
		uint8_t next[IR_KEY_MAX];

		ret = add_elem(&w, e->key, klen, ranged ? e->key_end : NULL,
			       add && map ? e->data : NULL, dlen, 0,
			       add ? e->comment : NULL, add && open);
		if (ret || !single_iv || open)
			continue;
		memcpy(next, e->key_end, klen);
		for (int j = klen - 1; j >= 0 && ++next[j] == 0; j--)
			;
		ret = add_elem(&w, next, klen, NULL, NULL, 0,
			       NFT_SET_ELEM_INTERVAL_END, NULL, false);
	}
	if (!ret)
		ret = elems_close(&w);
out:
	if (w.e)
		nftnl_set_elem_free(w.e);
	if (w.def)
		nftnl_set_free(w.def);
	return ret;
}
