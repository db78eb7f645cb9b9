// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The helpers every validate*.c file shares (validate_int.h): warnings,
 * allocation (the policy's arena or the heap), quoting user text, name
 * checks, a mapping's fields, scalar choices. They call no section of the
 * validator, so the sections stand above them and never in a circle.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "misspell.h"
#include "pinhole.h"
#include "validate_int.h"
#include "ydoc.h"

/* ------------------------------------------------------------ memory */

void *policy_alloc(struct pinhole_policy *p, size_t size, size_t align)
{
	return arena_alloc(&p->arena, size, align);
}

char *policy_strdup(struct pinhole_policy *p, const char *s)
{
	return arena_strdup(&p->arena, s);
}

/*
 * Warnings go straight to the queue, or while streaming are held back until
 * the policy is known to have no error (policy_stream_finish()).
 */
void v_warn(struct vctx *c, const struct pinhole_loc *loc,
	    const char *fmt, ...)
{
	struct held_warning *hw;
	va_list ap;
	char *msg;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0) {
		c->oom = true;
		return;
	}
	if (!c->stream) {
		pinhole_warning(c->d, loc, "%s", msg);
		free(msg);
		return;
	}
	if (c->n_held == c->cap_held) {
		size_t cap = c->cap_held ? c->cap_held * 2 : 16;

		hw = realloc(c->held, cap * sizeof(*hw));
		if (!hw) {
			free(msg);
			c->oom = true;
			return;
		}
		c->held = hw;
		c->cap_held = cap;
	}
	c->held[c->n_held++] = (struct held_warning){ *loc, msg };
}

bool v_full(const struct vctx *c)
{
	return c->oom || pinhole_diag_full(c->d);
}

/* Names and port lists of hosts and pinholes: the policy's arena. */
char *v_astrdup(struct vctx *c, const char *s)
{
	char *r = policy_strdup(c->p, s);

	if (!r)
		c->oom = true;
	return r;
}

void *v_aalloc(struct vctx *c, size_t n, size_t size, size_t align)
{
	void *r = policy_alloc(c->p, (n ? n : 1) * size, align);

	if (!r)
		c->oom = true;
	return r;
}

void *v_xcalloc(struct vctx *c, size_t n, size_t size)
{
	void *r = calloc(n ? n : 1, size);

	if (!r)
		c->oom = true;
	return r;
}

/*
 * User text for a message: control characters escaped (a policy must not
 * drive the terminal), cut at QUOTE_MAX bytes on a UTF-8 boundary.
 */
const char *v_q(struct vctx *c, const char *s)
{
	char *out = c->qbuf[c->qi++ % ARRAY_SIZE(c->qbuf)];
	size_t o = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (o >= QUOTE_MAX && (ch & 0xc0) != 0x80) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)sprintf(out + o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
	return out;
}

/* "a list", "a mapping", "nothing" or the quoted value: for "(found ...)". */
const char *v_describe(struct vctx *c, const struct ynode *n)
{
	char *out;

	if (n->kind == YN_SEQ)
		return "a list";
	if (n->kind == YN_MAP)
		return "a mapping";
	if (ynode_is_null(n))
		return "nothing";
	out = c->qbuf[c->qi++ % ARRAY_SIZE(c->qbuf)];
	snprintf(out, sizeof(c->qbuf[0]), "'%s'", v_q(c, n->str));
	return out;
}

/* [A-Za-z][A-Za-z0-9_-]*, at most @max characters */
/* letters, digits, '_' and '-' (and '.' with @dot); strspn() builds a table per call */
bool v_name_chars(const char *s, bool dot)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
		      (dot && ch == '.')))
			return false;
	}
	return true;
}

bool v_is_ident(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (!len || len > max)
		return false;
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	return v_name_chars(s, false);
}

/* ------------------------------------------------------------ fields */

/*
 * Sort a mapping's pairs into @f by key name; report the unknown keys and
 * return how many there were (a misspelt key also explains a missing one).
 */
unsigned int v_get_fields(struct vctx *c, const struct ynode *map,
			  const char *what, const char *name,
			  struct field *f, unsigned int nf)
{
	unsigned int unknown = 0;

	for (size_t i = 0; i < map->n; i += 2) {
		const struct ynode *k = map->kids[i];
		struct misspell m;
		char known[128] = "", buf[64];
		const char *where = what;
		unsigned int j;

		for (j = 0; j < nf; j++)
			if (!strcmp(f[j].name, k->str))
				break;
		if (j < nf) {
			f[j].key = k;
			f[j].val = map->kids[i + 1];
			continue;
		}
		unknown++;
		if (v_full(c))
			continue;
		/* "in host 'NAME'": only now that a message needs it */
		if (name) {
			snprintf(buf, sizeof(buf), "%s '%s'", what, v_q(c, name));
			where = buf;
		}
		misspell_init(&m, k->str);
		for (j = 0; j < nf; j++) {
			misspell_try(&m, f[j].name);
			snprintf(known + strlen(known), sizeof(known) - strlen(known),
				 "%s%s", j ? ", " : "", f[j].name);
		}
		if (m.best)
			verr(c, &k->loc, "unknown key '%s'%s%s; did you mean '%s'?",
			     v_q(c, k->str), where ? " in " : "", where ? where : "",
			     m.best);
		else
			verr(c, &k->loc, "unknown key '%s'%s%s (expected %s)",
			     v_q(c, k->str), where ? " in " : "", where ? where : "",
			     known);
	}
	return unknown;
}

/* A non-null scalar, or NULL after "'KEY' must be WHAT (found ...)". */
const char *v_want_str(struct vctx *c, const struct ynode *v,
		       const char *key, const char *what)
{
	if (v->kind == YN_SCALAR && !ynode_is_null(v))
		return v->str;
	verr(c, &v->loc, "'%s' must be %s (found %s)", key, what, v_describe(c, v));
	return NULL;
}

int v_choose(struct vctx *c, const struct ynode *v, const char *key,
	     const struct choice *ch, unsigned int n, int *out)
{
	char list[128] = "";
	struct misspell m;
	const char *s;

	/* the usual case first: no message, so no list of the choices */
	if (v->kind == YN_SCALAR && !ynode_is_null(v)) {
		for (unsigned int i = 0; i < n; i++) {
			if (!strcmp(v->str, ch[i].name)) {
				*out = ch[i].val;
				return 0;
			}
		}
	}
	for (unsigned int i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i == 0 ? "" : i == n - 1 ? " or " : ", ", ch[i].name);
	if (!(s = v_want_str(c, v, key, list)))
		return -1;
	for (unsigned int i = 0; i < n; i++) {
		if (!strcmp(s, ch[i].name)) {
			*out = ch[i].val;
			return 0;
		}
	}
	misspell_init(&m, s);
	for (unsigned int i = 0; i < n; i++)
		misspell_try(&m, ch[i].name);
	if (m.best)
		return verr(c, &v->loc, "'%s' must be %s, not '%s'; did you mean '%s'?",
			    key, list, v_q(c, s), m.best);
	return verr(c, &v->loc, "'%s' must be %s, not '%s'", key, list, v_q(c, s));
}

int v_want_bool(struct vctx *c, const struct ynode *v, const char *key,
		bool *out)
{
	static const struct choice bools[] = {
		{ "true", 1 }, { "false", 0 },
		{ "True", 1 }, { "False", 0 }, { "TRUE", 1 }, { "FALSE", 0 },
	};
	const char *s;

	if (!(s = v_want_str(c, v, key, "true or false")))
		return -1;
	for (unsigned int i = 0; i < ARRAY_SIZE(bools); i++) {
		if (!strcmp(s, bools[i].name)) {
			*out = bools[i].val;
			return 0;
		}
	}
	return verr(c, &v->loc, "'%s' must be true or false, not '%s'", key, v_q(c, s));
}

/* ------------------------------------------------------------ pinholes */

bool v_from_has(const struct ph_pinhole *ph, int family)
{
	for (size_t i = 0; i < ph->n_from; i++)
		if (ph->from[i].family == family)
			return true;
	return false;
}

/* A use of a family that families: leaves alone (SPEC §6.2). */
int v_err_unfiltered(struct vctx *c, const struct pinhole_loc *loc, int family,
		     const char *fmt, ...)
{
	char what[4 * QUOTE_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return verr(c, loc, "%s, but families: [%s] leaves %s alone; add %s to "
		    "families, or remove it", what, family == 4 ? "ipv6" : "ipv4",
		    family == 4 ? "IPv4" : "IPv6", family == 4 ? "ipv4" : "ipv6");
}
