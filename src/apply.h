/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_APPLY_H
#define PINHOLE_APPLY_H

#include <stdbool.h>
#include <time.h>

#include "pinhole.h"

/* How long apply, confirm and the timer wait for STATE_DIR/lock. */
#define LOCK_WAIT_MS		30000
#define LOCK_WAIT_BOOT_MS	10000

/*
 * Open and lock the state directory (g_opts.state_dir). Prints why not
 * and returns EXIT_SYSTEM, or EXIT_OK with *@st set.
 */
int cli_state_open(struct pinhole_state **st, unsigned int lock_ms);
/*
 * Lock an open state directory; on failure prints why, closes it, sets
 * *@st to NULL and returns EXIT_SYSTEM.
 */
int cli_state_lock(struct pinhole_state **st, unsigned int lock_ms);

/*
 * While an apply --confirm is pending (its timer fires at @deadline),
 * @what ("apply", "flush") is part of it: say so, and when the table from
 * before it comes back unless `pinhole confirm` runs.
 */
void cli_say_joined(time_t deadline, const char *what);

/*
 * Load @r into the kernel (g_opts.netns), retrying @retries times when
 * another commit raced us (-ERESTART). Prints kernel diagnostics and system
 * errors; returns EXIT_OK or EXIT_SYSTEM.
 */
int cli_apply(const struct pinhole_ruleset *r, int retries);
/*
 * The same, for a caller holding the state directory @st (NULL: as
 * cli_apply()): the table pinhole loaded before under another name is
 * deleted in the same batch, and the name of @r's table is recorded for
 * the next load. Both cli_apply()s then warn about other tables that
 * filter the same hooks (cli_warn_others()).
 */
int cli_apply_st(struct pinhole_state *st, const struct pinhole_ruleset *r,
		 int retries);

/*
 * The table pinhole loaded last (the state directory remembers it; in
 * @buf), or PINHOLE_DEFAULT_TABLE when none is recorded or the directory
 * cannot be used: what `status` shows without --table.
 */
const char *cli_loaded_table(char buf[PINHOLE_TABLE_NAME_MAX + 1]);

/*
 * One warning line on stderr for each base chain of another nftables
 * table (than inet @table) on a hook pinhole filters that drops or
 * rejects (pinhole_live_others()).
 */
void cli_warn_others(const char *table);

/* "/path/to/state/NAME" of @f, for messages. */
const char *state_file(const struct pinhole_state *st, enum pinhole_state_file f);

/*
 * Load @r as cli_apply(), then save it: as the boot fallback, or, while an
 * `apply --confirm` is pending, as part of that pending change (the timer
 * still restores the rollback point unless `pinhole confirm` runs). The
 * save is staged before the load and published right after the kernel's
 * ack (one rename). Prints what it did; returns EXIT_OK or EXIT_SYSTEM.
 * @loaded: NULL for a plain apply: when the save cannot even be staged,
 *	nothing is loaded. Else (boot: protect the kernel first) @r is
 *	loaded anyway, and *@loaded says whether the kernel took it.
 */
int cli_apply_save(struct pinhole_state *st, const struct pinhole_ruleset *r,
		   int retries, bool *loaded);
/*
 * cli_apply(), and right after the kernel's ack publish what
 * pinhole_state_stage() staged in @st, if anything (*@published says
 * whether it was).
 */
int cli_apply_publish(struct pinhole_state *st, const struct pinhole_ruleset *r,
		      int retries, bool *published);

/*
 * When the pending `apply --confirm` has lost its rollback timer (kill -9:
 * its recorded pid and start time are gone), say so on stderr; once its
 * deadline has passed, do what the timer would have done: restore the
 * rollback point now (*@rolled_back true) and say what was restored.
 * @st is locked. Returns EXIT_OK, or EXIT_SYSTEM when the rollback failed.
 */
int cli_dead_timer(struct pinhole_state *st, bool *rolled_back);

/*
 * apply --full: PINHOLE_APPLY_F_FULL for every load of this run; apply -v:
 * say on stderr which kind of apply ran (cli_apply_publish()).
 */
extern unsigned int g_apply_flags;
extern bool g_apply_verbose;

int apply_plain(const char *policy);
int apply_boot(const char *policy);
int apply_confirm(const char *policy, unsigned int seconds);

#endif
