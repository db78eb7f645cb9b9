// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
#include "internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "strmap.h"

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void strmap_free(struct strmap *m)
{
	free(m->keys);
	free(m->vals);
	strmap_init(m);
}

/* FNV-1a */
static size_t hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return (size_t)(h ^ (h >> 29));
}

static size_t slot(const char **keys, size_t cap, const char *key)
{
	size_t i = hash(key) & (cap - 1);

	while (keys[i] && strcmp(keys[i], key))
		i = (i + 1) & (cap - 1);
	return i;
}

static int grow(struct strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	const char **keys = malloc(cap * sizeof(*keys));
	size_t *vals = malloc(cap * sizeof(*vals));	/* read only where a key is */

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	/* map the pages in one go, then clear: no fault per page */
	mem_prefault(keys, cap * sizeof(*keys));
	mem_prefault(vals, cap * sizeof(*vals));
	memset(keys, 0, cap * sizeof(*keys));
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->keys[i])
			continue;
		j = slot(keys, cap, m->keys[i]);
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
	return 0;
}

int strmap_add(struct strmap *m, const char *key, size_t val, size_t *found)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
		return -ENOMEM;
	i = slot(m->keys, m->cap, key);
	if (m->keys[i]) {
		if (found)
			*found = m->vals[i];
		return 1;
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return 0;
}

int strmap_get(const struct strmap *m, const char *key, size_t *val)
{
	size_t i;

	if (!m->cap)
		return 0;
	i = slot(m->keys, m->cap, key);
	if (!m->keys[i])
		return 0;
	*val = m->vals[i];
	return 1;
}
