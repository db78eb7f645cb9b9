// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/* pinhole apply POLICY: atomically replace the live table. */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "pinhole.h"
#include "cmd.h"
#include "syserr.h"
#include "util.h"

int cmd_apply(int argc, char **argv)
{
	struct pinhole_ruleset *r;
	struct pinhole_diag *d;
	int ret;

	/* --confirm and --boot come with a later issue */
	if (argc != 2 || argv[1][0] == '-')
		return usage_error(argv[0], "POLICY");
	ret = load_and_compile(argv[1], NULL, &r);
	if (ret != EXIT_OK)
		return ret;
	d = pinhole_diag_new();
	if (!d) {
		pinhole_ruleset_free(r);
		return sys_error(-ENOMEM);
	}
	ret = pinhole_ruleset_apply(r, g_opts.netns, d);
	pinhole_diag_print(d, stderr);
	if (ret && pinhole_diag_errors(d)) {
		fprintf(stderr, "%s: nothing was changed\n", prog);
		ret = EXIT_SYSTEM;
	} else if (ret) {
		ret = sys_error(ret);
	}
	pinhole_diag_free(d);
	pinhole_ruleset_free(r);
	return ret;
}
