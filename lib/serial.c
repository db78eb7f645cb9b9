// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Ruleset IR <-> bytes, for the state files (serial.h has the header).
 *
 * Payload of SERIAL_RULESET (integers little-endian; str = u32 length +
 * bytes without NUL; ostr = str, or length 0xffffffff for none):
 *	str table; u32 n_sets; set[n_sets]; u32 n_chains; chain[n_chains]
 *	set:	str name ("" when anonymous); keys; u32 flags; u32 size
 *		(not in version 1); u8 n_data; u8 data[n_data]; u32 n_elems;
 *		elem[n_elems]
 *	keys:	u8 n; n x { u8 field; u8 masked; u8 mask[16] }
 *	elem:	key[klen]; key_end[klen]; data[8] (maps only); ostr comment,
 *		klen = ir_keys_len() of the set's keys
 *	chain:	str name; u8 type; u32 hook; i32 prio; u32 policy;
 *		u32 n_rules; rule[n_rules]
 *	rule:	ostr comment; u8 n_matches; match[]; u8 n_stmts; stmt[]
 *	match:	keys; u8 op; lo[16]; hi[16]; u8 prefix_len; for lookups
 *		u8 0 + u32 index of a named set, or u8 1 + an anonymous set
 *	stmt:	u8 type, then: limit u64 rate, u64 unit, u32 burst; log str
 *		prefix; dnat addr[4], u16 port; dnat map keys + u32 map index;
 *		jump str chain; reject u8 how; the others nothing
 * SERIAL_ABSENT's payload is the table name alone (str).
 */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter.h>

#include "pinhole.h"
#include "ir.h"
#include "serial.h"

#define TABLE_NAME_MAX	255	/* NFT_NAME_MAXLEN - 1 */
#define COMMENT_MAX	255	/* fits nft's 256-byte userdata */
#define NO_STR		0xffffffffu

static const uint8_t magic[4] = { 'P', 'H', 'S', 'T' };

/*
 * CRC-32 (IEEE, reflected), eight bytes per step: t[k][b] is the CRC of
 * byte b followed by k zero bytes, so the eight table lookups of a step are
 * independent. The tables (8 KiB) are built per call, on the stack: cheap
 * next to the megabytes of a large state file, and no shared state.
 */
uint32_t serial_crc32(const uint8_t *p, size_t len)
{
	uint32_t t[8][256], crc = 0xffffffffu;

	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		t[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int k = 1; k < 8; k++)
			t[k][i] = t[0][t[k - 1][i] & 0xff] ^ (t[k - 1][i] >> 8);
	for (; len >= 8; p += 8, len -= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
				     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
			      (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;

		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^
		      t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
		      t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^
		      t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
	}
	while (len--)
		crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}

/* ------------------------------------------------------------- writer */

struct wr {
	uint8_t *p;
	size_t len, cap;
	int err;	/* sticky */
};

static void put(struct wr *w, const void *v, size_t n)
{
	if (w->err)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		uint8_t *q;

		while (cap < w->len + n)
			cap *= 2;
		q = realloc(w->p, cap);
		if (!q) {
			w->err = -ENOMEM;
			return;
		}
		w->p = q;
		w->cap = cap;
	}
	memcpy(w->p + w->len, v, n);
	w->len += n;
}

static void put_le(struct wr *w, uint64_t v, unsigned int n)
{
	uint8_t b[8];

	for (unsigned int i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(w, b, n);
}

static void put_u8(struct wr *w, uint8_t v) { put_le(w, v, 1); }
static void put_u16(struct wr *w, uint16_t v) { put_le(w, v, 2); }
static void put_u32(struct wr *w, uint32_t v) { put_le(w, v, 4); }
static void put_u64(struct wr *w, uint64_t v) { put_le(w, v, 8); }

static void put_str(struct wr *w, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max && !w->err)
		w->err = -EINVAL;
	put_u32(w, (uint32_t)n);
	put(w, s, n);
}

static void put_ostr(struct wr *w, const char *s, size_t max)
{
	if (s)
		put_str(w, s, max);
	else
		put_u32(w, NO_STR);
}

static void put_keys(struct wr *w, const struct ir_key *keys, unsigned int n)
{
	put_u8(w, (uint8_t)n);
	for (unsigned int i = 0; i < n; i++) {
		put_u8(w, (uint8_t)keys[i].field);
		put_u8(w, keys[i].masked);
		put(w, keys[i].mask, IR_VAL_MAX);
	}
}

static void put_set(struct wr *w, const struct ir_set *s)
{
	unsigned int klen = ir_keys_len(s->keys, s->n_keys);

	if (s->n_keys < 1 || s->n_keys > IR_CONCAT_MAX || klen > IR_KEY_MAX ||
	    s->n_data > 2) {
		w->err = w->err ?: -EINVAL;
		return;
	}
	put_str(w, s->flags & IR_SET_ANON ? "" : s->name, IR_NAME_MAX - 1);
	put_keys(w, s->keys, s->n_keys);
	put_u32(w, s->flags);
	put_u32(w, s->size);
	put_u8(w, (uint8_t)s->n_data);
	for (unsigned int i = 0; i < s->n_data; i++)
		put_u8(w, (uint8_t)s->data[i]);
	put_u32(w, (uint32_t)s->n_elems);
	for (size_t i = 0; i < s->n_elems; i++) {
		const struct ir_elem *e = &s->elems[i];

		put(w, e->key, klen);
		put(w, e->key_end, klen);
		if (s->flags & IR_SET_MAP)
			put(w, e->data, IR_DATA_MAX);
		put_ostr(w, e->comment, COMMENT_MAX);
	}
}

static uint32_t set_index(const struct pinhole_ruleset *r, const struct ir_set *s)
{
	for (size_t i = 0; i < r->n_sets; i++)
		if (r->sets[i] == s)
			return (uint32_t)i;
	for (size_t i = 0; i < r->n_sets; i++)
		if (!strcmp(r->sets[i]->name, s->name))
			return (uint32_t)i;
	return UINT32_MAX;
}

static void put_named_ref(struct wr *w, const struct pinhole_ruleset *r,
			  const struct ir_set *s)
{
	uint32_t i = s ? set_index(r, s) : UINT32_MAX;

	if (i == UINT32_MAX && !w->err)
		w->err = -EINVAL;
	put_u32(w, i);
}

static void put_match(struct wr *w, const struct pinhole_ruleset *r,
		      const struct ir_match *m)
{
	put_keys(w, m->keys, m->n_keys);
	put_u8(w, (uint8_t)m->op);
	put(w, m->lo, IR_VAL_MAX);
	put(w, m->hi, IR_VAL_MAX);
	put_u8(w, (uint8_t)m->prefix_len);
	if (m->op != IR_OP_LOOKUP)
		return;
	if (m->set && (m->set->flags & IR_SET_ANON)) {
		put_u8(w, 1);
		put_set(w, m->set);
	} else {
		put_u8(w, 0);
		put_named_ref(w, r, m->set);
	}
}

static void put_stmt(struct wr *w, const struct pinhole_ruleset *r,
		     const struct ir_stmt *s)
{
	put_u8(w, (uint8_t)s->type);
	switch (s->type) {
	case IR_S_LIMIT:
		put_u64(w, s->limit.rate);
		put_u64(w, s->limit.unit);
		put_u32(w, s->limit.burst);
		break;
	case IR_S_LOG:
		put_str(w, s->log.prefix, sizeof(s->log.prefix) - 1);
		break;
	case IR_S_DNAT:
		put(w, s->dnat.addr, 4);
		put_u16(w, s->dnat.port);
		break;
	case IR_S_DNAT_MAP:
		put_keys(w, s->dnat_map.keys, s->dnat_map.n_keys);
		put_named_ref(w, r, s->dnat_map.map);
		break;
	case IR_S_JUMP:
		put_str(w, s->jump.chain, IR_NAME_MAX - 1);
		break;
	case IR_S_REJECT:
		put_u8(w, (uint8_t)s->reject.how);
		break;
	default:
		break;
	}
}

static void put_chain(struct wr *w, const struct pinhole_ruleset *r,
		      const struct ir_chain *c)
{
	put_str(w, c->name, IR_NAME_MAX - 1);
	put_u8(w, (uint8_t)c->type);
	put_u32(w, c->hook);
	put_u32(w, (uint32_t)c->prio);
	put_u32(w, c->policy);
	put_u32(w, (uint32_t)c->n_rules);
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct ir_rule *rule = &c->rules[i];

		if (rule->unknown) {
			w->err = w->err ?: -ENOTSUP;
			return;
		}
		put_ostr(w, rule->comment, COMMENT_MAX);
		put_u8(w, (uint8_t)rule->n_matches);
		for (unsigned int j = 0; j < rule->n_matches; j++)
			put_match(w, r, &rule->matches[j]);
		put_u8(w, (uint8_t)rule->n_stmts);
		for (unsigned int j = 0; j < rule->n_stmts; j++)
			put_stmt(w, r, &rule->stmts[j]);
	}
}

/* Header + payload: the payload was written after SERIAL_HDR_LEN bytes. */
static int finish(struct wr *w, enum serial_kind kind, uint8_t **buf, size_t *len)
{
	size_t plen = w->len - SERIAL_HDR_LEN;
	uint32_t crc;

	if (!w->err && plen > SERIAL_MAX_LEN - SERIAL_HDR_LEN)
		w->err = -EINVAL;
	if (w->err) {
		free(w->p);
		return w->err;
	}
	crc = serial_crc32(w->p + SERIAL_HDR_LEN, plen);
	memcpy(w->p, magic, 4);
	for (int i = 0; i < 2; i++) {
		w->p[4 + i] = (uint8_t)(SERIAL_VERSION >> (8 * i));
		w->p[6 + i] = (uint8_t)(kind >> (8 * i));
	}
	for (int i = 0; i < 4; i++) {
		w->p[8 + i] = (uint8_t)(plen >> (8 * i));
		w->p[12 + i] = (uint8_t)(crc >> (8 * i));
	}
	*buf = w->p;
	*len = w->len;
	return 0;
}

int serial_write_ruleset(const struct pinhole_ruleset *r,
			 const char *absent_table, uint8_t **buf, size_t *len)
{
	static const uint8_t hdr[SERIAL_HDR_LEN];
	struct wr w = { 0 };

	*buf = NULL;
	*len = 0;
	if (!r && (!absent_table || !*absent_table))
		return -EINVAL;
	put(&w, hdr, sizeof(hdr));
	if (!r) {
		put_str(&w, absent_table, TABLE_NAME_MAX);
		return finish(&w, SERIAL_ABSENT, buf, len);
	}
	if (!r->table[0])
		w.err = -EINVAL;
	put_str(&w, r->table, TABLE_NAME_MAX);
	put_u32(&w, (uint32_t)r->n_sets);
	for (size_t i = 0; i < r->n_sets; i++) {
		if (r->sets[i]->flags & IR_SET_ANON)
			w.err = w.err ?: -EINVAL;
		put_set(&w, r->sets[i]);
	}
	put_u32(&w, (uint32_t)r->n_chains);
	for (size_t i = 0; i < r->n_chains; i++)
		put_chain(&w, r, r->chains[i]);
	return finish(&w, SERIAL_RULESET, buf, len);
}

int serial_write_timer(const struct serial_timer *t, uint8_t **buf, size_t *len)
{
	static const uint8_t hdr[SERIAL_HDR_LEN];
	struct wr w = { 0 };

	put(&w, hdr, sizeof(hdr));
	put_u64(&w, t->token);
	put_u32(&w, t->pid);
	put_u64(&w, t->starttime);
	put_u64(&w, (uint64_t)t->deadline);
	return finish(&w, SERIAL_TIMER, buf, len);
}

size_t serial_unknown_rules(const struct pinhole_ruleset *r)
{
	size_t n = 0;

	for (size_t i = 0; r && i < r->n_chains; i++)
		for (size_t j = 0; j < r->chains[i]->n_rules; j++)
			n += r->chains[i]->rules[j].unknown;
	return n;
}

/* ------------------------------------------------------------- reader */

struct rd {
	const uint8_t *p;
	size_t len, off;
	unsigned int version;
	bool bad;	/* sticky: every later read yields zeroes */
};

static const uint8_t *take(struct rd *r, size_t n)
{
	const uint8_t *v;

	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	v = r->p + r->off;
	r->off += n;
	return v;
}

static uint64_t get_le(struct rd *r, unsigned int n)
{
	const uint8_t *b = take(r, n);
	uint64_t v = 0;

	for (unsigned int i = 0; b && i < n; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static uint8_t get_u8(struct rd *r) { return (uint8_t)get_le(r, 1); }
static uint16_t get_u16(struct rd *r) { return (uint16_t)get_le(r, 2); }
static uint32_t get_u32(struct rd *r) { return (uint32_t)get_le(r, 4); }
static uint64_t get_u64(struct rd *r) { return get_le(r, 8); }

static void get_bytes(struct rd *r, void *dst, size_t n)
{
	const uint8_t *b = take(r, n);

	if (b)
		memcpy(dst, b, n);
	else
		memset(dst, 0, n);
}

static bool fail(struct rd *r)
{
	r->bad = true;
	return false;
}

/*
 * A string of at most @max bytes with no NUL, into @dst (size > @max), or
 * newly allocated when @dst is NULL (*@heap; NULL for an absent ostr).
 */
static bool get_str(struct rd *r, char *dst, size_t max, char **heap,
		    bool optional)
{
	uint32_t n = get_u32(r);
	const uint8_t *b;

	if (heap)
		*heap = NULL;
	if (r->bad)
		return false;
	if (optional && n == NO_STR)
		return true;
	if (n > max)
		return fail(r);
	b = take(r, n);
	if (!b || memchr(b, 0, n))
		return fail(r);
	if (!dst) {
		dst = malloc(n + 1);
		if (!dst)
			return false;	/* caller reports -ENOMEM */
		*heap = dst;
	}
	memcpy(dst, b, n);
	dst[n] = 0;
	return true;
}

/* A key list; @lookup allows concatenations (and caps their length). */
static bool get_keys(struct rd *r, struct ir_key *keys, unsigned int *n,
		     bool concat)
{
	*n = get_u8(r);
	if (*n < 1 || *n > (concat ? IR_CONCAT_MAX : 1))
		return fail(r);
	for (unsigned int i = 0; i < *n; i++) {
		uint8_t f = get_u8(r), masked = get_u8(r);

		if (f >= __IR_F_MAX || masked > 1)
			return fail(r);
		keys[i].field = f;
		keys[i].masked = masked;
		get_bytes(r, keys[i].mask, IR_VAL_MAX);
	}
	if (ir_keys_len(keys, *n) > IR_KEY_MAX)
		return fail(r);
	return !r->bad;
}

static bool valid_data_type(uint8_t t)
{
	return t == IR_T_IPADDR || t == IR_T_INET_SERVICE;
}

#define SET_FLAGS (IR_SET_ANON | IR_SET_INTERVAL | IR_SET_MAP | IR_SET_COUNTER)

/* Fill @s (named, already in the ruleset, or anonymous and attached). */
static int get_set_body(struct rd *r, struct ir_set *s, bool anon)
{
	unsigned int klen;
	uint32_t n, flags;

	if (!get_keys(r, s->keys, &s->n_keys, true))
		return -EBADMSG;
	/* an anonymous set keeps IR_SET_ANON: its match frees it on error */
	flags = get_u32(r);
	if ((flags & ~SET_FLAGS) || !(flags & IR_SET_ANON) != !anon ||
	    (anon && (flags & IR_SET_MAP)))
		return -EBADMSG;
	s->flags = flags;
	if (r->version >= 2)
		s->size = get_u32(r);
	s->n_data = get_u8(r);
	if (s->n_data > 2 || !(s->flags & IR_SET_MAP) != !s->n_data)
		return -EBADMSG;
	for (unsigned int i = 0; i < s->n_data; i++) {
		uint8_t t = get_u8(r);

		if (!valid_data_type(t))
			return -EBADMSG;
		s->data[i] = t;
	}
	klen = ir_keys_len(s->keys, s->n_keys);
	n = get_u32(r);
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		struct ir_elem *e = ir_set_add_elem(s);

		if (!e)
			return -ENOMEM;
		get_bytes(r, e->key, klen);
		get_bytes(r, e->key_end, klen);
		if (s->flags & IR_SET_MAP)
			get_bytes(r, e->data, IR_DATA_MAX);
		if (!get_str(r, NULL, COMMENT_MAX, &e->comment, true) && !r->bad)
			return -ENOMEM;
	}
	return r->bad ? -EBADMSG : 0;
}

static struct ir_set *get_named_ref(struct rd *r, const struct pinhole_ruleset *rs,
				    bool map)
{
	uint32_t i = get_u32(r);

	if (r->bad || i >= rs->n_sets || !(rs->sets[i]->flags & IR_SET_MAP) != !map) {
		r->bad = true;
		return NULL;
	}
	return rs->sets[i];
}

static bool same_keys(const struct ir_key *a, unsigned int na,
		      const struct ir_key *b, unsigned int nb)
{
	if (na != nb)
		return false;
	for (unsigned int i = 0; i < na; i++)
		if (a[i].field != b[i].field)
			return false;
	return true;
}

static int get_match(struct rd *r, struct pinhole_ruleset *rs,
		     struct ir_rule *rule)
{
	struct ir_match *m = &rule->matches[rule->n_matches++];
	uint8_t op;

	memset(m, 0, sizeof(*m));
	if (!get_keys(r, m->keys, &m->n_keys, true))
		return -EBADMSG;
	op = get_u8(r);
	if (op > IR_OP_LOOKUP || (op != IR_OP_LOOKUP && m->n_keys != 1))
		return -EBADMSG;
	m->op = op;
	get_bytes(r, m->lo, IR_VAL_MAX);
	get_bytes(r, m->hi, IR_VAL_MAX);
	m->prefix_len = get_u8(r);
	if (m->prefix_len > ir_field(m->keys[0].field)->len)
		return -EBADMSG;
	if (op != IR_OP_LOOKUP)
		return r->bad ? -EBADMSG : 0;
	switch (get_u8(r)) {
	case 0:
		m->set = get_named_ref(r, rs, false);
		break;
	case 1: {
		int ret;

		m->set = ir_set_new_anon();
		if (!m->set)
			return -ENOMEM;
		if (get_u32(r) != 0)	/* anonymous sets have no name */
			return -EBADMSG;
		ret = get_set_body(r, m->set, true);
		if (ret)
			return ret;
		break;
	}
	default:
		return -EBADMSG;
	}
	if (r->bad || !same_keys(m->keys, m->n_keys, m->set->keys, m->set->n_keys))
		return -EBADMSG;
	return 0;
}

static int get_stmt(struct rd *r, struct pinhole_ruleset *rs, struct ir_rule *rule)
{
	struct ir_stmt *s = &rule->stmts[rule->n_stmts++];
	uint8_t type = get_u8(r);

	memset(s, 0, sizeof(*s));
	if (type > IR_S_REJECT)
		return -EBADMSG;
	s->type = type;
	switch (s->type) {
	case IR_S_LIMIT:
		s->limit.rate = get_u64(r);
		s->limit.unit = get_u64(r);
		s->limit.burst = get_u32(r);
		if (s->limit.unit != 1 && s->limit.unit != 60 &&
		    s->limit.unit != 3600 && s->limit.unit != 86400)
			return -EBADMSG;
		break;
	case IR_S_LOG:
		get_str(r, s->log.prefix, sizeof(s->log.prefix) - 1, NULL, false);
		break;
	case IR_S_DNAT:
		get_bytes(r, s->dnat.addr, 4);
		s->dnat.port = get_u16(r);
		break;
	case IR_S_DNAT_MAP:
		if (!get_keys(r, s->dnat_map.keys, &s->dnat_map.n_keys, true))
			return -EBADMSG;
		s->dnat_map.map = get_named_ref(r, rs, true);
		if (s->dnat_map.map &&
		    !same_keys(s->dnat_map.keys, s->dnat_map.n_keys,
			       s->dnat_map.map->keys, s->dnat_map.map->n_keys))
			return -EBADMSG;
		break;
	case IR_S_JUMP:
		if (get_str(r, s->jump.chain, IR_NAME_MAX - 1, NULL, false) &&
		    !s->jump.chain[0])
			return -EBADMSG;
		break;
	case IR_S_REJECT:
		s->reject.how = get_u8(r);
		if (s->reject.how > IR_REJECT_ICMPX_ADMIN)
			return -EBADMSG;
		break;
	default:
		break;
	}
	return r->bad ? -EBADMSG : 0;
}

static int get_chain(struct rd *r, struct pinhole_ruleset *rs)
{
	char name[IR_NAME_MAX];
	struct ir_chain *c;
	uint32_t hook, policy, n;
	uint8_t type;
	int32_t prio;

	if (!get_str(r, name, IR_NAME_MAX - 1, NULL, false) || !name[0])
		return -EBADMSG;
	type = get_u8(r);
	hook = get_u32(r);
	prio = (int32_t)get_u32(r);
	policy = get_u32(r);
	if (r->bad || type > IR_CHAIN_NAT || ir_chain_find(rs, name))
		return -EBADMSG;
	if (type == IR_CHAIN_REGULAR ? hook || prio || policy :
	    hook > NF_INET_POST_ROUTING || policy > NF_ACCEPT)
		return -EBADMSG;
	c = ir_chain_add(rs, name, type, hook, prio, policy);
	if (!c)
		return -ENOMEM;
	n = get_u32(r);
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		struct ir_rule *rule = ir_chain_add_rule(c);
		unsigned int nm, ns;
		int ret = 0;

		if (!rule)
			return -ENOMEM;
		if (!get_str(r, NULL, COMMENT_MAX, &rule->comment, true))
			return r->bad ? -EBADMSG : -ENOMEM;
		nm = get_u8(r);
		if (nm > IR_RULE_MAX_MATCHES)
			return -EBADMSG;
		for (unsigned int j = 0; j < nm && !ret; j++)
			ret = get_match(r, rs, rule);
		if (ret)
			return ret;
		ns = get_u8(r);
		if (ns > IR_RULE_MAX_STMTS)
			return -EBADMSG;
		for (unsigned int j = 0; j < ns && !ret; j++)
			ret = get_stmt(r, rs, rule);
		if (ret)
			return ret;
	}
	return r->bad ? -EBADMSG : 0;
}

/* Every jump names a chain of the table. */
static bool jumps_resolve(const struct pinhole_ruleset *rs)
{
	for (size_t i = 0; i < rs->n_chains; i++)
		for (size_t j = 0; j < rs->chains[i]->n_rules; j++) {
			const struct ir_rule *rule = &rs->chains[i]->rules[j];

			for (unsigned int k = 0; k < rule->n_stmts; k++)
				if (rule->stmts[k].type == IR_S_JUMP &&
				    !ir_chain_find(rs, rule->stmts[k].jump.chain))
					return false;
		}
	return true;
}

/* Check the header; on success @r covers the payload only. */
static int open_image(const uint8_t *buf, size_t len, enum serial_kind want,
		      struct rd *r)
{
	uint32_t plen, crc;
	uint16_t version, kind;

	if (len < SERIAL_HDR_LEN || memcmp(buf, magic, 4))
		return -EBADMSG;
	version = (uint16_t)(buf[4] | buf[5] << 8);
	kind = (uint16_t)(buf[6] | buf[7] << 8);
	plen = (uint32_t)buf[8] | (uint32_t)buf[9] << 8 |
	       (uint32_t)buf[10] << 16 | (uint32_t)buf[11] << 24;
	crc = (uint32_t)buf[12] | (uint32_t)buf[13] << 8 |
	      (uint32_t)buf[14] << 16 | (uint32_t)buf[15] << 24;
	if (version < SERIAL_VERSION_MIN || version > SERIAL_VERSION)
		return -EPROTONOSUPPORT;
	if (plen != len - SERIAL_HDR_LEN || serial_crc32(buf + SERIAL_HDR_LEN, plen) != crc)
		return -EBADMSG;
	if (want == SERIAL_RULESET ? kind != SERIAL_RULESET && kind != SERIAL_ABSENT :
	    kind != want)
		return -EBADMSG;
	*r = (struct rd){ .p = buf + SERIAL_HDR_LEN, .len = plen,
			  .version = version };
	return kind;
}

int serial_read_ruleset(const uint8_t *buf, size_t len,
			struct pinhole_ruleset **out, char **absent_table)
{
	struct pinhole_ruleset *rs = NULL;
	char table[TABLE_NAME_MAX + 1];
	struct rd r;
	uint32_t n;
	int kind, ret = 0;

	*out = NULL;
	if (absent_table)
		*absent_table = NULL;
	kind = open_image(buf, len, SERIAL_RULESET, &r);
	if (kind < 0)
		return kind;
	if (!get_str(&r, table, TABLE_NAME_MAX, NULL, false) || !table[0])
		return -EBADMSG;
	if (kind == SERIAL_ABSENT) {
		if (r.off != r.len)
			return -EBADMSG;
		if (absent_table && !(*absent_table = strdup(table)))
			return -ENOMEM;
		return 0;
	}
	rs = ir_ruleset_new(table);
	if (!rs)
		return -ENOMEM;
	n = get_u32(&r);
	for (uint32_t i = 0; i < n && !r.bad && !ret; i++) {
		char name[IR_NAME_MAX];
		struct ir_set *s;

		if (!get_str(&r, name, IR_NAME_MAX - 1, NULL, false) || !name[0] ||
		    ir_set_find(rs, name)) {
			ret = -EBADMSG;
			break;
		}
		s = ir_set_add(rs, name);
		ret = s ? get_set_body(&r, s, false) : -ENOMEM;
	}
	if (!ret) {
		n = get_u32(&r);
		for (uint32_t i = 0; i < n && !r.bad && !ret; i++)
			ret = get_chain(&r, rs);
	}
	if (!ret && (r.bad || r.off != r.len || !jumps_resolve(rs)))
		ret = -EBADMSG;
	if (ret) {
		pinhole_ruleset_free(rs);
		return ret;
	}
	*out = rs;
	return 0;
}

int serial_read_timer(const uint8_t *buf, size_t len, struct serial_timer *t)
{
	struct rd r;
	int kind = open_image(buf, len, SERIAL_TIMER, &r);

	if (kind < 0)
		return kind;
	t->token = get_u64(&r);
	t->pid = get_u32(&r);
	t->starttime = get_u64(&r);
	t->deadline = (int64_t)get_u64(&r);
	if (r.bad || r.off != r.len || !t->pid)
		return -EBADMSG;
	return 0;
}
