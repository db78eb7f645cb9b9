/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_STATE_H
#define PINHOLE_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "serial.h"

struct pinhole_ruleset;

/*
 * The state directory (--state-dir, default /var/lib/pinhole): what the
 * last apply loaded, the rollback point and timer of a pending
 * `apply --confirm`, and the lock that serialises every apply, confirm and
 * rollback. Files are 0600, written as temp file + fsync + rename +
 * fsync(dir), and opened with O_NOFOLLOW | O_CLOEXEC relative to the
 * directory's own descriptor, so a path swapped after the checks is never
 * followed. Every function returns 0 or -errno and prints nothing.
 */

#define STATE_LOCK	"lock"
#define STATE_LAST	"last.ruleset"		/* boot fallback: last applied and confirmed */
#define STATE_ROLLBACK	"rollback.ruleset"	/* what a pending timer restores */
#define STATE_PENDING	"pending.ruleset"	/* what the pending apply --confirm loaded */
#define STATE_TIMER	"pending.timer"		/* the pending timer (serial_timer) */
#define STATE_EXPIRED	"expired.timer"		/* the timer that last rolled back */
#define STATE_TABLE	"loaded.table"		/* name of the table pinhole loaded last */
#define STATE_STAGED	"staged.ruleset"	/* the next LAST or PENDING, before the load */
#define STATE_LIVE	"live.id"		/* where the published image is live (a cache) */

struct state;

/**
 * state_open - create (0700) or open the state directory @path and check it
 * @why: on a refusal, a static phrase for the message ("is a symbolic
 *	link", ...); NULL otherwise
 *
 * Missing parents are created 0755. The directory itself is refused when it
 * is a symbolic link (-ELOOP), not a directory (-ENOTDIR), not owned by
 * root when running as root or by the caller otherwise (-EPERM), or
 * writable by group or others (-EPERM). Other -errno: mkdir/open failed.
 */
int state_open(const char *path, struct state **out, const char **why);
/* Close the directory; releases the lock if this process took it. */
void state_close(struct state *st);
const char *state_path(const struct state *st);

/**
 * state_lock - take the exclusive flock on STATE_DIR/lock
 * @timeout_ms: give up after this long (-EWOULDBLOCK)
 */
int state_lock(struct state *st, unsigned int timeout_ms);

/*
 * Raw files: the whole content; -ENOENT when missing, -EBADF when it is no
 * regular file (a FIFO or device is opened O_NONBLOCK and never read),
 * -EFBIG over SERIAL_MAX_LEN.
 */
int state_read(struct state *st, const char *name, uint8_t **buf, size_t *len);
int state_write(struct state *st, const char *name, const void *buf, size_t len);
/* unlink (absent is fine), rename, fsync of the directory */
int state_remove(struct state *st, const char *name);
int state_rename(struct state *st, const char *from, const char *to);
int state_sync(struct state *st);
/* Modification time of @name. */
int state_mtime(struct state *st, const char *name, time_t *t);
/* fstatat() of @name in the directory (no symlink followed); 0 or -errno */
struct stat;
int state_stat(struct state *st, const char *name, struct stat *sb);

/**
 * state_save_ruleset - write @r (or "table @absent_table did not exist") as @name
 * Returns 0, -ENOTSUP if @r holds rules pinhole does not recognise, or -errno.
 */
int state_save_ruleset(struct state *st, const char *name,
		       const struct pinhole_ruleset *r, const char *absent_table);
/**
 * state_load_ruleset - read @name back
 * @out: the ruleset, or NULL when the file records an absent table
 * @absent_table: optional: that table's name (caller frees), else NULL
 * Returns 0, -ENOENT, -EBADMSG (corrupt), -EPROTONOSUPPORT, or -errno.
 */
int state_load_ruleset(struct state *st, const char *name,
		       struct pinhole_ruleset **out, char **absent_table);

int state_save_timer(struct state *st, const char *name,
		     const struct serial_timer *t);
int state_load_timer(struct state *st, const char *name, struct serial_timer *t);

#endif
