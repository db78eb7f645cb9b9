/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_APPLY_H
#define PINHOLE_APPLY_H

#include <stdbool.h>

struct pinhole_ruleset;
struct serial_timer;
struct state;

/* How long apply, confirm and the timer wait for STATE_DIR/lock. */
#define LOCK_WAIT_MS		30000
#define LOCK_WAIT_BOOT_MS	10000

/*
 * Open and lock the state directory (g_opts.state_dir). Prints why not
 * and returns EXIT_SYSTEM, or EXIT_OK with *@st set.
 */
int cli_state_open(struct state **st, unsigned int lock_ms);
/*
 * Lock an open state directory; on failure prints why, closes it, sets
 * *@st to NULL and returns EXIT_SYSTEM.
 */
int cli_state_lock(struct state **st, unsigned int lock_ms);

/*
 * While an apply --confirm is pending (timer record @t), @what ("apply",
 * "flush") is part of it: say so, and when the table from before it comes
 * back unless `pinhole confirm` runs.
 */
void cli_say_joined(const struct serial_timer *t, const char *what);

/*
 * Load @r into the kernel (g_opts.netns), retrying @retries times when
 * another commit raced us (-ERESTART). Prints kernel diagnostics and system
 * errors; returns EXIT_OK or EXIT_SYSTEM.
 */
int cli_apply(const struct pinhole_ruleset *r, int retries);

/* "/path/to/state/NAME" for messages. */
const char *state_file(const struct state *st, const char *name);

/*
 * Save what was just loaded: as the boot fallback (STATE_LAST), or, while
 * an `apply --confirm` is pending, as part of that pending change
 * (STATE_PENDING; the timer still restores the rollback point unless
 * `pinhole confirm` runs). Drops the files of a stale pending change whose
 * timer is gone. Prints what it did; returns EXIT_OK or EXIT_SYSTEM.
 */
int save_applied(struct state *st, const struct pinhole_ruleset *r);

enum pending {
	PENDING_NONE,	/* no apply --confirm pending */
	PENDING_LIVE,	/* pending, its timer process is alive */
	PENDING_STALE,	/* pending files, but the timer is gone (reboot, kill -9) */
};
/* Whether an apply --confirm is pending; @t gets its timer record. */
enum pending pending_state(struct state *st, struct serial_timer *t);
/* Remove the pending change's files (its timer then never acts). */
void pending_drop(struct state *st);
/* Signal the timer of @t if that process is still the timer. */
void timer_kill(const struct serial_timer *t);

int apply_plain(const char *policy);
int apply_boot(const char *policy);
int apply_confirm(const char *policy, unsigned int seconds);

#endif
