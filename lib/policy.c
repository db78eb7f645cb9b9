// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/* The public loader: read, parse (ydoc.c), validate (validate.c), free. */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "pinhole.h"
#include "validate.h"
#include "ydoc.h"

EXPORT_SYMBOL(pinhole_policy_free);
void pinhole_policy_free(struct pinhole_policy *p)
{
	if (!p)
		return;
	policy_clear(p);
	free(p->file);
	free(p);
}

void policy_clear(struct pinhole_policy *p)
{
	for (size_t i = 0; i < p->n_zones; i++) {
		struct ph_zone *z = &p->zones[i];

		for (size_t j = 0; j < z->n_ifnames; j++)
			free(z->ifnames[j]);
		free(z->ifnames);
		free(z->reach);
		free(z->ifname_locs);
		free(z->name);
	}
	free(p->zones);
	/* host and pinhole names and port lists are in the arena */
	free(p->hosts);
	for (size_t i = 0; i < p->n_pinholes; i++)
		free(p->pinholes[i].from);
	free(p->pinholes);
	free(p->table);
	arena_release(&p->arena);
	p->zones = NULL;
	p->hosts = NULL;
	p->pinholes = NULL;
	p->table = NULL;
	p->n_zones = p->n_hosts = p->n_pinholes = 0;
}

/* Back to a zeroed policy that keeps its file name. */
static void policy_reset(struct pinhole_policy *p)
{
	char *file = p->file;

	policy_clear(p);
	memset(p, 0, sizeof(*p));
	p->file = file;
}

/*
 * The fast path: validate hosts and pinholes while libyaml reads them, so
 * the YAML tree never holds more than one of them (a policy of 100,000
 * pinholes takes a few MiB instead of a hundred). It only ever succeeds on
 * a policy with no error; returns 1 for "do it the plain way" (any error,
 * an order it cannot follow), 0 or -ENOMEM.
 */
static int load_stream(struct pinhole_policy *p, const char *buf, size_t len,
		       int fd, size_t size, struct pinhole_diag *d)
{
	struct pinhole_diag *scratch = pinhole_diag_new();
	struct policy_stream *vs = scratch ? policy_stream_new(p, scratch, size) : NULL;
	struct ydoc_stream st = { policy_stream_child, vs };
	struct ydoc *doc = NULL;
	int ret = -ENOMEM;

	if (!vs)
		goto out;
	ret = ydoc_parse_stream(p->file, buf, len, fd, scratch, &st, &doc);
	if (ret == 0)
		ret = policy_stream_finish(vs, ydoc_root(doc), d);
	else if (ret != -ENOMEM)
		ret = 1;
out:
	ydoc_free(doc);
	policy_stream_free(vs);
	pinhole_diag_free(scratch);
	return ret;
}

/* The plain way: the whole tree, then every check with every diagnostic. */
static int load_tree(struct pinhole_policy *p, const char *buf, size_t len,
		     struct pinhole_diag *d)
{
	struct ydoc *doc = NULL;
	int ret;

	ret = ydoc_parse(p->file, buf, len, d, &doc);
	if (!ret)
		ret = policy_validate(ydoc_root(doc), p, d);
	ydoc_free(doc);
	return ret;
}

static struct pinhole_policy *policy_new(const char *name)
{
	struct pinhole_policy *p = calloc(1, sizeof(*p));

	if (p && !(p->file = strdup(name))) {
		free(p);
		p = NULL;
	}
	return p;
}

/**
 * pinhole_policy_load_buffer - parse and validate a policy held in memory
 *
 * Locations in the policy borrow the policy's own copy of @name. On any
 * error nothing is returned: *@out is NULL.
 */
static int load_buffer(const char *name, const char *buf, size_t len,
		       bool stream, struct pinhole_diag *d,
		       struct pinhole_policy **out)
{
	struct pinhole_policy *p;
	int ret = 1;

	*out = NULL;
	p = policy_new(name ? name : "<policy>");
	if (!p)
		return -ENOMEM;
	if (stream && len <= YDOC_MAX_BYTES)
		ret = load_stream(p, buf, len, -1, len, d);
	if (ret == 1) {
		policy_reset(p);
		ret = load_tree(p, buf, len, d);
	}
	if (ret) {
		pinhole_policy_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

EXPORT_SYMBOL(pinhole_policy_load_buffer);
int pinhole_policy_load_buffer(const char *name, const char *buf, size_t len,
			       struct pinhole_diag *d,
			       struct pinhole_policy **out)
{
	return load_buffer(name, buf, len, true, d, out);
}

/* Read all of @fd, refusing more than YDOC_MAX_BYTES; -errno or -EFBIG. */
static int read_all(int fd, char **buf, size_t *len)
{
	size_t cap = 0, n = 0;
	char *b = NULL;
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((unsigned long long)st.st_size > YDOC_MAX_BYTES)
			return -EFBIG;
		cap = (size_t)st.st_size + 1;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			cap = cap ? cap * 2 : 65536;
			if (cap > YDOC_MAX_BYTES + 1)
				cap = YDOC_MAX_BYTES + 1;
			if (n == cap) {
				free(b);
				return -EFBIG;
			}
			nb = realloc(b, cap);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		} else if (!b) {
			b = malloc(cap);
			if (!b)
				return -ENOMEM;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(b);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	return 0;
}

/* A regular file of acceptable size: it can stream straight from its fd. */
static bool streamable(int fd, size_t *size)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > YDOC_MAX_BYTES)
		return false;
	*size = (size_t)st.st_size;
	return true;
}

/* Returns 1 when the caller must read it whole and load it the plain way. */
static int load_file_stream(int fd, size_t size, const char *name,
			    struct pinhole_diag *d, struct pinhole_policy **out)
{
	struct pinhole_policy *p;
	int ret;

	p = policy_new(name);
	if (!p)
		return -ENOMEM;
	ret = load_stream(p, NULL, 0, fd, size, d);
	if (ret) {
		pinhole_policy_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

/**
 * pinhole_policy_load_file - as pinhole_policy_load_buffer(), from @path
 *
 * "-" reads standard input (named "<stdin>" in diagnostics). A file that
 * cannot be read is reported in @d as "PATH: error: cannot read: REASON" and
 * the call returns -1 (the diagnostic says it all); -ENOMEM on allocation
 * failure.
 */
EXPORT_SYMBOL(pinhole_policy_load_file);
int pinhole_policy_load_file(const char *path, struct pinhole_diag *d,
			     struct pinhole_policy **out)
{
	bool is_stdin = !strcmp(path, "-"), streamed = false;
	const char *name = is_stdin ? "<stdin>" : path;
	struct pinhole_loc whole = { .file = name };
	char *buf = NULL;
	size_t len = 0, size;
	int fd, ret;

	*out = NULL;
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pinhole_error(d, &whole, "cannot read: %s", strerror(errno));
	/* a regular file streams in chunks; read it whole only to report errors */
	if (!is_stdin && streamable(fd, &size)) {
		streamed = true;
		ret = load_file_stream(fd, size, name, d, out);
		if (ret != 1) {
			close(fd);
			return ret;
		}
		if (lseek(fd, 0, SEEK_SET) != 0) {
			ret = -errno;
			close(fd);
			return pinhole_error(d, &whole, "cannot read: %s",
					     strerror(-ret));
		}
	}
	ret = read_all(fd, &buf, &len);
	if (!is_stdin)
		close(fd);
	if (ret == -ENOMEM)
		return ret;
	if (ret == -EFBIG)
		return pinhole_error(d, &whole, "policy is too large (the limit "
				     "is 16 MiB)");
	if (ret < 0)
		return pinhole_error(d, &whole, "cannot read: %s", strerror(-ret));
	/* a file that did not stream has an error: no second try */
	ret = load_buffer(name, buf ? buf : "", len, !streamed, d, out);
	free(buf);
	return ret;
}
