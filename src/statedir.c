// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/* The CLI side of the state directory: messages, apply + save. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "pinhole.h"
#include "apply.h"
#include "cmd.h"
#include "syserr.h"

/* CAP_NET_ADMIN in the effective set (/proc/self/status CapEff) */
static bool has_net_admin(void)
{
	unsigned long long caps = 0;
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return geteuid() == 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "CapEff: %llx", &caps) == 1;
	fclose(f);
	if (!found)
		return geteuid() == 0;
	return caps & (1ULL << CAP_NET_ADMIN);
}

int cli_state_open(struct pinhole_state **st, unsigned int lock_ms)
{
	const char *why = NULL;
	int ret;

	ret = pinhole_state_open(g_opts.state_dir, st, &why);
	if (ret) {
		/* the real obstacle: the directory is root's because the job is */
		if (!has_net_admin())
			fprintf(stderr, "%s: changing the ruleset needs root or "
				"CAP_NET_ADMIN (the state directory %s%s %s)\n", prog,
				g_opts.state_dir, why ? "" : ":",
				why ? why : strerror(-ret));
		else if (why)
			fprintf(stderr, "%s: state directory %s %s; refusing to use it\n",
				prog, g_opts.state_dir, why);
		else
			fprintf(stderr, "%s: state directory %s: %s\n", prog,
				g_opts.state_dir, strerror(-ret));
		return EXIT_SYSTEM;
	}
	return cli_state_lock(st, lock_ms);
}

int cli_state_lock(struct pinhole_state **st, unsigned int lock_ms)
{
	const char *lock = pinhole_state_file_name(PINHOLE_STATE_FILE_LOCK);
	int ret = pinhole_state_lock(*st, lock_ms);

	if (ret) {
		if (ret == -EWOULDBLOCK)
			fprintf(stderr, "%s: %s/%s: still locked by another pinhole after %u s\n",
				prog, g_opts.state_dir, lock, lock_ms / 1000);
		else
			fprintf(stderr, "%s: %s/%s: %s\n", prog, g_opts.state_dir,
				lock, strerror(-ret));
		pinhole_state_close(*st);
		*st = NULL;
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

/*
 * Not fatal: a table not remembered is only left behind by a later rename,
 * and then the warning about other tables names it.
 */
static void remember_table(struct pinhole_state *st, const char *table)
{
	int ret = pinhole_state_record_table(st, table);

	if (ret)
		fprintf(stderr, "%s: warning: loaded, but could not record its "
			"name in %s: %s\n", prog,
			state_file(st, PINHOLE_STATE_FILE_TABLE), strerror(-ret));
}

const char *cli_loaded_table(char buf[PINHOLE_TABLE_NAME_MAX + 1])
{
	struct pinhole_state *st = NULL;
	const char *why = NULL;
	int ret;

	/* no lock: the file is replaced by rename, never written in place */
	ret = pinhole_state_open(g_opts.state_dir, &st, &why);
	if (!ret)
		ret = pinhole_state_loaded_table(st, buf);
	pinhole_state_close(st);
	return ret ? PINHOLE_DEFAULT_TABLE : buf;
}

void cli_warn_others(const char *table)
{
	struct pinhole_diag *d = pinhole_diag_new();

	/* a warning about warnings would be noise: a failed look is silent */
	if (d && pinhole_live_others(table, g_opts.netns, d) > 0)
		pinhole_diag_print(d, stderr);
	pinhole_diag_free(d);
}

/*
 * Test hook (tests/boot.sh): sleep this many seconds once the kernel took
 * the table (and a staged save was published), so that a test can kill -9
 * the process there: before the save was staged, that left the saved
 * table one apply behind.
 */
static void test_pause_after_commit(void)
{
	const char *v = getenv("PINHOLE_TEST_PAUSE_AFTER_COMMIT");

	if (v && *v)
		sleep((unsigned int)strtoul(v, NULL, 10));
}

unsigned int g_apply_flags;
bool g_apply_verbose;

static void say_kind(const struct pinhole_apply_info *in)
{
	if (in->kind == PINHOLE_APPLY_INCREMENTAL && !in->n_sets)
		fprintf(stderr, "%s: apply: incremental: the live table is "
			"already this one, nothing sent (counters kept; %s)\n", prog,
			in->known ? "known from the state directory" : "read back");
	else if (in->kind == PINHOLE_APPLY_INCREMENTAL)
		fprintf(stderr, "%s: apply: incremental: %zu element%s deleted, "
			"%zu added in %zu set%s (other counters kept; %s)\n", prog,
			in->n_del, in->n_del == 1 ? "" : "s", in->n_add,
			in->n_sets, in->n_sets == 1 ? "" : "s",
			in->known ? "table known from the state directory" :
				    "table read back");
	else
		fprintf(stderr, "%s: apply: full replace (%s; counters start "
			"from zero)\n", prog, in->why_full ? in->why_full : "--full");
}

int cli_apply_publish(struct pinhole_state *st, const struct pinhole_ruleset *r,
		      int retries, bool *published)
{
	char old[PINHOLE_TABLE_NAME_MAX + 1] = "";
	struct pinhole_apply_known known = { 0 };
	struct pinhole_ruleset *known_r = NULL;
	struct pinhole_apply_info info;
	struct pinhole_diag *d;
	bool pub = false;
	int ret;

	if (published)
		*published = false;
	/* none recorded, or unreadable: nothing to delete but our own table */
	if (st && pinhole_state_loaded_table(st, old))
		old[0] = 0;
	/* the table the last apply left, if nothing committed since */
	if (st && !(g_apply_flags & PINHOLE_APPLY_F_FULL) &&
	    !pinhole_state_live_known(st, &known_r, &known.netns_cookie,
				      &known.genid))
		known.r = known_r;
	for (;;) {
		d = pinhole_diag_new();
		if (!d) {
			pinhole_ruleset_free(known_r);
			return sys_error(-ENOMEM);
		}
		ret = pinhole_ruleset_apply_ex(r, old, g_opts.netns, g_apply_flags,
					       known.r ? &known : NULL, &info, d);
		if (ret != -ERESTART || retries-- <= 0)
			break;
		pinhole_diag_free(d);
	}
	pinhole_ruleset_free(known_r);
	/* first thing after the ack: the window for a kill -9 is one rename */
	if (!ret && st && pinhole_state_publish(st) == 0)
		pub = true;
	if (published)
		*published = pub;
	if (pub)	/* a cache: a failure only costs the next apply a read */
		pinhole_state_record_live(st, r, info.netns_cookie, info.genid);
	else if (!ret && st)
		pinhole_state_record_live(st, NULL, 0, 0);
	if (!ret && g_apply_verbose)
		say_kind(&info);
	if (!ret)
		test_pause_after_commit();
	pinhole_diag_print(d, stderr);
	if (ret && pinhole_diag_errors(d)) {
		fprintf(stderr, "%s: nothing was changed\n", prog);
		ret = EXIT_SYSTEM;
	} else if (ret) {
		ret = sys_error(ret);
	}
	pinhole_diag_free(d);
	if (!ret && st)
		remember_table(st, pinhole_ruleset_table(r));
	if (!ret)
		cli_warn_others(pinhole_ruleset_table(r));
	return ret;
}

int cli_apply(const struct pinhole_ruleset *r, int retries)
{
	return cli_apply_publish(NULL, r, retries, NULL);
}

int cli_apply_st(struct pinhole_state *st, const struct pinhole_ruleset *r,
		 int retries)
{
	return cli_apply_publish(st, r, retries, NULL);
}

const char *state_file(const struct pinhole_state *st, enum pinhole_state_file f)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", pinhole_state_dir(st),
		 pinhole_state_file_name(f));
	return buf;
}

void cli_say_joined(time_t deadline, const char *what)
{
	char when[32] = "its deadline";
	struct tm tm;

	if (localtime_r(&deadline, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(stderr, "%s: an 'apply --confirm' is pending and this %s "
		"becomes part of it: run '%s confirm' to keep it, else at %s "
		"the table from before the 'apply --confirm' is restored\n",
		prog, what, prog, when);
}

/*
 * Save what was just loaded: as the boot fallback, or, while an
 * `apply --confirm` is pending, as part of that pending change. When the
 * staged image was @published already, only the messages are left.
 */
static int save_applied(struct pinhole_state *st, const struct pinhole_ruleset *r,
			bool published)
{
	enum pinhole_state_file f = PINHOLE_STATE_FILE_PENDING;
	bool live;
	time_t deadline;
	int ret = 0;

	live = pinhole_state_status(st, &deadline) == PINHOLE_PENDING_LIVE;
	if (live)
		cli_say_joined(deadline, "apply");
	if (published)
		return EXIT_OK;
	if (live)
		ret = pinhole_state_join(st, r);
	/* not live, or confirmed meanwhile (apply --boot without the lock) */
	if (!live || ret == PINHOLE_STATE_NOT_PENDING) {
		f = PINHOLE_STATE_FILE_LAST;
		ret = pinhole_state_record_applied(st, r);
	}
	if (ret) {
		fprintf(stderr, "%s: loaded, but could not save it as %s: %s\n",
			prog, state_file(st, f), strerror(-ret));
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

int cli_apply_save(struct pinhole_state *st, const struct pinhole_ruleset *r,
		   int retries, bool *loaded)
{
	bool published;
	int ret;

	ret = pinhole_state_stage(st, r);
	if (ret && !loaded) {
		/* the save would fail too: refuse before changing anything */
		fprintf(stderr, "%s: cannot save the new table in %s: %s; nothing "
			"was changed\n", prog, pinhole_state_dir(st), strerror(-ret));
		return EXIT_SYSTEM;
	}
	/* boot loads anyway: then the save is tried whole after the load */
	ret = cli_apply_publish(st, r, retries, &published);
	if (loaded)
		*loaded = ret == EXIT_OK;
	if (ret == EXIT_OK)
		return save_applied(st, r, published);
	pinhole_state_abort(st);	/* removes the staged image */
	return ret;
}
