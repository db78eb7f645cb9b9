// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/* pinhole flush [--table NAME]: delete the table pinhole owns, only it. */
#include "config.h"

#include <string.h>

#include "pinhole.h"
#include "cmd.h"
#include "syserr.h"
#include "util.h"

int cmd_flush(int argc, char **argv)
{
	const char *table = "pinhole";
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--table") && i + 1 < argc && argv[i + 1][0])
			table = argv[++i];
		else if (!strncmp(argv[i], "--table=", 8) && argv[i][8])
			table = argv[i] + 8;
		else
			return usage_error(argv[0], "[--table NAME]");
	}
	ret = pinhole_table_flush(table, g_opts.netns);
	return ret ? sys_error(ret) : EXIT_OK;
}
