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
	return tap_done();
}
