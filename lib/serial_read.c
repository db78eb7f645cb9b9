// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Bytes -> ruleset IR: the state image reader (the format is in serial.h
 * and serial.c). Every length, count, enum and cross reference is checked
 * before use; a corrupt or truncated image is -EBADMSG, never a crash.
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
#include "serial_int.h"

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


/* Fill @s (named, already in the ruleset, or anonymous and attached). */
static int get_set_body(struct rd *r, struct ir_set *s, bool anon)
{
	unsigned int klen;
	uint32_t n, flags;

	if (!get_keys(r, s->keys, &s->n_keys, true))
		return -EBADMSG;
	/* an anonymous set keeps IR_SET_ANON: its match frees it on error */
	flags = get_u32(r);
	if ((flags & ~SERIAL_SET_FLAGS) || !(flags & IR_SET_ANON) != !anon ||
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

		if (!serial_valid_data_type(t))
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
	if (type >= __IR_S_MAX)
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

	if (len < SERIAL_HDR_LEN || memcmp(buf, serial_magic, 4))
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
	char table[PINHOLE_TABLE_NAME_MAX + 1];
	struct rd r;
	uint32_t n;
	int kind, ret = 0;

	*out = NULL;
	if (absent_table)
		*absent_table = NULL;
	kind = open_image(buf, len, SERIAL_RULESET, &r);
	if (kind < 0)
		return kind;
	if (!get_str(&r, table, PINHOLE_TABLE_NAME_MAX, NULL, false) || !table[0])
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
