// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Streaming validation (validate.h): hosts and pinholes validated while
 * the YAML is still being read (ydoc_stream), warnings held back until
 * the policy is known to have no error.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "mem.h"
#include "pinhole.h"
#include "strmap.h"
#include "validate.h"
#include "validate_int.h"
#include "ydoc.h"

struct policy_stream {
	struct vctx c;
};

/*
 * Room for every host and pinhole a text of @len bytes can hold (a pinhole
 * item takes at least 11 bytes, "- ports: 1\n"; a host 12), reserved but
 * not touched: the arrays then never move, so no copy and no page is
 * faulted in twice. Bounded so that a huge text reserves no more than a
 * few hundred MiB of address space.
 */
static void stream_reserve(struct vctx *c, size_t len)
{
	size_t n_ph = len / 11 + 64, n_h = len / 12 + 64;

	if (n_ph > (1u << 20))
		n_ph = 1u << 20;
	if (n_h > (1u << 20))
		n_h = 1u << 20;
	c->p->pinholes = malloc(n_ph * sizeof(*c->p->pinholes));
	c->ok = malloc(n_ph * sizeof(*c->ok));
	c->p->hosts = malloc(n_h * sizeof(*c->p->hosts));
	c->host_bad = malloc(n_h * sizeof(*c->host_bad));
	c->cap_pinholes = c->p->pinholes ? n_ph : 0;
	c->cap_ok = c->ok ? n_ph : 0;
	c->cap_hosts = c->p->hosts ? n_h : 0;
	c->cap_host_bad = c->host_bad ? n_h : 0;
}

struct policy_stream *policy_stream_new(struct pinhole_policy *p,
					struct pinhole_diag *scratch,
					size_t len)
{
	struct policy_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->c.p = p;
	s->c.d = scratch;
	s->c.stream = true;
	stream_reserve(&s->c, len);
	strmap_init(&s->c.zones);
	strmap_init(&s->c.hosts);
	strmap_init(&s->c.names);
	return s;
}

void policy_stream_free(struct policy_stream *s)
{
	if (!s)
		return;
	v_vctx_free(&s->c);
	free(s);
}

/* The value of the root key @name among the completed pairs, or NULL. */
static const struct ynode *root_value(struct ynode *const *root, size_t n,
				      const char *name, const struct ynode **key)
{
	for (size_t i = 0; i + 1 < n; i += 2) {
		if (root[i]->kind == YN_SCALAR && !strcmp(root[i]->str, name)) {
			*key = root[i];
			return root[i + 1];
		}
	}
	return NULL;
}

/* Zones, once, before the first section that depends on them. */
static void stream_zones(struct vctx *c, struct ynode *const *root, size_t n)
{
	struct field f = { .name = "zones" };

	if (c->zones_done)
		return;
	f.val = root_value(root, n, "zones", &f.key);
	if (!f.val)
		return;
	v_do_zones(c, &f);
	c->zones_done = true;
}

/* families:, once, before hosts or pinholes (they are checked against it). */
static void stream_families(struct vctx *c, struct ynode *const *root, size_t n)
{
	struct field f = { .name = "families" };

	if (c->families_done)
		return;
	f.val = root_value(root, n, "families", &f.key);
	if (f.val)
		v_do_families(c, &f);
}

/* Room for entry @n. */
static bool grow_array(struct vctx *c, void **a, size_t *cap, size_t n,
		       size_t size)
{
	size_t nc;
	void *p;

	if (n < *cap)
		return true;
	nc = *cap ? *cap * 2 : 64;
	p = realloc(*a, nc * size);
	if (!p) {
		c->oom = true;
		return false;
	}
	*a = p;
	*cap = nc;
	return true;
}

/*
 * The arrays a stream fills grow by doubling; map their pages a window
 * ahead of the next entry (mem_prefault()) rather than one fault at a time.
 */
#define FILL_AHEAD (256u << 10)

static void fill_ahead(void *base, size_t used, size_t cap, struct ahead *a)
{
	size_t end;

	if (a->cap != cap) {
		a->cap = cap;		/* grown, maybe moved: from here on */
		a->mapped = 0;
	}
	if (used < a->mapped)
		return;
	end = used + FILL_AHEAD < cap ? used + FILL_AHEAD : cap;
	mem_prefault((char *)base + used, end - used);
	a->mapped = end;
}

static int stream_host(struct vctx *c, struct ynode *const *root, size_t n,
		       const struct ynode *key, const struct ynode *val)
{
	struct pinhole_policy *p = c->p;

	/* what the tree would refuse (check_keys in ydoc.c): no streaming */
	if (!key || key->kind != YN_SCALAR ||
	    (key->plain && !strcmp(key->str, "<<")) || c->pinholes_streamed)
		return -1;
	if (!c->hosts_streamed) {
		stream_zones(c, root, n);
		stream_families(c, root, n);
		c->hosts_streamed = true;
	}
	if (!grow_array(c, (void **)&p->hosts, &c->cap_hosts, p->n_hosts,
			sizeof(*p->hosts)) ||
	    !grow_array(c, (void **)&c->host_bad, &c->cap_host_bad, p->n_hosts,
			sizeof(*c->host_bad)))
		return -1;
	fill_ahead(p->hosts, p->n_hosts * sizeof(*p->hosts),
		   c->cap_hosts * sizeof(*p->hosts), &c->hosts_ahead);
	/* zeroed one at a time: the capacity beyond stays untouched */
	memset(&p->hosts[p->n_hosts], 0, sizeof(*p->hosts));
	c->host_bad[p->n_hosts] = false;
	v_host_entry(c, key, val);
	return c->failed || c->oom ? -1 : 1;
}

static int stream_pinhole(struct vctx *c, struct ynode *const *root, size_t n,
			  const struct ynode *item)
{
	struct pinhole_policy *p = c->p;
	size_t i = p->n_pinholes;

	if (c->pinholes_kept)
		return 0;
	if (!c->pinholes_streamed) {
		const struct ynode *hk, *hv = root_value(root, n, "hosts", &hk);

		/* pinholes need every host: stream only when the hosts came first */
		if (!hv && !c->hosts_streamed) {
			c->pinholes_kept = true;
			return 0;
		}
		stream_zones(c, root, n);
		stream_families(c, root, n);
		if (!c->hosts_streamed) {
			struct field f = { .name = "hosts", .key = hk, .val = hv };

			v_do_hosts(c, &f);
		}
		c->hosts_done = true;
		c->pinholes_streamed = true;
		if (c->failed || c->oom)
			return -1;
	}
	if (!grow_array(c, (void **)&p->pinholes, &c->cap_pinholes, i,
			sizeof(*p->pinholes)) ||
	    !grow_array(c, (void **)&c->ok, &c->cap_ok, i, sizeof(*c->ok)))
		return -1;
	fill_ahead(p->pinholes, i * sizeof(*p->pinholes),
		   c->cap_pinholes * sizeof(*p->pinholes), &c->pinholes_ahead);
	memset(&p->pinholes[i], 0, sizeof(*p->pinholes));
	p->n_pinholes++;
	c->ok[i] = v_parse_pinhole(c, i, item) == 0;
	return c->failed || c->oom ? -1 : 1;
}

int policy_stream_child(void *ctx, struct ynode *const *root, size_t n_root,
			const struct ynode *parent, const struct ynode *key,
			const struct ynode *node)
{
	struct vctx *c = &((struct policy_stream *)ctx)->c;
	const struct ynode *rk = root[n_root - 1];

	if (c->failed || c->oom)
		return -1;
	if (rk->kind != YN_SCALAR)
		return 0;
	if (parent->kind == YN_MAP && !strcmp(rk->str, "hosts"))
		return stream_host(c, root, n_root - 1, key, node);
	if (parent->kind == YN_SEQ && !strcmp(rk->str, "pinholes"))
		return stream_pinhole(c, root, n_root - 1, node);
	return 0;
}

int policy_stream_finish(struct policy_stream *s, const struct ynode *root,
			 struct pinhole_diag *d)
{
	struct vctx *c = &s->c;

	if (!c->failed && !c->oom)
		v_validate_root(c, root);
	if (c->oom)
		return -ENOMEM;
	if (c->failed || pinhole_diag_errors(c->d))
		return 1;
	for (size_t i = 0; i < c->n_held; i++)
		pinhole_warning(d, &c->held[i].loc, "%s", c->held[i].msg);
	return 0;
}
