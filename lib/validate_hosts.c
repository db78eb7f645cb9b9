// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The hosts: section (names, addresses, zones) and ipv4: (masquerade),
 * which depends on the hosts.
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

	s = v_want_str(c, v, "ipv6", "an IPv6 address, prefix or ::suffix/-N");
	if (!s)
		return -1;
	r = addr_parse(s, &a);
	if (r == ADDR_INVALID)
		return verr(c, &v->loc, "invalid IPv6 address '%s'", v_q(c, s));
	if (a.family == 4)
		return verr(c, &v->loc, "'%s' is an IPv4 address; put it under "
			    "ipv4:", v_q(c, s));
	if (r == ADDR_BAD_PLEN)
		return verr(c, &v->loc, "invalid prefix length in '%s' (/N with N "
			    "up to 128, or /-N for an interface-ID suffix)", v_q(c, s));
	memcpy(a6->addr, a.addr, 16);
	a6->plen = a.plen;
	if (a.suffix) {
		a6->kind = PH_ADDR6_SUFFIX;
		if (a.plen < 1 || a.plen > 127)
			return verr(c, &v->loc, "suffix length in '%s' must be "
				    "1..127", v_q(c, s));
		if (!addr6_suffix_fits(a.addr, a.plen))
			return verr(c, &v->loc, "suffix '%s' has bits set outside "
				    "its last %u bits", v_q(c, s), a.plen);
		if (!addr_has_host_bits(a.addr, 128, 0))
			return verr(c, &v->loc, "suffix '%s' is all zeros", v_q(c, s));
		/*
		 * An interface ID is 64 bits (RFC 4291 2.5.1): /-64 names one
		 * interface in every /64 the router forwards to. A shorter
		 * suffix leaves bits of the IID free, so it opens 2^(64-N)
		 * addresses in each subnet (::1/-1: half of every one): the
		 * "whole subnet" warning's case, not one host.
		 */
		if (a.plen < 64) {
			char share[32];

			if (a.plen == 1)
				snprintf(share, sizeof(share), "half of all addresses");
			else
				snprintf(share, sizeof(share), "1 in 2^%u addresses", a.plen);
			v_warn(c, &v->loc, "suffix '%s' is shorter than a 64-bit "
			       "interface ID: it matches 2^%u addresses in every /64 "
			       "subnet (%s), not one host", v_q(c, s), 64 - a.plen,
			       share);
		}
		return 0;
	}
	if (a.plen == 128) {
		a6->kind = PH_ADDR6_EXACT;
	} else if (a.plen == 0) {
		return verr(c, &v->loc, "'%s' is the whole IPv6 internet, not a "
			    "host", v_q(c, s));
	} else {
		a6->kind = PH_ADDR6_SUBNET;
		if (addr_has_host_bits(a.addr, 128, a.plen)) {
			addr_mask(a.addr, 128, a.plen);
			addr6_format(a.addr, buf);
			return verr(c, &v->loc, "'%s' has host bits set; did you "
				    "mean %s/%u?", v_q(c, s), buf, a.plen);
		}
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(special6); i++) {
		const struct special *sp = &special6[i];

		if (a.plen >= sp->plen && addr_in(a.addr, sp->net, sp->plen))
			return verr(c, &v->loc, "'%s' is %s", v_q(c, s), sp->what);
	}
	if (addr_in(a.addr, ula, 7))
		v_warn(c, &v->loc, "'%s' is a ULA address, not "
				"reachable from the internet", v_q(c, s));
	return 0;
}

static int host_ipv4(struct vctx *c, struct ph_host *h, const struct ynode *v)
{
	struct addr_parsed a;
	const char *s;

	s = v_want_str(c, v, "ipv4", "an IPv4 address");
	if (!s)
		return -1;
	if (addr_parse(s, &a) != ADDR_INVALID && a.family == 6)
		return verr(c, &v->loc, "'%s' is an IPv6 address; put it under "
			    "ipv6:", v_q(c, s));
	if (strchr(s, '/'))
		return verr(c, &v->loc, "a host's ipv4 is one address, not a "
			    "prefix ('%s')", v_q(c, s));
	if (!addr4_parse(s, h->ipv4))
		return verr(c, &v->loc, "invalid IPv4 address '%s'", v_q(c, s));
	for (unsigned int i = 0; i < ARRAY_SIZE(special4); i++) {
		const struct special *sp = &special4[i];

		if (addr_in(h->ipv4, sp->net, sp->plen))
			return verr(c, &v->loc, "'%s' is %s", v_q(c, s), sp->what);
	}
	h->has_ipv4 = true;
	return 0;
}

static int host_zone(struct vctx *c, struct ph_host *h, const struct ynode *v)
{
	const char *s = v_want_str(c, v, "zone", "a zone name");
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
			if (!c->p->zones[i].outside)
				misspell_try(&m, c->p->zones[i].name);
		if (m.best)
			return verr(c, &v->loc, "unknown zone '%s'; did you mean "
				    "'%s'?", v_q(c, s), m.best);
		return verr(c, &v->loc, "unknown zone '%s'", v_q(c, s));
	}
	if (c->p->zones[zi].outside)
		return verr(c, &v->loc, "host '%s' cannot be in zone '%s' (an "
			    "outside zone)", v_q(c, h->name), v_q(c, s));
	h->zone = (int)zi;
	return 0;
}

/* One `NAME: {ipv6, ipv4, zone}` entry; p->hosts has room for it. */
void v_host_entry(struct vctx *c, const struct ynode *k,
		  const struct ynode *hv)
{
	struct pinhole_policy *p = c->p;
	struct field hf[] = { { .name = "ipv6" }, { .name = "ipv4" }, { .name = "zone" } };
	size_t hi = p->n_hosts;
	struct ph_host *h = &p->hosts[hi];
	unsigned int unknown;
	bool bad = false;
	int r;

	if (!(h->name = v_astrdup(c, k->str)))
		return;
	p->n_hosts++;
	h->loc = k->loc;
	h->zone = -1;
	if (!strcmp(k->str, "self"))
		verr(c, &k->loc, "host name 'self' is reserved (it means "
		     "this machine)");
	else if (!v_is_ident(k->str, HOST_NAME_MAX_))
		verr(c, &k->loc, "invalid host name '%s' (a letter, then "
		     "letters, digits, '_' or '-'; at most %u characters)",
		     v_q(c, k->str), HOST_NAME_MAX_);
	r = strmap_add(&c->hosts, h->name, hi, NULL);
	if (r < 0)
		c->oom = true;
	else if (r > 0 && c->stream)
		c->failed = true;	/* a duplicate key: the tree would drop it */
	if (hv->kind != YN_MAP) {
		verr(c, &hv->loc, "host '%s' must be a mapping with ipv6: "
		     "and/or ipv4: (found %s)", v_q(c, k->str), v_describe(c, hv));
		c->host_bad[hi] = true;
		return;
	}
	unknown = v_get_fields(c, hv, "host", k->str, hf, ARRAY_SIZE(hf));
	if (!hf[0].val && !hf[1].val) {
		if (unknown)
			bad = true;
		else
			verr(c, &k->loc, "host '%s' needs an ipv6: or "
			     "ipv4: address", v_q(c, k->str));
		bad = true;
	}
	if (hf[0].val && host_ipv6(c, h, hf[0].val))
		bad = true;
	if (hf[1].val && host_ipv4(c, h, hf[1].val))
		bad = true;
	for (int fam = 6; fam >= 4; fam -= 2) {
		const struct field *af = &hf[fam == 6 ? 0 : 1];

		if (af->val && !ph_filters(p, fam))
			bad = v_err_unfiltered(c, &af->key->loc, fam, "host '%s' "
					       "has an ipv%d address", v_q(c, k->str),
					       fam) != 0;
	}
	if (hf[2].val && host_zone(c, h, hf[2].val))
		bad = true;
	c->host_bad[hi] = bad;
}

int v_do_hosts(struct vctx *c, const struct field *f)
{
	const struct ynode *v = f->val;
	struct pinhole_policy *p = c->p;

	if (!v || ynode_is_null(v))
		return 0;
	if (v->kind != YN_MAP)
		return verr(c, &v->loc, "'hosts' must be a mapping of host names "
			    "to addresses (found %s)", v_describe(c, v));
	free(p->hosts);		/* a stream's reservation (stream_reserve()) */
	free(c->host_bad);
	p->hosts = v_xcalloc(c, v->n / 2, sizeof(*p->hosts));
	c->host_bad = v_xcalloc(c, v->n / 2, sizeof(*c->host_bad));
	if (!p->hosts || !c->host_bad)
		return -ENOMEM;
	for (size_t i = 0; i < v->n && !v_full(c) && !c->oom; i += 2)
		v_host_entry(c, v->kids[i], v->kids[i + 1]);
	return 0;
}

/*
 * ipv4.reflection (SPEC §6.3): inside hosts reach the IPv4 forwards through
 * the router's outside address. The default is true; it means something
 * only where a forward exists, so `true` needs only router mode and IPv4.
 */
static void do_reflection(struct vctx *c, const struct field *f)
{
	struct pinhole_policy *p = c->p;

	if (v_want_bool(c, f->val, "reflection", &p->reflection))
		return;
	p->reflection_loc = f->val->loc;
	if (!p->reflection)
		return;
	if (!ph_filters(p, 4))
		v_err_unfiltered(c, &f->val->loc, 4, "'reflection: true' is IPv4 "
				 "NAT");
	else if (!p->router)
		verr(c, &f->key->loc, "'reflection' needs router mode (a zones: "
		     "section)");
}

void v_do_ipv4(struct vctx *c, const struct field *f)
{
	struct pinhole_policy *p = c->p;
	struct field mf[] = { { .name = "masquerade" }, { .name = "reflection" } };

	p->masquerade = false;
	p->reflection = true;
	if (p->router)
		for (size_t i = 0; i < p->n_hosts; i++)
			p->masquerade |= p->hosts[i].has_ipv4;
	if (!f->val || ynode_is_null(f->val))
		return;
	if (f->val->kind != YN_MAP) {
		verr(c, &f->val->loc, "'ipv4' must be a mapping (found %s)",
		     v_describe(c, f->val));
		return;
	}
	v_get_fields(c, f->val, "ipv4", NULL, mf, ARRAY_SIZE(mf));
	if (mf[1].val)
		do_reflection(c, &mf[1]);
	if (!mf[0].val)
		return;
	if (v_want_bool(c, mf[0].val, "masquerade", &p->masquerade))
		return;
	p->masquerade_loc = mf[0].val->loc;
	/* fw4 reflects only from a masquerading zone: so does the default */
	if (!p->masquerade && !mf[1].val)
		p->reflection = false;
	if (p->masquerade && !ph_filters(p, 4)) {
		v_err_unfiltered(c, &mf[0].val->loc, 4, "'masquerade: true' is "
				 "IPv4 NAT");
		return;
	}
	if (!p->router)
		verr(c, &mf[0].key->loc, "'masquerade' needs router mode (a "
		     "zones: section)");
}
