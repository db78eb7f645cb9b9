/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_NL_BUILD_INT_H
#define PINHOLE_NL_BUILD_INT_H

/*
 * Private to the builder (nl_build*.c), not installed: its context, the
 * message helpers of nl_build_msg.c and what one file builds for another.
 */
#include <stdbool.h>
#include <stdint.h>

#include "nl_build.h"

struct nlmsghdr;
struct ir_chain;
struct ir_rule;
struct ir_set;
struct nl_built;
struct pinhole_ruleset;

/* room for the userdata TLVs of a set, an element or a rule */
#define UD_MAX 256

struct ctx {
	struct nl_built *out;
	const struct pinhole_ruleset *r;
	const char *table;
	uint32_t seq;
	uint32_t next_id;
	char *zero_lo, *zero_hi;	/* batch bytes known to be zero */
};

/* nl_build_msg.c: the next message, and the record of what it was built from */
int nlb_note(struct ctx *c, enum nl_obj_kind kind, const struct ir_chain *ch,
	     const struct ir_rule *rule, const struct ir_set *set);
struct nlmsghdr *nlb_hdr(struct ctx *c, uint16_t type, uint16_t flags);
int nlb_done(struct ctx *c);
/* nl_build_msg.c: an empty batch; BATCH_BEGIN (with @genid if not 0), END */
int nlb_new_built(uint32_t seq0, struct nl_built **out);
int nlb_begin(struct ctx *c, uint32_t genid);
int nlb_end(struct ctx *c);

/* nl_build_set.c: a set and its elements */
int nlb_set_msgs(struct ctx *c, const struct ir_set *s, uint32_t id,
		 const struct ir_chain *ch, const struct ir_rule *rule);

/* nl_build_set.c: elements of a named set to delete or add (incremental) */
struct ir_elem;
int nlb_elem_list(struct ctx *c, const struct ir_set *s, uint16_t type,
		  uint16_t flags, const struct ir_elem *const *elems, size_t n,
		  bool zero);

/* nl_build_rule.c: a rule, after its anonymous sets */
int nlb_rule_msgs(struct ctx *c, const struct ir_chain *ch,
		  const struct ir_rule *rule);

#endif
