/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_YDOC_H
#define PINHOLE_YDOC_H

#include <stdbool.h>
#include <stddef.h>

#include "loc.h"

struct pinhole_diag;

/*
 * libyaml events → a small generic tree (ydoc.c: the only file that sees
 * <yaml.h>). The tree is plain YAML: no anchors, aliases, tags or merge keys
 * (refused), no duplicate keys (reported, the later pair dropped), mapping
 * keys are always scalars, scalars hold no NUL byte. Everything lives in
 * one arena freed by ydoc_free().
 */

/* Limits: inputs past them are refused with an error, not truncated. */
#define YDOC_MAX_BYTES	(16u << 20)	/* 16 MiB */
#define YDOC_MAX_NODES	1000000u	/* values: a mapping key is not counted */
#define YDOC_MAX_DEPTH	16u		/* nested collections */
#define YDOC_MAX_SCALAR	4096u		/* bytes in one scalar */

enum ynode_kind {
	YN_SCALAR,
	YN_SEQ,
	YN_MAP,
};

/**
 * struct ynode - one YAML node
 * @kind: scalar, sequence or mapping
 * @plain: a scalar written without quotes (so "~" or an empty value is null)
 * @loc: 1-based position of the node's first character; @loc.file is the
 *	name given to ydoc_parse()
 * @str: scalar text, NUL-terminated
 * @len: its length in bytes
 * @kids: sequence items, or mapping keys and values: key i is kids[2 * i],
 *	its value kids[2 * i + 1]
 * @n: number of @kids (twice the pairs for a mapping)
 */
struct ynode {
	struct pinhole_loc loc;
	const char *str;
	struct ynode **kids;
	size_t n;
	unsigned int len;
	unsigned char kind;	/* enum ynode_kind */
	bool plain;
};

struct ydoc;

/**
 * ydoc_parse - parse one YAML document
 * @file: the name locations carry; borrowed, must outlive the tree and the
 *	diagnostics that are queued (the queue copies it)
 * @buf, @len: the text, not necessarily NUL-terminated
 * @d: where errors go
 * @out: the tree on success; free it with ydoc_free()
 *
 * Returns 0, -1 after queueing errors in @d, or -ENOMEM. An empty stream or
 * an empty document is an error ("policy is empty"), as is a second document.
 */
int ydoc_parse(const char *file, const char *buf, size_t len,
	       struct pinhole_diag *d, struct ydoc **out);
/**
 * struct ydoc_stream - consume parts of the tree while it is being built
 * @child: called when a child of a collection that is the value of a root
 *	mapping key completes: a sequence item (@key NULL), or the value of a
 *	key/value pair (@key its key). @root holds the root mapping's keys and
 *	values so far, @n_root of them: the last one is the key whose value
 *	@parent is. Returns 1 when it consumed @node (the builder drops it and
 *	reuses its memory: a caller that streams a large policy keeps only what
 *	it needs), 0 to keep it in the tree, or -1 to stop parsing.
 * @ctx: passed to @child
 *
 * This is how a policy of 100,000 pinholes loads in a few MiB: only the
 * spine of the document stays in the tree.
 */
struct ydoc_stream {
	int (*child)(void *ctx, struct ynode *const *root, size_t n_root,
		     const struct ynode *parent, const struct ynode *key,
		     const struct ynode *node);
	void *ctx;
};

/**
 * ydoc_parse_stream - ydoc_parse() that feeds @st, from @buf or from @fd
 * @buf: the text, or NULL to read @fd to its end in small chunks (more than
 *	YDOC_MAX_BYTES is an input error)
 *
 * Diagnostics that locate by byte offset need the whole text; with @fd they
 * only say that something went wrong, which suits a caller that retries
 * with ydoc_parse() whenever this fails. Returns 0, -1 (an error in @d, or
 * @st stopped the parse) or -ENOMEM.
 */
int ydoc_parse_stream(const char *file, const char *buf, size_t len, int fd,
		      struct pinhole_diag *d, const struct ydoc_stream *st,
		      struct ydoc **out);

/* The document's root: never NULL after a successful ydoc_parse(). */
const struct ynode *ydoc_root(const struct ydoc *doc);
void ydoc_free(struct ydoc *doc);

/* A plain "", "~", "null", "Null" or "NULL" scalar. */
bool ynode_is_null(const struct ynode *n);

#endif
