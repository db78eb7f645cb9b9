// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/* pinhole check POLICY: parse, validate and compile; touch nothing. */
#include "config.h"

#include "pinhole.h"
#include "cmd.h"
#include "util.h"

int cmd_check(int argc, char **argv)
{
	struct pinhole_ruleset *r;
	int ret;

	if (argc != 2)
		return usage_error(argv[0], "POLICY");
	ret = load_and_compile(argv[1], 0, &r);
	pinhole_ruleset_free(r);
	return ret;
}
