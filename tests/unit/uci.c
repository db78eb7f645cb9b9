// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fw4 UCI printer: read the output back with a small UCI reader (the file
 * form and the `uci batch` form, tokenised the way libuci does) and compare
 * it with the IR's logical pinholes: every pinhole appears, with the right
 * proto, ports, dest_ip, src_ip and family, and nothing else does.
 * Policies: every .yaml in examples/ and tests/golden/uci/ (those with a
 * .err must fail and print nothing); plus hand-built IR for the error cases and
 * quoting.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pinhole.h"
#include "ast.h"
#include "ir.h"
#include "uci.h"
#include "tap.h"

/* ------------------------------------------------------------ UCI reader */

#define MAX_SECS 256
#define MAX_OPTS 32

struct opt {
	char *key, *val;
	bool list;
};

struct sec {
	char *type;
	struct opt opts[MAX_OPTS];
	unsigned int n;
};

struct conf {
	struct sec secs[MAX_SECS];
	unsigned int n;
	bool committed;
	char err[128];
};

static void conf_free(struct conf *c)
{
	for (unsigned int i = 0; i < c->n; i++) {
		free(c->secs[i].type);
		for (unsigned int j = 0; j < c->secs[i].n; j++) {
			free(c->secs[i].opts[j].key);
			free(c->secs[i].opts[j].val);
		}
	}
	memset(c, 0, sizeof(*c));
}

/*
 * Split a line into words as libuci's parse_str() does: '...' literal,
 * "..." with backslash escapes, bare words with backslash escapes; quoted
 * and bare parts next to each other form one word. '#' starts a comment.
 */
static int split(const char *p, char **w, int max)
{
	int n = 0;

	for (;;) {
		char buf[1024];
		size_t len = 0;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			return n;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
			if (*p == '\'') {
				for (p++; *p && *p != '\''; p++)
					buf[len++] = *p;
				if (!*p)
					return -1;
				p++;
			} else if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && p[1])
						p++;
					buf[len++] = *p;
				}
				if (!*p)
					return -1;
				p++;
			} else {
				if (*p == '\\' && p[1])
					p++;
				buf[len++] = *p++;
			}
			if (len >= sizeof(buf) - 1)
				return -1;
		}
		buf[len] = '\0';
		if (n == max)
			return -1;
		w[n++] = strdup(buf);
	}
}

static bool add_opt(struct conf *c, const char *key, const char *val, bool list)
{
	struct sec *s;

	if (!c->n || c->committed)
		return false;
	s = &c->secs[c->n - 1];
	if (s->n == MAX_OPTS)
		return false;
	s->opts[s->n].key = strdup(key);
	s->opts[s->n].val = strdup(val);
	s->opts[s->n++].list = list;
	return true;
}

static bool add_sec(struct conf *c, const char *type)
{
	if (c->n == MAX_SECS || c->committed)
		return false;
	c->secs[c->n++].type = strdup(type);
	return true;
}

/* One line of the file form. */
static bool file_line(struct conf *c, int n, char **w)
{
	if (!n)
		return true;
	if (!strcmp(w[0], "config") && n == 2)
		return add_sec(c, w[1]);
	if ((!strcmp(w[0], "option") || !strcmp(w[0], "list")) && n == 3)
		return add_opt(c, w[1], w[2], w[0][0] == 'l');
	return false;
}

/* One line of the batch form: add / set / add_list / commit firewall. */
static bool batch_line(struct conf *c, int n, char **w)
{
	const char *p, *dot, *eq;
	size_t tl;

	if (!n)
		return true;
	if (n == 3 && !strcmp(w[0], "add") && !strcmp(w[1], "firewall"))
		return add_sec(c, w[2]);
	if (n == 2 && !strcmp(w[0], "commit") && !strcmp(w[1], "firewall"))
		return !c->committed && (c->committed = true);
	if (n != 2 || (strcmp(w[0], "set") && strcmp(w[0], "add_list")))
		return false;
	/* firewall.@TYPE[-1].KEY=VALUE, TYPE the open section's */
	if (strncmp(w[1], "firewall.@", 10) || !c->n)
		return false;
	p = w[1] + 10;
	tl = strlen(c->secs[c->n - 1].type);
	if (strncmp(p, c->secs[c->n - 1].type, tl) || strncmp(p + tl, "[-1].", 5))
		return false;
	dot = p + tl + 4;
	eq = strchr(dot, '=');
	if (!eq || eq == dot + 1) {
		return false;
	} else {
		char key[64];

		snprintf(key, sizeof(key), "%.*s", (int)(eq - dot - 1), dot + 1);
		return add_opt(c, key, eq + 1, w[0][0] == 'a');
	}
}

static bool read_conf(struct conf *c, const char *text, bool batch)
{
	const char *line = text;
	unsigned int lineno = 0;

	memset(c, 0, sizeof(*c));
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		char *l = strndup(line, nl ? (size_t)(nl - line) : strlen(line));
		char *w[8];
		int n = split(l, w, 8);
		bool good = n >= 0 && (batch ? batch_line(c, n, w) : file_line(c, n, w));

		lineno++;
		for (int i = 0; i < n; i++)
			free(w[i]);
		if (!good)
			snprintf(c->err, sizeof(c->err), "line %u: '%s'", lineno, l);
		free(l);
		if (!good)
			return false;
		line = nl ? nl + 1 : NULL;
	}
	if (batch && !c->committed) {
		snprintf(c->err, sizeof(c->err), "no 'commit firewall' at the end");
		return false;
	}
	return true;
}

static bool conf_equal(const struct conf *a, const struct conf *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned int i = 0; i < a->n; i++) {
		const struct sec *x = &a->secs[i], *y = &b->secs[i];

		if (strcmp(x->type, y->type) || x->n != y->n)
			return false;
		for (unsigned int j = 0; j < x->n; j++)
			if (strcmp(x->opts[j].key, y->opts[j].key) ||
			    strcmp(x->opts[j].val, y->opts[j].val) ||
			    x->opts[j].list != y->opts[j].list)
				return false;
	}
	return true;
}

/* ------------------------------------------------- compare with the IR */

static char why[512];

static const char *nz(const char *s)
{
	return s ? s : "(none)";
}

static bool __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return false;
}

/* The section's one value of @key (an option, or a list when @list). */
static const char *get(const struct sec *s, const char *key, bool list,
		       unsigned int nth)
{
	for (unsigned int i = 0; i < s->n; i++)
		if (!strcmp(s->opts[i].key, key) && s->opts[i].list == list &&
		    !nth--)
			return s->opts[i].val;
	return NULL;
}

static unsigned int count(const struct sec *s, const char *key)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < s->n; i++)
		n += !strcmp(s->opts[i].key, key);
	return n;
}

/* Every option appears once (src_ip may repeat as a list), none else. */
static bool only_keys(const struct sec *s, const char *const *keys)
{
	for (unsigned int i = 0; i < s->n; i++) {
		const char *const *k;

		for (k = keys; *k && strcmp(*k, s->opts[i].key); k++)
			;
		if (!*k)
			return fail("unexpected option '%s'", s->opts[i].key);
		if (strcmp(*k, "src_ip") && strcmp(*k, "reflection_zone") &&
		    count(s, *k) != 1)
			return fail("option '%s' appears more than once", *k);
	}
	return true;
}

/* fw4 parse_port(): "N", "lo-hi" or "lo:hi". */
static bool parse_range(const char *s, struct ir_portrange *out)
{
	char *end;
	unsigned long lo = strtoul(s, &end, 10), hi = lo;

	if (end == s)
		return false;
	if (*end == '-' || *end == ':') {
		const char *h = end + 1;

		hi = strtoul(h, &end, 10);
		if (end == h)
			return false;
	}
	if (*end || lo > hi || hi > 65535)
		return false;
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return true;
}

static bool ports_match(const char *val, const struct ir_portrange *want, size_t n)
{
	char *copy = strdup(val), *save = NULL, *tok;
	size_t i = 0;
	bool good = true;

	for (tok = strtok_r(copy, " \t", &save); tok && good;
	     tok = strtok_r(NULL, " \t", &save), i++) {
		struct ir_portrange pr;

		good = i < n && parse_range(tok, &pr) && pr.lo == want[i].lo &&
		       pr.hi == want[i].hi;
	}
	free(copy);
	return good && i == n;
}

static bool proto_match(const char *val, unsigned int protos)
{
	const char *want = protos == (PH_PROTO_TCP | PH_PROTO_UDP) ? "tcp udp" :
			   protos == PH_PROTO_UDP ? "udp" : "tcp";

	return val && !strcmp(val, want);
}

/* An address with an optional /N: parsed independently of the printer. */
static bool parse_prefix(const char *s, int family, uint8_t addr[16],
			 unsigned int *plen)
{
	char buf[128];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	memset(addr, 0, 16);
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, buf, addr) != 1)
		return false;
	*plen = family == 4 ? 32 : 128;
	if (slash) {
		char *end;

		*plen = (unsigned int)strtoul(slash, &end, 10);
		if (end == slash || *end)
			return false;
	}
	return true;
}

/*
 * dest_ip of an IPv6 pinhole as fw4 reads it (fw4.uc parse_subnet, to_mask):
 * "A", "A/N", "A/-N" (mask: a /N prefix mask inverted) or "A/MASK".
 */
static bool dest_ip6_match(const char *val, const struct ir_pinhole *lp)
{
	char buf[128], *slash;
	uint8_t a[16], m[16], want[16];
	unsigned int plen;

	if (lp->kind != IR_PH_SUFFIX) {
		unsigned int want_plen = lp->kind == IR_PH_EXACT ? 128 : lp->plen;

		return parse_prefix(val, 6, a, &plen) && plen == want_plen &&
		       !memcmp(a, lp->addr, 16);
	}
	snprintf(buf, sizeof(buf), "%s", val);
	slash = strchr(buf, '/');
	if (!slash)
		return false;
	*slash++ = '\0';
	if (inet_pton(AF_INET6, buf, a) != 1 || memcmp(a, lp->addr, 16))
		return false;
	memset(m, 0, 16);
	if (*slash == '-') {
		unsigned int n = (unsigned int)atoi(slash + 1);

		for (unsigned int i = 0; i < 128; i++)
			if (i >= n)
				m[i / 8] |= 0x80 >> (i % 8);
	} else if (inet_pton(AF_INET6, slash, m) != 1) {
		return false;
	}
	/* the IR's suffix: its last plen bits */
	memset(want, 0, 16);
	for (unsigned int i = 128 - lp->plen; i < 128; i++)
		want[i / 8] |= 0x80 >> (i % 8);
	return !memcmp(m, want, 16);
}

static bool src_match(const char *val, const struct ir_pinhole *lp, size_t j)
{
	uint8_t a[16];
	unsigned int plen;

	return val && parse_prefix(val, lp->family, a, &plen) &&
	       plen == lp->from_plen[j] &&
	       !memcmp(a, lp->from_addr[j], lp->family == 4 ? 4 : 16);
}

static bool is(const char *got, const char *want)
{
	return got && want && !strcmp(got, want);
}

static bool check_rule(const struct sec *s, const struct ir_pinhole *lp,
		       const char *src)
{
	static const char *const keys[] = {
		"name", "src", "src_ip", "dest", "proto", "dest_ip", "dest_port",
		"family", "target", "log", "log_limit", NULL,
	};
	bool self = lp->kind == IR_PH_SELF;
	char prefix[128];

	if (strcmp(s->type, "rule"))
		return fail("section is a '%s', not a rule", s->type);
	if (!only_keys(s, keys))
		return false;
	if (!is(get(s, "name", false, 0), lp->name))
		return fail("name '%s' is not '%s'", nz(get(s, "name", false, 0)), lp->name);
	if (!is(get(s, "src", false, 0), src))
		return fail("src is not %s", src);
	if (self ? !!get(s, "dest", false, 0) : !is(get(s, "dest", false, 0), lp->dest_zone))
		return fail("dest is wrong for %s", lp->name);
	if (!proto_match(get(s, "proto", false, 0), lp->protos))
		return fail("proto of %s is '%s'", lp->name, nz(get(s, "proto", false, 0)));
	if (self ? !!get(s, "dest_ip", false, 0) :
	    !(get(s, "dest_ip", false, 0) && lp->family == 6 &&
	      dest_ip6_match(get(s, "dest_ip", false, 0), lp)))
		return fail("dest_ip of %s is '%s'", lp->name, nz(get(s, "dest_ip", false, 0)));
	if (!get(s, "dest_port", false, 0) ||
	    !ports_match(get(s, "dest_port", false, 0), lp->ports, lp->n_ports))
		return fail("dest_port of %s is '%s'", lp->name, nz(get(s, "dest_port", false, 0)));
	if (count(s, "src_ip") != lp->n_from)
		return fail("src_ip count of %s is wrong", lp->name);
	for (size_t j = 0; j < lp->n_from; j++)
		if (!src_match(get(s, "src_ip", true, (unsigned int)j), lp, j))
			return fail("src_ip of %s is wrong", lp->name);
	if (!is(get(s, "family", false, 0), lp->family == 4 ? "ipv4" : "ipv6"))
		return fail("family of %s is wrong", lp->name);
	if (!is(get(s, "target", false, 0), "ACCEPT"))
		return fail("target of %s is not ACCEPT", lp->name);
	/* log: true is fw4's log with log_limit; log: false neither */
	snprintf(prefix, sizeof(prefix), "pinhole: %s: ", lp->name);
	if (lp->log ? !is(get(s, "log", false, 0), prefix) || !get(s, "log_limit", false, 0) :
	    get(s, "log", false, 0) || get(s, "log_limit", false, 0))
		return fail("log of %s is wrong", lp->name);
	return true;
}

/*
 * ipv4.reflection: off (or a forward restricted by from:) is reflection
 * '0'; on, fw4's default reflects from the dest zone, so more than one
 * inside zone is listed, every one of them in the policy's order.
 */
static bool check_reflection(const struct sec *s, const struct pinhole_ruleset *r,
			     const struct ir_pinhole *lp)
{
	unsigned int inside = 0, k = 0;

	if (r->zone_policy.no_reflection || lp->n_from)
		return is(get(s, "reflection", false, 0), "0") &&
		       !count(s, "reflection_zone") ? true :
		       fail("%s: reflection is not '0'", lp->name);
	if (get(s, "reflection", false, 0))
		return fail("%s: reflection is on, yet the option is there", lp->name);
	for (size_t z = 0; z < r->n_zones; z++)
		inside += !r->zones[z].outside;
	if (count(s, "reflection_zone") != (inside > 1 ? inside : 0))
		return fail("%s: reflection_zone count is wrong", lp->name);
	for (size_t z = 0; inside > 1 && z < r->n_zones; z++)
		if (!r->zones[z].outside &&
		    !is(get(s, "reflection_zone", true, k++), r->zones[z].name))
			return fail("%s: reflection_zone %u is not %s", lp->name, k,
				    r->zones[z].name);
	return true;
}

static bool check_redirect(const struct sec *s, const struct pinhole_ruleset *r,
			   const struct ir_pinhole *lp,
			   size_t i, size_t j, unsigned int k, const char *src)
{
	static const char *const keys[] = {
		"name", "src", "src_ip", "src_dport", "dest", "dest_ip",
		"dest_port", "proto", "family", "target", "reflection",
		"reflection_zone", NULL,
	};
	char name[256], ip[16];
	uint8_t a[16];
	unsigned int plen;
	struct ir_portrange one;

	if (k == 1)
		snprintf(name, sizeof(name), "%s", lp->name);
	else
		snprintf(name, sizeof(name), "%s-%u", lp->name, k);
	if (strcmp(s->type, "redirect"))
		return fail("section is a '%s', not a redirect", s->type);
	if (!only_keys(s, keys))
		return false;
	if (!is(get(s, "name", false, 0), name))
		return fail("name '%s' is not '%s'", nz(get(s, "name", false, 0)), name);
	if (!is(get(s, "src", false, 0), src) ||
	    !is(get(s, "dest", false, 0), lp->dest_zone))
		return fail("src/dest zones of %s are wrong", name);
	if (count(s, "src_ip") != (lp->n_from ? 1u : 0u) || get(s, "src_ip", true, 0) ||
	    (lp->n_from && !src_match(get(s, "src_ip", false, 0), lp, j)))
		return fail("src_ip of %s is wrong", name);
	one = lp->ext[i];
	if (!get(s, "src_dport", false, 0) || !ports_match(get(s, "src_dport", false, 0), &one, 1))
		return fail("src_dport of %s is '%s'", name, nz(get(s, "src_dport", false, 0)));
	one = lp->ports[i];
	if (!get(s, "dest_port", false, 0) || !ports_match(get(s, "dest_port", false, 0), &one, 1))
		return fail("dest_port of %s is '%s'", name, nz(get(s, "dest_port", false, 0)));
	snprintf(ip, sizeof(ip), "%s", get(s, "dest_ip", false, 0) ? get(s, "dest_ip", false, 0) : "");
	if (!parse_prefix(ip, 4, a, &plen) || plen != 32 || memcmp(a, lp->addr, 4))
		return fail("dest_ip of %s is '%s'", name, ip);
	if (!proto_match(get(s, "proto", false, 0), lp->protos))
		return fail("proto of %s is wrong", name);
	if (!is(get(s, "family", false, 0), "ipv4") || !is(get(s, "target", false, 0), "DNAT"))
		return fail("family/target of %s are wrong", name);
	return check_reflection(s, r, lp);
}

/*
 * The sections SPEC 6.3 adds before the pinholes, per outside zone: with
 * defaults.inbound: accept a forwarding to every inside zone, with ipsec:
 * true the ESP/AH and IKE rules (IPv6, to any zone). Returns the sections
 * consumed, or -1.
 */
static int check_router_details(const struct conf *c, const struct pinhole_ruleset *r)
{
	unsigned int si = 0;
	char name[96];

	for (size_t z = 0; z < r->n_zones; z++) {
		const char *src = r->zones[z].name;

		if (!r->zones[z].outside)
			continue;
		for (size_t d = 0; r->zone_policy.inbound == PH_V_ACCEPT &&
				   d < r->n_zones; d++) {
			const struct sec *s = &c->secs[si];

			if (r->zones[d].outside)
				continue;
			if (si >= c->n || strcmp(s->type, "forwarding") ||
			    !is(get(s, "src", false, 0), src) ||
			    !is(get(s, "dest", false, 0), r->zones[d].name) || s->n != 2)
				return fail("no forwarding %s -> %s for inbound: accept",
					    src, r->zones[d].name), -1;
			si++;
		}
		if (!r->zone_policy.ipsec)
			continue;
		for (int k = 0; k < 2; k++) {
			const struct sec *s = &c->secs[si];

			snprintf(name, sizeof(name), "%s-ipsec-%s", src, k ? "ike" : "esp-ah");
			if (si >= c->n || strcmp(s->type, "rule") ||
			    !is(get(s, "name", false, 0), name) ||
			    !is(get(s, "src", false, 0), src) ||
			    !is(get(s, "dest", false, 0), "*") ||
			    !is(get(s, "proto", false, 0), k ? "udp" : "esp ah") ||
			    (k && !is(get(s, "dest_port", false, 0), "500 4500")) ||
			    !is(get(s, "family", false, 0), "ipv6") ||
			    !is(get(s, "target", false, 0), "ACCEPT"))
				return fail("no rule %s for ipsec: true", name), -1;
			si++;
		}
	}
	return (int)si;
}

/* The src zones a pinhole is printed for: every outside zone, or "wan". */
static size_t src_zones(const struct pinhole_ruleset *r, const char **v, size_t cap)
{
	size_t n = 0;

	for (size_t z = 0; z < r->n_zones && n < cap; z++)
		if (r->zones[z].outside)
			v[n++] = r->zones[z].name;
	if (!n)
		v[n++] = "wan";
	return n;
}

/* Walk the IR in order; each pinhole consumes its sections, per src zone. */
static bool conf_matches_ir(const struct conf *c, const struct pinhole_ruleset *r)
{
	const char *srcs[32];
	size_t n_srcs = src_zones(r, srcs, 32);
	int first = check_router_details(c, r);
	unsigned int si = first < 0 ? 0 : (unsigned int)first;

	if (first < 0)
		return false;
	for (size_t p = 0; p < r->n_pinholes; p++) {
		const struct ir_pinhole *lp = &r->pinholes[p];

		for (size_t z = 0; z < n_srcs; z++) {
			if (!lp->dnat) {
				if (si >= c->n)
					return fail("no section for pinhole %s", lp->name);
				if (!check_rule(&c->secs[si++], lp, srcs[z]))
					return false;
				continue;
			}
			for (size_t i = 0, k = 1; i < lp->n_ports; i++) {
				for (size_t j = 0; j < (lp->n_from ? lp->n_from : 1); j++, k++) {
					if (si >= c->n)
						return fail("missing redirect for %s", lp->name);
					if (!check_redirect(&c->secs[si++], r, lp, i, j,
							    (unsigned int)k, srcs[z]))
						return false;
				}
			}
		}
	}
	if (si != c->n)
		return fail("extra section '%s'", c->secs[si].type);
	return true;
}

/* ------------------------------------------------------------ the tests */

static char *uci_text(const struct pinhole_ruleset *r, struct pinhole_diag *d,
		      int batch, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*ret = pinhole_ruleset_uci(r, d, f, batch);
	fclose(f);
	return buf;
}

static void test_policy(const char *path)
{
	struct pinhole_diag *d = pinhole_diag_new();
	struct pinhole_policy *p = NULL;
	struct pinhole_ruleset *r = NULL;
	char errfile[4096];
	bool want_err;
	char *file, *batch;
	int rf, rb;
	struct conf cf, cb;

	snprintf(errfile, sizeof(errfile), "%.*s.err", (int)(strlen(path) - 5), path);
	want_err = access(errfile, F_OK) == 0;
	if (pinhole_policy_load_file(path, d, &p) || pinhole_ruleset_compile(p, d, &r)) {
		ok(0, "%s: loads and compiles", path);
		goto out;
	}
	file = uci_text(r, d, 0, &rf);
	batch = uci_text(r, d, 1, &rb);
	if (want_err) {
		ok(rf == -1 && rb == -1 && !*file && !*batch &&
		   pinhole_diag_errors(d) > 0,
		   "%s: fw4 cannot express it: -1, an error, no output", path);
		free(file);
		free(batch);
		goto out;
	}
	ok(rf == 0 && rb == 0, "%s: prints both forms", path);
	ok(read_conf(&cf, file, false), "%s: the file form reads back (%s)", path, cf.err);
	ok(read_conf(&cb, batch, true), "%s: the batch form reads back (%s)", path, cb.err);
	ok(conf_equal(&cf, &cb), "%s: batch and file forms hold the same sections", path);
	why[0] = '\0';
	ok(conf_matches_ir(&cf, r), "%s: every pinhole, nothing else (%s)", path, why);
	conf_free(&cf);
	conf_free(&cb);
	free(file);
	free(batch);
out:
	pinhole_ruleset_free(r);
	pinhole_policy_free(p);
	pinhole_diag_free(d);
}

static void test_dir(const char *srcdir, const char *pattern)
{
	char pat[4096];
	glob_t g;

	snprintf(pat, sizeof(pat), "%s/%s", srcdir, pattern);
	if (glob(pat, 0, NULL, &g) != 0) {
		ok(0, "policies found in %s", pat);
		return;
	}
	for (size_t i = 0; i < g.gl_pathc; i++)
		test_policy(g.gl_pathv[i]);
	globfree(&g);
}

static struct ir_pinhole *hand(struct pinhole_ruleset *r, const char *name,
			       int family, size_t n_ports)
{
	static const struct pinhole_loc loc = { "hand.yaml", 7, 5 };
	struct ir_pinhole *lp = ir_pinhole_add(r);

	lp->name = strdup(name);
	lp->loc = loc;
	lp->family = family;
	lp->protos = PH_PROTO_TCP;
	lp->n_ports = n_ports;
	lp->ports = calloc(n_ports, sizeof(*lp->ports));
	lp->ext = calloc(n_ports, sizeof(*lp->ext));
	return lp;
}

static void test_hand_built(void)
{
	struct pinhole_ruleset *r = ir_ruleset_new("t");
	struct pinhole_diag *d = pinhole_diag_new();
	struct ir_pinhole *lp;
	struct conf c;
	char *out, *msg;
	int ret;

	/* a table alone has no pinhole layer to print */
	out = uci_text(r, d, 0, &ret);
	ok(ret == -EINVAL && !*out, "a ruleset without its pinhole layer is refused");
	free(out);
	r->has_pinholes = true;

	/* a quote in a name survives both forms */
	lp = hand(r, "it's", 6, 1);
	lp->kind = IR_PH_SELF;
	lp->ports[0] = lp->ext[0] = (struct ir_portrange){ 22, 22 };
	out = uci_text(r, d, 0, &ret);
	ok(ret == 0 && strstr(out, "option name 'it'\\''s'"), "a quote is written '\\''");
	ok(read_conf(&c, out, false) && is(get(&c.secs[0], "name", false, 0), "it's"),
	   "the file form reads the quoted name back");
	conf_free(&c);
	free(out);
	out = uci_text(r, d, 1, &ret);
	ok(ret == 0 && read_conf(&c, out, true) &&
	   is(get(&c.secs[0], "name", false, 0), "it's"),
	   "the batch form reads the quoted name back");
	conf_free(&c);
	free(out);

	/* a range forwarded to a shifted range: an error, nothing printed */
	lp = hand(r, "shift", 4, 2);
	lp->kind = IR_PH_EXACT;
	lp->dnat = true;
	lp->dest_zone = strdup("lan");
	lp->addr[0] = 192, lp->addr[1] = 0, lp->addr[2] = 2, lp->addr[3] = 5;
	lp->ports[0] = (struct ir_portrange){ 7000, 7002 };
	lp->ext[0] = (struct ir_portrange){ 17000, 17002 };
	lp->ports[1] = lp->ext[1] = (struct ir_portrange){ 80, 80 };
	out = uci_text(r, d, 0, &ret);
	msg = diag_text(d);
	ok(ret == -1 && !*out, "a shifted range forward fails with nothing printed");
	is_str(msg, "hand.yaml:7:5: error: pinhole 'shift': fw4 cannot forward "
	       "port range 17000:17002 to the different range 7000:7002 (a "
	       "redirect maps one port, or keeps a range unchanged); forward "
	       "the same range, or list single ports\n",
	       "the error names the pinhole's line");
	free(out);
	free(msg);

	/* fixed: the same range both sides is fine, and splits per port */
	lp->ext[0] = lp->ports[0];
	pinhole_diag_free(d);
	d = pinhole_diag_new();
	out = uci_text(r, d, 0, &ret);
	ok(ret == 0 && read_conf(&c, out, false) && c.n == 3 &&
	   is(get(&c.secs[1], "src_dport", false, 0), "7000:7002") &&
	   is(get(&c.secs[2], "name", false, 0), "shift-2") &&
	   is(get(&c.secs[2], "dest_ip", false, 0), "192.0.2.5"),
	   "one redirect per port: shift, shift-2");
	conf_free(&c);
	free(out);

	/* a host pinhole with no inside zone */
	lp = hand(r, "nozone", 6, 1);
	lp->kind = IR_PH_EXACT;
	lp->addr[0] = 0x20, lp->addr[1] = 0x01, lp->addr[2] = 0x0d, lp->addr[3] = 0xb8;
	lp->ports[0] = lp->ext[0] = (struct ir_portrange){ 443, 443 };
	out = uci_text(r, d, 1, &ret);
	ok(ret == -1 && !*out && pinhole_diag_errors(d) == 1,
	   "a host pinhole without a dest zone is an error");
	free(out);

	/* suffixes: /-64 as fw4 writes it, other lengths as a mask */
	{
		uint8_t m[16];
		char s[64];

		uci_suffix_mask(56, m);
		inet_ntop(AF_INET6, m, s, sizeof(s));
		is_str(s, "::ff:ffff:ffff:ffff", "the mask of a 56-bit suffix");
	}
	pinhole_diag_free(d);
	pinhole_ruleset_free(r);
}

int main(void)
{
	const char *srcdir = getenv("srcdir");

	if (!srcdir)
		srcdir = ".";
	test_dir(srcdir, "examples/*.yaml");
	test_dir(srcdir, "tests/golden/uci/*.yaml");
	test_hand_built();
	return tap_done();
}
