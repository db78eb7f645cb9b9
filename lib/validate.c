// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The YAML tree → struct pinhole_policy, with every semantic check of
 * SPEC §1 (cf. nftables evaluate.c). Each error points at the node it is
 * about: the value for a bad value, the key for an unknown or duplicate key.
 * It keeps going after errors so that one run reports every problem, and
 * stays linear: names are looked up in hash tables and repeated ports are
 * found by sorting.
 */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ast.h"
#include "diag.h"
#include "mem.h"
#include "misspell.h"
#include "pinhole.h"
#include "strmap.h"
#include "validate.h"
#include "yaml.h"

#define TABLE_NAME_MAX	31
#define ZONE_NAME_MAX	15
#define HOST_NAME_MAX_	32
#define PINHOLE_NAME_MAX 64
#define IFNAME_MAX	15	/* IFNAMSIZ - 1 */
#define QUOTE_MAX	64	/* user text echoed in a message */

/* A warning held back while streaming (see policy_stream_new()). */
struct held_warning {
	struct pinhole_loc loc;
	char *msg;
};

struct vctx {
	struct pinhole_policy *p;
	struct pinhole_diag *d;
	bool failed;		/* an error was queued */
	bool oom;
	struct strmap zones;	/* name → index */
	struct strmap hosts;
	struct strmap ifnames;	/* interface → zone index */
	struct strmap names;	/* pinhole name → index */
	bool *host_bad;		/* the host had errors: skip checks built on it */
	/* the pinhole being parsed: where its host: and from: are */
	struct pinhole_loc host_loc, from_loc;
	char qbuf[6][4 * QUOTE_MAX + 16];
	unsigned int qi;
	/* streaming: sections validated while the YAML was still being read */
	bool stream;
	bool zones_done;	/* do_zones() ran before hosts or pinholes */
	bool hosts_streamed;	/* host entries were taken one by one */
	bool hosts_done;	/* every host was known before the pinholes */
	bool pinholes_streamed;
	bool pinholes_kept;	/* the pinholes stay in the tree */
	bool *ok;		/* per pinhole: no errors */
	size_t cap_hosts, cap_host_bad, cap_pinholes, cap_ok;
	struct ahead { size_t mapped, cap; } hosts_ahead, pinholes_ahead;
	struct held_warning *held;
	size_t n_held, cap_held;
};

#define verr(c, loc, ...) \
	((c)->failed = true, pinhole_error((c)->d, (loc), __VA_ARGS__))

/*
 * Warnings go straight to the queue, or while streaming are held back until
 * the policy is known to have no error (policy_stream_finish()).
 */
static void vwarn(struct vctx *c, const struct pinhole_loc *loc,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void vwarn(struct vctx *c, const struct pinhole_loc *loc,
		  const char *fmt, ...)
{
	struct held_warning *hw;
	va_list ap;
	char *msg;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0) {
		c->oom = true;
		return;
	}
	if (!c->stream) {
		pinhole_warning(c->d, loc, "%s", msg);
		free(msg);
		return;
	}
	if (c->n_held == c->cap_held) {
		size_t cap = c->cap_held ? c->cap_held * 2 : 16;

		hw = realloc(c->held, cap * sizeof(*hw));
		if (!hw) {
			free(msg);
			c->oom = true;
			return;
		}
		c->held = hw;
		c->cap_held = cap;
	}
	c->held[c->n_held++] = (struct held_warning){ *loc, msg };
}

static bool full(const struct vctx *c)
{
	return c->oom || pinhole_diag_full(c->d);
}

static char *xstrdup(struct vctx *c, const char *s)
{
	char *r = strdup(s);

	if (!r)
		c->oom = true;
	return r;
}

/* Names and port lists of hosts and pinholes: the policy's arena. */
static char *astrdup(struct vctx *c, const char *s)
{
	char *r = policy_strdup(c->p, s);

	if (!r)
		c->oom = true;
	return r;
}

static void *aalloc(struct vctx *c, size_t n, size_t size, size_t align)
{
	void *r = policy_alloc(c->p, (n ? n : 1) * size, align);

	if (!r)
		c->oom = true;
	return r;
}

static void *xcalloc(struct vctx *c, size_t n, size_t size)
{
	void *r = calloc(n ? n : 1, size);

	if (!r)
		c->oom = true;
	return r;
}

/*
 * User text for a message: control characters escaped (a policy must not
 * drive the terminal), cut at QUOTE_MAX bytes on a UTF-8 boundary.
 */
static const char *q(struct vctx *c, const char *s)
{
	char *out = c->qbuf[c->qi++ % ARRAY_SIZE(c->qbuf)];
	size_t o = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (o >= QUOTE_MAX && (ch & 0xc0) != 0x80) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)sprintf(out + o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
	return out;
}

/* "a list", "a mapping", "nothing" or the quoted value: for "(found ...)". */
static const char *describe(struct vctx *c, const struct ynode *n)
{
	char *out;

	if (n->kind == YN_SEQ)
		return "a list";
	if (n->kind == YN_MAP)
		return "a mapping";
	if (ynode_is_null(n))
		return "nothing";
	out = c->qbuf[c->qi++ % ARRAY_SIZE(c->qbuf)];
	snprintf(out, sizeof(c->qbuf[0]), "'%s'", q(c, n->str));
	return out;
}

/* [A-Za-z][A-Za-z0-9_-]*, at most @max characters */
/* letters, digits, '_' and '-' (and '.' with @dot); strspn() builds a table per call */
static bool name_chars(const char *s, bool dot)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
		      (dot && ch == '.')))
			return false;
	}
	return true;
}

static bool is_ident(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (!len || len > max)
		return false;
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	return name_chars(s, false);
}

/* ------------------------------------------------------------ fields */

struct field {
	const char *name;
	const struct ynode *key, *val;
};

/*
 * Sort a mapping's pairs into @f by key name; report the unknown keys and
 * return how many there were (a misspelt key also explains a missing one).
 */
static unsigned int get_fields(struct vctx *c, const struct ynode *map,
			       const char *what, const char *name,
			       struct field *f, unsigned int nf)
{
	unsigned int unknown = 0;

	for (size_t i = 0; i < map->n; i += 2) {
		const struct ynode *k = map->kids[i];
		struct misspell m;
		char known[128] = "", buf[64];
		const char *where = what;
		unsigned int j;

		for (j = 0; j < nf; j++)
			if (!strcmp(f[j].name, k->str))
				break;
		if (j < nf) {
			f[j].key = k;
			f[j].val = map->kids[i + 1];
			continue;
		}
		unknown++;
		if (full(c))
			continue;
		/* "in host 'NAME'": only now that a message needs it */
		if (name) {
			snprintf(buf, sizeof(buf), "%s '%s'", what, q(c, name));
			where = buf;
		}
		misspell_init(&m, k->str);
		for (j = 0; j < nf; j++) {
			misspell_try(&m, f[j].name);
			snprintf(known + strlen(known), sizeof(known) - strlen(known),
				 "%s%s", j ? ", " : "", f[j].name);
		}
		if (m.best)
			verr(c, &k->loc, "unknown key '%s'%s%s; did you mean '%s'?",
			     q(c, k->str), where ? " in " : "", where ? where : "",
			     m.best);
		else
			verr(c, &k->loc, "unknown key '%s'%s%s (expected %s)",
			     q(c, k->str), where ? " in " : "", where ? where : "",
			     known);
	}
	return unknown;
}

/* A non-null scalar, or NULL after "'KEY' must be WHAT (found ...)". */
static const char *want_str(struct vctx *c, const struct ynode *v,
			    const char *key, const char *what)
{
	if (v->kind == YN_SCALAR && !ynode_is_null(v))
		return v->str;
	verr(c, &v->loc, "'%s' must be %s (found %s)", key, what, describe(c, v));
	return NULL;
}

struct choice {
	const char *name;
	int val;
};

static int choose(struct vctx *c, const struct ynode *v, const char *key,
		  const struct choice *ch, unsigned int n, int *out)
{
	char list[128] = "";
	struct misspell m;
	const char *s;

	/* the usual case first: no message, so no list of the choices */
	if (v->kind == YN_SCALAR && !ynode_is_null(v)) {
		for (unsigned int i = 0; i < n; i++) {
			if (!strcmp(v->str, ch[i].name)) {
				*out = ch[i].val;
				return 0;
			}
		}
	}
	for (unsigned int i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i == 0 ? "" : i == n - 1 ? " or " : ", ", ch[i].name);
	if (!(s = want_str(c, v, key, list)))
		return -1;
	for (unsigned int i = 0; i < n; i++) {
		if (!strcmp(s, ch[i].name)) {
			*out = ch[i].val;
			return 0;
		}
	}
	misspell_init(&m, s);
	for (unsigned int i = 0; i < n; i++)
		misspell_try(&m, ch[i].name);
	if (m.best)
		return verr(c, &v->loc, "'%s' must be %s, not '%s'; did you mean '%s'?",
			    key, list, q(c, s), m.best);
	return verr(c, &v->loc, "'%s' must be %s, not '%s'", key, list, q(c, s));
}

static int want_bool(struct vctx *c, const struct ynode *v, const char *key,
		     bool *out)
{
	static const struct choice bools[] = {
		{ "true", 1 }, { "false", 0 },
		{ "True", 1 }, { "False", 0 }, { "TRUE", 1 }, { "FALSE", 0 },
	};
	const char *s;

	if (!(s = want_str(c, v, key, "true or false")))
		return -1;
	for (unsigned int i = 0; i < ARRAY_SIZE(bools); i++) {
		if (!strcmp(s, bools[i].name)) {
			*out = bools[i].val;
			return 0;
		}
	}
	return verr(c, &v->loc, "'%s' must be true or false, not '%s'", key, q(c, s));
}

/* ------------------------------------------------------------ top level */

static int do_version(struct vctx *c, const struct ynode *root,
		      const struct field *f)
{
	const struct ynode *v = f->val;

	if (!v)
		return verr(c, &root->loc, "missing 'version: 1' (the policy "
			    "format version)");
	if (v->kind != YN_SCALAR || ynode_is_null(v))
		return verr(c, &v->loc, "'version' must be 1 (found %s)",
			    describe(c, v));
	if (strcmp(v->str, "1"))
		return verr(c, &v->loc, "unsupported policy version '%s' "
			    "(this pinhole reads version 1)", q(c, v->str));
	c->p->version = 1;
	return 0;
}

static int do_table(struct vctx *c, const struct field *f)
{
	const char *s = "pinhole";

	if (f->val) {
		s = want_str(c, f->val, "table", "a table name");
		if (!s)
			return -1;
		if (!is_ident(s, TABLE_NAME_MAX))
			return verr(c, &f->val->loc, "invalid table name '%s' (a letter, "
				    "then letters, digits, '_' or '-'; at most %u "
				    "characters)", q(c, s), TABLE_NAME_MAX);
	}
	c->p->table = xstrdup(c, s);
	return 0;
}

/* NULL if @s is a usable interface name, else what is wrong with it */
static const char *ifname_problem(const char *s)
{
	size_t len = strlen(s);

	if (!len)
		return "is empty";
	if (len > IFNAME_MAX)
		return "is longer than 15 characters";
	if (!strcmp(s, "*"))
		return "would match every interface";
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return "is not allowed";
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '*' && i != len - 1)
			return "may only have '*' at the end (a prefix wildcard)";
		if (ch <= ' ' || ch >= 0x7f || strchr("/:'\"\\", ch))
			return "has a character not allowed in interface names";
	}
	return NULL;
}

static void zone_interfaces(struct vctx *c, struct ph_zone *z, size_t zi,
			    const struct ynode *v, const struct ynode *key)
{
	const struct ynode *const *items = &v;
	size_t n = 1;

	if (v->kind == YN_SEQ) {
		items = (const struct ynode *const *)v->kids;
		n = v->n;
		if (!n) {
			verr(c, &v->loc, "zone '%s' has no interfaces", q(c, z->name));
			return;
		}
	} else if (v->kind != YN_SCALAR || ynode_is_null(v)) {
		verr(c, &v->loc, "'interfaces' must be a list of interface names "
		     "(found %s)", describe(c, v));
		return;
	}
	z->ifnames = xcalloc(c, n, sizeof(*z->ifnames));
	z->ifname_locs = xcalloc(c, n, sizeof(*z->ifname_locs));
	if (!z->ifnames || !z->ifname_locs)
		return;
	for (size_t i = 0; i < n && !full(c); i++) {
		const struct ynode *it = items[i];
		const char *s = want_str(c, it, "interfaces", "interface names");
		const char *problem;
		size_t other;
		char *name;
		int r;

		if (!s)
			continue;
		if ((problem = ifname_problem(s))) {
			verr(c, &it->loc, "interface name '%s' %s", q(c, s), problem);
			continue;
		}
		if (!(name = xstrdup(c, s)))
			return;
		z->ifnames[z->n_ifnames] = name;
		z->ifname_locs[z->n_ifnames++] = it->loc;
		r = strmap_add(&c->ifnames, name, zi, &other);
		if (r < 0)
			c->oom = true;
		else if (r > 0)
			verr(c, &it->loc, "interface '%s' is already in zone '%s'",
			     q(c, s), q(c, c->p->zones[other].name));
	}
}

static int do_zones(struct vctx *c, const struct field *f)
{
	const struct ynode *v = f->val;
	struct pinhole_policy *p = c->p;
	bool wan = false;

	if (!v || ynode_is_null(v))
		return 0;
	if (v->kind != YN_MAP)
		return verr(c, &v->loc, "'zones' must be a mapping of zone names "
			    "to interfaces (found %s)", describe(c, v));
	if (!v->n)
		return 0;
	p->router = true;
	p->zones = xcalloc(c, v->n / 2, sizeof(*p->zones));
	if (!p->zones)
		return -ENOMEM;
	for (size_t i = 0; i < v->n && !full(c); i += 2) {
		const struct ynode *k = v->kids[i], *zv = v->kids[i + 1];
		struct field zf[] = { { .name = "interfaces" } };
		size_t zi = p->n_zones;
		struct ph_zone *z = &p->zones[zi];

		if (!(z->name = xstrdup(c, k->str)))
			break;
		p->n_zones++;
		z->loc = k->loc;
		z->is_wan = !strcmp(k->str, "wan");
		wan |= z->is_wan;
		if (!is_ident(k->str, ZONE_NAME_MAX))
			verr(c, &k->loc, "invalid zone name '%s' (a letter, then "
			     "letters, digits, '_' or '-'; at most %u characters)",
			     q(c, k->str), ZONE_NAME_MAX);
		if (strmap_add(&c->zones, z->name, zi, NULL) < 0)
			c->oom = true;
		if (zv->kind != YN_MAP) {
			verr(c, &zv->loc, "zone '%s' must be a mapping with "
			     "'interfaces:' (found %s)", q(c, k->str), describe(c, zv));
			continue;
		}
		if (get_fields(c, zv, "zone", k->str, zf, ARRAY_SIZE(zf)) && !zf[0].val)
			continue;
		if (!zf[0].val)
			verr(c, &k->loc, "zone '%s' needs 'interfaces:'", q(c, k->str));
		else
			zone_interfaces(c, z, zi, zf[0].val, zf[0].key);
	}
	if (full(c))
		return -1;
	if (!wan)
		return verr(c, &f->key->loc, "router mode needs a zone named "
			    "'wan' (the outside)");
	if (p->n_zones < 2)
		return verr(c, &f->key->loc, "router mode needs an inside zone "
			    "besides 'wan'");
	return 0;
}

static void do_defaults(struct vctx *c, const struct field *f)
{
	static const struct choice inbound[] = {
		{ "drop", PH_V_DROP }, { "reject", PH_V_REJECT } };
	static const struct choice outbound[] = {
		{ "accept", PH_V_ACCEPT }, { "drop", PH_V_DROP } };
	static const struct choice input[] = {
		{ "drop", PH_V_DROP }, { "reject", PH_V_REJECT },
		{ "accept", PH_V_ACCEPT } };
	static const struct choice icmpv6[] = {
		{ "rfc4890", PH_ICMPV6_RFC4890 }, { "strict", PH_ICMPV6_STRICT } };
	struct field df[] = {
		{ .name = "inbound" }, { .name = "outbound" }, { .name = "input" }, { .name = "icmpv6" }, { .name = "log" },
	};
	struct ph_defaults *def = &c->p->defaults;
	int val;

	def->inbound = PH_V_DROP;
	def->outbound = PH_V_ACCEPT;
	def->input = PH_V_DROP;
	def->icmpv6 = PH_ICMPV6_RFC4890;
	def->log = false;
	if (!f->val || ynode_is_null(f->val))
		return;
	if (f->val->kind != YN_MAP) {
		verr(c, &f->val->loc, "'defaults' must be a mapping (found %s)",
		     describe(c, f->val));
		return;
	}
	get_fields(c, f->val, "defaults", NULL, df, ARRAY_SIZE(df));
	if (df[0].val && !choose(c, df[0].val, "inbound", inbound, 2, &val))
		def->inbound = val;
	if (df[1].val && !choose(c, df[1].val, "outbound", outbound, 2, &val))
		def->outbound = val;
	if (df[2].val && !choose(c, df[2].val, "input", input, 3, &val))
		def->input = val;
	if (df[3].val && !choose(c, df[3].val, "icmpv6", icmpv6, 2, &val))
		def->icmpv6 = val;
	if (df[4].val)
		want_bool(c, df[4].val, "log", &def->log);
}

/* ------------------------------------------------------------ hosts */

struct special {
	uint8_t net[16];
	unsigned int plen;
	const char *what;
};

static const struct special special6[] = {
	{ { 0 }, 128, "the unspecified address, not a host" },
	{ { [15] = 1 }, 128, "the loopback address, not a host" },
	{ { 0xfe, 0x80 }, 10, "a link-local address; a host needs a global one" },
	{ { 0xff }, 8, "a multicast address; a host needs a unicast one" },
	{ { [10] = 0xff, [11] = 0xff }, 96,
	  "an IPv4-mapped address; put the IPv4 address under ipv4:" },
};

static const struct special special4[] = {
	{ { 0 }, 8, "not a host address (0.0.0.0/8)" },
	{ { 127 }, 8, "a loopback address" },
	{ { 224 }, 4, "a multicast address" },
	{ { 255, 255, 255, 255 }, 32, "the broadcast address" },
};

static int host_ipv6(struct vctx *c, struct ph_host *h, const struct ynode *v)
{
	static const uint8_t ula[16] = { 0xfc };
	struct ph_addr6 *a6 = &h->ipv6;
	struct addr_parsed a;
	const char *s;
	char buf[64];
	enum addr_result r;

	s = want_str(c, v, "ipv6", "an IPv6 address, prefix or ::suffix/-N");
	if (!s)
		return -1;
	r = addr_parse(s, &a);
	if (r == ADDR_INVALID)
		return verr(c, &v->loc, "invalid IPv6 address '%s'", q(c, s));
	if (a.family == 4)
		return verr(c, &v->loc, "'%s' is an IPv4 address; put it under "
			    "ipv4:", q(c, s));
	if (r == ADDR_BAD_PLEN)
		return verr(c, &v->loc, "invalid prefix length in '%s' (/N with N "
			    "up to 128, or /-N for an interface-ID suffix)", q(c, s));
	memcpy(a6->addr, a.addr, 16);
	a6->plen = a.plen;
	if (a.suffix) {
		a6->kind = PH_ADDR6_SUFFIX;
		if (a.plen < 1 || a.plen > 127)
			return verr(c, &v->loc, "suffix length in '%s' must be "
				    "1..127", q(c, s));
		if (!addr6_suffix_fits(a.addr, a.plen))
			return verr(c, &v->loc, "suffix '%s' has bits set outside "
				    "its last %u bits", q(c, s), a.plen);
		if (!addr_has_host_bits(a.addr, 128, 0))
			return verr(c, &v->loc, "suffix '%s' is all zeros", q(c, s));
		return 0;
	}
	if (a.plen == 128) {
		a6->kind = PH_ADDR6_EXACT;
	} else if (a.plen == 0) {
		return verr(c, &v->loc, "'%s' is the whole IPv6 internet, not a "
			    "host", q(c, s));
	} else {
		a6->kind = PH_ADDR6_SUBNET;
		if (addr_has_host_bits(a.addr, 128, a.plen)) {
			addr_mask(a.addr, 128, a.plen);
			addr6_format(a.addr, buf);
			return verr(c, &v->loc, "'%s' has host bits set; did you "
				    "mean %s/%u?", q(c, s), buf, a.plen);
		}
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(special6); i++) {
		const struct special *sp = &special6[i];

		if (a.plen >= sp->plen && addr_in(a.addr, sp->net, sp->plen))
			return verr(c, &v->loc, "'%s' is %s", q(c, s), sp->what);
	}
	if (addr_in(a.addr, ula, 7))
		vwarn(c, &v->loc, "'%s' is a ULA address, not "
				"reachable from the internet", q(c, s));
	return 0;
}

static int host_ipv4(struct vctx *c, struct ph_host *h, const struct ynode *v)
{
	struct addr_parsed a;
	const char *s;

	s = want_str(c, v, "ipv4", "an IPv4 address");
	if (!s)
		return -1;
	if (addr_parse(s, &a) != ADDR_INVALID && a.family == 6)
		return verr(c, &v->loc, "'%s' is an IPv6 address; put it under "
			    "ipv6:", q(c, s));
	if (strchr(s, '/'))
		return verr(c, &v->loc, "a host's ipv4 is one address, not a "
			    "prefix ('%s')", q(c, s));
	if (!addr4_parse(s, h->ipv4))
		return verr(c, &v->loc, "invalid IPv4 address '%s'", q(c, s));
	for (unsigned int i = 0; i < ARRAY_SIZE(special4); i++) {
		const struct special *sp = &special4[i];

		if (addr_in(h->ipv4, sp->net, sp->plen))
			return verr(c, &v->loc, "'%s' is %s", q(c, s), sp->what);
	}
	h->has_ipv4 = true;
	return 0;
}

static int host_zone(struct vctx *c, struct ph_host *h, const struct ynode *v)
{
	const char *s = want_str(c, v, "zone", "a zone name");
	size_t zi;

	if (!s)
		return -1;
	if (!c->p->router)
		return verr(c, &v->loc, "'zone' needs router mode (a zones: "
			    "section); host mode has no zones");
	if (!strmap_get(&c->zones, s, &zi)) {
		struct misspell m;

		misspell_init(&m, s);
		for (size_t i = 0; i < c->p->n_zones; i++)
			if (!c->p->zones[i].is_wan)
				misspell_try(&m, c->p->zones[i].name);
		if (m.best)
			return verr(c, &v->loc, "unknown zone '%s'; did you mean "
				    "'%s'?", q(c, s), m.best);
		return verr(c, &v->loc, "unknown zone '%s'", q(c, s));
	}
	if (c->p->zones[zi].is_wan)
		return verr(c, &v->loc, "host '%s' cannot be in zone 'wan' (the "
			    "outside)", q(c, h->name));
	h->zone = (int)zi;
	return 0;
}

/* One `NAME: {ipv6, ipv4, zone}` entry; p->hosts has room for it. */
static void host_entry(struct vctx *c, const struct ynode *k,
		       const struct ynode *hv)
{
	struct pinhole_policy *p = c->p;
	struct field hf[] = { { .name = "ipv6" }, { .name = "ipv4" }, { .name = "zone" } };
	size_t hi = p->n_hosts;
	struct ph_host *h = &p->hosts[hi];
	unsigned int unknown;
	bool bad = false;
	int r;

	if (!(h->name = astrdup(c, k->str)))
		return;
	p->n_hosts++;
	h->loc = k->loc;
	h->zone = -1;
	if (!strcmp(k->str, "self"))
		verr(c, &k->loc, "host name 'self' is reserved (it means "
		     "this machine)");
	else if (!is_ident(k->str, HOST_NAME_MAX_))
		verr(c, &k->loc, "invalid host name '%s' (a letter, then "
		     "letters, digits, '_' or '-'; at most %u characters)",
		     q(c, k->str), HOST_NAME_MAX_);
	r = strmap_add(&c->hosts, h->name, hi, NULL);
	if (r < 0)
		c->oom = true;
	else if (r > 0 && c->stream)
		c->failed = true;	/* a duplicate key: the tree would drop it */
	if (hv->kind != YN_MAP) {
		verr(c, &hv->loc, "host '%s' must be a mapping with ipv6: "
		     "and/or ipv4: (found %s)", q(c, k->str), describe(c, hv));
		c->host_bad[hi] = true;
		return;
	}
	unknown = get_fields(c, hv, "host", k->str, hf, ARRAY_SIZE(hf));
	if (!hf[0].val && !hf[1].val) {
		if (unknown)
			bad = true;
		else
			verr(c, &k->loc, "host '%s' needs an ipv6: or "
			     "ipv4: address", q(c, k->str));
		bad = true;
	}
	if (hf[0].val && host_ipv6(c, h, hf[0].val))
		bad = true;
	if (hf[1].val && host_ipv4(c, h, hf[1].val))
		bad = true;
	if (hf[2].val && host_zone(c, h, hf[2].val))
		bad = true;
	c->host_bad[hi] = bad;
}

static int do_hosts(struct vctx *c, const struct field *f)
{
	const struct ynode *v = f->val;
	struct pinhole_policy *p = c->p;

	if (!v || ynode_is_null(v))
		return 0;
	if (v->kind != YN_MAP)
		return verr(c, &v->loc, "'hosts' must be a mapping of host names "
			    "to addresses (found %s)", describe(c, v));
	free(p->hosts);		/* a stream's reservation (stream_reserve()) */
	free(c->host_bad);
	p->hosts = xcalloc(c, v->n / 2, sizeof(*p->hosts));
	c->host_bad = xcalloc(c, v->n / 2, sizeof(*c->host_bad));
	if (!p->hosts || !c->host_bad)
		return -ENOMEM;
	for (size_t i = 0; i < v->n && !full(c) && !c->oom; i += 2)
		host_entry(c, v->kids[i], v->kids[i + 1]);
	return 0;
}

static void do_ipv4(struct vctx *c, const struct field *f)
{
	struct pinhole_policy *p = c->p;
	struct field mf[] = { { .name = "masquerade" } };

	p->masquerade = false;
	if (p->router)
		for (size_t i = 0; i < p->n_hosts; i++)
			p->masquerade |= p->hosts[i].has_ipv4;
	if (!f->val || ynode_is_null(f->val))
		return;
	if (f->val->kind != YN_MAP) {
		verr(c, &f->val->loc, "'ipv4' must be a mapping (found %s)",
		     describe(c, f->val));
		return;
	}
	get_fields(c, f->val, "ipv4", NULL, mf, ARRAY_SIZE(mf));
	if (!mf[0].val)
		return;
	if (want_bool(c, mf[0].val, "masquerade", &p->masquerade))
		return;
	p->masquerade_loc = mf[0].val->loc;
	if (!p->router)
		verr(c, &mf[0].key->loc, "'masquerade' needs router mode (a "
		     "zones: section)");
}

/* ------------------------------------------------------------ pinholes */

/* A port list item as written, for messages that quote it. */
struct port_item {
	struct ph_portrange r;
	const struct ynode *node;
};

/*
 * ports / external_ports: one port or range, or a list of them. Returns the
 * number of items parsed into *@out (allocated), or -1 after errors.
 */
static ssize_t parse_ports(struct vctx *c, const struct ynode *v,
			   const char *key, struct port_item **out)
{
	const struct ynode *const *items = &v;
	struct port_item *pi;
	size_t n = 1, k = 0;
	bool bad = false;

	*out = NULL;
	if (v->kind == YN_SEQ) {
		items = (const struct ynode *const *)v->kids;
		n = v->n;
		if (!n)
			return verr(c, &v->loc, "'%s' is empty", key);
	} else if (v->kind != YN_SCALAR || ynode_is_null(v)) {
		return verr(c, &v->loc, "'%s' must be a list or a port (found %s)",
			    key, describe(c, v));
	}
	pi = xcalloc(c, n, sizeof(*pi));
	if (!pi)
		return -1;
	for (size_t i = 0; i < n && !full(c); i++) {
		const struct ynode *it = items[i];
		uint16_t lo = 0, hi = 0;

		if (it->kind != YN_SCALAR || ynode_is_null(it)) {
			bad = true;
			verr(c, &it->loc, "'%s' items must be ports or ranges lo:hi "
			     "(found %s)", key, describe(c, it));
			continue;
		}
		switch (port_parse(it->str, &lo, &hi)) {
		case PORT_OK:
			pi[k].r.lo = lo;
			pi[k].r.hi = hi;
			pi[k].r.loc = it->loc;
			pi[k++].node = it;
			continue;
		case PORT_RANGE:
			verr(c, &it->loc, "port %s is out of range (1..65535)",
			     q(c, it->str));
			break;
		case PORT_REVERSED:
			verr(c, &it->loc, "port range %s is reversed", q(c, it->str));
			break;
		case PORT_INVALID:
			verr(c, &it->loc, "invalid port '%s' (a number 1..65535 or "
			     "a range lo:hi)", q(c, it->str));
			break;
		}
		bad = true;
	}
	if (bad || k != n) {
		free(pi);
		return -1;
	}
	*out = pi;
	return (ssize_t)k;
}

static int parse_proto(struct vctx *c, struct ph_pinhole *ph,
		       const struct ynode *v)
{
	static const struct choice protos[] = {
		{ "tcp", PH_PROTO_TCP }, { "udp", PH_PROTO_UDP } };
	const struct ynode *const *items = &v;
	size_t n = 1;
	int ret = 0;

	ph->protos = 0;
	if (v->kind == YN_SEQ) {
		items = (const struct ynode *const *)v->kids;
		n = v->n;
		if (!n)
			return verr(c, &v->loc, "'proto' is empty");
	}
	for (size_t i = 0; i < n; i++) {
		int val;

		if (choose(c, items[i], "proto", protos, 2, &val)) {
			ret = -1;
			continue;
		}
		if (ph->protos & (unsigned int)val)
			ret = verr(c, &items[i]->loc, "proto '%s' is listed twice",
				   items[i]->str);
		ph->protos |= (unsigned int)val;
	}
	return ret;
}

static void format_prefix(const struct addr_parsed *a, char buf[80])
{
	char txt[64];

	if (a->family == 6)
		addr6_format(a->addr, txt);
	else
		addr4_format(a->addr, txt);
	snprintf(buf, 80, "%s/%u", txt, a->plen);
}

static int parse_from(struct vctx *c, struct ph_pinhole *ph,
		      const struct ynode *v)
{
	const struct ynode *const *items = &v;
	size_t n = 1;
	bool bad = false;

	c->from_loc = v->loc;
	if (v->kind == YN_SCALAR && !strcmp(v->str, "any"))
		return 0;
	if (v->kind == YN_SEQ) {
		items = (const struct ynode *const *)v->kids;
		n = v->n;
		if (!n)
			return verr(c, &v->loc, "'from' is empty (write 'from: any' "
				    "to allow every source)");
	} else if (v->kind != YN_SCALAR || ynode_is_null(v)) {
		return verr(c, &v->loc, "'from' must be any or a list of source "
			    "prefixes (found %s)", describe(c, v));
	}
	ph->from = xcalloc(c, n, sizeof(*ph->from));
	if (!ph->from)
		return -1;
	for (size_t i = 0; i < n && !full(c); i++) {
		const struct ynode *it = items[i];
		struct ph_prefix *pf;
		struct addr_parsed a;
		char buf[80];
		const char *s;

		if (!(s = want_str(c, it, "from", "a source prefix"))) {
			bad = true;
			continue;
		}
		if (!strcmp(s, "any")) {
			bad = verr(c, &it->loc, "'any' cannot be mixed with source "
				   "prefixes in 'from'");
			continue;
		}
		switch (addr_parse(s, &a)) {
		case ADDR_OK:
			break;
		case ADDR_INVALID:
			bad = verr(c, &it->loc, "invalid source prefix '%s'", q(c, s));
			continue;
		case ADDR_BAD_PLEN:
			bad = verr(c, &it->loc, "invalid prefix length in '%s'", q(c, s));
			continue;
		}
		if (a.suffix) {
			bad = verr(c, &it->loc, "'from' takes prefixes, not suffixes "
				   "('%s')", q(c, s));
			continue;
		}
		if (addr_has_host_bits(a.addr, a.family == 6 ? 128 : 32, a.plen)) {
			addr_mask(a.addr, a.family == 6 ? 128 : 32, a.plen);
			format_prefix(&a, buf);
			bad = verr(c, &it->loc, "'%s' has host bits set; did you "
				   "mean %s?", q(c, s), buf);
			continue;
		}
		pf = &ph->from[ph->n_from++];
		pf->family = a.family;
		memcpy(pf->addr, a.addr, 16);
		pf->plen = a.plen;
		pf->loc = it->loc;
	}
	return bad ? -1 : 0;
}

/* Resolve host:; returns -1 if the pinhole cannot refer to a host. */
static int pinhole_host(struct vctx *c, struct ph_pinhole *ph,
			const struct ynode *v)
{
	const struct pinhole_policy *p = c->p;
	struct misspell m;
	const char *s;
	size_t hi;

	ph->host = -1;
	if (!v) {
		c->host_loc = ph->loc;
		if (p->router)
			return verr(c, &ph->loc, "pinhole needs 'host:' (a key of "
				    "hosts, or self)");
		return 0;
	}
	c->host_loc = v->loc;
	if (!(s = want_str(c, v, "host", "a host name or self")))
		return -1;
	if (!strcmp(s, "self"))
		return 0;
	if (!p->router)
		return verr(c, &v->loc, "host mode (no zones) only opens ports "
			    "on this machine; '%s' must be self", q(c, s));
	if (strmap_get(&c->hosts, s, &hi)) {
		ph->host = (int)hi;
		return c->host_bad[hi] ? -1 : 0;
	}
	if (full(c))
		return -1;
	misspell_init(&m, s);
	for (size_t i = 0; i < p->n_hosts; i++)
		misspell_try(&m, p->hosts[i].name);
	if (m.best)
		return verr(c, &v->loc, "unknown host '%s'; did you mean '%s'?",
			    q(c, s), m.best);
	return verr(c, &v->loc, "unknown host '%s'", q(c, s));
}

static bool from_has(const struct ph_pinhole *ph, int family)
{
	for (size_t i = 0; i < ph->n_from; i++)
		if (ph->from[i].family == family)
			return true;
	return false;
}

static unsigned int range_size(const struct ph_portrange *r)
{
	return (unsigned int)r->hi - r->lo + 1;
}

static int check_ext(struct vctx *c, struct ph_pinhole *ph,
		     const struct ynode *v, const struct port_item *ports,
		     const struct port_item *ext, size_t n_ext)
{
	const struct ph_host *h = ph->host >= 0 ? &c->p->hosts[ph->host] : NULL;
	int ret = 0;

	if (!h)
		return verr(c, &v->loc, "'external_ports' is for IPv4 port "
			    "forwards to a host, not for host: self");
	if (!h->has_ipv4)
		return verr(c, &v->loc, "'external_ports' needs host '%s' to "
			    "have an ipv4 address", q(c, h->name));
	if (ph->family == PH_FAM_IPV6)
		return verr(c, &v->loc, "'external_ports' is for IPv4 port "
			    "forwards; this pinhole is family ipv6");
	if (n_ext != ph->n_ports)
		return verr(c, &v->loc, "'external_ports' has %zu item%s but "
			    "'ports' has %zu", n_ext, n_ext == 1 ? "" : "s",
			    ph->n_ports);
	for (size_t i = 0; i < n_ext; i++) {
		unsigned int ne = range_size(&ext[i].r);
		unsigned int np = range_size(&ports[i].r);

		if (ne != np)
			ret = verr(c, &ext[i].node->loc, "external_ports %s (%u "
				   "port%s) does not match ports %s (%u port%s)",
				   q(c, ext[i].node->str), ne, ne == 1 ? "" : "s",
				   q(c, ports[i].node->str), np, np == 1 ? "" : "s");
	}
	return ret;
}

/* Family and from: against what the host has. */
static int check_family(struct vctx *c, struct ph_pinhole *ph,
			const struct ynode *fam)
{
	const struct ph_host *h = ph->host >= 0 ? &c->p->hosts[ph->host] : NULL;
	int ret = 0;

	if (h && ph->family == PH_FAM_IPV4 && !h->has_ipv4)
		ret = verr(c, &fam->loc, "host '%s' has no ipv4 address",
			   q(c, h->name));
	if (h && ph->family == PH_FAM_IPV6 && h->ipv6.kind == PH_ADDR6_NONE)
		ret = verr(c, &fam->loc, "host '%s' has no ipv6 address",
			   q(c, h->name));
	if (ph->n_from && ph->family == PH_FAM_IPV6 && !from_has(ph, 6))
		ret = verr(c, &c->from_loc, "'from' has no IPv6 prefix but the "
			   "pinhole is family ipv6");
	if (ph->n_from && ph->family == PH_FAM_IPV4 && !from_has(ph, 4))
		ret = verr(c, &c->from_loc, "'from' has no IPv4 prefix but the "
			   "pinhole is family ipv4");
	return ret;
}

static const struct {
	uint16_t port;
	const char *what;
} risky[] = {
	{ 23, "telnet" }, { 139, "SMB" }, { 445, "SMB" }, { 1433, "MSSQL" },
	{ 2375, "Docker API" }, { 3306, "MySQL" }, { 3389, "RDP" },
	{ 5432, "PostgreSQL" }, { 5900, "VNC" }, { 6379, "Redis" },
	{ 9200, "Elasticsearch" }, { 11211, "memcached" }, { 27017, "MongoDB" },
};

static void warn_pinhole(struct vctx *c, const struct ph_pinhole *ph)
{
	const struct ph_host *h = ph->host >= 0 ? &c->p->hosts[ph->host] : NULL;

	if (h && h->ipv6.kind == PH_ADDR6_SUBNET && ph->family != PH_FAM_IPV4) {
		char buf[64];

		addr6_format(h->ipv6.addr, buf);
		vwarn(c, &c->host_loc, "pinhole '%s' opens a whole "
				"subnet (%s/%u)", q(c, ph->name), buf, h->ipv6.plen);
	}
	if (ph->n_from || !(ph->protos & PH_PROTO_TCP))
		return;
	for (size_t i = 0; i < ph->n_ports; i++) {
		const struct ph_portrange *r = &ph->ports[i];
		unsigned int first = ARRAY_SIZE(risky), more = 0;

		for (unsigned int j = 0; j < ARRAY_SIZE(risky); j++) {
			if (risky[j].port < r->lo || risky[j].port > r->hi)
				continue;
			if (first == ARRAY_SIZE(risky))
				first = j;
			else
				more++;
		}
		if (first == ARRAY_SIZE(risky))
			continue;
		if (more)
			vwarn(c, &r->loc, "pinhole '%s' opens %u/tcp "
					"(%s) and %u more risky port%s to everyone; "
					"restrict it with from:", q(c, ph->name),
					risky[first].port, risky[first].what, more,
					more == 1 ? "" : "s");
		else
			vwarn(c, &r->loc, "pinhole '%s' opens %u/tcp "
					"(%s) to everyone; restrict it with from:",
					q(c, ph->name), risky[first].port,
					risky[first].what);
	}
}

static bool is_pinhole_name(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > PINHOLE_NAME_MAX)
		return false;
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	      (*s >= '0' && *s <= '9')))
		return false;
	return name_chars(s, true);
}

static int pinhole_name(struct vctx *c, struct ph_pinhole *ph, size_t idx,
			const struct ynode *v)
{
	const struct ph_pinhole *first;
	char buf[PINHOLE_NAME_MAX + 16];
	size_t fi;
	int r;

	if (v) {
		const char *s = want_str(c, v, "name", "a pinhole name");

		if (!s)
			return -1;
		if (!is_pinhole_name(s))
			return verr(c, &v->loc, "invalid pinhole name '%s' (letters, "
				    "digits, '_', '.' and '-', not starting with "
				    "'_', '.' or '-'; at most %u characters)",
				    q(c, s), PINHOLE_NAME_MAX);
		ph->name = astrdup(c, s);
		ph->name_given = true;
		ph->name_loc = v->loc;
	} else {
		if (!ph->n_ports)
			return -1;	/* ports had errors: no default name */
		snprintf(buf, sizeof(buf), "%s-%u",
			 ph->host >= 0 ? c->p->hosts[ph->host].name : "self",
			 ph->ports[0].lo);
		ph->name = astrdup(c, buf);
		ph->name_loc = ph->loc;
	}
	if (!ph->name)
		return -ENOMEM;
	r = strmap_add(&c->names, ph->name, idx, &fi);
	if (r < 0) {
		c->oom = true;
		return -ENOMEM;
	}
	if (r == 0)
		return 0;
	first = &c->p->pinholes[fi];
	return verr(c, &ph->name_loc, "duplicate pinhole name '%s' (first used "
		    "at %u:%u)%s", q(c, ph->name), first->name_loc.line,
		    first->name_loc.col,
		    ph->name_given && first->name_given ? "" :
		    "; give one of them a name:");
}

static int parse_pinhole(struct vctx *c, size_t idx, const struct ynode *v)
{
	static const struct choice families[] = {
		{ "ipv6", PH_FAM_IPV6 }, { "ipv4", PH_FAM_IPV4 }, { "any", PH_FAM_ANY } };
	enum { F_NAME, F_HOST, F_PROTO, F_PORTS, F_FAMILY, F_FROM, F_EXT };
	struct field f[] = {
		[F_NAME] = { .name = "name" }, [F_HOST] = { .name = "host" }, [F_PROTO] = { .name = "proto" },
		[F_PORTS] = { .name = "ports" }, [F_FAMILY] = { .name = "family" },
		[F_FROM] = { .name = "from" }, [F_EXT] = { .name = "external_ports" },
	};
	struct ph_pinhole *ph = &c->p->pinholes[idx];
	struct port_item *ports = NULL, *ext = NULL;
	bool host_ok, bad = false;
	unsigned int unknown;
	ssize_t n;
	int val;

	ph->loc = v->loc;
	ph->host = -1;
	ph->protos = PH_PROTO_TCP;
	c->host_loc = c->from_loc = ph->ext_loc = ph->name_loc = v->loc;
	if (v->kind != YN_MAP)
		return verr(c, &v->loc, "a pinhole must be a mapping with host: "
			    "and ports: (found %s)", describe(c, v));
	unknown = get_fields(c, v, "pinhole", NULL, f, ARRAY_SIZE(f));
	if (unknown && !f[F_HOST].val && c->p->router)
		host_ok = false;	/* the misspelt key said it */
	else
		host_ok = pinhole_host(c, ph, f[F_HOST].val) == 0;
	bad = !host_ok;
	if (f[F_PROTO].val) {
		bad |= parse_proto(c, ph, f[F_PROTO].val) != 0;
	}
	if (!f[F_PORTS].val) {
		bad = true;
		if (!unknown)
			verr(c, &v->loc, "pinhole needs 'ports:'");
	} else {
		n = parse_ports(c, f[F_PORTS].val, "ports", &ports);
		if (n > 0) {
			ph->ports = aalloc(c, (size_t)n, sizeof(*ph->ports),
					   _Alignof(struct ph_portrange));
			if (ph->ports) {
				for (ssize_t i = 0; i < n; i++)
					ph->ports[i] = ports[i].r;
				ph->n_ports = (size_t)n;
			}
		} else {
			bad = true;
		}
	}
	if (f[F_FAMILY].val) {
		if (choose(c, f[F_FAMILY].val, "family", families, 3, &val))
			bad = true;
		else
			ph->family = val;
	}
	if (f[F_FROM].val)
		bad |= parse_from(c, ph, f[F_FROM].val) != 0;
	if (host_ok && !bad)
		bad |= check_family(c, ph, f[F_FAMILY].val) != 0;
	if (f[F_EXT].val) {
		ph->ext_loc = f[F_EXT].val->loc;
		n = parse_ports(c, f[F_EXT].val, "external_ports", &ext);
		if (n < 0) {
			bad = true;
		} else if (host_ok && ph->n_ports) {
			if (check_ext(c, ph, f[F_EXT].val, ports, ext, (size_t)n))
				bad = true;
			ph->ext_ports = aalloc(c, (size_t)n, sizeof(*ph->ext_ports),
					       _Alignof(struct ph_portrange));
			if (ph->ext_ports) {
				for (ssize_t i = 0; i < n; i++)
					ph->ext_ports[i] = ext[i].r;
				ph->n_ext = (size_t)n;
			}
		}
	}
	free(ports);
	free(ext);
	if (pinhole_name(c, ph, idx, f[F_NAME].val))
		bad = true;
	if (!bad)
		warn_pinhole(c, ph);
	return bad ? -1 : 0;
}

/*
 * The same port opened twice for one host (to the same sources): one entry
 * per (pinhole, port item, proto, family), sorted so that overlaps are
 * neighbours. In router mode every IPv4 opening (a forward, or a port of
 * the router itself) takes a port of the router's one IPv4 address: those
 * are compared across hosts, by their external port.
 *
 * The order is (host, key, from, lo, pinhole, item), a total order. A
 * counting sort by host does most of it in linear time; the buckets, small
 * but for a host with many pinholes, are sorted on their own. Over 100,000
 * pinholes this is ~1% of what one qsort() of the whole array cost.
 */
#define OPEN_ROUTER_V4 (-2)
struct opening {
	uint64_t from;		/* hash of the from list; 0 = any */
	int32_t host;		/* OPEN_ROUTER_V4: the router's IPv4 ports */
	uint32_t pinhole, item;
	uint32_t slot;		/* index in the warned[] bitmap */
	uint16_t lo, hi;
	uint8_t key;		/* proto and family bits */
};

static int cmp_opening(const void *a, const void *b)
{
	const struct opening *x = a, *y = b;

	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->pinhole != y->pinhole)
		return x->pinhole < y->pinhole ? -1 : 1;
	return x->item < y->item ? -1 : x->item > y->item;
}

/* Sort @o (n entries) by cmp_opening() into @tmp (n entries). */
static void sort_openings(const struct opening *o, struct opening *tmp, size_t n,
			  size_t *count, size_t n_buckets)
{
	/* host + 2: OPEN_ROUTER_V4, self, then the hosts */
	for (size_t i = 0; i < n; i++)
		count[o[i].host + 2]++;
	for (size_t b = 0, at = 0; b < n_buckets; b++) {
		size_t c = count[b];

		count[b] = at;
		at += c;
	}
	for (size_t i = 0; i < n; i++)
		tmp[count[o[i].host + 2]++] = o[i];
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;

		while (j < n && tmp[j].host == tmp[i].host)
			j++;
		if (j - i > 16) {
			qsort(tmp + i, j - i, sizeof(*tmp), cmp_opening);
		} else {
			for (size_t k = i + 1; k < j; k++) {
				struct opening x = tmp[k];
				size_t m = k;

				while (m > i && cmp_opening(&tmp[m - 1], &x) > 0) {
					tmp[m] = tmp[m - 1];
					m--;
				}
				tmp[m] = x;
			}
		}
		i = j;
	}
}

static uint64_t from_hash(const struct ph_pinhole *ph)
{
	uint64_t h = 14695981039346656037ull;

	if (!ph->n_from)
		return 0;
	for (size_t i = 0; i < ph->n_from; i++) {
		const struct ph_prefix *pf = &ph->from[i];
		uint8_t b[18];

		memcpy(b, pf->addr, 16);
		b[16] = (uint8_t)pf->family;
		b[17] = (uint8_t)pf->plen;
		for (size_t j = 0; j < sizeof(b); j++) {
			h ^= b[j];
			h *= 1099511628211ull;
		}
	}
	return h | 1;
}

/* The port item an opening was made from: IPv4 forwards by external port. */
static const struct pinhole_loc *opening_loc(const struct vctx *c,
					     const struct opening *o)
{
	const struct ph_pinhole *ph = &c->p->pinholes[o->pinhole];

	if ((o->key & (1u << 3)) && c->p->router && ph->n_ext)
		return &ph->ext_ports[o->item].loc;
	return &ph->ports[o->item].loc;
}

static void warn_overlap(struct vctx *c, const struct opening *a,
			 const struct opening *b, uint8_t *warned)
{
	const struct pinhole_policy *p = c->p;
	const struct opening *later = a, *earlier = b;
	const struct ph_pinhole *ph, *eph;
	unsigned int lo, hi, proto;
	char what[64], ports[32];

	if (a->pinhole < b->pinhole ||
	    (a->pinhole == b->pinhole && a->item < b->item)) {
		later = b;
		earlier = a;
	}
	proto = later->key & (PH_PROTO_TCP | PH_PROTO_UDP);
	if (warned[later->slot] & proto)
		return;
	warned[later->slot] |= (uint8_t)proto;
	lo = a->lo > b->lo ? a->lo : b->lo;
	hi = a->hi < b->hi ? a->hi : b->hi;
	if (lo == hi)
		snprintf(ports, sizeof(ports), "port %u", lo);
	else
		snprintf(ports, sizeof(ports), "ports %u:%u", lo, hi);
	ph = &p->pinholes[later->pinhole];
	eph = &p->pinholes[earlier->pinhole];
	if (later->host == OPEN_ROUTER_V4 && ph != eph) {
		vwarn(c, opening_loc(c, later), "IPv4 %s/%s of the router %s "
		      "already taken by pinhole '%s'", ports,
		      proto == PH_PROTO_TCP ? "tcp" : "udp",
		      lo == hi ? "is" : "are", q(c, eph->name));
		return;
	}
	if (later->host >= 0)
		snprintf(what, sizeof(what), "host '%s'", q(c, p->hosts[later->host].name));
	else
		snprintf(what, sizeof(what), "this machine");
	if (ph == eph)
		vwarn(c, opening_loc(c, later), "%s/%s %s opened twice by "
		      "pinhole '%s'", ports,
		      proto == PH_PROTO_TCP ? "tcp" : "udp",
		      lo == hi ? "is" : "are", q(c, ph->name));
	else
		vwarn(c, opening_loc(c, later), "%s/%s of %s "
		      "%s already opened by pinhole '%s'", ports,
		      proto == PH_PROTO_TCP ? "tcp" : "udp", what,
		      lo == hi ? "is" : "are", q(c, eph->name));
}

/*
 * Once every pinhole is parsed, nothing looks a host or a pinhole up by
 * name again: their maps (8 MiB at 100,000 of each) go before the repeat
 * check allocates its own arrays.
 */
static void drop_name_maps(struct vctx *c)
{
	strmap_free(&c->hosts);
	strmap_free(&c->names);
}

static void warn_repeats(struct vctx *c, const bool *ok)
{
	const struct pinhole_policy *p = c->p;
	struct opening *o, *tmp, *sorted;
	uint8_t *warned;
	size_t *count;
	size_t n = 0, slots = 0, n_buckets = p->n_hosts + 2;

	for (size_t i = 0; i < p->n_pinholes; i++)
		if (ok[i])
			slots += p->pinholes[i].n_ports;
	/* at most 2 protos x 2 families per port item */
	o = malloc((slots ? slots : 1) * 4 * sizeof(*o));
	warned = xcalloc(c, slots, 1);
	count = xcalloc(c, n_buckets, sizeof(*count));
	tmp = NULL;
	if (!o || !warned || !count) {
		c->oom = true;
		goto out;
	}
	/* most port items make one or two entries: map that much at once */
	mem_prefault(o, 2 * slots * sizeof(*o));
	slots = 0;
	for (size_t i = 0; i < p->n_pinholes; i++) {
		const struct ph_pinhole *ph = &p->pinholes[i];
		const struct ph_host *h = ph->host >= 0 ? &p->hosts[ph->host] : NULL;
		unsigned int fams = 0;
		uint64_t from;

		if (!ok[i])
			continue;
		/* a family with no source prefix in from: opens nothing */
		if (ph->family != PH_FAM_IPV4 && (!h || h->ipv6.kind != PH_ADDR6_NONE) &&
		    (!ph->n_from || from_has(ph, 6)))
			fams |= 1u << 2;
		if (ph->family != PH_FAM_IPV6 && (!h || h->has_ipv4) &&
		    (!ph->n_from || from_has(ph, 4)))
			fams |= 1u << 3;
		from = from_hash(ph);
		for (size_t j = 0; j < ph->n_ports; j++, slots++) {
			for (unsigned int pr = PH_PROTO_TCP; pr <= PH_PROTO_UDP; pr <<= 1) {
				for (unsigned int fb = 1u << 2; fb <= 1u << 3; fb <<= 1) {
					const struct ph_portrange *r = &ph->ports[j];
					bool v4 = fb == 1u << 3 && p->router;

					if (!(ph->protos & pr) || !(fams & fb))
						continue;
					if (v4 && ph->n_ext)
						r = &ph->ext_ports[j];
					o[n++] = (struct opening){
						.host = v4 ? OPEN_ROUTER_V4 : ph->host,
						.key = (uint8_t)(pr | fb),
						.from = from, .lo = r->lo, .hi = r->hi,
						.pinhole = (uint32_t)i,
						.item = (uint32_t)j, .slot = (uint32_t)slots,
					};
				}
			}
		}
	}
	tmp = malloc((n ? n : 1) * sizeof(*tmp));
	if (!tmp) {
		c->oom = true;
		goto out;
	}
	mem_prefault(tmp, n * sizeof(*tmp));
	sort_openings(o, tmp, n, count, n_buckets);
	sorted = tmp;
	for (size_t i = 1, cover = 0; i < n; i++) {
		const struct opening *cv = &sorted[cover], *cur = &sorted[i];

		if (cur->host != cv->host || cur->key != cv->key ||
		    cur->from != cv->from) {
			cover = i;
			continue;
		}
		if (cur->lo <= cv->hi)
			warn_overlap(c, cv, cur, warned);
		if (cur->hi > cv->hi)
			cover = i;
	}
out:
	free(o);
	free(tmp);
	free(warned);
	free(count);
}

static int do_pinholes(struct vctx *c, const struct field *f)
{
	const struct ynode *v = f->val;
	struct pinhole_policy *p = c->p;
	bool *ok;

	if (!v || ynode_is_null(v))
		return 0;
	if (v->kind != YN_SEQ)
		return verr(c, &v->loc, "'pinholes' must be a list (found %s)",
			    describe(c, v));
	free(p->pinholes);	/* a stream's reservation */
	p->pinholes = xcalloc(c, v->n, sizeof(*p->pinholes));
	ok = xcalloc(c, v->n, sizeof(*ok));
	if (!p->pinholes || !ok) {
		free(ok);
		return -ENOMEM;
	}
	for (size_t i = 0; i < v->n && !full(c); i++) {
		p->n_pinholes++;
		ok[i] = parse_pinhole(c, i, v->kids[i]) == 0;
	}
	drop_name_maps(c);
	if (!full(c))
		warn_repeats(c, ok);
	free(ok);
	return 0;
}

/* ------------------------------------------------------------ entry */

enum { F_VERSION, F_TABLE, F_ZONES, F_DEFAULTS, F_HOSTS, F_PINHOLES, F_IPV4,
       F_MAX };

static void root_fields(struct field f[F_MAX])
{
	static const char *const names[F_MAX] = {
		[F_VERSION] = "version", [F_TABLE] = "table", [F_ZONES] = "zones",
		[F_DEFAULTS] = "defaults", [F_HOSTS] = "hosts",
		[F_PINHOLES] = "pinholes", [F_IPV4] = "ipv4",
	};

	for (unsigned int i = 0; i < F_MAX; i++)
		f[i] = (struct field){ .name = names[i] };
}

/*
 * Every check, in a fixed order (so that the first errors kept are always
 * the same ones); sections a stream already validated are skipped.
 */
static void validate_root(struct vctx *c, const struct ynode *root)
{
	struct field f[F_MAX];

	root_fields(f);
	if (root->kind != YN_MAP) {
		verr(c, &root->loc, "a policy is a mapping of keys such as "
		     "'version: 1' (found %s)", describe(c, root));
		return;
	}
	get_fields(c, root, NULL, NULL, f, ARRAY_SIZE(f));
	/* a section the stream needed came after the one it was needed for */
	if ((c->hosts_streamed || c->pinholes_streamed) && f[F_ZONES].val &&
	    !c->zones_done)
		c->failed = true;
	if (c->pinholes_streamed && f[F_HOSTS].val && !c->hosts_done)
		c->failed = true;
	do_version(c, root, &f[F_VERSION]);
	do_table(c, &f[F_TABLE]);
	if (!c->zones_done)
		do_zones(c, &f[F_ZONES]);
	do_defaults(c, &f[F_DEFAULTS]);
	if (!full(c) && !c->hosts_streamed && !c->hosts_done)
		do_hosts(c, &f[F_HOSTS]);
	if (!full(c) && !c->pinholes_streamed)
		do_pinholes(c, &f[F_PINHOLES]);
	else if (!full(c)) {
		drop_name_maps(c);
		warn_repeats(c, c->ok);
	}
	if (!full(c))
		do_ipv4(c, &f[F_IPV4]);
}

static void vctx_free(struct vctx *c)
{
	strmap_free(&c->zones);
	strmap_free(&c->hosts);
	strmap_free(&c->ifnames);
	strmap_free(&c->names);
	free(c->host_bad);
	free(c->ok);
	for (size_t i = 0; i < c->n_held; i++)
		free(c->held[i].msg);
	free(c->held);
}

int policy_validate(const struct ynode *root, struct pinhole_policy *p,
		    struct pinhole_diag *d)
{
	struct vctx c = { .p = p, .d = d };
	int ret;

	strmap_init(&c.zones);
	strmap_init(&c.hosts);
	strmap_init(&c.ifnames);
	strmap_init(&c.names);
	validate_root(&c, root);
	if (pinhole_diag_full(d))
		c.failed = true;
	ret = c.oom ? -ENOMEM : c.failed ? -1 : 0;
	vctx_free(&c);
	return ret;
}

/* ------------------------------------------------------------ streaming */

struct policy_stream {
	struct vctx c;
};

/*
 * Room for every host and pinhole a text of @len bytes can hold (a pinhole
 * item takes at least 11 bytes, "- ports: 1\n"; a host 12), reserved but
 * not touched: the arrays then never move, so no copy and no page is
 * faulted in twice. Bounded so that a huge text reserves no more than a
 * few hundred MiB of address space.
 */
static void stream_reserve(struct vctx *c, size_t len)
{
	size_t n_ph = len / 11 + 64, n_h = len / 12 + 64;

	if (n_ph > (1u << 20))
		n_ph = 1u << 20;
	if (n_h > (1u << 20))
		n_h = 1u << 20;
	c->p->pinholes = malloc(n_ph * sizeof(*c->p->pinholes));
	c->ok = malloc(n_ph * sizeof(*c->ok));
	c->p->hosts = malloc(n_h * sizeof(*c->p->hosts));
	c->host_bad = malloc(n_h * sizeof(*c->host_bad));
	c->cap_pinholes = c->p->pinholes ? n_ph : 0;
	c->cap_ok = c->ok ? n_ph : 0;
	c->cap_hosts = c->p->hosts ? n_h : 0;
	c->cap_host_bad = c->host_bad ? n_h : 0;
}

struct policy_stream *policy_stream_new(struct pinhole_policy *p,
					struct pinhole_diag *scratch,
					size_t len)
{
	struct policy_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->c.p = p;
	s->c.d = scratch;
	s->c.stream = true;
	stream_reserve(&s->c, len);
	strmap_init(&s->c.zones);
	strmap_init(&s->c.hosts);
	strmap_init(&s->c.ifnames);
	strmap_init(&s->c.names);
	return s;
}

void policy_stream_free(struct policy_stream *s)
{
	if (!s)
		return;
	vctx_free(&s->c);
	free(s);
}

/* The value of the root key @name among the completed pairs, or NULL. */
static const struct ynode *root_value(struct ynode *const *root, size_t n,
				      const char *name, const struct ynode **key)
{
	for (size_t i = 0; i + 1 < n; i += 2) {
		if (root[i]->kind == YN_SCALAR && !strcmp(root[i]->str, name)) {
			*key = root[i];
			return root[i + 1];
		}
	}
	return NULL;
}

/* Zones, once, before the first section that depends on them. */
static void stream_zones(struct vctx *c, struct ynode *const *root, size_t n)
{
	struct field f = { .name = "zones" };

	if (c->zones_done)
		return;
	f.val = root_value(root, n, "zones", &f.key);
	if (!f.val)
		return;
	do_zones(c, &f);
	c->zones_done = true;
}

/* Room for entry @n. */
static bool grow_array(struct vctx *c, void **a, size_t *cap, size_t n,
		       size_t size)
{
	size_t nc;
	void *p;

	if (n < *cap)
		return true;
	nc = *cap ? *cap * 2 : 64;
	p = realloc(*a, nc * size);
	if (!p) {
		c->oom = true;
		return false;
	}
	*a = p;
	*cap = nc;
	return true;
}

/*
 * The arrays a stream fills grow by doubling; map their pages a window
 * ahead of the next entry (mem_prefault()) rather than one fault at a time.
 */
#define FILL_AHEAD (256u << 10)

static void fill_ahead(void *base, size_t used, size_t cap, struct ahead *a)
{
	size_t end;

	if (a->cap != cap) {
		a->cap = cap;		/* grown, maybe moved: from here on */
		a->mapped = 0;
	}
	if (used < a->mapped)
		return;
	end = used + FILL_AHEAD < cap ? used + FILL_AHEAD : cap;
	mem_prefault((char *)base + used, end - used);
	a->mapped = end;
}

static int stream_host(struct vctx *c, struct ynode *const *root, size_t n,
		       const struct ynode *key, const struct ynode *val)
{
	struct pinhole_policy *p = c->p;

	/* what the tree would refuse (check_keys in yaml.c): no streaming */
	if (!key || key->kind != YN_SCALAR ||
	    (key->plain && !strcmp(key->str, "<<")) || c->pinholes_streamed)
		return -1;
	if (!c->hosts_streamed) {
		stream_zones(c, root, n);
		c->hosts_streamed = true;
	}
	if (!grow_array(c, (void **)&p->hosts, &c->cap_hosts, p->n_hosts,
			sizeof(*p->hosts)) ||
	    !grow_array(c, (void **)&c->host_bad, &c->cap_host_bad, p->n_hosts,
			sizeof(*c->host_bad)))
		return -1;
	fill_ahead(p->hosts, p->n_hosts * sizeof(*p->hosts),
		   c->cap_hosts * sizeof(*p->hosts), &c->hosts_ahead);
	/* zeroed one at a time: the capacity beyond stays untouched */
	memset(&p->hosts[p->n_hosts], 0, sizeof(*p->hosts));
	c->host_bad[p->n_hosts] = false;
	host_entry(c, key, val);
	return c->failed || c->oom ? -1 : 1;
}

static int stream_pinhole(struct vctx *c, struct ynode *const *root, size_t n,
			  const struct ynode *item)
{
	struct pinhole_policy *p = c->p;
	size_t i = p->n_pinholes;

	if (c->pinholes_kept)
		return 0;
	if (!c->pinholes_streamed) {
		const struct ynode *hk, *hv = root_value(root, n, "hosts", &hk);

		/* pinholes need every host: stream only when the hosts came first */
		if (!hv && !c->hosts_streamed) {
			c->pinholes_kept = true;
			return 0;
		}
		stream_zones(c, root, n);
		if (!c->hosts_streamed) {
			struct field f = { .name = "hosts", .key = hk, .val = hv };

			do_hosts(c, &f);
		}
		c->hosts_done = true;
		c->pinholes_streamed = true;
		if (c->failed || c->oom)
			return -1;
	}
	if (!grow_array(c, (void **)&p->pinholes, &c->cap_pinholes, i,
			sizeof(*p->pinholes)) ||
	    !grow_array(c, (void **)&c->ok, &c->cap_ok, i, sizeof(*c->ok)))
		return -1;
	fill_ahead(p->pinholes, i * sizeof(*p->pinholes),
		   c->cap_pinholes * sizeof(*p->pinholes), &c->pinholes_ahead);
	memset(&p->pinholes[i], 0, sizeof(*p->pinholes));
	p->n_pinholes++;
	c->ok[i] = parse_pinhole(c, i, item) == 0;
	return c->failed || c->oom ? -1 : 1;
}

int policy_stream_child(void *ctx, struct ynode *const *root, size_t n_root,
			const struct ynode *parent, const struct ynode *key,
			const struct ynode *node)
{
	struct vctx *c = &((struct policy_stream *)ctx)->c;
	const struct ynode *rk = root[n_root - 1];

	if (c->failed || c->oom)
		return -1;
	if (rk->kind != YN_SCALAR)
		return 0;
	if (parent->kind == YN_MAP && !strcmp(rk->str, "hosts"))
		return stream_host(c, root, n_root - 1, key, node);
	if (parent->kind == YN_SEQ && !strcmp(rk->str, "pinholes"))
		return stream_pinhole(c, root, n_root - 1, node);
	return 0;
}

int policy_stream_finish(struct policy_stream *s, const struct ynode *root,
			 struct pinhole_diag *d)
{
	struct vctx *c = &s->c;

	if (!c->failed && !c->oom)
		validate_root(c, root);
	if (c->oom)
		return -ENOMEM;
	if (c->failed || pinhole_diag_errors(c->d))
		return 1;
	for (size_t i = 0; i < c->n_held; i++)
		pinhole_warning(d, &c->held[i].loc, "%s", c->held[i].msg);
	return 0;
}
