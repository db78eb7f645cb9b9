// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Dumped rules back into the IR: the expressions are matched against
 * pinhole's own shapes, and a rule counts only if nl_build_rule() of the
 * result gives the same bytecode again; anything else is kept as an
 * unknown rule with its bytecode as text.
 */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_nat.h>

#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#include "pinhole.h"
#include "ir.h"
#include "nl_build.h"
#include "nl_decode.h"
#include "nl_decode_int.h"
#include "nl_reg.h"

#define MAX_EXPRS 64

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
		if (!strcmp(name, "exthdr") && d->load == IR_LOAD_EXTHDR &&
		    nftnl_expr_get_u8(e, NFTNL_EXPR_EXTHDR_TYPE) == d->key &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_EXTHDR_OFFSET) == d->offset &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_EXTHDR_LEN) == d->len &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_EXTHDR_OP) == d->base &&
		    !nftnl_expr_get_u32(e, NFTNL_EXPR_EXTHDR_FLAGS)) {
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
	struct nftnl_set *ns = nld_find_nset(st->d, name, id);
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
		if (nld_fill_set(s, ns) < 0)
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

/*
 * rt tcpmss, byteorder hton 2, exthdr write of the maxseg option's value
 * from reg 1: `tcp option maxseg size set rt mtu` (nl_build_rule.c
 * x_tcpmss(); re-linearising checks every attribute).
 */
static bool decode_tcpmss(struct dstate *st, struct nftnl_expr **ex, int n, int *i)
{
	struct nftnl_expr *rt = ex[*i];

	if (st->np || *i + 2 >= n ||
	    nftnl_expr_get_u32(rt, NFTNL_EXPR_RT_KEY) != NFT_RT_TCPMSS ||
	    nftnl_expr_get_u32(rt, NFTNL_EXPR_RT_DREG) != NFT_REG_1 ||
	    strcmp(nftnl_expr_get_str(ex[*i + 1], NFTNL_EXPR_NAME), "byteorder") ||
	    strcmp(nftnl_expr_get_str(ex[*i + 2], NFTNL_EXPR_NAME), "exthdr") ||
	    !nftnl_expr_is_set(ex[*i + 2], NFTNL_EXPR_EXTHDR_SREG) ||
	    !ir_rule_stmt(st->rule, IR_S_TCPMSS))
		return false;
	*i += 2;
	return true;
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

/*
 * th+0 is `icmpv6 type` or `icmp type`, the same bytecode: the rule's
 * `meta l4proto icmp` before it makes it ICMP's (the rules pinhole builds
 * always say the protocol first).
 */
static enum ir_field icmp_field(const struct ir_rule *rule, enum ir_field f)
{
	if (f != IR_F_ICMPV6_TYPE)
		return f;
	for (unsigned int i = 0; i < rule->n_matches; i++) {
		const struct ir_match *m = &rule->matches[i];

		if (m->keys[0].field == IR_F_L4PROTO && m->op == IR_OP_EQ &&
		    !m->keys[0].masked && m->lo[0] == IPPROTO_ICMP &&
		    m->hi[0] == IPPROTO_ICMP)
			return IR_F_ICMP_TYPE;
	}
	return f;
}

static bool decode_exprs(struct dstate *st, struct nftnl_expr **ex, int n)
{
	for (int i = 0; i < n; i++) {
		struct nftnl_expr *e = ex[i];
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
		enum ir_field f;
		uint32_t len;

		if (!strcmp(name, "meta") || !strcmp(name, "ct") ||
		    !strcmp(name, "payload") || !strcmp(name, "fib") ||
		    !strcmp(name, "exthdr")) {
			uint16_t attr = !strcmp(name, "meta") ? NFTNL_EXPR_META_DREG :
					!strcmp(name, "ct") ? NFTNL_EXPR_CT_DREG :
					!strcmp(name, "fib") ? NFTNL_EXPR_FIB_DREG :
					!strcmp(name, "exthdr") ? NFTNL_EXPR_EXTHDR_DREG :
					NFTNL_EXPR_PAYLOAD_DREG;
			int off;

			if (!nftnl_expr_is_set(e, attr) || st->np == IR_CONCAT_MAX ||
			    !load_field(e, name, &f, &len))
				return false;
			off = nl_reg_off(nftnl_expr_get_u32(e, attr));
			if (off < 0)
				return false;
			f = icmp_field(st->rule, f);
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
		} else if (!strcmp(name, "rt")) {
			if (!decode_tcpmss(st, ex, n, &i))
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
	struct nld_canon cy = { 0 };
	bool same = false;
	int m = 0;

	if (!r)
		return false;
	if (nftnl_expr_foreach(r, collect, ey) == 0) {
		while (ey[m])
			m++;
		/* @ex is canonical already; so must its twin be */
		same = nld_canon(&cy, ey, m) && cy.n == n;
		for (int i = 0; i < n && same; i++)
			same = same_expr(ex[i], cy.ex[i]);
	}
	nld_canon_free(&cy);
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
	struct nld_canon cx = { 0 };
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
	/* nft's equivalent forms of pinhole's bytecode decode as pinhole's */
	ok = ok && nld_canon(&cx, ex, n) && decode_exprs(&st, cx.ex, cx.n) &&
	     relinearises(d, chain, rule, cx.ex, cx.n);
	nld_canon_free(&cx);
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
