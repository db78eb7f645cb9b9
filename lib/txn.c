// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The state protocol (pinhole.h, "The state directory"): which files of
 * the state directory each step of apply, apply --confirm, confirm, the
 * rollback timer and boot writes, renames or removes, in what order.
 * state.c does the files themselves (checks, lock, atomic writes).
 *
 * The files of a pending apply --confirm: ROLLBACK (what the timer
 * restores), PENDING (what was loaded; confirm makes it LAST) and TIMER,
 * the timer's record with its random token. TIMER is written last and
 * removed first: while it holds a timer's token that timer rolls back,
 * and nothing else decides it. A timer record whose process is gone
 * (reboot, kill -9) is stale: nothing will roll that change back.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "pinhole.h"
#include "serial.h"
#include "state.h"
#include "txn.h"

/**
 * struct pinhole_state - an open state directory
 * @st: the directory and its lock
 * @txn: the apply --confirm between pinhole_state_begin() and its commit
 *	or abort
 * @txn.open: begun
 * @txn.joined: an apply --confirm was pending; this one is part of it
 * @txn.armed: its timer record is written
 * @txn.old: joined: the pending timer's record, which arm replaced
 * @txn.timer: the new timer (pid and start time known, even when
 *	writing its record failed: abort stops it)
 * @staged: the table whose image pinhole_state_stage() wrote to
 *	STATE_STAGED, not yet published; NULL when none
 * @staged_last: pinhole_state_publish() makes it STATE_LAST, else
 *	STATE_PENDING (decided when staging, under the lock)
 * @published: the table pinhole_state_publish() last put in place
 */
struct pinhole_state {
	struct state *st;
	struct {
		bool open, joined, armed;
		struct serial_timer old, timer;
	} txn;
	const struct pinhole_ruleset *staged, *published;
	bool staged_last;
};

static const char *const file_names[] = {
	[PINHOLE_STATE_FILE_LOCK] = STATE_LOCK,
	[PINHOLE_STATE_FILE_LAST] = STATE_LAST,
	[PINHOLE_STATE_FILE_ROLLBACK] = STATE_ROLLBACK,
	[PINHOLE_STATE_FILE_PENDING] = STATE_PENDING,
	[PINHOLE_STATE_FILE_TIMER] = STATE_TIMER,
	[PINHOLE_STATE_FILE_EXPIRED] = STATE_EXPIRED,
	[PINHOLE_STATE_FILE_TABLE] = STATE_TABLE,
};

/* -------------------------------------------------------- the timer process */

int txn_proc_starttime(pid_t pid, uint64_t *out)
{
	char path[64], buf[1024], *p, *save = NULL;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	/* "pid (comm) S ..." where comm may hold spaces and parentheses */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	p = strtok_r(p + 1, " ", &save);	/* field 3: state */
	if (!p || *p == 'Z' || *p == 'X')
		return -ESRCH;
	for (int field = 4; field <= 22; field++)
		if (!(p = strtok_r(NULL, " ", &save)))
			return -EIO;
	*out = strtoull(p, NULL, 10);
	return 0;
}

static bool timer_alive(const struct serial_timer *t)
{
	uint64_t start;

	return t->pid && t->pid <= INT_MAX &&
	       txn_proc_starttime((pid_t)t->pid, &start) == 0 &&
	       start == t->starttime;
}

/* A courtesy: the token already decides that the timer does nothing. */
static void timer_stop(const struct serial_timer *t)
{
	if (timer_alive(t))
		kill((pid_t)t->pid, SIGTERM);
}

/* ------------------------------------------------------------- helpers */

static void keep_first(int *ret, int err)
{
	if (!*ret)
		*ret = err;
}

static void set_where(enum pinhole_state_file *where, enum pinhole_state_file f)
{
	if (where)
		*where = f;
}

/* Whether an apply --confirm is pending; @t gets its record (zero if none). */
static enum pinhole_pending pending(struct pinhole_state *ps,
				    struct serial_timer *t)
{
	int ret = state_load_timer(ps->st, STATE_TIMER, t);

	if (ret == -ENOENT) {
		memset(t, 0, sizeof(*t));
		return PINHOLE_PENDING_NONE;
	}
	if (ret) {
		memset(t, 0, sizeof(*t));	/* unreadable: no timer can match it */
		return PINHOLE_PENDING_STALE;
	}
	return timer_alive(t) ? PINHOLE_PENDING_LIVE : PINHOLE_PENDING_STALE;
}

/* Remove the pending change's files, the timer's record first. */
static int drop_pending(struct pinhole_state *ps)
{
	int ret = 0;

	keep_first(&ret, state_remove(ps->st, STATE_TIMER));
	keep_first(&ret, state_remove(ps->st, STATE_PENDING));
	keep_first(&ret, state_remove(ps->st, STATE_ROLLBACK));
	keep_first(&ret, state_sync(ps->st));
	return ret;
}

static void txn_close(struct pinhole_state *ps)
{
	memset(&ps->txn, 0, sizeof(ps->txn));
}

/* ------------------------------------------------------- the directory */

EXPORT_SYMBOL(pinhole_state_open);
int pinhole_state_open(const char *dir, struct pinhole_state **out,
		       const char **why)
{
	struct pinhole_state *ps;
	struct state *st;
	int ret;

	*out = NULL;
	ret = state_open(dir, &st, why);
	if (ret)
		return ret;
	ps = calloc(1, sizeof(*ps));
	if (!ps) {
		state_close(st);
		return -ENOMEM;
	}
	ps->st = st;
	*out = ps;
	return 0;
}

EXPORT_SYMBOL(pinhole_state_close);
void pinhole_state_close(struct pinhole_state *ps)
{
	if (!ps)
		return;
	state_close(ps->st);
	free(ps);
}

EXPORT_SYMBOL(pinhole_state_dir);
const char *pinhole_state_dir(const struct pinhole_state *ps)
{
	return state_path(ps->st);
}

EXPORT_SYMBOL(pinhole_state_file_name);
const char *pinhole_state_file_name(enum pinhole_state_file f)
{
	return (unsigned int)f < ARRAY_SIZE(file_names) ? file_names[f] : NULL;
}

EXPORT_SYMBOL(pinhole_state_file_mtime);
int pinhole_state_file_mtime(struct pinhole_state *ps,
			     enum pinhole_state_file f, time_t *t)
{
	const char *name = pinhole_state_file_name(f);

	return name ? state_mtime(ps->st, name, t) : -EINVAL;
}

EXPORT_SYMBOL(pinhole_state_lock);
int pinhole_state_lock(struct pinhole_state *ps, unsigned int timeout_ms)
{
	return state_lock(ps->st, timeout_ms);
}

EXPORT_SYMBOL(pinhole_state_status);
enum pinhole_pending pinhole_state_status(struct pinhole_state *ps,
					  time_t *deadline)
{
	struct serial_timer t;
	enum pinhole_pending p = pending(ps, &t);

	if (deadline)
		*deadline = (time_t)t.deadline;
	return p;
}

/* ---------------------------------------------------------- plain apply */

EXPORT_SYMBOL(pinhole_state_record_applied);
int pinhole_state_record_applied(struct pinhole_state *ps,
				 const struct pinhole_ruleset *r)
{
	struct serial_timer t;
	int ret;

	switch (pending(ps, &t)) {
	case PINHOLE_PENDING_LIVE:
		return -EBUSY;
	case PINHOLE_PENDING_STALE:
		drop_pending(ps);
		break;
	case PINHOLE_PENDING_NONE:
		break;
	}
	ret = state_save_ruleset(ps->st, STATE_LAST, r, NULL);
	if (ret)
		return ret;
	state_remove(ps->st, STATE_EXPIRED);
	return 0;
}

EXPORT_SYMBOL(pinhole_state_join);
int pinhole_state_join(struct pinhole_state *ps, const struct pinhole_ruleset *r)
{
	struct serial_timer t;

	if (pending(ps, &t) == PINHOLE_PENDING_NONE)
		return PINHOLE_STATE_NOT_PENDING;
	return state_save_ruleset(ps->st, STATE_PENDING, r, NULL);
}

EXPORT_SYMBOL(pinhole_state_stage);
int pinhole_state_stage(struct pinhole_state *ps, const struct pinhole_ruleset *r)
{
	struct serial_timer t;
	int ret;

	ps->staged = NULL;
	ps->published = NULL;
	if (!r)
		return -EINVAL;
	ret = state_save_ruleset(ps->st, STATE_STAGED, r, NULL);
	if (ret) {
		state_remove(ps->st, STATE_STAGED);
		return ret;
	}
	ps->staged = r;
	ps->staged_last = pending(ps, &t) != PINHOLE_PENDING_LIVE;
	return 0;
}

EXPORT_SYMBOL(pinhole_state_publish);
int pinhole_state_publish(struct pinhole_state *ps)
{
	struct serial_timer t;
	enum pinhole_pending p;
	int ret;

	if (!ps->staged)
		return -ENOENT;
	p = pending(ps, &t);
	/* changed since staging (boot may run without the lock): not here */
	if (ps->staged_last != (p != PINHOLE_PENDING_LIVE))
		return -EAGAIN;
	if (p == PINHOLE_PENDING_STALE)
		drop_pending(ps);
	ret = state_rename(ps->st, STATE_STAGED,
			   ps->staged_last ? STATE_LAST : STATE_PENDING);
	if (!ret)
		ret = state_sync(ps->st);
	if (ret)
		return ret;
	ps->published = ps->staged;
	ps->staged = NULL;
	if (ps->staged_last)
		state_remove(ps->st, STATE_EXPIRED);
	return 0;
}

/* -------------------------------------------------------- apply --confirm */

EXPORT_SYMBOL(pinhole_state_begin);
int pinhole_state_begin(struct pinhole_state *ps,
			const struct pinhole_ruleset *prev, const char *table,
			const struct pinhole_ruleset *next,
			enum pinhole_state_file *where)
{
	struct serial_timer old;
	enum pinhole_pending p;
	int ret;

	if (ps->txn.open)
		return -EALREADY;
	if (!table || !*table || !next)
		return -EINVAL;
	p = pending(ps, &old);
	if (p == PINHOLE_PENDING_STALE) {
		drop_pending(ps);
		p = PINHOLE_PENDING_NONE;
	}
	if (p == PINHOLE_PENDING_LIVE) {
		/* its rollback point, the last confirmed table, stays */
		ps->txn.open = true;
		ps->txn.joined = true;
		ps->txn.old = old;
		return PINHOLE_STATE_JOINED;
	}
	set_where(where, PINHOLE_STATE_FILE_ROLLBACK);
	ret = state_save_ruleset(ps->st, STATE_ROLLBACK, prev, table);
	if (!ret) {
		set_where(where, PINHOLE_STATE_FILE_PENDING);
		ret = state_save_ruleset(ps->st, STATE_PENDING, next, NULL);
	}
	if (ret) {
		drop_pending(ps);
		return ret;
	}
	ps->txn.open = true;
	return 0;
}

EXPORT_SYMBOL(pinhole_state_arm);
int pinhole_state_arm(struct pinhole_state *ps, uint64_t token, pid_t pid,
		      time_t deadline)
{
	struct serial_timer t = {
		.token = token,
		.pid = (uint32_t)pid,
		.deadline = (int64_t)deadline,
	};
	int ret;

	if (!ps->txn.open || ps->txn.armed || !token || pid <= 0)
		return -EINVAL;
	if (txn_proc_starttime(pid, &t.starttime))
		return -ECHILD;
	ps->txn.timer = t;
	ret = state_save_timer(ps->st, STATE_TIMER, &t);
	if (ret)
		return ret;
	ps->txn.armed = true;
	return 0;
}

EXPORT_SYMBOL(pinhole_state_commit);
int pinhole_state_commit(struct pinhole_state *ps,
			 const struct pinhole_ruleset *next)
{
	int ret;

	if (!ps->txn.open || !ps->txn.armed)
		return -EINVAL;
	if (ps->txn.joined) {
		/* published right after the kernel's ack: nothing left to fail */
		if (ps->published != next) {
			ret = state_save_ruleset(ps->st, STATE_PENDING, next, NULL);
			if (ret)
				return ret;	/* still open: the caller aborts */
		}
		timer_stop(&ps->txn.old);
	}
	state_remove(ps->st, STATE_EXPIRED);
	state_sync(ps->st);
	txn_close(ps);
	return 0;
}

EXPORT_SYMBOL(pinhole_state_abort);
int pinhole_state_abort(struct pinhole_state *ps)
{
	int ret = 0;

	if (ps->staged) {
		state_remove(ps->st, STATE_STAGED);
		ps->staged = NULL;
	}
	if (!ps->txn.open)
		return 0;
	if (!ps->txn.joined)
		ret = drop_pending(ps);
	else if (ps->txn.armed)		/* the pending timer acts again */
		ret = state_save_timer(ps->st, STATE_TIMER, &ps->txn.old);
	timer_stop(&ps->txn.timer);
	txn_close(ps);
	return ret;
}

EXPORT_SYMBOL(pinhole_state_confirm);
int pinhole_state_confirm(struct pinhole_state *ps,
			  enum pinhole_state_file *where)
{
	struct serial_timer t;
	int ret;

	if (pending(ps, &t) == PINHOLE_PENDING_NONE)
		return PINHOLE_STATE_NOT_PENDING;
	set_where(where, PINHOLE_STATE_FILE_TIMER);
	ret = state_remove(ps->st, STATE_TIMER);
	if (!ret)
		ret = state_sync(ps->st);
	if (ret)
		return ret;
	/* confirmed: what was loaded becomes the boot fallback */
	ret = state_rename(ps->st, STATE_PENDING, STATE_LAST);
	if (ret)
		set_where(where, PINHOLE_STATE_FILE_PENDING);
	state_remove(ps->st, STATE_ROLLBACK);
	state_remove(ps->st, STATE_EXPIRED);
	state_sync(ps->st);
	timer_stop(&t);
	return ret;
}

/* ------------------------------------------------------------ the timer */

EXPORT_SYMBOL(pinhole_state_rollback_load);
int pinhole_state_rollback_load(struct pinhole_state *ps, uint64_t token,
				struct pinhole_ruleset **out,
				char **absent_table)
{
	struct serial_timer t;

	*out = NULL;
	if (absent_table)
		*absent_table = NULL;
	if (!token) {
		/* a pending change whose timer died (kill -9) */
		if (pending(ps, &t) != PINHOLE_PENDING_STALE)
			return PINHOLE_STATE_NOT_PENDING;
	} else if (state_load_timer(ps->st, STATE_TIMER, &t) || t.token != token) {
		/* confirmed, or replaced by a newer apply --confirm */
		return PINHOLE_STATE_NOT_PENDING;
	}
	return state_load_ruleset(ps->st, STATE_ROLLBACK, out, absent_table);
}

EXPORT_SYMBOL(pinhole_state_expire);
int pinhole_state_expire(struct pinhole_state *ps)
{
	struct serial_timer t;
	int ret = 0;

	keep_first(&ret, state_rename(ps->st, STATE_TIMER, STATE_EXPIRED));
	/* rename keeps the apply's mtime; the record's time is the rollback's */
	if (!ret && !state_load_timer(ps->st, STATE_EXPIRED, &t))
		state_save_timer(ps->st, STATE_EXPIRED, &t);
	keep_first(&ret, state_remove(ps->st, STATE_PENDING));
	keep_first(&ret, state_remove(ps->st, STATE_ROLLBACK));
	keep_first(&ret, state_sync(ps->st));
	return ret;
}

/* ----------------------------------------------------------------- boot */

EXPORT_SYMBOL(pinhole_state_load_last);
int pinhole_state_load_last(struct pinhole_state *ps,
			    struct pinhole_ruleset **out)
{
	int ret = state_load_ruleset(ps->st, STATE_LAST, out, NULL);

	if (!ret && !*out)
		ret = -EBADMSG;		/* an absent table is no fallback */
	return ret;
}

EXPORT_SYMBOL(pinhole_state_drop_stale);
int pinhole_state_drop_stale(struct pinhole_state *ps)
{
	struct serial_timer t;

	if (pending(ps, &t) != PINHOLE_PENDING_STALE)
		return 0;
	return drop_pending(ps);
}

/* --------------------------------------------------- the table loaded last */

static bool table_name_ok(const char *t, size_t len)
{
	if (!len || len > PINHOLE_TABLE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f || t[i] == '/')
			return false;
	return true;
}

EXPORT_SYMBOL(pinhole_state_loaded_table);
int pinhole_state_loaded_table(struct pinhole_state *ps,
			       char name[PINHOLE_TABLE_NAME_MAX + 1])
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret;

	name[0] = 0;
	ret = state_read(ps->st, STATE_TABLE, &buf, &len);
	if (ret)
		return ret;
	/* "NAME\n", as pinhole_state_record_table() writes it */
	if (len && buf[len - 1] == '\n')
		len--;
	if (!table_name_ok((const char *)buf, len) || memchr(buf, 0, len)) {
		ret = -EBADMSG;
	} else {
		memcpy(name, buf, len);
		name[len] = 0;
	}
	free(buf);
	return ret;
}

EXPORT_SYMBOL(pinhole_state_record_table);
int pinhole_state_record_table(struct pinhole_state *ps, const char *table)
{
	char buf[PINHOLE_TABLE_NAME_MAX + 2];
	size_t len = table ? strnlen(table, sizeof(buf)) : 0;

	if (!table_name_ok(table, len))
		return -EINVAL;
	memcpy(buf, table, len);
	buf[len++] = '\n';
	return state_write(ps->st, STATE_TABLE, buf, len);
}

/* ------------------------------------------- the live table, as loaded */

/* /proc/sys/kernel/random/boot_id: a record of another boot is void */
static int boot_id(char id[40])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	int ret = -EIO;

	if (!f)
		return -errno;
	if (fgets(id, 40, f)) {
		id[strcspn(id, "\n")] = 0;
		ret = strlen(id) == 36 && !strchr(id, ' ') ? 0 : -EIO;
	}
	fclose(f);
	return ret;
}

EXPORT_SYMBOL(pinhole_state_record_live);
int pinhole_state_record_live(struct pinhole_state *ps,
			      const struct pinhole_ruleset *r, uint64_t cookie,
			      uint32_t genid)
{
	char id[40], buf[256];
	struct stat sb;
	int len;

	if (!r || r != ps->published || !cookie || !genid || boot_id(id) ||
	    state_stat(ps->st, ps->staged_last ? STATE_LAST : STATE_PENDING, &sb)) {
		state_remove(ps->st, STATE_LIVE);
		return 0;
	}
	/* "BOOT COOKIE GENID INODE SIZE MTIME_S MTIME_NS\n" */
	len = snprintf(buf, sizeof(buf), "%s %llu %u %llu %lld %lld %ld\n", id,
		       (unsigned long long)cookie, genid,
		       (unsigned long long)sb.st_ino, (long long)sb.st_size,
		       (long long)sb.st_mtim.tv_sec, (long)sb.st_mtim.tv_nsec);
	return state_write(ps->st, STATE_LIVE, buf, (size_t)len);
}

EXPORT_SYMBOL(pinhole_state_live_known);
int pinhole_state_live_known(struct pinhole_state *ps,
			     struct pinhole_ruleset **out, uint64_t *cookie,
			     uint32_t *genid)
{
	unsigned long long c, ino;
	long long size, sec;
	char id[40], rid[40];
	uint8_t *buf = NULL;
	size_t len = 0;
	struct stat sb;
	unsigned int g;
	long nsec;
	int ret;

	*out = NULL;
	ret = state_read(ps->st, STATE_LIVE, &buf, &len);
	if (ret)
		return ret;
	ret = -ENOENT;
	if (len && len < 255 && buf[len - 1] == '\n') {
		char line[256];

		memcpy(line, buf, len);
		line[len] = 0;
		if (sscanf(line, "%39s %llu %u %llu %lld %lld %ld", rid, &c, &g,
			   &ino, &size, &sec, &nsec) == 7 && !boot_id(id) &&
		    !strcmp(id, rid) && c && g &&
		    !state_stat(ps->st, STATE_LAST, &sb) &&
		    (unsigned long long)sb.st_ino == ino && sb.st_size == size &&
		    sb.st_mtim.tv_sec == sec && sb.st_mtim.tv_nsec == nsec)
			ret = 0;
	}
	free(buf);
	if (ret)
		return ret;
	ret = state_load_ruleset(ps->st, STATE_LAST, out, NULL);
	if (!ret && !*out)
		ret = -ENOENT;
	if (ret)
		return ret;
	*cookie = c;
	*genid = g;
	return 0;
}
