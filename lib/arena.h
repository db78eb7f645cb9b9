/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_ARENA_H
#define PINHOLE_ARENA_H

#include <stddef.h>

/*
 * A bump allocator for the many small strings and arrays of a policy or a
 * ruleset (names, comments, port lists), freed all at once: at 100,000
 * pinholes, one malloc/free each costs more than the parse. The owner keeps
 * a `struct arena_block *` head, NULL when empty.
 */
struct arena_block;

/* @size bytes aligned to @align (a power of two), or NULL on ENOMEM. */
void *arena_alloc(struct arena_block **head, size_t size, size_t align);
char *arena_strdup(struct arena_block **head, const char *s);
/* Free every block; *head becomes NULL. */
void arena_release(struct arena_block **head);

#endif
