// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * pinhole confirm: keep what the pending `apply --confirm` loaded. The
 * decisive step is removing STATE_DIR/pending.timer under the lock: a
 * timer that fires later finds no token and does nothing. Nothing pending
 * is exit 2, with a message saying whether the rollback already happened.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pinhole.h"
#include "state.h"
#include "apply.h"
#include "cmd.h"
#include "util.h"

int cmd_confirm(int argc, char **argv)
{
	struct serial_timer t;
	struct state *st = NULL;
	enum pending ps;
	char when[32];
	struct tm tm;
	time_t at;
	int ret, err;

	if (argc != 1) {
		fprintf(stderr, "Usage: %s %s\n", prog, argv[0]);
		return EXIT_POLICY;
	}
	ret = cli_state_open(&st, LOCK_WAIT_MS);
	if (ret != EXIT_OK)
		return ret;
	ps = pending_state(st, &t);
	if (ps == PENDING_NONE) {
		if (!state_mtime(st, STATE_EXPIRED, &at) && localtime_r(&at, &tm)) {
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
			fprintf(stderr, "%s: nothing to confirm: too late, the previous "
				"table was restored at %s\n", prog, when);
		} else {
			fprintf(stderr, "%s: nothing to confirm: no 'apply --confirm' is pending\n",
				prog);
		}
		ret = EXIT_POLICY;
		goto out;
	}
	ret = state_remove(st, STATE_TIMER);
	if (!ret)
		ret = state_sync(st);
	if (ret) {
		fprintf(stderr, "%s: %s: %s\n", prog, state_file(st, STATE_TIMER),
			strerror(-ret));
		ret = EXIT_SYSTEM;
		goto out;
	}
	ret = EXIT_OK;
	/* what was loaded becomes the boot fallback */
	err = state_rename(st, STATE_PENDING, STATE_LAST);
	if (err) {
		fprintf(stderr, "%s: confirmed, but %s could not become %s: %s\n",
			prog, state_file(st, STATE_PENDING), STATE_LAST, strerror(-err));
		ret = EXIT_SYSTEM;
	}
	state_remove(st, STATE_ROLLBACK);
	state_remove(st, STATE_EXPIRED);
	state_sync(st);
	timer_kill(&t);
	if (ret == EXIT_OK)
		fprintf(stderr, "%s: confirmed; the rollback timer is cancelled\n", prog);
out:
	state_close(st);
	return ret;
}
