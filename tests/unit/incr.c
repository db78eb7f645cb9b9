// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Incremental apply without a kernel: incr_plan() on a compiled table
 * against the same table built into a batch and decoded back (what `apply`
 * reads from the kernel), and the element batch nl_build_elems() makes of
 * the plan: generation check, deletes before adds, one kernel element per
 * key of a concatenated range and start + END pairs in a single-field
 * interval set.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "pinhole.h"
#include "incr.h"
#include "ir.h"
#include "nl_build.h"
#include "nl_decode.h"
#include "tap.h"
#include "nlbatch.h"

#define MAXOBJ 256

static const char *const base =
	"version: 1\n"
	"zones:\n"
	"  wan:\n"
	"    interfaces: [wan0]\n"
	"  lan:\n"
	"    interfaces: [br-lan]\n"
	"hosts:\n"
	"  a: {ipv6: 2001:db8:1::a}\n"
	"  b: {ipv6: 2001:db8:1::b}\n"
	"  c: {ipv6: 2001:db8:1::c}\n"
	"  d: {ipv6: 2001:db8:1::d}\n"
	"pinholes:\n";

/* ------------------------------------------------ compile, build, decode */

static struct pinhole_ruleset *compile(const char *pinholes)
{
	struct pinhole_diag *d = pinhole_diag_new();
	struct pinhole_policy *p = NULL;
	struct pinhole_ruleset *r = NULL;
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s%s", base, pinholes);
	if (pinhole_policy_load_buffer("incr.yaml", buf, strlen(buf), d, &p) ||
	    pinhole_ruleset_compile(p, d, &r)) {
		pinhole_diag_print(d, stdout);
		r = NULL;
	}
	pinhole_policy_free(p);
	pinhole_diag_free(d);
	return r;
}

struct parsed {
	struct nftnl_chain *chains[MAXOBJ];
	struct nftnl_set *sets[MAXOBJ];
	struct nftnl_rule *rules[MAXOBJ];
	size_t n_chains, n_sets, n_rules;
};

/* Every message of a batch, in order. */
static size_t batch_msgs(struct nftnl_batch *b, struct nlmsghdr **out, size_t max)
{
	int n = nftnl_batch_iovec_len(b);
	struct iovec *iov = calloc(n, sizeof(*iov));
	size_t k = 0;

	nftnl_batch_iovec(b, iov, n);
	for (int i = 0; i < n; i++) {
		struct nlmsghdr *nlh = iov[i].iov_base;
		int len = (int)iov[i].iov_len;

		for (; NLMSG_OK(nlh, len) && k < max; nlh = NLMSG_NEXT(nlh, len))
			out[k++] = nlh;
	}
	free(iov);
	return k;
}

/* by id (anonymous sets are all "__set%d"), else by name */
static struct nftnl_set *find_set(struct parsed *p, const struct nftnl_set *of)
{
	const char *name = nftnl_set_get_str(of, NFTNL_SET_NAME);
	uint32_t id = nftnl_set_is_set(of, NFTNL_SET_ID) ?
		      nftnl_set_get_u32(of, NFTNL_SET_ID) : 0;

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

/* build(@r) parsed and decoded: the table as apply reads it back */
static struct pinhole_ruleset *live_of(const struct pinhole_ruleset *r)
{
	struct parsed *p = calloc(1, sizeof(*p));
	struct nlmsghdr *m[4096];
	struct nl_built *b = NULL;
	struct nl_decoder *d;
	struct pinhole_ruleset *out;
	size_t n;

	if (nl_build_ruleset(r, 0, 1, &b))
		return NULL;
	n = batch_msgs(b->batch, m, 4096);
	for (size_t i = 0; i < n; i++) {
		uint32_t type = NFNL_MSG_TYPE(m[i]->nlmsg_type);

		if (m[i]->nlmsg_type == NFNL_MSG_BATCH_BEGIN ||
		    m[i]->nlmsg_type == NFNL_MSG_BATCH_END)
			continue;
		if (type == NFT_MSG_NEWCHAIN) {
			p->chains[p->n_chains] = nftnl_chain_alloc();
			nftnl_chain_nlmsg_parse(m[i], p->chains[p->n_chains++]);
		} else if (type == NFT_MSG_NEWSET) {
			p->sets[p->n_sets] = nftnl_set_alloc();
			nftnl_set_nlmsg_parse(m[i], p->sets[p->n_sets++]);
		} else if (type == NFT_MSG_NEWSETELEM) {
			struct nftnl_set *tmp = nftnl_set_alloc(), *s;

			normalise_elems(m[i]);
			nftnl_set_elems_nlmsg_parse(m[i], tmp);
			s = find_set(p, tmp);
			if (s)
				nftnl_set_elems_nlmsg_parse(m[i], s);
			nftnl_set_free(tmp);
		} else if (type == NFT_MSG_NEWRULE) {
			p->rules[p->n_rules] = nftnl_rule_alloc();
			nftnl_rule_nlmsg_parse(m[i], p->rules[p->n_rules++]);
		}
	}
	d = nl_decoder_new(r->table);
	for (size_t i = 0; i < p->n_chains; i++)
		nl_decode_chain(d, p->chains[i]);
	for (size_t i = 0; i < p->n_sets; i++)
		nl_decode_set(d, p->sets[i]);
	for (size_t i = 0; i < p->n_rules; i++)
		nl_decode_rule(d, p->rules[i]);
	out = nl_decoder_result(d);
	nl_decoder_free(d);
	nl_built_free(b);
	free(p);
	return out;
}

/* ------------------------------------------------------------ the plan */

static const struct nl_elem_delta *delta_of(const struct incr_plan *p,
					    const char *set)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->d[i].set->name, set))
			return &p->d[i];
	return NULL;
}

static bool has_comment(const struct ir_elem *const *v, size_t n, const char *c)
{
	for (size_t i = 0; i < n; i++)
		if (v[i]->comment && !strcmp(v[i]->comment, c))
			return true;
	return false;
}

#define P1 "  - {name: p1, host: a, ports: 443}\n"
#define P2 "  - {name: p2, host: b, ports: 8000-8010}\n"
#define P2W "  - {name: p2, host: b, ports: 8000-8020}\n"
#define P3 "  - {name: p3, host: c, proto: udp, ports: 53}\n"
#define P4 "  - {name: p4, host: d, ports: 22}\n"
#define P5 "  - {name: p5, host: d, proto: udp, ports: 5000-5001}\n"

static void test_same(void)
{
	struct pinhole_ruleset *a = compile(P1 P2 P3), *live = a ? live_of(a) : NULL;
	struct incr_plan p;

	ok(live != NULL, "same: compiled and decoded");
	if (!live)
		return;
	ok(incr_plan(live, a, &p) == 0 && p.n == 0 && !p.n_del && !p.n_add,
	   "same: decoded table against its own compile: incremental, nothing to send");
	incr_plan_free(&p);
	ok(incr_plan(NULL, a, &p) == 1 && p.why && strstr(p.why, "no table"),
	   "absent table: full replace (%s)", p.why ? p.why : "");
	pinhole_ruleset_free(live);
	pinhole_ruleset_free(a);
}

static void test_change(void)
{
	struct pinhole_ruleset *a = compile(P1 P2 P3 P5), *b = compile(P1 P2W P4 P5);
	struct pinhole_ruleset *live = a ? live_of(a) : NULL;
	const struct nl_elem_delta *pin6, *pin6r;
	struct incr_plan p;
	int ret;

	ok(a && b && live, "change: compiled and decoded");
	if (!a || !b || !live)
		return;
	ret = incr_plan(live, b, &p);
	ok(ret == 0, "change: add one, remove one, widen a range: incremental (%s)",
	   ret ? p.why : "");
	pin6 = delta_of(&p, "pin6");
	pin6r = delta_of(&p, "pin6r");
	ok(p.n == 2 && pin6 && pin6r, "change: two sets change (pin6, pin6r)");
	ok(pin6 && pin6->n_del == 1 && pin6->n_add == 1 &&
	   has_comment(pin6->del, pin6->n_del, "p3") &&
	   has_comment(pin6->add, pin6->n_add, "p4"),
	   "change: pin6 deletes p3's element and adds p4's");
	ok(pin6r && pin6r->n_del == 1 && pin6r->n_add == 1 &&
	   has_comment(pin6r->del, 1, "p2") && has_comment(pin6r->add, 1, "p2") &&
	   pin6r->add[0]->key_end[20] == 8020 >> 8 && pin6r->add[0]->key_end[21] == (8020 & 0xff),
	   "change: pin6r replaces p2's range 8000-8010 by 8000-8020, p5's range kept");
	ok(p.n_del == 2 && p.n_add == 2, "change: 2 elements deleted, 2 added in all");
	incr_plan_free(&p);
	pinhole_ruleset_free(live);
	pinhole_ruleset_free(a);
	pinhole_ruleset_free(b);
}

static void test_full(void)
{
	struct pinhole_ruleset *a = compile(P1 P3), *b = compile(P1 P2 P3);
	struct pinhole_ruleset *live = a ? live_of(a) : NULL;
	struct incr_plan p;
	char big[64 * 64];
	size_t len = 0;
	int ret;

	if (!a || !b || !live) {
		ok(0, "full: compiled");
		return;
	}
	/* pin6r appears: a new set and a new rule */
	ret = incr_plan(live, b, &p);
	ok(ret == 1 && p.why, "full: a new set (the first range): full replace (%s)",
	   p.why ? p.why : "");
	incr_plan_free(&p);
	/* foreign objects and rules the decoder does not know */
	ir_foreign_add(live, "flowtable \"ft\"");
	ret = incr_plan(live, a, &p);
	ok(ret == 1 && strstr(p.why, "does not write"),
	   "full: a foreign object in the live table: full replace");
	incr_plan_free(&p);
	pinhole_ruleset_free(live);
	live = live_of(a);
	live->chains[0]->rules[0].unknown = true;
	ret = incr_plan(live, a, &p);
	ok(ret == 1 && strstr(p.why, "recognise"),
	   "full: a rule not recognised in the live table: full replace");
	incr_plan_free(&p);
	pinhole_ruleset_free(live);
	pinhole_ruleset_free(b);
	/* 65 pinholes: the hash set's declared size crosses 64 */
	for (int i = 0; i < 65; i++)
		len += snprintf(big + len, sizeof(big) - len,
				"  - {name: q%d, host: a, ports: %d}\n", i, 1000 + i);
	b = compile(big);
	live = live_of(a);
	ret = b ? incr_plan(live, b, &p) : -1;
	ok(ret == 1, "full: the set's size grows past 64: its declaration differs, full replace");
	incr_plan_free(&p);
	pinhole_ruleset_free(live);
	pinhole_ruleset_free(a);
	pinhole_ruleset_free(b);
}

/* ---------------------------------------------------------- the batch */

struct elem_msg {
	uint16_t type, flags;
	size_t n, n_end, n_key_end;
	char set[64];
};

static size_t elem_msgs(struct nl_built *bt, struct elem_msg *out, size_t max,
			uint32_t *genid, size_t *n_all)
{
	struct nlmsghdr *m[256];
	size_t n = batch_msgs(bt->batch, m, 256), k = 0;

	*n_all = n;
	*genid = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t type = NFNL_MSG_TYPE(m[i]->nlmsg_type);
		struct nftnl_set *s;
		struct nftnl_set_elems_iter *it;
		struct nftnl_set_elem *e;

		if (m[i]->nlmsg_type == NFNL_MSG_BATCH_BEGIN) {
			struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(m[i]) +
					   NLMSG_ALIGN(sizeof(struct nfgenmsg)));

			if ((char *)a < (char *)m[i] + m[i]->nlmsg_len &&
			    (a->nla_type & NLA_TYPE_MASK) == NFNL_BATCH_GENID)
				*genid = ntohl(*(uint32_t *)((char *)a + NLA_HDRLEN));
			continue;
		}
		if ((type != NFT_MSG_NEWSETELEM && type != NFT_MSG_DELSETELEM) || k == max)
			continue;
		s = nftnl_set_alloc();
		normalise_elems(m[i]);
		nftnl_set_elems_nlmsg_parse(m[i], s);
		memset(&out[k], 0, sizeof(out[k]));
		out[k].type = (uint16_t)type;
		out[k].flags = m[i]->nlmsg_flags;
		snprintf(out[k].set, sizeof(out[k].set), "%s",
			 nftnl_set_get_str(s, NFTNL_SET_NAME));
		it = nftnl_set_elems_iter_create(s);
		while ((e = nftnl_set_elems_iter_next(it))) {
			out[k].n++;
			if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) &&
			    (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) &
			     NFT_SET_ELEM_INTERVAL_END))
				out[k].n_end++;
			out[k].n_key_end += nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END);
		}
		nftnl_set_elems_iter_destroy(it);
		nftnl_set_free(s);
		k++;
	}
	return k;
}

static void test_batch(void)
{
	struct pinhole_ruleset *a = compile(P1 P2 P3 P5), *b = compile(P1 P2W P4 P5);
	struct pinhole_ruleset *live = a ? live_of(a) : NULL;
	struct elem_msg em[16];
	struct nl_built *bt = NULL;
	struct incr_plan p;
	size_t n = 0, all = 0;
	uint32_t genid = 0;
	bool dels_first = true, seen_new = false;

	if (!live || incr_plan(live, b, &p)) {
		ok(0, "batch: planned");
		return;
	}
	ok(nl_build_elems(b->table, p.d, p.n, 4711, 100, &bt) == 0, "batch: built");
	if (bt)
		n = elem_msgs(bt, em, 16, &genid, &all);
	ok(genid == 4711, "batch: BATCH_BEGIN carries the generation read (NFTA_GEN_ID %u)",
	   genid);
	ok(all == n + 2, "batch: nothing but element messages between BEGIN and END");
	for (size_t i = 0; i < n; i++) {
		if (em[i].type == NFT_MSG_NEWSETELEM)
			seen_new = true;
		else if (seen_new)
			dels_first = false;
	}
	ok(n == 4 && dels_first, "batch: DELSETELEM of both sets, then NEWSETELEM");
	ok(n == 4 && (em[2].flags & NLM_F_EXCL) && (em[2].flags & NLM_F_CREATE) &&
	   !(em[0].flags & NLM_F_CREATE),
	   "batch: adds are NLM_F_CREATE|NLM_F_EXCL, deletes plain");
	for (size_t i = 0; i < n; i++)
		if (!strcmp(em[i].set, "pin6r"))
			ok(em[i].n == 1 && em[i].n_key_end == 1,
			   "batch: concatenated range %s: one element with KEY_END",
			   em[i].type == NFT_MSG_DELSETELEM ? "delete" : "add");
	nl_built_free(bt);
	incr_plan_free(&p);
	pinhole_ruleset_free(live);
	pinhole_ruleset_free(a);
	pinhole_ruleset_free(b);
}

/* A single-field interval set (rbtree): start + END pairs, the 0 END kept. */
static struct ir_elem *range(struct ir_set *s, uint16_t lo, uint16_t hi)
{
	struct ir_elem *e = ir_set_add_elem(s);

	e->key[0] = lo >> 8, e->key[1] = lo & 0xff;
	e->key_end[0] = hi >> 8, e->key_end[1] = hi & 0xff;
	return e;
}

static struct pinhole_ruleset *ports(const uint16_t (*r)[2], size_t n)
{
	struct pinhole_ruleset *t = ir_ruleset_new("pinhole");
	struct ir_set *s = ir_set_add(t, "ports");

	s->n_keys = 1;
	s->keys[0].field = IR_F_TH_DPORT;
	s->flags = IR_SET_INTERVAL;
	for (size_t i = 0; i < n; i++)
		range(s, r[i][0], r[i][1]);
	return t;
}

static void test_interval(void)
{
	static const uint16_t was[][2] = { { 22, 22 }, { 8000, 8010 }, { 9000, 65535 } };
	static const uint16_t now[][2] = { { 0, 21 }, { 22, 22 }, { 8000, 8020 },
					   { 9000, 65535 } };
	static const uint16_t back[][2] = { { 22, 22 }, { 9000, 65535 } };
	struct pinhole_ruleset *a = ports(was, 3), *b = ports(now, 4), *c = ports(back, 2);
	struct elem_msg em[8];
	struct nl_built *bt = NULL;
	struct incr_plan p;
	size_t n = 0, all;
	uint32_t genid;
	int ret;

	ret = incr_plan(a, b, &p);
	ok(ret == 0 && p.n == 1 && p.d[0].n_del == 1 && p.d[0].n_add == 2 &&
	   p.d[0].del_zero && !p.d[0].add_zero,
	   "interval: 8000-8010 out, 0-21 and 8000-8020 in; a range starts at 0 now: "
	   "the END at 0 goes");
	if (!ret && !nl_build_elems("pinhole", p.d, p.n, 1, 1, &bt))
		n = elem_msgs(bt, em, 8, &genid, &all);
	ok(n == 2 && em[0].type == NFT_MSG_DELSETELEM && em[0].n == 3 && em[0].n_end == 2,
	   "interval: delete start 8000, END 8011 and the END at 0");
	ok(n == 2 && em[1].type == NFT_MSG_NEWSETELEM && em[1].n == 4 && em[1].n_end == 2,
	   "interval: add start 0, END 22, start 8000, END 8021");
	nl_built_free(bt);
	bt = NULL;
	incr_plan_free(&p);
	n = 0;
	ret = incr_plan(b, c, &p);
	ok(ret == 0 && p.d[0].n_del == 2 && p.d[0].n_add == 0 && p.d[0].add_zero,
	   "interval: the range at 0 goes: the END at 0 comes back");
	if (!ret && !nl_build_elems("pinhole", p.d, p.n, 1, 1, &bt))
		n = elem_msgs(bt, em, 8, &genid, &all);
	ok(n == 2 && em[0].n == 4 && em[0].n_end == 2 && em[1].n == 1 && em[1].n_end == 1,
	   "interval: delete 0-21 and 8000-8020 (4 kernel elements), add the END at 0; "
	   "9000-65535 (open: no END) kept");
	nl_built_free(bt);
	incr_plan_free(&p);
	pinhole_ruleset_free(a);
	pinhole_ruleset_free(b);
	pinhole_ruleset_free(c);
}

int main(void)
{
	test_same();
	test_change();
	test_full();
	test_batch();
	test_interval();
	return tap_done();
}
