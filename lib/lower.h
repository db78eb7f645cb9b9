/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_LOWER_H
#define PINHOLE_LOWER_H

/*
 * The compiler runs in two phases:
 *
 *  1. Lower (lower.c): the validated policy becomes a flat list of
 *     branches. A branch is one pinhole in one address family, with what
 *     the table needs already worked out: where it goes (the machine
 *     itself, or one host's address, subnet or suffix), its ports and,
 *     for an IPv4 forward, the outside ports they are reached on, the
 *     from: prefixes of that family, its zone and whether it is a DNAT.
 *     lower_policy() is the only place that decides which branches exist:
 *     a family the policy does not filter (families:), one the pinhole
 *     does not ask for, a host with no address of that family, and a
 *     from: with no prefix of that family make none.
 *     Branches keep the policy's order, IPv6 before IPv4 within a pinhole.
 *
 *  2. Build (compile.c drives it): compile_sets.c turns the branches open
 *     to everyone into set elements, compile_chains.c writes the chains
 *     around those sets and one rule for each branch with from:. Both walk
 *     the list in order; neither reads the policy's pinholes again.
 *
 * The list is also what `pinhole uci` prints: with PINHOLE_COMPILE_PINHOLES
 * lower_keep() copies it into the ruleset as its logical layer (struct
 * ir_pinhole, uci.c); otherwise it is freed as soon as the table is built.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena_block;
struct ph_pinhole;
struct ph_portrange;
struct ph_prefix;
struct ph_zone;
struct pinhole_policy;
struct pinhole_ruleset;

/**
 * struct branch - one pinhole in one address family
 * @ph: the pinhole as written: its protocols, and the locations that rules
 *	and errors point at (loc, ext_loc)
 * @name: its name, the copy in the ruleset's pool (shared by every element
 *	and logical entry of the pinhole)
 * @ports: destination ports, @n_ports of them; for an IPv4 forward the
 *	host's side
 * @ext: for an IPv4 forward, the ports on the router's outside address,
 *	same count (the pinhole's external_ports, or @ports itself); else @ports
 * @from: the pinhole's source prefixes of @family, @n_from of them; none
 *	means from anywhere
 * @addr: destination, IPv6 (16 bytes) or IPv4 (4); NULL for the machine
 *	itself
 * @dest_zone: index of the inside zone @addr is in, -1 for the machine
 *	itself or a host in no inside zone
 * @family: 4 or 6
 * @kind: enum ir_ph_kind: the machine itself, or how @addr is meant
 * @plen: the subnet's prefix length, N of a ::X/-N suffix, 128 or 32 for
 *	one address
 * @dnat: an IPv4 port forward to @addr (router mode)
 *
 * Everything is borrowed from the policy (the pointers into it) or from the
 * ruleset (@name), except a @from that had to be filtered to one family:
 * that belongs to the list. 64 bytes: at 100,000 pinholes the list is
 * ~6.5 MiB, alive only while the table is built (compile.c).
 */
struct branch {
	const struct ph_pinhole *ph;
	const char *name;
	const struct ph_portrange *ports, *ext;
	const struct ph_prefix *from;
	const uint8_t *addr;
	uint32_t n_ports, n_from;
	int32_t dest_zone;
	uint8_t family;
	uint8_t kind;
	uint8_t plen;
	bool dnat;
};

/**
 * struct branch_list - the lowered policy
 * @p: the policy it was lowered from (borrowed; it must outlive the list)
 * @v: the branches, @n of them
 * @dnat: some pinhole forwards IPv4 to a host: the table gets a dstnat
 *	chain, and forward accepts what it translated. Set also by a forward
 *	whose from: leaves it no IPv4 source (and so no IPv4 branch).
 * @pool: the @from lists filtered to one family
 */
struct branch_list {
	const struct pinhole_policy *p;
	struct branch *v;
	size_t n;
	bool dnat;
	struct arena_block *pool;
};

#define for_each_branch(l, b) \
	for (const struct branch *b = (l)->v; b < (l)->v + (l)->n; b++)

/**
 * lower_policy - the branches of the validated policy @p
 * @r: the ruleset being compiled; the names are copied into its pool
 * @l: out; free it with lower_free(), also after an error
 *
 * Returns 0 or -ENOMEM.
 */
int lower_policy(const struct pinhole_policy *p, struct pinhole_ruleset *r,
		 struct branch_list *l);

/**
 * lower_keep - make @l the logical layer of @r (PINHOLE_COMPILE_PINHOLES)
 *
 * One ir_pinhole per branch, in order, with its own copies in @r's pool:
 * the ruleset borrows nothing from the policy or the list afterwards.
 * Returns 0 or -ENOMEM.
 */
int lower_keep(const struct branch_list *l, struct pinhole_ruleset *r);

/* Free what @l owns (not the branches' borrowed parts). */
void lower_free(struct branch_list *l);

#endif
