/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_MISSPELL_H
#define PINHOLE_MISSPELL_H

/*
 * "did you mean ...?" by edit distance (optimal string alignment: an
 * adjacent transposition counts as one edit, so "wbe" is one from "web"),
 * as nftables' misspell.c does for unknown set and chain names.
 *
 *	struct misspell m;
 *	misspell_init(&m, word);
 *	for (...) misspell_try(&m, candidate);
 *	if (m.best) ...
 */
struct misspell {
	const char *word;
	const char *best;	/* borrowed from the candidates; NULL: none close */
	unsigned int dist;
	unsigned int max;	/* the largest distance still worth suggesting */
};

void misspell_init(struct misspell *m, const char *word);
void misspell_try(struct misspell *m, const char *candidate);
/* The closest of @n candidates, or NULL when none is close enough. */
const char *misspell_suggest(const char *word, const char *const *cands,
			     unsigned int n);

#endif
