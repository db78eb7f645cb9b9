/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_EVAL_H
#define PINHOLE_EVAL_H

/*
 * The evaluator: what the ruleset IR does with the first packet of a new
 * connection (SPEC §6.4). It walks the base chains that packet meets in
 * the kernel's order (prerouting: nat and filter by priority; then input
 * when the destination is the machine's own, else forward), follows jumps
 * and returns, looks up named and anonymous sets (masks, intervals,
 * concatenations) and DNAT maps, and stops at the first verdict or the
 * chain policy. Whatever it cannot know exactly (a rule nl_decode did not
 * recognise, a foreign object, a field the packet does not define, a rate
 * limit before a verdict, the outgoing interface) gives EV_UNKNOWN with
 * the rule it stopped at: it never guesses.
 */
#include <stdbool.h>
#include <stdint.h>

struct pinhole_ruleset;
struct ir_chain;
struct ir_rule;
struct ir_set;
struct ir_elem;

/**
 * struct ev_packet - the first packet of a new connection
 * @family: 4 or 6
 * @iif: the interface it comes in on, NUL-padded; empty: one no rule
 *	names (evaluated as the impossible name "/")
 * @oif: the interface the forward path sends it out of; empty: unknown
 *	(an oifname match is then unknown)
 * @saddr, @daddr: network order; IPv4 in the first 4 bytes
 * @daddr_known: false for `--to self` without an address: a match on the
 *	destination address is then unknown
 * @proto: IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMPV6 (echo request) or
 *	IPPROTO_ICMP (echo request)
 * @sport, @dport: host order (tcp, udp)
 * @local: the destination is one of the machine's addresses (fib daddr
 *	type local; the input path)
 * @local_iif: with @local, the address is one of the input interface's
 *	(fib daddr . iif type local): the router's LAN address from the
 *	LAN, or `--to self`; false for its outside address reached from
 *	inside (NAT reflection)
 * @hoplimit: IPv6 hop limit / IPv4 TTL as it arrives
 */
struct ev_packet {
	uint8_t family;
	char iif[16];
	char oif[16];
	uint8_t saddr[16], daddr[16];
	bool daddr_known;
	uint8_t proto;
	uint16_t sport, dport;
	bool local;
	bool local_iif;
	uint8_t hoplimit;
};

enum ev_verdict {
	EV_ACCEPT,
	EV_DROP,
	EV_REJECT,
	EV_UNKNOWN,
};

/**
 * struct ev_result - what happened
 * @verdict: the outcome
 * @chain: the chain of @rule, or whose policy decided
 * @rule: the deciding rule (for EV_UNKNOWN: the one that could not be
 *	evaluated); NULL when @chain's policy decided (or a foreign table)
 * @rule_index: @rule's position in @chain, from 0
 * @set, @elem: the set element that made @rule match, if a lookup did
 * @dnat: prerouting DNAT changed the destination to @dnat_addr
 *	(and @dnat_port, 0: kept)
 * @dnat_chain, @dnat_rule, @dnat_set, @dnat_elem: what did it
 * @why: EV_UNKNOWN: a static phrase saying what could not be known
 */
struct ev_result {
	enum ev_verdict verdict;
	const struct ir_chain *chain;
	const struct ir_rule *rule;
	size_t rule_index;
	const struct ir_set *set;
	const struct ir_elem *elem;
	bool dnat;
	uint8_t dnat_addr[4];
	uint16_t dnat_port;
	const struct ir_chain *dnat_chain;
	const struct ir_rule *dnat_rule;
	const struct ir_set *dnat_set;
	const struct ir_elem *dnat_elem;
	const char *why;
};

/* Evaluate @p against @r; fills @out (borrowing from @r). Never fails. */
void ev_run(const struct pinhole_ruleset *r, const struct ev_packet *p,
	    struct ev_result *out);

const char *ev_verdict_name(enum ev_verdict v);

#endif
