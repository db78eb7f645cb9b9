// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
#include "internal.h"

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

		b = malloc(sizeof(*b) + bsize);
		if (!b)
			return NULL;
		mem_prefault(b->data, bsize);
		b->size = bsize;
		b->next = *head;
		*head = b;
		at = 0;
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

void arena_release(struct arena_block **head)
{
	while (*head) {
		struct arena_block *next = (*head)->next;

		free(*head);
		*head = next;
	}
}
