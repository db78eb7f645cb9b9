// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
#include "internal.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "mem.h"

#define ARENA_BLOCK (64u << 10)

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	max_align_t data[];
};

void *arena_alloc(struct arena_block **head, size_t size, size_t align)
{
	struct arena_block *b = *head;
	size_t at = b ? (b->used + align - 1) & ~(align - 1) : 0;

	if (!b || at > b->size || b->size - at < size) {
		size_t bsize = size > ARENA_BLOCK ? size : ARENA_BLOCK;
		struct arena_block *nb = malloc(sizeof(*nb) + bsize);

		if (!nb)
			return NULL;
		mem_prefault(nb->data, bsize);
		nb->size = bsize;
		nb->used = size;
		/* a big one-off block goes second, so the current one stays */
		if (b && size > ARENA_BLOCK) {
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			*head = nb;
		}
		return nb->data;
	}
	b->used = at + size;
	return (char *)b->data + at;
}

char *arena_strdup(struct arena_block **head, const char *s)
{
	size_t len = strlen(s) + 1;
	char *p = arena_alloc(head, len, 1);

	if (p)
		memcpy(p, s, len);
	return p;
}

void arena_mark(struct arena_block *const *head, struct arena_mark *m)
{
	m->block = *head;
	m->used = *head ? (*head)->used : 0;
}

/*
 * Blocks are only ever added in front of the current one or right behind
 * it, so @m's block is still on the list, and all before it came later.
 * Unless @m's block is left empty (then it is the one to reuse), one block
 * of the usual size among those is kept, empty, as the current block: else,
 * with @m near the end of its block, every subtree given back would cost a
 * malloc(), a prefault and a free(). The rest of @m's block goes unused.
 */
void arena_release_to(struct arena_block **head, const struct arena_mark *m)
{
	bool reuse_mark = m->block && !m->used;
	struct arena_block *keep = NULL;

	while (*head && *head != m->block) {
		struct arena_block *b = *head;

		*head = b->next;
		if (!reuse_mark && !keep && b->size == ARENA_BLOCK)
			keep = b;
		else
			free(b);
	}
	if (*head)
		(*head)->used = m->used;
	if (keep) {
		keep->used = 0;
		keep->next = *head;
		*head = keep;
	}
}

void arena_release(struct arena_block **head)
{
	while (*head) {
		struct arena_block *next = (*head)->next;

		free(*head);
		*head = next;
	}
}
