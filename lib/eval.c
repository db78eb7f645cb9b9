// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The evaluator (eval.h): the ruleset IR run on one first packet, as the
 * kernel's nf_tables core runs the bytecode the IR stands for. Each field
 * is loaded as the kernel's register would hold it (ir.h's byte orders),
 * or known to be unknown; comparisons are the kernel's cmp, range,
 * bitwise and lookup semantics over those bytes (memcmp order, keys of
 * concatenations padded to 4 bytes, per-field ranges of interval sets).
 */
#include "internal.h"

#include <string.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>

#include "eval.h"
#include "ir.h"

/* The jump stack of the kernel (NFT_JUMP_STACK_SIZE) */
#define EV_MAX_DEPTH	16

enum tri { T_FALSE, T_TRUE, T_UNKNOWN };

struct ev {
	const struct pinhole_ruleset *r;
	struct ev_packet p;	/* as it is now: DNAT changes it */
	bool dnat;
	struct ev_result *out;
	/* the element the last lookup of the current rule matched */
	const struct ir_set *set;
	const struct ir_elem *elem;
};

const char *ev_verdict_name(enum ev_verdict v)
{
	switch (v) {
	case EV_ACCEPT:	return "accept";
	case EV_DROP:	return "drop";
	case EV_REJECT:	return "reject";
	case EV_UNKNOWN: break;
	}
	return "unknown";
}

static void put_be16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/*
 * The value of @f for the packet now, ir_field(f)->len bytes in @v.
 * Returns false when the packet does not define it (a header of the other
 * family, the checksum where th dport would be for ICMP, an unknown
 * outgoing interface or destination).
 */
static bool load(const struct ev *e, enum ir_field f, uint8_t *v)
{
	const struct ev_packet *p = &e->p;
	bool l4 = p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP;
	uint32_t u;

	memset(v, 0, IR_VAL_MAX);
	switch (f) {
	case IR_F_NFPROTO:
		v[0] = p->family == 6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
		return true;
	case IR_F_L4PROTO:
		v[0] = p->proto;
		return true;
	case IR_F_IIFNAME:
		if (p->iif[0])
			memcpy(v, p->iif, 16);
		else
			v[0] = '/';	/* no interface can be called that */
		return true;
	case IR_F_OIFNAME:
		if (!p->oif[0])
			return false;
		memcpy(v, p->oif, 16);
		return true;
	case IR_F_CT_STATE:
		u = IR_CT_STATE_NEW;
		memcpy(v, &u, 4);
		return true;
	case IR_F_CT_STATUS:
		/* nf_nat_setup_info() sets IPS_DST_NAT when prerouting DNATs */
		u = e->dnat ? IR_CT_STATUS_DNAT : 0;
		memcpy(v, &u, 4);
		return true;
	case IR_F_IP_SADDR:
		if (p->family != 4)
			return false;
		memcpy(v, p->saddr, 4);
		return true;
	case IR_F_IP_DADDR:
		if (p->family != 4 || !p->daddr_known)
			return false;
		memcpy(v, p->daddr, 4);
		return true;
	case IR_F_IP6_SADDR:
		if (p->family != 6)
			return false;
		memcpy(v, p->saddr, 16);
		return true;
	case IR_F_IP6_DADDR:
		if (p->family != 6 || !p->daddr_known)
			return false;
		memcpy(v, p->daddr, 16);
		return true;
	case IR_F_IP6_HOPLIMIT:
		if (p->family != 6)
			return false;
		v[0] = p->hoplimit;
		return true;
	case IR_F_ICMPV6_TYPE:
	case IR_F_ICMPV6_CODE:
	case IR_F_ICMP_TYPE:
		/* th+0, th+1: the type and code of ICMP, the source port of tcp/udp */
		if (l4) {
			uint8_t b[2];

			put_be16(b, p->sport);
			v[0] = b[f == IR_F_ICMPV6_CODE];
			return true;
		}
		if (p->proto == IPPROTO_ICMPV6)
			v[0] = f == IR_F_ICMPV6_CODE ? 0 : 128;	/* echo request */
		else if (p->proto == IPPROTO_ICMP)
			v[0] = f == IR_F_ICMPV6_CODE ? 0 : 8;	/* echo request */
		else
			return false;
		return true;
	case IR_F_TH_DPORT:
		if (!l4)
			return false;	/* ICMP: the checksum */
		put_be16(v, p->dport);
		return true;
	case IR_F_FIB_DADDR_TYPE:
		if (!p->daddr_known && !p->local)
			return false;
		u = p->local ? RTN_LOCAL : RTN_UNICAST;
		memcpy(v, &u, 4);
		return true;
	case IR_F_FIB_DADDR_IIF_TYPE:
		/* inet_dev_addr_type(): local only on the interface holding it */
		if (!p->daddr_known && !p->local)
			return false;
		u = p->local && p->local_iif ? RTN_LOCAL : RTN_UNICAST;
		memcpy(v, &u, 4);
		return true;
	case IR_F_TCP_FLAGS:
		if (p->proto != IPPROTO_TCP)
			return false;
		v[0] = IR_TCP_SYN;	/* the first packet of a connection */
		return true;
	case IR_F_RT_TYPE:	/* match(): the packet has no routing header */
	case __IR_F_MAX:
		break;
	}
	return false;
}

/* A key component: loaded and masked. */
static bool load_key(const struct ev *e, const struct ir_key *k, uint8_t *v)
{
	unsigned int len = ir_field(k->field)->len;

	if (!load(e, k->field, v))
		return false;
	if (k->masked)
		for (unsigned int i = 0; i < len; i++)
			v[i] &= k->mask[i];
	return true;
}

static bool in_range(const uint8_t *v, const uint8_t *lo, const uint8_t *hi,
		     unsigned int len)
{
	return memcmp(v, lo, len) >= 0 && memcmp(v, hi, len) <= 0;
}

/*
 * Does the packet's key @v (register layout) match element @el of @s?
 * Hash sets compare the key exactly; interval sets (rbtree for one field,
 * pipapo for concatenations) each field against its [key, key_end].
 * Components not in @known are skipped.
 */
static bool elem_match(const struct ir_set *s, const struct ir_elem *el,
		       const uint8_t *v, unsigned int known)
{
	for (unsigned int i = 0; i < s->n_keys; i++) {
		unsigned int off = ir_keys_off(s->keys, i);
		unsigned int len = ir_field(s->keys[i].field)->len;

		if (!(known & 1u << i))
			continue;
		if (s->flags & IR_SET_INTERVAL) {
			if (!in_range(v + off, el->key + off, el->key_end + off, len))
				return false;
		} else if (memcmp(v + off, el->key + off, len)) {
			return false;
		}
	}
	return true;
}

/*
 * The element of @s the keys @keys of the packet hit (*@hit), T_FALSE for
 * none. A component the packet does not define (the checksum where an
 * ICMP packet's th dport would be) is T_UNKNOWN only if some element
 * matches all the others: `icmp . ?` is in no set of tcp and udp ports.
 */
static enum tri lookup(const struct ev *e, const struct ir_key *keys,
		       unsigned int n_keys, const struct ir_set *s,
		       const struct ir_elem **hit)
{
	uint8_t v[IR_KEY_MAX + IR_VAL_MAX] = { 0 };
	unsigned int all = 0, known = 0;

	*hit = NULL;
	if (!s || n_keys != s->n_keys || n_keys > IR_CONCAT_MAX ||
	    ir_keys_len(keys, n_keys) > IR_KEY_MAX)
		return T_UNKNOWN;
	for (unsigned int i = 0; i < n_keys; i++) {
		uint8_t one[IR_VAL_MAX];

		all |= 1u << i;
		if (!load_key(e, &keys[i], one))
			continue;
		known |= 1u << i;
		memcpy(v + ir_keys_off(keys, i), one, ir_field(keys[i].field)->len);
	}
	for (size_t i = 0; i < s->n_elems; i++) {
		if (!elem_match(s, &s->elems[i], v, known))
			continue;
		if (known != all)
			return T_UNKNOWN;
		*hit = &s->elems[i];
		return T_TRUE;
	}
	return T_FALSE;
}

static enum tri match(struct ev *e, const struct ir_match *m)
{
	const struct ir_field_desc *d = ir_field(m->keys[0].field);
	uint8_t v[IR_VAL_MAX];
	const struct ir_elem *hit;
	enum tri t;
	bool eq;

	if (m->op == IR_OP_LOOKUP) {
		t = lookup(e, m->keys, m->n_keys, m->set, &hit);
		if (t == T_TRUE) {
			e->set = m->set;
			e->elem = hit;
		}
		return t;
	}
	/*
	 * The first packet explain describes carries no extension header, and
	 * nft_exthdr_ipv6_eval() breaks the rule when the header is missing
	 * (no NFT_EXTHDR_F_PRESENT): `rt type 0` never matches it.
	 */
	if (d->load == IR_LOAD_EXTHDR)
		return e->p.family == 6 ? T_FALSE : T_UNKNOWN;
	if (!load_key(e, &m->keys[0], v))
		return T_UNKNOWN;
	switch (m->op) {
	case IR_OP_FLAGS:
		for (unsigned int i = 0; i < d->len; i++)
			if (v[i] & m->lo[i])
				return T_TRUE;
		return T_FALSE;
	case IR_OP_EQ:
	case IR_OP_NEQ:
		if (m->prefix_len)
			eq = !memcmp(v, m->lo, m->prefix_len < d->len ? m->prefix_len : d->len);
		else
			eq = in_range(v, m->lo, m->hi, d->len);
		return eq == (m->op == IR_OP_EQ) ? T_TRUE : T_FALSE;
	case IR_OP_LOOKUP:
		break;
	}
	return T_UNKNOWN;
}

/* Why @m cannot be evaluated: the first field of it the packet lacks. */
static const char *why_unknown(const struct ir_match *m)
{
	for (unsigned int i = 0; i < m->n_keys; i++) {
		switch (m->keys[i].field) {
		case IR_F_OIFNAME:
			return "the rule matches the outgoing interface, which is not known (explain --out ZONE)";
		case IR_F_IP6_DADDR:
		case IR_F_IP_DADDR:
			return "the rule matches the destination address, which --to self does not give";
		default:
			break;
		}
	}
	return "the rule matches a field this packet does not define";
}

/* What a rule does to the chain walk. */
enum act {
	A_NEXT,		/* no verdict: the next rule */
	A_ACCEPT,	/* this base chain is done */
	A_DROP,
	A_REJECT,
	A_JUMP,
	A_RETURN,
	A_UNKNOWN,
};

/* Counters, logs, rate limits and MSS clamping leave the verdict alone. */
static bool is_terminal(const struct ir_stmt *s)
{
	return s->type != IR_S_COUNTER && s->type != IR_S_LOG &&
	       s->type != IR_S_LIMIT && s->type != IR_S_TCPMSS;
}

static void set_unknown(struct ev *e, const char *why)
{
	if (!e->out->why)
		e->out->why = why;
}

static enum act dnat_to(struct ev *e, const uint8_t *addr, uint16_t port)
{
	if (e->p.family != 4) {
		set_unknown(e, "dnat ip of a packet that is not IPv4");
		return A_UNKNOWN;
	}
	memcpy(e->p.daddr, addr, 4);
	e->p.daddr_known = true;
	if (port)
		e->p.dport = port;
	/* the new destination is a host behind the router (SPEC §1 forwards) */
	e->p.local = false;
	e->dnat = true;
	e->out->dnat = true;
	memcpy(e->out->dnat_addr, addr, 4);
	e->out->dnat_port = port;
	return A_ACCEPT;	/* nft_nat_eval: the NAT verdict ends the chain */
}

static enum act stmts(struct ev *e, const struct ir_rule *rl, const struct ir_chain *c,
		      const char **jump)
{
	for (unsigned int i = 0; i < rl->n_stmts; i++) {
		const struct ir_stmt *s = &rl->stmts[i];
		const struct ir_elem *hit;
		enum tri t;

		switch (s->type) {
		case IR_S_COUNTER:
		case IR_S_LOG:
		case IR_S_TCPMSS:
		case __IR_S_MAX:
			break;
		case IR_S_LIMIT:
			for (unsigned int j = i + 1; j < rl->n_stmts; j++)
				if (is_terminal(&rl->stmts[j])) {
					set_unknown(e, "a rate limit stands before the verdict");
					return A_UNKNOWN;
				}
			return A_NEXT;	/* only logs after it: no effect */
		case IR_S_MASQ:
			return A_ACCEPT;
		case IR_S_DNAT:
			e->out->dnat_chain = c;
			e->out->dnat_rule = rl;
			return dnat_to(e, s->dnat.addr, s->dnat.port);
		case IR_S_DNAT_MAP: {
			const struct ir_set *map = s->dnat_map.map;
			uint16_t port = 0;

			t = lookup(e, s->dnat_map.keys, s->dnat_map.n_keys, map, &hit);
			if (t == T_UNKNOWN) {
				set_unknown(e, "the key of the DNAT map is not defined for this packet");
				return A_UNKNOWN;
			}
			if (t == T_FALSE)
				return A_NEXT;	/* a lookup miss breaks the rule */
			if (map->n_data < 1 || map->data[0] != IR_T_IPADDR ||
			    (map->n_data == 2 && map->data[1] != IR_T_INET_SERVICE) ||
			    map->n_data > 2) {
				set_unknown(e, "a map whose data pinhole cannot evaluate");
				return A_UNKNOWN;
			}
			if (map->n_data == 2)
				port = (uint16_t)(hit->data[4] << 8 | hit->data[5]);
			e->out->dnat_chain = c;
			e->out->dnat_rule = rl;
			e->out->dnat_set = map;
			e->out->dnat_elem = hit;
			return dnat_to(e, hit->data, port);
		}
		case IR_S_ACCEPT:
			return A_ACCEPT;
		case IR_S_DROP:
			return A_DROP;
		case IR_S_REJECT:
			return A_REJECT;
		case IR_S_JUMP:
			*jump = s->jump.chain;
			return A_JUMP;
		case IR_S_RETURN:
			return A_RETURN;
		}
	}
	return A_NEXT;
}

/*
 * Does the rule take part in the verdict? A rule of only counters, logs,
 * limits and MSS clamping (`limit rate R log prefix ...`, SPEC §6.3) is
 * passed over without evaluating its matches, so one that matches a field
 * the packet lacks cannot make the answer unknown; a limit before a
 * verdict is still unknown (stmts()).
 */
static bool has_effect(const struct ir_rule *rl)
{
	for (unsigned int i = 0; i < rl->n_stmts; i++)
		if (is_terminal(&rl->stmts[i]))
			return true;
	return false;
}

static void decide(struct ev *e, enum ev_verdict v, const struct ir_chain *c,
		   const struct ir_rule *rl, size_t idx)
{
	struct ev_result *o = e->out;

	o->verdict = v;
	o->chain = c;
	o->rule = rl;
	o->rule_index = idx;
	o->set = rl ? e->set : NULL;
	o->elem = rl ? e->elem : NULL;
}

/*
 * Run base chain @base. Returns true when the walk ends here (drop,
 * reject, unknown), false when the packet goes on (accepted by a rule or
 * by the policy, recorded in e->out as the latest acceptance).
 */
static bool run_base(struct ev *e, const struct ir_chain *base)
{
	struct frame {
		const struct ir_chain *c;
		size_t i;
	} stack[EV_MAX_DEPTH];
	unsigned int depth = 0;
	const struct ir_chain *c = base;
	size_t i = 0;

	for (;;) {
		const struct ir_rule *rl;
		const char *jump = NULL, *why = NULL;
		bool unknown = false;
		enum act a;

		if (i >= c->n_rules) {
			if (depth) {
				depth--;
				c = stack[depth].c;
				i = stack[depth].i;
				continue;
			}
			if (c->policy == NF_ACCEPT) {
				decide(e, EV_ACCEPT, c, NULL, 0);
				return false;
			}
			decide(e, EV_DROP, c, NULL, 0);
			return true;
		}
		rl = &c->rules[i];
		e->set = NULL;
		e->elem = NULL;
		if (rl->unknown) {
			decide(e, EV_UNKNOWN, c, rl, i);
			set_unknown(e, "a rule pinhole does not recognise");
			return true;
		}
		if (!has_effect(rl)) {
			i++;
			continue;
		}
		for (unsigned int m = 0; m < rl->n_matches; m++) {
			enum tri t = match(e, &rl->matches[m]);

			if (t == T_FALSE)
				goto next;
			if (t == T_UNKNOWN && !unknown)
				unknown = true, why = why_unknown(&rl->matches[m]);
		}
		if (unknown) {
			decide(e, EV_UNKNOWN, c, rl, i);
			set_unknown(e, why);
			return true;
		}
		a = stmts(e, rl, c, &jump);
		switch (a) {
		case A_NEXT:
			break;
		case A_ACCEPT:
			decide(e, EV_ACCEPT, c, rl, i);
			return false;
		case A_DROP:
			decide(e, EV_DROP, c, rl, i);
			return true;
		case A_REJECT:
			decide(e, EV_REJECT, c, rl, i);
			return true;
		case A_UNKNOWN:
			decide(e, EV_UNKNOWN, c, rl, i);
			return true;
		case A_RETURN:
			if (!depth) {
				i = c->n_rules;	/* the base chain's policy */
				continue;
			}
			depth--;
			c = stack[depth].c;
			i = stack[depth].i;
			continue;
		case A_JUMP: {
			const struct ir_chain *t = ir_chain_find(e->r, jump);

			if (!t || t->type != IR_CHAIN_REGULAR || depth >= EV_MAX_DEPTH) {
				decide(e, EV_UNKNOWN, c, rl, i);
				set_unknown(e, "a jump to a chain that is missing, a base chain, or too deep");
				return true;
			}
			stack[depth].c = c;
			stack[depth].i = i + 1;
			depth++;
			c = t;
			i = 0;
			continue;
		}
		}
next:
		i++;
	}
}

/* Base chains of @hook in priority order (equal priorities: table order). */
static bool run_hook(struct ev *e, uint32_t hook)
{
	const struct pinhole_ruleset *r = e->r;
	bool done[64] = { false };

	for (;;) {
		const struct ir_chain *best = NULL;
		size_t bi = 0;

		for (size_t i = 0; i < r->n_chains && i < ARRAY_SIZE(done); i++) {
			const struct ir_chain *c = r->chains[i];

			if (done[i] || c->type == IR_CHAIN_REGULAR || c->hook != hook)
				continue;
			if (!best || c->prio < best->prio) {
				best = c;
				bi = i;
			}
		}
		if (!best)
			return false;
		done[bi] = true;
		if (run_base(e, best))
			return true;
	}
}

void ev_run(const struct pinhole_ruleset *r, const struct ev_packet *p,
	    struct ev_result *out)
{
	struct ev e = { .r = r, .p = *p, .out = out };

	memset(out, 0, sizeof(*out));
	out->verdict = EV_ACCEPT;	/* no base chain on the path: nothing filters */
	if (r->n_foreign) {
		out->verdict = EV_UNKNOWN;
		out->why = "the table holds objects pinhole cannot represent";
		return;
	}
	if (r->n_chains > 64) {
		out->verdict = EV_UNKNOWN;
		out->why = "more chains than pinhole evaluates";
		return;
	}
	if (run_hook(&e, NF_INET_PRE_ROUTING))
		return;
	run_hook(&e, e.p.local ? NF_INET_LOCAL_IN : NF_INET_FORWARD);
}
