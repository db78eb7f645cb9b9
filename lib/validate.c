// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The YAML tree → struct pinhole_policy, with every semantic check of
 * SPEC §1 (cf. nftables evaluate.c). Each error points at the node it is
 * about: the value for a bad value, the key for an unknown or duplicate key.
 * It keeps going after errors so that one run reports every problem, and
 * stays linear: names are looked up in hash tables and repeated ports are
 * found by sorting.
 *
 * This file holds the top-level sections (version, table, zones,
 * defaults) and policy_validate(); the rest is in validate_hosts.c,
 * validate_pinholes.c, validate_repeats.c and validate_stream.c, and the
 * helpers they all share in validate_util.c.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "misspell.h"
#include "pinhole.h"
#include "strmap.h"
#include "validate.h"
#include "validate_int.h"
#include "ydoc.h"

/* ------------------------------------------------------------ top level */

static char *xstrdup(struct vctx *c, const char *s)
{
	char *r = strdup(s);

	if (!r)
		c->oom = true;
	return r;
}

static int do_version(struct vctx *c, const struct ynode *root,
		      const struct field *f)
{
	const struct ynode *v = f->val;

	if (!v)
		return verr(c, &root->loc, "missing 'version: 1' (the policy "
			    "format version)");
	if (v->kind != YN_SCALAR || ynode_is_null(v))
		return verr(c, &v->loc, "'version' must be 1 (found %s)",
			    v_describe(c, v));
	if (strcmp(v->str, "1"))
		return verr(c, &v->loc, "unsupported policy version '%s' "
			    "(this pinhole reads version 1)", v_q(c, v->str));
	c->p->version = 1;
	return 0;
}

/*
 * The words nft 1.0.6 will not take as a table name in `table inet NAME`
 * (its scanner returns a keyword token there), found by feeding every
 * token name of libnftables to `nft -c -f` in a scratch namespace. nft
 * 1.0.6 does not accept a quoted table name either ("unexpected quoted
 * string, expecting string"), so such a name is refused: the compile
 * output must load with `nft -f`. Sorted for bsearch (LC_ALL=C order).
 */
static const char *const nft_keywords[] = {
	"accept", "add", "ah", "all", "arp", "auto-merge", "bridge", "cgroup",
	"chain", "comment", "comp", "constant", "continue", "counter", "cpu",
	"create", "ct", "day", "dccp", "define", "delete", "describe",
	"device", "devices", "dnat", "drop", "dst", "dup", "dynamic", "ecn",
	"element", "elements", "esp", "ether", "exists", "expires", "export",
	"exthdr", "fib", "flags", "flow", "flowtable", "flush", "frag", "fwd",
	"gc-interval", "get", "goto", "handle", "hbh", "hook", "hour",
	"ibriport", "ibrname", "icmp", "icmpv6", "igmp", "iif", "iifgroup",
	"iifname", "iiftype", "import", "include", "index", "inet", "insert",
	"interval", "ip", "ip6", "ipsec", "jhash", "jump", "limit", "list",
	"log", "map", "mark", "masquerade", "meta", "meter", "mh", "missing",
	"monitor", "netdev", "nftrace", "notrack", "numgen", "obriport",
	"obrname", "offload", "oif", "oifgroup", "oifname", "oiftype", "or",
	"osf", "pkttype", "policy", "position", "priority", "queue", "quota",
	"random", "redefine", "redirect", "reject", "rename", "replace",
	"reset", "return", "rt", "rt0", "rt2", "rtclassid", "rule", "ruleset",
	"sctp", "secmark", "set", "size", "skgid", "skuid", "snat", "socket",
	"srh", "symhash", "synproxy", "table", "tcp", "th", "time", "timeout",
	"tproxy", "type", "typeof", "udp", "udplite", "undefine", "update",
	"vlan", "vmap", "xt",
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool is_nft_keyword(const char *s)
{
	return bsearch(&s, nft_keywords, sizeof(nft_keywords) /
		       sizeof(nft_keywords[0]), sizeof(nft_keywords[0]),
		       cmp_str) != NULL;
}

static int do_table(struct vctx *c, const struct field *f)
{
	const char *s = PINHOLE_DEFAULT_TABLE;

	if (f->val) {
		s = v_want_str(c, f->val, "table", "a table name");
		if (!s)
			return -1;
		if (!v_is_ident(s, PINHOLE_TABLE_NAME_MAX))
			return verr(c, &f->val->loc, "invalid table name '%s' (a letter, "
				    "then letters, digits, '_' or '-'; at most %u "
				    "characters)", v_q(c, s), PINHOLE_TABLE_NAME_MAX);
		if (is_nft_keyword(s))
			return verr(c, &f->val->loc, "table name '%s' is an nft "
				    "keyword: `nft -f` could not load the compiled "
				    "ruleset (choose another name)", s);
	}
	c->p->table = xstrdup(c, s);
	return 0;
}

/*
 * families: (SPEC §6.2), the families pinhole filters: ipv6, ipv4 or both
 * (the default), a list or a single name. A family left out is accepted at
 * once by every chain; hosts, pinholes and ipv4: may then not use it.
 * After an error both stay filtered, so the rest reports nothing it causes.
 */
void v_do_families(struct vctx *c, const struct field *f)
{
	static const struct choice fams[] = {
		{ "ipv6", PH_FAM_IPV6 }, { "ipv4", PH_FAM_IPV4 } };
	const struct ynode *v = f->val;
	const struct ynode *const *items = &v;
	unsigned int seen = 0;
	size_t n = 1;
	bool bad = false;

	c->families_done = true;
	if (!v)
		return;
	if (v->kind == YN_SEQ) {
		items = (const struct ynode *const *)v->kids;
		n = v->n;
		if (!n) {
			verr(c, &v->loc, "'families' is empty; list the families "
			     "pinhole filters (ipv6, ipv4), or leave it out for both");
			return;
		}
	} else if (v->kind != YN_SCALAR || ynode_is_null(v)) {
		verr(c, &v->loc, "'families' must be a list of ipv6 and/or ipv4 "
		     "(found %s)", v_describe(c, v));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int val;

		if (v_choose(c, items[i], "families", fams, 2, &val)) {
			bad = true;
			continue;
		}
		if (seen & (1u << val))
			bad = verr(c, &items[i]->loc, "family '%s' is listed twice "
				   "in 'families'", items[i]->str);
		seen |= 1u << val;
	}
	if (bad)
		return;
	c->p->unfiltered = ~seen & (PH_FAMBIT(4) | PH_FAMBIT(6));
	c->p->families_loc = v->loc;
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

static void zone_interfaces(struct vctx *c, struct ph_zone *z,
			    const struct ynode *v)
{
	const struct ynode *const *items = &v;
	size_t n = 1;

	if (v->kind == YN_SEQ) {
		items = (const struct ynode *const *)v->kids;
		n = v->n;
		if (!n) {
			verr(c, &v->loc, "zone '%s' has no interfaces", v_q(c, z->name));
			return;
		}
	} else if (v->kind != YN_SCALAR || ynode_is_null(v)) {
		verr(c, &v->loc, "'interfaces' must be a list of interface names "
		     "(found %s)", v_describe(c, v));
		return;
	}
	z->ifnames = v_xcalloc(c, n, sizeof(*z->ifnames));
	z->ifname_locs = v_xcalloc(c, n, sizeof(*z->ifname_locs));
	if (!z->ifnames || !z->ifname_locs)
		return;
	for (size_t i = 0; i < n && !v_full(c); i++) {
		const struct ynode *it = items[i];
		const char *s = v_want_str(c, it, "interfaces", "interface names");
		const char *problem;
		char *name;

		if (!s)
			continue;
		if ((problem = ifname_problem(s))) {
			verr(c, &it->loc, "interface name '%s' %s", v_q(c, s), problem);
			continue;
		}
		if (!(name = xstrdup(c, s)))
			return;
		z->ifnames[z->n_ifnames] = name;
		z->ifname_locs[z->n_ifnames++] = it->loc;
	}
}

/* ------------------------------------------------- one owner per interface */

/* An interface pattern of some zone, by its literal part (without '*'). */
struct ifpat {
	const char *lit;
	size_t len;
	bool wild;
	uint32_t zone, i;
};

static int ifpat_cmp(const void *a, const void *b)
{
	const struct ifpat *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int r = memcmp(x->lit, y->lit, n);

	if (r)
		return r;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if (x->zone != y->zone)
		return x->zone < y->zone ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Both ends of one overlap, each at its own location. */
static void overlap(struct vctx *c, const struct ifpat *a, const struct ifpat *b)
{
	const struct ph_zone *za = &c->p->zones[a->zone], *zb = &c->p->zones[b->zone];
	const char *na = za->ifnames[a->i], *nb = zb->ifnames[b->i];

	if (!strcmp(na, nb) && a->zone == b->zone) {
		verr(c, &za->ifname_locs[a->i], "interface '%s' is listed twice in "
		     "zone '%s'", v_q(c, na), v_q(c, za->name));
		verr(c, &zb->ifname_locs[b->i], "interface '%s' is listed twice in "
		     "zone '%s'", v_q(c, nb), v_q(c, zb->name));
		return;
	}
	if (!strcmp(na, nb)) {
		verr(c, &za->ifname_locs[a->i], "interface '%s' is also in zone "
		     "'%s' (an interface belongs to one zone)", v_q(c, na),
		     v_q(c, zb->name));
		verr(c, &zb->ifname_locs[b->i], "interface '%s' is also in zone "
		     "'%s' (an interface belongs to one zone)", v_q(c, nb),
		     v_q(c, za->name));
		return;
	}
	verr(c, &za->ifname_locs[a->i], "interface '%s' of zone '%s' and '%s' of "
	     "zone '%s' can match the same interface (an interface belongs to "
	     "one zone)", v_q(c, na), v_q(c, za->name), v_q(c, nb), v_q(c, zb->name));
	verr(c, &zb->ifname_locs[b->i], "interface '%s' of zone '%s' and '%s' of "
	     "zone '%s' can match the same interface (an interface belongs to "
	     "one zone)", v_q(c, nb), v_q(c, zb->name), v_q(c, na), v_q(c, za->name));
}

/*
 * Two zones whose patterns can match one name: `eth0` and `eth*`, `eth*`
 * and `et*`, one name twice. A trailing '*' matches any tail, so two
 * patterns overlap iff they are equal or one is a wildcard whose literal
 * part is a prefix of the other's. Sorted by literal part, the patterns a
 * wildcard overlaps come right after it, and the names equal to an exact
 * one too: n log n plus the overlaps. Patterns of one zone overlapping
 * each other (`eth*` and `eth0` in lan) are harmless and allowed; one name
 * twice is not.
 */
static void zones_one_owner(struct vctx *c)
{
	const struct pinhole_policy *p = c->p;
	struct ifpat *v;
	size_t n = 0;

	for (size_t z = 0; z < p->n_zones; z++)
		n += p->zones[z].n_ifnames;
	if (n < 2 || !(v = v_xcalloc(c, n, sizeof(*v))))
		return;
	n = 0;
	for (size_t z = 0; z < p->n_zones; z++)
		for (size_t i = 0; i < p->zones[z].n_ifnames; i++) {
			const char *s = p->zones[z].ifnames[i];
			size_t len = strlen(s);
			bool wild = len && s[len - 1] == '*';

			v[n++] = (struct ifpat){ s, len - wild, wild, z, i };
		}
	qsort(v, n, sizeof(*v), ifpat_cmp);
	for (size_t i = 0; i < n && !v_full(c); i++) {
		for (size_t j = i + 1; j < n && !v_full(c); j++) {
			bool same = v[j].len == v[i].len &&
				    !memcmp(v[j].lit, v[i].lit, v[i].len);

			if (!same && (!v[i].wild || v[j].len < v[i].len ||
				      memcmp(v[j].lit, v[i].lit, v[i].len)))
				break;
			if (v[i].zone == v[j].zone &&
			    strcmp(p->zones[v[i].zone].ifnames[v[i].i],
				   p->zones[v[j].zone].ifnames[v[j].i]))
				continue;
			overlap(c, &v[i], &v[j]);
		}
	}
	free(v);
}

/*
 * `outside:`; absent, the zone named wan is outside and the other zones
 * are inside, but a zone whose name starts with "wan" must say which it is:
 * `wan6` or `wan_pppoe` taken for an inside zone accepts the internet.
 */
static void zone_outside(struct vctx *c, struct ph_zone *z,
			 const struct ynode *k, const struct field *f)
{
	if (f->val) {
		v_want_bool(c, f->val, "outside", &z->outside);
		return;
	}
	z->outside = !strcmp(z->name, "wan");
	if (!z->outside && !strncmp(z->name, "wan", 3))
		verr(c, &k->loc, "say whether zone '%s' faces the internet: add "
		     "'outside: true' (or 'outside: false' for an inside zone)",
		     v_q(c, z->name));
}

/* `input:` of an inside zone: new connections to the router itself. */
static void zone_input(struct vctx *c, struct ph_zone *z, const struct field *f)
{
	static const struct choice input[] = {
		{ "accept", PH_V_ACCEPT }, { "drop", PH_V_DROP },
		{ "reject", PH_V_REJECT } };
	int val;

	z->input = PH_V_ACCEPT;
	if (!f->val)
		return;
	if (z->outside) {
		verr(c, &f->key->loc, "'input' is for inside zones: what zone '%s' "
		     "(outside) may open on the router is defaults.input and the "
		     "'host: self' pinholes", v_q(c, z->name));
		return;
	}
	if (!v_choose(c, f->val, "input", input, ARRAY_SIZE(input), &val))
		z->input = val;
}

/* `reach:` of an inside zone: zone names, known once every zone is read. */
static void zone_reach(struct vctx *c, struct ph_zone *z, const struct field *f)
{
	const struct pinhole_policy *p = c->p;
	const struct ynode *v = f->val;
	const struct ynode *const *items = &v;
	bool *seen;
	size_t n = 1;

	if (!v)
		return;
	if (z->outside) {
		verr(c, &f->key->loc, "'reach' is for inside zones: zone '%s' faces "
		     "the internet and reaches the inside only through pinholes",
		     v_q(c, z->name));
		return;
	}
	if (v->kind == YN_SEQ) {
		items = (const struct ynode *const *)v->kids;
		n = v->n;
	} else if (v->kind != YN_SCALAR || ynode_is_null(v)) {
		verr(c, &v->loc, "'reach' must be a list of zone names (found %s)",
		     v_describe(c, v));
		return;
	}
	z->has_reach = true;
	z->reach = v_xcalloc(c, n ? n : 1, sizeof(*z->reach));
	seen = v_xcalloc(c, p->n_zones ? p->n_zones : 1, sizeof(*seen));
	if (!z->reach || !seen) {
		free(seen);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = v_want_str(c, items[i], "reach", "zone names");
		struct misspell m;
		size_t zi;

		if (!s)
			continue;
		if (!strmap_get(&c->zones, s, &zi)) {
			misspell_init(&m, s);
			for (size_t j = 0; j < p->n_zones; j++)
				misspell_try(&m, p->zones[j].name);
			if (m.best)
				verr(c, &items[i]->loc, "unknown zone '%s' in the reach "
				     "of zone '%s'; did you mean '%s'?", v_q(c, s),
				     v_q(c, z->name), m.best);
			else
				verr(c, &items[i]->loc, "unknown zone '%s' in the reach "
				     "of zone '%s'", v_q(c, s), v_q(c, z->name));
			continue;
		}
		if (!seen[zi])
			z->reach[z->n_reach++] = (uint32_t)zi;
		seen[zi] = true;
	}
	free(seen);
}

int v_do_zones(struct vctx *c, const struct field *f)
{
	const struct ynode *v = f->val;
	struct pinhole_policy *p = c->p;
	struct field *reach;
	size_t n_outside = 0;

	if (!v)
		return 0;
	if (ynode_is_null(v) || (v->kind == YN_MAP && !v->n))
		return verr(c, &f->key->loc, "'zones' is empty: router mode needs "
			    "an outside zone such as 'wan' (for host mode, leave "
			    "'zones' out)");
	if (v->kind != YN_MAP)
		return verr(c, &v->loc, "'zones' must be a mapping of zone names "
			    "to interfaces (found %s)", v_describe(c, v));
	p->router = true;
	p->zones = v_xcalloc(c, v->n / 2, sizeof(*p->zones));
	reach = v_xcalloc(c, v->n / 2, sizeof(*reach));
	if (!p->zones || !reach) {
		free(reach);
		return -ENOMEM;
	}
	for (size_t i = 0; i < v->n && !v_full(c); i += 2) {
		const struct ynode *k = v->kids[i], *zv = v->kids[i + 1];
		struct field zf[] = { { .name = "interfaces" }, { .name = "outside" },
				      { .name = "reach" }, { .name = "input" },
				      { .name = "mss_clamp" } };
		size_t zi = p->n_zones;
		struct ph_zone *z = &p->zones[zi];
		unsigned int unknown;

		if (!(z->name = xstrdup(c, k->str)))
			break;
		p->n_zones++;
		z->loc = k->loc;
		z->input = PH_V_ACCEPT;
		if (!v_is_ident(k->str, ZONE_NAME_MAX))
			verr(c, &k->loc, "invalid zone name '%s' (a letter, then "
			     "letters, digits, '_' or '-'; at most %u characters)",
			     v_q(c, k->str), ZONE_NAME_MAX);
		if (strmap_add(&c->zones, z->name, zi, NULL) < 0)
			c->oom = true;
		if (zv->kind != YN_MAP) {
			z->outside = !strcmp(z->name, "wan");
			n_outside += z->outside;
			verr(c, &zv->loc, "zone '%s' must be a mapping with "
			     "'interfaces:' (found %s)", v_q(c, k->str), v_describe(c, zv));
			continue;
		}
		unknown = v_get_fields(c, zv, "zone", k->str, zf, ARRAY_SIZE(zf));
		zone_outside(c, z, k, &zf[1]);
		n_outside += z->outside;
		zone_input(c, z, &zf[3]);
		z->mss_clamp = z->outside;
		if (zf[4].val)
			v_want_bool(c, zf[4].val, "mss_clamp", &z->mss_clamp);
		reach[zi] = zf[2];
		if (zf[0].val)
			zone_interfaces(c, z, zf[0].val);
		else if (!unknown)	/* else a misspelt key explains it */
			verr(c, &k->loc, "zone '%s' needs 'interfaces:'", v_q(c, k->str));
	}
	for (size_t zi = 0; zi < p->n_zones && !v_full(c); zi++)
		zone_reach(c, &p->zones[zi], &reach[zi]);
	free(reach);
	if (v_full(c))
		return -1;
	zones_one_owner(c);
	if (!n_outside)
		return verr(c, &f->key->loc, "router mode needs an outside zone: "
			    "one named 'wan', or one with 'outside: true'");
	if (n_outside == p->n_zones)
		return verr(c, &f->key->loc, "router mode needs an inside zone "
			    "besides the outside ones");
	return 0;
}

/*
 * defaults.log_rate: "N/second", "N/minute", "N/hour" or "N/day", N from 1
 * to 1000000 (nft's `limit rate N/unit`).
 */
static void log_rate(struct vctx *c, const struct ynode *v, struct ph_defaults *def)
{
	static const struct { const char *name; uint32_t secs; } units[] = {
		{ "second", 1 }, { "minute", 60 }, { "hour", 3600 }, { "day", 86400 },
	};
	const char *s = v_want_str(c, v, "log_rate", "a rate such as 10/minute");
	const char *slash;
	unsigned long n = 0;
	size_t digits;

	if (!s)
		return;
	slash = strchr(s, '/');
	digits = slash ? (size_t)(slash - s) : strlen(s);
	for (size_t i = 0; i < digits && n <= 1000000; i++) {
		if (s[i] < '0' || s[i] > '9') {
			n = 0;
			break;
		}
		n = n * 10 + (unsigned long)(s[i] - '0');
	}
	if (!slash || !digits || digits > 7 || !n || n > 1000000) {
		verr(c, &v->loc, "'log_rate' must be N/second, N/minute, N/hour "
		     "or N/day with N from 1 to 1000000, not '%s'", v_q(c, s));
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (!strcmp(slash + 1, units[i].name)) {
			def->log_rate = (uint32_t)n;
			def->log_unit = units[i].secs;
			return;
		}
	}
	verr(c, &v->loc, "unknown unit '%s' in 'log_rate' (second, minute, "
	     "hour or day)", v_q(c, slash + 1));
}

static void do_defaults(struct vctx *c, const struct field *f)
{
	static const struct choice inbound[] = {
		{ "drop", PH_V_DROP }, { "reject", PH_V_REJECT },
		{ "accept", PH_V_ACCEPT } };
	static const struct choice ping[] = {
		{ "accept", PH_V_ACCEPT }, { "drop", PH_V_DROP } };
	static const struct choice outbound[] = {
		{ "accept", PH_V_ACCEPT }, { "drop", PH_V_DROP } };
	static const struct choice input[] = {
		{ "drop", PH_V_DROP }, { "reject", PH_V_REJECT },
		{ "accept", PH_V_ACCEPT } };
	static const struct choice icmpv6[] = {
		{ "rfc4890", PH_ICMPV6_RFC4890 }, { "strict", PH_ICMPV6_STRICT } };
	struct field df[] = {
		{ .name = "inbound" }, { .name = "outbound" }, { .name = "input" }, { .name = "icmpv6" }, { .name = "log" },
		{ .name = "ping" },
		{ .name = "log_rate" },
		{ .name = "bogons" },
	};
	struct ph_defaults *def = &c->p->defaults;
	int val;

	def->inbound = PH_V_DROP;
	def->outbound = PH_V_ACCEPT;
	def->input = PH_V_DROP;
	def->icmpv6 = PH_ICMPV6_RFC4890;
	def->log = false;
	def->ping = PH_V_ACCEPT;
	def->log_rate = 10;
	def->log_unit = 60;
	def->bogons = true;
	def->bogons_loc = (struct pinhole_loc){ 0 };
	if (!f->val || ynode_is_null(f->val))
		return;
	if (f->val->kind != YN_MAP) {
		verr(c, &f->val->loc, "'defaults' must be a mapping (found %s)",
		     v_describe(c, f->val));
		return;
	}
	v_get_fields(c, f->val, "defaults", NULL, df, ARRAY_SIZE(df));
	if (df[0].val && !v_choose(c, df[0].val, "inbound", inbound, 3, &val))
		def->inbound = val;
	if (df[1].val && !v_choose(c, df[1].val, "outbound", outbound, 2, &val))
		def->outbound = val;
	if (df[2].val && !v_choose(c, df[2].val, "input", input, 3, &val))
		def->input = val;
	if (df[3].val && !v_choose(c, df[3].val, "icmpv6", icmpv6, 2, &val))
		def->icmpv6 = val;
	if (df[4].val)
		v_want_bool(c, df[4].val, "log", &def->log);
	if (df[5].val && !v_choose(c, df[5].val, "ping", ping, 2, &val)) {
		def->ping = val;
		def->ping_loc = df[5].val->loc;
	}
	if (df[6].val)
		log_rate(c, df[6].val, def);
	if (df[7].val && !v_want_bool(c, df[7].val, "bogons", &def->bogons))
		def->bogons_loc = df[7].val->loc;
}

/* ipsec: true|false (SPEC §6.3): ESP, AH and IKE in to inside IPv6 hosts. */
static void do_ipsec(struct vctx *c, const struct field *f)
{
	struct pinhole_policy *p = c->p;

	p->ipsec = false;
	if (!f->val || v_want_bool(c, f->val, "ipsec", &p->ipsec))
		return;
	p->ipsec_loc = f->val->loc;
	if (!p->ipsec)
		return;
	if (!p->router)
		verr(c, &f->key->loc, "'ipsec' needs router mode (a zones: "
		     "section): it opens IPsec to inside hosts");
	else if (!ph_filters(p, 6))
		v_err_unfiltered(c, &f->val->loc, 6, "'ipsec: true' opens IPsec "
				 "to inside IPv6 hosts");
}

/* ------------------------------------------------------------ entry */

enum { F_VERSION, F_TABLE, F_FAMILIES, F_ZONES, F_DEFAULTS, F_HOSTS,
       F_PINHOLES, F_IPV4, F_IPSEC, F_MAX };

static void root_fields(struct field f[F_MAX])
{
	static const char *const names[F_MAX] = {
		[F_VERSION] = "version", [F_TABLE] = "table",
		[F_FAMILIES] = "families", [F_ZONES] = "zones",
		[F_DEFAULTS] = "defaults", [F_HOSTS] = "hosts",
		[F_PINHOLES] = "pinholes", [F_IPV4] = "ipv4",
		[F_IPSEC] = "ipsec",
	};

	for (unsigned int i = 0; i < F_MAX; i++)
		f[i] = (struct field){ .name = names[i] };
}

/*
 * Every check, in a fixed order (so that the first errors kept are always
 * the same ones); sections a stream already validated are skipped.
 */
void v_validate_root(struct vctx *c, const struct ynode *root)
{
	struct field f[F_MAX];

	root_fields(f);
	if (root->kind != YN_MAP) {
		verr(c, &root->loc, "a policy is a mapping of keys such as "
		     "'version: 1' (found %s)", v_describe(c, root));
		return;
	}
	v_get_fields(c, root, NULL, NULL, f, ARRAY_SIZE(f));
	/* a section the stream needed came after the one it was needed for */
	if ((c->hosts_streamed || c->pinholes_streamed) && f[F_ZONES].val &&
	    !c->zones_done)
		c->failed = true;
	if (c->pinholes_streamed && f[F_HOSTS].val && !c->hosts_done)
		c->failed = true;
	if ((c->hosts_streamed || c->pinholes_streamed) && f[F_FAMILIES].val &&
	    !c->families_done)
		c->failed = true;
	do_version(c, root, &f[F_VERSION]);
	do_table(c, &f[F_TABLE]);
	if (!c->families_done)
		v_do_families(c, &f[F_FAMILIES]);
	if (!c->zones_done)
		v_do_zones(c, &f[F_ZONES]);
	do_defaults(c, &f[F_DEFAULTS]);
	if (!v_full(c) && !c->hosts_streamed && !c->hosts_done)
		v_do_hosts(c, &f[F_HOSTS]);
	if (!v_full(c) && !c->pinholes_streamed)
		v_do_pinholes(c, &f[F_PINHOLES]);
	else if (!v_full(c)) {
		v_drop_name_maps(c);
		v_warn_repeats(c, c->ok);
	}
	if (!v_full(c))
		v_do_ipv4(c, &f[F_IPV4]);
	if (!v_full(c))
		do_ipsec(c, &f[F_IPSEC]);
	if (!v_full(c))
		v_warn_bogon_ula(c);
}

void v_vctx_free(struct vctx *c)
{
	strmap_free(&c->zones);
	strmap_free(&c->hosts);
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
	strmap_init(&c.names);
	v_validate_root(&c, root);
	if (pinhole_diag_full(d))
		c.failed = true;
	ret = c.oom ? -ENOMEM : c.failed ? -1 : 0;
	v_vctx_free(&c);
	return ret;
}
