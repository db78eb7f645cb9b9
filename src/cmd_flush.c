// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * pinhole flush [--table NAME]: delete the table pinhole owns, only it.
 * Without --table that is the default table and, when another was loaded
 * last (the policy's `table:`; STATE_DIR/loaded.table), that one too.
 *
 * Under the state lock, as apply and confirm: never between another
 * pinhole's apply and its save, nor while a rollback timer restores a
 * table. Flush is the escape hatch, so a state directory it cannot use (or
 * a lock it cannot take: read-only, a directory, held too long) is a
 * warning, not a refusal: it works whenever the kernel allows it. While an `apply --confirm` is pending the flush
 * is part of that unconfirmed change, like a plain apply: it says when the
 * table from before it comes back unless `pinhole confirm` runs.
 */
#include "config.h"

#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pinhole.h"
#include "apply.h"
#include "cmd.h"
#include "syserr.h"
#include "util.h"

/*
 * *@st locked, or NULL when the state directory cannot be used, or its
 * lock cannot be had (not even after LOCK_WAIT_MS): a warning, flush still
 * runs, since it only asks the kernel to delete the table.
 */
static void flush_lock(struct pinhole_state **st)
{
	const char *why = NULL;
	int ret;

	*st = NULL;
	ret = pinhole_state_open(g_opts.state_dir, st, &why);
	if (ret) {
		fprintf(stderr, "%s: warning: state directory %s %s; flushing "
			"without its lock\n", prog, g_opts.state_dir,
			why ? why : strerror(-ret));
		return;
	}
	ret = pinhole_state_lock(*st, LOCK_WAIT_MS);
	if (ret) {
		fprintf(stderr, "%s: warning: %s: %s; flushing without the lock\n",
			prog, state_file(*st, PINHOLE_STATE_FILE_LOCK),
			ret == -EWOULDBLOCK ? "still held by another pinhole" :
			ret == -EBADF ? "not a regular file" : strerror(-ret));
		pinhole_state_close(*st);
		*st = NULL;
	}
}

int cmd_flush(int argc, char **argv)
{
	const char *table = PINHOLE_DEFAULT_TABLE;
	char last[PINHOLE_TABLE_NAME_MAX + 1] = "";
	struct pinhole_state *st;
	bool given = false;
	time_t deadline;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--table") && i + 1 < argc && argv[i + 1][0])
			table = argv[++i];
		else if (!strncmp(argv[i], "--table=", 8) && argv[i][8])
			table = argv[i] + 8;
		else
			return usage_error(argv[0], "[--table NAME]");
		given = true;
	}
	flush_lock(&st);
	ret = pinhole_table_flush(table, g_opts.netns);
	if (!ret && !given && st && !pinhole_state_loaded_table(st, last) &&
	    strcmp(last, table))
		ret = pinhole_table_flush(last, g_opts.netns);
	if (!ret && st && pinhole_state_status(st, &deadline) == PINHOLE_PENDING_LIVE)
		cli_say_joined(deadline, "flush");
	pinhole_state_close(st);
	return ret ? sys_error(ret) : EXIT_OK;
}
