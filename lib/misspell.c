// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/* "did you mean ...?" suggestions (cf. nftables src/misspell.c). */
#include "internal.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "misspell.h"

/* Names longer than this are never suggested: keeps the table on the stack. */
#define MISSPELL_MAX_LEN 64

static unsigned int min3(unsigned int a, unsigned int b, unsigned int c)
{
	unsigned int m = a < b ? a : b;

	return m < c ? m : c;
}

/* Optimal string alignment distance, case-insensitive; UINT_MAX-ish if long. */
static unsigned int distance(const char *a, const char *b)
{
	static const unsigned int W = MISSPELL_MAX_LEN + 1;
	unsigned int d[(MISSPELL_MAX_LEN + 1) * (MISSPELL_MAX_LEN + 1)];
	size_t la = strlen(a), lb = strlen(b);

	if (la > MISSPELL_MAX_LEN || lb > MISSPELL_MAX_LEN)
		return ~0u;
	for (size_t i = 0; i <= la; i++)
		d[i * W] = (unsigned int)i;
	for (size_t j = 0; j <= lb; j++)
		d[j] = (unsigned int)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned int cost = tolower((unsigned char)a[i - 1]) !=
					    tolower((unsigned char)b[j - 1]);
			unsigned int v = min3(d[(i - 1) * W + j] + 1,
					      d[i * W + j - 1] + 1,
					      d[(i - 1) * W + j - 1] + cost);

			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
			    d[(i - 2) * W + j - 2] + 1 < v)
				v = d[(i - 2) * W + j - 2] + 1;
			d[i * W + j] = v;
		}
	}
	return d[la * W + lb];
}

static bool anagram(const char *a, const char *b)
{
	unsigned int count[256] = { 0 };

	if (strlen(a) != strlen(b))
		return false;
	for (; *a; a++, b++) {
		count[tolower((unsigned char)*a)]++;
		count[tolower((unsigned char)*b)]--;
	}
	for (unsigned int i = 0; i < 256; i++)
		if (count[i])
			return false;
	return true;
}

void misspell_init(struct misspell *m, const char *word)
{
	size_t len = strlen(word);

	m->word = word;
	m->best = NULL;
	/* one edit for short words, a third of the length for longer ones */
	m->max = len <= 4 ? 1 : (unsigned int)(len / 3 > 1 ? len / 3 : 2);
	if (m->max > 3)
		m->max = 3;
	m->dist = m->max + 1;
	if (len == 0)
		m->dist = 0;	/* nothing to suggest for an empty word */
}

void misspell_try(struct misspell *m, const char *candidate)
{
	unsigned int d;

	if (m->dist == 0)
		return;
	d = distance(m->word, candidate);
	/* on a tie, a reordering of the same letters wins: prots → ports */
	if (d == m->dist && m->best && anagram(m->word, candidate) &&
	    !anagram(m->word, m->best)) {
		m->best = candidate;
		return;
	}
	if (d < m->dist && d < strlen(candidate)) {
		m->dist = d;
		m->best = candidate;
	}
}

const char *misspell_suggest(const char *word, const char *const *cands,
			     unsigned int n)
{
	struct misspell m;

	misspell_init(&m, word);
	for (unsigned int i = 0; i < n; i++)
		misspell_try(&m, cands[i]);
	return m.best;
}
