// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Incremental apply: the compiled table against the live one. When they
 * differ only in the elements of named sets (same sets with the same
 * declarations, same chains and rules, same table) the apply sends just
 * the element deletes and adds (nl_build_elems()), so the counters of the
 * elements left alone and of every rule survive; anything else, or any
 * doubt (a foreign object, a rule the decoder did not recognise), is the
 * full replace.
 *
 * "Same but for the elements" is decided on the canonical nft text both
 * sides print without elements (IR_EMIT_NO_ELEMENTS): the IR prints each
 * construct one way only and the decoder gives back exactly what the
 * builder wrote (ir.h), the same ground `pinhole diff` stands on. The
 * elements are then matched by value through a hash table, O(n).
 */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "incr.h"
#include "ir.h"

static char *text_no_elems(const struct pinhole_ruleset *r)
{
	char *t = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&t, &len);
	int ret;

	if (!f)
		return NULL;
	ret = ir_emit(r, f, IR_EMIT_NO_PREAMBLE | IR_EMIT_NO_ELEMENTS);
	if (fclose(f) || ret) {
		free(t);
		return NULL;
	}
	return t;
}

struct cmp {
	uint32_t klen, dlen;
	bool iv, map;
};

static uint64_t elem_hash(const struct cmp *c, const struct ir_elem *e)
{
	uint64_t h = 1469598103934665603ull;

	for (uint32_t i = 0; i < c->klen; i++)
		h = (h ^ e->key[i]) * 1099511628211ull;
	if (c->iv)
		for (uint32_t i = 0; i < c->klen; i++)
			h = (h ^ e->key_end[i]) * 1099511628211ull;
	return h ^ h >> 29;
}

/* Everything a full load writes of an element: key, range, data, comment. */
static bool elem_eq(const struct cmp *c, const struct ir_elem *a,
		    const struct ir_elem *b)
{
	if (memcmp(a->key, b->key, c->klen))
		return false;
	if (c->iv && memcmp(a->key_end, b->key_end, c->klen))
		return false;
	if (c->map && memcmp(a->data, b->data, c->dlen))
		return false;
	return !strcmp(a->comment ? a->comment : "", b->comment ? b->comment : "");
}

static bool all_zero(const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* nl_build_set.c's set_elems(): a leading END of key 0 unless a range starts at 0 */
static bool has_zero_end(const struct ir_set *s, uint32_t klen)
{
	if (!s->n_elems)
		return false;
	for (size_t i = 0; i < s->n_elems; i++)
		if (all_zero(s->elems[i].key, klen))
			return false;
	return true;
}

/*
 * The delta of one set into @d: the live elements that @want does not
 * hold, and the wanted ones the live set does not hold.
 */
static int set_delta(const struct ir_set *live, const struct ir_set *want,
		     struct nl_elem_delta *d)
{
	struct cmp c = {
		.klen = nl_set_key_len(want),
		.dlen = nl_set_data_len(want),
		.iv = want->flags & IR_SET_INTERVAL,
		.map = want->flags & IR_SET_MAP,
	};
	size_t cap = 16, mask;
	uint32_t *slot;
	bool *seen;
	int ret = -ENOMEM;

	memset(d, 0, sizeof(*d));
	d->set = want;
	while (cap < 2 * want->n_elems)
		cap *= 2;
	mask = cap - 1;
	slot = calloc(cap, sizeof(*slot));	/* index + 1; 0 = empty */
	seen = calloc(want->n_elems + 1, sizeof(*seen));
	d->del = malloc((live->n_elems + 1) * sizeof(*d->del));
	d->add = malloc((want->n_elems + 1) * sizeof(*d->add));
	if (!slot || !seen || !d->del || !d->add)
		goto out;
	for (size_t i = 0; i < want->n_elems; i++) {
		size_t h = elem_hash(&c, &want->elems[i]) & mask;

		while (slot[h])
			h = (h + 1) & mask;
		slot[h] = (uint32_t)i + 1;
	}
	for (size_t i = 0; i < live->n_elems; i++) {
		const struct ir_elem *e = &live->elems[i];
		size_t h = elem_hash(&c, e) & mask;
		bool found = false;

		for (; slot[h]; h = (h + 1) & mask) {
			size_t j = slot[h] - 1;

			if (!seen[j] && elem_eq(&c, e, &want->elems[j])) {
				seen[j] = found = true;
				break;
			}
		}
		if (!found)
			d->del[d->n_del++] = e;
	}
	for (size_t j = 0; j < want->n_elems; j++)
		if (!seen[j])
			d->add[d->n_add++] = &want->elems[j];
	if (c.iv && want->n_keys == 1) {
		bool was = has_zero_end(live, c.klen), will = has_zero_end(want, c.klen);

		d->del_zero = was && !will;
		d->add_zero = will && !was;
	}
	ret = 0;
out:
	free(slot);
	free(seen);
	if (ret) {
		free(d->del);
		free(d->add);
		d->del = d->add = NULL;
	}
	return ret;
}

static int plan_sets(const struct pinhole_ruleset *live,
		     const struct pinhole_ruleset *want, struct incr_plan *p)
{
	p->d = calloc(want->n_sets + 1, sizeof(*p->d));
	if (!p->d)
		return -ENOMEM;
	for (size_t i = 0; i < want->n_sets; i++) {
		const struct ir_set *w = want->sets[i];
		const struct ir_set *l = ir_set_find(live, w->name);
		struct nl_elem_delta *d = &p->d[p->n];
		int ret;

		if (w->flags & IR_SET_ANON)
			continue;
		if (!l) {	/* the texts were equal: cannot happen */
			p->why = "a set differs";
			return 1;
		}
		ret = set_delta(l, w, d);
		if (ret)
			return ret;
		if (!d->n_del && !d->n_add && !d->del_zero && !d->add_zero) {
			free(d->del);
			free(d->add);
			memset(d, 0, sizeof(*d));
			continue;
		}
		p->n_del += d->n_del;
		p->n_add += d->n_add;
		p->n++;
	}
	return 0;
}

int incr_plan(const struct pinhole_ruleset *live,
	      const struct pinhole_ruleset *want, struct incr_plan *p)
{
	char *a, *b;
	int ret;

	memset(p, 0, sizeof(*p));
	if (!live) {
		p->why = "no table loaded";
		return 1;
	}
	if (live->n_foreign) {
		p->why = "the live table holds something pinhole does not write";
		return 1;
	}
	for (size_t i = 0; i < live->n_chains; i++)
		for (size_t j = 0; j < live->chains[i]->n_rules; j++)
			if (live->chains[i]->rules[j].unknown) {
				p->why = "the live table holds a rule pinhole does not recognise";
				return 1;
			}
	if (strcmp(live->table, want->table) || live->n_sets != want->n_sets ||
	    live->n_chains != want->n_chains) {
		p->why = "the sets or chains differ";
		return 1;
	}
	a = text_no_elems(live);
	b = a ? text_no_elems(want) : NULL;
	if (!a || !b) {
		free(a);
		return -ENOMEM;
	}
	ret = strcmp(a, b) ? 1 : 0;
	free(a);
	free(b);
	if (ret) {
		p->why = "more than set elements differ";
		return 1;
	}
	ret = plan_sets(live, want, p);
	if (ret)
		incr_plan_free(p);
	return ret;
}

void incr_plan_free(struct incr_plan *p)
{
	const char *why = p->why;

	if (p->d)
		for (size_t i = 0; i < p->n; i++) {
			free(p->d[i].del);
			free(p->d[i].add);
		}
	free(p->d);
	memset(p, 0, sizeof(*p));
	p->why = why;
}
