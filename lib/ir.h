/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_IR_H
#define PINHOLE_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loc.h"

/*
 * The ruleset IR: one in-memory description of the `inet <table>` pinhole
 * owns. Every output is printed from it: nft text (emit.c), libnftnl
 * objects (nl_build.c), and the kernel's copy decoded back (nl_decode.c)
 * for `diff` and `status`.
 *
 * Design rule: each IR construct maps to exactly one bytecode sequence and
 * one nft text, both ways. Protocol dependencies (meta nfproto, meta
 * l4proto) are explicit matches in the rule, never implied, so the text
 * `nft -f` loads produces the same bytecode as our own linearisation.
 *
 * Values are stored as the kernel's registers hold them: packet fields in
 * network byte order, meta/ct values in host byte order, interface names as
 * 16 NUL-padded bytes.
 */

enum ir_field {
	IR_F_NFPROTO,		/* meta nfproto, 1 byte */
	IR_F_L4PROTO,		/* meta l4proto, 1 byte */
	IR_F_IIFNAME,		/* meta iifname, 16 bytes */
	IR_F_OIFNAME,		/* meta oifname, 16 bytes */
	IR_F_CT_STATE,		/* ct state, 4 bytes host order bitmask */
	IR_F_CT_STATUS,		/* ct status, 4 bytes host order bitmask */
	IR_F_IP_SADDR,		/* payload nh+12, 4 */
	IR_F_IP_DADDR,		/* payload nh+16, 4 */
	IR_F_IP6_SADDR,		/* payload nh+8, 16 */
	IR_F_IP6_DADDR,		/* payload nh+24, 16 */
	IR_F_IP6_HOPLIMIT,	/* payload nh+7, 1 */
	IR_F_ICMPV6_TYPE,	/* payload th+0, 1 */
	IR_F_ICMPV6_CODE,	/* payload th+1, 1 */
	IR_F_TH_DPORT,		/* payload th+2, 2 */
	IR_F_FIB_DADDR_TYPE,	/* fib daddr type, 4 bytes host order (RTN_*) */
	/*
	 * fib daddr . iif type: the type the address has on the input
	 * interface (local only for an address of that interface)
	 */
	IR_F_FIB_DADDR_IIF_TYPE,
	/*
	 * icmp type, payload th+0, 1: the bytecode of icmpv6 type; the decoder
	 * tells them apart by the rule's `meta l4proto icmp`
	 */
	IR_F_ICMP_TYPE,
	IR_F_TCP_FLAGS,		/* payload th+13, 1 (tcp flags) */
	IR_F_RT_TYPE,		/* rt type: exthdr ipv6 43 + 2, 1 byte */
	__IR_F_MAX
};

/* nft datatypes (nftables include/datatype.h); the kernel stores set key types */
enum ir_type {
	IR_T_INTEGER = 4,
	IR_T_NFPROTO = 2,
	IR_T_IPADDR = 7,
	IR_T_IP6ADDR = 8,
	IR_T_INET_PROTO = 12,
	IR_T_INET_SERVICE = 13,
	IR_T_ICMP_TYPE = 14,
	IR_T_CT_STATE = 26,
	IR_T_CT_STATUS = 28,
	IR_T_ICMP6_TYPE = 29,
	IR_T_ICMPV6_CODE = 33,
	IR_T_FIB_ADDR = 38,
	IR_T_IFNAME = 41,
	IR_T_TCP_FLAG = 15,
};

/* Bits of tcp flags (IR_F_TCP_FLAGS), as the header holds them */
enum ir_tcp_flag {
	IR_TCP_FIN = 0x01,
	IR_TCP_SYN = 0x02,
	IR_TCP_RST = 0x04,
	IR_TCP_ACK = 0x10,
};

enum ir_load {
	IR_LOAD_META,
	IR_LOAD_CT,
	IR_LOAD_PAYLOAD,
	IR_LOAD_FIB,		/* key: NFT_FIB_RESULT_*, base: NFTA_FIB_F_* flags */
	IR_LOAD_EXTHDR,		/* IPv6 extension header: key its type (IPPROTO_*),
				   base NFT_EXTHDR_OP_IPV6,
				   offset/len in it; a packet without that header
				   breaks the rule (no NFT_EXTHDR_F_PRESENT) */
};

/**
 * struct ir_field_desc - how a field is loaded, printed and typed
 * @nft: its nft text ("ip6 daddr")
 * @load: meta, ct or payload
 * @key: NFT_META_* or NFT_CT_* for meta/ct loads
 * @base: NFT_PAYLOAD_*_HEADER for payload loads
 * @offset: payload offset in bytes
 * @len: value length in bytes
 * @type: nft datatype
 */
struct ir_field_desc {
	const char *nft;
	enum ir_load load;
	uint32_t key;
	uint32_t base;
	uint32_t offset;
	uint32_t len;
	enum ir_type type;
};

const struct ir_field_desc *ir_field(enum ir_field f);

#define IR_VAL_MAX	16	/* one field value */
#define IR_CONCAT_MAX	4	/* fields in one concatenated key */
/*
 * The longest concatenated key (fields padded to 4 bytes) pinhole builds:
 * ipv6_addr . inet_proto . inet_service. Every element holds two keys, so
 * this is most of the IR at 100,000 pinholes; a live set with longer keys
 * is not one of pinhole's (nl_decode_set.c records it as foreign).
 */
#define IR_KEY_MAX	24
#define IR_DATA_MAX	8	/* map data: ipv4_addr . inet_service */
#define IR_NAME_MAX	32	/* set and chain names */
#define IR_LOG_PREFIX_MAX 128	/* log prefix with its NUL (NF_LOG_PREFIXLEN) */

/**
 * struct ir_key - one component of a (possibly concatenated) key
 * @field: what is loaded
 * @masked: the loaded value is ANDed with @mask before use
 * @mask: the mask, ir_field(field)->len bytes
 */
struct ir_key {
	enum ir_field field;
	bool masked;
	uint8_t mask[IR_VAL_MAX];
};

/* [lo, hi] of the prefix @addr/@plen of a @len-byte value (network order). */
void ir_prefix_range(const uint8_t *addr, unsigned int plen, unsigned int len,
		     uint8_t *lo, uint8_t *hi);
/* The mask of the last @n bits of an IPv6 address: the key mask of ::X/-N. */
void ir_suffix_mask(unsigned int n, uint8_t mask[16]);
/* @port as th dport holds it: 2 bytes, network order. */
void ir_port_bytes(uint16_t port, uint8_t *b);

/*
 * Bits of the ct state and ct status values (IR_OP_FLAGS matches), the
 * kernel's: NF_CT_STATE_*_BIT and enum ip_conntrack_status in
 * linux/netfilter/nf_conntrack_common.h (ir.c checks them against it).
 */
enum ir_ct_state {
	IR_CT_STATE_INVALID	= 1 << 0,
	IR_CT_STATE_ESTABLISHED	= 1 << 1,
	IR_CT_STATE_RELATED	= 1 << 2,
	IR_CT_STATE_NEW		= 1 << 3,
	IR_CT_STATE_UNTRACKED	= 1 << 6,
};

enum ir_ct_status {
	IR_CT_STATUS_DNAT	= 1 << 5,	/* IPS_DST_NAT */
};

/* Length of a concatenated key: every component padded to 4 bytes. */
unsigned int ir_keys_len(const struct ir_key *keys, unsigned int n);
/* Offset of component @i inside such a key. */
unsigned int ir_keys_off(const struct ir_key *keys, unsigned int i);

/**
 * struct ir_elem - one element of a set or map
 * @key: lower bound, register layout (components padded to 4 bytes)
 * @key_end: upper bound, inclusive; equal to @key for exact elements
 * @data: map data (maps only), register layout
 * @comment: owned; NULL for none (the pinhole's name)
 *
 * Counters are not here: only decoded sets have them (ir_set.counters).
 */
struct ir_elem {
	uint8_t key[IR_KEY_MAX];
	uint8_t key_end[IR_KEY_MAX];
	uint8_t data[IR_DATA_MAX];
	char *comment;
};

struct ir_counter {
	uint64_t packets, bytes;
};

/*
 * What a named set of a compiled table is for, set by the compiler where it
 * creates the set; the chains look their sets up by it, not by name.
 * Anonymous and decoded sets have IR_SET_ROLE_NONE.
 */
enum ir_set_role {
	IR_SET_ROLE_NONE,
	IR_SET_ROLE_IN6,	/* in6: proto . port to the machine itself, IPv6 */
	IR_SET_ROLE_IN4,	/* in4: the same, IPv4 */
	IR_SET_ROLE_PIN6,	/* pin6: exact address . proto . port */
	IR_SET_ROLE_PIN6R,	/* pin6r: exact address . proto . port range */
	IR_SET_ROLE_NET6,	/* net6: subnet . proto . port (range) */
	IR_SET_ROLE_SFX,	/* sfxN: masked suffix . proto . port */
	IR_SET_ROLE_SFXR,	/* sfxNr: masked suffix . proto . port range */
	IR_SET_ROLE_FWD4,	/* fwd4: map proto . port : address . port */
	IR_SET_ROLE_FWD4R,	/* fwd4r: map proto . port range : address */
};

enum ir_set_flags {
	IR_SET_ANON = 1 << 0,		/* anonymous constant set of one rule */
	IR_SET_INTERVAL = 1 << 1,	/* elements may be ranges */
	IR_SET_MAP = 1 << 2,		/* elements carry data */
	IR_SET_COUNTER = 1 << 3,	/* per-element counters */
};

/**
 * struct ir_set - a named set/map of the table, or an anonymous set of a rule
 * @name: empty for anonymous sets
 * @keys: key components; for a lookup, the rule's keys must equal these
 * @flags: enum ir_set_flags
 * @data: map data types (IR_T_IPADDR [, IR_T_INET_SERVICE])
 * @elems: the elements, in emission order (sorted by key by the compiler)
 * @counters: decoded sets with per-element counters: one per element, room
 *	for @cap_elems (ir_set_add_elem() keeps it so, ir_set_sort() moves them
 *	with their elements); NULL otherwise
 * @size: the declared `size` (NFTA_SET_DESC_SIZE); 0 for none
 * @id: transaction id assigned by the netlink builder
 * @pooled_comments: the elements' comments belong to the ruleset's string
 *	pool (the compiler's sets), not to the elements
 * @role: enum ir_set_role
 */
struct ir_set {
	char name[IR_NAME_MAX];
	enum ir_set_role role;
	unsigned int n_keys;
	struct ir_key keys[IR_CONCAT_MAX];
	unsigned int flags;
	unsigned int n_data;
	enum ir_type data[2];
	struct ir_elem *elems;
	struct ir_counter *counters;
	size_t n_elems, cap_elems;
	uint32_t size;
	uint32_t id;
	bool pooled_comments;
};

enum ir_op {
	IR_OP_EQ,	/* key == [lo, hi] (a value, a prefix or a range) */
	IR_OP_NEQ,	/* key != [lo, hi] */
	IR_OP_FLAGS,	/* (key & lo) != 0: ct state established,related */
	IR_OP_LOOKUP,	/* key . key . ... @set (or an anonymous { ... }) */
};

/**
 * struct ir_match - one match of a rule
 * @n_keys: number of components (> 1 only for lookups)
 * @keys: the loaded key
 * @op: comparison
 * @lo: value, or lower bound (EQ/NEQ/FLAGS), ir_field(keys[0])->len bytes
 * @hi: upper bound, inclusive; equal to @lo for one value
 * @prefix_len: for a string field, compare only this many bytes (the `eth*`
 *	wildcard); 0 = the whole field
 * @set: LOOKUP: a named set of the ruleset (borrowed) or, with
 *	IR_SET_ANON, an anonymous set owned by this match
 */
struct ir_match {
	unsigned int n_keys;
	struct ir_key keys[IR_CONCAT_MAX];
	enum ir_op op;
	uint8_t lo[IR_VAL_MAX], hi[IR_VAL_MAX];
	unsigned int prefix_len;
	struct ir_set *set;
};

enum ir_stmt_type {
	IR_S_COUNTER,
	IR_S_LIMIT,	/* limit rate N/unit burst B packets */
	IR_S_LOG,
	IR_S_MASQ,
	IR_S_DNAT,	/* dnat ip to ADDR[:PORT] */
	IR_S_DNAT_MAP,	/* dnat ip to KEYS map @set */
	IR_S_ACCEPT,
	IR_S_DROP,
	IR_S_JUMP,
	IR_S_RETURN,
	IR_S_REJECT,	/* tcp reset or icmpx */
	IR_S_TCPMSS,	/* tcp option maxseg size set rt mtu (MSS clamping) */
	__IR_S_MAX
};

enum ir_reject {
	IR_REJECT_TCP_RST,
	IR_REJECT_ICMPX_ADMIN,	/* icmpx admin-prohibited */
};

struct ir_stmt {
	enum ir_stmt_type type;
	union {
		struct { uint64_t packets, bytes; } counter;
		struct {
			uint64_t rate;		/* per unit */
			uint64_t unit;		/* seconds: 1, 60, 3600, 86400 */
			uint32_t burst;
		} limit;
		struct { char prefix[IR_LOG_PREFIX_MAX]; } log;
		struct {
			uint8_t addr[4];	/* network order */
			uint16_t port;		/* host order; 0 = keep */
		} dnat;
		struct {
			unsigned int n_keys;
			struct ir_key keys[IR_CONCAT_MAX];
			struct ir_set *map;	/* borrowed, named */
		} dnat_map;
		struct { char chain[IR_NAME_MAX]; } jump;
		struct { enum ir_reject how; } reject;
	};
};

#define IR_RULE_MAX_MATCHES 8
#define IR_RULE_MAX_STMTS 4

/**
 * struct ir_rule - matches, then statements (the verdict last)
 * @comment: owned; NULL for none
 * @loc: the policy node the rule comes from (line 0: built in); used to
 *	map a kernel rejection back to the policy
 * @handle: kernel handle (decoded rules only)
 * @unknown: decoded rule that pinhole does not recognise; @raw holds its
 *	bytecode as text and nothing else is valid
 */
struct ir_rule {
	unsigned int n_matches;
	struct ir_match matches[IR_RULE_MAX_MATCHES];
	unsigned int n_stmts;
	struct ir_stmt stmts[IR_RULE_MAX_STMTS];
	char *comment;
	struct pinhole_loc loc;
	uint64_t handle;
	bool unknown;
	char *raw;
};

enum ir_chain_type {
	IR_CHAIN_REGULAR,
	IR_CHAIN_FILTER,
	IR_CHAIN_NAT,
};

struct ir_chain {
	char name[IR_NAME_MAX];
	enum ir_chain_type type;
	uint32_t hook;		/* NF_INET_* (base chains) */
	int32_t prio;
	uint32_t policy;	/* NF_ACCEPT / NF_DROP (base chains) */
	struct ir_rule *rules;
	size_t n_rules, cap_rules;
};

/**
 * struct ir_pinhole - one pinhole as compiled, per address family
 *
 * The logical layer of the IR: what the sets and rules of the table were made
 * from, kept for the printers that speak in pinholes rather than in nftables
 * objects (the fw4 UCI printer). Decoded kernel state has none.
 * @name: the pinhole's name (owned)
 * @loc: the pinhole's node in the policy
 * @dest_zone: the inside zone of the host (owned); NULL for the machine itself
 * @family: 4 or 6
 * @kind: how @addr is meant, for IPv6 (IPv4 hosts are always one address)
 * @addr: destination (network order; IPv4 in the first 4 bytes); unused for self
 * @plen: subnet prefix length, or N of a ::X/-N suffix
 * @protos: PH_PROTO_TCP / PH_PROTO_UDP bits
 * @ports: destination port ranges (for IPv4 forwards: the host's ports)
 * @ext: IPv4 forwards: the wan-side port ranges, same count as @ports
 * @from: source prefixes of @family ([lo, hi] in @from_lo/@from_hi); none = any
 * @dnat: an IPv4 port forward (router mode)
 * @log: `log: true`: its new connections are logged under its name
 * @pooled: the strings and arrays belong to the ruleset's pool
 */
enum ir_ph_kind {
	IR_PH_SELF,
	IR_PH_EXACT,
	IR_PH_SUBNET,
	IR_PH_SUFFIX,
};

struct ir_portrange {
	uint16_t lo, hi;
};

struct ir_pinhole {
	char *name;
	char *dest_zone;
	struct ir_portrange *ports, *ext;
	uint8_t (*from_addr)[16];
	unsigned int *from_plen;
	struct pinhole_loc loc;
	uint8_t addr[16];
	uint32_t n_ports, n_from;
	uint8_t family;
	uint8_t kind;		/* enum ir_ph_kind */
	uint8_t plen;
	uint8_t protos;
	bool dnat;
	bool log;
	bool pooled;
};

/**
 * struct ir_zone - a zone of the policy, in the logical layer (router mode)
 * @name: its name (pool)
 * @ifnames: its interface patterns as written, a trailing '*' a wildcard
 *	(pool), @n_ifnames of them
 * @outside: it faces the internet: pinholes are reached from it
 * @input: inside zones: enum ph_defaults_verdict of new connections to the
 *	router (`input:`)
 * @reach: inside zones with @has_reach: the zones (indexes) it may open
 *	connections to, @n_reach of them (pool)
 * @mss_clamp: forwarded SYNs in and out of it get their MSS clamped
 *	(`mss_clamp:`, fw4's mtu_fix)
 */
struct ir_zone {
	char *name;
	char **ifnames;
	uint32_t *reach;
	uint32_t n_ifnames, n_reach;
	uint8_t input;
	bool outside, has_reach;
	bool mss_clamp;
};

/**
 * struct ir_zone_policy - the defaults a printer of zones needs
 * @input: enum ph_defaults_verdict of new connections from outside to the
 *	router; @inbound: of those forwarded from outside (drop | reject)
 * @outbound_accept: inside zones open new connections to outside zones
 * @masq: IPv4 masquerade out of the outside zones
 * @bogons: defaults.bogons filters IPv6 from the outside zones (router mode,
 *	IPv6 filtered); @bogons_loc its value in the policy (line 0: defaulted)
 */
struct ir_zone_policy {
	uint8_t input, inbound;
	bool outbound_accept, masq;
	/*
	 * SPEC §6.3, zero being each default: @no_reflection:
	 * ipv4.reflection: false; @ping_drop: defaults.ping: drop, written at
	 * @ping_loc; @ipsec: ESP, AH and IKE pass to inside IPv6 hosts;
	 * @reflection_loc: an explicit ipv4.reflection (line 0: defaulted)
	 */
	bool no_reflection, ping_drop, ipsec;
	struct pinhole_loc ping_loc, reflection_loc;
	bool bogons;
	struct pinhole_loc bogons_loc;
};

/**
 * struct pinhole_ruleset - the table
 * @table: its name (inet family)
 * @file: the policy's file name, owned: every location in the ruleset
 *	points at it (NULL for decoded and built-in rulesets)
 * @sets: named sets and maps, declared before the chains
 * @chains: base and regular chains, in print order
 * @pinholes: the logical layer, built only on request
 *	(PINHOLE_COMPILE_PINHOLES; @has_pinholes says it was)
 * @foreign: decoded tables only: what the table holds that the IR cannot
 *	represent exactly (named objects, sets of other types or flags,
 *	table flags), one owned description each ("map \"vm\""); such a
 *	table is printed with a `# foreign:` line per entry and cannot be
 *	saved as a rollback point
 * @zones: with it, the policy's zones in its order (none in host mode),
 *	@zone_policy their defaults; everything in @pool
 */
struct arena_block;

struct pinhole_ruleset {
	char *table;
	char *file;
	struct ir_set **sets;
	size_t n_sets, cap_sets;
	struct ir_chain **chains;
	size_t n_chains, cap_chains;
	struct ir_pinhole *pinholes;
	size_t n_pinholes, cap_pinholes;
	bool has_pinholes;
	struct ir_zone *zones;
	size_t n_zones;
	struct ir_zone_policy zone_policy;
	struct arena_block *pool;
	char **foreign;
	size_t n_foreign;
	/* with the logical layer: the policy's families: (struct pinhole_policy) */
	unsigned int unfiltered;
	struct pinhole_loc families_loc;
	/* with the logical layer: defaults.log_rate, per log_unit seconds */
	uint32_t log_rate, log_unit;
};

struct pinhole_ruleset *ir_ruleset_new(const char *table);
struct ir_set *ir_set_add(struct pinhole_ruleset *r, const char *name);
struct ir_set *ir_set_find(const struct pinhole_ruleset *r, const char *name);
struct ir_set *ir_set_new_anon(void);
void ir_set_free(struct ir_set *s);
/* Append an element; returns it zeroed (key/key_end/data to fill) or NULL. */
struct ir_elem *ir_set_add_elem(struct ir_set *s);
/*
 * The `size` pinhole declares for a named set of exact elements holding
 * @n: @n rounded up to a power of two, at least 64. A set with a size
 * gets the kernel's fixed-size hash instead of the resizable one, which
 * loads ~15% faster at 20,000 pinholes and is as fast to look up; the
 * rounding leaves room for hand-added elements and keeps `diff` quiet
 * unless the count crosses a power of two.
 */
uint32_t ir_set_hash_size(size_t n);
/* Give @s per-element counters (zero); 0 or -ENOMEM. */
int ir_set_want_counters(struct ir_set *s);
/* Sort elements by (key, key_end) so output is canonical; stable. */
void ir_set_sort(struct ir_set *s);

/*
 * The ruleset's pool: strings and small arrays freed all at once with the
 * ruleset (one allocation per 64 KiB instead of several per pinhole).
 * NULL when out of memory.
 */
void *ir_pool_alloc(struct pinhole_ruleset *r, size_t size, size_t align);
char *ir_pool_strdup(struct pinhole_ruleset *r, const char *s);

struct ir_chain *ir_chain_add(struct pinhole_ruleset *r, const char *name,
			      enum ir_chain_type type, uint32_t hook,
			      int32_t prio, uint32_t policy);
struct ir_chain *ir_chain_find(const struct pinhole_ruleset *r, const char *name);
/* Append a zeroed rule; returns it or NULL. */
struct ir_rule *ir_chain_add_rule(struct ir_chain *c);
void ir_rule_clear(struct ir_rule *rule);

/* Record a foreign object of a decoded table (printf-style); 0 or -ENOMEM. */
int ir_foreign_add(struct pinhole_ruleset *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append a zeroed logical pinhole; returns it or NULL. */
struct ir_pinhole *ir_pinhole_add(struct pinhole_ruleset *r);

/* Builders for rules: return the appended part, NULL when full. */
struct ir_match *ir_rule_match(struct ir_rule *rule, enum ir_field f,
			       enum ir_op op);
struct ir_stmt *ir_rule_stmt(struct ir_rule *rule, enum ir_stmt_type t);

#endif
