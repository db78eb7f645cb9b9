// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/* The public loader: read, parse (yaml.c), validate (validate.c), free. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ast.h"
#include "diag.h"
#include "pinhole.h"
#include "validate.h"
#include "yaml.h"

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
		free(z->ifname_locs);
		free(z->name);
	}
	free(p->zones);
	for (size_t i = 0; i < p->n_hosts; i++)
		free(p->hosts[i].name);
	free(p->hosts);
	for (size_t i = 0; i < p->n_pinholes; i++) {
		struct ph_pinhole *ph = &p->pinholes[i];

		free(ph->name);
		free(ph->ports);
		free(ph->from);
		free(ph->ext_ports);
	}
	free(p->pinholes);
	free(p->table);
	p->zones = NULL;
	p->hosts = NULL;
	p->pinholes = NULL;
	p->table = NULL;
	p->n_zones = p->n_hosts = p->n_pinholes = 0;
}

/**
 * pinhole_policy_load_buffer - parse and validate a policy held in memory
 *
 * Locations in the policy borrow the policy's own copy of @name. On any
 * error nothing is returned: *@out is NULL.
 */
EXPORT_SYMBOL(pinhole_policy_load_buffer);
int pinhole_policy_load_buffer(const char *name, const char *buf, size_t len,
			       struct pinhole_diag *d,
			       struct pinhole_policy **out)
{
	struct pinhole_policy *p;
	struct ydoc *doc = NULL;
	int ret = -ENOMEM;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p || !(p->file = strdup(name ? name : "<policy>")))
		goto out;
	ret = ydoc_parse(p->file, buf, len, d, &doc);
	if (ret)
		goto out;
	ret = policy_validate(ydoc_root(doc), p, d);
	if (ret)
		goto out;
	*out = p;
	p = NULL;
out:
	ydoc_free(doc);
	pinhole_policy_free(p);
	return ret;
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
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "<stdin>" : path;
	struct pinhole_loc whole = { .file = name };
	char *buf = NULL;
	size_t len = 0;
	int fd, ret;

	*out = NULL;
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pinhole_error(d, &whole, "cannot read: %s", strerror(errno));
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
	ret = pinhole_policy_load_buffer(name, buf ? buf : "", len, d, out);
	free(buf);
	return ret;
}
