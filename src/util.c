// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pinhole.h"
#include "cmd.h"
#include "util.h"

int usage_error(const char *sub, const char *args)
{
	fprintf(stderr, "Usage: %s %s %s\n", prog, sub, args);
	return EXIT_POLICY;
}

int load_and_compile(const char *path, unsigned int flags,
		     struct pinhole_ruleset **out)
{
	struct pinhole_diag *d = pinhole_diag_new();
	struct pinhole_policy *p = NULL;
	int ret = EXIT_SYSTEM, r;

	*out = NULL;
	if (!d) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_SYSTEM;
	}
	r = pinhole_policy_load_file(path, d, &p);
	if (r == 0)
		r = pinhole_ruleset_compile_flags(p, flags, d, out);
	/* the biggest thing in memory at 100,000 pinholes: gone before apply */
	pinhole_policy_free(p);
	pinhole_diag_print(d, stderr);
	if (r == -1 || (r == 0 && pinhole_diag_errors(d))) {
		ret = EXIT_POLICY;
	} else if (r < 0) {
		/* diagnostics already name the file for I/O errors */
		if (r != -ENOENT && r != -EACCES && r != -EISDIR)
			fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(-r));
		ret = r == -ENOMEM ? EXIT_SYSTEM : EXIT_POLICY;
	} else {
		ret = EXIT_OK;
	}
	if (ret != EXIT_OK) {
		pinhole_ruleset_free(*out);
		*out = NULL;
	}
	pinhole_diag_free(d);
	return ret;
}
