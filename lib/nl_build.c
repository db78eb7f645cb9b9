// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * IR -> libnftnl objects -> one nftnl_batch. Every shape here is the
 * bytecode nft 1.0.6 emits for the text emit.c prints (checked with
 * `unshare -n nft --debug=netlink -f`; research/netlink.md §4.6, App. A),
 * so `nft -f` of `pinhole compile` and `pinhole apply` load the same thing.
 * nl_decode.c is the exact inverse.
 */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_nat.h>

#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "pinhole.h"
#include "ir.h"
#include "mem.h"
#include "nl_build.h"

/* nft's set userdata TLVs (nftables include/mnl.h, libnftnl udata.h) */
enum {
	UD_SET_KEYBYTEORDER = 0,
	UD_SET_DATABYTEORDER = 1,
	UD_SET_KEY_TYPEOF = 3,
	UD_SET_DATA_TYPEOF = 4,
	UD_SET_DATA_INTERVAL = 6,
};
#define NFT_EXPR_CONCAT 13	/* nftables enum expr_types */
#define UD_MAX 256

struct ctx {
	struct nl_built *out;
	const struct pinhole_ruleset *r;
	const char *table;
	uint32_t seq;
	uint32_t next_id;
	char *zero_lo, *zero_hi;	/* batch bytes known to be zero */
};

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

/* ---------------------------------------------------------------- batch */

static int note(struct ctx *c, enum nl_obj_kind kind, const struct ir_chain *ch,
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

static struct nlmsghdr *hdr(struct ctx *c, uint16_t type, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(tail(c), type, NFPROTO_INET, flags, c->seq++);
}

static int done(struct ctx *c)
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
	if (note(c, NL_OBJ_BATCH, NULL, NULL, NULL) < 0)
		return -ENOMEM;
	return done(c);
}

static int end(struct ctx *c)
{
	nftnl_batch_end(tail(c), c->seq++);
	if (note(c, NL_OBJ_BATCH, NULL, NULL, NULL) < 0)
		return -ENOMEM;
	return done(c);
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
	nlh = hdr(c, type, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	if (note(c, NL_OBJ_TABLE, NULL, NULL, NULL) < 0)
		return -ENOMEM;
	return done(c);
}

/* ---------------------------------------------------------------- sets */

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
	return note(w->c, NL_OBJ_ELEMS, w->ch, w->rule, w->s) ?: done(w->c);
}

static void elems_open(struct elem_writer *w)
{
	w->nlh = hdr(w->c, NFT_MSG_NEWSETELEM, NLM_F_CREATE);
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

static struct nftnl_set *set_obj(struct ctx *c, const struct ir_set *s,
				 uint32_t id)
{
	struct nftnl_set *ns = nftnl_set_alloc();
	uint32_t flags = 0;

	if (!ns)
		return NULL;
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, c->table);
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
	/* nft gives anonymous sets typeof userdata instead; listing is the same */
	if (!(s->flags & IR_SET_ANON) && set_udata(ns, s) < 0)
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

static int set_msgs(struct ctx *c, const struct ir_set *s, uint32_t id,
		    const struct ir_chain *ch, const struct ir_rule *rule)
{
	struct elem_writer w = { .c = c, .s = s, .ch = ch, .rule = rule };
	struct nftnl_set *ns = set_obj(c, s, id);
	struct nlmsghdr *nlh;
	int ret = -ENOMEM;

	if (!ns)
		return -ENOMEM;
	nlh = hdr(c, NFT_MSG_NEWSET, NLM_F_CREATE);
	nftnl_set_nlmsg_build_payload(nlh, ns);
	if (note(c, NL_OBJ_SET, ch, rule, s) < 0 || done(c) < 0)
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

/* ---------------------------------------------------------------- rules */

static int add(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return -ENOMEM;
	nftnl_rule_add_expr(r, e);
	return 0;
}

static int x_load(struct nftnl_rule *r, enum ir_field f, uint32_t reg,
		  uint32_t len)
{
	const struct ir_field_desc *d = ir_field(f);
	struct nftnl_expr *e;

	switch (d->load) {
	case IR_LOAD_META:
		e = nftnl_expr_alloc("meta");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, d->key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, reg);
		break;
	case IR_LOAD_CT:
		e = nftnl_expr_alloc("ct");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, d->key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, reg);
		break;
	case IR_LOAD_FIB:
		e = nftnl_expr_alloc("fib");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, d->key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, d->base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, reg);
		break;
	default:
		e = nftnl_expr_alloc("payload");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, d->base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, d->offset);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len ? len : d->len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
		break;
	}
	return add(r, e);
}

static int x_cmp(struct nftnl_rule *r, uint32_t op, const void *data,
		 uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return add(r, e);
}

static int x_bitwise(struct nftnl_rule *r, uint32_t reg, const void *mask,
		     uint32_t len)
{
	static const uint8_t zero[IR_VAL_MAX];
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	return add(r, e);
}

static int x_imm_data(struct nftnl_rule *r, uint32_t reg, const void *data,
		      uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
	return add(r, e);
}

static int x_verdict(struct nftnl_rule *r, int verdict, const char *chain)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	return add(r, e);
}

/* CIDR prefix length of [lo, hi] over @len bytes, or -1 if not a prefix. */
static int prefix_of(const uint8_t *lo, const uint8_t *hi, unsigned int len)
{
	unsigned int bits = len * 8, p = 0;

	while (p < bits && !(((lo[p / 8] ^ hi[p / 8]) >> (7 - p % 8)) & 1))
		p++;
	for (unsigned int b = p; b < bits; b++) {
		unsigned int l = (lo[b / 8] >> (7 - b % 8)) & 1;
		unsigned int h = (hi[b / 8] >> (7 - b % 8)) & 1;

		if (l != 0 || h != 1)
			return -1;
	}
	return (int)p;
}

static bool is_addr(enum ir_field f)
{
	enum ir_type t = ir_field(f)->type;

	return t == IR_T_IPADDR || t == IR_T_IP6ADDR;
}

/* Fields nft converts with byteorder hton before an interval concat lookup */
static bool host_order(enum ir_field f)
{
	const struct ir_field_desc *d = ir_field(f);

	return d->load == IR_LOAD_CT || d->load == IR_LOAD_FIB ||
	       (d->load == IR_LOAD_META && d->type != IR_T_IFNAME);
}

static int key_loads(struct nftnl_rule *r, const struct ir_key *keys,
		     unsigned int n, bool interval)
{
	for (unsigned int i = 0; i < n; i++) {
		uint32_t len = ir_field(keys[i].field)->len;
		uint32_t reg = nl_reg(ir_keys_off(keys, i));
		int ret = x_load(r, keys[i].field, reg, 0);

		if (!ret && keys[i].masked)
			ret = x_bitwise(r, reg, keys[i].mask, len);
		if (!ret && interval && n > 1 && host_order(keys[i].field)) {
			struct nftnl_expr *e = nftnl_expr_alloc("byteorder");

			if (!e)
				return -ENOMEM;
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, reg);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, reg);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, len);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, len < 2 ? 2 : len);
			ret = add(r, e);
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int x_lookup(struct nftnl_rule *r, const struct ir_set *s, uint32_t id,
		    bool map)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	if (map)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET,
			   s->flags & IR_SET_ANON ? "__set%d" : s->name);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, id);
	return add(r, e);
}

static uint32_t named_id(struct ctx *c, const struct ir_set *s)
{
	for (size_t i = 0; i < c->r->n_sets; i++)
		if (c->r->sets[i] == s || !strcmp(c->r->sets[i]->name, s->name))
			return i + 1;
	return 0;
}

static int x_match(struct nftnl_rule *r, const struct ir_match *m,
		   uint32_t set_id)
{
	const struct ir_field_desc *d = ir_field(m->keys[0].field);
	uint32_t op = m->op == IR_OP_NEQ ? NFT_CMP_NEQ : NFT_CMP_EQ;
	static const uint8_t zero[IR_VAL_MAX];
	int ret, p;

	if (m->op == IR_OP_LOOKUP)
		return key_loads(r, m->keys, m->n_keys,
				 m->set->flags & IR_SET_INTERVAL) ?:
		       x_lookup(r, m->set, set_id, false);
	if (m->op == IR_OP_FLAGS)
		return x_load(r, m->keys[0].field, NFT_REG_1, 0) ?:
		       x_bitwise(r, NFT_REG_1, m->lo, d->len) ?:
		       x_cmp(r, NFT_CMP_NEQ, zero, d->len);
	if (m->keys[0].masked)
		return key_loads(r, m->keys, 1, false) ?:
		       x_cmp(r, op, m->lo, d->len);
	if (m->prefix_len)
		return x_load(r, m->keys[0].field, NFT_REG_1, 0) ?:
		       x_cmp(r, op, m->lo, m->prefix_len);
	if (!memcmp(m->lo, m->hi, d->len))
		return x_load(r, m->keys[0].field, NFT_REG_1, 0) ?:
		       x_cmp(r, op, m->lo, d->len);
	p = is_addr(m->keys[0].field) ? prefix_of(m->lo, m->hi, d->len) : -1;
	if (p > 0 && p % 8 == 0)	/* nft shortens byte-aligned prefixes */
		return x_load(r, m->keys[0].field, NFT_REG_1, p / 8) ?:
		       x_cmp(r, op, m->lo, p / 8);
	if (p > 0) {
		uint8_t mask[IR_VAL_MAX] = { 0 };

		for (int b = 0; b < p; b++)
			mask[b / 8] |= 0x80 >> (b % 8);
		return x_load(r, m->keys[0].field, NFT_REG_1, 0) ?:
		       x_bitwise(r, NFT_REG_1, mask, d->len) ?:
		       x_cmp(r, op, m->lo, d->len);
	}
	ret = x_load(r, m->keys[0].field, NFT_REG_1, 0);
	if (ret)
		return ret;
	if (m->op == IR_OP_NEQ) {
		struct nftnl_expr *e = nftnl_expr_alloc("range");

		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, NFT_RANGE_NEQ);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, m->lo, d->len);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, m->hi, d->len);
		return add(r, e);
	}
	return x_cmp(r, NFT_CMP_GTE, m->lo, d->len) ?:
	       x_cmp(r, NFT_CMP_LTE, m->hi, d->len);
}

static int x_stmt(struct ctx *c, struct nftnl_rule *r, const struct ir_stmt *s)
{
	struct nftnl_expr *e;

	switch (s->type) {
	case IR_S_COUNTER:
		return add(r, nftnl_expr_alloc("counter"));
	case IR_S_LIMIT:
		e = nftnl_expr_alloc("limit");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, s->limit.rate);
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, s->limit.unit);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, s->limit.burst);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, 0);
		return add(r, e);
	case IR_S_LOG:
		e = nftnl_expr_alloc("log");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, s->log.prefix);
		return add(r, e);
	case IR_S_MASQ:
		return add(r, nftnl_expr_alloc("masq"));
	case IR_S_DNAT: {
		uint16_t port = htons(s->dnat.port);

		if (x_imm_data(r, NFT_REG_1, s->dnat.addr, 4) ||
		    (s->dnat.port && x_imm_data(r, NFT_REG_2, &port, 2)))
			return -ENOMEM;
		e = nftnl_expr_alloc("nat");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
		if (s->dnat.port) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
			nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS,
					   NF_NAT_RANGE_PROTO_SPECIFIED);
		}
		return add(r, e);
	}
	case IR_S_DNAT_MAP: {
		const struct ir_set *map = s->dnat_map.map;

		if (key_loads(r, s->dnat_map.keys, s->dnat_map.n_keys, false) ||
		    x_lookup(r, map, named_id(c, map), true))
			return -ENOMEM;
		e = nftnl_expr_alloc("nat");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
		if (map->n_data > 1)	/* the port follows the address */
			nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, nl_reg(4));
		return add(r, e);
	}
	case IR_S_ACCEPT:
		return x_verdict(r, NF_ACCEPT, NULL);
	case IR_S_DROP:
		return x_verdict(r, NF_DROP, NULL);
	case IR_S_JUMP:
		return x_verdict(r, NFT_JUMP, s->jump.chain);
	case IR_S_RETURN:
		return x_verdict(r, NFT_RETURN, NULL);
	case IR_S_REJECT:
		e = nftnl_expr_alloc("reject");
		if (!e)
			return -ENOMEM;
		if (s->reject.how == IR_REJECT_TCP_RST) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_TCP_RST);
			nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, 0);
		} else {
			nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_ICMPX_UNREACH);
			nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
		}
		return add(r, e);
	}
	return -EINVAL;
}

static struct nftnl_rule *rule_obj(struct ctx *c, const char *chain,
				   const struct ir_rule *rule, const uint32_t *ids)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	int ret = 0;

	if (!r)
		return NULL;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, c->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	for (unsigned int i = 0; i < rule->n_matches && !ret; i++)
		ret = x_match(r, &rule->matches[i], ids[i]);
	for (unsigned int i = 0; i < rule->n_stmts && !ret; i++)
		ret = x_stmt(c, r, &rule->stmts[i]);
	if (!ret && rule->comment) {
		struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(UD_MAX);

		if (!ud) {
			ret = -ENOMEM;
		} else {
			nftnl_udata_put_strz(ud, 0, rule->comment); /* RULE_COMMENT */
			nftnl_rule_set_data(r, NFTNL_RULE_USERDATA,
					    nftnl_udata_buf_data(ud),
					    nftnl_udata_buf_len(ud));
			nftnl_udata_buf_free(ud);
		}
	}
	if (ret) {
		nftnl_rule_free(r);
		return NULL;
	}
	return r;
}

struct nftnl_rule *nl_build_rule(const struct pinhole_ruleset *r,
				 const char *chain, const struct ir_rule *rule)
{
	uint32_t ids[IR_RULE_MAX_MATCHES] = { 0 };
	struct ctx c = { .r = r, .table = r->table };

	if (rule->unknown)
		return NULL;
	return rule_obj(&c, chain, rule, ids);
}

static int rule_msgs(struct ctx *c, const struct ir_chain *ch,
		     const struct ir_rule *rule)
{
	uint32_t ids[IR_RULE_MAX_MATCHES] = { 0 };
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;
	int ret;

	if (rule->unknown)
		return -EINVAL;
	/* Anonymous sets go right before the rule that binds them (as nft). */
	for (unsigned int i = 0; i < rule->n_matches; i++) {
		const struct ir_match *m = &rule->matches[i];

		if (m->op != IR_OP_LOOKUP)
			continue;
		if (m->set->flags & IR_SET_ANON) {
			ids[i] = c->next_id++;
			ret = set_msgs(c, m->set, ids[i], ch, rule);
			if (ret)
				return ret;
		} else {
			ids[i] = named_id(c, m->set);
		}
	}
	r = rule_obj(c, ch->name, rule, ids);
	if (!r)
		return -ENOMEM;
	nlh = hdr(c, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return note(c, NL_OBJ_RULE, ch, rule, NULL) ?: done(c);
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
	nlh = hdr(c, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	nftnl_chain_nlmsg_build_payload(nlh, nc);
	nftnl_chain_free(nc);
	return note(c, NL_OBJ_CHAIN, ch, NULL, NULL) ?: done(c);
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
		ret = set_msgs(&c, r->sets[i], i + 1, NULL, NULL);
	for (size_t i = 0; i < r->n_chains && !ret; i++)
		ret = chain_msg(&c, r->chains[i]);
	for (size_t i = 0; i < r->n_chains && !ret; i++)
		for (size_t j = 0; j < r->chains[i]->n_rules && !ret; j++)
			ret = rule_msgs(&c, r->chains[i], &r->chains[i]->rules[j]);
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
