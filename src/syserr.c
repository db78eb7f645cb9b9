// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "syserr.h"

int sys_error(int err)
{
	err = err < 0 ? -err : err;
	switch (err) {
	case ERESTART:
		fprintf(stderr, "%s: the ruleset changed while pinhole was working; "
			"nothing was changed, run it again\n", prog);
		break;
	case EPERM:
	case EACCES:
		fprintf(stderr, "%s: cannot talk to nf_tables: %s (are you root?)\n",
			prog, strerror(err));
		break;
	case EPROTONOSUPPORT:
	case EAFNOSUPPORT:
	case EOPNOTSUPP:
		fprintf(stderr, "%s: cannot talk to nf_tables: %s (is the nf_tables "
			"module available?)\n", prog, strerror(err));
		break;
	case ENOENT:
		if (g_opts.netns) {
			fprintf(stderr, "%s: no network namespace '%s' (/run/netns/%s)\n",
				prog, g_opts.netns, g_opts.netns);
			break;
		}
		/* fall through */
	default:
		fprintf(stderr, "%s: cannot talk to nf_tables: %s\n", prog,
			strerror(err));
		break;
	}
	return EXIT_SYSTEM;
}
