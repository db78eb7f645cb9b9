// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Rules: each IR match and statement as the expressions nft emits for it
 * (loads, cmp, bitwise, lookup, nat, verdicts), the rule comment, and the
 * rule's message after those of its anonymous sets.
 */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_nat.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>

#include "ir.h"
#include "nl_build.h"
#include "nl_build_int.h"
#include "nl_reg.h"

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
	case IR_LOAD_EXTHDR:
		/* nft sets op and flags even when 0 (`rt type`: ipv6, none) */
		e = nftnl_expr_alloc("exthdr");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_DREG, reg);
		nftnl_expr_set_u8(e, NFTNL_EXPR_EXTHDR_TYPE, (uint8_t)d->key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OFFSET, d->offset);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_LEN, len ? len : d->len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OP, d->base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_FLAGS, 0);
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

/*
 * `tcp option maxseg size set rt mtu`, as nft 1.0.6 linearises it: the
 * route's MSS (rt tcpmss: its MTU less the IP and TCP headers, host
 * order), to network order, written over the MSS option's value (kind 2,
 * 2 bytes at offset 2). The kernel only ever lowers it
 * (nft_exthdr_tcp_set_eval()).
 */
static int x_tcpmss(struct nftnl_rule *r)
{
	struct nftnl_expr *e = nftnl_expr_alloc("rt");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_RT_KEY, NFT_RT_TCPMSS);
	nftnl_expr_set_u32(e, NFTNL_EXPR_RT_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
	e = nftnl_expr_alloc("byteorder");
	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, 2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, 2);
	nftnl_rule_add_expr(r, e);
	e = nftnl_expr_alloc("exthdr");
	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_SREG, NFT_REG_1);
	nftnl_expr_set_u8(e, NFTNL_EXPR_EXTHDR_TYPE, 2);	/* TCPOPT_MAXSEG */
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OFFSET, 2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_LEN, 2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OP, NFT_EXTHDR_OP_TCPOPT);
	nftnl_rule_add_expr(r, e);
	return 0;
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
	case IR_S_TCPMSS:
		return x_tcpmss(r);
	case IR_S_ACCEPT:
		return x_verdict(r, NF_ACCEPT, NULL);
	case IR_S_DROP:
		return x_verdict(r, NF_DROP, NULL);
	case IR_S_JUMP:
		return x_verdict(r, NFT_JUMP, s->jump.chain);
	case IR_S_RETURN:
		return x_verdict(r, NFT_RETURN, NULL);
	case __IR_S_MAX:
		break;
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

int nlb_rule_msgs(struct ctx *c, const struct ir_chain *ch,
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
			ret = nlb_set_msgs(c, m->set, ids[i], ch, rule);
			if (ret)
				return ret;
		} else {
			ids[i] = named_id(c, m->set);
		}
	}
	r = rule_obj(c, ch->name, rule, ids);
	if (!r)
		return -ENOMEM;
	nlh = nlb_hdr(c, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return nlb_note(c, NL_OBJ_RULE, ch, rule, NULL) ?: nlb_done(c);
}
