/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_CMD_H
#define PINHOLE_CMD_H

/* Process exit codes (SPEC §2). */
enum {
	EXIT_OK = 0,
	EXIT_DIFFERENT = 1,	/* diff found a difference; status: no table */
	EXIT_POLICY = 2,	/* the policy or the command line is wrong */
	EXIT_SYSTEM = 3,	/* the system refused */
};

/* Global options, set by main() before the subcommand runs. */
struct global_opts {
	const char *netns;
	const char *state_dir;
};
extern struct global_opts g_opts;
extern const char *prog;

/* Every cmd_* gets argv[0] = the subcommand name, global options removed. */
int cmd_check(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_uci(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_flush(int argc, char **argv);
int cmd_confirm(int argc, char **argv);
int cmd_explain(int argc, char **argv);

#endif
