// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Netlink messages without a kernel (as libnftnl's own tests do): build the
 * batch of an IR ruleset, parse every message back with libnftnl, and
 *  1. compare each rule's bytecode with what nft 1.0.6 emits for the same
 *     text (`unshare -n nft --debug=netlink -f`, research/netlink.md);
 *  2. decode the parsed objects back into the IR and check that printing
 *     it gives the original text again (nl_decode is nl_build's inverse),
 *     for a hand-built ruleset and for every example and golden policy.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "pinhole.h"
#include "emit.h"
#include "ir.h"
#include "nl_build.h"
#include "nl_decode.h"
#include "serial.h"
#include "tap.h"
#include "nlbatch.h"

#define MAXOBJ 4096
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct parsed {
	struct nftnl_chain *chains[MAXOBJ];
	struct nftnl_set *sets[MAXOBJ];
	struct nftnl_rule *rules[MAXOBJ];
	size_t n_chains, n_sets, n_rules, n_tables, n_other;
	uint32_t first_type, last_type;
	int bad;
};

static struct nftnl_set *find_set(struct parsed *p, const char *name, uint32_t id)
{
	for (size_t i = 0; i < p->n_sets; i++) {
		struct nftnl_set *s = p->sets[i];

		if (id && nftnl_set_is_set(s, NFTNL_SET_ID) &&
		    nftnl_set_get_u32(s, NFTNL_SET_ID) == id)
			return s;
		if (!id && !strcmp(nftnl_set_get_str(s, NFTNL_SET_NAME), name))
			return s;
	}
	return NULL;
}

static void parse_msg(struct parsed *p, const struct nlmsghdr *nlh)
{
	uint32_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);

	if (!p->first_type)
		p->first_type = nlh->nlmsg_type;
	p->last_type = nlh->nlmsg_type;
	if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN || nlh->nlmsg_type == NFNL_MSG_BATCH_END)
		return;
	switch (type) {
	case NFT_MSG_NEWTABLE:
	case NFT_MSG_DELTABLE:
		p->n_tables++;
		break;
	case NFT_MSG_NEWCHAIN:
		p->chains[p->n_chains] = nftnl_chain_alloc();
		p->bad += nftnl_chain_nlmsg_parse(nlh, p->chains[p->n_chains++]) < 0;
		break;
	case NFT_MSG_NEWSET:
		p->sets[p->n_sets] = nftnl_set_alloc();
		p->bad += nftnl_set_nlmsg_parse(nlh, p->sets[p->n_sets++]) < 0;
		break;
	case NFT_MSG_NEWSETELEM: {
		struct nftnl_set *tmp = nftnl_set_alloc(), *s;
		uint32_t id;

		normalise_elems((struct nlmsghdr *)nlh);

		p->bad += nftnl_set_elems_nlmsg_parse(nlh, tmp) < 0;
		id = nftnl_set_is_set(tmp, NFTNL_SET_ID) ? nftnl_set_get_u32(tmp, NFTNL_SET_ID) : 0;
		s = find_set(p, nftnl_set_get_str(tmp, NFTNL_SET_NAME), id);
		if (s)
			p->bad += nftnl_set_elems_nlmsg_parse(nlh, s) < 0;
		else
			p->bad++;
		nftnl_set_free(tmp);
		break;
	}
	case NFT_MSG_NEWRULE:
		p->rules[p->n_rules] = nftnl_rule_alloc();
		p->bad += nftnl_rule_nlmsg_parse(nlh, p->rules[p->n_rules++]) < 0;
		break;
	default:
		p->n_other++;
	}
}

static void parse_batch(struct nftnl_batch *b, struct parsed *p)
{
	int n = nftnl_batch_iovec_len(b);
	struct iovec *iov = calloc(n, sizeof(*iov));

	nftnl_batch_iovec(b, iov, n);
	for (int i = 0; i < n; i++) {
		const struct nlmsghdr *nlh = iov[i].iov_base;
		int len = (int)iov[i].iov_len;

		for (; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len))
			parse_msg(p, nlh);
	}
	free(iov);
}

static int expr_line(struct nftnl_expr *e, void *data)
{
	FILE *f = data;
	char buf[1024];

	nftnl_expr_snprintf(buf, sizeof(buf), e, NFTNL_OUTPUT_DEFAULT, 0);
	fprintf(f, "[ %s %s]\n", nftnl_expr_get_str(e, NFTNL_EXPR_NAME), buf);
	return 0;
}

static char *bytecode(struct nftnl_rule *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	nftnl_expr_foreach(r, expr_line, f);
	fclose(f);
	return buf;
}

static char *emit(const struct pinhole_ruleset *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ir_emit(r, f, IR_EMIT_NO_PREAMBLE);
	fclose(f);
	return buf;
}

/* Decode what was parsed; the decoder owns the objects afterwards. */
static struct pinhole_ruleset *decode(struct parsed *p, const char *table,
				      size_t *unknown)
{
	struct nl_decoder *d = nl_decoder_new(table);
	struct pinhole_ruleset *r;
	int err = 0;

	for (size_t i = 0; i < p->n_chains; i++)
		err |= nl_decode_chain(d, p->chains[i]);
	for (size_t i = 0; i < p->n_sets; i++)
		err |= nl_decode_set(d, p->sets[i]);
	for (size_t i = 0; i < p->n_rules; i++)
		err |= nl_decode_rule(d, p->rules[i]);
	r = nl_decoder_result(d);
	nl_decoder_free(d);
	*unknown = 0;
	for (size_t i = 0; r && i < r->n_chains; i++)
		for (size_t j = 0; j < r->chains[i]->n_rules; j++)
			*unknown += r->chains[i]->rules[j].unknown;
	if (err) {
		pinhole_ruleset_free(r);
		return NULL;
	}
	return r;
}

/* ---------------------------------------------------------------- shapes */

static void set_addr6(uint8_t *p, const char *s)
{
	inet_pton(AF_INET6, s, p);
}

static struct ir_match *eq1(struct ir_rule *r, enum ir_field f, uint8_t v)
{
	struct ir_match *m = ir_rule_match(r, f, IR_OP_EQ);

	m->lo[0] = m->hi[0] = v;
	return m;
}

static void port(struct ir_match *m, unsigned int lo, unsigned int hi)
{
	m->lo[0] = lo >> 8;
	m->lo[1] = lo;
	m->hi[0] = hi >> 8;
	m->hi[1] = hi;
}

struct shape {
	const char *text;	/* what nft --debug=netlink was fed */
	const char *code;	/* what it printed */
};

static const struct shape shapes[] = {
	{ "meta nfproto ipv6 ip6 saddr 2001:db8::/32 meta l4proto tcp th dport 22 counter accept comment \"x\"",
	  "[ meta load nfproto => reg 1 ]\n[ cmp eq reg 1 0x0000000a ]\n"
	  "[ payload load 4b @ network header + 8 => reg 1 ]\n[ cmp eq reg 1 0xb80d0120 ]\n"
	  "[ meta load l4proto => reg 1 ]\n[ cmp eq reg 1 0x00000006 ]\n"
	  "[ payload load 2b @ transport header + 2 => reg 1 ]\n[ cmp eq reg 1 0x00001600 ]\n"
	  "[ counter pkts 0 bytes 0 ]\n[ immediate reg 0 accept ]\n" },
	{ "meta nfproto ipv6 ip6 daddr & ::ffff:ffff:ffff:ffff . meta l4proto . th dport @sfx64 accept",
	  "[ meta load nfproto => reg 1 ]\n[ cmp eq reg 1 0x0000000a ]\n"
	  "[ payload load 16b @ network header + 24 => reg 1 ]\n"
	  "[ bitwise reg 1 = ( reg 1 & 0x00000000 0x00000000 0xffffffff 0xffffffff ) ^ 0x00000000 0x00000000 0x00000000 0x00000000 ]\n"
	  "[ meta load l4proto => reg 2 ]\n[ payload load 2b @ transport header + 2 => reg 13 ]\n"
	  "[ lookup reg 1 set sfx64 ]\n[ immediate reg 0 accept ]\n" },
	{ "meta nfproto ipv6 ip6 daddr . meta l4proto . th dport @pin6r accept",
	  "[ meta load nfproto => reg 1 ]\n[ cmp eq reg 1 0x0000000a ]\n"
	  "[ payload load 16b @ network header + 24 => reg 1 ]\n"
	  "[ meta load l4proto => reg 2 ]\n[ byteorder reg 2 = hton(reg 2, 2, 1) ]\n"
	  "[ payload load 2b @ transport header + 2 => reg 13 ]\n"
	  "[ lookup reg 1 set pin6r ]\n[ immediate reg 0 accept ]\n" },
	{ "iifname \"wan0\" meta nfproto ipv4 dnat ip to meta l4proto . th dport map @fwd4",
	  "[ meta load iifname => reg 1 ]\n[ cmp eq reg 1 0x306e6177 0x00000000 0x00000000 0x00000000 ]\n"
	  "[ meta load nfproto => reg 1 ]\n[ cmp eq reg 1 0x00000002 ]\n"
	  "[ meta load l4proto => reg 1 ]\n[ payload load 2b @ transport header + 2 => reg 9 ]\n"
	  "[ lookup reg 1 set fwd4 dreg 1 ]\n[ nat dnat ip addr_min reg 1 proto_min reg 9 ]\n" },
	{ "meta nfproto ipv6 ip6 saddr != 2001:db8::/33 accept",
	  "[ meta load nfproto => reg 1 ]\n[ cmp eq reg 1 0x0000000a ]\n"
	  "[ payload load 16b @ network header + 8 => reg 1 ]\n"
	  "[ bitwise reg 1 = ( reg 1 & 0xffffffff 0x00000080 0x00000000 0x00000000 ) ^ 0x00000000 0x00000000 0x00000000 0x00000000 ]\n"
	  "[ cmp neq reg 1 0xb80d0120 0x00000000 0x00000000 0x00000000 ]\n[ immediate reg 0 accept ]\n" },
	{ "meta l4proto tcp th dport != 1-5 limit rate 10/minute burst 5 packets counter return",
	  "[ meta load l4proto => reg 1 ]\n[ cmp eq reg 1 0x00000006 ]\n"
	  "[ payload load 2b @ transport header + 2 => reg 1 ]\n[ range neq reg 1 0x00000100 0x00000500 ]\n"
	  "[ limit rate 10/minute burst 5 type packets flags 0x0 ]\n[ counter pkts 0 bytes 0 ]\n"
	  "[ immediate reg 0 return ]\n" },
	{ "ct state established,related accept",
	  "[ ct load state => reg 1 ]\n[ bitwise reg 1 = ( reg 1 & 0x00000006 ) ^ 0x00000000 ]\n"
	  "[ cmp neq reg 1 0x00000000 ]\n[ immediate reg 0 accept ]\n" },
	{ "iifname \"eth*\" meta l4proto tcp th dport 1000-2000 jump sub",
	  "[ meta load iifname => reg 1 ]\n[ cmp eq reg 1 0x00687465 ]\n"
	  "[ meta load l4proto => reg 1 ]\n[ cmp eq reg 1 0x00000006 ]\n"
	  "[ payload load 2b @ transport header + 2 => reg 1 ]\n[ cmp gte reg 1 0x0000e803 ]\n"
	  "[ cmp lte reg 1 0x0000d007 ]\n[ immediate reg 0 jump -> sub ]\n" },
	{ "meta l4proto tcp reject with tcp reset",
	  "[ meta load l4proto => reg 1 ]\n[ cmp eq reg 1 0x00000006 ]\n[ reject type 1 code 0 ]\n" },
	{ "log prefix \"pinhole: \" reject with icmpx admin-prohibited",
	  "[ log prefix pinhole:  ]\n[ reject type 2 code 3 ]\n" },
	{ "iifname \"wan0\" meta nfproto ipv4 meta l4proto tcp th dport 8080 dnat ip to 192.0.2.5:80",
	  "[ meta load iifname => reg 1 ]\n[ cmp eq reg 1 0x306e6177 0x00000000 0x00000000 0x00000000 ]\n"
	  "[ meta load nfproto => reg 1 ]\n[ cmp eq reg 1 0x00000002 ]\n"
	  "[ meta load l4proto => reg 1 ]\n[ cmp eq reg 1 0x00000006 ]\n"
	  "[ payload load 2b @ transport header + 2 => reg 1 ]\n[ cmp eq reg 1 0x0000901f ]\n"
	  "[ immediate reg 1 0x050200c0 ]\n[ immediate reg 2 0x00005000 ]\n"
	  "[ nat dnat ip addr_min reg 1 proto_min reg 2 flags 0x2 ]\n" },
	{ "meta l4proto tcp th dport { 22, 80-90 } oifname \"wan0\" masquerade",
	  "[ meta load l4proto => reg 1 ]\n[ cmp eq reg 1 0x00000006 ]\n"
	  "[ payload load 2b @ transport header + 2 => reg 1 ]\n[ lookup reg 1 set __set%d ]\n"
	  "[ meta load oifname => reg 1 ]\n[ cmp eq reg 1 0x306e6177 0x00000000 0x00000000 0x00000000 ]\n"
	  "[ masq ]\n" },
	{ "meta nfproto ipv6 rt type 0 counter drop",
	  "[ meta load nfproto => reg 1 ]\n[ cmp eq reg 1 0x0000000a ]\n"
	  "[ exthdr load ipv6 1b @ 43 + 2 => reg 1 ]\n[ cmp eq reg 1 0x00000000 ]\n"
	  "[ counter pkts 0 bytes 0 ]\n[ immediate reg 0 drop ]\n" },
};

static struct pinhole_ruleset *hand_ruleset(void)
{
	struct pinhole_ruleset *r = ir_ruleset_new("pinhole");
	struct ir_set *sfx = ir_set_add(r, "sfx64"), *pin = ir_set_add(r, "pin6r");
	struct ir_set *fwd = ir_set_add(r, "fwd4"), *anon;
	struct ir_chain *c = ir_chain_add(r, "input", IR_CHAIN_FILTER, NF_INET_LOCAL_IN, 0, NF_DROP);
	struct ir_chain *nat = ir_chain_add(r, "prerouting", IR_CHAIN_NAT, NF_INET_PRE_ROUTING, -100, NF_ACCEPT);
	struct ir_key k3[3] = { { .field = IR_F_IP6_DADDR }, { .field = IR_F_L4PROTO },
				{ .field = IR_F_TH_DPORT } };
	struct ir_rule *rule;
	struct ir_match *m;
	struct ir_elem *e;
	struct ir_stmt *s;

	ir_chain_add(r, "sub", IR_CHAIN_REGULAR, 0, 0, 0);
	/* sets */
	memcpy(sfx->keys, k3, sizeof(k3));
	sfx->n_keys = 3;
	sfx->keys[0].masked = true;
	memset(sfx->keys[0].mask + 8, 0xff, 8);
	sfx->flags = IR_SET_COUNTER;
	e = ir_set_add_elem(sfx);
	set_addr6(e->key, "::1234:5678");
	e->key[16] = 6;
	e->key[20] = 0x01, e->key[21] = 0xbb;
	memcpy(e->key_end, e->key, IR_KEY_MAX);
	e->comment = strdup("nas");
	memcpy(pin->keys, k3, sizeof(k3));
	pin->n_keys = 3;
	pin->flags = IR_SET_INTERVAL | IR_SET_COUNTER;
	e = ir_set_add_elem(pin);
	set_addr6(e->key, "2001:db8:1::");
	set_addr6(e->key_end, "2001:db8:1::ffff:ffff:ffff:ffff");
	e->key[16] = e->key_end[16] = 17;
	e->key[20] = 0x03, e->key[21] = 0xe8;
	e->key_end[20] = 0x07, e->key_end[21] = 0xd0;
	e->comment = strdup("lab");
	fwd->n_keys = 2;
	fwd->keys[0].field = IR_F_L4PROTO;
	fwd->keys[1].field = IR_F_TH_DPORT;
	fwd->flags = IR_SET_MAP;
	fwd->n_data = 2;
	fwd->data[0] = IR_T_IPADDR;
	fwd->data[1] = IR_T_INET_SERVICE;
	e = ir_set_add_elem(fwd);
	e->key[0] = 6;
	e->key[4] = 0x20, e->key[5] = 0xfb;
	memcpy(e->key_end, e->key, IR_KEY_MAX);
	e->data[0] = 192, e->data[1] = 0, e->data[2] = 2, e->data[3] = 5;
	e->data[4] = 0x01, e->data[5] = 0xbb;
	e->comment = strdup("fwd");

	/* shape 0 */
	rule = ir_chain_add_rule(c);
	eq1(rule, IR_F_NFPROTO, NFPROTO_IPV6);
	m = ir_rule_match(rule, IR_F_IP6_SADDR, IR_OP_EQ);
	set_addr6(m->lo, "2001:db8::");
	set_addr6(m->hi, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	eq1(rule, IR_F_L4PROTO, IPPROTO_TCP);
	port(ir_rule_match(rule, IR_F_TH_DPORT, IR_OP_EQ), 22, 22);
	ir_rule_stmt(rule, IR_S_COUNTER);
	ir_rule_stmt(rule, IR_S_ACCEPT);
	rule->comment = strdup("x");
	/* 1, 2: lookups */
	for (int i = 0; i < 2; i++) {
		rule = ir_chain_add_rule(c);
		eq1(rule, IR_F_NFPROTO, NFPROTO_IPV6);
		m = ir_rule_match(rule, IR_F_IP6_DADDR, IR_OP_LOOKUP);
		m->set = i ? pin : sfx;
		m->n_keys = 3;
		memcpy(m->keys, m->set->keys, sizeof(m->keys));
		ir_rule_stmt(rule, IR_S_ACCEPT);
	}
	/* 3: dnat map */
	rule = ir_chain_add_rule(nat);
	m = ir_rule_match(rule, IR_F_IIFNAME, IR_OP_EQ);
	memcpy(m->lo, "wan0", 4);
	memcpy(m->hi, "wan0", 4);
	eq1(rule, IR_F_NFPROTO, NFPROTO_IPV4);
	s = ir_rule_stmt(rule, IR_S_DNAT_MAP);
	s->dnat_map.n_keys = 2;
	memcpy(s->dnat_map.keys, fwd->keys, sizeof(s->dnat_map.keys));
	s->dnat_map.map = fwd;
	/* 4: non-byte-aligned prefix, negated */
	rule = ir_chain_add_rule(c);
	eq1(rule, IR_F_NFPROTO, NFPROTO_IPV6);
	m = ir_rule_match(rule, IR_F_IP6_SADDR, IR_OP_NEQ);
	set_addr6(m->lo, "2001:db8::");
	set_addr6(m->hi, "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff");
	ir_rule_stmt(rule, IR_S_ACCEPT);
	/* 5: range neq, limit, counter, return */
	rule = ir_chain_add_rule(c);
	eq1(rule, IR_F_L4PROTO, IPPROTO_TCP);
	port(ir_rule_match(rule, IR_F_TH_DPORT, IR_OP_NEQ), 1, 5);
	s = ir_rule_stmt(rule, IR_S_LIMIT);
	s->limit.rate = 10;
	s->limit.unit = 60;
	s->limit.burst = 5;
	ir_rule_stmt(rule, IR_S_COUNTER);
	ir_rule_stmt(rule, IR_S_RETURN);
	/* 6: ct state established,related */
	rule = ir_chain_add_rule(c);
	m = ir_rule_match(rule, IR_F_CT_STATE, IR_OP_FLAGS);
	m->lo[0] = m->hi[0] = 6;
	ir_rule_stmt(rule, IR_S_ACCEPT);
	/* 7: iifname "eth*", port range, jump */
	rule = ir_chain_add_rule(c);
	m = ir_rule_match(rule, IR_F_IIFNAME, IR_OP_EQ);
	memcpy(m->lo, "eth", 3);
	memcpy(m->hi, "eth", 3);
	m->prefix_len = 3;
	eq1(rule, IR_F_L4PROTO, IPPROTO_TCP);
	port(ir_rule_match(rule, IR_F_TH_DPORT, IR_OP_EQ), 1000, 2000);
	strcpy(ir_rule_stmt(rule, IR_S_JUMP)->jump.chain, "sub");
	/* 8, 9: rejects */
	rule = ir_chain_add_rule(c);
	eq1(rule, IR_F_L4PROTO, IPPROTO_TCP);
	ir_rule_stmt(rule, IR_S_REJECT)->reject.how = IR_REJECT_TCP_RST;
	rule = ir_chain_add_rule(c);
	strcpy(ir_rule_stmt(rule, IR_S_LOG)->log.prefix, "pinhole: ");
	ir_rule_stmt(rule, IR_S_REJECT)->reject.how = IR_REJECT_ICMPX_ADMIN;
	/* 10: dnat */
	rule = ir_chain_add_rule(nat);
	m = ir_rule_match(rule, IR_F_IIFNAME, IR_OP_EQ);
	memcpy(m->lo, "wan0", 4);
	memcpy(m->hi, "wan0", 4);
	eq1(rule, IR_F_NFPROTO, NFPROTO_IPV4);
	eq1(rule, IR_F_L4PROTO, IPPROTO_TCP);
	port(ir_rule_match(rule, IR_F_TH_DPORT, IR_OP_EQ), 8080, 8080);
	s = ir_rule_stmt(rule, IR_S_DNAT);
	s->dnat.addr[0] = 192, s->dnat.addr[2] = 2, s->dnat.addr[3] = 5;
	s->dnat.port = 80;
	/* 11: anonymous interval set, masquerade (bytecode only: not in a nat chain) */
	rule = ir_chain_add_rule(c);
	eq1(rule, IR_F_L4PROTO, IPPROTO_TCP);
	m = ir_rule_match(rule, IR_F_TH_DPORT, IR_OP_LOOKUP);
	anon = ir_set_new_anon();
	m->set = anon;
	anon->n_keys = 1;
	anon->keys[0].field = IR_F_TH_DPORT;
	anon->flags |= IR_SET_INTERVAL;
	e = ir_set_add_elem(anon);
	e->key[1] = e->key_end[1] = 22;
	e = ir_set_add_elem(anon);
	e->key[1] = 80;
	e->key_end[1] = 90;
	m = ir_rule_match(rule, IR_F_OIFNAME, IR_OP_EQ);
	memcpy(m->lo, "wan0", 4);
	memcpy(m->hi, "wan0", 4);
	ir_rule_stmt(rule, IR_S_MASQ);
	/* 12: routing header type 0 (defaults.bogons): an exthdr load */
	rule = ir_chain_add_rule(c);
	eq1(rule, IR_F_NFPROTO, NFPROTO_IPV6);
	eq1(rule, IR_F_RT_TYPE, 0);
	ir_rule_stmt(rule, IR_S_COUNTER);
	ir_rule_stmt(rule, IR_S_DROP);
	return r;
}

/* Rules in batch order (the nat chain's two rules come in chain order). */
static const int batch_to_shape[] = { 0, 1, 2, 4, 5, 6, 7, 8, 9, 11, 12, 3, 10 };

static void test_hand(void)
{
	struct pinhole_ruleset *r = hand_ruleset(), *back;
	struct parsed *p = calloc(1, sizeof(*p));
	struct nl_built *b = NULL;
	char *want, *got;
	size_t unknown;

	ok(nl_build_ruleset(r, 42, 100, &b) == 0, "hand ruleset: batch built");
	parse_batch(b->batch, p);
	ok(p->first_type == NFNL_MSG_BATCH_BEGIN && p->last_type == NFNL_MSG_BATCH_END,
	   "batch starts with BEGIN and ends with END");
	ok(p->n_tables == 3, "NEWTABLE, DELTABLE, NEWTABLE (%zu)", p->n_tables);
	ok(p->bad == 0 && p->n_other == 0, "every message parses back");
	ok(p->n_chains == 3 && p->n_sets == 4 && p->n_rules == ARRAY_SIZE(shapes),
	   "3 chains, 3 named + 1 anonymous set, %zu rules", ARRAY_SIZE(shapes));
	ok(nl_built_obj(b, 100)->kind == NL_OBJ_BATCH &&
	   nl_built_obj(b, 100 + b->n_msgs - 2)->kind == NL_OBJ_RULE &&
	   !nl_built_obj(b, 100 + b->n_msgs),
	   "seq -> object table covers the batch");
	for (size_t i = 0; i < p->n_rules && i < ARRAY_SIZE(batch_to_shape); i++) {
		const struct shape *sh = &shapes[batch_to_shape[i]];
		char *code = bytecode(p->rules[i]);

		is_str(code, sh->code, "bytecode as nft emits: %s", sh->text);
		free(code);
	}
	/* sets: flags, key type and length, as nft declares them */
	{
		struct nftnl_set *s = find_set(p, "pin6r", 0);

		ok(s && nftnl_set_get_u32(s, NFTNL_SET_FLAGS) == (NFT_SET_INTERVAL | NFT_SET_CONCAT) &&
		   nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE) == 0x830d &&
		   nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN) == 24,
		   "concat interval set: flags 0x84, type 0x830d, len 24");
		s = find_set(p, "fwd4", 0);
		ok(s && nftnl_set_get_u32(s, NFTNL_SET_FLAGS) == NFT_SET_MAP &&
		   nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE) == 0x30d &&
		   nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE) == 0x1cd &&
		   nftnl_set_get_u32(s, NFTNL_SET_DATA_LEN) == 8,
		   "dnat map: type 0x30d : 0x1cd, data len 8");
		s = find_set(p, "__set%d", 0);
		ok(s && nftnl_set_get_u32(s, NFTNL_SET_FLAGS) ==
		   (NFT_SET_ANONYMOUS | NFT_SET_CONSTANT | NFT_SET_INTERVAL) &&
		   nftnl_set_get_u32(s, NFTNL_SET_DESC_SIZE) == 5,
		   "anonymous interval set: flags 0x7, size 5 (key-0 end + 2 ranges)");
	}
	want = emit(r);
	back = decode(p, "pinhole", &unknown);
	got = back ? emit(back) : NULL;
	ok(back && unknown == 0, "every rule is recognised when decoded");
	is_str(got, want, "decode(build(IR)) prints as the IR");
	free(want);
	free(got);
	pinhole_ruleset_free(back);
	nl_built_free(b);
	free(p);
	pinhole_ruleset_free(r);
}

static void test_flush(void)
{
	struct parsed *p = calloc(1, sizeof(*p));
	struct nl_built *b = NULL;

	ok(nl_build_flush("pinhole", 7, 1, &b) == 0, "flush batch built");
	parse_batch(b->batch, p);
	ok(b->n_msgs == 3 && p->n_tables == 1 && p->bad == 0,
	   "flush: BEGIN, DELTABLE, END");
	nl_built_free(b);
	free(p);
}

/*
 * A live set whose key is longer than any pinhole builds (IR_KEY_MAX):
 * ipv6_addr . ipv6_addr . inet_proto . inet_service, 40 bytes. It is not
 * pinhole's: kept by name, without elements, never cut to 24 bytes.
 */
static void test_long_key(void)
{
	uint32_t t6 = ir_field(IR_F_IP6_DADDR)->type;
	uint32_t tp = ir_field(IR_F_L4PROTO)->type;
	uint32_t ts = ir_field(IR_F_TH_DPORT)->type;
	struct nl_decoder *d = nl_decoder_new("pinhole");
	struct nftnl_set *ns = nftnl_set_alloc();
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	struct pinhole_ruleset *r;
	uint8_t key[40];

	memset(key, 0x11, sizeof(key));
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, "pinhole");
	nftnl_set_set_str(ns, NFTNL_SET_NAME, "pairs");
	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, 0);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE, t6 << 18 | t6 << 12 | tp << 6 | ts);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN, sizeof(key));
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, sizeof(key));
	nftnl_set_elem_add(ns, e);
	ok(nl_decode_set(d, ns) == 0, "a set with 40-byte keys decodes");
	r = nl_decoder_result(d);
	nl_decoder_free(d);
	ok(r && r->n_sets == 0 && pinhole_ruleset_foreign(r, 0) &&
	   !strcmp(pinhole_ruleset_foreign(r, 0), "set \"pairs\"") &&
	   !pinhole_ruleset_foreign(r, 1),
	   "a key longer than IR_KEY_MAX: not in the IR, foreign by name");
	pinhole_ruleset_free(r);
}

/* A hand-made set as nft declares it: type ipv6_addr, userdata and all. */
static struct nftnl_set *nft_set(const char *name, uint32_t flags,
				 uint32_t dtype, uint32_t dlen)
{
	static const uint8_t ud[] = { 0, 4, 2, 0, 0, 0 };	/* KEYBYTEORDER 2 */
	struct nftnl_set *ns = nftnl_set_alloc();

	nftnl_set_set_str(ns, NFTNL_SET_TABLE, "pinhole");
	nftnl_set_set_str(ns, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, NFPROTO_INET);
	if (flags)
		nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, flags);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE, ir_field(IR_F_IP6_DADDR)->type);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN, 16);
	if (flags & NFT_SET_MAP) {
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_TYPE, dtype);
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_LEN, dlen);
	}
	nftnl_set_set_data(ns, NFTNL_SET_USERDATA, ud, sizeof(ud));
	return ns;
}

/*
 * Issue 12 items 1 and 3: sets the IR cannot hold exactly are foreign, not
 * misprinted as ipv6 sets, and a table holding any cannot be saved.
 */
static void test_foreign_sets(void)
{
	struct nl_decoder *d = nl_decoder_new("pinhole");
	struct pinhole_ruleset *r;
	uint8_t *img = NULL;
	size_t len = 0;
	char *text = NULL;
	size_t tlen = 0;
	FILE *f;

	ok(nl_decode_set(d, nft_set("plain", 0, 0, 0)) == 0 &&
	   nl_decode_set(d, nft_set("vm", NFT_SET_MAP, NFT_DATA_VERDICT, 0)) == 0 &&
	   nl_decode_set(d, nft_set("ts", NFT_SET_TIMEOUT, 0, 0)) == 0 &&
	   nl_decode_set(d, nft_set("dy", NFT_SET_EVAL, 0, 0)) == 0,
	   "hand-made sets decode");
	r = nl_decoder_result(d);
	nl_decoder_free(d);
	ok(r && r->n_sets == 1 && !strcmp(r->sets[0]->name, "plain"),
	   "an ipv6_addr set as nft makes it is represented exactly");
	ok(r && pinhole_ruleset_foreign(r, 2) &&
	   !strcmp(pinhole_ruleset_foreign(r, 0), "map \"vm\"") &&
	   !strcmp(pinhole_ruleset_foreign(r, 1), "set \"ts\"") &&
	   !strcmp(pinhole_ruleset_foreign(r, 2), "set \"dy\"") &&
	   !pinhole_ruleset_foreign(r, 3),
	   "verdict map, timeout and dynamic sets are foreign");
	f = open_memstream(&text, &tlen);
	pinhole_ruleset_emit(r, f);
	fclose(f);
	ok(text && strstr(text, "\t# foreign: map \"vm\"\n") &&
	   !strstr(text, "set ts {"), "foreign objects print as # foreign: lines");
	free(text);
	ok(serial_write_ruleset(r, NULL, &img, &len) == -ENOTSUP && !img,
	   "a table with foreign objects is not saved as a rollback image");
	pinhole_ruleset_free(r);

	/* the writer refuses what its reader would call corrupt */
	r = ir_ruleset_new("pinhole");
	{
		struct ir_set *s = ir_set_add(r, "m");

		s->n_keys = 1;
		s->keys[0].field = IR_F_IP6_DADDR;
		s->flags = IR_SET_MAP;
		s->n_data = 1;
		s->data[0] = (enum ir_type)0x3fffffc;	/* verdict >> 6, as decoded before */
	}
	ok(serial_write_ruleset(r, NULL, &img, &len) == -EINVAL && !img,
	   "map data of a type the reader refuses is not written");
	pinhole_ruleset_free(r);
}

static void test_policy(const char *path)
{
	struct pinhole_diag *d = pinhole_diag_new();
	struct pinhole_policy *pol = NULL;
	struct pinhole_ruleset *r = NULL, *back = NULL;
	struct parsed *p;
	struct nl_built *b = NULL;
	const char *name = strrchr(path, '/') + 1;
	char *want, *got;
	size_t unknown;

	if (pinhole_policy_load_file(path, d, &pol) ||
	    pinhole_ruleset_compile(pol, d, &r)) {
		pinhole_policy_free(pol);
		pinhole_diag_free(d);
		return;	/* an error case of the golden suite */
	}
	p = calloc(1, sizeof(*p));
	ok(nl_build_ruleset(r, 0, 1, &b) == 0, "%s: batch built", name);
	parse_batch(b->batch, p);
	ok(p->bad == 0, "%s: every message parses back", name);
	want = emit(r);
	back = decode(p, r->table, &unknown);
	got = back ? emit(back) : NULL;
	ok(back && unknown == 0, "%s: every rule is recognised", name);
	is_str(got, want, "%s: decode(build(IR)) prints as the IR", name);
	free(want);
	free(got);
	pinhole_ruleset_free(back);
	nl_built_free(b);
	free(p);
	pinhole_ruleset_free(r);
	pinhole_policy_free(pol);
	pinhole_diag_free(d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_dir(const char *srcdir, const char *sub)
{
	char dir[4096], *names[256];
	size_t n = 0;
	struct dirent *de;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/%s", srcdir, sub);
	dp = opendir(dir);
	if (!dp)
		return;
	while ((de = readdir(dp)) && n < ARRAY_SIZE(names)) {
		size_t len = strlen(de->d_name);

		if (len > 5 && !strcmp(de->d_name + len - 5, ".yaml"))
			names[n++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char path[8192];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		test_policy(path);
		free(names[i]);
	}
}

int main(void)
{
	const char *srcdir = getenv("srcdir");

	test_hand();
	test_flush();
	test_long_key();
	test_foreign_sets();
	if (srcdir) {
		test_dir(srcdir, "examples");
		test_dir(srcdir, "tests/golden");
	}
	return tap_done();
}
