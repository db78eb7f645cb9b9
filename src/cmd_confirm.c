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
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pinhole.h"
#include "apply.h"
#include "cmd.h"
#include "util.h"

int cmd_confirm(int argc, char **argv)
{
	enum pinhole_state_file where = PINHOLE_STATE_FILE_TIMER;
	struct pinhole_state *st = NULL;
	char when[32];
	bool dead, rolled_back;
	struct tm tm;
	time_t at;
	int ret;

	if (argc != 1) {
		fprintf(stderr, "Usage: %s %s\n", prog, argv[0]);
		return EXIT_POLICY;
	}
	ret = cli_state_open(&st, LOCK_WAIT_MS);
	if (ret != EXIT_OK)
		return ret;
	/* a killed timer: say so; past its deadline, roll back as it would have */
	dead = pinhole_state_status(st, NULL) == PINHOLE_PENDING_STALE;
	ret = cli_dead_timer(st, &rolled_back);
	if (ret != EXIT_OK || rolled_back) {
		pinhole_state_close(st);
		return ret == EXIT_OK ? EXIT_POLICY : ret;	/* too late */
	}
	ret = pinhole_state_confirm(st, &where);
	if (ret == PINHOLE_STATE_NOT_PENDING) {
		if (!pinhole_state_file_mtime(st, PINHOLE_STATE_FILE_EXPIRED, &at) &&
		    localtime_r(&at, &tm)) {
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
			fprintf(stderr, "%s: nothing to confirm: too late, the previous "
				"table was restored at %s\n", prog, when);
		} else {
			fprintf(stderr, "%s: nothing to confirm: no 'apply --confirm' is pending\n",
				prog);
		}
		ret = EXIT_POLICY;
	} else if (ret && where == PINHOLE_STATE_FILE_TIMER) {
		fprintf(stderr, "%s: %s: %s\n", prog,
			state_file(st, PINHOLE_STATE_FILE_TIMER), strerror(-ret));
		ret = EXIT_SYSTEM;
	} else if (ret) {
		/* confirmed, but what was loaded is not the boot fallback */
		fprintf(stderr, "%s: confirmed, but %s could not become %s: %s\n",
			prog, state_file(st, PINHOLE_STATE_FILE_PENDING),
			pinhole_state_file_name(PINHOLE_STATE_FILE_LAST), strerror(-ret));
		ret = EXIT_SYSTEM;
	} else {
		fprintf(stderr, dead ? "%s: confirmed (its rollback timer was gone already)\n" :
			"%s: confirmed; the rollback timer is cancelled\n", prog);
		ret = EXIT_OK;
	}
	pinhole_state_close(st);
	return ret;
}
