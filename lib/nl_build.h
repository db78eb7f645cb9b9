/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_NL_BUILD_H
#define PINHOLE_NL_BUILD_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

struct nftnl_batch;
struct nftnl_rule;
struct nftnl_set;
struct pinhole_ruleset;
struct ir_chain;
struct ir_rule;
struct ir_set;

enum nl_obj_kind {
	NL_OBJ_BATCH,		/* BATCH_BEGIN / END */
	NL_OBJ_TABLE,
	NL_OBJ_OLD_TABLE,	/* the table loaded before, under another name */
	NL_OBJ_SET,
	NL_OBJ_ELEMS,
	NL_OBJ_CHAIN,
	NL_OBJ_RULE,
};

/**
 * struct nl_obj - what one batch message was built from
 * @kind: the object kind
 * @chain: for rules and chains (borrowed from the ruleset)
 * @rule: for rules, and for anonymous sets and their elements
 * @set: for sets and elements
 */
struct nl_obj {
	enum nl_obj_kind kind;
	const struct ir_chain *chain;
	const struct ir_rule *rule;
	const struct ir_set *set;
};

/**
 * struct nl_built - one transaction, ready to send
 * @batch: the messages, BATCH_BEGIN ... BATCH_END
 * @seq0: sequence number of BATCH_BEGIN; message i has seq0 + i
 * @n_msgs: number of messages including BEGIN and END
 * @objs: @n_msgs entries, what each message was built from
 */
struct nl_built {
	struct nftnl_batch *batch;
	uint32_t seq0;
	size_t n_msgs;
	struct nl_obj *objs;
	size_t cap_objs;
};

/**
 * nl_build_ruleset - the batch that atomically replaces table @r->table
 * @r: the ruleset; must outlive the result (objs borrow from it)
 * @genid: generation the batch is valid for (NFNL_BATCH_GENID), 0 = any
 * @seq0: first sequence number
 *
 * NEWTABLE, DELTABLE, NEWTABLE (works whether or not the table exists and
 * leaves nothing stale), named sets and their elements, chains, then each
 * rule preceded by its anonymous sets. Returns 0 or -errno.
 */
int nl_build_ruleset(const struct pinhole_ruleset *r, uint32_t genid,
		     uint32_t seq0, struct nl_built **out);

/*
 * The same, deleting table @old (inet; NULL or @r->table: none) at the
 * start of the batch whether or not it exists: a renamed table is gone
 * in the same commit that creates the new one.
 */
int nl_build_replacing(const struct pinhole_ruleset *r, const char *old,
		       uint32_t genid, uint32_t seq0, struct nl_built **out);

/* DELTABLE @table (with @genid), in a batch of its own. */
int nl_build_flush(const char *table, uint32_t genid, uint32_t seq0,
		   struct nl_built **out);

/**
 * struct nl_elem_delta - what incremental apply changes in one named set
 * @set: the set (the compiled one; the live one has the same declaration)
 * @del: elements to delete (the live set's), @n_del of them
 * @add: elements to add (the compiled set's), @n_add of them
 * @del_zero, @add_zero: single-field interval sets: delete / add the
 *	leading END element of key 0 (a full load writes it when the first
 *	range does not start at 0; the delta keeps that true)
 */
struct ir_elem;
struct nl_elem_delta {
	const struct ir_set *set;
	const struct ir_elem **del, **add;
	size_t n_del, n_add;
	bool del_zero, add_zero;
};

/*
 * The batch of an incremental apply to table @table: every delta's
 * DELSETELEMs, then every delta's NEWSETELEMs (NLM_F_CREATE|NLM_F_EXCL: an
 * element the kernel holds already is refused, not merged), under @genid
 * (BATCH_BEGIN's NFTA_GEN_ID, as the full replace: a commit since the
 * table was read refuses the whole batch). Returns 0, -EINVAL for an
 * anonymous set, or -ENOMEM.
 */
int nl_build_elems(const char *table, const struct nl_elem_delta *d, size_t n,
		   uint32_t genid, uint32_t seq0, struct nl_built **out);

void nl_built_free(struct nl_built *b);

/*
 * One rule alone (the decoder re-linearises what it decoded to check it):
 * anonymous sets are named "__set%d" with id 0. NULL on ENOMEM or unknown.
 */
struct nftnl_rule *nl_build_rule(const struct pinhole_ruleset *r,
				 const char *chain, const struct ir_rule *rule);

/*
 * The set declaration (no elements) the batch holds for @s, with id 0: the
 * decoder compares a dumped set with it to tell whether the IR holds the
 * set exactly. NULL on ENOMEM.
 */
struct nftnl_set *nl_build_set(const char *table, const struct ir_set *s);

/* What message @seq was built from; NULL if not in the batch. */
const struct nl_obj *nl_built_obj(const struct nl_built *b, uint32_t seq);

/*
 * Helpers shared with the decoder: nft datatype of a set key / map data
 * (Σ typeᵢ << 6·(n−1−i)) and the kernel's key length.
 */
uint32_t nl_set_key_type(const struct ir_set *s);
uint32_t nl_set_key_len(const struct ir_set *s);
uint32_t nl_set_data_len(const struct ir_set *s);

#endif
