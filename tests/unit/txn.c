// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The state protocol (lib/txn.c) without a kernel: every pinhole_state_*
 * transition, which files it leaves in the state directory, and its
 * failure paths: writes that fail (RLIMIT_FSIZE: EFBIG, as a full disk
 * fails with ENOSPC), missing and corrupt files, a dead timer, a begin
 * undone at each step. The "timer processes" are children that wait for
 * SIGTERM; the tables are lockdown tables with distinct names.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "pinhole.h"
#include "ir.h"
#include "serial.h"
#include "txn.h"
#include "tap.h"

static char dir[256];
static struct pinhole_ruleset *A, *B, *C;

/* ------------------------------------------------------------- helpers */

static const char *path_of(enum pinhole_state_file f)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s", dir, pinhole_state_file_name(f));
	return buf;
}

static bool has(enum pinhole_state_file f)
{
	struct stat sb;

	return lstat(path_of(f), &sb) == 0;
}

/* which of ROLLBACK, PENDING, TIMER, EXPIRED, LAST exist, as "RPTEL" */
static const char *files(void)
{
	static char s[6];
	static const enum pinhole_state_file order[] = {
		PINHOLE_STATE_FILE_ROLLBACK, PINHOLE_STATE_FILE_PENDING,
		PINHOLE_STATE_FILE_TIMER, PINHOLE_STATE_FILE_EXPIRED,
		PINHOLE_STATE_FILE_LAST,
	};

	for (size_t i = 0; i < 5; i++)
		s[i] = has(order[i]) ? "RPTEL"[i] : '-';
	s[5] = 0;
	return s;
}

/* The table name in @f ("(absent NAME)", "(none)", "(corrupt)"). */
static const char *table_in(enum pinhole_state_file f)
{
	static char out[64];
	struct pinhole_ruleset *r = NULL;
	char *absent = NULL;
	uint8_t buf[65536];
	ssize_t n;
	int fd = open(path_of(f), O_RDONLY);

	if (fd < 0)
		return "(none)";
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || serial_read_ruleset(buf, (size_t)n, &r, &absent))
		return "(corrupt)";
	if (r)
		snprintf(out, sizeof(out), "%s", pinhole_ruleset_table(r));
	else
		snprintf(out, sizeof(out), "(absent %s)", absent);
	pinhole_ruleset_free(r);
	free(absent);
	return out;
}

static void put_file(enum pinhole_state_file f, const char *text)
{
	int fd = open(path_of(f), O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror("write");
		close(fd);
	}
}

/* A stand-in timer process: sleeps until a signal ends it. */
static pid_t timer_child(void)
{
	pid_t pid;

	fflush(stdout);		/* else the child's exit may print it again */
	pid = fork();
	if (pid == 0) {
		/* exec: nothing of this process (nor valgrind's view of it) stays */
		execlp("sleep", "sleep", "600", (char *)NULL);
		_exit(127);
	}
	/*
	 * Wait for the exec: under valgrind a signal that comes before it is
	 * taken by valgrind's copy of this process and lost.
	 */
	for (int i = 0; pid > 0 && i < 500; i++) {
		char path[64], comm[32] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		f = fopen(path, "r");
		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = 0;
			fclose(f);
		}
		if (!strcmp(comm, "sleep\n"))
			break;
		usleep(10000);
	}
	return pid;
}

/* Whether @pid was (or now is) ended by SIGTERM; reaps it either way. */
static bool stopped_by_sigterm(pid_t pid)
{
	int status;

	for (int i = 0; i < 200; i++) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			return WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return false;
}

static bool still_running(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == 0;
}

static void end_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Writes longer than @bytes fail with EFBIG; 0 lifts the limit. */
static void fsize_limit(rlim_t bytes)
{
	struct rlimit rl;

	getrlimit(RLIMIT_FSIZE, &rl);
	rl.rlim_cur = bytes ? bytes : rl.rlim_max;
	setrlimit(RLIMIT_FSIZE, &rl);
}

static size_t image_len(const struct pinhole_ruleset *r, const char *absent)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	if (serial_write_ruleset(r, absent, &buf, &len))
		return 0;
	free(buf);
	return len;
}

/* A fresh state directory, opened and locked. */
static struct pinhole_state *fresh(void)
{
	struct pinhole_state *st = NULL;
	const char *why;
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0 || pinhole_state_open(dir, &st, &why) ||
	    pinhole_state_lock(st, 1000)) {
		pinhole_state_close(st);
		return NULL;
	}
	return st;
}

/* begin + arm + commit of @next over the live table @prev */
static int confirm_apply(struct pinhole_state *st, const struct pinhole_ruleset *prev,
			 const struct pinhole_ruleset *next, uint64_t token, pid_t pid)
{
	int ret = pinhole_state_begin(st, prev, "tx", next, NULL);

	if (ret < 0)
		return ret;
	if (pinhole_state_arm(st, token, pid, 1700000000) ||
	    pinhole_state_commit(st, next)) {
		pinhole_state_abort(st);
		return -1;
	}
	return ret;
}

/* -------------------------------------------------------------- tests */

static void test_files(void)
{
	struct pinhole_state *st = fresh(), *st2 = NULL;
	const char *why;
	time_t t;
	pid_t pid;

	ok(st != NULL, "state dir opened and locked");
	if (!st)
		return;
	is_str(pinhole_state_dir(st), dir, "pinhole_state_dir is the path given");
	is_str(pinhole_state_file_name(PINHOLE_STATE_FILE_LOCK), "lock", "lock file name");
	is_str(pinhole_state_file_name(PINHOLE_STATE_FILE_LAST), "last.ruleset",
	       "boot fallback file name");
	is_str(pinhole_state_file_name(PINHOLE_STATE_FILE_ROLLBACK), "rollback.ruleset",
	       "rollback point file name");
	is_str(pinhole_state_file_name(PINHOLE_STATE_FILE_PENDING), "pending.ruleset",
	       "pending table file name");
	is_str(pinhole_state_file_name(PINHOLE_STATE_FILE_TIMER), "pending.timer",
	       "timer record file name");
	is_str(pinhole_state_file_name(PINHOLE_STATE_FILE_EXPIRED), "expired.timer",
	       "expired timer file name");
	ok(pinhole_state_file_name(PINHOLE_STATE_FILE_MAX + 1) == NULL &&
	   pinhole_state_file_name((enum pinhole_state_file)-1) == NULL,
	   "no name for a value that is no file");
	ok(pinhole_state_file_mtime(st, PINHOLE_STATE_FILE_LAST, &t) == -ENOENT,
	   "mtime of a missing file: -ENOENT");
	ok(pinhole_state_file_mtime(st, PINHOLE_STATE_FILE_LOCK, &t) == 0 &&
	   t > 0, "mtime of the lock");
	ok(pinhole_state_file_mtime(st, __PINHOLE_STATE_FILE_MAX, &t) == -EINVAL,
	   "mtime of no file: -EINVAL");

	ok(pinhole_state_open(dir, &st2, &why) == 0 &&
	   pinhole_state_lock(st2, 100) == -EWOULDBLOCK,
	   "a second handle waits for the lock and gives up (-EWOULDBLOCK)");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		pinhole_state_close(st);	/* the child's copy */
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	ok(pinhole_state_lock(st2, 100) == -EWOULDBLOCK,
	   "a forked child closing its copy leaves the parent's lock held");
	pinhole_state_close(st);
	ok(pinhole_state_lock(st2, 1000) == 0, "closing the holder releases the lock");
	pinhole_state_close(st2);
	pinhole_state_close(NULL);

	ok(pinhole_state_open("", &st, &why) == -EINVAL && !st,
	   "an empty path is -EINVAL");
}

static void test_proc_starttime(void)
{
	uint64_t t = 0, t2 = 0;
	pid_t pid;

	ok(txn_proc_starttime(getpid(), &t) == 0 && t > 0 &&
	   txn_proc_starttime(getpid(), &t2) == 0 && t == t2,
	   "a process's start time is read, and the same twice");
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(0);
	for (int i = 0; i < 200 && txn_proc_starttime(pid, &t) != -ESRCH; i++)
		usleep(10000);
	ok(txn_proc_starttime(pid, &t) == -ESRCH, "a zombie is -ESRCH");
	waitpid(pid, NULL, 0);
	ok(txn_proc_starttime(pid, &t) == -ENOENT, "a reaped process is -ENOENT");
}

static void test_plain_apply(void)
{
	struct pinhole_state *st = fresh();
	struct pinhole_ruleset *r = NULL;
	time_t deadline = 1;

	if (!st) {
		ok(0, "fresh state dir");
		return;
	}
	ok(pinhole_state_status(st, &deadline) == PINHOLE_PENDING_NONE && deadline == 0,
	   "empty dir: nothing pending, deadline 0");
	ok(pinhole_state_load_last(st, &r) == -ENOENT && !r,
	   "no boot fallback yet: -ENOENT");
	put_file(PINHOLE_STATE_FILE_EXPIRED, "x");
	ok(pinhole_state_record_applied(st, A) == 0, "record_applied");
	is_str(files(), "----L", "it writes last.ruleset and removes expired.timer");
	is_str(table_in(PINHOLE_STATE_FILE_LAST), "ta", "last.ruleset holds the table");
	ok(pinhole_state_load_last(st, &r) == 0 && r &&
	   !strcmp(pinhole_ruleset_table(r), "ta"), "load_last reads it back");
	pinhole_ruleset_free(r);
	r = NULL;
	ok(pinhole_state_join(st, B) == PINHOLE_STATE_NOT_PENDING,
	   "join with nothing pending: PINHOLE_STATE_NOT_PENDING");
	is_str(files(), "----L", "... and writes nothing");

	/* failure paths */
	fsize_limit(64);
	ok(pinhole_state_record_applied(st, B) == -EFBIG,
	   "a write that fails (EFBIG) is returned");
	fsize_limit(0);
	is_str(table_in(PINHOLE_STATE_FILE_LAST), "ta", "... and the old file stays whole");
	{
		char tmp[512];

		snprintf(tmp, sizeof(tmp), "%s/.last.ruleset.tmp", dir);
		ok(access(tmp, F_OK) < 0, "the failed write leaves no temp file");
	}

	put_file(PINHOLE_STATE_FILE_LAST, "PHST garbage");
	ok(pinhole_state_load_last(st, &r) == -EBADMSG && !r, "a corrupt fallback: -EBADMSG");
	{
		uint8_t *img;
		size_t len;
		int fd;

		if (serial_write_ruleset(NULL, "tx", &img, &len) == 0) {
			fd = open(path_of(PINHOLE_STATE_FILE_LAST), O_WRONLY | O_TRUNC);
			if (fd >= 0 && write(fd, img, len) != (ssize_t)len)
				perror("write");
			close(fd);
			free(img);
		}
	}
	ok(pinhole_state_load_last(st, &r) == -EBADMSG && !r,
	   "an absent-table record is no fallback: -EBADMSG");
	unlink(path_of(PINHOLE_STATE_FILE_LAST));
	ok(symlink("/etc/passwd", path_of(PINHOLE_STATE_FILE_LAST)) == 0 &&
	   pinhole_state_load_last(st, &r) == -ELOOP,
	   "a symlinked fallback is not followed (-ELOOP)");
	ok(pinhole_state_record_applied(st, A) == 0 &&
	   table_in(PINHOLE_STATE_FILE_LAST)[0] == 't', "saving replaces the symlink");
	{
		struct stat sb;

		ok(lstat(path_of(PINHOLE_STATE_FILE_LAST), &sb) == 0 &&
		   S_ISREG(sb.st_mode) && (sb.st_mode & 07777) == 0600,
		   "with a 0600 file");
	}
	pinhole_state_close(st);
}

static void test_confirm_flow(void)
{
	struct pinhole_state *st = fresh();
	struct pinhole_ruleset *r = NULL;
	enum pinhole_state_file where = PINHOLE_STATE_FILE_LOCK;
	char *absent = NULL;
	time_t deadline = 0;
	pid_t pid;
	struct stat sb;

	if (!st) {
		ok(0, "fresh state dir");
		return;
	}
	pinhole_state_record_applied(st, A);
	pid = timer_child();
	ok(pinhole_state_begin(st, A, "ta", B, &where) == 0, "begin: 0 (a new pending change)");
	is_str(files(), "RP--L", "begin saves rollback.ruleset and pending.ruleset");
	is_str(table_in(PINHOLE_STATE_FILE_ROLLBACK), "ta", "the rollback point is the live table");
	is_str(table_in(PINHOLE_STATE_FILE_PENDING), "tb", "the pending table is the new one");
	ok(pinhole_state_status(st, NULL) == PINHOLE_PENDING_NONE,
	   "before arm nothing is pending yet");
	ok(pinhole_state_begin(st, A, "ta", B, NULL) == -EALREADY, "a second begin: -EALREADY");
	ok(pinhole_state_commit(st, B) == -EINVAL, "commit before arm: -EINVAL");
	ok(pinhole_state_arm(st, 0, pid, 1700000000) == -EINVAL, "arm with token 0: -EINVAL");
	ok(pinhole_state_arm(st, 42, pid, 1700000000) == 0, "arm");
	ok(stat(path_of(PINHOLE_STATE_FILE_TIMER), &sb) == 0 && (sb.st_mode & 07777) == 0600,
	   "pending.timer is written, 0600");
	ok(pinhole_state_arm(st, 43, pid, 1700000000) == -EINVAL, "arm twice: -EINVAL");
	ok(pinhole_state_status(st, &deadline) == PINHOLE_PENDING_LIVE &&
	   deadline == 1700000000, "status: live, with its deadline");
	ok(pinhole_state_record_applied(st, C) == -EBUSY,
	   "record_applied while pending: -EBUSY");
	is_str(table_in(PINHOLE_STATE_FILE_LAST), "ta", "... and the fallback is untouched");
	ok(pinhole_state_commit(st, B) == 0, "commit");
	ok(pinhole_state_commit(st, B) == -EINVAL, "the begin is closed after commit");
	ok(still_running(pid), "the timer runs on");

	ok(pinhole_state_rollback_load(st, 41, &r, &absent) == PINHOLE_STATE_NOT_PENDING &&
	   !r && !absent, "rollback_load with another token: not pending");
	ok(pinhole_state_rollback_load(st, 42, &r, &absent) == 0 && r && !absent &&
	   !strcmp(pinhole_ruleset_table(r), "ta"),
	   "rollback_load with its token: the table of before");
	pinhole_ruleset_free(r);
	r = NULL;

	/* a plain apply joins */
	ok(pinhole_state_join(st, C) == 0, "join while pending");
	is_str(table_in(PINHOLE_STATE_FILE_PENDING), "tc", "join saves the pending table");
	is_str(table_in(PINHOLE_STATE_FILE_ROLLBACK), "ta", "the rollback point stays");

	ok(pinhole_state_confirm(st, &where) == 0, "confirm");
	is_str(files(), "----L", "confirm leaves only the fallback");
	is_str(table_in(PINHOLE_STATE_FILE_LAST), "tc", "what was loaded last is the fallback");
	ok(stopped_by_sigterm(pid), "confirm stops the timer with SIGTERM");
	ok(pinhole_state_confirm(st, &where) == PINHOLE_STATE_NOT_PENDING,
	   "confirm again: PINHOLE_STATE_NOT_PENDING");
	ok(pinhole_state_rollback_load(st, 42, &r, NULL) == PINHOLE_STATE_NOT_PENDING,
	   "a confirmed timer finds nothing to restore");
	pinhole_state_close(st);
}

static void test_expire(void)
{
	struct pinhole_state *st = fresh();
	struct pinhole_ruleset *r = NULL;
	char *absent = NULL;
	time_t t;
	pid_t pid = timer_child();

	if (!st) {
		ok(0, "fresh state dir");
		end_child(pid);
		return;
	}
	ok(confirm_apply(st, NULL, B, 7, pid) == 0, "apply --confirm with no table before");
	is_str(table_in(PINHOLE_STATE_FILE_ROLLBACK), "(absent tx)",
	       "the rollback point records the absent table");
	ok(pinhole_state_rollback_load(st, 7, &r, &absent) == 0 && !r && absent &&
	   !strcmp(absent, "tx"), "rollback_load: no ruleset, the table to delete");
	free(absent);
	ok(pinhole_state_expire(st) == 0, "expire");
	is_str(files(), "---E-", "expire leaves only expired.timer");
	ok(pinhole_state_file_mtime(st, PINHOLE_STATE_FILE_EXPIRED, &t) == 0,
	   "... whose time says when");
	ok(pinhole_state_status(st, NULL) == PINHOLE_PENDING_NONE, "nothing pending after it");
	ok(pinhole_state_confirm(st, NULL) == PINHOLE_STATE_NOT_PENDING,
	   "confirm after the rollback: not pending");
	ok(pinhole_state_expire(st) == -ENOENT, "expire with nothing pending: -ENOENT");
	end_child(pid);

	/* a corrupt or missing rollback point */
	pid = timer_child();
	confirm_apply(st, A, B, 8, pid);
	put_file(PINHOLE_STATE_FILE_ROLLBACK, "PHST garbage");
	ok(pinhole_state_rollback_load(st, 8, &r, &absent) == -EBADMSG && !r,
	   "a corrupt rollback point: -EBADMSG");
	unlink(path_of(PINHOLE_STATE_FILE_ROLLBACK));
	ok(pinhole_state_rollback_load(st, 8, &r, &absent) == -ENOENT && !r,
	   "a missing rollback point: -ENOENT");
	ok(pinhole_state_record_applied(st, A) == -EBUSY, "still pending");
	end_child(pid);
	pinhole_state_close(st);
}

static void test_second_confirm(void)
{
	struct pinhole_state *st = fresh();
	struct pinhole_ruleset *r = NULL;
	pid_t p1 = timer_child(), p2 = timer_child(), p3 = timer_child();

	if (!st) {
		ok(0, "fresh state dir");
		goto out;
	}
	confirm_apply(st, A, B, 1, p1);
	ok(pinhole_state_begin(st, B, "tb", C, NULL) == PINHOLE_STATE_JOINED,
	   "begin while pending: PINHOLE_STATE_JOINED");
	is_str(table_in(PINHOLE_STATE_FILE_PENDING), "tb", "... and nothing is written yet");
	ok(pinhole_state_arm(st, 2, p2, 1700000100) == 0, "arm the second timer");
	ok(pinhole_state_rollback_load(st, 1, &r, NULL) == PINHOLE_STATE_NOT_PENDING,
	   "the first timer no longer acts");
	ok(pinhole_state_commit(st, C) == 0, "commit the second");
	is_str(table_in(PINHOLE_STATE_FILE_PENDING), "tc", "commit saves the joined table");
	ok(stopped_by_sigterm(p1), "... and stops the replaced timer");
	ok(pinhole_state_rollback_load(st, 2, &r, NULL) == 0 && r &&
	   !strcmp(pinhole_ruleset_table(r), "ta"),
	   "the second timer restores the first one's rollback point");
	pinhole_ruleset_free(r);
	r = NULL;

	/* a third whose load fails: the second timer acts again */
	ok(pinhole_state_begin(st, C, "tc", B, NULL) == PINHOLE_STATE_JOINED &&
	   pinhole_state_arm(st, 3, p3, 1700000200) == 0, "a third begin, armed");
	ok(pinhole_state_abort(st) == 0, "abort it");
	ok(stopped_by_sigterm(p3), "abort stops its timer");
	ok(pinhole_state_rollback_load(st, 2, &r, NULL) == 0 && r,
	   "the second timer's record is back");
	pinhole_ruleset_free(r);
	is_str(table_in(PINHOLE_STATE_FILE_PENDING), "tc", "the pending table is the second's");
	ok(still_running(p2), "the second timer runs on");
	ok(pinhole_state_abort(st) == 0, "abort without a begin does nothing");
	is_str(files(), "RPT--", "... all the pending files stay");

	/* a joined begin aborted before arm leaves the record alone */
	ok(pinhole_state_begin(st, C, "tc", B, NULL) == PINHOLE_STATE_JOINED &&
	   pinhole_state_abort(st) == 0 &&
	   pinhole_state_rollback_load(st, 2, &r, NULL) == 0, "abort before arm");
	pinhole_ruleset_free(r);
	r = NULL;

	/* commit of a joined change whose table cannot be saved */
	p3 = timer_child();
	ok(pinhole_state_begin(st, C, "tc", A, NULL) == PINHOLE_STATE_JOINED &&
	   pinhole_state_arm(st, 4, p3, 1700000300) == 0, "a fourth, armed");
	fsize_limit(image_len(NULL, "tx") + 8);
	ok(pinhole_state_commit(st, A) == -EFBIG, "its commit fails to save the table (EFBIG)");
	fsize_limit(0);
	ok(still_running(p2), "the timer it would replace runs on");
	ok(pinhole_state_abort(st) == 0 && stopped_by_sigterm(p3),
	   "abort after the failed commit stops the new timer");
	ok(pinhole_state_rollback_load(st, 2, &r, NULL) == 0 && r,
	   "... and puts the second timer's record back");
	pinhole_ruleset_free(r);
	is_str(table_in(PINHOLE_STATE_FILE_PENDING), "tc", "... with its pending table");
	pinhole_state_close(st);
out:
	end_child(p1);
	end_child(p2);
	end_child(p3);
}

static void test_begin_failures(void)
{
	struct pinhole_state *st = fresh();
	struct pinhole_ruleset *unknown;
	enum pinhole_state_file where = PINHOLE_STATE_FILE_LOCK;
	pid_t pid = timer_child();
	int ret;

	if (!st) {
		ok(0, "fresh state dir");
		end_child(pid);
		return;
	}
	ok(pinhole_state_begin(st, A, NULL, B, NULL) == -EINVAL &&
	   pinhole_state_begin(st, A, "ta", NULL, NULL) == -EINVAL,
	   "begin without a table name or a new table: -EINVAL");
	ok(pinhole_state_arm(st, 1, pid, 0) == -EINVAL, "arm without begin: -EINVAL");

	/* a live table with a rule pinhole does not recognise (added by hand) */
	unknown = ir_ruleset_new("tu");
	if (unknown) {
		struct ir_chain *c = ir_chain_add(unknown, "input", IR_CHAIN_FILTER, 1, 0, 0);
		struct ir_rule *rule = c ? ir_chain_add_rule(c) : NULL;

		if (rule) {
			rule->unknown = true;
			rule->raw = strdup("[ meta load mark => reg 1 ]");
		}
	}
	ok(pinhole_ruleset_unknown_rules(unknown) == 1 &&
	   pinhole_ruleset_unknown_rules(A) == 0 && pinhole_ruleset_unknown_rules(NULL) == 0,
	   "pinhole_ruleset_unknown_rules counts the rules added by hand");
	ok(pinhole_state_begin(st, unknown, "tu", B, &where) == -ENOTSUP &&
	   where == PINHOLE_STATE_FILE_ROLLBACK,
	   "begin over such a table: -ENOTSUP, where = rollback");
	is_str(files(), "-----", "... nothing is left");
	pinhole_ruleset_free(unknown);

	fsize_limit(64);
	ret = pinhole_state_begin(st, A, "ta", B, &where);
	fsize_limit(0);
	ok(ret == -EFBIG && where == PINHOLE_STATE_FILE_ROLLBACK,
	   "begin: the rollback point cannot be written: -EFBIG, where = rollback");
	is_str(files(), "-----", "... nothing is left");
	fsize_limit(image_len(NULL, "ta") + 8);
	ret = pinhole_state_begin(st, NULL, "ta", B, &where);
	fsize_limit(0);
	ok(ret == -EFBIG && where == PINHOLE_STATE_FILE_PENDING,
	   "begin: the new table cannot be written: -EFBIG, where = pending");
	is_str(files(), "-----", "... the rollback point is removed again");
	ok(pinhole_state_arm(st, 1, pid, 0) == -EINVAL, "a failed begin is closed");

	ok(pinhole_state_begin(st, A, "ta", B, NULL) == 0, "begin");
	{
		pid_t dead;

		fflush(stdout);
		dead = fork();

		if (dead == 0)
			_exit(0);
		waitpid(dead, NULL, 0);
		ok(pinhole_state_arm(st, 5, dead, 0) == -ECHILD,
		   "arm with a process that is gone: -ECHILD");
	}
	fsize_limit(16);
	ret = pinhole_state_arm(st, 5, pid, 0);
	fsize_limit(0);
	ok(ret == -EFBIG, "arm: the record cannot be written: -EFBIG");
	ok(pinhole_state_abort(st) == 0, "abort");
	is_str(files(), "-----", "abort of a new change removes it whole");
	ok(stopped_by_sigterm(pid), "... and stops the timer whose record failed");

	/* an unreadable timer record: stale */
	put_file(PINHOLE_STATE_FILE_TIMER, "PHST garbage");
	{
		time_t dl = 1;

		ok(pinhole_state_status(st, &dl) == PINHOLE_PENDING_STALE && dl == 0,
		   "an unreadable timer record is stale, deadline 0");
	}
	pinhole_state_close(st);
}

static void test_stale(void)
{
	struct pinhole_state *st = fresh();
	enum pinhole_state_file where = PINHOLE_STATE_FILE_LOCK;
	pid_t pid = timer_child();

	if (!st) {
		ok(0, "fresh state dir");
		end_child(pid);
		return;
	}
	pinhole_state_record_applied(st, A);
	confirm_apply(st, A, B, 9, pid);
	ok(pinhole_state_drop_stale(st) == 0, "drop_stale with a live timer");
	is_str(files(), "RPT-L", "... keeps the pending change");
	{
		struct pinhole_ruleset *r = NULL;

		ok(pinhole_state_rollback_load(st, 0, &r, NULL) ==
		   PINHOLE_STATE_NOT_PENDING && !r,
		   "rollback_load(0) while the timer runs: not pending");
		end_child(pid);
		ok(pinhole_state_rollback_load(st, 0, &r, NULL) == 0 && r &&
		   !strcmp(pinhole_ruleset_table(r), "ta"),
		   "rollback_load(0) of a stale change: its rollback point");
		pinhole_ruleset_free(r);
	}
	ok(pinhole_state_status(st, NULL) == PINHOLE_PENDING_STALE,
	   "its timer gone, the change is stale");
	ok(pinhole_state_drop_stale(st) == 0, "drop_stale");
	is_str(files(), "----L", "... removes it");
	ok(pinhole_state_status(st, NULL) == PINHOLE_PENDING_NONE, "nothing pending then");

	/* record_applied and begin drop a stale change themselves */
	pid = timer_child();
	confirm_apply(st, A, B, 10, pid);
	end_child(pid);
	ok(pinhole_state_record_applied(st, C) == 0, "record_applied over a stale change");
	is_str(files(), "----L", "... drops it");
	is_str(table_in(PINHOLE_STATE_FILE_LAST), "tc", "... and saves the fallback");
	pid = timer_child();
	confirm_apply(st, A, B, 11, pid);
	end_child(pid);
	ok(pinhole_state_begin(st, C, "tc", A, NULL) == 0,
	   "begin over a stale change starts a new one");
	is_str(table_in(PINHOLE_STATE_FILE_ROLLBACK), "tc",
	       "with the live table as rollback point");
	pinhole_state_abort(st);

	/* a stale change can still be confirmed */
	pid = timer_child();
	confirm_apply(st, A, B, 12, pid);
	end_child(pid);
	ok(pinhole_state_join(st, C) == 0, "join a stale change");
	ok(pinhole_state_confirm(st, &where) == 0, "confirm a stale change");
	is_str(table_in(PINHOLE_STATE_FILE_LAST), "tc", "its table becomes the fallback");

	/* confirm's two failures */
	pid = timer_child();
	confirm_apply(st, A, B, 13, pid);
	unlink(path_of(PINHOLE_STATE_FILE_PENDING));
	ok(pinhole_state_confirm(st, &where) == -ENOENT &&
	   where == PINHOLE_STATE_FILE_PENDING,
	   "confirm without the pending table: -ENOENT, where = pending");
	is_str(files(), "----L", "... but confirmed: the rest is removed");
	ok(stopped_by_sigterm(pid), "... and the timer stopped");
	ok(mkdir(path_of(PINHOLE_STATE_FILE_TIMER), 0700) == 0 &&
	   pinhole_state_confirm(st, &where) == -EISDIR &&
	   where == PINHOLE_STATE_FILE_TIMER,
	   "a timer record that cannot be removed: -errno, where = timer");
	rmdir(path_of(PINHOLE_STATE_FILE_TIMER));
	pinhole_state_close(st);
}

/* ------------------------------------------------- the table loaded last */

static void test_loaded_table(void)
{
	struct pinhole_state *st = fresh();
	char name[PINHOLE_TABLE_NAME_MAX + 1], long_name[40];
	struct stat sb;

	if (!st) {
		ok(0, "fresh state dir");
		return;
	}
	is_str(pinhole_state_file_name(PINHOLE_STATE_FILE_TABLE), "loaded.table",
	       "loaded table file name");
	ok(pinhole_state_loaded_table(st, name) == -ENOENT && !name[0],
	   "no table recorded: -ENOENT");
	ok(pinhole_state_record_table(st, "fw-a") == 0 &&
	   pinhole_state_loaded_table(st, name) == 0 && !strcmp(name, "fw-a"),
	   "a recorded name reads back");
	ok(stat(path_of(PINHOLE_STATE_FILE_TABLE), &sb) == 0 &&
	   (sb.st_mode & 07777) == 0600 && sb.st_size == 5,
	   "loaded.table is 0600 and holds the name and a newline");
	ok(pinhole_state_record_table(st, "fw-b") == 0 &&
	   pinhole_state_loaded_table(st, name) == 0 && !strcmp(name, "fw-b"),
	   "a second record replaces the first");
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	ok(pinhole_state_record_table(st, "") == -EINVAL &&
	   pinhole_state_record_table(st, NULL) == -EINVAL &&
	   pinhole_state_record_table(st, "a/b") == -EINVAL &&
	   pinhole_state_record_table(st, "a\nb") == -EINVAL &&
	   pinhole_state_record_table(st, long_name) == -EINVAL,
	   "empty, NULL, '/', control characters and over-long names are refused");
	ok(pinhole_state_loaded_table(st, name) == 0 && !strcmp(name, "fw-b"),
	   "a refused record leaves the last one");
	put_file(PINHOLE_STATE_FILE_TABLE, "bad\nname\n");
	ok(pinhole_state_loaded_table(st, name) == -EBADMSG && !name[0],
	   "a corrupt file: -EBADMSG");
	put_file(PINHOLE_STATE_FILE_TABLE, "");
	ok(pinhole_state_loaded_table(st, name) == -EBADMSG,
	   "an empty file: -EBADMSG");
	pinhole_state_close(st);
}

/* stage before the load, publish after the ack (issue 12 item 6) */
static void test_stage(void)
{
	struct pinhole_state *st = fresh();
	char staged[512];
	struct stat sb;
	pid_t pid;

	if (!st) {
		ok(0, "fresh state dir");
		return;
	}
	snprintf(staged, sizeof(staged), "%s/staged.ruleset", dir);
	ok(pinhole_state_publish(st) == -ENOENT, "publish with nothing staged: -ENOENT");
	ok(pinhole_state_stage(st, A) == 0 && stat(staged, &sb) == 0 &&
	   (sb.st_mode & 07777) == 0600, "stage writes staged.ruleset, 0600");
	is_str(files(), "-----", "... and nothing else");
	ok(pinhole_state_publish(st) == 0 && stat(staged, &sb) < 0, "publish renames it");
	is_str(table_in(PINHOLE_STATE_FILE_LAST), "ta", "... into last.ruleset");
	ok(pinhole_state_stage(st, B) == 0 && pinhole_state_abort(st) == 0 &&
	   stat(staged, &sb) < 0, "abort removes a staged image");
	is_str(table_in(PINHOLE_STATE_FILE_LAST), "ta", "... and the fallback stays");

	pid = timer_child();
	confirm_apply(st, A, B, 21, pid);
	ok(pinhole_state_stage(st, C) == 0 && pinhole_state_publish(st) == 0,
	   "stage + publish while an apply --confirm is pending");
	is_str(table_in(PINHOLE_STATE_FILE_PENDING), "tc", "... goes to pending.ruleset");
	is_str(table_in(PINHOLE_STATE_FILE_LAST), "ta", "... not to the fallback");
	ok(pinhole_state_stage(st, B) == 0, "stage while pending");
	end_child(pid);
	ok(pinhole_state_publish(st) == -EAGAIN && stat(staged, &sb) == 0,
	   "the timer died since: publish refuses (-EAGAIN), nothing renamed");
	ok(pinhole_state_record_applied(st, B) == 0, "... the plain save then works");
	is_str(table_in(PINHOLE_STATE_FILE_LAST), "tb", "... as the fallback");
	pinhole_state_abort(st);
	pinhole_state_close(st);
}

/* live.id: the record of where the published image is live (a cache) */
static void test_live_record(void)
{
	struct pinhole_state *st = fresh();
	struct pinhole_ruleset *k = NULL;
	char live[512];
	uint64_t cookie = 0;
	uint32_t genid = 0;
	struct stat sb;
	pid_t pid;

	if (!st) {
		ok(0, "fresh state dir");
		return;
	}
	snprintf(live, sizeof(live), "%s/live.id", dir);
	ok(pinhole_state_live_known(st, &k, &cookie, &genid) == -ENOENT && !k,
	   "live.id: none recorded: -ENOENT");
	pinhole_state_stage(st, A);
	pinhole_state_publish(st);
	ok(pinhole_state_record_live(st, B, 77, 5) == 0 && stat(live, &sb) < 0,
	   "live.id: not recorded for a ruleset other than the one published");
	ok(pinhole_state_record_live(st, A, 77, 5) == 0 && stat(live, &sb) == 0 &&
	   (sb.st_mode & 07777) == 0600, "live.id: recorded after publish, 0600");
	ok(pinhole_state_live_known(st, &k, &cookie, &genid) == 0 && k &&
	   !strcmp(pinhole_ruleset_table(k), "ta") && cookie == 77 && genid == 5,
	   "live.id: gives back last.ruleset's table, the cookie and the generation");
	pinhole_ruleset_free(k);
	k = NULL;
	ok(pinhole_state_record_applied(st, B) == 0 &&
	   pinhole_state_live_known(st, &k, &cookie, &genid) == -ENOENT && !k,
	   "live.id: last.ruleset replaced since (another file): -ENOENT");
	pinhole_state_stage(st, A);
	pinhole_state_publish(st);
	ok(pinhole_state_record_live(st, A, 77, 0) == 0 && stat(live, &sb) < 0,
	   "live.id: generation unknown (0): the record is removed");

	/* published to pending.ruleset; a confirm renames it to last.ruleset */
	pid = timer_child();
	confirm_apply(st, A, B, 31, pid);
	pinhole_state_stage(st, C);
	pinhole_state_publish(st);
	ok(pinhole_state_record_live(st, C, 78, 9) == 0 &&
	   pinhole_state_live_known(st, &k, &cookie, &genid) == -ENOENT,
	   "live.id: while pending, the image is not last.ruleset: not used");
	ok(pinhole_state_confirm(st, NULL) == 0 &&
	   pinhole_state_live_known(st, &k, &cookie, &genid) == 0 && k &&
	   !strcmp(pinhole_ruleset_table(k), "tc") && genid == 9,
	   "live.id: confirmed (renamed to last.ruleset, the same file): used");
	pinhole_ruleset_free(k);
	end_child(pid);
	pinhole_state_close(st);
}

int main(void)
{
	char base[] = "/tmp/pinhole-txn-test-XXXXXX", cmd[300];

	signal(SIGXFSZ, SIG_IGN);	/* over RLIMIT_FSIZE: EFBIG, not death */
	if (!mkdtemp(base)) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	snprintf(dir, sizeof(dir), "%s/state", base);
	A = pinhole_ruleset_lockdown("ta");
	B = pinhole_ruleset_lockdown("tb");
	C = pinhole_ruleset_lockdown("tc");
	if (!A || !B || !C) {
		ok(0, "lockdown tables");
		return tap_done();
	}
	test_files();
	test_proc_starttime();
	test_plain_apply();
	test_confirm_flow();
	test_expire();
	test_second_confirm();
	test_begin_failures();
	test_stale();
	test_loaded_table();
	test_stage();
	test_live_record();
	pinhole_ruleset_free(A);
	pinhole_ruleset_free(B);
	pinhole_ruleset_free(C);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	ok(system(cmd) == 0, "cleanup");
	return tap_done();
}
