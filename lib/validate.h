/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_VALIDATE_H
#define PINHOLE_VALIDATE_H

struct pinhole_diag;
struct pinhole_policy;
struct ynode;

/**
 * policy_validate - fill @p from the YAML tree @root, checking everything
 * @root: the document (any kind; a non-mapping is an error)
 * @p: a zeroed policy whose @file is set; filled even on errors, as far as
 *	it got (pinhole_policy_free() frees it either way)
 * @d: errors and warnings, located at the offending node
 *
 * Reports every problem it can (stopping once @d is full). Strings in @p are
 * copies: @p does not borrow from the tree.
 * Returns 0, -1 if any error was queued, or -ENOMEM.
 */
int policy_validate(const struct ynode *root, struct pinhole_policy *p,
		    struct pinhole_diag *d);

/* Free what policy_validate() put in @p, not @p itself. */
void policy_clear(struct pinhole_policy *p);

#endif
