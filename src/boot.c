// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * apply --boot POLICY (SPEC §3): fail closed. The policy does not load or
 * compile (or the kernel refuses it) → the last applied ruleset from the
 * state directory; none, or unusable → the lockdown table. Either way
 * exit 2 (3 when the kernel refused the policy) after the kernel is
 * protected; 3 when not even the lockdown could be loaded.
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

/* The state directory if usable; boot goes on without it (or its lock). */
static struct pinhole_state *boot_state(void)
{
	struct pinhole_state *st = NULL;
	const char *why = NULL;
	int ret = pinhole_state_open(g_opts.state_dir, &st, &why);

	if (ret) {
		fprintf(stderr, "%s: state directory %s %s; going on without saved state\n",
			prog, g_opts.state_dir, why ? why : strerror(-ret));
		return NULL;
	}
	ret = pinhole_state_lock(st, LOCK_WAIT_BOOT_MS);
	if (ret)
		fprintf(stderr, "%s: %s: %s; going on without the lock\n", prog,
			state_file(st, PINHOLE_STATE_FILE_LOCK),
			ret == -EWOULDBLOCK ? "held by another pinhole" : strerror(-ret));
	return st;
}

/* The last applied ruleset, loaded; EXIT_OK when it protects the kernel. */
static int load_last(struct pinhole_state *st, const char *policy)
{
	struct pinhole_ruleset *r = NULL;
	char when[64] = "at an unknown time";
	time_t t;
	int ret;

	ret = pinhole_state_load_last(st, &r);
	if (ret == -ENOENT)
		return EXIT_SYSTEM;
	if (ret) {
		/* whatever the error (-EBADMSG, -ELOOP, -EPROTONOSUPPORT, ...) */
		fprintf(stderr, "%s: %s: %s; not using it\n", prog,
			state_file(st, PINHOLE_STATE_FILE_LAST),
			ret == -EBADF ? "not a regular file" : "corrupt");
		return EXIT_SYSTEM;
	}
	ret = cli_apply_st(st, r, 3);
	if (ret == EXIT_OK) {
		struct tm tm;

		if (!pinhole_state_file_mtime(st, PINHOLE_STATE_FILE_LAST, &t) &&
		    localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "%s: %s did not load; loaded the last applied ruleset "
			"instead (table inet %s, saved %s in %s)\n", prog, policy,
			pinhole_ruleset_table(r), when,
			state_file(st, PINHOLE_STATE_FILE_LAST));
	}
	pinhole_ruleset_free(r);
	return ret;
}

static int load_lockdown(struct pinhole_state *st, const char *table,
			 const char *policy)
{
	struct pinhole_ruleset *r = pinhole_ruleset_lockdown(table);
	int ret;

	if (!r) {
		fprintf(stderr, "%s: cannot build the lockdown table: %s\n", prog,
			strerror(errno));
		return EXIT_SYSTEM;
	}
	ret = cli_apply_st(st, r, 3);
	if (ret == EXIT_OK)
		fprintf(stderr, "%s: %s did not load and no saved ruleset could be "
			"used: loaded the lockdown table inet %s (no new connections "
			"from global addresses; link-local, ULA and private IPv4 "
			"sources may still connect). Fix the policy, then run '%s apply %s'\n",
			prog, policy, table, prog, policy);
	pinhole_ruleset_free(r);
	return ret;
}

int apply_boot(const char *policy)
{
	struct pinhole_ruleset *r = NULL;
	struct pinhole_state *st = boot_state();
	const char *table = PINHOLE_DEFAULT_TABLE;
	bool loaded;
	int ret, failed;

	failed = load_and_compile(policy, 0, &r);
	if (failed == EXIT_OK) {
		if (st) {
			ret = cli_apply_save(st, r, 3, &loaded);
		} else {
			ret = cli_apply(r, 3);
			loaded = ret == EXIT_OK;
			if (loaded) {
				fprintf(stderr, "%s: loaded %s, but could not save it\n",
					prog, policy);
				ret = EXIT_SYSTEM;
			}
		}
		if (loaded)
			goto out;	/* ret: whether it was saved too */
		failed = ret;
		table = pinhole_ruleset_table(r);
		fprintf(stderr, "%s: the kernel refused %s; loading a fallback\n",
			prog, policy);
	}
	/* fail closed: something must protect the kernel before we exit */
	ret = st ? load_last(st, policy) : EXIT_SYSTEM;
	if (ret != EXIT_OK)
		ret = load_lockdown(st, table, policy);
	if (ret == EXIT_OK) {
		/* a rollback timer that died with the last boot never fires */
		if (st)
			pinhole_state_drop_stale(st);
		ret = failed == EXIT_SYSTEM ? EXIT_SYSTEM : EXIT_POLICY;
	} else {
		fprintf(stderr, "%s: could not load any fallback: the kernel is NOT protected\n",
			prog);
		ret = EXIT_SYSTEM;
	}
out:
	pinhole_ruleset_free(r);
	pinhole_state_close(st);
	return ret;
}
