// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * pinhole status [--table NAME] [--json]: live per-pinhole counters of the
 * table pinhole loaded last (or NAME); exit 1 when it is not loaded.
 * Either way, warnings about other tables that drop on the same hooks.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pinhole.h"
#include "apply.h"
#include "cmd.h"
#include "syserr.h"
#include "util.h"

#define STATUS_LOCK_WAIT_MS	2000

/*
 * A pending apply --confirm whose timer was killed: say so, and past its
 * deadline roll back now (cli_dead_timer()). Quietly nothing when there is
 * no usable state directory: status only reads the kernel.
 */
static void status_dead_timer(void)
{
	struct pinhole_state *st = NULL;
	const char *why;
	bool rolled_back;

	if (access(g_opts.state_dir, F_OK) < 0 ||
	    pinhole_state_open(g_opts.state_dir, &st, &why))
		return;
	if (!pinhole_state_lock(st, STATUS_LOCK_WAIT_MS))
		cli_dead_timer(st, &rolled_back);
	pinhole_state_close(st);
}

int cmd_status(int argc, char **argv)
{
	char last[PINHOLE_TABLE_NAME_MAX + 1];
	const char *table = NULL;
	struct pinhole_ruleset *live = NULL;
	unsigned int flags = 0;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--table") && i + 1 < argc && argv[i + 1][0])
			table = argv[++i];
		else if (!strncmp(argv[i], "--table=", 8) && argv[i][8])
			table = argv[i] + 8;
		else if (!strcmp(argv[i], "--json"))
			flags |= PINHOLE_STATUS_JSON;
		else
			return usage_error(argv[0], "[--table NAME] [--json]");
	}
	if (!table)
		table = cli_loaded_table(last);
	status_dead_timer();
	ret = pinhole_ruleset_read(table, g_opts.netns, &live);
	if (ret)
		return sys_error(ret);
	cli_warn_others(table);
	if (!live) {
		/* SPEC §6.6: a state to see, not a failure of the command */
		fprintf(stderr, "%s: table inet %s is not loaded\n", prog, table);
		return EXIT_DIFFERENT;
	}
	ret = pinhole_ruleset_status(live, flags, stdout);
	pinhole_ruleset_free(live);
	if (ret)
		return sys_error(ret);
	return fflush(stdout) ? EXIT_SYSTEM : EXIT_OK;
}
