/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_H
#define PINHOLE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * libpinhole: compile a YAML IPv6 pinhole policy into one nftables table.
 *
 * Conventions: functions returning int return 0 on success, -1 after
 * queueing diagnostics for a policy problem, or -errno for a system error;
 * a few return a documented positive value (enum pinhole_state_result).
 * Constructors return NULL with errno set. *_free() and *_close() accept
 * NULL.
 */

struct pinhole_diag;
struct pinhole_policy;
struct pinhole_ruleset;

/* The inet table of a policy without `table:`, and of commands without --table. */
#define PINHOLE_DEFAULT_TABLE	"pinhole"
/*
 * The longest table name, in bytes: what a policy may give, and what a
 * saved state image holds (both writer and reader keep to it).
 */
#define PINHOLE_TABLE_NAME_MAX	31

/**
 * pinhole_diag_new - an empty diagnostics queue
 * Returns NULL with errno = ENOMEM on allocation failure.
 */
struct pinhole_diag *pinhole_diag_new(void);
void pinhole_diag_free(struct pinhole_diag *d);
/** pinhole_diag_print - print every queued record to @f, sorted by position */
void pinhole_diag_print(const struct pinhole_diag *d, FILE *f);
unsigned int pinhole_diag_errors(const struct pinhole_diag *d);
unsigned int pinhole_diag_warnings(const struct pinhole_diag *d);

/**
 * pinhole_policy_load_buffer - parse and validate a policy held in memory
 * @name: file name used in diagnostics (copied)
 * @buf: the YAML text; need not be NUL-terminated
 * @len: its length
 * @d: where errors and warnings go
 * @out: on success, the policy; the caller frees it with pinhole_policy_free()
 *
 * Returns 0, -1 if the policy has errors (queued in @d), or -ENOMEM.
 */
int pinhole_policy_load_buffer(const char *name, const char *buf, size_t len,
			       struct pinhole_diag *d,
			       struct pinhole_policy **out);
/** pinhole_policy_load_file - as above, reading @path ("-" is stdin) */
int pinhole_policy_load_file(const char *path, struct pinhole_diag *d,
			     struct pinhole_policy **out);
void pinhole_policy_free(struct pinhole_policy *p);

/**
 * pinhole_ruleset_compile - build the ruleset IR of a validated policy
 * Returns 0, -1 (diagnostics in @d) or -ENOMEM. The ruleset borrows
 * nothing from @p (it keeps its own copy of the file name for locations):
 * the policy can be freed right away. Same as
 * pinhole_ruleset_compile_flags(p, PINHOLE_COMPILE_PINHOLES, d, out).
 */
int pinhole_ruleset_compile(const struct pinhole_policy *p,
			    struct pinhole_diag *d,
			    struct pinhole_ruleset **out);

/*
 * PINHOLE_COMPILE_PINHOLES: also keep, per pinhole and address family, what
 * the table was made from (pinhole_ruleset_uci() prints that). Without it the
 * ruleset is only the table: at 100,000 pinholes ~12 MiB less.
 */
#define PINHOLE_COMPILE_PINHOLES	(1u << 0)
int pinhole_ruleset_compile_flags(const struct pinhole_policy *p,
				  unsigned int flags, struct pinhole_diag *d,
				  struct pinhole_ruleset **out);
void pinhole_ruleset_free(struct pinhole_ruleset *r);

/** pinhole_ruleset_emit - print the ruleset as an nft script (nft -f loads it) */
int pinhole_ruleset_emit(const struct pinhole_ruleset *r, FILE *f);

/**
 * pinhole_ruleset_lockdown - the fail-closed table of `apply --boot`
 * @table: the inet table's name
 *
 * No new inbound or forwarded connections from global addresses; the
 * machine stays reachable from link-local, ULA and private IPv4 sources
 * (loopback, established/related, ICMPv6 errors and on-link ND/RA kept).
 * Returns the ruleset (free with pinhole_ruleset_free()), or NULL with
 * errno = ENOMEM, or EINVAL for a bad @table.
 */
struct pinhole_ruleset *pinhole_ruleset_lockdown(const char *table);

/* ------------------------------------------------------------------------
 * The live table: netlink backend (libnftnl over libmnl; no nft binary).
 *
 * @netns: NULL for the caller's network namespace, or a name under
 * /run/netns: the netlink socket is opened there and the calling thread
 * returns to its own namespace afterwards. System errors come back as
 * -errno (-EPERM: no CAP_NET_ADMIN, -EPROTONOSUPPORT/-ENOENT: no nf_tables
 * or no such netns).
 */

/**
 * pinhole_ruleset_apply - atomically replace the live table with @r
 * @r: the compiled ruleset (its table only is touched)
 * @netns: see above
 * @d: where kernel rejections go, located at the policy node of the
 *	rejected object (`FILE:LINE:COL: error: kernel rejected rule: ...`)
 *
 * One netlink batch: the table is deleted and re-created with everything
 * in it, guarded by the generation read first; or, when the live table
 * differs from @r only in set elements, just those deleted and added
 * (pinhole_ruleset_apply_ex()). Returns 0; -ERESTART if the
 * ruleset changed while pinhole was working (nothing was changed);
 * -errno of the first failing message after queueing its diagnostic in
 * @d (nothing was changed); other -errno for system errors.
 */
int pinhole_ruleset_apply(const struct pinhole_ruleset *r, const char *netns,
			  struct pinhole_diag *d);

/**
 * pinhole_ruleset_apply_replacing - pinhole_ruleset_apply(), also deleting @old_table
 * @old_table: the inet table pinhole loaded before under another name
 *	(pinhole_state_loaded_table()), or NULL; ignored when it is @r's own
 *
 * The old table is deleted in the same batch that creates the new one,
 * whether or not it still exists: a policy whose `table:` changed never
 * leaves the table of before loaded and filtering. Returns as
 * pinhole_ruleset_apply().
 */
int pinhole_ruleset_apply_replacing(const struct pinhole_ruleset *r,
				    const char *old_table, const char *netns,
				    struct pinhole_diag *d);

/**
 * enum pinhole_apply_kind - how pinhole_ruleset_apply_ex() changed the table
 * @PINHOLE_APPLY_FULL: the table was deleted and created again (every
 *	counter starts from zero)
 * @PINHOLE_APPLY_INCREMENTAL: the live table differed from @r only in the
 *	elements of named sets: only those were deleted and added, in one
 *	batch under the same generation check (counters of the rules and of
 *	the elements left alone kept). No change at all is incremental too,
 *	with nothing sent.
 */
enum pinhole_apply_kind {
	PINHOLE_APPLY_FULL,
	PINHOLE_APPLY_INCREMENTAL,
};

/**
 * struct pinhole_apply_info - what pinhole_ruleset_apply_ex() did
 * @kind: see above
 * @n_sets: incremental: sets changed
 * @n_del, @n_add: incremental: elements deleted and added (a range counts once)
 * @why_full: full: why not incremental (static text), or NULL when
 *	PINHOLE_APPLY_F_FULL asked for it
 * @known: incremental: the live table was taken from @known, not read back
 * @netns_cookie, @genid: after a successful apply, the namespace and the
 *	ruleset generation at which the table is exactly @r (0: unknown), for
 *	a later struct pinhole_apply_known
 */
struct pinhole_apply_info {
	enum pinhole_apply_kind kind;
	size_t n_sets, n_del, n_add;
	const char *why_full;
	bool known;
	uint64_t netns_cookie;
	uint32_t genid;
};

/**
 * struct pinhole_apply_known - the live table, as an earlier apply left it
 * @r: the ruleset that apply loaded (pinhole_state_live_known())
 * @netns_cookie, @genid: its struct pinhole_apply_info fields
 *
 * While the namespace's generation is still @genid nothing has committed
 * there since (every nf_tables commit moves it), so the live table is @r
 * and need not be read back: the incremental apply compares with @r and
 * sends its batch under @genid. Any other generation or namespace: read.
 */
struct pinhole_apply_known {
	const struct pinhole_ruleset *r;
	uint64_t netns_cookie;
	uint32_t genid;
};

/* pinhole_ruleset_apply_ex() @flags */
enum {
	PINHOLE_APPLY_F_FULL = 1 << 0,	/* always the full replace */
};

/**
 * pinhole_ruleset_apply_ex - pinhole_ruleset_apply_replacing(), incremental when it can be
 * @flags: PINHOLE_APPLY_F_*
 * @known: NULL, or the table an earlier apply left live (see above)
 * @info: out, optional: which kind of apply ran
 *
 * Reads the live table first (pinhole_ruleset_read(); not when @known
 * still holds) and, when it differs from @r only in the elements of named
 * sets and @old_table is NULL or @r's own, sends one batch of element
 * deletes and adds guarded by the generation of that read: all or
 * nothing, -ERESTART when anything committed since the read. Otherwise
 * (absent table, foreign object, rule not recognised, any other
 * difference) the full replace. Returns as pinhole_ruleset_apply().
 */
int pinhole_ruleset_apply_ex(const struct pinhole_ruleset *r,
			     const char *old_table, const char *netns,
			     unsigned int flags,
			     const struct pinhole_apply_known *known,
			     struct pinhole_apply_info *info,
			     struct pinhole_diag *d);

/**
 * pinhole_live_others - warn about other tables that can drop what pinhole accepts
 * @table: pinhole's own inet table, left out
 * @netns: see above
 * @d: one warning (no location) per base chain found, e.g.
 *	`table inet fw4 also filters forward (priority 0, policy drop); what
 *	pinhole accepts can still be dropped there`, or with `drops by rule`
 *	/ `rejects by rule` in place of `policy drop`
 *
 * Every table of the inet, ip and ip6 families but inet @table, with a base
 * chain on prerouting, input, forward or postrouting whose policy is drop,
 * or that holds, itself or in a chain it jumps or goes to, a rule with a
 * drop verdict or a reject (verdict maps are not looked into). Read with
 * netlink dumps. Returns the number of warnings queued, or -errno.
 */
int pinhole_live_others(const char *table, const char *netns,
			struct pinhole_diag *d);

/**
 * pinhole_table_flush - delete the inet table @table (and nothing else)
 * Returns 0, also when the table does not exist, or -errno.
 */
int pinhole_table_flush(const char *table, const char *netns);

/**
 * pinhole_ruleset_read - read the live inet table @table back and decode it
 * @out: the ruleset (free with pinhole_ruleset_free()), or NULL when the
 *	table does not exist. Rules pinhole does not recognise are kept as
 *	"not recognised" rules with their bytecode as text.
 * Returns 0 or -errno.
 */
int pinhole_ruleset_read(const char *table, const char *netns,
			 struct pinhole_ruleset **out);

/**
 * pinhole_ruleset_diff - unified diff of the live table against @want
 * @live: the decoded live table, or NULL if absent (all lines are added)
 * @want: the compiled ruleset
 * @want_name: label of the "+++" side (the policy file); "---" is "live"
 * @f: where the diff goes; nothing is printed when they are the same
 *
 * Both sides are printed as the same canonical nft text, without counters.
 * Returns 0 when equal, 1 when different, or -errno.
 */
int pinhole_ruleset_diff(const struct pinhole_ruleset *live,
			 const struct pinhole_ruleset *want,
			 const char *want_name, FILE *f);

/**
 * pinhole_ruleset_diff_json - pinhole_ruleset_diff() told in pinholes (SPEC §6.7)
 * @live: the decoded live table, or NULL if absent (every pinhole is added)
 * @want: the compiled ruleset
 * @p: the policy @want was compiled from, for the host names of the added
 *	pinholes; NULL: their addresses, as for the live side
 * @f: one JSON object and a newline:
 *	{"changed": BOOL, "added": [PINHOLE...], "removed": [PINHOLE...],
 *	 "other": ["+LINE" or "-LINE"...]}
 *	PINHOLE is {"name", "host", "proto": [...], "ports": [...], "family",
 *	"addresses": [...]}: the set elements and counted rules carrying the
 *	pinhole's name (their comment). One whose elements or rules differ
 *	between the sides is in "removed" (as live has it) and in "added" (as
 *	wanted). "other" holds the unified diff's changed lines that carry no
 *	pinhole's comment.
 *
 * Returns 0 when equal, 1 when different (as pinhole_ruleset_diff()), or
 * -errno (-EIO when @f failed).
 */
int pinhole_ruleset_diff_json(const struct pinhole_ruleset *live,
			      const struct pinhole_ruleset *want,
			      const struct pinhole_policy *p, FILE *f);

/** pinhole_ruleset_table - the name of the table @r describes (borrowed) */
const char *pinhole_ruleset_table(const struct pinhole_ruleset *r);

/**
 * pinhole_ruleset_unknown_rules - how many rules of @r pinhole does not recognise
 * @r: a table read with pinhole_ruleset_read(), or NULL (0)
 *
 * Rules added by hand: they cannot be saved in the state directory, so a
 * table holding any cannot be the rollback point of pinhole_state_begin().
 */
size_t pinhole_ruleset_unknown_rules(const struct pinhole_ruleset *r);

/**
 * pinhole_ruleset_foreign - the @i-th object of @r pinhole cannot represent
 * @r: a table read with pinhole_ruleset_read(), or NULL
 * @i: from 0
 *
 * Objects added by hand that the IR cannot hold exactly: named counters,
 * quotas, limits and other stateful objects, flowtables, sets and maps of
 * key/data types or flags pinhole does not build, table flags (dormant).
 * pinhole_ruleset_diff() prints them as `# foreign: WHAT` lines, and like
 * unknown rules they cannot be saved, so such a table cannot be the
 * rollback point of pinhole_state_begin().
 *
 * Returns a description such as `map "vm"` (borrowed, valid while @r
 * lives), or NULL when @i is past the last one.
 */
const char *pinhole_ruleset_foreign(const struct pinhole_ruleset *r, size_t i);

enum pinhole_status_flags {
	PINHOLE_STATUS_JSON = 1 << 0,
};

/**
 * pinhole_ruleset_status - per-pinhole packet and byte counters
 * @live: a table read with pinhole_ruleset_read()
 * @flags: enum pinhole_status_flags
 * @f: output
 *
 * One line per pinhole name (the element or rule comment): host, proto,
 * ports, packets, bytes summed over every element and rule carrying that
 * name; then the counters of drop, reject and log rules. With
 * PINHOLE_STATUS_JSON one object (SPEC §6.7): {"table": NAME, "pinholes":
 * [PINHOLE as pinhole_ruleset_diff_json() with "packets" and "bytes"...],
 * "dropped": [{"rule": "CHAIN #N [COMMENT]", "chain", "position",
 * "comment" (or null), "packets", "bytes"}...]}; "host" is the address
 * (IPv6 first), or "self" when the pinhole has none. Returns 0 or -errno.
 */
int pinhole_ruleset_status(const struct pinhole_ruleset *live,
			   unsigned int flags, FILE *f);

/* ------------------------------------------------------------------------
 * The state directory (--state-dir, default /var/lib/pinhole): what the
 * last apply loaded (the boot fallback) and, while an `apply --confirm` is
 * pending, its rollback point, the table it loaded and its timer's record.
 *
 * Each transition below is a few atomic file replacements (temp file,
 * fsync, rename, fsync of the directory; files 0600 in a 0700 directory,
 * opened with O_NOFOLLOW | O_NONBLOCK relative to the directory, and only
 * read when they are regular files), made under the
 * directory's lock: take it with pinhole_state_lock() first. The library
 * never forks, prints or logs, and signals no process but a timer it
 * recorded; the caller runs the timer process and the kernel loads, and
 * says what happened.
 *
 * A plain apply, after the kernel took the table:
 *	pinhole_state_record_applied(), or pinhole_state_join() while an
 *	apply --confirm is pending (pinhole_state_status() says which); or,
 *	to make that save one rename, pinhole_state_stage() before the load
 *	and pinhole_state_publish() right after the kernel's ack.
 * An apply --confirm:
 *	pinhole_state_begin()	the rollback point and the new table saved
 *	(start the timer process, holding a random token)
 *	pinhole_state_arm()	its record: from now on the timer rolls back
 *	(load the new table)
 *	pinhole_state_commit(), or pinhole_state_abort() when a step failed.
 * Then pinhole_state_confirm(); or, when the timer fires,
 *	pinhole_state_rollback_load()	what it restores, if still pending
 *	(restore it in the kernel)
 *	pinhole_state_expire().
 * Boot: pinhole_state_load_last(), pinhole_state_drop_stale().
 * Every load of a table, whichever of the above it is part of:
 *	pinhole_state_loaded_table()	the table loaded before, to delete
 *	(load the new one: pinhole_ruleset_apply_replacing())
 *	pinhole_state_record_table()	its name, for the next load
 */

struct pinhole_state;

/* The files of the state directory (pinhole_state_file_name() names them). */
enum pinhole_state_file {
	PINHOLE_STATE_FILE_LOCK,	/* "lock": every transition holds it */
	PINHOLE_STATE_FILE_LAST,	/* "last.ruleset": the boot fallback */
	PINHOLE_STATE_FILE_ROLLBACK,	/* "rollback.ruleset": what a rollback restores */
	PINHOLE_STATE_FILE_PENDING,	/* "pending.ruleset": what the pending change loaded */
	PINHOLE_STATE_FILE_TIMER,	/* "pending.timer": its timer's record */
	PINHOLE_STATE_FILE_EXPIRED,	/* "expired.timer": the timer that last rolled back */
	PINHOLE_STATE_FILE_TABLE,	/* "loaded.table": the table pinhole loaded last */
	__PINHOLE_STATE_FILE_MAX
};
#define PINHOLE_STATE_FILE_MAX	(__PINHOLE_STATE_FILE_MAX - 1)

/* Whether an apply --confirm is pending (pinhole_state_status()). */
enum pinhole_pending {
	PINHOLE_PENDING_NONE,	/* no apply --confirm pending */
	PINHOLE_PENDING_LIVE,	/* pending, its timer process runs */
	PINHOLE_PENDING_STALE,	/* its files are there, its timer is gone (reboot, kill -9) */
};

/* Positive results of the transitions (0 is plain success). */
enum pinhole_state_result {
	PINHOLE_STATE_JOINED = 1,	/* begin: one was pending; this one is part of it */
	PINHOLE_STATE_NOT_PENDING,	/* nothing (or not this timer's change) is pending */
};

/**
 * pinhole_state_open - create (0700) or open the state directory @dir and check it
 * @dir: its path (copied); missing parents are created 0755
 * @out: the open directory, unlocked; close it with pinhole_state_close()
 * @why: out: when the directory is refused, a static phrase for a message
 *	("is a symbolic link", "is not a directory", "is not owned by root",
 *	"is not owned by the user running pinhole", "is writable by group or
 *	others"); NULL otherwise
 *
 * Returns 0; -ELOOP, -ENOTDIR or -EPERM with *@why set when the directory
 * is refused; -EINVAL for an empty @dir; -ENOMEM; or the -errno of mkdir
 * or open.
 */
int pinhole_state_open(const char *dir, struct pinhole_state **out,
		       const char **why);

/**
 * pinhole_state_close - close the directory, releasing the lock taken here
 * @st: the directory, or NULL
 *
 * A begin not yet committed is left as it is (pinhole_state_abort() undoes
 * it). A forked child closes its copy at once: the lock belongs to the
 * open file description, so that leaves the parent's lock held, while a
 * copy kept open would hold it after the parent exits.
 */
void pinhole_state_close(struct pinhole_state *st);

/** pinhole_state_dir - the @dir given to pinhole_state_open() (borrowed) */
const char *pinhole_state_dir(const struct pinhole_state *st);

/**
 * pinhole_state_file_name - the name of @f in the directory, e.g. "last.ruleset"
 * Returns a static string, or NULL for a value that is no file.
 */
const char *pinhole_state_file_name(enum pinhole_state_file f);

/**
 * pinhole_state_file_mtime - when @f was last written
 * @t: out: its modification time
 * Returns 0; -ENOENT when it does not exist; -EINVAL; or -errno.
 */
int pinhole_state_file_mtime(struct pinhole_state *st,
			     enum pinhole_state_file f, time_t *t);

/**
 * pinhole_state_lock - take the exclusive lock (PINHOLE_STATE_FILE_LOCK)
 * @timeout_ms: how long to wait for another holder; bounded, so a wedged
 *	holder cannot hang boot or a remote session
 *
 * Returns 0, also when @st holds it already; -EWOULDBLOCK when another
 * process held it for @timeout_ms; -EBADF when the lock is no regular
 * file; or -errno.
 */
int pinhole_state_lock(struct pinhole_state *st, unsigned int timeout_ms);

/**
 * pinhole_state_status - is an apply --confirm pending?
 * @deadline: optional out: when its timer fires (seconds since the epoch);
 *	0 when nothing is pending or the record is unreadable
 *
 * Never fails: a timer record that cannot be read is PINHOLE_PENDING_STALE,
 * and a timer is live only while /proc shows the very process recorded (the
 * pid and its start time, so a recycled pid is not taken for it).
 */
enum pinhole_pending pinhole_state_status(struct pinhole_state *st,
					  time_t *deadline);

/**
 * pinhole_state_record_applied - save @r, just loaded, as the boot fallback
 * @r: the table the kernel took (borrowed)
 *
 * For a plain apply and apply --boot while no apply --confirm is pending:
 * a stale pending change (nothing will roll it back) is dropped, @r
 * becomes PINHOLE_STATE_FILE_LAST, and the record of an expired timer goes.
 * Returns 0; -EBUSY when an apply --confirm is pending with a live timer
 * (nothing written: see pinhole_state_join()); -ENOTSUP when @r holds
 * rules pinhole does not recognise; -EINVAL for a table name longer than
 * PINHOLE_TABLE_NAME_MAX; -ENOMEM; or the -errno of the write.
 */
int pinhole_state_record_applied(struct pinhole_state *st,
				 const struct pinhole_ruleset *r);

/**
 * pinhole_state_stage - write the image of @r, about to be loaded, ahead
 * @r: the table about to be loaded (borrowed: it must stay alive and
 *	unchanged until pinhole_state_publish())
 *
 * So that saving it after the kernel's ack is one rename: kill -9 between
 * the commit and the save used to leave the saved table one apply behind.
 * The image goes to "staged.ruleset"; where it is published is decided
 * now, as pinhole_state_record_applied() or pinhole_state_join() would:
 * PINHOLE_STATE_FILE_PENDING while an apply --confirm is pending with a
 * live timer, else PINHOLE_STATE_FILE_LAST. Returns 0, or the errors of
 * pinhole_state_record_applied() but -EBUSY (nothing staged: save the
 * plain way after the load).
 */
int pinhole_state_stage(struct pinhole_state *st, const struct pinhole_ruleset *r);

/**
 * pinhole_state_publish - the kernel took the staged table: put it in place
 *
 * A rename (and fsync of the directory); for PINHOLE_STATE_FILE_LAST a
 * stale pending change and the record of an expired timer go, as with
 * pinhole_state_record_applied(). A begun apply --confirm that joined a
 * pending one then does not write its table again in
 * pinhole_state_commit(). Returns 0; -ENOENT when nothing is staged;
 * -EAGAIN when whether an apply --confirm is pending changed since the
 * staging (nothing renamed); or -errno. After an error save the plain way;
 * pinhole_state_abort() removes a staged image.
 */
int pinhole_state_publish(struct pinhole_state *st);

/**
 * pinhole_state_join - make @r, just loaded, part of the pending apply --confirm
 * @r: the table the kernel took (borrowed)
 *
 * @r is saved as the pending table (PINHOLE_STATE_FILE_PENDING): confirm
 * makes it the boot fallback, while the timer still restores the rollback
 * point from before the apply --confirm. Returns 0;
 * PINHOLE_STATE_NOT_PENDING when no apply --confirm is pending, i.e. there
 * is no timer record (nothing written; a stale change counts as pending:
 * decide by pinhole_state_status()); or the errors of
 * pinhole_state_record_applied() but -EBUSY.
 */
int pinhole_state_join(struct pinhole_state *st, const struct pinhole_ruleset *r);

/**
 * pinhole_state_begin - start an apply --confirm, before loading @next
 * @prev: the live table now (pinhole_ruleset_read()): the rollback point;
 *	NULL when there is none
 * @table: the table's name: what a rollback deletes when @prev is NULL
 * @next: the table about to be loaded
 * @where: optional out: on -errno, the file that could not be written
 *
 * A stale pending change is dropped first. With nothing pending, @prev
 * (or the absence of @table) is saved as the rollback point and @next as
 * the pending table; returns 0. While an apply --confirm is pending, its
 * rollback point stays (an unconfirmed table never becomes one) and
 * nothing is written yet; returns PINHOLE_STATE_JOINED. Either way
 * continue with pinhole_state_arm(). Nothing borrowed is kept.
 *
 * Returns -EALREADY when a begin is open on @st; -EINVAL without @table
 * or @next; -ENOTSUP when @prev holds rules pinhole does not recognise or
 * foreign objects (check pinhole_ruleset_unknown_rules() and
 * pinhole_ruleset_foreign() first); or the -errno of a write,
 * after removing what it wrote.
 */
int pinhole_state_begin(struct pinhole_state *st,
			const struct pinhole_ruleset *prev, const char *table,
			const struct pinhole_ruleset *next,
			enum pinhole_state_file *where);

/**
 * pinhole_state_arm - record the timer process of the begun apply --confirm
 * @token: the random, non-zero token the timer process holds; it passes
 *	it to pinhole_state_rollback_load() when it fires
 * @pid: the timer process, running
 * @deadline: when it fires, seconds since the epoch (for messages)
 *
 * Writes PINHOLE_STATE_FILE_TIMER: from now on a timer firing with @token
 * restores the rollback point, and another timer (one that was pending)
 * does nothing. Returns 0; -EINVAL without an open begin, when already
 * armed, or for a zero @token or @pid; -ECHILD when @pid's start time
 * cannot be read (it is not running); or the -errno of the write.
 */
int pinhole_state_arm(struct pinhole_state *st, uint64_t token, pid_t pid,
		      time_t deadline);

/**
 * pinhole_state_commit - the kernel took @next: the apply --confirm is pending
 * @next: the table loaded, as given to pinhole_state_begin() (borrowed)
 *
 * When the begin joined a pending change, @next is saved as its pending
 * table and the timer it replaced is stopped (SIGTERM). The record of an
 * expired timer is removed. Returns 0, closing the begin; -EINVAL without
 * an armed begin; or the -errno of saving @next, with the begin still
 * open: put the previous table back in the kernel and call
 * pinhole_state_abort().
 */
int pinhole_state_commit(struct pinhole_state *st,
			 const struct pinhole_ruleset *next);

/**
 * pinhole_state_abort - undo the begun apply --confirm
 *
 * For a begin whose load failed or never happened (or whose commit
 * failed): a new pending change is removed whole; a joined one gets the
 * record of its previous timer back, if arm had replaced it. The timer
 * process that was armed is stopped. Without an open begin nothing
 * happens. Every step is tried; returns 0 or the first -errno.
 */
int pinhole_state_abort(struct pinhole_state *st);

/**
 * pinhole_state_confirm - keep what the pending apply --confirm loaded
 * @where: optional out: on -errno, the file that failed
 *
 * The decisive step removes the timer's record: a timer that fires later
 * finds no token and does nothing. Then the pending table becomes the boot
 * fallback, the rollback point and the record of an expired timer are
 * removed, and the timer process is stopped. A stale change is confirmed
 * too. Returns 0; PINHOLE_STATE_NOT_PENDING when nothing is pending (the
 * time of PINHOLE_STATE_FILE_EXPIRED, if any, says when the last rollback
 * happened); -errno with *@where = PINHOLE_STATE_FILE_TIMER when the record
 * could not be removed (nothing changed); -errno with *@where =
 * PINHOLE_STATE_FILE_PENDING when confirmed, but the pending table could
 * not become the boot fallback.
 */
int pinhole_state_confirm(struct pinhole_state *st,
			  enum pinhole_state_file *where);

/**
 * pinhole_state_rollback_load - what the timer holding @token restores
 * @token: as given to pinhole_state_arm(); or 0: the pending change whose
 *	timer is gone (PINHOLE_PENDING_STALE), to restore in its place when
 *	its deadline has passed
 * @out: the rollback point (free with pinhole_ruleset_free()), or NULL
 *	when there was no table before the apply --confirm
 * @absent_table: optional out: then that table's name, to delete (caller
 *	frees); else NULL
 *
 * Returns 0; PINHOLE_STATE_NOT_PENDING when @token's change is not pending
 * (confirmed, or replaced by a newer apply --confirm; for 0: nothing is
 * pending, or its timer runs): restore nothing;
 * -ENOENT, -EBADMSG (corrupt), -EBADF (no regular file: a FIFO is never
 * read), -EPROTONOSUPPORT (another format version),
 * -ENOMEM or -errno reading the rollback point.
 */
int pinhole_state_rollback_load(struct pinhole_state *st, uint64_t token,
				struct pinhole_ruleset **out,
				char **absent_table);

/**
 * pinhole_state_expire - record that the timer restored the rollback point
 *
 * The timer's record becomes PINHOLE_STATE_FILE_EXPIRED (its time is when
 * the rollback happened); the pending table and the rollback point are
 * removed. Every step is tried; returns 0 or the first -errno.
 */
int pinhole_state_expire(struct pinhole_state *st);

/**
 * pinhole_state_load_last - the boot fallback: what the last kept apply loaded
 * @out: the ruleset; free it with pinhole_ruleset_free()
 *
 * Returns 0; -ENOENT when nothing was saved; -EBADMSG when the file is
 * corrupt (or records no table); -EBADF when it is no regular file (a FIFO
 * is never read); -EPROTONOSUPPORT (another format version); -ENOMEM; or
 * -errno.
 */
int pinhole_state_load_last(struct pinhole_state *st,
			    struct pinhole_ruleset **out);

/**
 * pinhole_state_loaded_table - the name of the table pinhole loaded last
 * @st: the open directory
 * @name: out: the name, NUL-terminated
 *
 * What the last pinhole_state_record_table() wrote ("loaded.table"), so
 * that a load under another name (the policy's `table:` changed) deletes
 * this one in the same batch. Returns 0, -ENOENT when none is recorded,
 * -EBADMSG when the file holds no valid table name, or -errno.
 */
int pinhole_state_loaded_table(struct pinhole_state *st,
			       char name[PINHOLE_TABLE_NAME_MAX + 1]);

/**
 * pinhole_state_record_table - remember @table as the table pinhole loaded
 * @st: the open directory, locked
 * @table: 1 to PINHOLE_TABLE_NAME_MAX bytes, no '/', no control character
 *
 * Written (0600, temp file + rename) after every load the kernel took,
 * whether by apply, apply --boot, apply --confirm or its rollback.
 * Returns 0, -EINVAL for a bad @table, or -errno.
 */
int pinhole_state_record_table(struct pinhole_state *st, const char *table);

/**
 * pinhole_state_record_live - remember what the table is after this load
 * @st: the open directory, locked, right after pinhole_state_publish()
 *	put @r in place
 * @r: the published ruleset (anything else: the record is removed)
 * @cookie, @genid: struct pinhole_apply_info's netns_cookie and genid
 *
 * Writes "live.id": the boot, namespace and generation at which the
 * table is exactly the image just published, and which file that image
 * is (inode, size, mtime), so the next apply can take it instead of
 * reading the table back (pinhole_state_live_known()). Only a cache:
 * removed when @genid is 0. Returns 0 or -errno.
 */
int pinhole_state_record_live(struct pinhole_state *st,
			      const struct pinhole_ruleset *r, uint64_t cookie,
			      uint32_t genid);

/**
 * pinhole_state_live_known - the live table as the last load left it, if known
 * @st: the open directory, locked
 * @out: the ruleset (free it), as struct pinhole_apply_known's @r
 * @cookie, @genid: where it is live
 *
 * The record of pinhole_state_record_live(), when it is of this boot and
 * the image it names is still "last.ruleset" (a confirm renames
 * "pending.ruleset" there, the same file). Whether the kernel still holds
 * that table, pinhole_ruleset_apply_ex() decides from the generation.
 * Returns 0, -ENOENT when nothing (valid) is recorded, or -errno.
 */
int pinhole_state_live_known(struct pinhole_state *st,
			     struct pinhole_ruleset **out, uint64_t *cookie,
			     uint32_t *genid);

/**
 * pinhole_state_drop_stale - forget a pending change whose timer is gone
 *
 * Nothing will ever roll it back (its timer died with the last boot, or
 * was killed): its timer record, pending table and rollback point are
 * removed. A change with a live timer is kept. Returns 0 (also when there
 * was nothing to drop) or the first -errno.
 */
int pinhole_state_drop_stale(struct pinhole_state *st);

/* ---------------------------------------------------- OpenWrt fw4 (UCI) */

/**
 * pinhole_ruleset_uci - print the ruleset's pinholes as fw4 UCI sections
 * @r: a ruleset compiled with PINHOLE_COMPILE_PINHOLES (that layer is what
 *	is printed; -EINVAL without it)
 * @d: where errors go: what fw4 cannot express, located at the pinhole
 * @f: the output; nothing is written when the result is -1
 * @flags: PINHOLE_UCI_BATCH for a `uci batch` script ending in `commit
 *	firewall` (else /etc/config/firewall sections: `config rule`, `config
 *	redirect`); PINHOLE_UCI_ZONES to print the policy's zones first
 *	(`config zone`, `config forwarding`; an error in host mode)
 *
 * A pinhole is printed once per outside zone, each with its `src`.
 * Returns 0, -1 (errors queued in @d), -ENOMEM, -EINVAL, or -EIO when @f
 * failed.
 */
enum pinhole_uci_flags {
	PINHOLE_UCI_BATCH = 1 << 0,
	PINHOLE_UCI_ZONES = 1 << 1,
};

int pinhole_ruleset_uci(const struct pinhole_ruleset *r, struct pinhole_diag *d,
			FILE *f, int flags);

/* ------------------------------------------------------------------------
 * explain (SPEC §6.4): what the ruleset does with the first packet of a
 * new connection.
 */

/* Results of pinhole_explain() (>= 0); the process exit codes map them. */
enum pinhole_explain_verdict {
	PINHOLE_EXPLAIN_ACCEPT,
	PINHOLE_EXPLAIN_DROP,
	PINHOLE_EXPLAIN_REJECT,
	PINHOLE_EXPLAIN_UNKNOWN,	/* something on the path cannot be evaluated */
};

enum pinhole_explain_flags {
	PINHOLE_EXPLAIN_JSON = 1 << 0,	/* one JSON object instead of the lines */
	PINHOLE_EXPLAIN_BRIEF = 1 << 1,	/* only the deciding rule's text, no newline */
};

/**
 * struct pinhole_explain_query - the packet, in the user's terms
 * @iif: the interface it comes in on (a zone's: pinhole_policy_zone_ifname());
 *	NULL: an interface no rule of the table names
 * @oif: the forward path's outgoing interface; NULL: not known (a rule
 *	matching oifname then makes the answer unknown)
 * @from: source address; NULL: a global address in no from: list (no
 *	source match of the table covers it)
 * @to: destination address; NULL: the machine itself (--to self; its
 *	address is then unknown, the family that of @from or IPv6)
 * @local: non-zero when @to is one of the machine's addresses
 *	(pinhole_address_local()): the input path after dstnat
 * @proto: "tcp", "udp", "icmpv6" (an echo request; ICMP's for IPv4
 *	addresses) or "icmp"
 * @port: tcp, udp: the destination port, 1..65535
 * @sport: tcp, udp: the source port; 0 for 40000
 * @local_if: with @local, the interface holding @to
 *	(pinhole_address_local()'s @ifname); NULL: the one @iif names. An
 *	address of another interface than the one the packet comes in on
 *	is what NAT reflection DNATs (fib daddr . iif type)
 */
struct pinhole_explain_query {
	const char *iif;
	const char *oif;
	const char *from;
	const char *to;
	int local;
	const char *proto;
	unsigned int port;
	unsigned int sport;
	const char *local_if;
};

/**
 * pinhole_explain - evaluate @q against @r and print why
 * @r: a compiled ruleset (compile it with PINHOLE_COMPILE_PINHOLES for the
 *	pinholes' locations), or a table read with pinhole_ruleset_read()
 * @flags: enum pinhole_explain_flags
 * @f: where the answer goes (NULL: nowhere). Text: the verdict (`accept`,
 *	`drop`, `reject`, `unknown`), `rule: NFT TEXT` of the deciding rule
 *	(or `rule: ELEMENT in @SET (RULE)`; `rule: policy drop (chain C)`
 *	when a chain's policy decided), then `pinhole: NAME (FILE:LINE:COL)`
 *	(the location when known) or `default: WHAT`, `dnat: to ADDR[:PORT] by
 *	...` when prerouting changed the destination, `unknown: WHY`.
 * @bad: optional out: for -EINVAL, a static phrase naming the bad input
 *
 * The walk is the kernel's: prerouting base chains by priority, then
 * input (local destination) or forward, jumps and returns, set and map
 * lookups, the chain policy. A rule pinhole does not recognise, a foreign
 * object or a match on what the packet does not define answers
 * PINHOLE_EXPLAIN_UNKNOWN rather than guessing. Returns an enum
 * pinhole_explain_verdict, -EINVAL or -EIO.
 */
int pinhole_explain(const struct pinhole_ruleset *r,
		    const struct pinhole_explain_query *q, unsigned int flags,
		    FILE *f, const char **bad);

/**
 * pinhole_policy_zone_ifname - an interface name of zone @zone
 * @zone: its name; NULL for the (first) outside zone
 * @buf: out: the zone's first interface (a wildcard `eth*` as `eth0`)
 * Returns 0; 1 for a NULL @zone in host mode (no zones: @buf empty);
 * -ENOENT for no such zone; -EINVAL.
 */
int pinhole_policy_zone_ifname(const struct pinhole_policy *p, const char *zone,
			       char buf[16]);

/**
 * pinhole_ruleset_outside_ifname - the outside interface of a table
 * @buf: out: the interface of the first rule of an input or forward base
 *	chain that matches iifname and jumps (outside zones are matched
 *	first, and jump to their chains)
 * For tables read from the kernel, which carry no zone names.
 * Returns 0 or -ENOENT (host mode: none).
 */
int pinhole_ruleset_outside_ifname(const struct pinhole_ruleset *r, char buf[16]);

/**
 * pinhole_address_local - is @addr an address of an interface here?
 * @netns: NULL, or a name under /run/netns to look in
 *
 * An address of an interface, or the subnet-router anycast address of an
 * IPv6 prefix of an interface that forwards (the kernel delivers it
 * locally too).
 * @ifname: out: the interface holding it
 * Returns 1 (yes), 0 (no), -EINVAL for a bad address, or -errno.
 */
int pinhole_address_local(const char *addr, const char *netns, char ifname[16]);

#ifdef __cplusplus
}
#endif

#endif
