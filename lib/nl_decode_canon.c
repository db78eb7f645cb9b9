// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Equivalent bytecode forms brought to one: nft does not always linearise
 * the text `pinhole compile` prints into the bytecode nl_build_rule() writes
 * for it, and a table loaded with `nft -f` must decode as pinhole's own
 * (compile == apply, through the decoder too). Both the dumped rule and its
 * re-linearised twin pass through here before they are compared, and the
 * dumped one before it is decoded. Every rewrite keeps the rule's meaning,
 * by the kernel's semantics of the expressions:
 *
 *  - byteorder with len < size: nft_byteorder_eval() converts len / size
 *    elements, none; nft 1.0.6 puts hton(reg, 2, 1) after a 1-byte key in
 *    some concatenations (meta l4proto . th dport of a dnat map), pinhole
 *    after the same key of an interval lookup. Dropped.
 *  - payload load of L bytes at base+o, then cmp eq: nft merges compares of
 *    adjacent payload fields into one (payload_try_merge(), e.g. icmpv6
 *    type X code 0 as one 2-byte compare). When the IR's fields tile
 *    [o, o+L) and none is L bytes at o, split back into one load and one
 *    compare per field, in offset order.
 *  - load, bitwise & 0 ^ 0, cmp eq 0 (nft's `ip6 saddr ::/0`): true
 *    whenever the load succeeds, as is cmp gte 0, cmp lte ~0 (pinhole's
 *    form of the full range). Rewritten to the latter.
 */
#include "internal.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/netfilter/nf_tables.h>

#include <libnftnl/expr.h>

#include "ir.h"
#include "nl_decode_int.h"

#define CANON_DATA_MAX	64	/* NFT_DATA_VALUE_MAXLEN */

static bool is(struct nftnl_expr *e, const char *name)
{
	return e && !strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), name);
}

static bool all(const uint8_t *p, uint32_t len, uint8_t v)
{
	for (uint32_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

static bool push(struct nld_canon *c, struct nftnl_expr *e)
{
	if (c->n == NLD_CANON_MAX)
		return false;
	c->ex[c->n++] = e;
	c->ex[c->n] = NULL;
	return true;
}

/* A new expression, owned by @c; NULL when out of memory or room. */
static struct nftnl_expr *own(struct nld_canon *c, const char *name)
{
	struct nftnl_expr *e;

	if (c->n_own == NLD_CANON_MAX || !(e = nftnl_expr_alloc(name)))
		return NULL;
	c->own[c->n_own++] = e;
	return e;
}

static bool noop_byteorder(struct nftnl_expr *e)
{
	return is(e, "byteorder") &&
	       nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_SREG) ==
	       nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_DREG) &&
	       nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_LEN) <
	       nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_SIZE);
}

/* The IR field loaded by payload @base at @off, at most @max bytes long. */
static const struct ir_field_desc *field_at(uint32_t base, uint32_t off,
					     uint32_t max, bool exact)
{
	for (int f = 0; f < __IR_F_MAX; f++) {
		const struct ir_field_desc *d = ir_field(f);

		if (d->load == IR_LOAD_PAYLOAD && d->base == base &&
		    d->offset == off && (exact ? d->len == max : d->len <= max))
			return d;
	}
	return NULL;
}

static bool cmp_eq_of(struct nftnl_expr *cmp, uint32_t reg, uint32_t len)
{
	uint32_t l = 0;

	return is(cmp, "cmp") &&
	       nftnl_expr_get_u32(cmp, NFTNL_EXPR_CMP_OP) == NFT_CMP_EQ &&
	       nftnl_expr_get_u32(cmp, NFTNL_EXPR_CMP_SREG) == reg &&
	       nftnl_expr_get(cmp, NFTNL_EXPR_CMP_DATA, &l) && l == len;
}

/* ex[0] payload, ex[1] cmp eq: split per IR field; 1 done, 0 not this, -1 no room */
static int split_payload(struct nld_canon *c, struct nftnl_expr **ex)
{
	uint32_t base, off, len, reg, dl = 0, pos;
	const uint8_t *data;

	if (!is(ex[0], "payload") || !nftnl_expr_is_set(ex[0], NFTNL_EXPR_PAYLOAD_DREG))
		return 0;
	base = nftnl_expr_get_u32(ex[0], NFTNL_EXPR_PAYLOAD_BASE);
	off = nftnl_expr_get_u32(ex[0], NFTNL_EXPR_PAYLOAD_OFFSET);
	len = nftnl_expr_get_u32(ex[0], NFTNL_EXPR_PAYLOAD_LEN);
	reg = nftnl_expr_get_u32(ex[0], NFTNL_EXPR_PAYLOAD_DREG);
	if (len > CANON_DATA_MAX || !cmp_eq_of(ex[1], reg, len) ||
	    field_at(base, off, len, true))
		return 0;
	data = nftnl_expr_get(ex[1], NFTNL_EXPR_CMP_DATA, &dl);
	for (pos = off; pos < off + len;) {
		const struct ir_field_desc *d = field_at(base, pos, off + len - pos, false);

		if (!d)
			return 0;
		pos += d->len;
	}
	for (pos = off; pos < off + len;) {
		const struct ir_field_desc *d = field_at(base, pos, off + len - pos, false);
		struct nftnl_expr *l = own(c, "payload"), *k = own(c, "cmp");

		if (!l || !k)
			return -1;
		nftnl_expr_set_u32(l, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(l, NFTNL_EXPR_PAYLOAD_OFFSET, pos);
		nftnl_expr_set_u32(l, NFTNL_EXPR_PAYLOAD_LEN, d->len);
		nftnl_expr_set_u32(l, NFTNL_EXPR_PAYLOAD_DREG, reg);
		nftnl_expr_set_u32(k, NFTNL_EXPR_CMP_SREG, reg);
		nftnl_expr_set_u32(k, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
		nftnl_expr_set(k, NFTNL_EXPR_CMP_DATA, data + (pos - off), d->len);
		if (!push(c, l) || !push(c, k))
			return -1;
		pos += d->len;
	}
	return 1;
}

/* ex[0] bitwise & 0 ^ 0, ex[1] cmp eq 0 -> cmp gte 0, cmp lte ~0 */
static int zero_mask(struct nld_canon *c, struct nftnl_expr **ex)
{
	static const uint8_t ones[CANON_DATA_MAX] = {
		[0 ... CANON_DATA_MAX - 1] = 0xff
	};
	const uint8_t *mask, *xor, *data;
	uint32_t reg, len, ml = 0, xl = 0, dl = 0;
	struct nftnl_expr *ge, *le;

	if (!is(ex[0], "bitwise") ||
	    (nftnl_expr_is_set(ex[0], NFTNL_EXPR_BITWISE_OP) &&
	     nftnl_expr_get_u32(ex[0], NFTNL_EXPR_BITWISE_OP) != NFT_BITWISE_BOOL))
		return 0;
	reg = nftnl_expr_get_u32(ex[0], NFTNL_EXPR_BITWISE_DREG);
	len = nftnl_expr_get_u32(ex[0], NFTNL_EXPR_BITWISE_LEN);
	mask = nftnl_expr_get(ex[0], NFTNL_EXPR_BITWISE_MASK, &ml);
	xor = nftnl_expr_get(ex[0], NFTNL_EXPR_BITWISE_XOR, &xl);
	if (len > CANON_DATA_MAX || !mask || !xor || ml != len || xl != len ||
	    reg != nftnl_expr_get_u32(ex[0], NFTNL_EXPR_BITWISE_SREG) ||
	    !all(mask, len, 0) || !all(xor, len, 0) || !cmp_eq_of(ex[1], reg, len))
		return 0;
	data = nftnl_expr_get(ex[1], NFTNL_EXPR_CMP_DATA, &dl);
	if (!all(data, dl, 0))
		return 0;
	ge = own(c, "cmp");
	le = own(c, "cmp");
	if (!ge || !le)
		return -1;
	nftnl_expr_set_u32(ge, NFTNL_EXPR_CMP_SREG, reg);
	nftnl_expr_set_u32(ge, NFTNL_EXPR_CMP_OP, NFT_CMP_GTE);
	nftnl_expr_set(ge, NFTNL_EXPR_CMP_DATA, data, len);
	nftnl_expr_set_u32(le, NFTNL_EXPR_CMP_SREG, reg);
	nftnl_expr_set_u32(le, NFTNL_EXPR_CMP_OP, NFT_CMP_LTE);
	nftnl_expr_set(le, NFTNL_EXPR_CMP_DATA, ones, len);
	return push(c, ge) && push(c, le) ? 1 : -1;
}

bool nld_canon(struct nld_canon *c, struct nftnl_expr **ex, int n)
{
	c->n = 0;
	c->ex[0] = NULL;
	for (int i = 0; i < n; i++) {
		int r = 0;

		if (noop_byteorder(ex[i]))
			continue;
		if (i + 1 < n) {
			r = split_payload(c, &ex[i]);
			if (!r)
				r = zero_mask(c, &ex[i]);
		}
		if (r < 0)
			return false;
		if (r > 0) {
			i++;
			continue;
		}
		if (!push(c, ex[i]))
			return false;
	}
	return true;
}

void nld_canon_free(struct nld_canon *c)
{
	for (int i = 0; i < c->n_own; i++)
		nftnl_expr_free(c->own[i]);
	c->n_own = 0;
	c->n = 0;
}
