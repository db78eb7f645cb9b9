// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * `pinhole status`: counters of the live table per pinhole. A pinhole is
 * named by the comment the compiler puts on its set elements (per-element
 * counters) or on its rule (a counter statement); everything carrying the
 * same name is summed. Drop, reject and log rules with a counter follow.
 */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "pinhole.h"
#include "ir.h"

#define TXT 256

struct entry {
	char *name;
	char host[TXT], proto[TXT], ports[TXT];
	uint64_t packets, bytes;
};

struct table {
	struct entry *v;
	size_t n, cap;
};

/* Append @item to the comma-separated list @list unless it is there. */
static void add_item(char *list, const char *item)
{
	size_t n = strlen(item), len = strlen(list);
	const char *p = list;

	if (!*item)
		return;
	while ((p = strstr(p, item))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return;
		p++;
	}
	if (len + n + 2 >= TXT)
		return;
	if (len)
		strcat(list, ",");
	strcat(list, item);
}

static struct entry *entry_for(struct table *t, const char *name)
{
	struct entry *e;

	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].name, name))
			return &t->v[i];
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct entry *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	e = &t->v[t->n];
	memset(e, 0, sizeof(*e));
	e->name = strdup(name);
	if (!e->name)
		return NULL;
	t->n++;
	return e;
}

static void fmt_addr(char *out, size_t sz, enum ir_field f, const uint8_t *lo,
		     const uint8_t *hi, const struct ir_key *k)
{
	unsigned int len = ir_field(f)->len, p = 0;
	int af = len == 4 ? AF_INET : AF_INET6;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	inet_ntop(af, lo, a, sizeof(a));
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
	inet_ntop(af, hi, b, sizeof(b));
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

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

EXPORT_SYMBOL(pinhole_ruleset_status);
int pinhole_ruleset_status(const struct pinhole_ruleset *live,
			   unsigned int flags, FILE *f)
{
	bool json = flags & PINHOLE_STATUS_JSON;
	struct table t = { 0 };
	int ret = 0;
	bool first = true;

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
	} else {
		fprintf(f, "table inet %s\n\n%-24s %-28s %-8s %-16s %12s %14s\n",
			live->table, "PINHOLE", "HOST", "PROTO", "PORTS",
			"PACKETS", "BYTES");
	}
	for (size_t i = 0; i < t.n; i++) {
		const struct entry *e = &t.v[i];

		if (json) {
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
		} else {
			fprintf(f, "%-24s %-28s %-8s %-16s %12" PRIu64 " %14" PRIu64 "\n",
				e->name, e->host[0] ? e->host : "-",
				e->proto[0] ? e->proto : "-",
				e->ports[0] ? e->ports : "-", e->packets, e->bytes);
		}
	}
	if (json)
		fputs("],\"drops\":[", f);
	for (size_t i = 0; i < live->n_chains; i++) {
		const struct ir_chain *c = live->chains[i];

		for (size_t j = 0; j < c->n_rules; j++) {
			const struct ir_rule *r = &c->rules[j];
			const struct ir_stmt *ctr = counter_of(r);
			char label[TXT];

			if (r->unknown || !ctr || !is_drop_rule(r))
				continue;
			snprintf(label, sizeof(label), "%s", r->comment ? r->comment : "");
			if (json) {
				fputs(first ? "{\"chain\":" : ",{\"chain\":", f);
				json_str(f, c->name);
				fputs(",\"rule\":", f);
				json_str(f, label);
				fprintf(f, ",\"position\":%zu,\"packets\":%" PRIu64
					",\"bytes\":%" PRIu64 "}", j + 1,
					ctr->counter.packets, ctr->counter.bytes);
			} else {
				if (first)
					fprintf(f, "\n%-24s %-28s %12s %14s\n", "DROPPED IN",
						"RULE", "PACKETS", "BYTES");
				snprintf(label, sizeof(label), "#%zu%s%s", j + 1,
					 r->comment ? " " : "",
					 r->comment ? r->comment : "");
				fprintf(f, "%-24s %-28s %12" PRIu64 " %14" PRIu64 "\n",
					c->name, label, ctr->counter.packets,
					ctr->counter.bytes);
			}
			first = false;
		}
	}
	if (json)
		fputs("]}\n", f);
out:
	for (size_t i = 0; i < t.n; i++)
		free(t.v[i].name);
	free(t.v);
	return ret;
}
