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
 * Returns 0, -1 (diagnostics in @d) or -ENOMEM. The ruleset does not borrow
 * from @p except locations, whose file name must outlive it.
 */
int pinhole_ruleset_compile(const struct pinhole_policy *p,
			    struct pinhole_diag *d,
			    struct pinhole_ruleset **out);
void pinhole_ruleset_free(struct pinhole_ruleset *r);

/** pinhole_ruleset_emit - print the ruleset as an nft script (nft -f loads it) */
int pinhole_ruleset_emit(const struct pinhole_ruleset *r, FILE *f);

#ifdef __cplusplus
}
#endif

#endif
