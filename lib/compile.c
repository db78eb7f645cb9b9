// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Policy AST → ruleset IR (cf. nftables netlink_linearize.c, one level up).
 *
 * Shape of the table (router mode):
 *   input        base, policy drop: lo, ct state, ICMPv6, DHCP client
 *                replies, inside zones, then `iifname WAN jump input_wan`
 *   input_wan    pinholes to the router itself (`host: self`), log, final verdict
 *   forward      base, policy drop: ct state, ICMPv6, inside zones out,
 *                `ct status dnat accept`, `iifname WAN jump forward_wan`
 *   forward_wan  pinholes to LAN hosts as set lookups, log, final verdict
 *   dstnat/srcnat  IPv4 port forwards (a map) and masquerade
 * Host mode: the input chain only, with the self pinholes inline.
 *
 * Pinholes open to everyone become set elements, not rules, so the per-packet
 * cost stays flat as they grow (research/netlink.md §5, §7): exact host and
 * exact port in hash sets, ranges and subnets in interval sets, suffix hosts
 * in sets looked up with a masked address. Pinholes with `from:` are few and
 * become one rule each.
 *
 * This file is the driver of the two phases (lower.h): lower.c lowers the
 * policy to a list of branches, compile_sets.c and compile_chains.c build
 * the table from it, and the list is kept as the logical layer or freed.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pinhole.h"
#include "ast.h"
#include "compile_int.h"
#include "ir.h"
#include "lower.h"

EXPORT_SYMBOL(pinhole_ruleset_compile_flags);
int pinhole_ruleset_compile_flags(const struct pinhole_policy *p,
				  unsigned int flags, struct pinhole_diag *d,
				  struct pinhole_ruleset **out)
{
	struct branch_list l;
	struct cc cc = { .p = p, .l = &l, .d = d };
	struct pinhole_ruleset *r;
	int ret;

	*out = NULL;
	r = cc.b.r = ir_ruleset_new(p->table ? p->table : PINHOLE_DEFAULT_TABLE);
	if (!r || !(r->file = strdup(p->file))) {
		pinhole_ruleset_free(r);
		return -ENOMEM;
	}
	/* phase 1: which branches exist */
	ret = lower_policy(p, r, &l);
	if (ret)
		goto out;
	/* phase 2: the table made of them */
	cc_build_sets(&cc);
	if (p->router)
		cc_build_router_chains(&cc);
	else
		cc_build_host_chains(&cc);
	ret = cc.b.err ? cc.b.err : cc.policy_error ? -1 : 0;
	if (!ret && (flags & PINHOLE_COMPILE_PINHOLES))
		ret = lower_keep(&l, r);
out:
	lower_free(&l);
	if (ret) {
		pinhole_ruleset_free(r);
		return ret;
	}
	/*
	 * The elements are sorted once the list is gone, so the sort's scratch
	 * (24 bytes per element of the biggest set) and the list are never in
	 * memory together: that was the compiler's peak at 100,000 pinholes.
	 */
	cc_finish_sets(&cc);
	*out = r;
	return 0;
}

EXPORT_SYMBOL(pinhole_ruleset_compile);
int pinhole_ruleset_compile(const struct pinhole_policy *p, struct pinhole_diag *d,
			    struct pinhole_ruleset **out)
{
	return pinhole_ruleset_compile_flags(p, PINHOLE_COMPILE_PINHOLES, d, out);
}
