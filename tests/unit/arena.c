// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The arena: alignment, one-off big blocks that leave the current block
 * current, and giving back at a mark what came after it (the YAML tree's
 * streamed subtrees) without losing what came before.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "tap.h"

/* Enough small pieces to need several blocks, each filled with @c. */
static char *fill(struct arena_block **a, int c)
{
	char *first = NULL;

	for (int i = 0; i < 300; i++) {
		char *p = arena_alloc(a, 1000, 1);

		if (!p)
			return NULL;
		memset(p, c, 1000);
		if (!first)
			first = p;
	}
	return first;
}

int main(void)
{
	struct arena_block *a = NULL;
	struct arena_mark m;
	char *s, *p, *q, *prev = NULL;
	bool same = true, kept = true;

	p = arena_alloc(&a, 1, 1);
	q = arena_alloc(&a, 8, 8);
	ok(p && q && (uintptr_t)q % 8 == 0, "an 8-byte piece is 8-byte aligned");
	q = arena_alloc(&a, 16, 16);
	ok(q && (uintptr_t)q % 16 == 0, "a 16-byte piece is 16-byte aligned");
	s = arena_strdup(&a, "spine");
	is_str(s, "spine", "arena_strdup copies");

	p = arena_alloc(&a, 16, 1);
	q = arena_alloc(&a, 1u << 20, 16);
	memset(q, 0xa5, 1u << 20);
	ok(q && arena_alloc(&a, 16, 1) == p + 16,
	   "a one-off big block leaves the current block current");

	/* as the YAML tree does: a mark for each subtree it gives back */
	for (int round = 0; round < 20; round++) {
		arena_mark(&a, &m);
		q = fill(&a, 'x' + round % 2);
		arena_release_to(&a, &m);
		kept &= !strcmp(s, "spine");
		/* from the third round on, the kept block is reused */
		if (round >= 2)
			same &= q == prev;
		prev = q;
	}
	ok(kept, "what came before the mark survives each release");
	ok(same, "a released block of the usual size is kept and reused");
	arena_mark(&a, &m);
	p = arena_alloc(&a, 64, 1);
	arena_release_to(&a, &m);
	ok(arena_alloc(&a, 64, 1) == p, "a release at the current block rewinds it");
	arena_release(&a);
	ok(!a, "arena_release empties the arena");

	arena_mark(&a, &m);
	ok(fill(&a, 'y') != NULL, "a mark on an empty arena");
	arena_release_to(&a, &m);
	p = arena_alloc(&a, 32, 8);
	ok(p && (uintptr_t)p % 8 == 0, "allocations go on after a release to it");
	arena_release(&a);
	return tap_done();
}
