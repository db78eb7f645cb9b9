// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * pinhole explain (SPEC §6.4): a query in the user's terms (zone,
 * addresses, proto, port) turned into the evaluator's first packet
 * (eval.h), and its result printed as text or JSON: the verdict, the nft
 * text of the deciding rule or set element, and the pinhole that decided
 * with its policy location, or the default that did.
 *
 * Locations: rules of from:-restricted pinholes carry theirs (rule->loc);
 * set elements carry only the pinhole's name (their comment), so the
 * location is looked up by name in the ruleset's logical layer
 * (PINHOLE_COMPILE_PINHOLES) rather than stored in every element, which
 * would cost 12 bytes per element at 100,000 pinholes. A table read from
 * the kernel has names only: they are printed alone.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/netfilter.h>

#include "pinhole.h"
#include "ast.h"
#include "emit.h"
#include "eval.h"
#include "ir.h"

/* ---------------------------------------------------------- the source */

static bool covered(const struct pinhole_ruleset *r, enum ir_field f,
		    const uint8_t *a);

/* Every [lo, hi] of field @f the ruleset compares or looks up; cb returns true to stop. */
static bool any_range(const struct pinhole_ruleset *r, enum ir_field f,
		      bool (*cb)(const uint8_t *lo, const uint8_t *hi, unsigned int len,
				 void *arg), void *arg)
{
	unsigned int len = ir_field(f)->len;

	for (size_t c = 0; c < r->n_chains; c++) {
		const struct ir_chain *ch = r->chains[c];

		for (size_t i = 0; i < ch->n_rules; i++) {
			const struct ir_rule *rl = &ch->rules[i];

			for (unsigned int m = 0; m < rl->n_matches; m++) {
				const struct ir_match *mt = &rl->matches[m];

				if (mt->op != IR_OP_LOOKUP) {
					if (mt->keys[0].field == f && !mt->keys[0].masked &&
					    cb(mt->lo, mt->hi, len, arg))
						return true;
					continue;
				}
				for (unsigned int k = 0; mt->set && k < mt->set->n_keys; k++) {
					const struct ir_set *s = mt->set;
					unsigned int off = ir_keys_off(s->keys, k);

					if (s->keys[k].field != f || s->keys[k].masked)
						continue;
					for (size_t e = 0; e < s->n_elems; e++)
						if (cb(s->elems[e].key + off,
						       s->flags & IR_SET_INTERVAL ?
						       s->elems[e].key_end + off :
						       s->elems[e].key + off, len, arg))
							return true;
				}
			}
		}
	}
	return false;
}

static bool cb_contains(const uint8_t *lo, const uint8_t *hi, unsigned int len, void *arg)
{
	const uint8_t *a = arg;

	return memcmp(a, lo, len) >= 0 && memcmp(a, hi, len) <= 0;
}

static bool covered(const struct pinhole_ruleset *r, enum ir_field f,
		    const uint8_t *a)
{
	return any_range(r, f, cb_contains, (void *)a);
}

struct next_arg {
	const struct pinhole_ruleset *r;
	enum ir_field f;
	uint8_t *out;
};

/* hi + 1 of a range, if that is outside every range */
static bool cb_after(const uint8_t *lo, const uint8_t *hi, unsigned int len, void *arg)
{
	struct next_arg *na = arg;
	uint8_t a[16];
	int i;

	memcpy(a, hi, len);
	for (i = (int)len - 1; i >= 0 && ++a[i] == 0; i--)
		;
	if (i < 0 || covered(na->r, na->f, a))
		return false;
	memcpy(na->out, a, len);
	return true;
}

/*
 * A source in no from: list (SPEC §6.4's default): a global documentation
 * address that no source match of the table covers, else the address right
 * after one of its source ranges. Ranges of every source match count,
 * bogon filters too, so the default is an ordinary internet source.
 */
static void default_source(const struct pinhole_ruleset *r, int family, uint8_t *out)
{
	static const char *const six[] = {
		"2001:db8:ffff:ffff::5e", "2001:db8:fffe::5e", "2001:db8::5e",
	};
	static const char *const four[] = {
		"203.0.113.94", "198.51.100.94", "192.0.2.94",
	};
	enum ir_field f = family == 6 ? IR_F_IP6_SADDR : IR_F_IP_SADDR;
	const char *const *c = family == 6 ? six : four;
	struct next_arg na = { r, f, out };

	for (int i = 0; i < 3; i++) {
		memset(out, 0, 16);
		inet_pton(family == 6 ? AF_INET6 : AF_INET, c[i], out);
		if (!covered(r, f, out))
			return;
	}
	if (any_range(r, f, cb_after, &na))
		return;
	memset(out, 0, 16);
	inet_pton(family == 6 ? AF_INET6 : AF_INET, c[0], out);	/* every source is listed */
}

/* ------------------------------------------------------------ the query */

static int parse_addr(const char *s, uint8_t *a, int *family)
{
	memset(a, 0, 16);
	if (inet_pton(AF_INET6, s, a) == 1) {
		*family = 6;
		return 0;
	}
	if (inet_pton(AF_INET, s, a) == 1) {
		*family = 4;
		return 0;
	}
	return -EINVAL;
}

static int build_packet(const struct pinhole_ruleset *r,
			const struct pinhole_explain_query *q,
			struct ev_packet *p, const char **bad)
{
	int ffam = 0, tfam = 0;
	uint8_t from[16];

	memset(p, 0, sizeof(*p));
	if (q->from && parse_addr(q->from, from, &ffam)) {
		*bad = "--from is not an IPv6 or IPv4 address";
		return -EINVAL;
	}
	if (q->to) {
		if (parse_addr(q->to, p->daddr, &tfam)) {
			*bad = "--to is not an IPv6 or IPv4 address, nor 'self'";
			return -EINVAL;
		}
		p->daddr_known = true;
	}
	if (ffam && tfam && ffam != tfam) {
		*bad = "--from and --to are of different address families";
		return -EINVAL;
	}
	p->family = (uint8_t)(tfam ? tfam : ffam ? ffam : 6);
	p->local = !q->to || q->local;
	/* --to self: the address of the interface it comes in on */
	p->local_iif = !q->to || !q->local_if || !q->iif ||
		       !strcmp(q->local_if, q->iif);
	if (!q->proto || !strcmp(q->proto, "tcp")) {
		p->proto = IPPROTO_TCP;
	} else if (!strcmp(q->proto, "udp")) {
		p->proto = IPPROTO_UDP;
	} else if (!strcmp(q->proto, "icmpv6") || !strcmp(q->proto, "icmp")) {
		/* echo request; of IPv4 when the addresses are */
		p->proto = p->family == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	} else {
		*bad = "--proto is tcp, udp or icmpv6";
		return -EINVAL;
	}
	if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) {
		if (q->port < 1 || q->port > 65535) {
			*bad = "--port from 1 to 65535 is needed for tcp and udp";
			return -EINVAL;
		}
		p->dport = (uint16_t)q->port;
		p->sport = (uint16_t)(q->sport ? q->sport : 40000);
	}
	if (ffam)
		memcpy(p->saddr, from, 16);
	else
		default_source(r, p->family, p->saddr);
	if (q->iif && strlen(q->iif) >= IFNAMSIZ) {
		*bad = "an interface name is at most 15 characters";
		return -EINVAL;
	}
	if (q->iif)
		strncpy(p->iif, q->iif, sizeof(p->iif) - 1);
	if (q->oif)
		strncpy(p->oif, q->oif, sizeof(p->oif) - 1);
	p->hoplimit = 64;
	return 0;
}

/* ----------------------------------------------------------- the answer */

/* The logical pinhole named @name, or NULL. */
static const struct ir_pinhole *find_pinhole(const struct pinhole_ruleset *r,
					     const char *name)
{
	for (size_t i = 0; name && i < r->n_pinholes; i++)
		if (r->pinholes[i].name && !strcmp(r->pinholes[i].name, name))
			return &r->pinholes[i];
	return NULL;
}

static bool rule_has(const struct ir_rule *rl, enum ir_stmt_type t)
{
	for (unsigned int i = 0; rl && i < rl->n_stmts; i++)
		if (rl->stmts[i].type == t)
			return true;
	return false;
}

static bool rule_matches_field(const struct ir_rule *rl, enum ir_field f)
{
	for (unsigned int i = 0; rl && i < rl->n_matches; i++)
		if (rl->matches[i].keys[0].field == f)
			return true;
	return false;
}

/*
 * The pinhole that decided, by name: an element's comment, or the comment
 * of a counted accept or DNAT (a from:-restricted pinhole). With the
 * logical layer the name must be one of its pinholes; without it (a
 * decoded table) the shape says so.
 */
static const char *pinhole_name(const struct pinhole_ruleset *r, const struct ir_set *s,
				const struct ir_elem *e, const struct ir_rule *rl)
{
	const char *name = NULL;

	if (s && !(s->flags & IR_SET_ANON) && e && e->comment)
		name = e->comment;
	else if (rl && rl->comment && rule_has(rl, IR_S_COUNTER) &&
		 (rule_has(rl, IR_S_ACCEPT) || rule_has(rl, IR_S_DNAT)))
		name = rl->comment;
	if (name && r->has_pinholes && !find_pinhole(r, name))
		return NULL;
	return name;
}

struct answer {
	enum ev_verdict verdict;
	char *rule;		/* nft text */
	char *element;		/* nft text, or NULL */
	const char *chain;
	const char *pinhole;	/* name, or NULL */
	struct pinhole_loc loc;	/* line 0: none known */
	char *deflt;		/* what decided when no pinhole did */
	char dnat[64];		/* "192.0.2.5:443", or "" */
	char *dnat_rule;
	const char *why;
	const char *policy;	/* the chain policy decided: "drop", "accept" */
};

static char *text_rule(const struct ir_rule *rl)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	ir_emit_rule(f, rl, 0);
	fclose(f);
	return buf;
}

static char *text_elem(const struct ir_set *s, const struct ir_elem *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	ir_emit_elem(f, s, e);
	if (!(s->flags & IR_SET_ANON))
		fprintf(f, " in @%s", s->name);
	fclose(f);
	return buf;
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/*
 * The end of a chain of unsolicited traffic: a catch-all drop or reject,
 * or the bare accept of defaults.inbound: accept (transparent mode).
 */
static bool catch_all(const struct ir_rule *rl)
{
	for (unsigned int i = 0; i < rl->n_matches; i++)
		if (rl->matches[i].keys[0].field != IR_F_L4PROTO)
			return false;
	return rule_has(rl, IR_S_DROP) || rule_has(rl, IR_S_REJECT) ||
	       (!rl->n_matches && !rl->comment && rl->n_stmts == 1 &&
		rule_has(rl, IR_S_ACCEPT));
}

/* The built-in rules a policy key switches on (SPEC §6.3), by comment. */
static const char *key_of(const char *comment)
{
	if (!comment)
		return NULL;
	if (!strcmp(comment, "ping"))
		return "defaults.ping: accept";
	if (!strcmp(comment, "ipsec"))
		return "ipsec: true";
	if (!strcmp(comment, "reflection"))
		return "ipv4.reflection: true";
	return NULL;
}

static bool only_ifnames(const struct ir_rule *rl)
{
	for (unsigned int i = 0; i < rl->n_matches; i++)
		if (rl->matches[i].keys[0].field != IR_F_IIFNAME &&
		    rl->matches[i].keys[0].field != IR_F_OIFNAME)
			return false;
	return true;
}

/* `iifname "br-lan" oifname "wan0"`: the interface matches of @rl */
static char *ifnames_text(const struct ir_rule *rl)
{
	struct ir_rule tmp = { .n_matches = rl->n_matches };

	memcpy(tmp.matches, rl->matches, sizeof(tmp.matches));
	return text_rule(&tmp);
}

/*
 * A rule of defaults.bogons (compile_chains.c), by its shape, so that a
 * table read back from the kernel is described the same: a drop without
 * a comment that matches the routing header type, or the interfaces of
 * the outside zones and an IPv6 source or destination. NULL: not one.
 */
static const char *bogon_rule(const struct ir_rule *rl)
{
	if (rl->comment || !rule_has(rl, IR_S_DROP))
		return NULL;
	if (rule_matches_field(rl, IR_F_RT_TYPE))
		return "a routing header type 0";
	if (!rule_matches_field(rl, IR_F_IIFNAME))
		return NULL;
	if (rule_matches_field(rl, IR_F_IP6_SADDR))
		return "a source that never comes from the internet";
	if (rule_matches_field(rl, IR_F_IP6_DADDR))
		return "a ULA destination from an outside zone";
	return NULL;
}

static char *describe_default(const struct pinhole_ruleset *r, const struct ev_result *res)
{
	const char *bogon;
	const struct ir_chain *c = res->chain;
	const struct ir_rule *rl = res->rule;
	const char *v = ev_verdict_name(res->verdict);

	if (!c)
		return xprintf("%s", res->why ? res->why : "nothing filters this path");
	if (!rl)
		return xprintf("policy %s of chain %s", c->policy == NF_ACCEPT ?
			       "accept" : "drop", c->name);
	if (catch_all(rl)) {
		if (!strcmp(c->name, "forward_wan"))
			return xprintf("defaults.inbound: %s (the end of chain %s)", v, c->name);
		if (!strcmp(c->name, "input_wan") || !strcmp(c->name, "input"))
			return xprintf("defaults.input: %s (the end of chain %s)", v, c->name);
		return xprintf("%s at the end of chain %s", v, c->name);
	}
	if (!rl->comment && rl->n_matches && rule_has(rl, IR_S_ACCEPT) &&
	    only_ifnames(rl)) {
		char *ifs = ifnames_text(rl);
		char *out;

		if (rl->loc.line && r->file)
			out = xprintf("the zone of %s (%s:%u:%u)", ifs ? ifs : "?",
				      r->file, rl->loc.line, rl->loc.col);
		else
			out = xprintf("the zone of %s", ifs ? ifs : "?");
		free(ifs);
		return out;
	}
	if (key_of(rl->comment) && rl->loc.line && r->file)
		return xprintf("%s (%s:%u:%u; rule %zu of chain %s)", key_of(rl->comment),
			       r->file, rl->loc.line, rl->loc.col, res->rule_index + 1,
			       c->name);
	if (key_of(rl->comment))
		return xprintf("%s (rule %zu of chain %s)", key_of(rl->comment),
			       res->rule_index + 1, c->name);
	if ((bogon = bogon_rule(rl))) {
		if (rl->loc.line && r->file)
			return xprintf("defaults.bogons: %s, %s (rule %zu of chain %s, %s:%u:%u)",
				       v, bogon, res->rule_index + 1, c->name,
				       r->file, rl->loc.line, rl->loc.col);
		return xprintf("defaults.bogons: %s, %s (rule %zu of chain %s)", v,
			       bogon, res->rule_index + 1, c->name);
	}
	if (rl->comment)
		return xprintf("%s (rule %zu of chain %s)", rl->comment,
			       res->rule_index + 1, c->name);
	if (rl->loc.line && r->file)
		return xprintf("rule %zu of chain %s (%s:%u:%u)", res->rule_index + 1,
			       c->name, r->file, rl->loc.line, rl->loc.col);
	return xprintf("built-in rule %zu of chain %s", res->rule_index + 1, c->name);
}

static void answer(const struct pinhole_ruleset *r, const struct ev_result *res,
		   struct answer *a)
{
	const struct ir_set *s = res->set;
	const struct ir_elem *e = res->elem;
	const struct ir_rule *rl = res->rule;
	const struct ir_pinhole *lp;

	memset(a, 0, sizeof(*a));
	a->verdict = res->verdict;
	a->why = res->verdict == EV_UNKNOWN ? res->why : NULL;
	a->chain = res->chain ? res->chain->name : NULL;
	if (rl)
		a->rule = text_rule(rl);
	else if (res->chain)
		a->policy = res->chain->policy == NF_ACCEPT ? "accept" : "drop";
	if (rl && s && e && !(s->flags & IR_SET_ANON))
		a->element = text_elem(s, e);
	if (res->dnat) {
		char ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, res->dnat_addr, ip, sizeof(ip));
		if (res->dnat_port)
			snprintf(a->dnat, sizeof(a->dnat), "%s:%u", ip, res->dnat_port);
		else
			snprintf(a->dnat, sizeof(a->dnat), "%s", ip);
		if (res->dnat_set && res->dnat_elem)
			a->dnat_rule = text_elem(res->dnat_set, res->dnat_elem);
		else if (res->dnat_rule)
			a->dnat_rule = text_rule(res->dnat_rule);
	}
	if (res->verdict != EV_UNKNOWN) {
		a->pinhole = pinhole_name(r, s, e, rl);
		/* a forward's accept is `ct status dnat accept`: its DNAT decided */
		if (!a->pinhole && res->dnat && rule_matches_field(rl, IR_F_CT_STATUS))
			a->pinhole = pinhole_name(r, res->dnat_set, res->dnat_elem,
						  res->dnat_rule);
	}
	if (a->pinhole) {
		if (rl && rl->comment && !strcmp(rl->comment, a->pinhole) && rl->loc.line)
			a->loc = rl->loc;
		else if (res->dnat_rule && res->dnat_rule->comment &&
			 !strcmp(res->dnat_rule->comment, a->pinhole) &&
			 res->dnat_rule->loc.line)
			a->loc = res->dnat_rule->loc;
		else if ((lp = find_pinhole(r, a->pinhole)))
			a->loc = lp->loc;
		a->loc.file = r->file;
		if (!a->loc.file)
			a->loc.line = 0;
	} else {
		a->deflt = describe_default(r, res);
	}
}

static void answer_free(struct answer *a)
{
	free(a->rule);
	free(a->element);
	free(a->deflt);
	free(a->dnat_rule);
}

static void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void print_text(FILE *f, const struct answer *a)
{
	fprintf(f, "%s\n", ev_verdict_name(a->verdict));
	if (a->element)
		fprintf(f, "rule: %s (%s)\n", a->element, a->rule);
	else if (a->rule)
		fprintf(f, "rule: %s\n", a->rule);
	else if (a->policy)
		fprintf(f, "rule: policy %s (chain %s)\n", a->policy, a->chain);
	if (a->pinhole && a->loc.line)
		fprintf(f, "pinhole: %s (%s:%u:%u)\n", a->pinhole, a->loc.file,
			a->loc.line, a->loc.col);
	else if (a->pinhole)
		fprintf(f, "pinhole: %s\n", a->pinhole);
	else if (a->verdict != EV_UNKNOWN)
		fprintf(f, "default: %s\n", a->deflt ? a->deflt : "?");
	if (a->dnat[0])
		fprintf(f, "dnat: to %s by %s\n", a->dnat, a->dnat_rule ? a->dnat_rule : "?");
	if (a->why)
		fprintf(f, "unknown: %s\n", a->why);
}

static void print_json(FILE *f, const struct answer *a)
{
	fputs("{\"verdict\": ", f);
	json_str(f, ev_verdict_name(a->verdict));
	fputs(", \"rule\": ", f);
	if (a->rule || !a->policy) {
		json_str(f, a->rule);
	} else {
		fputs("\"policy ", f);
		fputs(a->policy, f);
		fputc('"', f);
	}
	fputs(", \"element\": ", f);
	json_str(f, a->element);
	fputs(", \"chain\": ", f);
	json_str(f, a->chain);
	fputs(", \"pinhole\": ", f);
	if (a->pinhole) {
		fputs("{\"name\": ", f);
		json_str(f, a->pinhole);
		if (a->loc.line) {
			fputs(", \"file\": ", f);
			json_str(f, a->loc.file);
			fprintf(f, ", \"line\": %u, \"col\": %u", a->loc.line, a->loc.col);
		}
		fputc('}', f);
	} else {
		fputs("null", f);
	}
	fputs(", \"default\": ", f);
	json_str(f, a->pinhole ? NULL : a->deflt);
	fputs(", \"dnat\": ", f);
	json_str(f, a->dnat[0] ? a->dnat : NULL);
	fputs(", \"unknown\": ", f);
	json_str(f, a->why);
	fputs("}\n", f);
}

static int to_public(enum ev_verdict v)
{
	switch (v) {
	case EV_ACCEPT:	return PINHOLE_EXPLAIN_ACCEPT;
	case EV_DROP:	return PINHOLE_EXPLAIN_DROP;
	case EV_REJECT:	return PINHOLE_EXPLAIN_REJECT;
	case EV_UNKNOWN: break;
	}
	return PINHOLE_EXPLAIN_UNKNOWN;
}

EXPORT_SYMBOL(pinhole_explain);
int pinhole_explain(const struct pinhole_ruleset *r,
		    const struct pinhole_explain_query *q, unsigned int flags,
		    FILE *f, const char **bad)
{
	struct ev_packet p;
	struct ev_result res;
	struct answer a;
	const char *dummy;
	int ret;

	if (!bad)
		bad = &dummy;
	*bad = NULL;
	if (!r || !q) {
		*bad = "no ruleset or no query";
		return -EINVAL;
	}
	ret = build_packet(r, q, &p, bad);
	if (ret)
		return ret;
	ev_run(r, &p, &res);
	if (!f)
		return to_public(res.verdict);
	answer(r, &res, &a);
	if (flags & PINHOLE_EXPLAIN_BRIEF) {
		if (a.element)
			fprintf(f, "%s", a.element);
		else if (a.rule)
			fprintf(f, "%s", a.rule);
		else if (a.policy)
			fprintf(f, "policy %s of chain %s", a.policy, a.chain);
		else
			fprintf(f, "%s", a.deflt ? a.deflt : "?");
	} else if (flags & PINHOLE_EXPLAIN_JSON) {
		print_json(f, &a);
	} else {
		print_text(f, &a);
	}
	answer_free(&a);
	return ferror(f) ? -EIO : to_public(res.verdict);
}

/* ------------------------------------------------- interfaces and zones */

static void ifname_of(const char *pattern, char buf[IFNAMSIZ])
{
	size_t len = strlen(pattern);

	memset(buf, 0, IFNAMSIZ);
	if (len && pattern[len - 1] == '*') {
		/* a name the wildcard matches */
		len--;
		if (len > IFNAMSIZ - 2)
			len = IFNAMSIZ - 2;
		memcpy(buf, pattern, len);
		buf[len] = '0';
		return;
	}
	memcpy(buf, pattern, len < IFNAMSIZ - 1 ? len : IFNAMSIZ - 1);
}

EXPORT_SYMBOL(pinhole_policy_zone_ifname);
int pinhole_policy_zone_ifname(const struct pinhole_policy *p, const char *zone,
			       char buf[16])
{
	memset(buf, 0, IFNAMSIZ);
	if (!p)
		return -EINVAL;
	if (!p->n_zones)
		return zone ? -ENOENT : 1;
	for (size_t i = 0; i < p->n_zones; i++) {
		const struct ph_zone *z = &p->zones[i];

		if (zone ? strcmp(z->name, zone) : !z->outside)
			continue;
		if (!z->n_ifnames)
			return -ENOENT;
		ifname_of(z->ifnames[0], buf);
		return 0;
	}
	return -ENOENT;
}

EXPORT_SYMBOL(pinhole_ruleset_outside_ifname);
int pinhole_ruleset_outside_ifname(const struct pinhole_ruleset *r, char buf[16])
{
	memset(buf, 0, IFNAMSIZ);
	for (size_t c = 0; r && c < r->n_chains; c++) {
		const struct ir_chain *ch = r->chains[c];

		if (ch->type != IR_CHAIN_FILTER || (ch->hook != NF_INET_LOCAL_IN &&
						    ch->hook != NF_INET_FORWARD))
			continue;
		for (size_t i = 0; i < ch->n_rules; i++) {
			const struct ir_rule *rl = &ch->rules[i];

			if (rl->unknown || !rule_has(rl, IR_S_JUMP))
				continue;
			for (unsigned int m = 0; m < rl->n_matches; m++) {
				const struct ir_match *mt = &rl->matches[m];

				if (mt->keys[0].field == IR_F_IIFNAME && mt->n_keys == 1 &&
				    mt->op == IR_OP_LOOKUP && mt->set && mt->set->n_elems) {
					/*
					 * several outside interfaces: iifname { "ppp*", "wan0" }.
					 * An exact name if there is one; else the start of a
					 * wildcard's interval ("ppp"), a name it matches.
					 */
					const struct ir_set *st = mt->set;
					const struct ir_elem *e = &st->elems[0];

					for (size_t k = 0; (st->flags & IR_SET_INTERVAL) &&
					     k < st->n_elems; k++)
						if (!memcmp(st->elems[k].key, st->elems[k].key_end,
							    IFNAMSIZ)) {
							e = &st->elems[k];
							break;
						}
					memcpy(buf, e->key, IFNAMSIZ - 1);
					return 0;
				}
				if (mt->keys[0].field != IR_F_IIFNAME || mt->op != IR_OP_EQ)
					continue;
				if (mt->prefix_len) {
					char pat[IFNAMSIZ + 1] = "";

					memcpy(pat, mt->lo, mt->prefix_len < IFNAMSIZ - 1 ?
					       mt->prefix_len : IFNAMSIZ - 1);
					strcat(pat, "*");
					ifname_of(pat, buf);
				} else {
					memcpy(buf, mt->lo, IFNAMSIZ - 1);
				}
				return 0;
			}
		}
	}
	return -ENOENT;
}

EXPORT_SYMBOL(pinhole_address_local);
int pinhole_address_local(const char *addr, const char *netns, char ifname[16])
{
	uint8_t a[16];
	int family, self = -1, ret = 0;
	struct ifaddrs *ifs = NULL;

	memset(ifname, 0, IFNAMSIZ);
	if (!addr || parse_addr(addr, a, &family))
		return -EINVAL;
	if (netns) {
		char path[300];
		int fd;

		if (!*netns || strchr(netns, '/'))
			return -EINVAL;
		snprintf(path, sizeof(path), "/run/netns/%s", netns);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0 || setns(fd, CLONE_NEWNET) < 0) {
			ret = -errno;
			close(fd);
			if (self >= 0)
				close(self);
			return ret;
		}
		close(fd);
	}
	if (getifaddrs(&ifs) < 0)
		ret = -errno;
	for (struct ifaddrs *i = ifs; !ret && i; i = i->ifa_next) {
		const void *ia = NULL;

		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET6 && family == 6)
			ia = &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;
		else if (i->ifa_addr->sa_family == AF_INET && family == 4)
			ia = &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
		if (ia && !memcmp(ia, a, family == 6 ? 16 : 4)) {
			strncpy(ifname, i->ifa_name, IFNAMSIZ - 1);
			ret = 1;
		}
	}
	/*
	 * A router (forwarding on) also answers the subnet-router anycast
	 * address of each prefix of its interfaces (RFC 4291 2.6.1), which
	 * getifaddrs() does not list: the kernel delivers it locally.
	 */
	for (struct ifaddrs *i = ifs; !ret && family == 6 && i; i = i->ifa_next) {
		const uint8_t *ia, *im;
		bool net = true, ones = true;
		char path[128], c = 0;
		FILE *f;

		if (!i->ifa_addr || !i->ifa_netmask || i->ifa_addr->sa_family != AF_INET6)
			continue;
		ia = ((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr.s6_addr;
		im = ((struct sockaddr_in6 *)(void *)i->ifa_netmask)->sin6_addr.s6_addr;
		for (int k = 0; k < 16; k++) {
			net &= (a[k] & ~im[k]) == 0 && (ia[k] & im[k]) == a[k];
			if (k == 15)
				ones = im[14] == 0xff && (im[15] & 0xfe) == 0xfe;
		}
		if (!net || ones)
			continue;	/* not its prefix, or a /127 or /128 */
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/forwarding",
			 i->ifa_name);
		if ((f = fopen(path, "re"))) {
			if (fread(&c, 1, 1, f) == 1 && c == '1') {
				strncpy(ifname, i->ifa_name, IFNAMSIZ - 1);
				ret = 1;
			}
			fclose(f);
		}
	}
	freeifaddrs(ifs);
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET) < 0 && ret >= 0)
			ret = -errno;
		close(self);
	}
	return ret;
}
