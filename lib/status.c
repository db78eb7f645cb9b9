// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * `pinhole status`: counters of the live table per pinhole. A pinhole is
 * named by the comment the compiler puts on its set elements (per-element
 * counters) or on its rule (a counter statement); everything carrying the
 * same name is summed. Drop and reject rules with a counter follow, then
 * the log rules (SPEC §6.3): how many there are and, from the counter
 * after their limit, how many packets each logged.
 *
 * The grouping (ph_collect(), status.h) is also what `diff --json` tells
 * its pinholes by. Linear in the size of the table, but for sorting each
 * entry's lists once: names are found in a hash table (a scan per element
 * made 400k elements take minutes), and lists are deduplicated at the end,
 * not per element. JSON lists are arrays (SPEC §6.7); plain cells are
 * capped. Everything from the kernel is escaped before it
 * reaches the terminal: a comment is any bytes another tool put there.
 */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pinhole.h"
#include "addr.h"
#include "ir.h"
#include "status.h"
#include "strmap.h"

#define TXT 256
#define MORE ",..."		/* ends a plain cell that did not fit in TXT */

#define NFPROTO_V4	2	/* linux/netfilter.h NFPROTO_IPV4 */
#define NFPROTO_V6	10	/* NFPROTO_IPV6 */

/*
 * Append a copy of @item unless it equals the last one (consecutive
 * elements of a sorted set mostly share it); ph_collect() sorts and
 * removes the other duplicates at the end, so a name carried by 400k
 * elements costs no scan per element.
 */
static int strv_push(struct ph_strv *l, const char *item)
{
	if (l->n && !strcmp(l->v[l->n - 1], item))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = strdup(item);
	return l->v[l->n] ? (l->n++, 0) : -ENOMEM;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strv_uniq(struct ph_strv *l)
{
	size_t j = 0;

	if (!l->n)
		return;
	qsort(l->v, l->n, sizeof(*l->v), cmp_str);
	for (size_t i = 1; i < l->n; i++) {
		if (!strcmp(l->v[i], l->v[j]))
			free(l->v[i]);
		else
			l->v[++j] = l->v[i];
	}
	l->n = j + 1;
}

static void strv_free(struct ph_strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int ports_push(struct ph_ports *p, unsigned int lo, unsigned int hi)
{
	if (p->n && p->v[p->n - 1].lo == lo && p->v[p->n - 1].hi == hi)
		return 0;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4;
		struct ph_range *v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = (struct ph_range){ (uint16_t)lo, (uint16_t)hi };
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct ph_range *x = a, *y = b;

	return x->lo != y->lo ? (x->lo > y->lo) - (x->lo < y->lo) :
				(x->hi > y->hi) - (x->hi < y->hi);
}

static void ports_uniq(struct ph_ports *p)
{
	size_t j = 0;

	if (!p->n)
		return;
	qsort(p->v, p->n, sizeof(*p->v), cmp_range);
	for (size_t i = 1; i < p->n; i++)
		if (cmp_range(&p->v[i], &p->v[j]))
			p->v[++j] = p->v[i];
	p->n = j + 1;
}

static struct ph_entry *entry_for(struct ph_table *t, const char *name)
{
	struct ph_entry *e;
	size_t i;
	int ret;

	if (strmap_get(&t->names, name, &i))
		return &t->v[i];
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct ph_entry *v = realloc(t->v, cap * sizeof(*v));

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

static void fmt_proto(char *out, size_t sz, unsigned int p)
{
	if (p == 6 || p == 17)
		snprintf(out, sz, "%s", p == 6 ? "tcp" : "udp");
	else
		snprintf(out, sz, "%u", p);
}

/* A tuple being built: grows, since a rule may match a long list of sources. */
struct tbuf {
	char *s;
	size_t len, cap;
};

static int tb_add(struct tbuf *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int tb_add(struct tbuf *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = (t->len + (size_t)n + 1) * 2;
		char *p = realloc(t->s, cap);

		if (!p)
			return -ENOMEM;
		t->s = p;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
	return 0;
}

/*
 * One field of an element or rule: into the entry's lists, and its text
 * onto @tup (the tuple being built; NULL when not kept).
 */
static int fmt_field(struct ph_entry *e, struct tbuf *tup, enum ir_field f,
		     const uint8_t *lo, const uint8_t *hi, const struct ir_key *k)
{
	char buf[TXT];
	int ret = 0;

	switch (f) {
	case IR_F_IP6_DADDR:
	case IR_F_IP_DADDR:
		fmt_addr(buf, sizeof(buf), f, lo, hi, k);
		e->families |= 1u << (f == IR_F_IP_DADDR ? 4 : 6);
		ret = strv_push(&e->hosts, buf);
		break;
	case IR_F_IP6_SADDR:
	case IR_F_IP_SADDR:
		fmt_addr(buf, sizeof(buf), f, lo, hi, k);
		break;
	case IR_F_NFPROTO:
		if (lo[0] == NFPROTO_V4 || lo[0] == NFPROTO_V6)
			e->families |= 1u << (lo[0] == NFPROTO_V4 ? 4 : 6);
		snprintf(buf, sizeof(buf), "%u", lo[0]);
		break;
	case IR_F_L4PROTO:
		fmt_proto(buf, sizeof(buf), lo[0]);
		e->protos[lo[0] / 8] |= 1u << (lo[0] % 8);
		break;
	case IR_F_TH_DPORT: {
		unsigned int a = lo[0] << 8 | lo[1], b = hi[0] << 8 | hi[1];

		snprintf(buf, sizeof(buf), a == b ? "%u" : "%u-%u", a, b);
		ret = ports_push(&e->ports, a, b);
		break;
	}
	default: {
		/* not a pinhole's field, but part of what it matches */
		unsigned int len = ir_field(f)->len, n = 0;

		for (unsigned int i = 0; i < len && n + 5 < sizeof(buf); i++)
			n += (unsigned int)snprintf(buf + n, sizeof(buf) - n, "%02x", lo[i]);
		break;
	}
	}
	if (!ret && tup)
		ret = tb_add(tup, " %s=%s", ir_field(f)->nft, buf);
	return ret;
}

/* the family a named set's lookups or dnat map restrict it to (bit 4/6), or 0 */
static unsigned int set_family(const struct pinhole_ruleset *r, const struct ir_set *s)
{
	unsigned int fam = 0;

	for (size_t i = 0; i < r->n_chains; i++) {
		const struct ir_chain *c = r->chains[i];

		for (size_t j = 0; j < c->n_rules; j++) {
			const struct ir_rule *ru = &c->rules[j];
			unsigned int nf = 0;
			bool uses = false;

			if (ru->unknown)
				continue;
			for (unsigned int m = 0; m < ru->n_matches; m++) {
				const struct ir_match *x = &ru->matches[m];

				if (x->op == IR_OP_LOOKUP && x->set == s)
					uses = true;
				else if (x->op == IR_OP_EQ && x->keys[0].field == IR_F_NFPROTO)
					nf = x->lo[0];
			}
			for (unsigned int m = 0; m < ru->n_stmts; m++)
				if (ru->stmts[m].type == IR_S_DNAT_MAP &&
				    ru->stmts[m].dnat_map.map == s)
					uses = true;
			if (uses && (nf == NFPROTO_V4 || nf == NFPROTO_V6))
				fam |= 1u << (nf == NFPROTO_V4 ? 4 : 6);
		}
	}
	return fam;
}

/* the tuple @tup, prefixed with the family of its set, onto @e's list; resets @tup */
static int add_tuple(struct ph_entry *e, unsigned int fam, struct tbuf *tup)
{
	struct tbuf t = { 0 };
	int ret;

	ret = tb_add(&t, "%s%s%s", fam & 1u << 6 ? "6" : "",
		     fam & 1u << 4 ? "4" : "", tup->s ? tup->s : "");
	if (!ret)
		ret = strv_push(&e->tuples, t.s);
	free(t.s);
	tup->len = 0;
	if (tup->s)
		tup->s[0] = '\0';
	return ret;
}

static int from_set(struct ph_table *t, const struct pinhole_ruleset *r,
		    const struct ir_set *s, bool tuples)
{
	struct tbuf tup = { 0 };
	struct tbuf *tp = tuples ? &tup : NULL;
	unsigned int fam = 0;
	bool fam_done = false;
	int ret = 0;

	for (size_t i = 0; i < s->n_elems; i++) {
		const struct ir_elem *el = &s->elems[i];
		struct ph_entry *e;

		if (!el->comment)
			continue;
		if (!fam_done) {
			fam = set_family(r, s);
			fam_done = true;
		}
		e = entry_for(t, el->comment);
		if (!e) {
			ret = -ENOMEM;
			break;
		}
		e->families |= fam;
		for (unsigned int k = 0; k < s->n_keys && !ret; k++) {
			unsigned int off = s->n_keys > 1 ? ir_keys_off(s->keys, k) : 0;

			ret = fmt_field(e, tp, s->keys[k].field, el->key + off,
					el->key_end + off, &s->keys[k]);
		}
		if (!ret && (s->flags & IR_SET_MAP) && s->n_data >= 1 &&
		    s->data[0] == IR_T_IPADDR) {
			ret = fmt_field(e, tp, IR_F_IP_DADDR, el->data, el->data, NULL);
			if (!ret && tp && s->n_data >= 2)
				ret = tb_add(tp, " :%u", el->data[4] << 8 | el->data[5]);
		}
		if (!ret && tp)
			ret = add_tuple(e, fam, tp);
		if (ret)
			break;
		if (s->counters) {
			e->packets += s->counters[i].packets;
			e->bytes += s->counters[i].bytes;
		}
	}
	free(tup.s);
	return ret;
}

static const struct ir_stmt *counter_of(const struct ir_rule *r)
{
	for (unsigned int i = 0; i < r->n_stmts; i++)
		if (r->stmts[i].type == IR_S_COUNTER)
			return &r->stmts[i];
	return NULL;
}

static int from_rule(struct ph_table *t, const struct ir_chain *c,
		     const struct ir_rule *r, bool tuples)
{
	const struct ir_stmt *ctr = counter_of(r);
	struct tbuf tup = { 0 };
	struct tbuf *tp = tuples ? &tup : NULL;
	struct ph_entry *e;
	int ret = 0;

	if (!r->comment || r->unknown || !ctr)
		return 0;
	e = entry_for(t, r->comment);
	if (!e)
		return -ENOMEM;
	if (tp)
		ret = tb_add(tp, " %s:", c->name);
	for (unsigned int i = 0; i < r->n_matches && !ret; i++) {
		const struct ir_match *m = &r->matches[i];

		if (m->op == IR_OP_EQ)
			ret = fmt_field(e, tp, m->keys[0].field, m->lo, m->hi,
					&m->keys[0]);
		else if (m->op == IR_OP_LOOKUP && (m->set->flags & IR_SET_ANON) &&
			 m->n_keys == 1)
			for (size_t j = 0; j < m->set->n_elems && !ret; j++)
				ret = fmt_field(e, tp, m->keys[0].field,
						m->set->elems[j].key,
						m->set->elems[j].key_end, &m->keys[0]);
	}
	for (unsigned int i = 0; i < r->n_stmts && !ret; i++) {
		const struct ir_stmt *st = &r->stmts[i];

		if (st->type != IR_S_DNAT)
			continue;
		ret = fmt_field(e, tp, IR_F_IP_DADDR, st->dnat.addr, st->dnat.addr, NULL);
		if (!ret && tp && st->dnat.port)
			ret = tb_add(tp, " :%u", st->dnat.port);
	}
	if (!ret && tp)
		ret = add_tuple(e, 0, tp);
	free(tup.s);
	if (ret)
		return ret;
	e->packets += ctr->counter.packets;
	e->bytes += ctr->counter.bytes;
	return 0;
}

int ph_collect(struct ph_table *t, const struct pinhole_ruleset *r, bool tuples)
{
	int ret = 0;

	memset(t, 0, sizeof(*t));
	strmap_init(&t->names);
	if (!r)
		return 0;
	for (size_t i = 0; i < r->n_sets && !ret; i++)
		ret = from_set(t, r, r->sets[i], tuples);
	for (size_t i = 0; i < r->n_chains && !ret; i++)
		for (size_t j = 0; j < r->chains[i]->n_rules && !ret; j++)
			ret = from_rule(t, r->chains[i], &r->chains[i]->rules[j],
					tuples);
	for (size_t i = 0; i < t->n; i++) {
		strv_uniq(&t->v[i].hosts);
		strv_uniq(&t->v[i].tuples);
		ports_uniq(&t->v[i].ports);
	}
	return ret;
}

void ph_table_free(struct ph_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		strv_free(&t->v[i].hosts);
		strv_free(&t->v[i].tuples);
		free(t->v[i].ports.v);
	}
	free(t->v);
	strmap_free(&t->names);
	memset(t, 0, sizeof(*t));
}

const struct ph_entry *ph_find(const struct ph_table *t, const char *name)
{
	size_t i;

	return strmap_get(&t->names, name, &i) ? &t->v[i] : NULL;
}

static bool is_drop_rule(const struct ir_rule *r)
{
	for (unsigned int i = 0; i < r->n_stmts; i++) {
		enum ir_stmt_type t = r->stmts[i].type;

		if (t == IR_S_DROP || t == IR_S_REJECT)
			return true;
	}
	return false;
}

/* A rule that logs and decides nothing: its prefix, else NULL. */
static const char *log_prefix(const struct ir_rule *r)
{
	const char *prefix = NULL;

	if (r->unknown)
		return NULL;
	for (unsigned int i = 0; i < r->n_stmts; i++) {
		switch (r->stmts[i].type) {
		case IR_S_LOG:
			prefix = r->stmts[i].log.prefix;
			break;
		case IR_S_COUNTER:
		case IR_S_LIMIT:
			break;
		default:
			return NULL;
		}
	}
	return prefix;
}

static size_t n_log_rules(const struct pinhole_ruleset *live)
{
	size_t n = 0;

	for (size_t i = 0; i < live->n_chains; i++)
		for (size_t j = 0; j < live->chains[i]->n_rules; j++)
			n += log_prefix(&live->chains[i]->rules[j]) != NULL;
	return n;
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
void ph_json_str(FILE *f, const char *str)
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

/* append @item to the plain cell @cell, or MORE once it would not fit */
static void cell_add(char *cell, const char *item)
{
	size_t len = strlen(cell), n = strlen(item), more = strlen(MORE);

	if (len >= more && !strcmp(cell + len - more, MORE))
		return;
	if (len + n + 1 + more >= TXT) {
		strcpy(cell + len, len ? MORE : MORE + 1);
		return;
	}
	if (len)
		strcat(cell, ",");
	strcat(cell, item);
}

struct cells {
	char host[TXT], proto[TXT], ports[TXT];
};

static void port_text(char *buf, size_t sz, const struct ph_range *r)
{
	snprintf(buf, sz, r->lo == r->hi ? "%u" : "%u-%u", r->lo, r->hi);
}

static void cells_of(const struct ph_entry *e, struct cells *c)
{
	char buf[32];

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < e->hosts.n; i++)
		cell_add(c->host, e->hosts.v[i]);
	for (unsigned int p = 0; p < 256; p++) {
		if (!(e->protos[p / 8] & 1u << (p % 8)))
			continue;
		fmt_proto(buf, sizeof(buf), p);
		cell_add(c->proto, buf);
	}
	for (size_t i = 0; i < e->ports.n; i++) {
		port_text(buf, sizeof(buf), &e->ports.v[i]);
		cell_add(c->ports, buf);
	}
	if (!c->host[0])
		strcpy(c->host, "-");
	if (!c->proto[0])
		strcpy(c->proto, "-");
	if (!c->ports[0])
		strcpy(c->ports, "-");
}

/* PINHOLE HOST PROTO PORTS, each column as wide as its widest cell */
static int print_plain(FILE *f, const struct ph_table *t)
{
	size_t wn = 24, wh = 28, wp = 8, wq = 16;
	struct cells *c = calloc(t->n ? t->n : 1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		cells_of(&t->v[i], &c[i]);
		wn = max_sz(wn, esc_len(t->v[i].name));
		wh = max_sz(wh, strlen(c[i].host));
		wp = max_sz(wp, strlen(c[i].proto));
		wq = max_sz(wq, strlen(c[i].ports));
	}
	fprintf(f, "%-*s %-*s %-*s %-*s %12s %14s\n", (int)wn, "PINHOLE",
		(int)wh, "HOST", (int)wp, "PROTO", (int)wq, "PORTS", "PACKETS",
		"BYTES");
	for (size_t i = 0; i < t->n; i++) {
		const struct ph_entry *e = &t->v[i];

		put_esc(f, e->name, wn);
		fprintf(f, " %-*s %-*s %-*s %12" PRIu64 " %14" PRIu64 "\n",
			(int)wh, c[i].host, (int)wp, c[i].proto,
			(int)wq, c[i].ports, e->packets, e->bytes);
	}
	free(c);
	return 0;
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

/*
 * LOGGED IN / RULE / PREFIX: every log rule, with what its counter (after
 * the limit: the packets it logged) says; "-" for a rule without one.
 */
static void print_logs(FILE *f, const struct pinhole_ruleset *live)
{
	size_t wc = 24, wr = 8, wp = 28, n = n_log_rules(live);
	char num[24];

	if (!n)
		return;
	for (size_t i = 0; i < live->n_chains; i++) {
		const struct ir_chain *c = live->chains[i];

		for (size_t j = 0; j < c->n_rules; j++) {
			const char *pfx = log_prefix(&c->rules[j]);

			if (!pfx)
				continue;
			wc = max_sz(wc, esc_len(c->name));
			wr = max_sz(wr, label_len(j + 1, NULL));
			wp = max_sz(wp, esc_len(pfx) + 2);
		}
	}
	fprintf(f, "\n%zu log rule%s\n%-*s %-*s %-*s %12s %14s\n", n,
		n == 1 ? "" : "s", (int)wc, "LOGGED IN", (int)wr, "RULE",
		(int)wp, "PREFIX", "LOGGED", "BYTES");
	for (size_t i = 0; i < live->n_chains; i++) {
		const struct ir_chain *c = live->chains[i];

		for (size_t j = 0; j < c->n_rules; j++) {
			const struct ir_rule *r = &c->rules[j];
			const struct ir_stmt *ctr = counter_of(r);
			const char *pfx = log_prefix(r);
			size_t k;

			if (!pfx)
				continue;
			put_esc(f, c->name, wc);
			snprintf(num, sizeof(num), "#%zu", j + 1);
			fprintf(f, " %-*s \"", (int)wr, num);
			put_esc(f, pfx, 0);
			fputc('"', f);
			for (k = esc_len(pfx) + 2; k < wp; k++)
				fputc(' ', f);
			if (ctr)
				fprintf(f, " %12" PRIu64 " %14" PRIu64 "\n",
					ctr->counter.packets, ctr->counter.bytes);
			else
				fprintf(f, " %12s %14s\n", "-", "-");
		}
	}
}

void ph_json_entry(FILE *f, const struct ph_entry *e, const char *host,
		   bool counters)
{
	const char *fam = e->families == (1u << 4 | 1u << 6) ? "any" :
			  e->families == 1u << 4 ? "ipv4" :
			  e->families == 1u << 6 ? "ipv6" : "";
	char buf[32];
	bool first = true;

	fputs("{\"name\":", f);
	ph_json_str(f, e->name);
	fputs(",\"host\":", f);
	/* the policy's name, else the address (IPv6 first), else the machine */
	if (!host)
		for (size_t i = 0; i < e->hosts.n && !host; i++)
			if (strchr(e->hosts.v[i], ':'))
				host = e->hosts.v[i];
	ph_json_str(f, host ? host : e->hosts.n ? e->hosts.v[0] : "self");
	fputs(",\"proto\":[", f);
	for (unsigned int p = 0; p < 256; p++) {
		if (!(e->protos[p / 8] & 1u << (p % 8)))
			continue;
		fmt_proto(buf, sizeof(buf), p);
		fprintf(f, "%s\"%s\"", first ? "" : ",", buf);
		first = false;
	}
	fputs("],\"ports\":[", f);
	for (size_t i = 0; i < e->ports.n; i++) {
		port_text(buf, sizeof(buf), &e->ports.v[i]);
		fprintf(f, "%s\"%s\"", i ? "," : "", buf);
	}
	fprintf(f, "],\"family\":\"%s\",\"addresses\":[", fam);
	for (size_t i = 0; i < e->hosts.n; i++) {
		if (i)
			fputc(',', f);
		ph_json_str(f, e->hosts.v[i]);
	}
	fputc(']', f);
	if (counters)
		fprintf(f, ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64,
			e->packets, e->bytes);
	fputc('}', f);
}

/* the JSON string "CHAIN #POS[ COMMENT]" */
static void ph_json_label(FILE *f, const char *chain, size_t pos,
			  const char *comment)
{
	size_t n = strlen(chain) + 24 + (comment ? strlen(comment) : 0);
	char *buf = malloc(n);

	if (!buf) {
		ph_json_str(f, chain);
		return;
	}
	snprintf(buf, n, "%s #%zu%s%s", chain, pos, comment ? " " : "",
		 comment ? comment : "");
	ph_json_str(f, buf);
	free(buf);
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
			/* "rule" names it as the plain table does: chain #N [comment] */
			fputs(first ? "{\"rule\":" : ",{\"rule\":", f);
			ph_json_label(f, c->name, j + 1, r->comment);
			fputs(",\"chain\":", f);
			ph_json_str(f, c->name);
			fprintf(f, ",\"position\":%zu,\"comment\":", j + 1);
			if (r->comment)
				ph_json_str(f, r->comment);
			else
				fputs("null", f);
			fprintf(f, ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 "}",
				ctr->counter.packets, ctr->counter.bytes);
			first = false;
		}
	}
}

/* "logged": the log rules, as "dropped" names its rules, with the prefix */
static void print_json_logs(FILE *f, const struct pinhole_ruleset *live)
{
	bool first = true;

	for (size_t i = 0; i < live->n_chains; i++) {
		const struct ir_chain *c = live->chains[i];

		for (size_t j = 0; j < c->n_rules; j++) {
			const struct ir_rule *r = &c->rules[j];
			const struct ir_stmt *ctr = counter_of(r);
			const char *pfx = log_prefix(r);

			if (!pfx)
				continue;
			fputs(first ? "{\"rule\":" : ",{\"rule\":", f);
			ph_json_label(f, c->name, j + 1, r->comment);
			fputs(",\"chain\":", f);
			ph_json_str(f, c->name);
			fprintf(f, ",\"position\":%zu,\"prefix\":", j + 1);
			ph_json_str(f, pfx);
			if (ctr)
				fprintf(f, ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 "}",
					ctr->counter.packets, ctr->counter.bytes);
			else
				fputs(",\"packets\":null,\"bytes\":null}", f);
			first = false;
		}
	}
}

EXPORT_SYMBOL(pinhole_ruleset_status);
int pinhole_ruleset_status(const struct pinhole_ruleset *live,
			   unsigned int flags, FILE *f)
{
	bool json = flags & PINHOLE_STATUS_JSON;
	struct ph_table t;
	int ret;

	ret = ph_collect(&t, live, false);
	if (ret)
		goto out;
	if (json) {
		fputs("{\"table\":", f);
		ph_json_str(f, live->table);
		fputs(",\"pinholes\":[", f);
		for (size_t i = 0; i < t.n; i++) {
			if (i)
				fputc(',', f);
			ph_json_entry(f, &t.v[i], NULL, true);
		}
		fputs("],\"dropped\":[", f);
		print_json_drops(f, live);
		fprintf(f, "],\"log_rules\":%zu,\"logged\":[", n_log_rules(live));
		print_json_logs(f, live);
		fputs("]}\n", f);
	} else {
		fputs("table inet ", f);
		put_esc(f, live->table, 0);
		fputs("\n\n", f);
		ret = print_plain(f, &t);
		if (!ret) {
			print_drops(f, live);
			print_logs(f, live);
		}
	}
out:
	ph_table_free(&t);
	return ret;
}
