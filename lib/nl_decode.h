/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_NL_DECODE_H
#define PINHOLE_NL_DECODE_H

#include <stdint.h>

struct nftnl_chain;
struct nftnl_rule;
struct nftnl_set;
struct nl_sock;
struct pinhole_ruleset;

/*
 * libnftnl objects -> IR, the exact inverse of nl_build.c. Feed the table's
 * chains and sets (elements attached) first, then its rules in chain order.
 * A rule is recognised only if re-linearising the decoded IR gives back its
 * bytecode; anything else becomes an ir_rule with .unknown set and .raw
 * holding the bytecode as text, so nothing is silently dropped. Likewise
 * a set, table flag, chain property or named object the IR cannot hold
 * exactly is recorded in the ruleset's foreign list (ir.h).
 */
struct nl_decoder;

struct nl_decoder *nl_decoder_new(const char *table);
void nl_decoder_free(struct nl_decoder *d);
/* Each takes ownership of its argument (also on error). */
int nl_decode_chain(struct nl_decoder *d, struct nftnl_chain *c);
int nl_decode_set(struct nl_decoder *d, struct nftnl_set *s);
int nl_decode_rule(struct nl_decoder *d, struct nftnl_rule *r);
/* The decoded ruleset; the decoder gives it up. */
struct pinhole_ruleset *nl_decoder_result(struct nl_decoder *d);

/**
 * nl_read_table - dump table @table (inet) and decode it
 * @out: the ruleset, or NULL when the table does not exist
 * @genid: out, optional: the generation the dump is consistent with
 * Returns 0 or -errno.
 */
int nl_read_table(struct nl_sock *s, const char *table,
		  struct pinhole_ruleset **out, uint32_t *genid);

#endif
