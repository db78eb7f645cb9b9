/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_AST_H
#define PINHOLE_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loc.h"

/*
 * The policy as the user wrote it, after validation: every node carries the
 * location of the YAML node it came from. A tree with single owners; freed by
 * pinhole_policy_free().
 */

enum ph_defaults_verdict {
	PH_V_DROP,
	PH_V_REJECT,
	PH_V_ACCEPT,
};

enum ph_icmpv6_mode {
	PH_ICMPV6_RFC4890,
	PH_ICMPV6_STRICT,
};

enum ph_family {
	PH_FAM_ANY,
	PH_FAM_IPV6,
	PH_FAM_IPV4,
};

enum ph_proto {
	PH_PROTO_TCP = 1 << 0,
	PH_PROTO_UDP = 1 << 1,
};

enum ph_addr6_kind {
	PH_ADDR6_NONE,		/* host has no ipv6 */
	PH_ADDR6_EXACT,		/* one address, /128 */
	PH_ADDR6_SUBNET,	/* addr/plen, host bits zero */
	PH_ADDR6_SUFFIX,	/* ::X/-N: the last N bits of any address */
};

/**
 * struct ph_prefix - an address or prefix of either family
 * @family: 4 or 6
 * @addr: network byte order; IPv4 uses the first 4 bytes
 * @plen: prefix length (32/128 for one address)
 * @loc: where it was written
 */
struct ph_prefix {
	int family;
	uint8_t addr[16];
	unsigned int plen;
	struct pinhole_loc loc;
};

/**
 * struct ph_addr6 - a host's IPv6 address
 * @kind: exact, subnet or interface-ID suffix
 * @addr: the address, network (masked to @plen for subnets) or suffix bits
 * @plen: subnet prefix length; for a suffix, N in ::X/-N (bits kept at the end)
 */
struct ph_addr6 {
	enum ph_addr6_kind kind;
	uint8_t addr[16];
	unsigned int plen;
};

struct ph_zone {
	char *name;
	char **ifnames;		/* as written; a trailing '*' is a prefix wildcard */
	struct pinhole_loc *ifname_locs;
	size_t n_ifnames;
	bool outside;		/* faces the internet: `outside:`, or the
				   zone named "wan" */
	/* inside zones: `reach:` (indexes into policy zones; has_reach false:
	   every zone, the outside ones per defaults.outbound) and `input:` */
	uint32_t *reach;
	size_t n_reach;
	bool has_reach;
	enum ph_defaults_verdict input;	/* accept (default) | drop | reject */
	/* `mss_clamp:` SYNs forwarded into or out of the zone get their MSS
	   clamped to the route MTU (default: outside zones) */
	bool mss_clamp;
	struct pinhole_loc loc;
};

/*
 * Hosts and pinholes keep the locations later stages point at (the node
 * itself, a pinhole's name and external_ports); the ones only validation
 * needs stay in validate_int.h. At 100,000 pinholes every byte here is 100 KB.
 */
struct ph_host {
	char *name;		/* in the policy's arena */
	struct ph_addr6 ipv6;
	bool has_ipv4;
	uint8_t ipv4[4];
	int zone;		/* index into policy zones, -1 = not given */
	struct pinhole_loc loc;
};

/** struct ph_portrange - inclusive port range, host byte order */
struct ph_portrange {
	uint16_t lo, hi;
	struct pinhole_loc loc;
};

struct ph_pinhole {
	char *name;			/* given or "<host>-<first port>"; arena */
	struct ph_portrange *ports;	/* in the policy's arena */
	size_t n_ports;
	struct ph_prefix *from;		/* n_from == 0: any */
	size_t n_from;
	struct ph_portrange *ext_ports;	/* IPv4 forwards; n_ext == 0: same as
					   ports; arena */
	size_t n_ext;
	struct pinhole_loc loc;		/* the list item */
	struct pinhole_loc ext_loc;	/* external_ports: value, or @loc */
	struct pinhole_loc name_loc;	/* the name: value, or @loc if defaulted */
	int host;			/* index into policy hosts; -1 = self */
	unsigned int protos;		/* enum ph_proto bits */
	enum ph_family family;
	bool name_given;
	bool log;			/* `log: true`: log the connections it accepts */
};

struct ph_defaults {
	enum ph_defaults_verdict inbound;	/* drop | reject */
	enum ph_defaults_verdict outbound;	/* accept | drop */
	enum ph_defaults_verdict input;		/* drop | reject | accept */
	enum ph_icmpv6_mode icmpv6;
	bool log;
	enum ph_defaults_verdict ping;		/* accept | drop (SPEC §6.3) */
	struct pinhole_loc ping_loc;		/* its value; line 0: default */
	/* defaults.log_rate: @log_rate log lines per @log_unit seconds (1,
	   60, 3600, 86400), for every log rule; default 10/minute */
	uint32_t log_rate;
	uint32_t log_unit;
	/* bogons: (SPEC 6.3), default true; its value, line 0 when not given */
	bool bogons;
	struct pinhole_loc bogons_loc;
};

/**
 * struct pinhole_policy - a parsed and validated policy
 * @file: the name used in diagnostics
 * @router: zones were given (router mode); false = host mode
 * @masquerade: ipv4.masquerade (already defaulted: true when any host has ipv4)
 * @unfiltered: the families families: leaves out (PH_FAMBIT() bits), which
 *	pinhole's chains accept at once; 0 = both filtered (the default)
 * @families_loc: the families: value, line 0 when not given
 */
struct arena_block;

struct pinhole_policy {
	char *file;
	struct arena_block *arena;	/* host and pinhole names, port lists */
	unsigned int version;
	char *table;
	bool router;
	struct ph_zone *zones;
	size_t n_zones;
	struct ph_defaults defaults;
	struct ph_host *hosts;
	size_t n_hosts;
	struct ph_pinhole *pinholes;
	size_t n_pinholes;
	bool masquerade;
	struct pinhole_loc masquerade_loc;
	unsigned int unfiltered;
	struct pinhole_loc families_loc;
	/*
	 * ipv4.reflection (default true; it takes effect where an IPv4
	 * forward exists) and ipsec: (default false), SPEC §6.3; their
	 * values' locations, line 0 when not given
	 */
	bool reflection;
	struct pinhole_loc reflection_loc;
	bool ipsec;
	struct pinhole_loc ipsec_loc;
};

/* The bit of family 4 or 6 in pinhole_policy.unfiltered. */
#define PH_FAMBIT(family) (1u << ((family) == 6 ? PH_FAM_IPV6 : PH_FAM_IPV4))

/* Does @p filter @family (4 or 6)? SPEC §6.2: a family not listed is left alone. */
static inline bool ph_filters(const struct pinhole_policy *p, int family)
{
	return !(p->unfiltered & PH_FAMBIT(family));
}

#endif
