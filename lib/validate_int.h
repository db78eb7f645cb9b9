/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_VALIDATE_INT_H
#define PINHOLE_VALIDATE_INT_H

/*
 * Private to the validator (validate*.c), not installed: its context,
 * the helpers its files share (defined in validate_util.c) and the
 * sections one file runs for another.
 */
#include <stdbool.h>
#include <stddef.h>

#include "loc.h"
#include "strmap.h"

struct ph_pinhole;
struct pinhole_diag;
struct pinhole_policy;
struct ynode;

#define ZONE_NAME_MAX	15
#define HOST_NAME_MAX_	32
#define PINHOLE_NAME_MAX 64
#define IFNAME_MAX	15	/* IFNAMSIZ - 1 */
#define QUOTE_MAX	64	/* user text echoed in a message */

/* A warning held back while streaming (see policy_stream_new()). */
struct held_warning {
	struct pinhole_loc loc;
	char *msg;
};

struct vctx {
	struct pinhole_policy *p;
	struct pinhole_diag *d;
	bool failed;		/* an error was queued */
	bool oom;
	struct strmap zones;	/* name → index */
	struct strmap hosts;
	struct strmap names;	/* pinhole name → index */
	bool *host_bad;		/* the host had errors: skip checks built on it */
	/* the pinhole being parsed: where its host: and from: are */
	struct pinhole_loc host_loc, from_loc;
	char qbuf[6][4 * QUOTE_MAX + 16];
	unsigned int qi;
	/* streaming: sections validated while the YAML was still being read */
	bool stream;
	bool zones_done;	/* do_zones() ran before hosts or pinholes */
	bool families_done;	/* families: read before hosts or pinholes */
	bool hosts_streamed;	/* host entries were taken one by one */
	bool hosts_done;	/* every host was known before the pinholes */
	bool pinholes_streamed;
	bool pinholes_kept;	/* the pinholes stay in the tree */
	bool *ok;		/* per pinhole: no errors */
	size_t cap_hosts, cap_host_bad, cap_pinholes, cap_ok;
	struct ahead { size_t mapped, cap; } hosts_ahead, pinholes_ahead;
	struct held_warning *held;
	size_t n_held, cap_held;
};

#define verr(c, loc, ...) \
	((c)->failed = true, pinhole_error((c)->d, (loc), __VA_ARGS__))

struct field {
	const char *name;
	const struct ynode *key, *val;
};

struct choice {
	const char *name;
	int val;
};

/* validate_util.c: the helpers, each described where it is defined */
/* The policy's arena: freed with it. NULL when out of memory. */
void *policy_alloc(struct pinhole_policy *p, size_t size, size_t align);
char *policy_strdup(struct pinhole_policy *p, const char *s);
void v_warn(struct vctx *c, const struct pinhole_loc *loc,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool v_full(const struct vctx *c);
char *v_astrdup(struct vctx *c, const char *s);
void *v_aalloc(struct vctx *c, size_t n, size_t size, size_t align);
void *v_xcalloc(struct vctx *c, size_t n, size_t size);
const char *v_q(struct vctx *c, const char *s);
const char *v_describe(struct vctx *c, const struct ynode *n);
bool v_name_chars(const char *s, bool dot);
bool v_is_ident(const char *s, size_t max);
unsigned int v_get_fields(struct vctx *c, const struct ynode *map,
			  const char *what, const char *name,
			  struct field *f, unsigned int nf);
const char *v_want_str(struct vctx *c, const struct ynode *v,
		       const char *key, const char *what);
int v_choose(struct vctx *c, const struct ynode *v, const char *key,
	     const struct choice *ch, unsigned int n, int *out);
int v_want_bool(struct vctx *c, const struct ynode *v, const char *key,
		bool *out);
bool v_from_has(const struct ph_pinhole *ph, int family);

/* validate.c: the sections and the root */
int v_do_zones(struct vctx *c, const struct field *f);
void v_do_families(struct vctx *c, const struct field *f);
/*
 * The error "WHAT, but families: [ipv6] leaves IPv4 alone; add ipv4 to
 * families, or remove it" at @loc, about a use of @family; returns -1.
 */
int v_err_unfiltered(struct vctx *c, const struct pinhole_loc *loc, int family,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void v_validate_root(struct vctx *c, const struct ynode *root);
void v_vctx_free(struct vctx *c);

/* validate_hosts.c */
void v_host_entry(struct vctx *c, const struct ynode *k,
		  const struct ynode *hv);
int v_do_hosts(struct vctx *c, const struct field *f);
void v_do_ipv4(struct vctx *c, const struct field *f);

/* validate_pinholes.c */
int v_parse_pinhole(struct vctx *c, size_t idx, const struct ynode *v);
int v_do_pinholes(struct vctx *c, const struct field *f);

/* validate_repeats.c */
void v_drop_name_maps(struct vctx *c);
void v_warn_repeats(struct vctx *c, const bool *ok);
/* After everything: pinholes to ULA hosts that defaults.bogons closes. */
void v_warn_bogon_ula(struct vctx *c);

#endif
