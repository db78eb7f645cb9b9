// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/* pinhole compile POLICY: the ruleset as an nft script on stdout. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pinhole.h"
#include "cmd.h"
#include "util.h"

int cmd_compile(int argc, char **argv)
{
	struct pinhole_ruleset *r;
	int ret;

	if (argc != 2)
		return usage_error(argv[0], "POLICY");
	ret = load_and_compile(argv[1], 0, &r);
	if (ret != EXIT_OK)
		return ret;
	if (pinhole_ruleset_emit(r, stdout) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "%s: writing the ruleset failed\n", prog);
		ret = EXIT_SYSTEM;
	}
	pinhole_ruleset_free(r);
	return ret;
}
