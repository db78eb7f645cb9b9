// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * apply --confirm S: load the new table, keep the previous one as the
 * rollback point, and leave a detached timer that restores it after S
 * seconds unless `pinhole confirm` runs first (the remote-admin lockout
 * guard, as Junos' `commit confirmed`).
 *
 * The timer is this process, double-forked: its own session (setsid), no
 * controlling terminal, SIGHUP ignored, stdio on /dev/null, every other
 * descriptor closed, working directory /. It survives the terminal and the
 * applying process's whole session being killed. Its network namespace is
 * the applying process's, or it enters --netns NAME again when it fires.
 *
 * Which timer may act is decided by a random token in STATE_DIR/pending.timer,
 * checked under the state lock when it fires: `confirm` removes the file, a
 * second `apply --confirm` writes a new token (and signals the old timer,
 * after checking /proc/PID/stat's start time so a recycled pid is never hit).
 * A second `apply --confirm` keeps the first one's rollback point: an
 * unconfirmed table never becomes one.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/wait.h>

#include "pinhole.h"
#include "serial.h"
#include "state.h"
#include "apply.h"
#include "cmd.h"
#include "syserr.h"
#include "util.h"

/* Field 22 of /proc/PID/stat (start time, clock ticks after boot); 0 if dead. */
static int proc_starttime(pid_t pid, uint64_t *out)
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
	       proc_starttime((pid_t)t->pid, &start) == 0 && start == t->starttime;
}

void timer_kill(const struct serial_timer *t)
{
	if (timer_alive(t))
		kill((pid_t)t->pid, SIGTERM);
}

enum pending pending_state(struct state *st, struct serial_timer *t)
{
	int ret = state_load_timer(st, STATE_TIMER, t);

	if (ret == -ENOENT)
		return PENDING_NONE;
	if (ret) {
		memset(t, 0, sizeof(*t));	/* unreadable: no timer can match it */
		return PENDING_STALE;
	}
	return timer_alive(t) ? PENDING_LIVE : PENDING_STALE;
}

/* ---------------------------------------------------------------- timer */

/* Restore the rollback point if this timer is still the pending one. */
static int timer_fire(const char *dir, uint64_t token)
{
	struct pinhole_ruleset *r = NULL;
	struct serial_timer t;
	struct state *st;
	char *absent = NULL;
	const char *why;
	int ret;

	openlog("pinhole", LOG_PID, LOG_DAEMON);
	ret = state_open(dir, &st, &why);
	if (ret) {
		syslog(LOG_ERR, "rollback timer: state directory %s: %s", dir,
		       why ? why : strerror(-ret));
		return 1;
	}
	ret = state_lock(st, LOCK_WAIT_MS);
	if (ret)	/* the kernel side is atomic anyway: go on */
		syslog(LOG_WARNING, "rollback timer: %s/%s: %s; going on without it",
		       dir, STATE_LOCK, strerror(-ret));
	if (state_load_timer(st, STATE_TIMER, &t) || t.token != token) {
		ret = 0;	/* confirmed, or replaced by a newer apply --confirm */
		goto out;
	}
	ret = state_load_ruleset(st, STATE_ROLLBACK, &r, &absent);
	if (ret) {
		syslog(LOG_ERR, "rollback timer: %s/%s: %s; cannot restore the previous table",
		       dir, STATE_ROLLBACK, strerror(-ret));
		goto out;
	}
	if (r) {
		ret = cli_apply(r, 5);
	} else {
		ret = pinhole_table_flush(absent, g_opts.netns);
		for (int i = 0; ret == -ERESTART && i < 5; i++)
			ret = pinhole_table_flush(absent, g_opts.netns);
	}
	if (ret) {
		syslog(LOG_ERR, "rollback timer: could not restore the previous table "
		       "(exit %d); the unconfirmed one stays", ret);
		goto out;
	}
	if (r)
		syslog(LOG_WARNING, "'apply --confirm' was not confirmed in time: "
		       "restored the previous table inet %s", pinhole_ruleset_table(r));
	else
		syslog(LOG_WARNING, "'apply --confirm' was not confirmed in time: "
		       "deleted table inet %s (there was none before)", absent);
	state_rename(st, STATE_TIMER, STATE_EXPIRED);
	state_remove(st, STATE_PENDING);
	state_remove(st, STATE_ROLLBACK);
	state_sync(st);
out:
	pinhole_ruleset_free(r);
	free(absent);
	state_close(st);
	closelog();
	return ret ? 1 : 0;
}

static void close_from(int lo, int hi)
{
	for (int fd = lo; fd <= hi; fd++)
		close(fd);
}

static void close_fds_except(int keep)
{
	long max = sysconf(_SC_OPEN_MAX);

	if (max < 0 || max > 65536)
		max = 65536;
	if (keep >= 3)
		close_from(3, keep - 1);
	close_from(keep < 3 ? 3 : keep + 1, (int)max - 1);
}

/* The detached process: never returns. */
static void __attribute__((noreturn))
timer_main(struct state *st, const char *dir, const struct timespec *when,
	   uint64_t token, int report_fd)
{
	pid_t self = getpid();
	int null;

	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	state_forget_lock(st);	/* the parent's descriptor holds the lock */
	state_close(st);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}
	if (chdir("/") < 0)
		_exit(1);
	close_fds_except(report_fd);
	if (write(report_fd, &self, sizeof(self)) != sizeof(self))
		_exit(1);
	close(report_fd);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, when, NULL) == EINTR)
		;
	_exit(timer_fire(dir, token));
}

/* Fork the timer; fill @t (pid, start time, token, deadline). */
static int timer_start(struct state *st, const char *dir, unsigned int seconds,
		       struct serial_timer *t)
{
	struct timespec when;
	pid_t pid, timer = 0;
	int p[2], status, ret = 0;
	ssize_t n;

	if (getrandom(&t->token, sizeof(t->token), 0) != sizeof(t->token))
		return -errno;
	clock_gettime(CLOCK_MONOTONIC, &when);
	when.tv_sec += seconds;
	t->deadline = (int64_t)time(NULL) + seconds;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(p[0]);
		close(p[1]);
		return ret;
	}
	if (pid == 0) {
		close(p[0]);
		if (setsid() < 0)
			_exit(1);
		pid = fork();	/* not a session leader: never gets a terminal */
		if (pid != 0)
			_exit(pid < 0);
		timer_main(st, dir, &when, t->token, p[1]);
	}
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	do
		n = read(p[0], &timer, sizeof(timer));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n != sizeof(timer) || timer <= 0)
		return -ECHILD;
	t->pid = (uint32_t)timer;
	if (proc_starttime(timer, &t->starttime))
		return -ECHILD;
	return 0;
}

/* ---------------------------------------------------------------- apply */

/* Undo our own load after a later step failed: back to @prev. */
static void restore(const struct pinhole_ruleset *prev, const char *table)
{
	int ret = prev ? cli_apply(prev, 5) : pinhole_table_flush(table, g_opts.netns);

	if (ret)
		fprintf(stderr, "%s: could not restore the previous table; the new one stays loaded\n",
			prog);
	else
		fprintf(stderr, "%s: restored the previous table\n", prog);
}

void pending_drop(struct state *st)
{
	state_remove(st, STATE_TIMER);
	state_remove(st, STATE_PENDING);
	state_remove(st, STATE_ROLLBACK);
	state_sync(st);
}

/*
 * Order matters: the rollback point and the timer (with its token in
 * pending.timer) are in place before the new table is loaded, so killing
 * this process at any moment after the load still rolls back.
 */
int apply_confirm(const char *policy, unsigned int seconds)
{
	struct pinhole_ruleset *r = NULL, *prev = NULL;
	struct serial_timer old = { 0 }, t = { 0 };
	struct state *st = NULL;
	enum pending ps;
	char dir[PATH_MAX], when[32];
	const char *table, *step;
	struct tm tm;
	time_t dl;
	size_t unknown;
	int ret;

	ret = load_and_compile(policy, 0, &r);
	if (ret != EXIT_OK)
		return ret;
	ret = cli_state_open(&st, LOCK_WAIT_MS);
	if (ret != EXIT_OK)
		goto out;
	/* the timer opens it again by this name, from / */
	if (!realpath(state_path(st), dir)) {
		ret = sys_error(-errno);
		goto out;
	}
	table = pinhole_ruleset_table(r);
	ret = pinhole_ruleset_read(table, g_opts.netns, &prev);
	if (ret) {
		ret = sys_error(ret);
		goto out;
	}
	unknown = pinhole_ruleset_unknown_rules(prev);
	if (unknown) {
		fprintf(stderr, "%s: the live table inet %s has %zu rule%s pinhole does not "
			"recognise (added by hand?); --confirm could not restore %s. "
			"Nothing was changed: remove %s ('%s diff %s' shows %s) or apply "
			"without --confirm\n", prog, table, unknown, unknown == 1 ? "" : "s",
			unknown == 1 ? "it" : "them", unknown == 1 ? "it" : "them", prog,
			policy, unknown == 1 ? "it" : "them");
		ret = EXIT_SYSTEM;
		goto out;
	}
	ps = pending_state(st, &old);
	if (ps == PENDING_STALE) {
		pending_drop(st);
		ps = PENDING_NONE;
	}
	/* a pending change keeps its rollback point (the last confirmed table) */
	step = "save the rollback point";
	ret = ps == PENDING_NONE ? state_save_ruleset(st, STATE_ROLLBACK, prev, table) : 0;
	if (!ret && ps == PENDING_NONE) {
		step = "save the new table";
		ret = state_save_ruleset(st, STATE_PENDING, r, NULL);
	}
	if (!ret) {
		step = "start the rollback timer";
		ret = timer_start(st, dir, seconds, &t);
	}
	if (!ret) {
		step = "save the rollback timer";
		ret = state_save_timer(st, STATE_TIMER, &t);
	}
	if (ret) {
		fprintf(stderr, "%s: cannot %s in %s: %s; nothing was changed\n", prog,
			step, state_path(st), strerror(-ret));
		timer_kill(&t);
		if (ps == PENDING_NONE)
			pending_drop(st);
		ret = EXIT_SYSTEM;
		goto out;
	}
	ret = cli_apply(r, 0);
	if (!ret && ps == PENDING_LIVE) {
		ret = state_save_ruleset(st, STATE_PENDING, r, NULL);
		if (ret) {
			fprintf(stderr, "%s: cannot save the new table as %s: %s\n", prog,
				state_file(st, STATE_PENDING), strerror(-ret));
			restore(prev, table);
			ret = EXIT_SYSTEM;
		}
	}
	if (ret) {
		/* the kernel has the table of before: stand the new timer down */
		if (ps == PENDING_NONE)
			pending_drop(st);
		else
			state_save_timer(st, STATE_TIMER, &old);
		timer_kill(&t);
		goto out;
	}
	if (ps == PENDING_LIVE)
		timer_kill(&old);
	state_remove(st, STATE_EXPIRED);
	state_sync(st);
	dl = (time_t)t.deadline;
	localtime_r(&dl, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(stderr, "%s: loaded %s; run '%s confirm' within %u s to keep it, or at %s "
		"%s\n", prog, policy, prog, seconds, when,
		ps == PENDING_LIVE ? "the table from before the first unconfirmed "
				     "'apply --confirm' is restored" :
		prev ? "the previous table is restored" :
		       "the table is deleted again (there was none)");
	ret = EXIT_OK;
out:
	pinhole_ruleset_free(prev);
	pinhole_ruleset_free(r);
	state_close(st);
	return ret;
}
