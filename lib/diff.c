// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Unified diff of two texts, line by line: Myers' O(ND) greedy algorithm
 * ("An O(ND) Difference Algorithm and Its Variations", 1986) on what is
 * left after the common prefix and suffix, hunks with 3 lines of context
 * in GNU diff's format. A middle of more than ANCHOR_MIN lines is first cut
 * at its anchors, as patience diff does: the lines found once in each
 * text, the longest run of them in the same order in both; Myers runs on
 * the gaps between. A table's set elements are one line each, each line
 * unique (the element's comment names its pinhole), so a diff of a large
 * table stays linear in its lines instead of O(N x D), and keeps its
 * hunks when D passes MAX_D (1% of the pinholes changed at 400,000
 * elements did: the whole table removed and added).
 */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"

#define CONTEXT 3
/* Beyond this many edits keep memory bounded: replace the middle wholesale. */
#define MAX_D 4096
/* A middle (or a gap between anchors) longer than this is cut at anchors first. */
#define ANCHOR_MIN 4096
/* Gaps are cut again inside, this many times at most. */
#define ANCHOR_DEPTH 4

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
static int myers_plain(const struct lines *A, size_t a0, size_t a1,
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

/* a line of the middle, in a hash table of them: where, and how often in A and B */
struct slot {
	const char *line;
	uint32_t hash;
	uint32_t na, nb;
	size_t a, b;
};

static uint32_t line_hash(const char *p)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

static struct slot *slot_of(struct slot *t, size_t mask, const char *line)
{
	uint32_t h = line_hash(line);
	size_t i = h & mask;

	while (t[i].line && (t[i].hash != h || strcmp(t[i].line, line)))
		i = (i + 1) & mask;
	if (!t[i].line) {
		t[i].line = line;
		t[i].hash = h;
	}
	return &t[i];
}

static int myers_depth(const struct lines *A, size_t a0, size_t a1,
		       const struct lines *B, size_t b0, size_t b1,
		       struct script *s, int depth);

/*
 * The anchors of A[a0, a1) and B[b0, b1): the pairs (a, b) of lines found
 * once in each range, in A's order, then the longest subsequence of them
 * increasing in b too (patience sorting, O(k log k)). Myers on each gap
 * between two anchors; *none set when there is no anchor.
 */
static int anchored(const struct lines *A, size_t a0, size_t a1,
		    const struct lines *B, size_t b0, size_t b1,
		    struct script *s, int depth, bool *none)
{
	size_t n = a1 - a0, m = b1 - b0, cap = 16, mask, k = 0, len = 0;
	struct slot *t, **pair = NULL;
	size_t *tail = NULL, *prev = NULL, *chain = NULL;
	int ret = -ENOMEM;

	*none = false;
	while (cap < 2 * (n + m))
		cap *= 2;
	mask = cap - 1;
	t = calloc(cap, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = a0; i < a1; i++) {
		struct slot *e = slot_of(t, mask, A->l[i]);

		e->na++;
		e->a = i;
	}
	for (size_t j = b0; j < b1; j++) {
		struct slot *e = slot_of(t, mask, B->l[j]);

		e->nb++;
		e->b = j;
	}
	pair = malloc((n < m ? n : m) * sizeof(*pair) + 1);
	if (!pair)
		goto out;
	for (size_t i = a0; i < a1; i++) {
		struct slot *e = slot_of(t, mask, A->l[i]);

		if (e->na == 1 && e->nb == 1)
			pair[k++] = e;
	}
	if (!k) {
		*none = true;
		ret = 0;
		goto out;
	}
	/* tail[l]: the pair ending the best run of length l + 1 so far */
	tail = malloc(k * sizeof(*tail));
	prev = malloc(k * sizeof(*prev));
	chain = malloc(k * sizeof(*chain));
	if (!tail || !prev || !chain)
		goto out;
	for (size_t i = 0; i < k; i++) {
		size_t lo = 0, hi = len;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (pair[tail[mid]]->b < pair[i]->b)
				lo = mid + 1;
			else
				hi = mid;
		}
		prev[i] = lo ? tail[lo - 1] : SIZE_MAX;
		tail[lo] = i;
		if (lo == len)
			len++;
	}
	k = len;
	for (size_t i = tail[len - 1]; k-- > 0; i = prev[i])
		chain[k] = i;
	{
		size_t pa = a0, pb = b0;

		for (size_t c = 0; c < len; c++) {
			const struct slot *e = pair[chain[c]];

			if (myers_depth(A, pa, e->a, B, pb, e->b, s, depth + 1) ||
			    push(s, ' ', e->a, e->b))
				goto out;
			pa = e->a + 1;
			pb = e->b + 1;
		}
		if (myers_depth(A, pa, a1, B, pb, b1, s, depth + 1))
			goto out;
	}
	ret = 0;
out:
	free(t);
	free(pair);
	free(tail);
	free(prev);
	free(chain);
	return ret;
}

/* the edit script of A[a0, a1) against B[b0, b1), appended to @s */
static int myers_depth(const struct lines *A, size_t a0, size_t a1,
		       const struct lines *B, size_t b0, size_t b1,
		       struct script *s, int depth)
{
	bool none = true;
	int ret;

	if (a1 - a0 + (b1 - b0) > ANCHOR_MIN && a1 > a0 && b1 > b0 &&
	    depth < ANCHOR_DEPTH) {
		ret = anchored(A, a0, a1, B, b0, b1, s, depth, &none);
		if (ret || !none)
			return ret;
	}
	return myers_plain(A, a0, a1, B, b0, b1, s);
}

static int myers(const struct lines *A, size_t a0, size_t a1,
		 const struct lines *B, size_t b0, size_t b1, struct script *s)
{
	return myers_depth(A, a0, a1, B, b0, b1, s, 0);
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
