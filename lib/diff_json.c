// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * `pinhole diff --json` (SPEC §6.7): the unified diff of live.c, told in
 * pinholes. Each side's pinholes are what status.c groups by name (the
 * comment on set elements and counted rules); a pinhole whose tuples (one
 * per element or rule: family, fields, forward target) differ between the
 * sides is removed in its old form and added in its new one. The diff's
 * +/- lines that carry no pinhole's comment are the "other" changes.
 */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pinhole.h"
#include "ast.h"
#include "ir.h"
#include "status.h"
#include "strmap.h"

/* the comment as emit.c prints it: a byte it cannot print becomes '?' */
static char *printed_comment(const char *s)
{
	char *out = strdup(s), *p;

	if (!out)
		return NULL;
	for (p = out; *p; p++)
		if (!(*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\'))
			*p = '?';
	return out;
}

/*
 * The printed comments of both sides' pinholes, to tell their lines apart:
 * 1 for a pinhole that is added or removed, 0 for one that is not.
 */
struct names {
	struct strmap map;
	char **v;
	size_t n, cap;
};

static int names_add(struct names *nm, const char *name, size_t listed)
{
	size_t dummy;
	char *s;

	if (nm->n == nm->cap) {
		size_t cap = nm->cap ? nm->cap * 2 : 64;
		char **v = realloc(nm->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		nm->v = v;
		nm->cap = cap;
	}
	s = printed_comment(name);
	if (!s)
		return -ENOMEM;
	nm->v[nm->n++] = s;
	return strmap_add(&nm->map, s, listed, &dummy) < 0 ? -ENOMEM : 0;
}

/*
 * Is the diff line @l a pinhole's own? A set element with a pinhole's
 * comment always is (one that only gained or lost its trailing comma
 * next to an added element changes nothing); a rule with one only when
 * that pinhole is listed, since a rule without a counter is no part of
 * the pinhole and would go unseen.
 */
static bool pinhole_line(const struct names *nm, char *l)
{
	char *c = strstr(l, " comment \""), *end;
	bool elem = !strncmp(l + 1, "\t\t\t", 3);
	size_t listed = 0;
	bool ret;

	if (!c)
		return false;
	c += strlen(" comment \"");
	end = strchr(c, '"');
	if (!end)
		return false;
	*end = '\0';
	ret = strmap_get(&nm->map, c, &listed);
	*end = '"';
	return ret && (elem || listed);
}

static bool same_tuples(const struct ph_entry *a, const struct ph_entry *b)
{
	if (!a || !b)
		return false;
	if (a->tuples.n != b->tuples.n)
		return false;
	for (size_t i = 0; i < a->tuples.n; i++)
		if (strcmp(a->tuples.v[i], b->tuples.v[i]))
			return false;
	return true;
}

/* the policy's host of the pinhole @name ("self" for the machine), or NULL */
static const char *host_name(const struct pinhole_policy *p,
			     const struct strmap *by_name, const char *name)
{
	const struct ph_pinhole *ph;
	size_t i;

	if (!p || !strmap_get(by_name, name, &i))
		return NULL;
	ph = &p->pinholes[i];
	if (ph->host < 0)
		return "self";
	return (size_t)ph->host < p->n_hosts ? p->hosts[ph->host].name : NULL;
}

/*
 * Entries of @a that @b lacks or holds with other tuples, each a PINHOLE
 * (host names from @p, for the wanted side).
 */
static void print_side(FILE *f, const struct ph_table *a, const struct ph_table *b,
		       const struct pinhole_policy *p, const struct strmap *by_name)
{
	bool first = true;

	for (size_t i = 0; i < a->n; i++) {
		const struct ph_entry *e = &a->v[i], *o = ph_find(b, e->name);

		if (o && same_tuples(e, o))
			continue;
		if (!first)
			fputc(',', f);
		ph_json_entry(f, e, host_name(p, by_name, e->name), false);
		first = false;
	}
}

/* the unified diff's changed lines that belong to no pinhole, as JSON strings */
static void print_other(FILE *f, char *text, const struct names *nm)
{
	bool first = true;
	unsigned int n = 0;

	for (char *l = text, *nl; l && *l; l = nl) {
		nl = strchr(l, '\n');
		if (nl)
			*nl++ = '\0';
		/* the first two lines are the "--- live" / "+++ POLICY" header */
		if (n++ < 2 || (l[0] != '+' && l[0] != '-') || pinhole_line(nm, l))
			continue;
		if (!first)
			fputc(',', f);
		ph_json_str(f, l);
		first = false;
	}
}

EXPORT_SYMBOL(pinhole_ruleset_diff_json);
int pinhole_ruleset_diff_json(const struct pinhole_ruleset *live,
			      const struct pinhole_ruleset *want,
			      const struct pinhole_policy *p, FILE *f)
{
	struct ph_table lt = { 0 }, wt = { 0 };
	struct names nm = { 0 };
	struct strmap by_name;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int ret, changed;

	strmap_init(&nm.map);
	strmap_init(&by_name);
	mem = open_memstream(&text, &len);
	if (!mem)
		return -errno;
	changed = pinhole_ruleset_diff(live, want, "want", mem);
	if (fclose(mem) && changed >= 0)
		changed = -ENOMEM;
	if (changed < 0) {
		ret = changed;
		goto out;
	}
	ret = ph_collect(&lt, live, true);
	if (!ret)
		ret = ph_collect(&wt, want, true);
	/* the listed names first: a name kept by one side keeps its 1 */
	for (int listed = 1; listed >= 0 && !ret; listed--) {
		for (int side = 0; side < 2 && !ret; side++) {
			const struct ph_table *a = side ? &wt : &lt, *b = side ? &lt : &wt;

			for (size_t i = 0; i < a->n && !ret; i++)
				if (!same_tuples(&a->v[i], ph_find(b, a->v[i].name)) == listed)
					ret = names_add(&nm, a->v[i].name, (size_t)listed);
		}
	}
	for (size_t i = 0; p && !ret && i < p->n_pinholes; i++) {
		size_t dummy;

		if (strmap_add(&by_name, p->pinholes[i].name, i, &dummy) < 0)
			ret = -ENOMEM;
	}
	if (ret)
		goto out;
	fprintf(f, "{\"changed\":%s,\"added\":[", changed ? "true" : "false");
	print_side(f, &wt, &lt, p, &by_name);
	fputs("],\"removed\":[", f);
	print_side(f, &lt, &wt, NULL, &by_name);
	fputs("],\"other\":[", f);
	print_other(f, text, &nm);
	fputs("]}\n", f);
	ret = ferror(f) ? -EIO : changed;
out:
	ph_table_free(&lt);
	ph_table_free(&wt);
	for (size_t i = 0; i < nm.n; i++)
		free(nm.v[i]);
	free(nm.v);
	strmap_free(&nm.map);
	strmap_free(&by_name);
	free(text);
	return ret;
}
