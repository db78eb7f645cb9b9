// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * pinhole flush [--table NAME]: delete the table pinhole owns, only it.
 *
 * Under the state lock, as apply and confirm: never between another
 * pinhole's apply and its save, nor while a rollback timer restores a
 * table. Flush is the escape hatch, so a state directory it cannot use is
 * a warning, not a refusal. While an `apply --confirm` is pending the flush
 * is part of that unconfirmed change, like a plain apply: it says when the
 * table from before it comes back unless `pinhole confirm` runs.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pinhole.h"
#include "serial.h"
#include "state.h"
#include "apply.h"
#include "cmd.h"
#include "syserr.h"
#include "util.h"

/* 0 with @st locked, 0 with no state (a warning was printed), or an exit code. */
static int flush_lock(struct state **st)
{
	const char *why = NULL;
	int ret;

	*st = NULL;
	ret = state_open(g_opts.state_dir, st, &why);
	if (ret) {
		fprintf(stderr, "%s: warning: state directory %s %s; flushing "
			"without its lock\n", prog, g_opts.state_dir,
			why ? why : strerror(-ret));
		return 0;
	}
	ret = state_lock(*st, LOCK_WAIT_MS);
	if (ret) {
		if (ret == -EWOULDBLOCK)
			fprintf(stderr, "%s: %s/%s: still locked by another pinhole after %u s\n",
				prog, g_opts.state_dir, STATE_LOCK, LOCK_WAIT_MS / 1000);
		else
			fprintf(stderr, "%s: %s/%s: %s\n", prog, g_opts.state_dir,
				STATE_LOCK, strerror(-ret));
		state_close(*st);
		*st = NULL;
		return EXIT_SYSTEM;
	}
	return 0;
}

static void note_pending(struct state *st)
{
	struct serial_timer t;
	char when[32] = "its deadline";
	time_t dl;
	struct tm tm;

	if (!st || pending_state(st, &t) != PENDING_LIVE)
		return;
	dl = (time_t)t.deadline;
	if (localtime_r(&dl, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(stderr, "%s: an 'apply --confirm' is pending and this flush is "
		"part of it: run '%s confirm' to keep it, else at %s the table "
		"from before the 'apply --confirm' is restored\n", prog, prog, when);
}

int cmd_flush(int argc, char **argv)
{
	const char *table = "pinhole";
	struct state *st;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--table") && i + 1 < argc && argv[i + 1][0])
			table = argv[++i];
		else if (!strncmp(argv[i], "--table=", 8) && argv[i][8])
			table = argv[i] + 8;
		else
			return usage_error(argv[0], "[--table NAME]");
	}
	ret = flush_lock(&st);
	if (ret)
		return ret;
	ret = pinhole_table_flush(table, g_opts.netns);
	if (!ret)
		note_pending(st);
	state_close(st);
	return ret ? sys_error(ret) : EXIT_OK;
}
