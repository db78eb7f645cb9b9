// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * pinhole: the command line. One exact-match subcommand table (as in
 * wireguard-tools' wg.c); global options may stand before the subcommand or
 * among its arguments and are removed before the subcommand sees argv.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

struct global_opts g_opts = {
	.netns = NULL,
	.state_dir = NULL,	/* --state-dir, $PINHOLE_STATE_DIR, DEFAULT_STATE_DIR */
};
const char *prog = "pinhole";

static const struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
} subcommands[] = {
	{ "check",   cmd_check,   "POLICY", "validate a policy; print diagnostics" },
	{ "compile", cmd_compile, "POLICY", "print the ruleset as an nft script" },
	{ "uci",     cmd_uci,     "POLICY [--batch] [--zones]", "OpenWrt fw4 /etc/config/firewall sections" },
	{ "apply",   cmd_apply,   "POLICY [--confirm S] [--boot] [--force] [--full] [-v]", "atomically replace the live table" },
	{ "confirm", cmd_confirm, "", "keep what the pending 'apply --confirm' loaded" },
	{ "diff",    cmd_diff,    "POLICY [--json]", "what apply would change, as a unified diff" },
	{ "status",  cmd_status,  "[--table NAME] [--json]", "live per-pinhole counters" },
	{ "flush",   cmd_flush,   "[--table NAME]", "delete the table pinhole owns" },
	{ "explain", cmd_explain, "POLICY|--live --to ADDR|self --proto P ...",
	  "which rule decides a new connection, and the verdict" },
};

static void show_usage(FILE *f)
{
	fprintf(f, "Usage: %s [--netns NAME] [--state-dir DIR] <command> [<args>]\n\n"
		   "Commands:\n", prog);
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-8s %-30s %s\n", subcommands[i].name,
			subcommands[i].args, subcommands[i].help);
	fprintf(f, "\nGlobal options:\n"
		   "  --netns NAME      work inside the network namespace /run/netns/NAME\n"
		   "  --state-dir DIR   saved rulesets and locks (default " DEFAULT_STATE_DIR ")\n"
		   "  -h, --help        this help\n"
		   "  --version         print the version\n"
		   "\nExit status: 0 success, 1 diff found a difference, 2 bad policy or\n"
		   "command line, 3 the system refused. See pinhole(8), pinhole.yaml(5).\n");
}

/* Remove global options from argv; returns the new argc or -1 on error. */
static int take_global_opts(int argc, char **argv, bool *help, bool *version)
{
	int out = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;

		if (!strcmp(a, "--netns"))
			slot = &g_opts.netns;
		else if (!strcmp(a, "--state-dir"))
			slot = &g_opts.state_dir;
		if (slot) {
			if (i + 1 >= argc || !argv[i + 1][0]) {
				fprintf(stderr, "%s: option '%s' needs a value\n", prog, a);
				return -1;
			}
			*slot = argv[++i];
			continue;
		}
		if (!strncmp(a, "--netns=", 8)) {
			g_opts.netns = a + 8;
			continue;
		}
		if (!strncmp(a, "--state-dir=", 12)) {
			g_opts.state_dir = a + 12;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			*help = true;
			continue;
		}
		if (!strcmp(a, "--version")) {
			*version = true;
			continue;
		}
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	return out;
}

int main(int argc, char **argv)
{
	bool help = false, version = false;

	argc = take_global_opts(argc, argv, &help, &version);
	if (argc < 0)
		return EXIT_POLICY;
	if (!g_opts.state_dir) {
		const char *env = getenv("PINHOLE_STATE_DIR");

		g_opts.state_dir = env && *env ? env : DEFAULT_STATE_DIR;
	}
	if (version) {
		printf("pinhole %s\n", PACKAGE_VERSION);
		return EXIT_OK;
	}
	if (argc < 2) {
		show_usage(help ? stdout : stderr);
		return help ? EXIT_OK : EXIT_POLICY;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		const struct subcommand *s = &subcommands[i];

		if (strcmp(argv[1], s->name))
			continue;
		if (help) {
			printf("Usage: %s %s %s\n  %s\n", prog, s->name, s->args, s->help);
			return EXIT_OK;
		}
		return s->fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
	show_usage(stderr);
	return EXIT_POLICY;
}
