// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Ruleset IR -> bytes, for the state files (serial.h has the header; the
 * reader, which checks everything it is given, is serial_read.c).
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
#include "serial_int.h"

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
	    s->n_data > 2 || (s->flags & ~SERIAL_SET_FLAGS) ||
	    !(s->flags & IR_SET_MAP) != !s->n_data) {
		w->err = w->err ?: -EINVAL;
		return;
	}
	for (unsigned int i = 0; i < s->n_data; i++)
		if (!serial_valid_data_type(s->data[i]))
			w->err = w->err ?: -EINVAL;
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
	memcpy(w->p, serial_magic, 4);
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
		put_str(&w, absent_table, PINHOLE_TABLE_NAME_MAX);
		return finish(&w, SERIAL_ABSENT, buf, len);
	}
	if (!r->table[0])
		w.err = -EINVAL;
	if (r->n_foreign)	/* what the IR cannot hold cannot be restored */
		w.err = w.err ?: -ENOTSUP;
	put_str(&w, r->table, PINHOLE_TABLE_NAME_MAX);
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

EXPORT_SYMBOL(pinhole_ruleset_unknown_rules);
size_t pinhole_ruleset_unknown_rules(const struct pinhole_ruleset *r)
{
	size_t n = 0;

	for (size_t i = 0; r && i < r->n_chains; i++)
		for (size_t j = 0; j < r->chains[i]->n_rules; j++)
			n += r->chains[i]->rules[j].unknown;
	return n;
}
