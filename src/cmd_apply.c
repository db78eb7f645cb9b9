// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * pinhole apply POLICY [--confirm S] [--boot]: atomically replace the live
 * table, under the state directory's lock, and save what was loaded
 * (--boot: boot.c; --confirm: rollback.c).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pinhole.h"
#include "apply.h"
#include "cmd.h"
#include "explain.h"
#include "util.h"

#define APPLY_ARGS	"POLICY [--confirm SECONDS] [--boot] [--force] [--full] [-v]"
#define CONFIRM_MAX	86400

/* apply --force: no lockout guard (SPEC §6.5) */
static bool force;

int apply_plain(const char *policy)
{
	struct pinhole_ruleset *r = NULL;
	struct pinhole_state *st = NULL;
	int ret;

	ret = load_and_compile(policy, 0, &r);
	if (ret != EXIT_OK)
		return ret;
	/* the guard asks before anything is locked or changed */
	if (!force && (ret = ssh_guard(r)) != EXIT_OK) {
		pinhole_ruleset_free(r);
		return ret;
	}
	ret = cli_state_open(&st, LOCK_WAIT_MS);
	if (ret == EXIT_OK)
		ret = cli_apply_save(st, r, 0, NULL);
	pinhole_state_close(st);
	pinhole_ruleset_free(r);
	return ret;
}

static bool parse_seconds(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > CONFIRM_MAX)
		return false;
	*out = (unsigned int)v;
	return true;
}

int cmd_apply(int argc, char **argv)
{
	const char *policy = NULL, *secs = NULL;
	unsigned int seconds = 0;
	bool boot = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--boot"))
			boot = true;
		else if (!strcmp(a, "--force"))
			force = true;
		else if (!strcmp(a, "--full"))
			g_apply_flags |= PINHOLE_APPLY_F_FULL;
		else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
			g_apply_verbose = true;
		else if (!strcmp(a, "--confirm") && i + 1 < argc)
			secs = argv[++i];
		else if (!strncmp(a, "--confirm=", 10))
			secs = a + 10;
		else if (a[0] == '-' && a[1])
			return usage_error(argv[0], APPLY_ARGS);
		else if (policy)
			return usage_error(argv[0], APPLY_ARGS);
		else
			policy = a;
	}
	if (!policy)
		return usage_error(argv[0], APPLY_ARGS);
	if (secs && !parse_seconds(secs, &seconds)) {
		fprintf(stderr, "%s: --confirm wants whole seconds from 1 to %u, not '%s'\n",
			prog, CONFIRM_MAX, secs);
		return EXIT_POLICY;
	}
	if (secs && boot) {
		fprintf(stderr, "%s: --boot and --confirm do not go together "
			"(nobody confirms at boot)\n", prog);
		return EXIT_POLICY;
	}
	if (boot)
		return apply_boot(policy);
	if (secs)
		return apply_confirm(policy, seconds);
	return apply_plain(policy);
}
