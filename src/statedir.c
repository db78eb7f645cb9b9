// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/* The CLI side of the state directory: messages, apply + save. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pinhole.h"
#include "state.h"
#include "apply.h"
#include "cmd.h"
#include "syserr.h"

int cli_state_open(struct state **st, unsigned int lock_ms)
{
	const char *why = NULL;
	int ret;

	ret = state_open(g_opts.state_dir, st, &why);
	if (ret) {
		if (why)
			fprintf(stderr, "%s: state directory %s %s; refusing to use it\n",
				prog, g_opts.state_dir, why);
		else
			fprintf(stderr, "%s: state directory %s: %s\n", prog,
				g_opts.state_dir, strerror(-ret));
		return EXIT_SYSTEM;
	}
	return cli_state_lock(st, lock_ms);
}

int cli_state_lock(struct state **st, unsigned int lock_ms)
{
	int ret = state_lock(*st, lock_ms);

	if (ret) {
		if (ret == -EWOULDBLOCK)
			fprintf(stderr, "%s: %s/%s: still locked by another pinhole after %u s\n",
				prog, g_opts.state_dir, STATE_LOCK, lock_ms / 1000);
		else
			fprintf(stderr, "%s: %s/%s: %s\n", prog, g_opts.state_dir,
				STATE_LOCK, strerror(-ret));
		state_close(*st);
		*st = NULL;
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

int cli_apply(const struct pinhole_ruleset *r, int retries)
{
	struct pinhole_diag *d;
	int ret;

	for (;;) {
		d = pinhole_diag_new();
		if (!d)
			return sys_error(-ENOMEM);
		ret = pinhole_ruleset_apply(r, g_opts.netns, d);
		if (ret != -ERESTART || retries-- <= 0)
			break;
		pinhole_diag_free(d);
	}
	pinhole_diag_print(d, stderr);
	if (ret && pinhole_diag_errors(d)) {
		fprintf(stderr, "%s: nothing was changed\n", prog);
		ret = EXIT_SYSTEM;
	} else if (ret) {
		ret = sys_error(ret);
	}
	pinhole_diag_free(d);
	return ret;
}

const char *state_file(const struct state *st, const char *name)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", state_path(st), name);
	return buf;
}

void cli_say_joined(const struct serial_timer *t, const char *what)
{
	time_t dl = (time_t)t->deadline;
	char when[32] = "its deadline";
	struct tm tm;

	if (localtime_r(&dl, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(stderr, "%s: an 'apply --confirm' is pending and this %s "
		"becomes part of it: run '%s confirm' to keep it, else at %s "
		"the table from before the 'apply --confirm' is restored\n",
		prog, what, prog, when);
}

int save_applied(struct state *st, const struct pinhole_ruleset *r)
{
	struct serial_timer t;
	const char *name = STATE_LAST;
	bool joined = false;
	int ret;

	switch (pending_state(st, &t)) {
	case PENDING_LIVE:
		name = STATE_PENDING;
		joined = true;
		cli_say_joined(&t, "apply");
		break;
	case PENDING_STALE:
		/* its timer is gone (reboot): nothing will ever roll it back */
		pending_drop(st);
		break;
	case PENDING_NONE:
		break;
	}
	ret = state_save_ruleset(st, name, r, NULL);
	if (ret) {
		fprintf(stderr, "%s: loaded, but could not save it as %s: %s\n",
			prog, state_file(st, name), strerror(-ret));
		return EXIT_SYSTEM;
	}
	if (!joined)
		state_remove(st, STATE_EXPIRED);
	return EXIT_OK;
}
