/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_NL_DECODE_INT_H
#define PINHOLE_NL_DECODE_INT_H

/*
 * Private to the decoder (nl_decode*.c), not installed: the decoder and
 * what the rule decoder takes from the set decoder.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ir_set;
struct nftnl_expr;
struct nftnl_set;
struct pinhole_ruleset;

struct nl_decoder {
	struct pinhole_ruleset *r;
	struct nftnl_set **sets;	/* every set of the table, as dumped */
	size_t n_sets;
	bool failed;
};

/* nl_decode_set.c */
int nld_fill_set(struct ir_set *s, struct nftnl_set *ns);
struct nftnl_set *nld_find_nset(struct nl_decoder *d, const char *name,
				uint32_t id);

/*
 * nl_decode_canon.c: a rule's expressions with nft's equivalent forms
 * rewritten to pinhole's (see there). @ex is NULL-terminated; it borrows
 * the input's expressions and owns the ones a rewrite made (@own).
 */
#define NLD_CANON_MAX	128
struct nld_canon {
	struct nftnl_expr *ex[NLD_CANON_MAX + 1];
	int n;
	struct nftnl_expr *own[NLD_CANON_MAX];
	int n_own;
};

/* false when out of memory or room; nld_canon_free() either way */
bool nld_canon(struct nld_canon *c, struct nftnl_expr **ex, int n);
void nld_canon_free(struct nld_canon *c);

#endif
