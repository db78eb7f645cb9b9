// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * libyaml events → struct ynode tree. Built iteratively with an explicit
 * stack (no recursion, so nesting depth costs no C stack), capped in depth,
 * node count and scalar size; every node carries a 1-based position.
 */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "arena.h"
#include "diag.h"
#include "strmap.h"
#include "ydoc.h"

struct ydoc {
	struct arena_block *blocks;
	struct ynode *root;
};

struct frame {
	struct ynode *node;
	size_t first;		/* its first child in the pending stack */
};

struct builder {
	const char *file;
	const char *buf;
	size_t len;
	struct pinhole_diag *d;
	struct ydoc *doc;
	struct frame stack[YDOC_MAX_DEPTH];
	size_t depth;
	struct ynode **pending;	/* children of every open collection */
	size_t n_pending, cap_pending;
	size_t nodes;
	bool failed;		/* an error was queued: no tree */
	bool oom;
	const struct ydoc_stream *st;
	struct arena_mark mark;	/* where the current streamed child began */
	int fd;			/* input: buf, or this file when buf is NULL */
	size_t read_total;
	bool bom_checked;	/* read_fd() looked for a byte order mark */
};

void ydoc_free(struct ydoc *doc)
{
	if (!doc)
		return;
	arena_release(&doc->blocks);
	free(doc);
}

const struct ynode *ydoc_root(const struct ydoc *doc)
{
	return doc->root;
}

bool ynode_is_null(const struct ynode *n)
{
	return n->kind == YN_SCALAR && n->plain &&
	       (!n->len || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
		!strcmp(n->str, "Null") || !strcmp(n->str, "NULL"));
}

/* libyaml marks are 0-based; ours are 1-based: the one place we add 1. */
static struct pinhole_loc mark_loc(const struct builder *b, yaml_mark_t m)
{
	struct pinhole_loc loc = {
		.file = b->file,
		.line = (unsigned int)m.line + 1,
		.col = (unsigned int)m.column + 1,
	};

	return loc;
}

/*
 * Reader errors (bad UTF-8, control characters) carry a byte offset and
 * no mark; count lines and characters (not bytes, as libyaml's columns do)
 * up to it.
 */
static struct pinhole_loc offset_loc(const struct builder *b, size_t off)
{
	struct pinhole_loc loc = { .file = b->file, .line = 1, .col = 1 };

	if (!b->buf)
		return loc;	/* streamed from a file: the caller retries */
	if (off > b->len)
		off = b->len;
	for (size_t i = 0; i < off; i++) {
		unsigned char c = (unsigned char)b->buf[i];

		if (c == '\n') {
			loc.line++;
			loc.col = 1;
		} else if ((c & 0xc0) != 0x80) {
			loc.col++;
		}
	}
	return loc;
}

static int fail(struct builder *b, const struct pinhole_loc *loc,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct builder *b, const struct pinhole_loc *loc,
		const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	b->failed = true;
	return pinhole_error(b->d, loc, "%s", msg);
}

static void parser_error(struct builder *b, const yaml_parser_t *p)
{
	struct pinhole_loc loc;
	const char *problem = p->problem ? p->problem : "cannot parse YAML";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		b->oom = true;
		return;
	case YAML_READER_ERROR:
		loc = offset_loc(b, p->problem_offset);
		if (p->problem_value != -1)
			fail(b, &loc, "%s (0x%02x)", problem, p->problem_value);
		else
			fail(b, &loc, "%s", problem);
		return;
	default:
		loc = mark_loc(b, p->problem_mark);
		if (b->buf && p->problem_mark.index < b->len &&
		    b->buf[p->problem_mark.index] == '\t')
			fail(b, &loc, "%s (YAML does not allow tabs for indentation)",
			     problem);
		else
			fail(b, &loc, "%s", problem);
		return;
	}
}

/*
 * The open collection is the value of a root mapping key: its children are
 * what a stream consumer may take (hosts, pinholes).
 */
static bool streamed_frame(const struct builder *b)
{
	return b->st && b->depth == 2 && b->stack[0].node->kind == YN_MAP &&
	       (b->stack[1].first - b->stack[0].first) % 2 == 1;
}

static struct ynode *new_node(struct builder *b, enum ynode_kind kind,
			      yaml_mark_t mark)
{
	struct ynode *n;

	const struct frame *top = b->depth ? &b->stack[b->depth - 1] : NULL;
	bool is_key = top && top->node->kind == YN_MAP &&
		      (b->n_pending - top->first) % 2 == 0;

	/* a new item, or a new key: what a consumer may give back begins here */
	if (streamed_frame(b) && (top->node->kind == YN_SEQ || is_key))
		arena_mark(&b->doc->blocks, &b->mark);

	/* a key and its value count as one node */
	if (!is_key && ++b->nodes > YDOC_MAX_NODES) {
		struct pinhole_loc loc = mark_loc(b, mark);

		fail(b, &loc, "policy is too large (more than %u YAML values)",
		     YDOC_MAX_NODES);
		return NULL;
	}
	n = arena_alloc(&b->doc->blocks, sizeof(*n), _Alignof(struct ynode));
	if (!n) {
		b->oom = true;
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->loc = mark_loc(b, mark);
	return n;
}

static int push_pending(struct builder *b, struct ynode *n)
{
	if (b->n_pending == b->cap_pending) {
		size_t cap = b->cap_pending ? b->cap_pending * 2 : 64;
		struct ynode **p = realloc(b->pending, cap * sizeof(*p));

		if (!p) {
			b->oom = true;
			return -ENOMEM;
		}
		b->pending = p;
		b->cap_pending = cap;
	}
	b->pending[b->n_pending++] = n;
	return 0;
}

/* Offer a finished child of a root value to the stream consumer. */
static int offer(struct builder *b, struct ynode *n)
{
	const struct frame *f = &b->stack[1];
	const struct ynode *key = NULL;
	int r;

	if (f->node->kind == YN_MAP) {
		if ((b->n_pending - f->first) % 2 == 0)
			return 0;	/* a key: wait for its value */
		key = b->pending[b->n_pending - 1];
	}
	r = b->st->child(b->st->ctx, b->pending + b->stack[0].first,
			 f->first - b->stack[0].first, f->node, key, n);
	if (r < 0) {
		b->failed = true;
		return -1;
	}
	if (r == 0)
		return 0;
	if (key)
		b->n_pending--;
	arena_release_to(&b->doc->blocks, &b->mark);
	return 1;
}

/* Attach a finished node to the open collection, or make it the root. */
static int attach(struct builder *b, struct ynode *n)
{
	if (streamed_frame(b)) {
		int r = offer(b, n);

		if (r)
			return r < 0 ? -1 : 0;
	}
	if (b->depth)
		return push_pending(b, n);
	b->doc->root = n;
	return 0;
}

/* Anchors, aliases and tags are refused: the policy is plain data. */
static void check_props(struct builder *b, const yaml_char_t *anchor,
			const yaml_char_t *tag, yaml_mark_t mark)
{
	struct pinhole_loc loc = mark_loc(b, mark);

	if (anchor)
		fail(b, &loc, "YAML anchors are not allowed ('&%.64s')",
		     (const char *)anchor);
	if (tag)
		fail(b, &loc, "YAML tags are not allowed ('%.64s')",
		     (const char *)tag);
}

static int add_scalar(struct builder *b, const yaml_event_t *e)
{
	const char *v = (const char *)e->data.scalar.value;
	size_t len = e->data.scalar.length;
	struct pinhole_loc loc = mark_loc(b, e->start_mark);
	struct ynode *n;
	char *s;

	check_props(b, e->data.scalar.anchor, e->data.scalar.tag, e->start_mark);
	if (len > YDOC_MAX_SCALAR)
		fail(b, &loc, "value is too long (%zu bytes; the limit is %u)",
		     len, YDOC_MAX_SCALAR);
	else if (memchr(v, '\0', len))
		fail(b, &loc, "NUL characters are not allowed in values");
	n = new_node(b, YN_SCALAR, e->start_mark);
	if (!n)
		return -1;
	if (len > YDOC_MAX_SCALAR)
		len = 0;
	s = arena_alloc(&b->doc->blocks, len + 1, 1);
	if (!s) {
		b->oom = true;
		return -1;
	}
	memcpy(s, v, len);
	s[len] = '\0';
	n->str = s;
	n->len = (unsigned int)len;
	n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	return attach(b, n);
}

static int open_collection(struct builder *b, enum ynode_kind kind,
			   const yaml_event_t *e)
{
	struct ynode *n;

	if (kind == YN_MAP)
		check_props(b, e->data.mapping_start.anchor,
			    e->data.mapping_start.tag, e->start_mark);
	else
		check_props(b, e->data.sequence_start.anchor,
			    e->data.sequence_start.tag, e->start_mark);
	if (b->depth == YDOC_MAX_DEPTH) {
		struct pinhole_loc loc = mark_loc(b, e->start_mark);

		fail(b, &loc, "nesting is too deep (more than %u levels)",
		     YDOC_MAX_DEPTH);
		return -1;
	}
	n = new_node(b, kind, e->start_mark);
	if (!n)
		return -1;
	b->stack[b->depth].node = n;
	b->stack[b->depth].first = b->n_pending;
	b->depth++;
	return 0;
}

/* A key for a message: control characters escaped, at most 64 bytes. */
static const char *clean(char buf[300], const char *s)
{
	size_t o = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (o >= 64 && (ch & 0xc0) != 0x80) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)sprintf(buf + o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	buf[o] = '\0';
	return buf;
}

/* Pairs with equal keys: keep the first, report and drop the later ones. */
static int check_keys(struct builder *b, struct ynode *m)
{
	struct strmap seen;
	size_t out = 0;
	int ret = 0;

	strmap_init(&seen);
	for (size_t i = 0; i < m->n; i += 2) {
		struct ynode *k = m->kids[i], *v = m->kids[i + 1];
		size_t first;
		int r;

		if (k->kind != YN_SCALAR) {
			fail(b, &k->loc, "mapping keys must be plain strings, not %s",
			     k->kind == YN_MAP ? "mappings" : "lists");
			continue;
		}
		if (k->plain && !strcmp(k->str, "<<")) {
			fail(b, &k->loc, "YAML merge keys are not allowed ('<<')");
			continue;
		}
		/* small mappings: a scan beats hashing */
		if (m->n <= 16) {
			r = 0;
			for (size_t j = 0; j < out; j += 2) {
				if (!strcmp(m->kids[j]->str, k->str)) {
					first = j;
					r = 1;
					break;
				}
			}
		} else {
			r = strmap_add(&seen, k->str, out, &first);
			if (r < 0) {
				b->oom = true;
				ret = -ENOMEM;
				break;
			}
		}
		if (r) {
			const struct ynode *f = m->kids[first];
			char buf[300];

			fail(b, &k->loc, "duplicate key '%s' (first at %u:%u)",
			     clean(buf, k->str), f->loc.line, f->loc.col);
			continue;
		}
		m->kids[out++] = k;
		m->kids[out++] = v;
	}
	m->n = out;
	strmap_free(&seen);
	return ret;
}

static int close_collection(struct builder *b)
{
	struct frame *f = &b->stack[--b->depth];
	struct ynode *n = f->node;
	size_t count = b->n_pending - f->first;

	if (count) {
		n->kids = arena_alloc(&b->doc->blocks, count * sizeof(*n->kids),
				      _Alignof(struct ynode *));
		if (!n->kids) {
			b->oom = true;
			return -ENOMEM;
		}
		memcpy(n->kids, b->pending + f->first, count * sizeof(*n->kids));
	}
	n->n = count;
	b->n_pending = f->first;
	if (n->kind == YN_MAP && check_keys(b, n) < 0)
		return -ENOMEM;
	return attach(b, n);
}

/* Feed one event; returns false when parsing must stop. */
static bool handle(struct builder *b, const yaml_event_t *e, unsigned int *docs)
{
	struct pinhole_loc loc = mark_loc(b, e->start_mark);
	struct ynode *n;

	switch (e->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++*docs > 1) {
			fail(b, &loc, "a policy is one YAML document; "
				      "found a second one");
			return false;
		}
		return true;
	case YAML_SCALAR_EVENT:
		return add_scalar(b, e) == 0;
	case YAML_ALIAS_EVENT:
		fail(b, &loc, "YAML aliases are not allowed ('*%.64s')",
		     (const char *)e->data.alias.anchor);
		/* a placeholder keeps keys and values paired: find more errors */
		n = new_node(b, YN_SCALAR, e->start_mark);
		if (!n)
			return false;
		n->str = "";
		n->plain = true;
		return attach(b, n) == 0;
	case YAML_SEQUENCE_START_EVENT:
		return open_collection(b, YN_SEQ, e) == 0;
	case YAML_MAPPING_START_EVENT:
		return open_collection(b, YN_MAP, e) == 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return close_collection(b) == 0;
	case YAML_STREAM_END_EVENT:
		return false;
	default:
		return true;
	}
}

/*
 * A UTF-8 byte order mark, which some Windows editors write. libyaml skips
 * one only while it detects the encoding, and parse() fixes the encoding to
 * UTF-8 (so that UTF-16 is refused), so it is dropped here: the file's
 * first line and column are the ones after it, as an editor shows them.
 */
#define UTF8_BOM "\xef\xbb\xbf"

/* libyaml read handler: @fd in chunks, at most YDOC_MAX_BYTES in all */
static int read_fd(void *data, unsigned char *buf, size_t size, size_t *got)
{
	struct builder *b = data;
	ssize_t r;

	do
		r = read(b->fd, buf, size);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return 0;
	b->read_total += (size_t)r;
	if (!b->bom_checked && r > 0) {
		/* libyaml asks for at least a few KiB: the mark is in one read */
		b->bom_checked = true;
		if (r >= 3 && !memcmp(buf, UTF8_BOM, 3)) {
			memmove(buf, buf + 3, (size_t)r - 3);
			r -= 3;
		}
	}
	*got = (size_t)r;
	return b->read_total <= YDOC_MAX_BYTES;
}

static int parse(struct builder *b, struct ydoc **out)
{
	struct pinhole_loc whole = { .file = b->file };
	yaml_parser_t parser;
	unsigned int docs = 0;
	int ret = -1;

	*out = NULL;
	if (b->buf && b->len > YDOC_MAX_BYTES)
		return pinhole_error(b->d, &whole, "policy is too large (%zu bytes; "
				     "the limit is 16 MiB)", b->len);
	if (b->buf && b->len >= 3 && !memcmp(b->buf, UTF8_BOM, 3)) {
		b->buf += 3;
		b->len -= 3;
	}
	b->doc = calloc(1, sizeof(*b->doc));
	if (!b->doc)
		return -ENOMEM;
	if (!yaml_parser_initialize(&parser)) {
		free(b->doc);
		return -ENOMEM;
	}
	if (b->buf)
		yaml_parser_set_input_string(&parser, (const unsigned char *)b->buf,
					     b->len);
	else
		yaml_parser_set_input(&parser, read_fd, b);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	for (;;) {
		yaml_event_t e;
		bool more;

		if (pinhole_diag_full(b->d)) {
			b->failed = true;
			break;
		}
		if (!yaml_parser_parse(&parser, &e)) {
			parser_error(b, &parser);
			break;
		}
		more = handle(b, &e, &docs);
		yaml_event_delete(&e);
		if (!more || b->oom)
			break;
	}
	yaml_parser_delete(&parser);
	free(b->pending);

	if (b->oom) {
		ret = -ENOMEM;
	} else if (!b->failed && (!b->doc->root || ynode_is_null(b->doc->root))) {
		ret = pinhole_error(b->d, &whole, "policy is empty");
	} else if (!b->failed && b->doc->root) {
		*out = b->doc;
		return 0;
	}
	ydoc_free(b->doc);
	return ret;
}

int ydoc_parse(const char *file, const char *buf, size_t len,
	       struct pinhole_diag *d, struct ydoc **out)
{
	struct builder b = {
		.file = file, .buf = buf, .len = len, .d = d, .fd = -1,
	};

	return parse(&b, out);
}

int ydoc_parse_stream(const char *file, const char *buf, size_t len, int fd,
		      struct pinhole_diag *d, const struct ydoc_stream *st,
		      struct ydoc **out)
{
	struct builder b = {
		.file = file, .buf = buf, .len = len, .d = d, .fd = fd, .st = st,
	};

	return parse(&b, out);
}
