// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * `pinhole status`: counters of the live table per pinhole. A pinhole is
 * named by the comment the compiler puts on its set elements (per-element
 * counters) or on its rule (a counter statement); everything carrying the
 * same name is summed. Drop, reject and log rules with a counter follow.
 *
 * Linear in the size of the table: names are found in a hash table (a
 * scan per element made 400k elements take minutes), and each entry's
 * lists are capped. Everything from the kernel is escaped before it
 * reaches the terminal: a comment is any bytes another tool put there.
 */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pinhole.h"
#include "addr.h"
#include "ir.h"
#include "strmap.h"

#define TXT 256
#define MORE ",..."		/* ends a list that did not fit in TXT */

struct entry {
	const char *name;	/* borrowed from the ruleset */
	char host[TXT], proto[TXT], ports[TXT];
	uint64_t packets, bytes;
};

struct table {
	struct entry *v;
	size_t n, cap;
	struct strmap names;	/* name → index in v */
};

/*
 * Append @item to the comma-separated list @list unless it is there. A
 * list that would outgrow TXT ends in MORE instead of silently losing
 * items; the search stays bounded by TXT.
 */
static void add_item(char *list, const char *item)
{
	size_t n = strlen(item), len = strlen(list), more = strlen(MORE);
	const char *p = list;

	if (!*item)
		return;
	if (len >= more && !strcmp(list + len - more, MORE))
		return;
	while ((p = strstr(p, item))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return;
		p++;
	}
	if (len + n + 1 + more >= TXT) {
		strcpy(list + len, len ? MORE : MORE + 1);
		return;
	}
	if (len)
		strcat(list, ",");
	strcat(list, item);
}

static struct entry *entry_for(struct table *t, const char *name)
{
	struct entry *e;
	size_t i;
	int ret;

	if (strmap_get(&t->names, name, &i))
		return &t->v[i];
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct entry *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	ret = strmap_add(&t->names, name, t->n, &i);
	if (ret < 0)
		return NULL;
	e = &t->v[t->n++];
	memset(e, 0, sizeof(*e));
	e->name = name;
	return e;
}

static void fmt_addr(char *out, size_t sz, enum ir_field f, const uint8_t *lo,
		     const uint8_t *hi, const struct ir_key *k)
{
	unsigned int len = ir_field(f)->len, p = 0;
	char a[64], b[64];

	/* never glibc's "::18.52.86.120": fw4 writes a suffix ::1234:5678/-64 */
	if (len == 4)
		addr4_format(lo, a);
	else
		addr6_format(lo, a);
	if (k && k->masked) {
		/* a suffix match: "::X/-N", N = bits of the mask */
		unsigned int bits = 0;

		for (unsigned int i = 0; i < len * 8; i++)
			bits += (k->mask[i / 8] >> (7 - i % 8)) & 1;
		snprintf(out, sz, "%s/-%u", a, bits);
		return;
	}
	if (!memcmp(lo, hi, len)) {
		snprintf(out, sz, "%s", a);
		return;
	}
	while (p < len * 8 && !(((lo[p / 8] ^ hi[p / 8]) >> (7 - p % 8)) & 1))
		p++;
	if (len == 4)
		addr4_format(hi, b);
	else
		addr6_format(hi, b);
	snprintf(out, sz, "%s/%u", a, p);
	for (unsigned int i = p; i < len * 8; i++) {
		if (((lo[i / 8] >> (7 - i % 8)) & 1) || !((hi[i / 8] >> (7 - i % 8)) & 1)) {
			snprintf(out, sz, "%s-%s", a, b);
			return;
		}
	}
}

static void fmt_field(struct entry *e, enum ir_field f, const uint8_t *lo,
		      const uint8_t *hi, const struct ir_key *k)
{
	char buf[TXT];

	switch (f) {
	case IR_F_IP6_DADDR:
	case IR_F_IP_DADDR:
		fmt_addr(buf, sizeof(buf), f, lo, hi, k);
		add_item(e->host, buf);
		break;
	case IR_F_L4PROTO:
		snprintf(buf, sizeof(buf), "%s", lo[0] == 6 ? "tcp" :
			 lo[0] == 17 ? "udp" : "?");
		if (!strcmp(buf, "?"))
			snprintf(buf, sizeof(buf), "%u", lo[0]);
		add_item(e->proto, buf);
		break;
	case IR_F_TH_DPORT: {
		unsigned int a = lo[0] << 8 | lo[1], b = hi[0] << 8 | hi[1];

		if (a == b)
			snprintf(buf, sizeof(buf), "%u", a);
		else
			snprintf(buf, sizeof(buf), "%u-%u", a, b);
		add_item(e->ports, buf);
		break;
	}
	default:
		break;
	}
}

static int from_set(struct table *t, const struct ir_set *s)
{
	for (size_t i = 0; i < s->n_elems; i++) {
		const struct ir_elem *el = &s->elems[i];
		struct entry *e;

		if (!el->comment)
			continue;
		e = entry_for(t, el->comment);
		if (!e)
			return -ENOMEM;
		for (unsigned int k = 0; k < s->n_keys; k++) {
			unsigned int off = s->n_keys > 1 ? ir_keys_off(s->keys, k) : 0;

			fmt_field(e, s->keys[k].field, el->key + off,
				  el->key_end + off, &s->keys[k]);
		}
		if ((s->flags & IR_SET_MAP) && s->n_data >= 1 &&
		    s->data[0] == IR_T_IPADDR)
			fmt_field(e, IR_F_IP_DADDR, el->data, el->data, NULL);
		if (s->counters) {
			e->packets += s->counters[i].packets;
			e->bytes += s->counters[i].bytes;
		}
	}
	return 0;
}

static const struct ir_stmt *counter_of(const struct ir_rule *r)
{
	for (unsigned int i = 0; i < r->n_stmts; i++)
		if (r->stmts[i].type == IR_S_COUNTER)
			return &r->stmts[i];
	return NULL;
}

static int from_rule(struct table *t, const struct ir_rule *r)
{
	const struct ir_stmt *c = counter_of(r);
	struct entry *e;

	if (!r->comment || r->unknown || !c)
		return 0;
	e = entry_for(t, r->comment);
	if (!e)
		return -ENOMEM;
	for (unsigned int i = 0; i < r->n_matches; i++) {
		const struct ir_match *m = &r->matches[i];

		if (m->op == IR_OP_EQ)
			fmt_field(e, m->keys[0].field, m->lo, m->hi, &m->keys[0]);
		else if (m->op == IR_OP_LOOKUP && (m->set->flags & IR_SET_ANON) &&
			 m->n_keys == 1)
			for (size_t j = 0; j < m->set->n_elems; j++)
				fmt_field(e, m->keys[0].field, m->set->elems[j].key,
					  m->set->elems[j].key_end, &m->keys[0]);
	}
	e->packets += c->counter.packets;
	e->bytes += c->counter.bytes;
	for (unsigned int i = 0; i < r->n_stmts; i++)
		if (r->stmts[i].type == IR_S_DNAT)
			fmt_field(e, IR_F_IP_DADDR, r->stmts[i].dnat.addr,
				  r->stmts[i].dnat.addr, NULL);
	return 0;
}

static bool is_drop_rule(const struct ir_rule *r)
{
	for (unsigned int i = 0; i < r->n_stmts; i++) {
		enum ir_stmt_type t = r->stmts[i].type;

		if (t == IR_S_DROP || t == IR_S_REJECT || t == IR_S_LOG)
			return true;
	}
	return false;
}

/*
 * Plain text: bytes outside printable ASCII, and the backslash itself, as
 * \xNN / \\, so that a comment cannot move the cursor, recolour or retitle
 * the terminal. Returns the width of what put_esc() prints.
 */
static size_t esc_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		n += ch == '\\' ? 2 : ch < 0x20 || ch > 0x7e ? 4 : 1;
	}
	return n;
}

/* @s escaped, then spaces up to @width */
static void put_esc(FILE *f, const char *s, size_t width)
{
	size_t n = esc_len(s);

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\\')
			fputs("\\\\", f);
		else if (ch < 0x20 || ch > 0x7e)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	for (; n < width; n++)
		fputc(' ', f);
}

/* the length of the valid UTF-8 sequence at @s, 0 if there is none */
static unsigned int utf8_len(const unsigned char *s)
{
	unsigned int n, cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (unsigned int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * A JSON string (RFC 8259): '"', '\' and every control character (C0,
 * DEL and the C1 range U+0080..U+009F, which terminals also obey) are
 * escaped; a byte that is not valid UTF-8 becomes U+FFFD, since JSON text
 * must be UTF-8.
 */
static void json_str(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		unsigned int n = utf8_len(s);

		if (!n) {
			fputs("\\ufffd", f);
			s++;
		} else if (*s == '"' || *s == '\\') {
			fprintf(f, "\\%c", *s);
			s++;
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s);
			s++;
		} else if (n == 2 && *s == 0xc2 && s[1] < 0xa0) {
			fprintf(f, "\\u%04x", s[1]);
			s += 2;
		} else {
			fwrite(s, 1, n, f);
			s += n;
		}
	}
	fputc('"', f);
}

static size_t max_sz(size_t a, size_t b)
{
	return a > b ? a : b;
}

static const char *or_dash(const char *s)
{
	return *s ? s : "-";
}

/* PINHOLE HOST PROTO PORTS, each column as wide as its widest cell */
static void print_plain(FILE *f, const struct table *t)
{
	size_t wn = 24, wh = 28, wp = 8, wq = 16;

	for (size_t i = 0; i < t->n; i++) {
		const struct entry *e = &t->v[i];

		wn = max_sz(wn, esc_len(e->name));
		wh = max_sz(wh, strlen(or_dash(e->host)));
		wp = max_sz(wp, strlen(or_dash(e->proto)));
		wq = max_sz(wq, strlen(or_dash(e->ports)));
	}
	fprintf(f, "%-*s %-*s %-*s %-*s %12s %14s\n", (int)wn, "PINHOLE",
		(int)wh, "HOST", (int)wp, "PROTO", (int)wq, "PORTS", "PACKETS",
		"BYTES");
	for (size_t i = 0; i < t->n; i++) {
		const struct entry *e = &t->v[i];

		put_esc(f, e->name, wn);
		fprintf(f, " %-*s %-*s %-*s %12" PRIu64 " %14" PRIu64 "\n",
			(int)wh, or_dash(e->host), (int)wp, or_dash(e->proto),
			(int)wq, or_dash(e->ports), e->packets, e->bytes);
	}
}

/* the width of the RULE cell "#N comment" */
static size_t label_len(size_t pos, const char *comment)
{
	char num[24];

	return (size_t)snprintf(num, sizeof(num), "#%zu", pos) +
	       (comment ? 1 + esc_len(comment) : 0);
}

/* DROPPED IN / RULE: the counted drop, reject and log rules */
static void print_drops(FILE *f, const struct pinhole_ruleset *live)
{
	size_t wc = 24, wr = 28;
	bool any = false;

	for (size_t i = 0; i < live->n_chains; i++) {
		const struct ir_chain *c = live->chains[i];

		for (size_t j = 0; j < c->n_rules; j++) {
			const struct ir_rule *r = &c->rules[j];

			if (r->unknown || !counter_of(r) || !is_drop_rule(r))
				continue;
			wc = max_sz(wc, esc_len(c->name));
			wr = max_sz(wr, label_len(j + 1, r->comment));
			any = true;
		}
	}
	if (!any)
		return;
	fprintf(f, "\n%-*s %-*s %12s %14s\n", (int)wc, "DROPPED IN", (int)wr,
		"RULE", "PACKETS", "BYTES");
	for (size_t i = 0; i < live->n_chains; i++) {
		const struct ir_chain *c = live->chains[i];

		for (size_t j = 0; j < c->n_rules; j++) {
			const struct ir_rule *r = &c->rules[j];
			const struct ir_stmt *ctr = counter_of(r);

			if (r->unknown || !ctr || !is_drop_rule(r))
				continue;
			put_esc(f, c->name, wc);
			fprintf(f, " #%zu", j + 1);
			if (r->comment) {
				fputc(' ', f);
				put_esc(f, r->comment, 0);
			}
			for (size_t k = label_len(j + 1, r->comment); k < wr; k++)
				fputc(' ', f);
			fprintf(f, " %12" PRIu64 " %14" PRIu64 "\n",
				ctr->counter.packets, ctr->counter.bytes);
		}
	}
}

static void print_json_pinholes(FILE *f, const struct table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct entry *e = &t->v[i];

		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		json_str(f, e->name);
		fputs(",\"host\":", f);
		json_str(f, e->host);
		fputs(",\"proto\":", f);
		json_str(f, e->proto);
		fputs(",\"ports\":", f);
		json_str(f, e->ports);
		fprintf(f, ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 "}",
			e->packets, e->bytes);
	}
}

static void print_json_drops(FILE *f, const struct pinhole_ruleset *live)
{
	bool first = true;

	for (size_t i = 0; i < live->n_chains; i++) {
		const struct ir_chain *c = live->chains[i];

		for (size_t j = 0; j < c->n_rules; j++) {
			const struct ir_rule *r = &c->rules[j];
			const struct ir_stmt *ctr = counter_of(r);

			if (r->unknown || !ctr || !is_drop_rule(r))
				continue;
			fputs(first ? "{\"chain\":" : ",{\"chain\":", f);
			json_str(f, c->name);
			fputs(",\"rule\":", f);
			json_str(f, r->comment ? r->comment : "");
			fprintf(f, ",\"position\":%zu,\"packets\":%" PRIu64
				",\"bytes\":%" PRIu64 "}", j + 1,
				ctr->counter.packets, ctr->counter.bytes);
			first = false;
		}
	}
}

EXPORT_SYMBOL(pinhole_ruleset_status);
int pinhole_ruleset_status(const struct pinhole_ruleset *live,
			   unsigned int flags, FILE *f)
{
	bool json = flags & PINHOLE_STATUS_JSON;
	struct table t = { 0 };
	int ret = 0;

	strmap_init(&t.names);
	for (size_t i = 0; i < live->n_sets && !ret; i++)
		ret = from_set(&t, live->sets[i]);
	for (size_t i = 0; i < live->n_chains && !ret; i++)
		for (size_t j = 0; j < live->chains[i]->n_rules && !ret; j++)
			ret = from_rule(&t, &live->chains[i]->rules[j]);
	if (ret)
		goto out;
	if (json) {
		fputs("{\"table\":", f);
		json_str(f, live->table);
		fputs(",\"pinholes\":[", f);
		print_json_pinholes(f, &t);
		fputs("],\"drops\":[", f);
		print_json_drops(f, live);
		fputs("]}\n", f);
	} else {
		fputs("table inet ", f);
		put_esc(f, live->table, 0);
		fputs("\n\n", f);
		print_plain(f, &t);
		print_drops(f, live);
	}
out:
	strmap_free(&t.names);
	free(t.v);
	return ret;
}
