// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/* lib/diff.c: unified diff output, exact. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "tap.h"

static char *run(const char *a, const char *b, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*ret = diff_unified(a, b, "live", "new", f);
	fclose(f);
	return buf;
}

static void check(const char *a, const char *b, int want_ret, const char *want,
		  const char *what)
{
	int ret;
	char *got = run(a, b, &ret);

	ok(ret == want_ret, "%s: returns %d (got %d)", what, want_ret, ret);
	is_str(got, want, "%s: output", what);
	free(got);
}

/*
 * Apply the unified diff @d to @a; 0 when it gives @b. Hunks in order,
 * each line checked against @a.
 */
static int patch(const char *a, const char *d, const char *b)
{
	char *out = NULL, *acopy = strdup(a), *dcopy = strdup(d), *save = NULL;
	const char **al = NULL;
	size_t alen = 0, olen = 0, ai = 0, cap = 0;
	FILE *o = open_memstream(&out, &olen);
	int bad = 0;

	for (char *l = strtok_r(acopy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (alen == cap)
			al = realloc(al, (cap = cap ? 2 * cap : 1024) * sizeof(*al));
		al[alen++] = l;
	}
	save = NULL;
	for (char *l = strtok_r(dcopy, "\n", &save); l && !bad;
	     l = strtok_r(NULL, "\n", &save)) {
		size_t as, ac = 1;

		if (!strncmp(l, "--- ", 4) || !strncmp(l, "+++ ", 4))
			continue;
		if (!strncmp(l, "@@ -", 4)) {
			if (sscanf(l, "@@ -%zu,%zu", &as, &ac) < 1)
				bad = 1;
			if (ac == 0)
				as++;	/* "-N,0": the line before */
			while (!bad && ai + 1 < as)
				fprintf(o, "%s\n", al[ai++]);
			continue;
		}
		if (l[0] == '+')
			fprintf(o, "%s\n", l + 1);
		else if (ai < alen && !strcmp(al[ai], l + 1))
			l[0] == ' ' ? fprintf(o, "%s\n", al[ai++]) : (void)ai++;
		else
			bad = 1;
	}
	while (ai < alen)
		fprintf(o, "%s\n", al[ai++]);
	fclose(o);
	bad |= strcmp(out, b) != 0;
	free(out);
	free(acopy);
	free(dcopy);
	free(al);
	return bad;
}

/*
 * A table of 200,000 unique element lines with 2% of them removed and
 * 0.5% changed: past MAX_D edits, so plain Myers would replace the whole
 * middle; cut at anchors it gives just those lines, and the diff applies.
 */
static void big(void)
{
	char *a = NULL, *b = NULL, *got;
	size_t alen = 0, blen = 0;
	FILE *fa = open_memstream(&a, &alen), *fb = open_memstream(&b, &blen);
	size_t minus = 0, plus = 0, wmin = 0, wplus = 0;
	int ret;

	fprintf(fa, "table inet pinhole {\n\tset pin6 {\n\t\telements = {\n");
	fprintf(fb, "table inet pinhole {\n\tset pin6 {\n\t\telements = {\n");
	for (int i = 0; i < 200000; i++) {
		fprintf(fa, "\t\t\t2001:db8::%x . tcp . 443 comment \"p%d\",\n", i, i);
		if (i % 50 == 25) {
			wmin++;
			continue;
		}
		if (i % 200 == 7) {
			fprintf(fb, "\t\t\t2001:db8::%x . udp . 443 comment \"p%d\",\n", i, i);
			wmin++, wplus++;
			continue;
		}
		fprintf(fb, "\t\t\t2001:db8::%x . tcp . 443 comment \"p%d\",\n", i, i);
	}
	fprintf(fa, "\t\t}\n\t}\n}\n");
	fprintf(fb, "\t\t}\n\t}\n}\n");
	fclose(fa);
	fclose(fb);
	got = run(a, b, &ret);
	for (const char *p = got; p && *p; p = strchr(p, '\n') + 1) {
		minus += p[0] == '-' && strncmp(p, "--- ", 4);
		plus += p[0] == '+' && strncmp(p, "+++ ", 4);
		if (!strchr(p, '\n'))
			break;
	}
	ok(ret == 1 && minus == wmin && plus == wplus,
	   "200000 lines, %zu removed and %zu added: just those (got -%zu +%zu)",
	   wmin, wplus, minus, plus);
	ok(!patch(a, got, b), "200000 lines: the diff applied to live gives new");
	free(got);
	free(a);
	free(b);
}

int main(void)
{
	check("a\nb\nc\n", "a\nb\nc\n", 0, "", "same");
	check("", "x\ny\n", 1, "--- live\n+++ new\n@@ -0,0 +1,2 @@\n+x\n+y\n",
	      "absent side: all additions");
	check("x\ny\n", "", 1, "--- live\n+++ new\n@@ -1,2 +0,0 @@\n-x\n-y\n",
	      "all removals");
	check("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nFIVE\n6\n7\n8\n9\n", 1,
	      "--- live\n+++ new\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+FIVE\n 6\n 7\n 8\n",
	      "one change, 3 lines of context");
	check("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n",
	      "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nL\nm\n", 1,
	      "--- live\n+++ new\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n"
	      "@@ -9,5 +9,5 @@\n i\n j\n k\n-l\n+L\n m\n",
	      "two hunks");
	check("a\nb\nc\n", "a\nx\nb\nc\n", 1,
	      "--- live\n+++ new\n@@ -1,3 +1,4 @@\n a\n+x\n b\n c\n", "insertion");
	check("a\nb\nc\nd\n", "b\nx\nd\ne\n", 1,
	      "--- live\n+++ new\n@@ -1,4 +1,4 @@\n-a\n b\n-c\n+x\n d\n+e\n",
	      "mixed edits (Myers)");
	big();
	return tap_done();
}
