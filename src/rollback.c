// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * apply --confirm S: load the new table, keep the previous one as the
 * rollback point, and leave a detached timer that restores it after S
 * seconds unless `pinhole confirm` runs first (the remote-admin lockout
 * guard, as Junos' `commit confirmed`).
 *
 * The timer is this process, double-forked: its own session (setsid), no
 * controlling terminal, every catchable signal blocked and taken with
 * sigtimedwait() (SIGTERM: roll back now; the others do nothing), stdio on
 * /dev/null, every other descriptor closed, working directory /. It
 * survives the terminal and the applying process's whole session being
 * killed. SIGKILL cannot be caught: `confirm` and `status` see a dead
 * timer by its recorded pid and start time, say so, and roll back
 * themselves once its deadline has passed (cli_dead_timer()). Its network
 * namespace is the applying process's, or it enters --netns NAME again
 * when it fires.
 *
 * Which timer may act is decided by a random token in STATE_DIR/pending.timer,
 * checked under the state lock when it fires: `confirm` removes the file, a
 * second `apply --confirm` writes a new token (and sends the old timer
 * SIGTERM, after checking /proc/PID/stat's start time so a recycled pid is
 * never hit: it wakes, finds its token gone and exits).
 * A second `apply --confirm` keeps the first one's rollback point: an
 * unconfirmed table never becomes one.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
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
#include "apply.h"
#include "cmd.h"
#include "syserr.h"
#include "util.h"

/**
 * struct timer - the detached timer process of one apply --confirm
 * @token: random; the timer acts only while the state directory still
 *	holds it (pinhole_state_rollback_load())
 * @pid: the process
 * @deadline: when it fires, seconds since the epoch
 */
struct timer {
	uint64_t token;
	pid_t pid;
	time_t deadline;
};

/* ---------------------------------------------------------------- timer */

/* What rollback_now() did. */
enum rollback {
	ROLLBACK_DONE,		/* restored (or deleted the table); recorded */
	ROLLBACK_NOT_PENDING,	/* confirmed, or replaced: nothing to do */
	ROLLBACK_UNREADABLE,	/* the rollback point cannot be read (*@err) */
	ROLLBACK_REFUSED,	/* the kernel refused to restore it */
};

/*
 * Under the lock: restore the rollback point of the change whose timer
 * holds @token (0: the pending change whose timer is gone) and record it
 * (expired.timer). @what gets "restored the previous table inet T" or
 * "deleted table inet T (there was none before)".
 */
static enum rollback rollback_now(struct pinhole_state *st, uint64_t token,
				  char *what, size_t len, int *err)
{
	struct pinhole_ruleset *r = NULL;
	char *absent = NULL;
	enum rollback res = ROLLBACK_DONE;
	int ret;

	ret = pinhole_state_rollback_load(st, token, &r, &absent);
	if (ret == PINHOLE_STATE_NOT_PENDING)
		return ROLLBACK_NOT_PENDING;
	if (ret) {
		*err = ret;
		return ROLLBACK_UNREADABLE;
	}
	if (r) {
		ret = cli_apply_st(st, r, 5);
	} else {
		ret = pinhole_table_flush(absent, g_opts.netns);
		for (int i = 0; ret == -ERESTART && i < 5; i++)
			ret = pinhole_table_flush(absent, g_opts.netns);
		if (ret)
			sys_error(ret);
	}
	if (ret) {
		res = ROLLBACK_REFUSED;
		goto out;
	}
	if (r)
		snprintf(what, len, "restored the previous table inet %s",
			 pinhole_ruleset_table(r));
	else
		snprintf(what, len, "deleted table inet %s (there was none before)",
			 absent);
	pinhole_state_expire(st);
out:
	pinhole_ruleset_free(r);
	free(absent);
	return res;
}

int cli_dead_timer(struct pinhole_state *st, bool *rolled_back)
{
	char when[32] = "its deadline", what[128];
	time_t deadline;
	struct tm tm;
	int err = 0;

	*rolled_back = false;
	if (pinhole_state_status(st, &deadline) != PINHOLE_PENDING_STALE)
		return EXIT_OK;
	if (!deadline) {
		fprintf(stderr, "%s: warning: the rollback timer of the pending "
			"'apply --confirm' is gone (%s cannot be read): nothing will "
			"restore the previous table\n", prog,
			state_file(st, PINHOLE_STATE_FILE_TIMER));
		return EXIT_OK;
	}
	if (localtime_r(&deadline, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	if (time(NULL) < deadline) {
		fprintf(stderr, "%s: warning: the rollback timer of the pending "
			"'apply --confirm' is gone (killed?): the previous table will "
			"not be restored at %s; '%s confirm' keeps this one\n",
			prog, when, prog);
		return EXIT_OK;
	}
	fprintf(stderr, "%s: the rollback timer of the pending 'apply --confirm' "
		"is gone (killed?) and its deadline %s has passed: restoring the "
		"previous table now\n", prog, when);
	switch (rollback_now(st, 0, what, sizeof(what), &err)) {
	case ROLLBACK_NOT_PENDING:
		return EXIT_OK;
	case ROLLBACK_UNREADABLE:
		fprintf(stderr, "%s: %s: %s; cannot restore the previous table\n",
			prog, state_file(st, PINHOLE_STATE_FILE_ROLLBACK),
			strerror(-err));
		return EXIT_SYSTEM;
	case ROLLBACK_REFUSED:
		fprintf(stderr, "%s: could not restore the previous table; the "
			"unconfirmed one stays\n", prog);
		return EXIT_SYSTEM;
	case ROLLBACK_DONE:
		break;
	}
	fprintf(stderr, "%s: %s\n", prog, what);
	*rolled_back = true;
	return EXIT_OK;
}

/*
 * Restore the rollback point if this timer is still the pending one: at
 * the deadline, or at once after SIGTERM (@sig).
 */
static int timer_fire(const char *dir, uint64_t token, int sig)
{
	struct pinhole_state *st;
	char what[128];
	const char *why;
	int ret, err = 0;

	openlog("pinhole", LOG_PID, LOG_DAEMON);
	ret = pinhole_state_open(dir, &st, &why);
	if (ret) {
		syslog(LOG_ERR, "rollback timer: state directory %s: %s", dir,
		       why ? why : strerror(-ret));
		return 1;
	}
	ret = pinhole_state_lock(st, LOCK_WAIT_MS);
	if (ret)	/* the kernel side is atomic anyway: go on */
		syslog(LOG_WARNING, "rollback timer: %s/%s: %s; going on without it",
		       dir, pinhole_state_file_name(PINHOLE_STATE_FILE_LOCK),
		       strerror(-ret));
	ret = 1;
	switch (rollback_now(st, token, what, sizeof(what), &err)) {
	case ROLLBACK_NOT_PENDING:	/* confirmed, or replaced by a newer apply --confirm */
		ret = 0;
		break;
	case ROLLBACK_UNREADABLE:
		syslog(LOG_ERR, "rollback timer: %s/%s: %s; cannot restore the previous table",
		       dir, pinhole_state_file_name(PINHOLE_STATE_FILE_ROLLBACK),
		       strerror(-err));
		break;
	case ROLLBACK_REFUSED:
		syslog(LOG_ERR, "rollback timer: could not restore the previous table; "
		       "the unconfirmed one stays");
		break;
	case ROLLBACK_DONE:
		if (sig)
			syslog(LOG_WARNING, "'apply --confirm' not confirmed, rollback "
			       "timer got %s: %s", strsignal(sig), what);
		else
			syslog(LOG_WARNING, "'apply --confirm' was not confirmed in time: %s",
			       what);
		ret = 0;
		break;
	}
	pinhole_state_close(st);
	closelog();
	return ret;
}

/*
 * The signals the timer takes through sigtimedwait() instead of dying of
 * them: all but SIGKILL and SIGSTOP (which cannot be) and the synchronous
 * faults (a blocked one kills anyway). Blocked from before the timer's pid
 * is known to anyone, so none is ever delivered the default way.
 */
static void timer_sigset(sigset_t *set)
{
	static const int faults[] = {
		SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS,
	};

	sigfillset(set);
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		sigdelset(set, faults[i]);
}

/*
 * Sleep until @when (CLOCK_MONOTONIC). SIGTERM ends the wait early
 * (returned): "roll back now", what a shutdown or an admin asks for; a
 * timer that pinhole itself stops that way (after confirm, or when a newer
 * apply --confirm replaced it) finds its token gone and does nothing.
 * Every other signal is swallowed. Returns 0 at the deadline.
 */
static int timer_wait(const struct timespec *when, const sigset_t *set)
{
	for (;;) {
		struct timespec now, left;
		int sig;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > when->tv_sec ||
		    (now.tv_sec == when->tv_sec && now.tv_nsec >= when->tv_nsec))
			return 0;
		left.tv_sec = when->tv_sec - now.tv_sec;
		left.tv_nsec = when->tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		sig = sigtimedwait(set, NULL, &left);
		if (sig == SIGTERM)
			return sig;
	}
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
timer_main(struct pinhole_state *st, const char *dir, const struct timespec *when,
	   uint64_t token, int report_fd)
{
	pid_t self = getpid();
	sigset_t set;
	int null, sig;

	timer_sigset(&set);	/* already blocked (timer_start) */
	pinhole_state_close(st);	/* the parent's descriptor keeps the lock */
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
	sig = timer_wait(when, &set);
	_exit(timer_fire(dir, token, sig));
}

/* Fork the timer; fill @t. */
static int timer_start(struct pinhole_state *st, const char *dir,
		       unsigned int seconds, struct timer *t)
{
	struct timespec when;
	pid_t pid, timer = 0;
	int p[2], status, ret = 0;
	ssize_t n;

	if (getrandom(&t->token, sizeof(t->token), 0) != sizeof(t->token))
		return -errno;
	clock_gettime(CLOCK_MONOTONIC, &when);
	when.tv_sec += seconds;
	t->deadline = time(NULL) + seconds;
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
		sigset_t set;

		/* before anyone knows the timer's pid: see timer_sigset() */
		timer_sigset(&set);
		sigprocmask(SIG_BLOCK, &set, NULL);
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
	t->pid = timer;
	return 0;
}

/* ---------------------------------------------------------------- apply */

/* Undo our own load after a later step failed: back to @prev. */
static void restore(struct pinhole_state *st, const struct pinhole_ruleset *prev,
		    const char *table)
{
	int ret = prev ? cli_apply_st(st, prev, 5) :
			 pinhole_table_flush(table, g_opts.netns);

	if (ret)
		fprintf(stderr, "%s: could not restore the previous table; the new one stays loaded\n",
			prog);
	else
		fprintf(stderr, "%s: restored the previous table\n", prog);
}

/* The live table holds what a rollback image cannot: say what, change nothing. */
static void refuse_foreign(const struct pinhole_ruleset *prev, const char *table)
{
	const char *what;

	fprintf(stderr, "%s: error: table inet %s holds objects pinhole cannot restore (",
		prog, table);
	for (size_t i = 0; (what = pinhole_ruleset_foreign(prev, i)); i++)
		fprintf(stderr, "%s%s", i ? ", " : "", what);
	fprintf(stderr, "); apply --confirm could not roll back; remove them or apply "
		"without --confirm. Nothing was changed\n");
}

/*
 * Order matters: the rollback point and the timer (with its token in
 * pending.timer) are in place before the new table is loaded, so killing
 * this process at any moment after the load still rolls back.
 */
int apply_confirm(const char *policy, unsigned int seconds)
{
	struct pinhole_ruleset *r = NULL, *prev = NULL;
	enum pinhole_state_file where = PINHOLE_STATE_FILE_ROLLBACK;
	struct pinhole_state *st = NULL;
	struct timer t = { 0 };
	char dir[PATH_MAX], when[32], from[PINHOLE_TABLE_NAME_MAX + 1];
	const char *table, *step;
	struct tm tm;
	size_t unknown;
	bool joined;
	int ret;

	ret = load_and_compile(policy, 0, &r);
	if (ret != EXIT_OK)
		return ret;
	ret = cli_state_open(&st, LOCK_WAIT_MS);
	if (ret != EXIT_OK)
		goto out;
	/* the timer opens it again by this name, from / */
	if (!realpath(pinhole_state_dir(st), dir)) {
		ret = sys_error(-errno);
		goto out;
	}
	table = pinhole_ruleset_table(r);
	/* `table:` changed: the rollback point is the table loaded before */
	if (pinhole_state_loaded_table(st, from))
		snprintf(from, sizeof(from), "%s", table);
	ret = pinhole_ruleset_read(from, g_opts.netns, &prev);
	if (ret) {
		ret = sys_error(ret);
		goto out;
	}
	unknown = pinhole_ruleset_unknown_rules(prev);
	if (unknown) {
		fprintf(stderr, "%s: the live table inet %s has %zu rule%s pinhole does not "
			"recognise (added by hand?); --confirm could not restore %s. "
			"Nothing was changed: remove %s ('%s diff %s' shows %s) or apply "
			"without --confirm\n", prog, from, unknown, unknown == 1 ? "" : "s",
			unknown == 1 ? "it" : "them", unknown == 1 ? "it" : "them", prog,
			policy, unknown == 1 ? "it" : "them");
		ret = EXIT_SYSTEM;
		goto out;
	}
	if (pinhole_ruleset_foreign(prev, 0)) {
		refuse_foreign(prev, table);
		ret = EXIT_SYSTEM;
		goto out;
	}
	/* a pending change keeps its rollback point (the last confirmed table) */
	ret = pinhole_state_begin(st, prev, table, r, &where);
	joined = ret == PINHOLE_STATE_JOINED;
	if (ret < 0) {
		step = where == PINHOLE_STATE_FILE_PENDING ? "save the new table" :
							     "save the rollback point";
	} else {
		step = "start the rollback timer";
		ret = timer_start(st, dir, seconds, &t);
	}
	if (!ret) {
		ret = pinhole_state_arm(st, t.token, t.pid, t.deadline);
		if (ret && ret != -ECHILD)	/* -ECHILD: the timer is not running */
			step = "save the rollback timer";
	}
	if (ret) {
		fprintf(stderr, "%s: cannot %s in %s: %s; nothing was changed\n", prog,
			step, pinhole_state_dir(st), strerror(-ret));
		pinhole_state_abort(st);
		ret = EXIT_SYSTEM;
		goto out;
	}
	/* joined: the pending table is saved right after the ack (commit) */
	if (joined)
		pinhole_state_stage(st, r);
	ret = cli_apply_publish(st, r, 0, NULL);
	if (!ret) {
		ret = pinhole_state_commit(st, r);
		if (ret) {
			fprintf(stderr, "%s: cannot save the new table as %s: %s\n", prog,
				state_file(st, PINHOLE_STATE_FILE_PENDING), strerror(-ret));
			restore(st, prev, table);
			ret = EXIT_SYSTEM;
		}
	}
	if (ret) {
		/* the kernel has the table of before: stand the new timer down */
		pinhole_state_abort(st);
		goto out;
	}
	localtime_r(&t.deadline, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(stderr, "%s: loaded %s; run '%s confirm' within %u s to keep it, or at %s "
		"%s\n", prog, policy, prog, seconds, when,
		joined ? "the table from before the first unconfirmed "
			 "'apply --confirm' is restored" :
		prev ? "the previous table is restored" :
		       "the table is deleted again (there was none)");
	ret = EXIT_OK;
out:
	pinhole_ruleset_free(prev);
	pinhole_ruleset_free(r);
	pinhole_state_close(st);
	return ret;
}
