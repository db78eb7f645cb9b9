/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_H
#define PINHOLE_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * libpinhole: compile a YAML IPv6 pinhole policy into one nftables table.
 *
 * Conventions: functions returning int return 0 on success, -1 after
 * queueing diagnostics for a policy problem, or -errno for a system error.
 * Constructors return NULL with errno set. *_free() accepts NULL.
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
 * in it, guarded by the generation read first. Returns 0; -ERESTART if the
 * ruleset changed while pinhole was working (nothing was changed);
 * -errno of the first failing message after queueing its diagnostic in
 * @d (nothing was changed); other -errno for system errors.
 */
int pinhole_ruleset_apply(const struct pinhole_ruleset *r, const char *netns,
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

enum pinhole_status_flags {
	PINHOLE_STATUS_JSON = 1 << 0,
};

/**
 * pinhole_ruleset_status - per-pinhole packet and byte counters
 * @live: a table read with pinhole_ruleset_read()
 * @flags: enum pinhole_status_flags
 * @f: output
 *
 * One line (or JSON object) per pinhole name (the element or rule
 * comment): host, proto, ports, packets, bytes summed over every element
 * and rule carrying that name; then the counters of drop, reject and log
 * rules. Returns 0 or -errno.
 */
int pinhole_ruleset_status(const struct pinhole_ruleset *live,
			   unsigned int flags, FILE *f);

/* ---------------------------------------------------- OpenWrt fw4 (UCI) */

/**
 * pinhole_ruleset_uci - print the ruleset's pinholes as fw4 UCI sections
 * @r: a ruleset compiled with PINHOLE_COMPILE_PINHOLES (that layer is what
 *	is printed; -EINVAL without it)
 * @d: where errors go: what fw4 cannot express, located at the pinhole
 * @f: the output; nothing is written when the result is -1
 * @batch: 0 for /etc/config/firewall sections (`config rule`, `config
 *	redirect`); non-zero for a `uci batch` script ending in `commit firewall`
 *
 * Returns 0, -1 (errors queued in @d), -ENOMEM, -EINVAL, or -EIO when @f
 * failed.
 */
int pinhole_ruleset_uci(const struct pinhole_ruleset *r, struct pinhole_diag *d,
			FILE *f, int batch);

#ifdef __cplusplus
}
#endif

#endif
