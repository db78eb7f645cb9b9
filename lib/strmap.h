/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_STRMAP_H
#define PINHOLE_STRMAP_H

#include <stddef.h>

/*
 * A string → size_t hash table (open addressing, linear probing) for the
 * loader's name lookups and duplicate checks, which must stay linear on
 * policies with 100,000 pinholes. Keys are borrowed: they must outlive the
 * map. Nothing is ever removed.
 */
struct strmap {
	const char **keys;
	size_t *vals;
	size_t n, cap;
};

void strmap_init(struct strmap *m);
void strmap_free(struct strmap *m);
/*
 * Look @key up; if absent, insert it with @val. Returns 1 and sets *@found
 * to the existing value when present, 0 after an insert, -ENOMEM.
 */
int strmap_add(struct strmap *m, const char *key, size_t val, size_t *found);
/* 1 and *@val when present, 0 when absent. */
int strmap_get(const struct strmap *m, const char *key, size_t *val);

#endif
