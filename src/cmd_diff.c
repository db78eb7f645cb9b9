// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * pinhole diff POLICY: what apply would change, as a unified diff of the
 * live table (read back through netlink now) against the compiled policy.
 */
#include "config.h"

#include <stdio.h>

#include "pinhole.h"
#include "cmd.h"
#include "syserr.h"
#include "util.h"

int cmd_diff(int argc, char **argv)
{
	struct pinhole_ruleset *want, *live = NULL;
	const char *table;
	int ret;

	if (argc != 2 || argv[1][0] == '-')
		return usage_error(argv[0], "POLICY");
	ret = load_and_compile(argv[1], 0, &want);
	if (ret != EXIT_OK)
		return ret;
	table = pinhole_ruleset_table(want);
	ret = pinhole_ruleset_read(table, g_opts.netns, &live);
	if (ret) {
		ret = sys_error(ret);
		goto out;
	}
	ret = pinhole_ruleset_diff(live, want, argv[1], stdout);
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
	return ret;
}
