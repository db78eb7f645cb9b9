/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_VALIDATE_H
#define PINHOLE_VALIDATE_H

#include <stddef.h>

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

/*
 * Streaming validation (ydoc_stream): hosts and pinholes are validated while
 * the YAML is read, so that their nodes need not all be held at once.
 * Diagnostics go to @scratch, warnings are held back; any error at all
 * (and any section order the stream cannot follow, such as zones after
 * hosts) makes policy_stream_finish() return 1: the caller then clears @p
 * and validates the whole tree with policy_validate(), which reports the
 * errors exactly as it always does. On success (0) the held warnings go to
 * @d in the order policy_validate() would have queued them.
 */
struct policy_stream;

/* @len: the policy's size in bytes, to reserve room for what it holds */
struct policy_stream *policy_stream_new(struct pinhole_policy *p,
					struct pinhole_diag *scratch,
					size_t len);
/* The ydoc_stream child callback; @ctx is the policy_stream. */
int policy_stream_child(void *ctx, struct ynode *const *root, size_t n_root,
			const struct ynode *parent, const struct ynode *key,
			const struct ynode *node);
int policy_stream_finish(struct policy_stream *s, const struct ynode *root,
			 struct pinhole_diag *d);
void policy_stream_free(struct policy_stream *s);

/* Free what policy_validate() put in @p, not @p itself. */
void policy_clear(struct pinhole_policy *p);

#endif
