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
 * This file holds the compiler's entry points; the named sets are built in
 * compile_sets.c, the chains in compile_chains.c (with the rule builder of
 * rule_build.c) and the logical pinholes in compile_logical.c.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pinhole.h"
#include "ast.h"
#include "compile.h"
#include "compile_int.h"
#include "ir.h"

EXPORT_SYMBOL(pinhole_ruleset_compile_flags);
int pinhole_ruleset_compile_flags(const struct pinhole_policy *p,
				  unsigned int flags, struct pinhole_diag *d,
				  struct pinhole_ruleset **out)
{
	struct cc cc = { .p = p, .d = d };

	*out = NULL;
	cc.b.r = ir_ruleset_new(p->table ? p->table : "pinhole");
	cc.names = calloc(p->n_pinholes ? p->n_pinholes : 1, sizeof(*cc.names));
	if (!cc.b.r || !cc.names || !(cc.b.r->file = strdup(p->file))) {
		pinhole_ruleset_free(cc.b.r);
		free(cc.names);
		return -ENOMEM;
	}
	if (flags & PINHOLE_COMPILE_PINHOLES) {
		cc_record_pinholes(&cc);
		cc.b.r->has_pinholes = true;
	}
	if (p->router)
		cc_compile_router_mode(&cc);
	else
		cc_compile_host_mode(&cc);
	free(cc.names);
	if (cc.b.err || cc.policy_error) {
		pinhole_ruleset_free(cc.b.r);
		return cc.b.err ? cc.b.err : -1;
	}
	*out = cc.b.r;
	return 0;
}

EXPORT_SYMBOL(pinhole_ruleset_compile);
int pinhole_ruleset_compile(const struct pinhole_policy *p, struct pinhole_diag *d,
			    struct pinhole_ruleset **out)
{
	return pinhole_ruleset_compile_flags(p, PINHOLE_COMPILE_PINHOLES, d, out);
}
