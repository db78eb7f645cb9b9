// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Policy AST → ruleset IR (cf. nftables netlink_linearize.c, one level up).
 *
 * Shape of the table (router mode):
 *   input        base, policy drop: lo, ct state, ICMPv6, DHCP client
 *                replies, inside zones, then `iifname WAN jump input_wan`
 *   input_wan    pinholes to the router itself (`host: self`), log, final verdict
 *   forward      base, policy drop: ct state, ICMPv6, inside zones out,
 *                `ct status dnat accept`, `iifname WAN jump forward_wan`
 *   forward_wan  pinholes to LAN hosts as set lookups, log, final verdict
 *   dstnat/srcnat  IPv4 port forwards (a map) and masquerade
 * Host mode: the input chain only, with the self pinholes inline.
 *
 * Pinholes open to everyone become set elements, not rules, so the per-packet
 * cost stays flat as they grow (research/netlink.md §5, §7): exact host and
 * exact port in hash sets, ranges and subnets in interval sets, suffix hosts
 * in sets looked up with a masked address. Pinholes with `from:` are few and
 * become one rule each.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/netfilter.h>

#include "pinhole.h"
#include "ast.h"
#include "compile.h"
#include "diag.h"
#include "ir.h"
#include "mem.h"

struct cc {
	const struct pinhole_policy *p;
	struct pinhole_diag *d;
	struct pinhole_ruleset *r;
	int err;		/* sticky -ENOMEM */
	bool policy_error;
	/* each pinhole's name in the pool, shared by its elements */
	char **names;
	/* a first pass only counts each named set's elements (reserve_sets()) */
	bool counting;
	struct ir_elem scratch;
	/* the suffix sets' names for the last /-N seen */
	unsigned int sfx_plen;
	char sfx[IR_NAME_MAX], sfxr[IR_NAME_MAX];
};

static const struct pinhole_loc no_loc;

/* ------------------------------------------------------------ rule helpers */

static struct ir_rule *new_rule(struct cc *cc, struct ir_chain *c,
				const char *comment, const struct pinhole_loc *loc)
{
	struct ir_rule *r = ir_chain_add_rule(c);

	if (!r) {
		cc->err = -ENOMEM;
		return NULL;
	}
	if (comment && !(r->comment = strdup(comment))) {
		cc->err = -ENOMEM;
		return NULL;
	}
	r->loc = loc ? *loc : no_loc;
	if (loc)
		r->loc.file = cc->r->file;	/* the ruleset's own copy */
	return r;
}

static struct ir_match *match(struct cc *cc, struct ir_rule *r, enum ir_field f,
			      enum ir_op op)
{
	struct ir_match *m = r ? ir_rule_match(r, f, op) : NULL;

	if (r && !m)
		cc->err = -ENOMEM;	/* IR_RULE_MAX_MATCHES: a compiler bug */
	return m;
}

static void stmt(struct cc *cc, struct ir_rule *r, enum ir_stmt_type t)
{
	if (r && !ir_rule_stmt(r, t))
		cc->err = -ENOMEM;
}

static void m_u8(struct cc *cc, struct ir_rule *r, enum ir_field f, uint8_t v)
{
	struct ir_match *m = match(cc, r, f, IR_OP_EQ);

	if (m)
		m->lo[0] = m->hi[0] = v;
}

static void m_nfproto(struct cc *cc, struct ir_rule *r, int family)
{
	m_u8(cc, r, IR_F_NFPROTO, family == 6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
}

/*
 * `fib daddr type local`: the packet is addressed to the router itself.
 * IPv4 forwards are DNAT "from the router's wan address" (SPEC §1); without
 * this a packet the internet routes to a LAN address would be forwarded too.
 */
static void m_fib_local(struct cc *cc, struct ir_rule *r)
{
	struct ir_match *m = match(cc, r, IR_F_FIB_DADDR_TYPE, IR_OP_EQ);
	uint32_t local = 2;	/* RTN_LOCAL */

	if (m) {
		memcpy(m->lo, &local, 4);
		memcpy(m->hi, &local, 4);
	}
}

static void m_ifname(struct cc *cc, struct ir_rule *r, enum ir_field f,
		     const char *name)
{
	struct ir_match *m = match(cc, r, f, IR_OP_EQ);
	size_t len = strlen(name);

	if (!m)
		return;
	if (len && name[len - 1] == '*') {
		m->prefix_len = len - 1;
		memcpy(m->lo, name, len - 1);
	} else {
		memcpy(m->lo, name, len < 16 ? len : 15);
	}
	memcpy(m->hi, m->lo, sizeof(m->hi));
}

static void m_flags(struct cc *cc, struct ir_rule *r, enum ir_field f, uint32_t v)
{
	struct ir_match *m = match(cc, r, f, IR_OP_FLAGS);

	if (m) {
		memcpy(m->lo, &v, 4);
		memcpy(m->hi, &v, 4);
	}
}

static void m_prefix(struct cc *cc, struct ir_rule *r, enum ir_field f,
		     const uint8_t *addr, unsigned int plen)
{
	struct ir_match *m = match(cc, r, f, IR_OP_EQ);

	if (m)
		ir_prefix_range(addr, plen, ir_field(f)->len, m->lo, m->hi);
}

static void port_bytes(uint16_t port, uint8_t *b)
{
	b[0] = port >> 8;
	b[1] = port & 0xff;
}

/* Anonymous set of one field, attached to a new lookup match. */
static struct ir_set *m_anon(struct cc *cc, struct ir_rule *r, enum ir_field f)
{
	struct ir_match *m = match(cc, r, f, IR_OP_LOOKUP);
	struct ir_set *s;

	if (!m)
		return NULL;
	s = ir_set_new_anon();
	if (!s) {
		cc->err = -ENOMEM;
		r->n_matches--;
		return NULL;
	}
	s->n_keys = 1;
	s->keys[0].field = f;
	m->set = s;
	return s;
}

static struct ir_elem *elem(struct cc *cc, struct ir_set *s)
{
	struct ir_elem *e;

	if (cc->counting && s && !(s->flags & IR_SET_ANON)) {
		s->cap_elems++;
		memset(&cc->scratch, 0, sizeof(cc->scratch));
		return &cc->scratch;
	}
	e = s ? ir_set_add_elem(s) : NULL;

	if (s && !e)
		cc->err = -ENOMEM;
	return e;
}

static void anon_u8(struct cc *cc, struct ir_set *s, uint8_t v)
{
	struct ir_elem *e = elem(cc, s);

	if (e)
		e->key[0] = e->key_end[0] = v;
}

/* l4proto match: one value, or { tcp, udp }. */
static void m_protos(struct cc *cc, struct ir_rule *r, unsigned int protos)
{
	struct ir_set *s;

	if (protos == PH_PROTO_TCP || protos == PH_PROTO_UDP) {
		m_u8(cc, r, IR_F_L4PROTO, protos == PH_PROTO_TCP ? IPPROTO_TCP : IPPROTO_UDP);
		return;
	}
	s = m_anon(cc, r, IR_F_L4PROTO);
	anon_u8(cc, s, IPPROTO_TCP);
	anon_u8(cc, s, IPPROTO_UDP);
}

/* th dport match: one port or range, else an anonymous set. */
static void m_ports(struct cc *cc, struct ir_rule *r, const struct ph_portrange *pr,
		    size_t n)
{
	struct ir_set *s;

	if (n == 1) {
		struct ir_match *m = match(cc, r, IR_F_TH_DPORT, IR_OP_EQ);

		if (m) {
			port_bytes(pr[0].lo, m->lo);
			port_bytes(pr[0].hi, m->hi);
		}
		return;
	}
	s = m_anon(cc, r, IR_F_TH_DPORT);
	for (size_t i = 0; s && i < n; i++) {
		struct ir_elem *e = elem(cc, s);

		if (!e)
			return;
		port_bytes(pr[i].lo, e->key);
		port_bytes(pr[i].hi, e->key_end);
		if (pr[i].lo != pr[i].hi)
			s->flags |= IR_SET_INTERVAL;
	}
	if (s)
		ir_set_sort(s);
}

/* Source prefixes of @family from `from:`; returns how many there were. */
static size_t m_from(struct cc *cc, struct ir_rule *r, const struct ph_pinhole *ph,
		     int family)
{
	enum ir_field f = family == 6 ? IR_F_IP6_SADDR : IR_F_IP_SADDR;
	unsigned int len = family == 6 ? 16 : 4;
	struct ir_set *s = NULL;
	size_t n = 0, last = 0;

	for (size_t i = 0; i < ph->n_from; i++)
		if (ph->from[i].family == family) {
			n++;
			last = i;
		}
	if (n == 1) {
		m_prefix(cc, r, f, ph->from[last].addr, ph->from[last].plen);
		return n;
	}
	if (!n)
		return 0;
	s = m_anon(cc, r, f);
	if (!s)
		return n;
	s->flags |= IR_SET_INTERVAL;
	for (size_t i = 0; i < ph->n_from; i++) {
		struct ir_elem *e;

		if (ph->from[i].family != family)
			continue;
		e = elem(cc, s);
		if (!e)
			break;
		ir_prefix_range(ph->from[i].addr, ph->from[i].plen, len, e->key, e->key_end);
	}
	ir_set_sort(s);
	return n;
}

/* The last @n bits set: the mask of a ::X/-N suffix. */
static void suffix_mask(unsigned int n, uint8_t *mask)
{
	uint8_t lo[16];

	ir_prefix_range((const uint8_t[16]){ 0 }, 128 - n, 16, lo, mask);
}

/* Destination match for a host's IPv6 address of any kind. */
static void m_host6(struct cc *cc, struct ir_rule *r, const struct ph_addr6 *a)
{
	struct ir_match *m;

	switch (a->kind) {
	case PH_ADDR6_EXACT:
		m_prefix(cc, r, IR_F_IP6_DADDR, a->addr, 128);
		break;
	case PH_ADDR6_SUBNET:
		m_prefix(cc, r, IR_F_IP6_DADDR, a->addr, a->plen);
		break;
	case PH_ADDR6_SUFFIX:
		m = match(cc, r, IR_F_IP6_DADDR, IR_OP_EQ);
		if (!m)
			return;
		m->keys[0].masked = true;
		suffix_mask(a->plen, m->keys[0].mask);
		memcpy(m->lo, a->addr, 16);
		memcpy(m->hi, a->addr, 16);
		break;
	case PH_ADDR6_NONE:
		break;
	}
}

/* ------------------------------------------------------------- named sets */

/*
 * The set for a host pinhole's element: pin6 (exact address, exact port),
 * pin6r (exact address, port range), net6 (subnet), sfxN / sfxNr (suffix).
 */
static struct ir_set *get_set(struct cc *cc, const char *name,
			      const struct ir_key *keys, unsigned int n_keys,
			      unsigned int flags)
{
	struct ir_set *s = ir_set_find(cc->r, name);

	if (s)
		return s;
	s = ir_set_add(cc->r, name);
	if (!s) {
		cc->err = -ENOMEM;
		return NULL;
	}
	s->n_keys = n_keys;
	memcpy(s->keys, keys, n_keys * sizeof(*keys));
	s->flags = flags | IR_SET_COUNTER;
	s->pooled_comments = true;
	return s;
}

/* @ph's name, copied into the ruleset's pool once for all its uses. */
static char *pinhole_name(struct cc *cc, const struct ph_pinhole *ph)
{
	char **n = &cc->names[ph - cc->p->pinholes];

	if (!*n && !(*n = ir_pool_strdup(cc->r, ph->name)))
		cc->err = -ENOMEM;
	return *n;
}

static int set_elem_comment(struct cc *cc, struct ir_elem *e,
			    const struct ph_pinhole *ph)
{
	if (!(e->comment = pinhole_name(cc, ph)))
		return cc->err = -ENOMEM;
	return 0;
}

static void add_host6_elems(struct cc *cc, const struct ph_pinhole *ph,
			    const struct ph_host *h)
{
	const struct ph_addr6 *a = &h->ipv6;
	struct ir_key keys[3] = {
		{ .field = IR_F_IP6_DADDR },
		{ .field = IR_F_L4PROTO },
		{ .field = IR_F_TH_DPORT },
	};
	uint8_t lo[16], hi[16];

	switch (a->kind) {
	case PH_ADDR6_EXACT:
		memcpy(lo, a->addr, 16);
		memcpy(hi, a->addr, 16);
		break;
	case PH_ADDR6_SUBNET:
		ir_prefix_range(a->addr, a->plen, 16, lo, hi);
		break;
	case PH_ADDR6_SUFFIX:
		keys[0].masked = true;
		suffix_mask(a->plen, keys[0].mask);
		memcpy(lo, a->addr, 16);
		memcpy(hi, a->addr, 16);
		break;
	case PH_ADDR6_NONE:
		return;
	}
	if (a->kind == PH_ADDR6_SUFFIX && cc->sfx_plen != a->plen) {
		snprintf(cc->sfx, sizeof(cc->sfx), "sfx%u", a->plen);
		snprintf(cc->sfxr, sizeof(cc->sfxr), "sfx%ur", a->plen);
		cc->sfx_plen = a->plen;
	}
	for (unsigned int pi = 0; pi < 2; pi++) {
		uint8_t proto = pi ? IPPROTO_UDP : IPPROTO_TCP;

		if (!(ph->protos & (pi ? PH_PROTO_UDP : PH_PROTO_TCP)))
			continue;
		for (size_t i = 0; i < ph->n_ports; i++) {
			const struct ph_portrange *pr = &ph->ports[i];
			bool range = pr->lo != pr->hi;
			const char *name;
			unsigned int flags = 0;
			struct ir_set *s;
			struct ir_elem *e;

			if (a->kind == PH_ADDR6_SUBNET) {
				name = "net6";
				flags = IR_SET_INTERVAL;
			} else if (a->kind == PH_ADDR6_SUFFIX) {
				name = range ? cc->sfxr : cc->sfx;
				flags = range ? IR_SET_INTERVAL : 0;
			} else {
				name = range ? "pin6r" : "pin6";
				flags = range ? IR_SET_INTERVAL : 0;
			}
			s = get_set(cc, name, keys, 3, flags);
			e = elem(cc, s);
			if (!e || set_elem_comment(cc, e, ph))
				return;
			memcpy(e->key, lo, 16);
			memcpy(e->key_end, hi, 16);
			e->key[16] = e->key_end[16] = proto;
			port_bytes(pr->lo, e->key + 20);
			port_bytes(pr->hi, e->key_end + 20);
		}
	}
}

/* Pinholes to the machine itself, open to everyone: in6 / in4. */
static void add_self_elems(struct cc *cc, const struct ph_pinhole *ph, int family)
{
	static const struct ir_key keys[2] = {
		{ .field = IR_F_L4PROTO },
		{ .field = IR_F_TH_DPORT },
	};
	struct ir_set *s = get_set(cc, family == 6 ? "in6" : "in4", keys, 2, 0);

	for (unsigned int pi = 0; s && pi < 2; pi++) {
		if (!(ph->protos & (pi ? PH_PROTO_UDP : PH_PROTO_TCP)))
			continue;
		for (size_t i = 0; i < ph->n_ports; i++) {
			const struct ph_portrange *pr = &ph->ports[i];
			struct ir_elem *e = elem(cc, s);

			if (!e || set_elem_comment(cc, e, ph))
				return;
			e->key[0] = e->key_end[0] = pi ? IPPROTO_UDP : IPPROTO_TCP;
			port_bytes(pr->lo, e->key + 4);
			port_bytes(pr->hi, e->key_end + 4);
			if (pr->lo != pr->hi)
				s->flags |= IR_SET_INTERVAL;
		}
	}
}

static const struct ph_portrange *ext_of(const struct ph_pinhole *ph, size_t i)
{
	return ph->n_ext ? &ph->ext_ports[i] : &ph->ports[i];
}

/*
 * IPv4 port forwards open to everyone: fwd4 maps proto . external port to
 * address . port; fwd4r maps a range forwarded unchanged to the address.
 * A range forwarded to a shifted range is expanded into fwd4, port by port.
 */
static void add_fwd4_elems(struct cc *cc, const struct ph_pinhole *ph,
			   const struct ph_host *h)
{
	static const struct ir_key keys[2] = {
		{ .field = IR_F_L4PROTO },
		{ .field = IR_F_TH_DPORT },
	};

	for (unsigned int pi = 0; pi < 2; pi++) {
		uint8_t proto = pi ? IPPROTO_UDP : IPPROTO_TCP;

		if (!(ph->protos & (pi ? PH_PROTO_UDP : PH_PROTO_TCP)))
			continue;
		for (size_t i = 0; i < ph->n_ports; i++) {
			const struct ph_portrange *in = &ph->ports[i], *ex = ext_of(ph, i);
			bool same = in->lo == ex->lo && in->hi == ex->hi;
			struct ir_set *s;
			struct ir_elem *e;

			if (same && in->lo != in->hi) {
				s = get_set(cc, "fwd4r", keys, 2,
					    IR_SET_MAP | IR_SET_INTERVAL);
				if (!s)
					return;
				s->n_data = 1;
				s->data[0] = IR_T_IPADDR;
				e = elem(cc, s);
				if (!e || set_elem_comment(cc, e, ph))
					return;
				e->key[0] = e->key_end[0] = proto;
				port_bytes(ex->lo, e->key + 4);
				port_bytes(ex->hi, e->key_end + 4);
				memcpy(e->data, h->ipv4, 4);
				continue;
			}
			s = get_set(cc, "fwd4", keys, 2, IR_SET_MAP);
			if (!s)
				return;
			s->n_data = 2;
			s->data[0] = IR_T_IPADDR;
			s->data[1] = IR_T_INET_SERVICE;
			for (uint32_t p = ex->lo; p <= ex->hi; p++) {
				e = elem(cc, s);
				if (!e || set_elem_comment(cc, e, ph))
					return;
				e->key[0] = e->key_end[0] = proto;
				port_bytes(p, e->key + 4);
				port_bytes(p, e->key_end + 4);
				memcpy(e->data, h->ipv4, 4);
				port_bytes(in->lo + (p - ex->lo), e->data + 4);
			}
		}
	}
}

/* Sort every set and drop exact duplicates (validate_repeats.c warned about them). */
static int cmp_set_name(const void *a, const void *b)
{
	const struct ir_set *x = *(const struct ir_set *const *)a;
	const struct ir_set *y = *(const struct ir_set *const *)b;

	return strcmp(x->name, y->name);
}

/*
 * Give every named set exactly the room the counting pass found: no
 * doubling, no copying, no memory touched twice (100,000 pinholes make
 * ~160,000 elements of 112 bytes).
 */
static void reserve_sets(struct cc *cc)
{
	for (size_t i = 0; i < cc->r->n_sets; i++) {
		struct ir_set *s = cc->r->sets[i];

		if (s->elems || !s->cap_elems)
			continue;
		s->elems = malloc(s->cap_elems * sizeof(*s->elems));
		if (!s->elems) {
			s->cap_elems = 0;
			cc->err = -ENOMEM;
			continue;
		}
		mem_prefault(s->elems, s->cap_elems * sizeof(*s->elems));
	}
	cc->counting = false;
}

static void finish_sets(struct cc *cc)
{
	for (size_t i = 0; i < cc->r->n_sets; i++) {
		struct ir_set *s = cc->r->sets[i];
		size_t out = 0;

		ir_set_sort(s);
		for (size_t j = 0; j < s->n_elems; j++) {
			if (out && !memcmp(s->elems[out - 1].key, s->elems[j].key, IR_KEY_MAX) &&
			    !memcmp(s->elems[out - 1].key_end, s->elems[j].key_end, IR_KEY_MAX)) {
				if (!s->pooled_comments)
					free(s->elems[j].comment);
				continue;
			}
			s->elems[out++] = s->elems[j];
		}
		s->n_elems = out;
		if (!(s->flags & (IR_SET_INTERVAL | IR_SET_ANON)))
			s->size = ir_set_hash_size(s->n_elems);
	}
	if (cc->r->n_sets > 1)
		qsort(cc->r->sets, cc->r->n_sets, sizeof(*cc->r->sets), cmp_set_name);
}

/* ------------------------------------------------------------ boilerplate */

static void rule_ct(struct cc *cc, struct ir_chain *c)
{
	struct ir_rule *r = new_rule(cc, c, NULL, NULL);

	m_flags(cc, r, IR_F_CT_STATE, 0x2 | 0x4);	/* established,related */
	stmt(cc, r, IR_S_ACCEPT);
	r = new_rule(cc, c, NULL, NULL);
	m_flags(cc, r, IR_F_CT_STATE, 0x1);		/* invalid */
	stmt(cc, r, IR_S_DROP);
}

static void icmp6_types(struct cc *cc, struct ir_rule *r, const uint8_t *types,
			size_t n)
{
	struct ir_set *s;

	if (n == 1) {
		m_u8(cc, r, IR_F_ICMPV6_TYPE, types[0]);
		return;
	}
	s = m_anon(cc, r, IR_F_ICMPV6_TYPE);
	for (size_t i = 0; s && i < n; i++)
		anon_u8(cc, s, types[i]);
}

/*
 * ICMPv6 per RFC 4890 (SPEC §4). Errors and echo pass in both chains;
 * `strict` keeps only the must-not-drop codes of time-exceeded (0) and
 * parameter-problem (1, 2). Packet-too-big is never dropped. Input adds
 * neighbour/router discovery (hop limit 255: on-link only) and MLD
 * (link-local sources).
 */
static void rules_icmpv6(struct cc *cc, struct ir_chain *c, bool input)
{
	static const uint8_t errors_all[] = { 1, 2, 3, 4, 128, 129 };
	static const uint8_t errors_strict[] = { 1, 2, 128, 129 };
	static const uint8_t nd[] = { 133, 134, 135, 136, 141, 142 };
	static const uint8_t mld[] = { 130, 131, 132, 143 };
	bool strict = cc->p->defaults.icmpv6 == PH_ICMPV6_STRICT;
	struct ir_rule *r;
	struct ir_match *m;

	r = new_rule(cc, c, NULL, NULL);
	m_u8(cc, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
	if (strict)
		icmp6_types(cc, r, errors_strict, ARRAY_SIZE(errors_strict));
	else
		icmp6_types(cc, r, errors_all, ARRAY_SIZE(errors_all));
	stmt(cc, r, IR_S_ACCEPT);
	if (strict) {
		r = new_rule(cc, c, NULL, NULL);
		m_u8(cc, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
		m_u8(cc, r, IR_F_ICMPV6_TYPE, 3);
		m_u8(cc, r, IR_F_ICMPV6_CODE, 0);
		stmt(cc, r, IR_S_ACCEPT);
		r = new_rule(cc, c, NULL, NULL);
		m_u8(cc, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
		m_u8(cc, r, IR_F_ICMPV6_TYPE, 4);
		m = match(cc, r, IR_F_ICMPV6_CODE, IR_OP_EQ);
		if (m) {
			m->lo[0] = 1;
			m->hi[0] = 2;
		}
		stmt(cc, r, IR_S_ACCEPT);
	}
	if (!input)
		return;
	r = new_rule(cc, c, NULL, NULL);
	m_nfproto(cc, r, 6);
	m_u8(cc, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
	m_u8(cc, r, IR_F_IP6_HOPLIMIT, 255);
	icmp6_types(cc, r, nd, ARRAY_SIZE(nd));
	stmt(cc, r, IR_S_ACCEPT);
	r = new_rule(cc, c, NULL, NULL);
	m_nfproto(cc, r, 6);
	m_u8(cc, r, IR_F_L4PROTO, IPPROTO_ICMPV6);
	m_prefix(cc, r, IR_F_IP6_SADDR, (const uint8_t[16]){ 0xfe, 0x80 }, 10);
	icmp6_types(cc, r, mld, ARRAY_SIZE(mld));
	stmt(cc, r, IR_S_ACCEPT);
}

/* DHCPv6 and DHCPv4 client replies, so the machine keeps its own addresses. */
static void rules_dhcp_client(struct cc *cc, struct ir_chain *c)
{
	struct ir_rule *r = new_rule(cc, c, "dhcpv6-client", NULL);
	struct ir_match *m;

	m_nfproto(cc, r, 6);
	m_prefix(cc, r, IR_F_IP6_DADDR, (const uint8_t[16]){ 0xfe, 0x80 }, 10);
	m_u8(cc, r, IR_F_L4PROTO, IPPROTO_UDP);
	m = match(cc, r, IR_F_TH_DPORT, IR_OP_EQ);
	if (m) {
		port_bytes(546, m->lo);
		port_bytes(546, m->hi);
	}
	stmt(cc, r, IR_S_ACCEPT);
	r = new_rule(cc, c, "dhcpv4-client", NULL);
	m_nfproto(cc, r, 4);
	m_u8(cc, r, IR_F_L4PROTO, IPPROTO_UDP);
	m = match(cc, r, IR_F_TH_DPORT, IR_OP_EQ);
	if (m) {
		port_bytes(68, m->lo);
		port_bytes(68, m->hi);
	}
	stmt(cc, r, IR_S_ACCEPT);
}

/* What every input chain accepts first: loopback, replies, ICMPv6, DHCP. */
static void rules_input_common(struct cc *cc, struct ir_chain *in)
{
	struct ir_rule *r = new_rule(cc, in, NULL, NULL);

	m_ifname(cc, r, IR_F_IIFNAME, "lo");
	stmt(cc, r, IR_S_ACCEPT);
	rule_ct(cc, in);
	rules_icmpv6(cc, in, true);
	rules_dhcp_client(cc, in);
}

/* The end of a chain that saw unsolicited traffic: log, then the verdict. */
static void rules_final(struct cc *cc, struct ir_chain *c, enum ph_defaults_verdict v)
{
	struct ir_rule *r;
	struct ir_stmt *s;

	if (v == PH_V_ACCEPT) {
		r = new_rule(cc, c, NULL, NULL);
		stmt(cc, r, IR_S_ACCEPT);
		return;
	}
	if (cc->p->defaults.log) {
		r = new_rule(cc, c, NULL, NULL);
		if (!r)
			return;
		s = ir_rule_stmt(r, IR_S_LIMIT);
		s->limit.rate = PH_LOG_RATE;
		s->limit.unit = 60;
		s->limit.burst = PH_LOG_BURST;
		s = ir_rule_stmt(r, IR_S_LOG);
		strcpy(s->log.prefix, PH_LOG_PREFIX);
	}
	if (v == PH_V_REJECT) {
		r = new_rule(cc, c, NULL, NULL);
		m_u8(cc, r, IR_F_L4PROTO, IPPROTO_TCP);
		stmt(cc, r, IR_S_COUNTER);
		if (r && (s = ir_rule_stmt(r, IR_S_REJECT)))
			s->reject.how = IR_REJECT_TCP_RST;
		r = new_rule(cc, c, NULL, NULL);
		stmt(cc, r, IR_S_COUNTER);
		if (r && (s = ir_rule_stmt(r, IR_S_REJECT)))
			s->reject.how = IR_REJECT_ICMPX_ADMIN;
		return;
	}
	r = new_rule(cc, c, NULL, NULL);
	stmt(cc, r, IR_S_COUNTER);
	stmt(cc, r, IR_S_DROP);
}

static void rule_lookup(struct cc *cc, struct ir_chain *c, const struct ir_set *s,
			int family)
{
	struct ir_rule *r = new_rule(cc, c, NULL, NULL);
	struct ir_match *m;

	if (family)
		m_nfproto(cc, r, family);
	m = match(cc, r, s->keys[0].field, IR_OP_LOOKUP);
	if (!m)
		return;
	m->n_keys = s->n_keys;
	memcpy(m->keys, s->keys, sizeof(m->keys));
	m->set = (struct ir_set *)s;
	stmt(cc, r, IR_S_ACCEPT);
}

static void rule_jump_per_if(struct cc *cc, struct ir_chain *c, enum ir_field f,
			     const struct ph_zone *z, const char *target)
{
	for (size_t i = 0; i < z->n_ifnames; i++) {
		struct ir_rule *r = new_rule(cc, c, NULL, &z->ifname_locs[i]);
		struct ir_stmt *s;

		m_ifname(cc, r, f, z->ifnames[i]);
		if (!target) {
			stmt(cc, r, IR_S_ACCEPT);
		} else if (r && (s = ir_rule_stmt(r, IR_S_JUMP))) {
			strcpy(s->jump.chain, target);
		}
	}
}

static const struct ph_zone *wan_zone(const struct pinhole_policy *p)
{
	for (size_t i = 0; i < p->n_zones; i++)
		if (p->zones[i].is_wan)
			return &p->zones[i];
	return NULL;
}

/* ------------------------------------------------------ restricted pinholes */

static bool family_wanted(const struct ph_pinhole *ph, int family)
{
	return ph->family == PH_FAM_ANY ||
	       ph->family == (family == 6 ? PH_FAM_IPV6 : PH_FAM_IPV4);
}

static bool has_from_family(const struct ph_pinhole *ph, int family)
{
	for (size_t i = 0; i < ph->n_from; i++)
		if (ph->from[i].family == family)
			return true;
	return false;
}

/* `from:`-restricted pinhole to a host or to self, as one accept rule. */
static void rule_restricted(struct cc *cc, struct ir_chain *c,
			    const struct ph_pinhole *ph, const struct ph_host *h,
			    int family)
{
	struct ir_rule *r = new_rule(cc, c, ph->name, &ph->loc);

	m_nfproto(cc, r, family);
	m_from(cc, r, ph, family);
	if (h)
		m_host6(cc, r, &h->ipv6);
	m_protos(cc, r, ph->protos);
	m_ports(cc, r, ph->ports, ph->n_ports);
	stmt(cc, r, IR_S_COUNTER);
	stmt(cc, r, IR_S_ACCEPT);
}

/* `from:`-restricted IPv4 forward: DNAT rules per wan interface. */
static void rules_restricted_fwd4(struct cc *cc, struct ir_chain *c,
				  const struct ph_zone *wan,
				  const struct ph_pinhole *ph, const struct ph_host *h)
{
	for (size_t w = 0; w < wan->n_ifnames; w++) {
		for (size_t i = 0; i < ph->n_ports; i++) {
			const struct ph_portrange *in = &ph->ports[i], *ex = ext_of(ph, i);
			struct ir_rule *r;
			struct ir_stmt *s;

			if (in->lo != ex->lo && in->lo != in->hi) {
				if (w == 0)
					cc->policy_error = true,
					pinhole_error(cc->d, &ph->ext_loc,
						      "pinhole '%s': a port range forwarded to a different range cannot be combined with from:",
						      ph->name);
				continue;
			}
			r = new_rule(cc, c, ph->name, &ph->loc);
			m_ifname(cc, r, IR_F_IIFNAME, wan->ifnames[w]);
			m_nfproto(cc, r, 4);
			m_fib_local(cc, r);
			m_from(cc, r, ph, 4);
			m_protos(cc, r, ph->protos);
			m_ports(cc, r, ex, 1);
			stmt(cc, r, IR_S_COUNTER);
			if (r && (s = ir_rule_stmt(r, IR_S_DNAT))) {
				memcpy(s->dnat.addr, h->ipv4, 4);
				s->dnat.port = in->lo != ex->lo ? in->lo : 0;
			}
		}
	}
}

/* ------------------------------------------------------------ logical layer */

static bool branch_active(const struct ph_pinhole *ph, int family)
{
	return family_wanted(ph, family) && (!ph->n_from || has_from_family(ph, family));
}

static const char *dest_zone(const struct pinhole_policy *p, const struct ph_host *h)
{
	if (h->zone >= 0)
		return p->zones[h->zone].name;
	for (size_t i = 0; i < p->n_zones; i++)
		if (!p->zones[i].is_wan)
			return p->zones[i].name;
	return NULL;
}

/* Zone names are few: the pool keeps one copy of each. */
static char *zone_name(struct cc *cc, const char *z, char **cache, size_t n)
{
	const struct pinhole_policy *p = cc->p;

	for (size_t i = 0; i < n; i++)
		if (p->zones[i].name == z)
			return cache[i] ? cache[i] : (cache[i] = ir_pool_strdup(cc->r, z));
	return ir_pool_strdup(cc->r, z);
}

/*
 * One logical pinhole: its name, zone and arrays live in the ruleset's
 * pool (one allocation per 64 KiB of them, freed with the ruleset).
 */
static void add_logical(struct cc *cc, const struct ph_pinhole *ph,
			const struct ph_host *h, int family, char **zones)
{
	struct ir_pinhole *lp = ir_pinhole_add(cc->r);
	size_t nf = 0;
	bool same_ext = !ph->n_ext;

	if (!lp || !(lp->name = pinhole_name(cc, ph))) {
		cc->err = -ENOMEM;
		return;
	}
	lp->pooled = true;
	lp->loc = ph->loc;
	lp->loc.file = cc->r->file;
	lp->family = family;
	lp->protos = ph->protos;
	lp->kind = IR_PH_SELF;
	if (h) {
		const char *z = dest_zone(cc->p, h);

		if (z && !(lp->dest_zone = zone_name(cc, z, zones, cc->p->n_zones)))
			cc->err = -ENOMEM;
		if (family == 4) {
			lp->kind = IR_PH_EXACT;
			memcpy(lp->addr, h->ipv4, 4);
			lp->plen = 32;
			lp->dnat = true;
		} else {
			lp->kind = h->ipv6.kind == PH_ADDR6_SUBNET ? IR_PH_SUBNET :
				   h->ipv6.kind == PH_ADDR6_SUFFIX ? IR_PH_SUFFIX : IR_PH_EXACT;
			memcpy(lp->addr, h->ipv6.addr, 16);
			lp->plen = h->ipv6.plen;
		}
	}
	lp->n_ports = ph->n_ports;
	for (size_t i = 0; i < ph->n_from; i++)
		nf += ph->from[i].family == family;
	/* ports, then ext (unless the same), then the from prefixes */
	lp->ports = ir_pool_alloc(cc->r, ph->n_ports * sizeof(*lp->ports) *
				  (same_ext ? 1 : 2), _Alignof(struct ir_portrange));
	if (nf) {
		lp->from_addr = ir_pool_alloc(cc->r, nf * sizeof(*lp->from_addr), 1);
		lp->from_plen = ir_pool_alloc(cc->r, nf * sizeof(*lp->from_plen),
					      _Alignof(unsigned int));
	}
	if (!lp->ports || (nf && (!lp->from_addr || !lp->from_plen))) {
		cc->err = -ENOMEM;
		return;
	}
	lp->ext = same_ext ? lp->ports : lp->ports + ph->n_ports;
	for (size_t i = 0; i < ph->n_ports; i++) {
		lp->ports[i].lo = ph->ports[i].lo;
		lp->ports[i].hi = ph->ports[i].hi;
		lp->ext[i].lo = ext_of(ph, i)->lo;
		lp->ext[i].hi = ext_of(ph, i)->hi;
	}
	for (size_t i = 0; i < ph->n_from; i++) {
		if (ph->from[i].family != family)
			continue;
		memcpy(lp->from_addr[lp->n_from], ph->from[i].addr, 16);
		lp->from_plen[lp->n_from++] = ph->from[i].plen;
	}
}

static void record_pinholes(struct cc *cc)
{
	const struct pinhole_policy *p = cc->p;
	char **zones = calloc(p->n_zones ? p->n_zones : 1, sizeof(*zones));
	size_t n = 0;

	if (!zones) {
		cc->err = -ENOMEM;
		return;
	}
	/* room for every logical pinhole at once: no doubling */
	for (size_t i = 0; i < p->n_pinholes; i++) {
		const struct ph_pinhole *ph = &p->pinholes[i];
		const struct ph_host *h = ph->host >= 0 ? &p->hosts[ph->host] : NULL;

		if (!h || !p->router)
			n += branch_active(ph, 6) + branch_active(ph, 4);
		else
			n += (h->ipv6.kind != PH_ADDR6_NONE && branch_active(ph, 6)) +
			     (h->has_ipv4 && branch_active(ph, 4));
	}
	if (n > cc->r->cap_pinholes) {
		struct ir_pinhole *a = realloc(cc->r->pinholes, n * sizeof(*a));

		if (!a) {
			free(zones);
			cc->err = -ENOMEM;
			return;
		}
		cc->r->pinholes = a;
		cc->r->cap_pinholes = n;
		mem_prefault(a, n * sizeof(*a));
	}
	for (size_t i = 0; i < p->n_pinholes && !cc->err; i++) {
		const struct ph_pinhole *ph = &p->pinholes[i];
		const struct ph_host *h = ph->host >= 0 ? &p->hosts[ph->host] : NULL;

		if (!h || !p->router) {
			for (int fam = 6; fam >= 4; fam -= 2)
				if (branch_active(ph, fam))
					add_logical(cc, ph, NULL, fam, zones);
			continue;
		}
		if (h->ipv6.kind != PH_ADDR6_NONE && branch_active(ph, 6))
			add_logical(cc, ph, h, 6, zones);
		if (h->has_ipv4 && branch_active(ph, 4))
			add_logical(cc, ph, h, 4, zones);
	}
	free(zones);
}

/* ------------------------------------------------------------------ modes */

static void compile_host_mode(struct cc *cc)
{
	const struct pinhole_policy *p = cc->p;
	struct ir_chain *in;

	for (int pass = 0; pass < 2; pass++) {
		cc->counting = pass == 0;
		for (size_t i = 0; i < p->n_pinholes; i++) {
			const struct ph_pinhole *ph = &p->pinholes[i];

			for (int fam = 6; fam >= 4; fam -= 2)
				if (family_wanted(ph, fam) && !ph->n_from)
					add_self_elems(cc, ph, fam);
		}
		if (pass == 0)
			reserve_sets(cc);
	}
	finish_sets(cc);
	in = ir_chain_add(cc->r, PH_CHAIN_INPUT, IR_CHAIN_FILTER, NF_INET_LOCAL_IN,
			  0, NF_DROP);
	if (!in) {
		cc->err = -ENOMEM;
		return;
	}
	rules_input_common(cc, in);
	for (size_t i = 0; i < cc->r->n_sets; i++)
		rule_lookup(cc, in, cc->r->sets[i], !strcmp(cc->r->sets[i]->name, "in6") ? 6 : 4);
	for (size_t i = 0; i < p->n_pinholes; i++) {
		const struct ph_pinhole *ph = &p->pinholes[i];

		for (int fam = 6; fam >= 4; fam -= 2)
			if (family_wanted(ph, fam) && has_from_family(ph, fam))
				rule_restricted(cc, in, ph, NULL, fam);
	}
	rules_final(cc, in, p->defaults.input);
}

static void compile_router_mode(struct cc *cc)
{
	const struct pinhole_policy *p = cc->p;
	const struct ph_zone *wan = wan_zone(p);
	struct ir_chain *in, *inw, *fw, *fww, *dnat = NULL, *snat = NULL;
	bool any_fwd4 = false;
	struct ir_rule *r;

	for (int pass = 0; pass < 2; pass++) {
		cc->counting = pass == 0;
		for (size_t i = 0; i < p->n_pinholes; i++) {
			const struct ph_pinhole *ph = &p->pinholes[i];
			const struct ph_host *h = ph->host >= 0 ? &p->hosts[ph->host] : NULL;

			if (h && h->has_ipv4 && family_wanted(ph, 4))
				any_fwd4 = true;
			if (ph->n_from)
				continue;
			if (!h) {
				for (int fam = 6; fam >= 4; fam -= 2)
					if (family_wanted(ph, fam))
						add_self_elems(cc, ph, fam);
				continue;
			}
			if (h->ipv6.kind != PH_ADDR6_NONE && family_wanted(ph, 6))
				add_host6_elems(cc, ph, h);
			if (h->has_ipv4 && family_wanted(ph, 4))
				add_fwd4_elems(cc, ph, h);
		}
		if (pass == 0)
			reserve_sets(cc);
	}
	finish_sets(cc);

	in = ir_chain_add(cc->r, PH_CHAIN_INPUT, IR_CHAIN_FILTER, NF_INET_LOCAL_IN, 0, NF_DROP);
	inw = ir_chain_add(cc->r, PH_CHAIN_INPUT_WAN, IR_CHAIN_REGULAR, 0, 0, 0);
	fw = ir_chain_add(cc->r, PH_CHAIN_FORWARD, IR_CHAIN_FILTER, NF_INET_FORWARD, 0, NF_DROP);
	fww = ir_chain_add(cc->r, PH_CHAIN_FORWARD_WAN, IR_CHAIN_REGULAR, 0, 0, 0);
	if (any_fwd4)
		dnat = ir_chain_add(cc->r, PH_CHAIN_DSTNAT, IR_CHAIN_NAT,
				    NF_INET_PRE_ROUTING, -100, NF_ACCEPT);
	if (p->masquerade)
		snat = ir_chain_add(cc->r, PH_CHAIN_SRCNAT, IR_CHAIN_NAT,
				    NF_INET_POST_ROUTING, 100, NF_ACCEPT);
	if (!in || !inw || !fw || !fww || (any_fwd4 && !dnat) || (p->masquerade && !snat)) {
		cc->err = -ENOMEM;
		return;
	}

	/* input: the router itself */
	rules_input_common(cc, in);
	for (size_t z = 0; z < p->n_zones; z++)
		if (!p->zones[z].is_wan)
			rule_jump_per_if(cc, in, IR_F_IIFNAME, &p->zones[z], NULL);
	rule_jump_per_if(cc, in, IR_F_IIFNAME, wan, PH_CHAIN_INPUT_WAN);

	/* forward: through the router */
	rule_ct(cc, fw);
	rules_icmpv6(cc, fw, false);
	for (size_t z = 0; z < p->n_zones; z++) {
		const struct ph_zone *zone = &p->zones[z];

		if (zone->is_wan)
			continue;
		if (p->defaults.outbound == PH_V_ACCEPT) {
			rule_jump_per_if(cc, fw, IR_F_IIFNAME, zone, NULL);
			continue;
		}
		/* outbound drop: inside zones still reach each other */
		for (size_t i = 0; i < zone->n_ifnames; i++)
			for (size_t z2 = 0; z2 < p->n_zones; z2++) {
				if (p->zones[z2].is_wan)
					continue;
				for (size_t j = 0; j < p->zones[z2].n_ifnames; j++) {
					r = new_rule(cc, fw, NULL, &zone->ifname_locs[i]);
					m_ifname(cc, r, IR_F_IIFNAME, zone->ifnames[i]);
					m_ifname(cc, r, IR_F_OIFNAME, p->zones[z2].ifnames[j]);
					stmt(cc, r, IR_S_ACCEPT);
				}
			}
	}
	if (any_fwd4) {
		r = new_rule(cc, fw, NULL, NULL);
		m_flags(cc, r, IR_F_CT_STATUS, 0x20);	/* dnat */
		stmt(cc, r, IR_S_ACCEPT);
	}
	rule_jump_per_if(cc, fw, IR_F_IIFNAME, wan, PH_CHAIN_FORWARD_WAN);

	/*
	 * Lookups, in set-name order; in forward_wan the exact-match (hash)
	 * sets come first. Most new connections to LAN hosts match one of
	 * them, and a miss in an interval (pipapo) set is the dearest step of
	 * the chain: at 10,000 pinholes ~0.3 us per packet, as much as the
	 * rest of the ruleset (bench/dataplane.sh). Every lookup accepts, so
	 * the order decides nothing else.
	 */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < cc->r->n_sets; i++) {
			const struct ir_set *s = cc->r->sets[i];
			bool interval = s->flags & IR_SET_INTERVAL;

			if (!strcmp(s->name, "in6")) {
				if (pass == 0)
					rule_lookup(cc, inw, s, 6);
			} else if (!strcmp(s->name, "in4")) {
				if (pass == 0)
					rule_lookup(cc, inw, s, 4);
			} else if (!(s->flags & IR_SET_MAP) && interval == (pass == 1)) {
				rule_lookup(cc, fww, s, 6);
			}
		}
	}
	for (size_t w = 0; dnat && w < wan->n_ifnames; w++) {
		for (size_t i = 0; i < cc->r->n_sets; i++) {
			const struct ir_set *s = cc->r->sets[i];
			struct ir_stmt *st;

			if (!(s->flags & IR_SET_MAP))
				continue;
			r = new_rule(cc, dnat, NULL, &wan->ifname_locs[w]);
			m_ifname(cc, r, IR_F_IIFNAME, wan->ifnames[w]);
			m_nfproto(cc, r, 4);
			m_fib_local(cc, r);
			if (r && (st = ir_rule_stmt(r, IR_S_DNAT_MAP))) {
				st->dnat_map.n_keys = s->n_keys;
				memcpy(st->dnat_map.keys, s->keys, sizeof(s->keys));
				st->dnat_map.map = (struct ir_set *)s;
			}
		}
	}

	/* pinholes restricted by from: one rule each */
	for (size_t i = 0; i < p->n_pinholes; i++) {
		const struct ph_pinhole *ph = &p->pinholes[i];
		const struct ph_host *h = ph->host >= 0 ? &p->hosts[ph->host] : NULL;

		if (!ph->n_from)
			continue;
		if (!h) {
			for (int fam = 6; fam >= 4; fam -= 2)
				if (family_wanted(ph, fam) && has_from_family(ph, fam))
					rule_restricted(cc, inw, ph, NULL, fam);
			continue;
		}
		if (h->ipv6.kind != PH_ADDR6_NONE && family_wanted(ph, 6) &&
		    has_from_family(ph, 6))
			rule_restricted(cc, fww, ph, h, 6);
		if (h->has_ipv4 && family_wanted(ph, 4) && has_from_family(ph, 4))
			rules_restricted_fwd4(cc, dnat, wan, ph, h);
	}
	rules_final(cc, inw, p->defaults.input);
	rules_final(cc, fww, p->defaults.inbound);

	for (size_t w = 0; snat && w < wan->n_ifnames; w++) {
		r = new_rule(cc, snat, NULL, &wan->ifname_locs[w]);
		m_ifname(cc, r, IR_F_OIFNAME, wan->ifnames[w]);
		m_nfproto(cc, r, 4);
		stmt(cc, r, IR_S_MASQ);
	}
}

EXPORT_SYMBOL(pinhole_ruleset_compile_flags);
int pinhole_ruleset_compile_flags(const struct pinhole_policy *p,
				  unsigned int flags, struct pinhole_diag *d,
				  struct pinhole_ruleset **out)
{
	struct cc cc = { .p = p, .d = d };

	*out = NULL;
	cc.r = ir_ruleset_new(p->table ? p->table : "pinhole");
	cc.names = calloc(p->n_pinholes ? p->n_pinholes : 1, sizeof(*cc.names));
	if (!cc.r || !cc.names || !(cc.r->file = strdup(p->file))) {
		pinhole_ruleset_free(cc.r);
		free(cc.names);
		return -ENOMEM;
	}
	if (flags & PINHOLE_COMPILE_PINHOLES) {
		record_pinholes(&cc);
		cc.r->has_pinholes = true;
	}
	if (p->router)
		compile_router_mode(&cc);
	else
		compile_host_mode(&cc);
	free(cc.names);
	if (cc.err || cc.policy_error) {
		pinhole_ruleset_free(cc.r);
		return cc.err ? cc.err : -1;
	}
	*out = cc.r;
	return 0;
}

EXPORT_SYMBOL(pinhole_ruleset_compile);
int pinhole_ruleset_compile(const struct pinhole_policy *p, struct pinhole_diag *d,
			    struct pinhole_ruleset **out)
{
	return pinhole_ruleset_compile_flags(p, PINHOLE_COMPILE_PINHOLES, d, out);
}
