/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_ARENA_H
#define PINHOLE_ARENA_H

#include <stddef.h>

/*
 * A bump allocator for the many small strings and arrays of a policy or a
 * ruleset (names, comments, port lists), freed all at once: at 100,000
 * pinholes, one malloc/free each costs more than the parse. The owner keeps
 * a `struct arena_block *` head, NULL when empty. The YAML tree (ydoc.c)
 * also gives back, at a mark, what a consumed subtree used.
 */
struct arena_block;

/**
 * struct arena_mark - a position in an arena, from arena_mark()
 * @block: the current block then, NULL if there was none
 * @used: the bytes of it in use
 */
struct arena_mark {
	struct arena_block *block;
	size_t used;
};

/* @size bytes aligned to @align (a power of two), or NULL on ENOMEM. */
void *arena_alloc(struct arena_block **head, size_t size, size_t align);
char *arena_strdup(struct arena_block **head, const char *s);
/* Where the arena stands now, for arena_release_to(). */
void arena_mark(struct arena_block *const *head, struct arena_mark *m);
/* Free what was allocated after @m (a one-off big block may stay). */
void arena_release_to(struct arena_block **head, const struct arena_mark *m);
/* Free every block; *head becomes NULL. */
void arena_release(struct arena_block **head);

#endif
