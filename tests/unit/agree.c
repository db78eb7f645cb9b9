// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * UCI and nft agree: for every example and golden policy and 200 generated
 * ones (tests/gen-policy.py), the pinholes `pinhole uci` prints and the
 * pinholes decoded from the compiled table are the same set of tuples
 * (destination, proto, port, family, from; for a forward also the outside
 * port).
 *
 * The uci side is the ruleset's logical layer, the branch list uci prints
 * from (tests/unit/uci checks the printed text against it). The table side
 * goes the whole way: the netlink batch `apply` would send, parsed back
 * with libnftnl and decoded (nl_decode.c), then read into tuples by the
 * shape of its rules alone, never by chain or set names: a lookup of a
 * named set that accepts, a DNAT through a map, a counted accept or DNAT
 * with a source match. The rest of the table is boilerplate and ignored.
 * Both sides are normalised alike: per everything else, port ranges are
 * merged, so duplicates, overlaps and a range forwarded port by port
 * compare equal to what the policy wrote.
 */
#include "config.h"

#include <glob.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "pinhole.h"
#include "ast.h"
#include "ir.h"
#include "nl_build.h"
#include "nl_decode.h"
#include "tap.h"
#include "nlbatch.h"

#define N_GENERATED	200
#define MAX_SEEDS	400	/* ~3% of the seeds give no valid policy */

/* ------------------------------------------------------------ tuples */

enum dest { D_SELF, D_PREFIX, D_SUFFIX };

/*
 * One (proto, port range) of a pinhole. Everything before @lo is the key
 * the ranges are merged under; a tuple is zeroed before it is filled, so
 * memcmp() sees no stray padding.
 */
struct tuple {
	uint8_t family;
	uint8_t dest;		/* enum dest */
	uint8_t dplen;		/* D_PREFIX: prefix length; D_SUFFIX: N of /-N */
	uint8_t proto;
	uint8_t daddr[16];
	uint8_t has_from;
	uint8_t fplen;
	uint8_t faddr[16];
	uint8_t dnat;
	int32_t shift;		/* forwards: outside port - host port */
	uint16_t lo, hi;	/* host-side ports */
};

#define TUPLE_KEY offsetof(struct tuple, lo)

struct tuples {
	struct tuple *v;
	size_t n, cap;
	char err[256];		/* the first thing that could not be read */
};

static struct tuple *push(struct tuples *t, const struct tuple *x)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = realloc(t->v, t->cap * sizeof(*t->v));
		if (!t->v)
			abort();
	}
	t->v[t->n] = *x;
	return &t->v[t->n++];
}

static void bad(struct tuples *t, const char *what, const char *where)
{
	if (!t->err[0])
		snprintf(t->err, sizeof(t->err), "%s (%s)", what, where);
}

static void mask_to(uint8_t *a, unsigned int plen, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++) {
		unsigned int bits = plen > i * 8 ? plen - i * 8 : 0;

		a[i] &= bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);
	}
}

/* The prefix whose range is [@lo, @hi]; false if it is not one. */
static bool prefix_of(const uint8_t *lo, const uint8_t *hi, unsigned int len,
		      uint8_t *addr, uint8_t *plen)
{
	unsigned int p = 0;
	uint8_t l2[16], h2[16];

	while (p < len * 8 && !((lo[p / 8] ^ hi[p / 8]) & (0x80 >> (p % 8))))
		p++;
	ir_prefix_range(lo, p, len, l2, h2);
	if (memcmp(l2, lo, len) || memcmp(h2, hi, len))
		return false;
	memset(addr, 0, 16);
	memcpy(addr, lo, len);
	*plen = (uint8_t)p;
	return true;
}

static unsigned int popcount(const uint8_t *m, unsigned int len)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < len; i++)
		n += (unsigned int)__builtin_popcount(m[i]);
	return n;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int cmp_tuple(const void *a, const void *b)
{
	const struct tuple *x = a, *y = b;
	int c = memcmp(x, y, TUPLE_KEY);

	if (c)
		return c;
	return x->lo != y->lo ? (x->lo < y->lo ? -1 : 1) : (x->hi > y->hi) - (x->hi < y->hi);
}

/* Sort, then merge the port ranges that overlap or touch under one key. */
static void normalise(struct tuples *t)
{
	size_t out = 0;

	if (!t->n)
		return;		/* t->v may be NULL: not for qsort() */
	qsort(t->v, t->n, sizeof(*t->v), cmp_tuple);
	for (size_t i = 0; i < t->n; i++) {
		struct tuple *o = out ? &t->v[out - 1] : NULL;

		if (o && !memcmp(o, &t->v[i], TUPLE_KEY) &&
		    (uint32_t)t->v[i].lo <= (uint32_t)o->hi + 1) {
			if (t->v[i].hi > o->hi)
				o->hi = t->v[i].hi;
			continue;
		}
		t->v[out++] = t->v[i];
	}
	t->n = out;
}

static void describe(const struct tuple *x, char *buf, size_t len)
{
	char d[INET6_ADDRSTRLEN] = "self", f[INET6_ADDRSTRLEN] = "any";
	int af = x->family == 6 ? AF_INET6 : AF_INET;

	if (x->dest != D_SELF)
		inet_ntop(af, x->daddr, d, sizeof(d));
	if (x->has_from)
		inet_ntop(af, x->faddr, f, sizeof(f));
	snprintf(buf, len, "ipv%u %s%s%u %s %u-%u from %s/%u%s shift %d",
		 x->family, d, x->dest == D_SUFFIX ? "/-" : "/", x->dplen,
		 x->proto == IPPROTO_TCP ? "tcp" : x->proto == IPPROTO_UDP ? "udp" : "?",
		 x->lo, x->hi, f, x->fplen, x->dnat ? " dnat" : "", x->shift);
}

/* Equal sets, or the first tuple in which they differ (in @why). */
static bool same(const struct tuples *a, const struct tuples *b, char *why, size_t len)
{
	size_t i = 0, j = 0;
	char s[256];

	while (i < a->n && j < b->n && !memcmp(&a->v[i], &b->v[j], sizeof(a->v[i])))
		i++, j++;
	if (i == a->n && j == b->n)
		return true;
	if (i < a->n && (j == b->n || cmp_tuple(&a->v[i], &b->v[j]) < 0)) {
		describe(&a->v[i], s, sizeof(s));
		snprintf(why, len, "uci only: %s", s);
	} else {
		describe(&b->v[j], s, sizeof(s));
		snprintf(why, len, "table only: %s", s);
	}
	return false;
}

static bool nested_from(const struct ir_pinhole *lp);

/* ------------------------------------------------ the uci side: branches */

/* The tuples of the logical layer; those of nested from: go to @nested. */
static void uci_tuples(const struct pinhole_ruleset *r, struct tuples *all,
		       struct tuples *nested)
{
	for (size_t p = 0; p < r->n_pinholes; p++) {
		const struct ir_pinhole *lp = &r->pinholes[p];
		unsigned int alen = lp->family == 6 ? 16 : 4;
		struct tuples *t = nested_from(lp) ? nested : all;
		struct tuple x;

		memset(&x, 0, sizeof(x));
		x.family = lp->family;
		x.dnat = lp->dnat;
		switch (lp->kind) {
		case IR_PH_SELF:
			x.dest = D_SELF;
			break;
		case IR_PH_SUFFIX:
			x.dest = D_SUFFIX;
			x.dplen = lp->plen;
			memcpy(x.daddr, lp->addr, 16);
			break;
		case IR_PH_EXACT:
		case IR_PH_SUBNET:
			x.dest = D_PREFIX;
			x.dplen = lp->kind == IR_PH_EXACT ? alen * 8 : lp->plen;
			memcpy(x.daddr, lp->addr, alen);
			mask_to(x.daddr, x.dplen, alen);
			break;
		}
		for (unsigned int pi = 0; pi < 2; pi++) {
			if (!(lp->protos & (pi ? PH_PROTO_UDP : PH_PROTO_TCP)))
				continue;
			x.proto = pi ? IPPROTO_UDP : IPPROTO_TCP;
			for (size_t i = 0; i < lp->n_ports; i++) {
				x.lo = lp->ports[i].lo;
				x.hi = lp->ports[i].hi;
				x.shift = lp->dnat ? lp->ext[i].lo - lp->ports[i].lo : 0;
				for (size_t j = 0; j < (lp->n_from ? lp->n_from : 1); j++) {
					if (lp->n_from) {
						x.has_from = 1;
						x.fplen = (uint8_t)lp->from_plen[j];
						memset(x.faddr, 0, 16);
						memcpy(x.faddr, lp->from_addr[j], alen);
						mask_to(x.faddr, x.fplen, alen);
					}
					push(t, &x);
				}
			}
		}
	}
}

/*
 * A from: list whose prefixes nest (::/0 and a /48, say) would become an
 * anonymous interval set with overlapping elements: `nft -f` merges them,
 * but the kernel given them by `apply` keeps a truncated interval and the
 * table drops sources the policy accepts. The lowering (lib/lower.c)
 * drops a covered prefix; this finds any that still gets through.
 */
static bool nested_from(const struct ir_pinhole *lp)
{
	unsigned int alen = lp->family == 6 ? 16 : 4;

	for (size_t i = 0; i < lp->n_from; i++)
		for (size_t j = 0; j < lp->n_from; j++) {
			uint8_t a[16];

			if (i == j || lp->from_plen[i] > lp->from_plen[j])
				continue;
			memcpy(a, lp->from_addr[j], 16);
			mask_to(a, lp->from_plen[i], alen);
			if (!memcmp(a, lp->from_addr[i], alen))
				return true;
		}
	return false;
}

/* Is the rule commented @name in @family such a pinhole's? */
static bool nested_rule(const struct pinhole_ruleset *r, const char *name,
			int family)
{
	for (size_t p = 0; name && p < r->n_pinholes; p++)
		if (r->pinholes[p].family == family &&
		    !strcmp(r->pinholes[p].name, name))
			return nested_from(&r->pinholes[p]);
	return false;
}

/* ----------------------------------------------- the table side: rules */

/* One component of a key: where it sits, and the key it belongs to. */
static int comp(const struct ir_key *keys, unsigned int n, enum ir_field f)
{
	for (unsigned int i = 0; i < n; i++)
		if (keys[i].field == f)
			return (int)i;
	return -1;
}

/* The elements of named set @s, read through the lookup keys @keys. */
static void lookup_tuples(struct tuples *t, const struct ir_set *s,
			  const struct ir_key *keys, unsigned int n, int family)
{
	int cd = comp(keys, n, IR_F_IP6_DADDR), cp = comp(keys, n, IR_F_L4PROTO),
	    cport = comp(keys, n, IR_F_TH_DPORT);

	if (cp < 0 || cport < 0 || !family) {
		bad(t, "a lookup without proto, port or family", s->name);
		return;
	}
	for (size_t i = 0; i < s->n_elems; i++) {
		const struct ir_elem *e = &s->elems[i];
		unsigned int op = ir_keys_off(keys, (unsigned int)cp),
			     oport = ir_keys_off(keys, (unsigned int)cport);
		struct tuple x;

		memset(&x, 0, sizeof(x));
		x.family = (uint8_t)family;
		x.dest = D_SELF;
		if (cd >= 0) {
			unsigned int od = ir_keys_off(keys, (unsigned int)cd);
			const struct ir_key *k = &keys[cd];

			if (k->masked) {
				x.dest = D_SUFFIX;
				x.dplen = (uint8_t)popcount(k->mask, 16);
				for (unsigned int b = 0; b < 16; b++)
					x.daddr[b] = e->key[od + b] & k->mask[b];
				if (memcmp(e->key + od, e->key_end + od, 16))
					bad(t, "a suffix element that is a range", s->name);
			} else {
				x.dest = D_PREFIX;
				if (!prefix_of(e->key + od, e->key_end + od, 16, x.daddr, &x.dplen))
					bad(t, "an address range that is no prefix", s->name);
			}
		}
		if (e->key[op] != e->key_end[op])
			bad(t, "a proto range", s->name);
		x.proto = e->key[op];
		x.lo = be16(e->key + oport);
		x.hi = be16(e->key_end + oport);
		push(t, &x);
	}
}

/* `dnat ip to proto . port map @m`: host address (and port) per element. */
static void map_tuples(struct tuples *t, const struct ir_stmt *st)
{
	const struct ir_set *m = st->dnat_map.map;
	int cp = comp(st->dnat_map.keys, st->dnat_map.n_keys, IR_F_L4PROTO),
	    cport = comp(st->dnat_map.keys, st->dnat_map.n_keys, IR_F_TH_DPORT);

	if (!m || cp < 0 || cport < 0 || !m->n_data) {
		bad(t, "a dnat map of another shape", m ? m->name : "?");
		return;
	}
	for (size_t i = 0; i < m->n_elems; i++) {
		const struct ir_elem *e = &m->elems[i];
		unsigned int op = ir_keys_off(st->dnat_map.keys, (unsigned int)cp),
			     oport = ir_keys_off(st->dnat_map.keys, (unsigned int)cport);
		uint16_t lo = be16(e->key + oport), hi = be16(e->key_end + oport);
		struct tuple x;

		memset(&x, 0, sizeof(x));
		x.family = 4;
		x.dnat = 1;
		x.dest = D_PREFIX;
		x.dplen = 32;
		memcpy(x.daddr, e->data, 4);
		x.proto = e->key[op];
		x.lo = lo;
		x.hi = hi;
		if (m->n_data > 1) {	/* address . port: one outside port each */
			if (lo != hi)
				bad(t, "a range mapped to one port", m->name);
			x.lo = x.hi = be16(e->data + 4);
			x.shift = lo - x.lo;
		}
		push(t, &x);
	}
}

/* The values of a match: itself, or the elements of its anonymous set. */
struct vals {
	size_t n;
	uint8_t lo[64][16], hi[64][16];
};

static bool match_vals(const struct ir_match *m, struct vals *v)
{
	v->n = 0;
	if (m->op == IR_OP_EQ) {
		memcpy(v->lo[0], m->lo, 16);
		memcpy(v->hi[0], m->hi, 16);
		v->n = 1;
		return true;
	}
	if (m->op != IR_OP_LOOKUP || !m->set || !(m->set->flags & IR_SET_ANON) ||
	    m->set->n_elems > 64)
		return false;
	for (size_t i = 0; i < m->set->n_elems; i++) {
		memcpy(v->lo[v->n], m->set->elems[i].key, 16);
		memcpy(v->hi[v->n++], m->set->elems[i].key_end, 16);
	}
	return true;
}

/* A counted accept or DNAT with a source match: a from: pinhole's rule. */
static void restricted_tuples(struct tuples *t, const struct ir_rule *rl,
			      const char *chain)
{
	static struct vals from, proto, port;
	const struct ir_match *dst = NULL;
	const struct ir_stmt *dnat = NULL;
	struct tuple x;

	memset(&x, 0, sizeof(x));
	from.n = proto.n = port.n = 0;
	for (unsigned int i = 0; i < rl->n_stmts; i++)
		if (rl->stmts[i].type == IR_S_DNAT)
			dnat = &rl->stmts[i];
	for (unsigned int i = 0; i < rl->n_matches; i++) {
		const struct ir_match *m = &rl->matches[i];
		bool ok_ = true;

		switch (m->keys[0].field) {
		case IR_F_NFPROTO:
			x.family = m->lo[0] == NFPROTO_IPV6 ? 6 : 4;
			break;
		case IR_F_IP6_SADDR:
		case IR_F_IP_SADDR:
			ok_ = match_vals(m, &from);
			break;
		case IR_F_IP6_DADDR:
			dst = m;
			break;
		case IR_F_L4PROTO:
			ok_ = match_vals(m, &proto);
			break;
		case IR_F_TH_DPORT:
			ok_ = match_vals(m, &port);
			break;
		case IR_F_IIFNAME:
		case IR_F_FIB_DADDR_TYPE:
			break;
		default:
			ok_ = false;
		}
		if (!ok_)
			bad(t, "a pinhole rule with a match of another shape", chain);
	}
	if (!x.family || !from.n || !proto.n || !port.n) {
		bad(t, "a pinhole rule without family, proto or port", chain);
		return;
	}
	x.dest = D_SELF;
	if (dnat) {
		x.dnat = 1;
		x.dest = D_PREFIX;
		x.dplen = 32;
		memcpy(x.daddr, dnat->dnat.addr, 4);
	} else if (dst && dst->keys[0].masked) {
		x.dest = D_SUFFIX;
		x.dplen = (uint8_t)popcount(dst->keys[0].mask, 16);
		for (unsigned int b = 0; b < 16; b++)
			x.daddr[b] = dst->lo[b] & dst->keys[0].mask[b];
	} else if (dst) {
		x.dest = D_PREFIX;
		if (dst->op != IR_OP_EQ ||
		    !prefix_of(dst->lo, dst->hi, 16, x.daddr, &x.dplen))
			bad(t, "a destination that is no prefix", chain);
	}
	x.has_from = 1;
	for (size_t f = 0; f < from.n; f++) {
		if (!prefix_of(from.lo[f], from.hi[f], x.family == 6 ? 16 : 4,
			       x.faddr, &x.fplen))
			bad(t, "a source that is no prefix", chain);
		for (size_t p = 0; p < proto.n; p++) {
			x.proto = proto.lo[p][0];
			for (size_t q = 0; q < port.n; q++) {
				x.lo = be16(port.lo[q]);
				x.hi = be16(port.hi[q]);
				if (dnat && dnat->dnat.port) {
					if (x.lo != x.hi)
						bad(t, "a range forwarded to one port", chain);
					x.shift = x.lo - dnat->dnat.port;
					x.lo = x.hi = dnat->dnat.port;
				}
				push(t, &x);
			}
		}
	}
}

/*
 * The tuples of the decoded table @r; those of the rules of nested from:
 * pinholes (by the rule's comment, the pinhole's name, in @logical) go to
 * @nested.
 */
static void table_tuples(const struct pinhole_ruleset *r,
			 const struct pinhole_ruleset *logical,
			 struct tuples *t, struct tuples *nested)
{
	for (size_t c = 0; c < r->n_chains; c++) {
		const struct ir_chain *ch = r->chains[c];

		for (size_t i = 0; i < ch->n_rules; i++) {
			const struct ir_rule *rl = &ch->rules[i];
			bool accept = false, counter = false, saddr = false;
			const struct ir_stmt *map = NULL, *dnat = NULL;
			const struct ir_match *lookup = NULL;
			int family = 0;

			if (rl->unknown) {
				bad(t, "a rule nl_decode did not recognise", ch->name);
				continue;
			}
			for (unsigned int k = 0; k < rl->n_stmts; k++) {
				const struct ir_stmt *st = &rl->stmts[k];

				accept |= st->type == IR_S_ACCEPT;
				counter |= st->type == IR_S_COUNTER;
				if (st->type == IR_S_DNAT_MAP)
					map = st;
				if (st->type == IR_S_DNAT)
					dnat = st;
			}
			for (unsigned int k = 0; k < rl->n_matches; k++) {
				const struct ir_match *m = &rl->matches[k];
				enum ir_field f = m->keys[0].field;

				if (f == IR_F_NFPROTO)
					family = m->lo[0] == NFPROTO_IPV6 ? 6 : 4;
				saddr |= f == IR_F_IP6_SADDR || f == IR_F_IP_SADDR;
				if (m->op == IR_OP_LOOKUP && m->set &&
				    !(m->set->flags & IR_SET_ANON))
					lookup = m;
			}
			if (lookup && accept)
				lookup_tuples(t, lookup->set, lookup->keys,
					      lookup->n_keys, family);
			else if (map)
				map_tuples(t, map);
			else if (saddr && counter && (accept || dnat))
				restricted_tuples(nested_rule(logical, rl->comment,
							      dnat ? 4 : family) ?
						  nested : t, rl, ch->name);
		}
	}
}

/* ----------------------------------- the table, through netlink and back */

static struct nftnl_set *find_set(struct nftnl_set **sets, size_t n,
				  const char *name, uint32_t id)
{
	for (size_t i = 0; i < n; i++) {
		if (id && nftnl_set_is_set(sets[i], NFTNL_SET_ID) &&
		    nftnl_set_get_u32(sets[i], NFTNL_SET_ID) == id)
			return sets[i];
		if (!id && !strcmp(nftnl_set_get_str(sets[i], NFTNL_SET_NAME), name))
			return sets[i];
	}
	return NULL;
}

/*
 * Every message of the batch back into libnftnl objects, then through the
 * decoder (chains, then sets with their elements, then rules, as
 * nl_decode.h asks). NULL if anything did not parse or decode.
 */
static struct pinhole_ruleset *round_trip(const struct pinhole_ruleset *r)
{
	struct nftnl_chain **chains = NULL;
	struct nftnl_rule **rules = NULL;
	struct nftnl_set **sets = NULL;
	size_t n_chains = 0, n_rules = 0, n_sets = 0;
	struct pinhole_ruleset *out = NULL;
	struct nl_decoder *d = NULL;
	struct nl_built *b = NULL;
	struct iovec *iov = NULL;
	int bad_ = 0, n;

	if (nl_build_ruleset(r, 0, 1, &b))
		return NULL;
	n = nftnl_batch_iovec_len(b->batch);
	iov = calloc((size_t)n, sizeof(*iov));
	/* one object per message at most */
	chains = calloc(b->n_msgs + 1, sizeof(*chains));
	sets = calloc(b->n_msgs + 1, sizeof(*sets));
	rules = calloc(b->n_msgs + 1, sizeof(*rules));
	if (!iov || !chains || !sets || !rules)
		goto out;
	nftnl_batch_iovec(b->batch, iov, n);
	for (int i = 0; i < n; i++) {
		struct nlmsghdr *nlh = iov[i].iov_base;
		int len = (int)iov[i].iov_len;

		for (; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
			struct nftnl_set *tmp, *s;

			switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
			case NFT_MSG_NEWCHAIN:
				chains[n_chains] = nftnl_chain_alloc();
				bad_ |= nftnl_chain_nlmsg_parse(nlh, chains[n_chains++]) < 0;
				break;
			case NFT_MSG_NEWSET:
				sets[n_sets] = nftnl_set_alloc();
				bad_ |= nftnl_set_nlmsg_parse(nlh, sets[n_sets++]) < 0;
				break;
			case NFT_MSG_NEWSETELEM:
				normalise_elems(nlh);
				tmp = nftnl_set_alloc();
				bad_ |= nftnl_set_elems_nlmsg_parse(nlh, tmp) < 0;
				s = find_set(sets, n_sets, nftnl_set_get_str(tmp, NFTNL_SET_NAME),
					     nftnl_set_is_set(tmp, NFTNL_SET_ID) ?
					     nftnl_set_get_u32(tmp, NFTNL_SET_ID) : 0);
				bad_ |= !s || nftnl_set_elems_nlmsg_parse(nlh, s) < 0;
				nftnl_set_free(tmp);
				break;
			case NFT_MSG_NEWRULE:
				rules[n_rules] = nftnl_rule_alloc();
				bad_ |= nftnl_rule_nlmsg_parse(nlh, rules[n_rules++]) < 0;
				break;
			}
		}
	}
	d = nl_decoder_new(r->table);
	/* the decoder owns each object once it is fed */
	for (size_t i = 0; i < n_chains; i++)
		bad_ |= nl_decode_chain(d, chains[i]) != 0;
	for (size_t i = 0; i < n_sets; i++)
		bad_ |= nl_decode_set(d, sets[i]) != 0;
	for (size_t i = 0; i < n_rules; i++)
		bad_ |= nl_decode_rule(d, rules[i]) != 0;
	n_chains = n_sets = n_rules = 0;
	out = nl_decoder_result(d);
	if (bad_) {
		pinhole_ruleset_free(out);
		out = NULL;
	}
out:
	for (size_t i = 0; i < n_chains; i++)
		nftnl_chain_free(chains[i]);
	for (size_t i = 0; i < n_sets; i++)
		nftnl_set_free(sets[i]);
	for (size_t i = 0; i < n_rules; i++)
		nftnl_rule_free(rules[i]);
	nl_decoder_free(d);
	free(chains);
	free(sets);
	free(rules);
	free(iov);
	nl_built_free(b);
	return out;
}

/* ---------------------------------------------------------- the tests */

/*
 * Compare both sides for one policy. Returns false, without a TAP line,
 * when the policy does not compile (an error case of the golden suites,
 * or a generated policy that is not valid).
 */
static bool agree(const char *name, const char *buf, size_t len, bool file)
{
	struct pinhole_diag *d = pinhole_diag_new();
	struct pinhole_policy *p = NULL;
	struct pinhole_ruleset *r = NULL, *back = NULL;
	struct tuples u = { 0 }, k = { 0 }, un = { 0 }, kn = { 0 };
	char why[512] = "";
	bool ok_ = false, compiled;

	compiled = !(file ? pinhole_policy_load_file(name, d, &p) :
		     pinhole_policy_load_buffer(name, buf, len, d, &p)) &&
		   !pinhole_ruleset_compile_flags(p, PINHOLE_COMPILE_PINHOLES, d, &r);
	if (!compiled)
		goto out;
	back = round_trip(r);
	if (!back) {
		snprintf(why, sizeof(why), "the batch did not parse or decode back");
	} else {
		uci_tuples(r, &u, &un);
		table_tuples(back, r, &k, &kn);
		normalise(&u);
		normalise(&k);
		normalise(&un);
		normalise(&kn);
		if (k.err[0])
			snprintf(why, sizeof(why), "the table holds %s", k.err);
		else
			ok_ = same(&u, &k, why, sizeof(why));
	}
	ok(ok_, "%s: uci and the table hold the same %zu pinhole tuples%s%s",
	   name, u.n, why[0] ? ": " : "", why);
	/* the lowering drops a from: prefix that another one covers */
	if (back)
		ok(!un.n && !kn.n, "%s: no from: prefix inside another of its "
		   "list reaches uci or the table", name);
out:
	free(u.v);
	free(k.v);
	free(un.v);
	free(kn.v);
	pinhole_ruleset_free(back);
	pinhole_ruleset_free(r);
	pinhole_policy_free(p);
	pinhole_diag_free(d);
	return compiled;
}

static void test_glob(const char *srcdir, const char *pattern)
{
	char pat[4096];
	size_t n = 0;
	glob_t g;

	snprintf(pat, sizeof(pat), "%s/%s", srcdir, pattern);
	if (glob(pat, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			n += agree(g.gl_pathv[i], NULL, 0, true);
		globfree(&g);
	}
	ok(n > 0, "%s: %zu policies compared", pattern, n);
}

/* The first N_GENERATED valid policies of tests/gen-policy.py from seed 1. */
static void test_generated(const char *srcdir)
{
	char cmd[4200], name[64];
	size_t n = 0, cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	unsigned int seed = 1;
	FILE *f;
	int c;

	if (system("command -v python3 >/dev/null 2>&1")) {
		/* CI runs everything (tests/lib.sh): no skipping there */
		const char *ci = getenv("CI");

		if (ci && !strcmp(ci, "true"))
			ok(0, "generated policies: no python3 under CI=true");
		else
			printf("ok %d - generated policies # SKIP no python3\n", ++tap_n);
		free(buf);
		return;
	}
	snprintf(cmd, sizeof(cmd), "python3 '%s/tests/gen-policy.py' 1 %d",
		 srcdir, MAX_SEEDS);
	f = popen(cmd, "r");
	while (f && buf && n < N_GENERATED && (c = getc(f)) != EOF) {
		if (c) {
			if (len + 1 == cap && !(buf = realloc(buf, cap *= 2)))
				break;
			buf[len++] = (char)c;
			continue;
		}
		snprintf(name, sizeof(name), "gen-policy.py %u", seed++);
		n += agree(name, buf, len, false);
		len = 0;
	}
	if (f) {
		while (getc(f) != EOF)
			;	/* the rest, so the generator is not cut off */
		pclose(f);
	}
	free(buf);
	ok(n == N_GENERATED, "%zu generated policies compared (of seeds 1..%u)",
	   n, seed - 1);
}

int main(void)
{
	const char *srcdir = getenv("srcdir");

	if (!srcdir)
		srcdir = ".";
	test_glob(srcdir, "examples/*.yaml");
	test_glob(srcdir, "tests/golden/*.yaml");
	test_glob(srcdir, "tests/golden/uci/*.yaml");
	test_generated(srcdir);
	return tap_done();
}
