// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The pinholes: section, one pinhole at a time: host, proto, ports,
 * family, from, external_ports and name, then the warnings about it.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ast.h"
#include "diag.h"
#include "misspell.h"
#include "pinhole.h"
#include "strmap.h"
#include "validate_int.h"
#include "ydoc.h"

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
			    key, v_describe(c, v));
	}
	pi = v_xcalloc(c, n, sizeof(*pi));
	if (!pi)
		return -1;
	for (size_t i = 0; i < n && !v_full(c); i++) {
		const struct ynode *it = items[i];
		uint16_t lo = 0, hi = 0;

		if (it->kind != YN_SCALAR || ynode_is_null(it)) {
			bad = true;
			verr(c, &it->loc, "'%s' items must be ports or ranges lo:hi "
			     "(found %s)", key, v_describe(c, it));
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
			     v_q(c, it->str));
			break;
		case PORT_REVERSED:
			verr(c, &it->loc, "port range %s is reversed", v_q(c, it->str));
			break;
		case PORT_INVALID:
			verr(c, &it->loc, "invalid port '%s' (a number 1..65535 or "
			     "a range lo:hi)", v_q(c, it->str));
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

		if (v_choose(c, items[i], "proto", protos, 2, &val)) {
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
			    "prefixes (found %s)", v_describe(c, v));
	}
	ph->from = v_xcalloc(c, n, sizeof(*ph->from));
	if (!ph->from)
		return -1;
	for (size_t i = 0; i < n && !v_full(c); i++) {
		const struct ynode *it = items[i];
		struct ph_prefix *pf;
		struct addr_parsed a;
		char buf[80];
		const char *s;

		if (!(s = v_want_str(c, it, "from", "a source prefix"))) {
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
			bad = verr(c, &it->loc, "invalid source prefix '%s'", v_q(c, s));
			continue;
		case ADDR_BAD_PLEN:
			bad = verr(c, &it->loc, "invalid prefix length in '%s'", v_q(c, s));
			continue;
		}
		if (a.suffix) {
			bad = verr(c, &it->loc, "'from' takes prefixes, not suffixes "
				   "('%s')", v_q(c, s));
			continue;
		}
		if (addr_has_host_bits(a.addr, a.family == 6 ? 128 : 32, a.plen)) {
			addr_mask(a.addr, a.family == 6 ? 128 : 32, a.plen);
			format_prefix(&a, buf);
			bad = verr(c, &it->loc, "'%s' has host bits set; did you "
				   "mean %s?", v_q(c, s), buf);
			continue;
		}
		if (!ph_filters(c->p, a.family)) {
			bad = v_err_unfiltered(c, &it->loc, a.family, "'%s' is an "
					       "IPv%d prefix", v_q(c, s), a.family) != 0;
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
	if (!(s = v_want_str(c, v, "host", "a host name or self")))
		return -1;
	if (!strcmp(s, "self"))
		return 0;
	if (!p->router)
		return verr(c, &v->loc, "host mode (no zones) only opens ports "
			    "on this machine; '%s' must be self", v_q(c, s));
	if (strmap_get(&c->hosts, s, &hi)) {
		ph->host = (int)hi;
		return c->host_bad[hi] ? -1 : 0;
	}
	if (v_full(c))
		return -1;
	misspell_init(&m, s);
	for (size_t i = 0; i < p->n_hosts; i++)
		misspell_try(&m, p->hosts[i].name);
	if (m.best)
		return verr(c, &v->loc, "unknown host '%s'; did you mean '%s'?",
			    v_q(c, s), m.best);
	return verr(c, &v->loc, "unknown host '%s'", v_q(c, s));
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

	if (!ph_filters(c->p, 4))
		return v_err_unfiltered(c, &v->loc, 4, "'external_ports' is for "
					"IPv4 port forwards");
	if (!h)
		return verr(c, &v->loc, "'external_ports' is for IPv4 port "
			    "forwards to a host, not for host: self");
	if (!h->has_ipv4)
		return verr(c, &v->loc, "'external_ports' needs host '%s' to "
			    "have an ipv4 address", v_q(c, h->name));
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
				   v_q(c, ext[i].node->str), ne, ne == 1 ? "" : "s",
				   v_q(c, ports[i].node->str), np, np == 1 ? "" : "s");
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
			   v_q(c, h->name));
	if (h && ph->family == PH_FAM_IPV6 && h->ipv6.kind == PH_ADDR6_NONE)
		ret = verr(c, &fam->loc, "host '%s' has no ipv6 address",
			   v_q(c, h->name));
	if (ph->n_from && ph->family == PH_FAM_IPV6 && !v_from_has(ph, 6))
		ret = verr(c, &c->from_loc, "'from' has no IPv6 prefix but the "
			   "pinhole is family ipv6");
	if (ph->n_from && ph->family == PH_FAM_IPV4 && !v_from_has(ph, 4))
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
		v_warn(c, &c->host_loc, "pinhole '%s' opens a whole "
				"subnet (%s/%u)", v_q(c, ph->name), buf, h->ipv6.plen);
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
			v_warn(c, &r->loc, "pinhole '%s' opens %u/tcp "
					"(%s) and %u more risky port%s to everyone; "
					"restrict it with from:", v_q(c, ph->name),
					risky[first].port, risky[first].what, more,
					more == 1 ? "" : "s");
		else
			v_warn(c, &r->loc, "pinhole '%s' opens %u/tcp "
					"(%s) to everyone; restrict it with from:",
					v_q(c, ph->name), risky[first].port,
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
	return v_name_chars(s, true);
}

static int pinhole_name(struct vctx *c, struct ph_pinhole *ph, size_t idx,
			const struct ynode *v)
{
	const struct ph_pinhole *first;
	char buf[PINHOLE_NAME_MAX + 16];
	size_t fi;
	int r;

	if (v) {
		const char *s = v_want_str(c, v, "name", "a pinhole name");

		if (!s)
			return -1;
		if (!is_pinhole_name(s))
			return verr(c, &v->loc, "invalid pinhole name '%s' (letters, "
				    "digits, '_', '.' and '-', not starting with "
				    "'_', '.' or '-'; at most %u characters)",
				    v_q(c, s), PINHOLE_NAME_MAX);
		ph->name = v_astrdup(c, s);
		ph->name_given = true;
		ph->name_loc = v->loc;
	} else {
		if (!ph->n_ports)
			return -1;	/* ports had errors: no default name */
		snprintf(buf, sizeof(buf), "%s-%u",
			 ph->host >= 0 ? c->p->hosts[ph->host].name : "self",
			 ph->ports[0].lo);
		ph->name = v_astrdup(c, buf);
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
		    "at %u:%u)%s", v_q(c, ph->name), first->name_loc.line,
		    first->name_loc.col,
		    ph->name_given && first->name_given ? "" :
		    "; set 'name' on one of them (the default name is "
		    "<host>-<first port>)");
}

int v_parse_pinhole(struct vctx *c, size_t idx, const struct ynode *v)
{
	static const struct choice families[] = {
		{ "ipv6", PH_FAM_IPV6 }, { "ipv4", PH_FAM_IPV4 }, { "any", PH_FAM_ANY } };
	enum { F_NAME, F_HOST, F_PROTO, F_PORTS, F_FAMILY, F_FROM, F_EXT, F_LOG };
	struct field f[] = {
		[F_NAME] = { .name = "name" }, [F_HOST] = { .name = "host" }, [F_PROTO] = { .name = "proto" },
		[F_PORTS] = { .name = "ports" }, [F_FAMILY] = { .name = "family" },
		[F_FROM] = { .name = "from" }, [F_EXT] = { .name = "external_ports" },
		[F_LOG] = { .name = "log" },
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
			    "and ports: (found %s)", v_describe(c, v));
	unknown = v_get_fields(c, v, "pinhole", NULL, f, ARRAY_SIZE(f));
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
			ph->ports = v_aalloc(c, (size_t)n, sizeof(*ph->ports),
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
		if (v_choose(c, f[F_FAMILY].val, "family", families, 3, &val))
			bad = true;
		else if (val != PH_FAM_ANY &&
			 !ph_filters(c->p, val == PH_FAM_IPV6 ? 6 : 4))
			bad = v_err_unfiltered(c, &f[F_FAMILY].val->loc,
					       val == PH_FAM_IPV6 ? 6 : 4,
					       "pinhole is family %s",
					       f[F_FAMILY].val->str) != 0;
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
			ph->ext_ports = v_aalloc(c, (size_t)n, sizeof(*ph->ext_ports),
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
	if (f[F_LOG].val && v_want_bool(c, f[F_LOG].val, "log", &ph->log))
		bad = true;
	if (pinhole_name(c, ph, idx, f[F_NAME].val))
		bad = true;
	if (!bad)
		warn_pinhole(c, ph);
	return bad ? -1 : 0;
}

int v_do_pinholes(struct vctx *c, const struct field *f)
{
	const struct ynode *v = f->val;
	struct pinhole_policy *p = c->p;
	bool *ok;

	if (!v || ynode_is_null(v))
		return 0;
	if (v->kind != YN_SEQ)
		return verr(c, &v->loc, "'pinholes' must be a list (found %s)",
			    v_describe(c, v));
	free(p->pinholes);	/* a stream's reservation */
	p->pinholes = v_xcalloc(c, v->n, sizeof(*p->pinholes));
	ok = v_xcalloc(c, v->n, sizeof(*ok));
	if (!p->pinholes || !ok) {
		free(ok);
		return -ENOMEM;
	}
	for (size_t i = 0; i < v->n && !v_full(c); i++) {
		p->n_pinholes++;
		ok[i] = v_parse_pinhole(c, i, v->kids[i]) == 0;
	}
	v_drop_name_maps(c);
	if (!v_full(c))
		v_warn_repeats(c, ok);
	free(ok);
	return 0;
}

/*
 * defaults.bogons drops ULA destinations arriving from outside zones, the
 * only zones a pinhole accepts from (SPEC 6.3): a pinhole to a ULA host
 * opens nothing over IPv6 then. A pass after the whole policy is read, so
 * that a defaults: written after the pinholes (or a streamed policy) is
 * known; at the pinhole's item.
 */
void v_warn_bogon_ula(struct vctx *c)
{
	static const uint8_t ula[16] = { 0xfc };
	const struct pinhole_policy *p = c->p;

	if (!p->router || !p->defaults.bogons || !ph_filters(p, 6))
		return;
	for (size_t i = 0; i < p->n_pinholes; i++) {
		const struct ph_pinhole *ph = &p->pinholes[i];
		const struct ph_host *h;
		char buf[64], net[72];

		/* a pinhole or host with errors may be half filled in */
		if (!ph->name || ph->host < 0 || (size_t)ph->host >= p->n_hosts ||
		    ph->family == PH_FAM_IPV4 ||
		    (c->host_bad && c->host_bad[ph->host]))
			continue;
		h = &p->hosts[ph->host];
		if ((h->ipv6.kind != PH_ADDR6_EXACT && h->ipv6.kind != PH_ADDR6_SUBNET) ||
		    !addr_in(h->ipv6.addr, ula, 7))
			continue;
		addr6_format(h->ipv6.addr, buf);
		if (h->ipv6.kind == PH_ADDR6_SUBNET)
			snprintf(net, sizeof(net), "%s/%u", buf, h->ipv6.plen);
		else
			snprintf(net, sizeof(net), "%s", buf);
		v_warn(c, &ph->loc, "pinhole '%s' opens the ULA address %s of host "
		       "'%s', but bogon filtering drops ULA destinations from "
		       "outside zones; it opens nothing over IPv6 unless "
		       "defaults.bogons is false", v_q(c, ph->name), net,
		       v_q(c, h->name));
	}
}
