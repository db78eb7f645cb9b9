// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * pinhole diff POLICY [--json]: what apply would change, as a unified diff
 * of the live table (read back through netlink now) against the compiled
 * policy; with --json the same told in pinholes (SPEC §6.7).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "pinhole.h"
#include "cmd.h"
#include "syserr.h"
#include "util.h"

/*
 * load_and_compile() that keeps the policy: --json names the added
 * pinholes' hosts as the policy does. A path read once ("-" is stdin).
 */
static int load_keep(const char *path, struct pinhole_policy **pp,
		     struct pinhole_ruleset **out)
{
	struct pinhole_diag *d = pinhole_diag_new();
	int ret, r;

	*pp = NULL;
	*out = NULL;
	if (!d) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_SYSTEM;
	}
	r = pinhole_policy_load_file(path, d, pp);
	if (r == 0)
		r = pinhole_ruleset_compile_flags(*pp, 0, d, out);
	pinhole_diag_print(d, stderr);
	if (r == -1 || (r == 0 && pinhole_diag_errors(d))) {
		ret = EXIT_POLICY;
	} else if (r < 0) {
		if (r != -ENOENT && r != -EACCES && r != -EISDIR)
			fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(-r));
		ret = r == -ENOMEM ? EXIT_SYSTEM : EXIT_POLICY;
	} else {
		ret = EXIT_OK;
	}
	if (ret != EXIT_OK) {
		pinhole_ruleset_free(*out);
		pinhole_policy_free(*pp);
		*out = NULL;
		*pp = NULL;
	}
	pinhole_diag_free(d);
	return ret;
}

int cmd_diff(int argc, char **argv)
{
	struct pinhole_ruleset *want = NULL, *live = NULL;
	struct pinhole_policy *p = NULL;
	const char *path = NULL, *table;
	bool json = false;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] != '-' || !strcmp(argv[i], "-")) {
			if (path)
				return usage_error(argv[0], "POLICY [--json]");
			path = argv[i];
		} else
			return usage_error(argv[0], "POLICY [--json]");
	}
	if (!path)
		return usage_error(argv[0], "POLICY [--json]");
	if (json)
		ret = load_keep(path, &p, &want);
	else
		ret = load_and_compile(path, 0, &want);
	if (ret != EXIT_OK)
		return ret;
	table = pinhole_ruleset_table(want);
	ret = pinhole_ruleset_read(table, g_opts.netns, &live);
	if (ret) {
		ret = sys_error(ret);
		goto out;
	}
	if (json)
		ret = pinhole_ruleset_diff_json(live, want, p, stdout);
	else
		ret = pinhole_ruleset_diff(live, want, path, stdout);
	if (ret < 0) {
		ret = sys_error(ret);
	} else {
		ret = ret ? EXIT_DIFFERENT : EXIT_OK;
		if (fflush(stdout))
			ret = EXIT_SYSTEM;
	}
out:
	pinhole_ruleset_free(live);
	pinhole_ruleset_free(want);
	pinhole_policy_free(p);
	return ret;
}
