// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Other firewalls (SPEC §6.6): every nftables table but pinhole's own with
 * a base chain on a hook pinhole filters, that drops or rejects what
 * pinhole may have accepted. A packet passes only if every base chain on
 * its hook accepts it, whatever the priorities: fw4's forward chain, a
 * Debian /etc/nftables.conf, Docker's iptables-nft FORWARD policy drop.
 *
 * Read through netlink dumps (libnftnl), never through nft: all chains of
 * every family, then the rules of the tables that have such a base chain,
 * following jump and goto inside the table. Verdict maps are not looked
 * into (their drops go unseen; their jumps are not followed).
 */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "pinhole.h"
#include "diag.h"
#include "nl.h"

/**
 * struct ochain - one chain of another table
 * @family: NFPROTO_*
 * @table: its table
 * @name: its name
 * @base: a base chain on one of the hooks below
 * @hook: NF_INET_* (base chains)
 * @prio: priority (base chains)
 * @policy: NF_DROP or NF_ACCEPT (base chains)
 * @drop: a rule of this chain drops
 * @reject: a rule of this chain rejects
 * @seen: visited by the walk of the current base chain
 */
struct ochain {
	uint32_t family;
	char table[NFT_TABLE_MAXNAMELEN];
	char name[NFT_CHAIN_MAXNAMELEN];
	bool base;
	uint32_t hook;
	int32_t prio;
	uint32_t policy;
	bool drop, reject, seen;
};

/* a jump or goto from chain @from to chain @to (same table) */
struct edge {
	size_t from;
	char to[NFT_CHAIN_MAXNAMELEN];
};

struct scan {
	const char *own;
	struct ochain *c;
	size_t n, cap;
	struct edge *e;
	size_t n_e, cap_e;
};

static const char *family_name(uint32_t f)
{
	switch (f) {
	case NFPROTO_INET: return "inet";
	case NFPROTO_IPV4: return "ip";
	case NFPROTO_IPV6: return "ip6";
	}
	return NULL;	/* bridge, netdev, arp: not the hooks pinhole filters */
}

static const char *hook_name(uint32_t h)
{
	switch (h) {
	case NF_INET_PRE_ROUTING: return "prerouting";
	case NF_INET_LOCAL_IN: return "input";
	case NF_INET_FORWARD: return "forward";
	case NF_INET_POST_ROUTING: return "postrouting";
	}
	return NULL;	/* output, ingress: pinhole does not filter them */
}

static void copy_name(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct scan *sc = data;
	struct nftnl_chain *ch = nftnl_chain_alloc();
	struct ochain *o;
	uint32_t family;
	const char *table;
	int ret = 0;

	if (!ch)
		return -ENOMEM;
	if (nftnl_chain_nlmsg_parse(nlh, ch) < 0) {
		ret = -EPROTO;
		goto out;
	}
	family = nftnl_chain_get_u32(ch, NFTNL_CHAIN_FAMILY);
	table = nftnl_chain_get_str(ch, NFTNL_CHAIN_TABLE);
	if (!family_name(family) || !table ||
	    (family == NFPROTO_INET && !strcmp(table, sc->own)))
		goto out;
	if (sc->n == sc->cap) {
		size_t cap = sc->cap ? sc->cap * 2 : 32;
		struct ochain *p = realloc(sc->c, cap * sizeof(*p));

		if (!p) {
			ret = -ENOMEM;
			goto out;
		}
		sc->c = p;
		sc->cap = cap;
	}
	o = &sc->c[sc->n++];
	memset(o, 0, sizeof(*o));
	o->family = family;
	copy_name(o->table, sizeof(o->table), table);
	copy_name(o->name, sizeof(o->name), nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME));
	if (nftnl_chain_is_set(ch, NFTNL_CHAIN_HOOKNUM)) {
		o->hook = nftnl_chain_get_u32(ch, NFTNL_CHAIN_HOOKNUM);
		o->base = hook_name(o->hook) != NULL;
		o->prio = nftnl_chain_get_s32(ch, NFTNL_CHAIN_PRIO);
		o->policy = nftnl_chain_is_set(ch, NFTNL_CHAIN_POLICY) ?
			    nftnl_chain_get_u32(ch, NFTNL_CHAIN_POLICY) : NF_ACCEPT;
	}
out:
	nftnl_chain_free(ch);
	return ret;
}

static ssize_t find_chain(const struct scan *sc, uint32_t family,
			  const char *table, const char *name)
{
	for (size_t i = 0; i < sc->n; i++)
		if (sc->c[i].family == family && !strcmp(sc->c[i].table, table) &&
		    !strcmp(sc->c[i].name, name))
			return (ssize_t)i;
	return -1;
}

static int add_edge(struct scan *sc, size_t from, const char *to)
{
	if (sc->n_e == sc->cap_e) {
		size_t cap = sc->cap_e ? sc->cap_e * 2 : 32;
		struct edge *p = realloc(sc->e, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		sc->e = p;
		sc->cap_e = cap;
	}
	sc->e[sc->n_e].from = from;
	copy_name(sc->e[sc->n_e].to, sizeof(sc->e[0].to), to);
	sc->n_e++;
	return 0;
}

/* What one expression of a rule of chain @o does to the walk. */
static int look_at(struct scan *sc, struct ochain *o, struct nftnl_expr *e)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (!name)
		return 0;
	if (!strcmp(name, "reject")) {
		o->reject = true;
	} else if (!strcmp(name, "immediate") &&
		   nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT)) {
		int32_t v = (int32_t)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);

		if (v == NF_DROP)
			o->drop = true;
		else if ((v == NFT_JUMP || v == NFT_GOTO) &&
			 nftnl_expr_is_set(e, NFTNL_EXPR_IMM_CHAIN))
			return add_edge(sc, (size_t)(o - sc->c),
					nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN));
	}
	return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct scan *sc = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr_iter *it = NULL;
	struct nftnl_expr *e;
	const char *table, *chain;
	ssize_t i;
	int ret = 0;

	if (!r)
		return -ENOMEM;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		ret = -EPROTO;
		goto out;
	}
	table = nftnl_rule_get_str(r, NFTNL_RULE_TABLE);
	chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	if (!table || !chain)
		goto out;
	i = find_chain(sc, nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY), table, chain);
	if (i < 0)
		goto out;	/* added after the chain dump: the next apply sees it */
	it = nftnl_expr_iter_create(r);
	if (!it) {
		ret = -ENOMEM;
		goto out;
	}
	while (!ret && (e = nftnl_expr_iter_next(it)))
		ret = look_at(sc, &sc->c[i], e);
out:
	nftnl_expr_iter_destroy(it);
	nftnl_rule_free(r);
	return ret;
}

/* The rules of the table of chain @i, unless an earlier chain had it. */
static int dump_rules(struct nl_sock *s, struct scan *sc, size_t i)
{
	char buf[NL_REQ_BUFSZ] = { 0 };	/* no uninitialised padding reaches sendto() */
	struct nftnl_rule *q;
	struct nlmsghdr *nlh;

	for (size_t j = 0; j < i; j++)
		if (sc->c[j].base && sc->c[j].family == sc->c[i].family &&
		    !strcmp(sc->c[j].table, sc->c[i].table))
			return 0;
	q = nftnl_rule_alloc();
	if (!q)
		return -ENOMEM;
	nftnl_rule_set_str(q, NFTNL_RULE_TABLE, sc->c[i].table);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, (uint16_t)sc->c[i].family,
				    NLM_F_DUMP, nl_seq(s));
	nftnl_rule_nlmsg_build_payload(nlh, q);
	nftnl_rule_free(q);
	return nl_request(s, nlh, rule_cb, sc);
}

/* Does a rule of chain @i, or of a chain it reaches, drop (2) or reject (1)? */
static int walk(struct scan *sc, size_t i)
{
	int v;

	if (sc->c[i].seen)
		return 0;
	sc->c[i].seen = true;
	v = sc->c[i].drop ? 2 : sc->c[i].reject ? 1 : 0;
	for (size_t k = 0; k < sc->n_e && v < 2; k++) {
		ssize_t to;
		int w;

		if (sc->e[k].from != i)
			continue;
		to = find_chain(sc, sc->c[i].family, sc->c[i].table, sc->e[k].to);
		if (to < 0)
			continue;
		w = walk(sc, (size_t)to);
		if (w > v)
			v = w;
	}
	return v;
}

static int scan_once(struct nl_sock *s, struct scan *sc)
{
	char buf[NL_REQ_BUFSZ] = { 0 };	/* no uninitialised padding reaches sendto() */
	struct nlmsghdr *nlh;
	int ret;

	sc->n = sc->n_e = 0;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_UNSPEC,
				    NLM_F_DUMP, nl_seq(s));
	ret = nl_request(s, nlh, chain_cb, sc);
	for (size_t i = 0; !ret && i < sc->n; i++)
		if (sc->c[i].base)
			ret = dump_rules(s, sc, i);
	return ret;
}

static void warn(struct pinhole_diag *d, const struct ochain *o, int by_rule)
{
	char how[64];

	if (o->policy == NF_DROP)
		snprintf(how, sizeof(how), "priority %d, policy drop", o->prio);
	else
		snprintf(how, sizeof(how), "priority %d, %s by rule", o->prio,
			 by_rule == 2 ? "drops" : "rejects");
	pinhole_warning(d, NULL, "table %s %s also filters %s (%s); what pinhole "
			"accepts can still be dropped there", family_name(o->family),
			o->table, hook_name(o->hook), how);
}

EXPORT_SYMBOL(pinhole_live_others);
int pinhole_live_others(const char *table, const char *netns,
			struct pinhole_diag *d)
{
	struct scan sc = { .own = table ? table : "" };
	struct nl_sock *s = NULL;
	int ret, n = 0;

	ret = nl_open(netns, &s);
	/* a commit between the dumps: look again */
	for (int attempt = 0; !ret && attempt < 5; attempt++) {
		ret = scan_once(s, &sc);
		if (ret != -EINTR)
			break;
		ret = 0;
		if (attempt == 4)
			ret = -EINTR;
	}
	for (size_t i = 0; !ret && i < sc.n; i++) {
		int by_rule;

		if (!sc.c[i].base)
			continue;
		for (size_t j = 0; j < sc.n; j++)
			sc.c[j].seen = false;
		by_rule = walk(&sc, i);
		if (sc.c[i].policy == NF_DROP || by_rule) {
			warn(d, &sc.c[i], by_rule);
			n++;
		}
	}
	free(sc.c);
	free(sc.e);
	nl_close(s);
	return ret ? ret : n;
}
