// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * IR → nft text. The one printer for every textual output: `compile`, the
 * two sides of `diff` (compiled and decoded from the kernel) and golden
 * files. The text is what nft 1.0.6 parses back to exactly the bytecode
 * nl_build.c sends: dependencies are explicit in the IR, so they are
 * printed, never implied.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "pinhole.h"
#include "addr.h"
#include "emit.h"
#include "ir.h"

struct sym {
	unsigned int val;
	const char *name;
};

static const struct sym nfprotos[] = {
	{ 2, "ipv4" }, { 10, "ipv6" },
};

static const struct sym l4protos[] = {
	{ 1, "icmp" }, { 6, "tcp" }, { 17, "udp" }, { 50, "esp" }, { 51, "ah" },
	{ 58, "ipv6-icmp" },
};

/* nft's icmp_type names (the ones pinhole matches) */
static const struct sym icmp_types[] = {
	{ 0, "echo-reply" }, { 3, "destination-unreachable" },
	{ 8, "echo-request" }, { 11, "time-exceeded" },
	{ 12, "parameter-problem" },
};

static const struct sym icmp6_types[] = {
	{ 1, "destination-unreachable" }, { 2, "packet-too-big" },
	{ 3, "time-exceeded" }, { 4, "parameter-problem" },
	{ 128, "echo-request" }, { 129, "echo-reply" },
	{ 130, "mld-listener-query" }, { 131, "mld-listener-report" },
	{ 132, "mld-listener-done" }, { 133, "nd-router-solicit" },
	{ 134, "nd-router-advert" }, { 135, "nd-neighbor-solicit" },
	{ 136, "nd-neighbor-advert" }, { 137, "nd-redirect" },
	{ 138, "router-renumbering" }, { 141, "ind-neighbor-solicit" },
	{ 142, "ind-neighbor-advert" }, { 143, "mld2-listener-report" },
};

/* RTN_* route types, as nft's fib_addrtype names them */
static const struct sym fib_addrtypes[] = {
	{ 1, "unicast" }, { 2, "local" }, { 3, "broadcast" }, { 4, "anycast" },
	{ 5, "multicast" }, { 6, "blackhole" }, { 7, "unreachable" },
	{ 8, "prohibit" },
};

static const struct sym ct_states[] = {
	{ 0x1, "invalid" }, { 0x2, "established" }, { 0x4, "related" },
	{ 0x8, "new" }, { 0x40, "untracked" },
};

static const struct sym ct_statuses[] = {
	{ 0x1, "expected" }, { 0x2, "seen-reply" }, { 0x4, "assured" },
	{ 0x8, "confirmed" }, { 0x10, "snat" }, { 0x20, "dnat" },
	{ 0x200, "dying" },
};

static const struct sym tcp_flags[] = {
	{ 0x01, "fin" }, { 0x02, "syn" }, { 0x04, "rst" }, { 0x08, "psh" },
	{ 0x10, "ack" }, { 0x20, "urg" }, { 0x40, "ecn" }, { 0x80, "cwr" },
};

static const char *sym_name(const struct sym *t, size_t n, unsigned int v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].val == v)
			return t[i].name;
	return NULL;
}

#define SYM(t, v) sym_name(t, ARRAY_SIZE(t), v)

static const char *type_name(enum ir_type t)
{
	switch (t) {
	case IR_T_IPADDR:	return "ipv4_addr";
	case IR_T_IP6ADDR:	return "ipv6_addr";
	case IR_T_INET_PROTO:	return "inet_proto";
	case IR_T_INET_SERVICE:	return "inet_service";
	case IR_T_IFNAME:	return "ifname";
	case IR_T_NFPROTO:	return "nf_proto";
	case IR_T_CT_STATE:	return "ct_state";
	case IR_T_CT_STATUS:	return "ct_status";
	case IR_T_ICMP6_TYPE:	return "icmpv6_type";
	case IR_T_ICMP_TYPE:	return "icmp_type";
	case IR_T_ICMPV6_CODE:	return "icmpv6_code";
	case IR_T_INTEGER:	return "integer";
	case IR_T_FIB_ADDR:	return "fib_addrtype";
	case IR_T_TCP_FLAG:	return "tcp_flag";
	}
	return "integer";
}

/* Host-order integer of a register value of @len bytes (meta/ct fields). */
static uint32_t host_u32(const unsigned char *v, unsigned int len)
{
	uint32_t x = 0;

	if (len == 1)
		return v[0];
	if (len == 2) {
		uint16_t s;

		memcpy(&s, v, 2);
		return s;
	}
	memcpy(&x, v, 4);
	return x;
}

/* Network-order integer (payload fields). */
static uint32_t net_uint(const unsigned char *v, unsigned int len)
{
	uint32_t x = 0;

	for (unsigned int i = 0; i < len && i < 4; i++)
		x = x << 8 | v[i];
	return x;
}

static void print_flags(FILE *f, const struct sym *t, size_t n, uint32_t v)
{
	const char *sep = "";

	for (size_t i = 0; i < n; i++) {
		if (v & t[i].val) {
			fprintf(f, "%s%s", sep, t[i].name);
			sep = ",";
			v &= ~t[i].val;
		}
	}
	if (v || !*sep)
		fprintf(f, "%s0x%" PRIx32, sep, v);
}

/* Prefix length if [lo, hi] is a CIDR block of @len bytes, else -1. */
static int prefix_len(const unsigned char *lo, const unsigned char *hi,
		      unsigned int len)
{
	unsigned int bits = 0, i = 0;

	while (i < len && lo[i] == hi[i]) {
		bits += 8;
		i++;
	}
	if (i == len)
		return (int)bits;
	{
		unsigned char diff = lo[i] ^ hi[i];
		unsigned int k = 0;

		while (k < 8 && !(diff & (0x80 >> k)))
			k++;
		/* the remaining bits of this byte must be 0 in lo and 1 in hi */
		for (unsigned int b = k; b < 8; b++) {
			unsigned char m = 0x80 >> b;

			if ((lo[i] & m) || !(hi[i] & m))
				return -1;
		}
		bits += k;
	}
	for (i++; i < len; i++)
		if (lo[i] != 0 || hi[i] != 0xff)
			return -1;
	return (int)bits;
}

static void print_one(FILE *f, enum ir_type type, unsigned int len,
		      const unsigned char *v)
{
	char buf[64];
	const char *name = NULL;

	switch (type) {
	case IR_T_IP6ADDR:
		addr6_format(v, buf);
		fputs(buf, f);
		return;
	case IR_T_IPADDR:
		inet_ntop(AF_INET, v, buf, sizeof(buf));
		fputs(buf, f);
		return;
	case IR_T_IFNAME:
		fputc('"', f);
		for (unsigned int i = 0; i < len && v[i]; i++)
			fputc(v[i] >= 0x20 && v[i] < 0x7f && v[i] != '"' &&
			      v[i] != '\\' ? v[i] : '?', f);
		fputc('"', f);
		return;
	case IR_T_NFPROTO:
		name = SYM(nfprotos, v[0]);
		break;
	case IR_T_INET_PROTO:
		name = SYM(l4protos, v[0]);
		break;
	case IR_T_ICMP6_TYPE:
		name = SYM(icmp6_types, v[0]);
		break;
	case IR_T_ICMP_TYPE:
		name = SYM(icmp_types, v[0]);
		break;
	case IR_T_CT_STATE:
		print_flags(f, ct_states, ARRAY_SIZE(ct_states), host_u32(v, len));
		return;
	case IR_T_CT_STATUS:
		print_flags(f, ct_statuses, ARRAY_SIZE(ct_statuses), host_u32(v, len));
		return;
	case IR_T_FIB_ADDR:
		name = SYM(fib_addrtypes, host_u32(v, len));
		if (!name) {
			fprintf(f, "%" PRIu32, host_u32(v, len));
			return;
		}
		break;
	case IR_T_TCP_FLAG: {
		/* one flag: syn; a mask of several: (fin | syn | rst) */
		unsigned int n = 0;

		for (size_t i = 0; i < ARRAY_SIZE(tcp_flags); i++)
			n += !!(v[0] & tcp_flags[i].val);
		if (!n) {
			fputs("0x0", f);
			return;
		}
		if (n > 1)
			fputc('(', f);
		for (size_t i = 0, k = 0; i < ARRAY_SIZE(tcp_flags); i++) {
			if (!(v[0] & tcp_flags[i].val))
				continue;
			fprintf(f, "%s%s", k++ ? " | " : "", tcp_flags[i].name);
		}
		if (n > 1)
			fputc(')', f);
		return;
	}
	case IR_T_INET_SERVICE:
	case IR_T_ICMPV6_CODE:
	case IR_T_INTEGER:
		break;
	}
	if (name) {
		fputs(name, f);
		return;
	}
	if (type == IR_T_NFPROTO || type == IR_T_INET_PROTO ||
	    type == IR_T_ICMP6_TYPE || type == IR_T_ICMP_TYPE)
		fprintf(f, "%u", v[0]);
	else
		fprintf(f, "%" PRIu32, net_uint(v, len));
}

/* [@lo, @hi] is every name starting with @lo's string: a prefix wildcard. */
static bool ifname_wildcard(const unsigned char *lo, const unsigned char *hi,
			    unsigned int len)
{
	unsigned int k = 0;

	while (k < len && lo[k])
		k++;
	if (memcmp(lo, hi, k))
		return false;
	for (unsigned int i = k; i < len; i++)
		if (lo[i] || hi[i] != 0xff)
			return false;
	return true;
}

void ir_emit_value(FILE *f, int type, unsigned int len, const unsigned char *lo,
		   const unsigned char *hi)
{
	int plen;

	if (type == IR_T_IFNAME && memcmp(lo, hi, len) && ifname_wildcard(lo, hi, len)) {
		/* "ppp*": the names from "ppp\0..." to "ppp\xff..." */
		fputc('"', f);
		for (unsigned int i = 0; i < len && lo[i]; i++)
			fputc(lo[i] >= 0x20 && lo[i] < 0x7f && lo[i] != '"' &&
			      lo[i] != '\\' ? lo[i] : '?', f);
		fputs("*\"", f);
		return;
	}
	print_one(f, type, len, lo);
	if (!memcmp(lo, hi, len))
		return;
	if (type == IR_T_IP6ADDR || type == IR_T_IPADDR) {
		plen = prefix_len(lo, hi, len);
		if (plen >= 0) {
			fprintf(f, "/%d", plen);
			return;
		}
	}
	fputc('-', f);
	print_one(f, type, len, hi);
}

static void print_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		fputc(*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\' ? *s : '?', f);
	fputc('"', f);
}

static void print_keys(FILE *f, const struct ir_key *keys, unsigned int n,
		       bool with_masks)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct ir_field_desc *d = ir_field(keys[i].field);

		fprintf(f, "%s%s", i ? " . " : "", d->nft);
		if (with_masks && keys[i].masked) {
			fputs(" & ", f);
			print_one(f, d->type, d->len, keys[i].mask);
		}
	}
}

static void print_elem_key(FILE *f, const struct ir_set *s, const struct ir_elem *e)
{
	for (unsigned int i = 0; i < s->n_keys; i++) {
		const struct ir_field_desc *d = ir_field(s->keys[i].field);
		unsigned int off = ir_keys_off(s->keys, i);

		if (i)
			fputs(" . ", f);
		ir_emit_value(f, d->type, d->len, e->key + off, e->key_end + off);
	}
}

static void print_elem_data(FILE *f, const struct ir_set *s, const struct ir_elem *e)
{
	unsigned int off = 0;

	for (unsigned int i = 0; i < s->n_data; i++) {
		unsigned int len = s->data[i] == IR_T_IPADDR ? 4 : 2;

		fputs(i ? " . " : " : ", f);
		print_one(f, s->data[i], len, e->data + off);
		off += 4;
	}
}

static void print_counter(FILE *f, uint64_t packets, uint64_t bytes,
			  unsigned int flags)
{
	if (flags & IR_EMIT_COUNTERS)
		fprintf(f, "counter packets %" PRIu64 " bytes %" PRIu64, packets, bytes);
	else
		fputs("counter", f);
}

static void print_set_body(FILE *f, const struct ir_set *s, unsigned int flags,
			   const char *indent)
{
	for (size_t i = 0; i < s->n_elems; i++) {
		const struct ir_elem *e = &s->elems[i];

		fprintf(f, "%s%s", i ? ",\n" : "", indent);
		print_elem_key(f, s, e);
		if (s->flags & IR_SET_COUNTER && flags & IR_EMIT_COUNTERS) {
			fputc(' ', f);
			print_counter(f, s->counters ? s->counters[i].packets : 0,
				      s->counters ? s->counters[i].bytes : 0, flags);
		}
		if (e->comment) {
			fputs(" comment ", f);
			print_string(f, e->comment);
		}
		if (s->flags & IR_SET_MAP)
			print_elem_data(f, s, e);
	}
}

static void print_set(FILE *f, const struct ir_set *s, unsigned int flags)
{
	fprintf(f, "\t%s %s {\n\t\ttype ", s->flags & IR_SET_MAP ? "map" : "set",
		s->name);
	for (unsigned int i = 0; i < s->n_keys; i++)
		fprintf(f, "%s%s", i ? " . " : "",
			type_name(ir_field(s->keys[i].field)->type));
	for (unsigned int i = 0; i < s->n_data; i++)
		fprintf(f, "%s%s", i ? " . " : " : ", type_name(s->data[i]));
	fputc('\n', f);
	if (s->size)
		fprintf(f, "\t\tsize %" PRIu32 "\n", s->size);
	if (s->flags & IR_SET_INTERVAL)
		fputs("\t\tflags interval\n", f);
	if (s->flags & IR_SET_COUNTER)
		fputs("\t\tcounter\n", f);
	if (s->n_elems && !(flags & IR_EMIT_NO_ELEMENTS)) {
		fputs("\t\telements = {\n", f);
		print_set_body(f, s, flags, "\t\t\t");
		fputs(",\n\t\t}\n", f);
	}
	fputs("\t}\n", f);
}

static void print_match(FILE *f, const struct ir_match *m)
{
	const struct ir_field_desc *d = ir_field(m->keys[0].field);
	bool masked = m->keys[0].masked;

	if (m->op == IR_OP_LOOKUP) {
		print_keys(f, m->keys, m->n_keys, true);
		if (!(m->set->flags & IR_SET_ANON)) {
			fprintf(f, " @%s", m->set->name);
			return;
		}
		fputs(" { ", f);
		for (size_t i = 0; i < m->set->n_elems; i++) {
			if (i)
				fputs(", ", f);
			print_elem_key(f, m->set, &m->set->elems[i]);
		}
		fputs(" }", f);
		return;
	}
	print_keys(f, m->keys, 1, true);
	switch (m->op) {
	case IR_OP_EQ:
		fputs(masked ? " == " : " ", f);
		break;
	case IR_OP_NEQ:
		fputs(" != ", f);
		break;
	case IR_OP_FLAGS:
	case IR_OP_LOOKUP:
		fputc(' ', f);
		break;
	}
	if (m->prefix_len && d->type == IR_T_IFNAME) {
		fputc('"', f);
		for (unsigned int i = 0; i < m->prefix_len && m->lo[i]; i++)
			fputc(m->lo[i] >= 0x20 && m->lo[i] < 0x7f && m->lo[i] != '"' ?
			      m->lo[i] : '?', f);
		fputs("*\"", f);
		return;
	}
	ir_emit_value(f, d->type, d->len, m->lo, m->hi);
}

static void print_stmt(FILE *f, const struct ir_stmt *s, unsigned int flags)
{
	static const char *const units[] = { "second", "minute", "hour", "day" };
	char buf[64];

	switch (s->type) {
	case IR_S_COUNTER:
		print_counter(f, s->counter.packets, s->counter.bytes, flags);
		break;
	case IR_S_LIMIT: {
		const char *unit = s->limit.unit == 1 ? units[0] :
				   s->limit.unit == 60 ? units[1] :
				   s->limit.unit == 3600 ? units[2] : units[3];

		fprintf(f, "limit rate %" PRIu64 "/%s burst %" PRIu32 " packets",
			s->limit.rate, unit, s->limit.burst);
		break;
	}
	case IR_S_LOG:
		fputs("log prefix ", f);
		print_string(f, s->log.prefix);
		break;
	case IR_S_MASQ:
		fputs("masquerade", f);
		break;
	case IR_S_DNAT:
		inet_ntop(AF_INET, s->dnat.addr, buf, sizeof(buf));
		fprintf(f, "dnat ip to %s", buf);
		if (s->dnat.port)
			fprintf(f, ":%u", s->dnat.port);
		break;
	case IR_S_DNAT_MAP:
		fputs("dnat ip to ", f);
		print_keys(f, s->dnat_map.keys, s->dnat_map.n_keys, true);
		fprintf(f, " map @%s", s->dnat_map.map->name);
		break;
	case IR_S_ACCEPT:
		fputs("accept", f);
		break;
	case IR_S_DROP:
		fputs("drop", f);
		break;
	case IR_S_RETURN:
		fputs("return", f);
		break;
	case IR_S_JUMP:
		fprintf(f, "jump %s", s->jump.chain);
		break;
	case IR_S_REJECT:
		fputs(s->reject.how == IR_REJECT_TCP_RST ? "reject with tcp reset" :
		      "reject with icmpx admin-prohibited", f);
		break;
	case IR_S_TCPMSS:
		fputs("tcp option maxseg size set rt mtu", f);
		break;
	case __IR_S_MAX:
		break;
	}
}

static void print_rule(FILE *f, const struct ir_rule *r, unsigned int flags)
{
	if (r->unknown) {
		const char *p = r->raw ? r->raw : "";

		fputs("\t\t# not recognised:", f);
		for (; *p; p++) {
			if (*p == '\n') {
				if (p[1])
					fputs("\n\t\t#", f);
				continue;
			}
			fputc(*p, f);
		}
		fputc('\n', f);
		return;
	}
	fputs("\t\t", f);
	ir_emit_rule(f, r, flags);
	fputc('\n', f);
}

void ir_emit_rule(FILE *f, const struct ir_rule *r, unsigned int flags)
{
	const char *sep = "";

	if (r->unknown) {
		fputs("# not recognised:", f);
		for (const char *p = r->raw ? r->raw : ""; *p; p++)
			if (*p != '\n' || p[1])
				fputc(*p == '\n' ? ';' : *p, f);
		return;
	}
	for (unsigned int i = 0; i < r->n_matches; i++, sep = " ") {
		fputs(sep, f);
		print_match(f, &r->matches[i]);
	}
	for (unsigned int i = 0; i < r->n_stmts; i++, sep = " ") {
		fputs(sep, f);
		print_stmt(f, &r->stmts[i], flags);
	}
	if (r->comment) {
		fputs(" comment ", f);
		print_string(f, r->comment);
	}
}

void ir_emit_elem(FILE *f, const struct ir_set *s, const struct ir_elem *e)
{
	print_elem_key(f, s, e);
	if (e->comment) {
		fputs(" comment ", f);
		print_string(f, e->comment);
	}
	if (s->flags & IR_SET_MAP)
		print_elem_data(f, s, e);
}

static const char *hook_name(uint32_t hook)
{
	static const char *const names[] = {
		"prerouting", "input", "forward", "output", "postrouting",
	};

	return hook < ARRAY_SIZE(names) ? names[hook] : "ingress";
}

static void print_prio(FILE *f, const struct ir_chain *c)
{
	if (c->type == IR_CHAIN_NAT && c->prio == -100)
		fputs("dstnat", f);
	else if (c->type == IR_CHAIN_NAT && c->prio == 100)
		fputs("srcnat", f);
	else if (c->prio == 0)
		fputs("filter", f);
	else if (c->type == IR_CHAIN_FILTER && c->prio == -150)
		fputs("mangle", f);
	else
		fprintf(f, "%" PRId32, c->prio);
}

static void print_chain(FILE *f, const struct ir_chain *c, unsigned int flags)
{
	fprintf(f, "\tchain %s {\n", c->name);
	if (c->type != IR_CHAIN_REGULAR) {
		fprintf(f, "\t\ttype %s hook %s priority ",
			c->type == IR_CHAIN_NAT ? "nat" : "filter", hook_name(c->hook));
		print_prio(f, c);
		fprintf(f, "; policy %s;\n", c->policy == 1 ? "accept" : "drop");
	}
	for (size_t i = 0; i < c->n_rules; i++)
		print_rule(f, &c->rules[i], flags);
	fputs("\t}\n", f);
}

int ir_emit(const struct pinhole_ruleset *r, FILE *f, unsigned int flags)
{
	bool first = true;

	if (!(flags & IR_EMIT_NO_PREAMBLE))
		fprintf(f, "# Generated by pinhole. Load with: nft -f FILE\n"
			   "# (the first two lines make the load replace the table atomically)\n"
			   "table inet %s\n"
			   "delete table inet %s\n", r->table, r->table);
	fprintf(f, "table inet %s {\n", r->table);
	/* decoded tables: what pinhole read but cannot print as nft text */
	for (size_t i = 0; i < r->n_foreign; i++, first = false)
		fprintf(f, "\t# foreign: %s\n", r->foreign[i]);
	for (size_t i = 0; i < r->n_sets; i++, first = false) {
		if (!first)
			fputc('\n', f);
		print_set(f, r->sets[i], flags);
	}
	for (size_t i = 0; i < r->n_chains; i++, first = false) {
		if (!first)
			fputc('\n', f);
		print_chain(f, r->chains[i], flags);
	}
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}

EXPORT_SYMBOL(pinhole_ruleset_emit);
int pinhole_ruleset_emit(const struct pinhole_ruleset *r, FILE *f)
{
	return ir_emit(r, f, 0);
}
