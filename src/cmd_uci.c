// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * pinhole uci POLICY [--batch] [--zones]: the policy's pinholes as OpenWrt
 * fw4 /etc/config/firewall sections, or as a `uci batch` script; with
 * --zones its zones and forwardings first.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "pinhole.h"
#include "cmd.h"
#include "util.h"

#define UCI_ARGS "POLICY [--batch] [--zones]"

int cmd_uci(int argc, char **argv)
{
	struct pinhole_ruleset *r = NULL;
	struct pinhole_diag *d = NULL;
	const char *path = NULL;
	int flags = 0;
	int ret, err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--batch"))
			flags |= PINHOLE_UCI_BATCH;
		else if (!strcmp(argv[i], "--zones"))
			flags |= PINHOLE_UCI_ZONES;
		else if (argv[i][0] == '-' && argv[i][1])
			return usage_error(argv[0], UCI_ARGS);
		else if (path)
			return usage_error(argv[0], UCI_ARGS);
		else
			path = argv[i];
	}
	if (!path)
		return usage_error(argv[0], UCI_ARGS);
	ret = load_and_compile(path, PINHOLE_COMPILE_PINHOLES, &r);
	if (ret != EXIT_OK)
		return ret;
	d = pinhole_diag_new();
	if (!d) {
		fprintf(stderr, "%s: out of memory\n", prog);
		ret = EXIT_SYSTEM;
		goto out;
	}
	err = pinhole_ruleset_uci(r, d, stdout, flags);
	pinhole_diag_print(d, stderr);
	if (err == -1) {
		ret = EXIT_POLICY;
	} else if (err < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "%s: writing the UCI sections failed: %s\n", prog,
			strerror(err < 0 ? -err : errno));
		ret = EXIT_SYSTEM;
	}
out:
	pinhole_diag_free(d);
	pinhole_ruleset_free(r);
	return ret;
}
