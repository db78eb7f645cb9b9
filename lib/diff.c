// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Unified diff of two texts, line by line: Myers' O(ND) greedy algorithm
 * ("An O(ND) Difference Algorithm and Its Variations", 1986) on what is
 * left after the common prefix and suffix, hunks with 3 lines of context
 * in GNU diff's format.
 */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"

#define CONTEXT 3
/* Beyond this many edits keep memory bounded: replace the middle wholesale. */
#define MAX_D 4096

struct lines {
	char *buf;
	char **l;
	size_t n;
};

static int split(const char *text, struct lines *out)
{
	size_t cap = 16;
	char *p;

	out->n = 0;
	out->buf = strdup(text ? text : "");
	out->l = malloc(cap * sizeof(*out->l));
	if (!out->buf || !out->l)
		return -ENOMEM;
	for (p = out->buf; *p;) {
		char *nl = strchr(p, '\n');

		if (out->n == cap) {
			char **q = realloc(out->l, (cap *= 2) * sizeof(*q));

			if (!q)
				return -ENOMEM;
			out->l = q;
		}
		out->l[out->n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return 0;
}

/* One edit script entry: ' ' both, '-' only a, '+' only b. */
struct op {
	char kind;
	size_t a, b;	/* line index in a / b (the one that applies) */
};

struct script {
	struct op *v;
	size_t n, cap;
};

static int push(struct script *s, char kind, size_t a, size_t b)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct op *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = (struct op){ kind, a, b };
	return 0;
}

/*
 * Myers on a[a0, a1) and b[b0, b1); appends the middle's script. The V
 * array of every round is kept to walk the path back, so memory is O(D²):
 * past MAX_D the range is emitted as "all removed, all added".
 */
static int myers(const struct lines *A, size_t a0, size_t a1,
		 const struct lines *B, size_t b0, size_t b1, struct script *s)
{
	long n = (long)(a1 - a0), m = (long)(b1 - b0), max = n + m;
	long dmax = max < MAX_D ? max : MAX_D, off = dmax + 1, d, k, found = -1;
	long *trace = NULL, *v;
	int ret = -ENOMEM;

	if (!n || !m) {
		/* one side empty (a table not loaded yet): no search, no O(D²) trace */
		for (long i = 0; i < n; i++)
			if (push(s, '-', a0 + i, b0))
				return -ENOMEM;
		for (long j = 0; j < m; j++)
			if (push(s, '+', a1, b0 + j))
				return -ENOMEM;
		return 0;
	}
	v = calloc(2 * off + 1, sizeof(*v));
	trace = malloc((size_t)(dmax + 1) * (2 * off + 1) * sizeof(*trace));
	if (!v || !trace)
		goto out;
	for (d = 0; d <= dmax && found < 0; d++) {
		for (k = -d; k <= d; k += 2) {
			long x, y;

			if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			y = x - k;
			while (x < n && y < m && !strcmp(A->l[a0 + x], B->l[b0 + y]))
				x++, y++;
			v[off + k] = x;
			if (x >= n && y >= m) {
				found = d;
				break;
			}
		}
		memcpy(&trace[d * (2 * off + 1)], v, (2 * off + 1) * sizeof(*v));
	}
	if (found < 0) {
		for (long i = 0; i < n; i++)
			if (push(s, '-', a0 + i, b0))
				goto out;
		for (long j = 0; j < m; j++)
			if (push(s, '+', a1, b0 + j))
				goto out;
		ret = 0;
		goto out;
	}
	{
		/* walk back from (n, m), collecting ops in reverse */
		struct script rev = { 0 };
		long x = n, y = m;

		for (d = found; d > 0; d--) {
			long *vp = &trace[(d - 1) * (2 * off + 1)];
			long pk, px, mx;

			k = x - y;
			if (k == -d || (k != d && vp[off + k - 1] < vp[off + k + 1]))
				pk = k + 1;	/* came down: an insertion */
			else
				pk = k - 1;	/* came right: a deletion */
			px = vp[off + pk];
			mx = pk == k + 1 ? px : px + 1;	/* where the snake began */
			while (x > mx) {
				x--, y--;
				if (push(&rev, ' ', a0 + x, b0 + y))
					goto rev_fail;
			}
			if (pk == k + 1) {
				y--;
				if (push(&rev, '+', a0 + x, b0 + y))
					goto rev_fail;
			} else {
				x--;
				if (push(&rev, '-', a0 + x, b0 + y))
					goto rev_fail;
			}
		}
		while (x > 0 && y > 0) {
			x--, y--;
			if (push(&rev, ' ', a0 + x, b0 + y))
				goto rev_fail;
		}
		for (size_t i = rev.n; i-- > 0;)
			if (push(s, rev.v[i].kind, rev.v[i].a, rev.v[i].b))
				goto rev_fail;
		ret = 0;
rev_fail:
		free(rev.v);
	}
out:
	free(v);
	free(trace);
	return ret;
}

static void range(FILE *f, char sign, size_t start, size_t count)
{
	/* GNU: a one-line range omits the count, an empty one names the line before */
	if (count == 1)
		fprintf(f, "%c%zu", sign, start + 1);
	else
		fprintf(f, "%c%zu,%zu", sign, count ? start + 1 : start, count);
}

static void hunks(FILE *f, const struct lines *A, const struct lines *B,
		  const struct script *s)
{
	size_t i = 0;

	while (i < s->n) {
		size_t first, last, j, as, bs, ac = 0, bc = 0;

		while (i < s->n && s->v[i].kind == ' ')
			i++;
		if (i == s->n)
			break;
		first = i >= CONTEXT ? i - CONTEXT : 0;
		/* extend while the gap between changes is short */
		last = i;
		for (j = i; j < s->n; j++) {
			if (s->v[j].kind != ' ') {
				last = j;
				continue;
			}
			if (j - last > 2 * CONTEXT)
				break;
		}
		last = last + CONTEXT < s->n - 1 ? last + CONTEXT : s->n - 1;
		as = s->v[first].a;
		bs = s->v[first].b;
		for (j = first; j <= last; j++) {
			ac += s->v[j].kind != '+';
			bc += s->v[j].kind != '-';
		}
		fputs("@@ ", f);
		range(f, '-', as, ac);
		fputc(' ', f);
		range(f, '+', bs, bc);
		fputs(" @@\n", f);
		for (j = first; j <= last; j++) {
			const struct op *o = &s->v[j];

			fprintf(f, "%c%s\n", o->kind,
				o->kind == '+' ? B->l[o->b] : A->l[o->a]);
		}
		i = last + 1;
	}
}

int diff_unified(const char *a, const char *b, const char *name_a,
		 const char *name_b, FILE *f)
{
	struct lines A = { 0 }, B = { 0 };
	struct script s = { 0 };
	size_t pre = 0, suf = 0;
	int ret = -ENOMEM;

	if (split(a, &A) || split(b, &B))
		goto out;
	while (pre < A.n && pre < B.n && !strcmp(A.l[pre], B.l[pre]))
		pre++;
	while (suf < A.n - pre && suf < B.n - pre &&
	       !strcmp(A.l[A.n - 1 - suf], B.l[B.n - 1 - suf]))
		suf++;
	if (pre == A.n && pre == B.n) {
		ret = 0;
		goto out;
	}
	for (size_t i = 0; i < pre; i++)
		if (push(&s, ' ', i, i))
			goto out;
	if (myers(&A, pre, A.n - suf, &B, pre, B.n - suf, &s))
		goto out;
	for (size_t i = 0; i < suf; i++)
		if (push(&s, ' ', A.n - suf + i, B.n - suf + i))
			goto out;
	fprintf(f, "--- %s\n+++ %s\n", name_a, name_b);
	hunks(f, &A, &B, &s);
	ret = 1;
out:
	free(A.buf);
	free(A.l);
	free(B.buf);
	free(B.l);
	free(s.v);
	return ret;
}
