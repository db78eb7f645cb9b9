// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Ruleset IR → OpenWrt firewall4 (fw4) /etc/config/firewall sections, or the
 * same as a `uci batch` script. Printed from the logical layer of the IR
 * (struct ir_pinhole), one entry per pinhole and address family:
 *
 *   IPv6 pinhole, IPv4 pinhole to the machine itself → `config rule`
 *   IPv4 port forward (ir_pinhole.dnat)             → `config redirect`
 *
 * What fw4 accepts is taken from its option parser (fw4.uc parse_rule,
 * parse_redirect, parse_port, parse_subnet; research/fw4.md §1): a rule's
 * dest_port and src_ip are lists, a redirect's src_dport, dest_port and
 * src_ip are single values. fw4 skips a section it cannot parse with only a
 * warning (it fails open), so everything here is checked before anything is
 * printed, and what fw4 cannot express is an error at the pinhole. A family
 * that families: leaves alone is a warning: fw4 filters it anyway.
 */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pinhole.h"
#include "addr.h"
#include "ast.h"
#include "diag.h"
#include "ir.h"
#include "uci.h"

/* "65535-65535" */
#define PORT_STR_MAX 12
/* an IPv6 address, '/', and a mask written as an address */
#define ADDR_STR_MAX 132

/**
 * struct uci_out - the printer of one output
 * @f: where it goes
 * @batch: `uci batch` commands instead of the file form
 * @type: type of the open section ("rule", "redirect")
 * @n: sections printed so far
 */
struct uci_out {
	FILE *f;
	bool batch;
	const char *type;
	unsigned int n;
};

void uci_fput_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

void uci_suffix_mask(unsigned int n, uint8_t mask[16])
{
	memset(mask, 0, 16);
	for (unsigned int i = 128 - n; i < 128; i++)
		mask[i / 8] |= 0x80 >> (i % 8);
}

static void section(struct uci_out *o, const char *type)
{
	o->type = type;
	if (o->batch) {
		fprintf(o->f, "add firewall %s\n", type);
	} else {
		if (o->n)
			fputc('\n', o->f);
		fprintf(o->f, "config %s\n", type);
	}
	o->n++;
}

static void put(struct uci_out *o, bool list, const char *key, const char *val)
{
	if (o->batch)
		fprintf(o->f, "%s firewall.@%s[-1].%s=", list ? "add_list" : "set",
			o->type, key);
	else
		fprintf(o->f, "\t%s %s ", list ? "list" : "option", key);
	uci_fput_quoted(o->f, val);
	fputc('\n', o->f);
}

static void option(struct uci_out *o, const char *key, const char *val)
{
	put(o, false, key, val);
}

static void list(struct uci_out *o, const char *key, const char *val)
{
	put(o, true, key, val);
}

/* fw4 reads "N", "lo-hi" and "lo:hi"; seed 001 and the issue write "8000:8999". */
static void fmt_port(char buf[PORT_STR_MAX], const struct ir_portrange *p)
{
	if (p->lo == p->hi)
		snprintf(buf, PORT_STR_MAX, "%u", p->lo);
	else
		snprintf(buf, PORT_STR_MAX, "%u:%u", p->lo, p->hi);
}

static bool same_range(const struct ir_portrange *a, const struct ir_portrange *b)
{
	return a->lo == b->lo && a->hi == b->hi;
}

/* An address or a prefix: the address alone when it is a host. */
static void fmt_prefix(char buf[ADDR_STR_MAX], int family, const uint8_t *a,
		       unsigned int plen)
{
	char s[64];

	if (family == 4)
		addr4_format(a, s);
	else
		addr6_format(a, s);
	if (plen == (family == 4 ? 32u : 128u))
		snprintf(buf, ADDR_STR_MAX, "%s", s);
	else
		snprintf(buf, ADDR_STR_MAX, "%s/%u", s, plen);
}

/*
 * dest_ip of an IPv6 pinhole. A suffix of 64 bits is fw4's own '::X/-64'.
 * Any other length is written with its mask ('::5/::ff:ffff:ffff:ffff'),
 * which fw4 compiles to the same `ip6 daddr & MASK == ::5`: its '/-N' means
 * "under any /N prefix", the last 128-N bits, so spelling the mask avoids
 * two readings of N.
 */
static void fmt_dest_ip(char buf[ADDR_STR_MAX], const struct ir_pinhole *lp)
{
	uint8_t mask[16];
	char a[64], m[64];

	switch (lp->kind) {
	case IR_PH_SUFFIX:
		addr6_format(lp->addr, a);
		if (lp->plen == 64) {
			snprintf(buf, ADDR_STR_MAX, "%s/-64", a);
			return;
		}
		uci_suffix_mask(lp->plen, mask);
		addr6_format(mask, m);
		snprintf(buf, ADDR_STR_MAX, "%s/%s", a, m);
		return;
	case IR_PH_SUBNET:
		fmt_prefix(buf, lp->family, lp->addr, lp->plen);
		return;
	case IR_PH_EXACT:
		fmt_prefix(buf, lp->family, lp->addr, lp->family == 4 ? 32 : 128);
		return;
	case IR_PH_SELF:
		break;
	}
	buf[0] = '\0';
}

static const char *fmt_proto(unsigned int protos)
{
	if ((protos & PH_PROTO_TCP) && (protos & PH_PROTO_UDP))
		return "tcp udp";
	return protos & PH_PROTO_UDP ? "udp" : "tcp";
}

/* fw4 zone names are identifiers (fw4.uc parse_identifier). */
static bool fw4_identifier(const char *s)
{
	if (!(*s == '_' || *s == '.' || (*s >= 'a' && *s <= 'z') ||
	      (*s >= 'A' && *s <= 'Z')))
		return false;
	for (s++; *s; s++)
		if (!(strchr("/_.-", *s) || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

/* ------------------------------------------------------------------ check */

static int check_pinhole(const struct ir_pinhole *lp, struct pinhole_diag *d)
{
	int ret = 0;

	if (!(lp->protos & (PH_PROTO_TCP | PH_PROTO_UDP)) || !lp->n_ports)
		return pinhole_error(d, &lp->loc, "pinhole '%s' has no tcp/udp "
				     "port, which fw4 would read as every port",
				     lp->name);
	if (lp->kind != IR_PH_SELF && !lp->dest_zone)
		return pinhole_error(d, &lp->loc, "pinhole '%s': its host is "
				     "in no inside zone, and a fw4 section "
				     "needs one as 'dest'", lp->name);
	if (lp->dest_zone && !fw4_identifier(lp->dest_zone))
		return pinhole_error(d, &lp->loc, "pinhole '%s': zone '%s' is "
				     "not a valid fw4 zone name", lp->name,
				     lp->dest_zone);
	if (lp->family == 4 && lp->kind != IR_PH_SELF && !lp->dnat)
		return pinhole_error(d, &lp->loc, "pinhole '%s': fw4 cannot "
				     "express an IPv4 pinhole to a LAN host "
				     "without a port forward", lp->name);
	if (!lp->dnat)
		return 0;
	/*
	 * A redirect's dest_port range becomes `dnat to ADDR:LO-HI`, which
	 * keeps the original port when it lies in the range and otherwise
	 * picks one: a range forwarded unchanged is fine, a shifted range is
	 * not a 1:1 mapping.
	 */
	for (size_t i = 0; i < lp->n_ports; i++) {
		const struct ir_portrange *in = &lp->ports[i], *ex = &lp->ext[i];
		char a[PORT_STR_MAX], b[PORT_STR_MAX];

		if (ex->lo == ex->hi || same_range(in, ex))
			continue;
		fmt_port(a, ex);
		fmt_port(b, in);
		ret = pinhole_error(d, &lp->loc, "pinhole '%s': fw4 cannot "
				    "forward port range %s to the different "
				    "range %s (a redirect maps one port, or "
				    "keeps a range unchanged); forward the same "
				    "range, or list single ports", lp->name, a, b);
	}
	return ret;
}

/* ------------------------------------------------------------------ print */

/* "80 443 8000:8999": fw4 splits an option value on whitespace. */
static char *port_list(const struct ir_pinhole *lp)
{
	char *s = malloc(lp->n_ports * PORT_STR_MAX + 1), *p = s;

	if (!s)
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < lp->n_ports; i++) {
		if (i)
			*p++ = ' ';
		fmt_port(p, &lp->ports[i]);
		p += strlen(p);
	}
	return s;
}

/*
 * `log: true`: fw4's log and log_limit, which it compiles to the same two
 * rules as the table (research/fw4.md §1.3): `MATCHES limit rate R log
 * prefix "..."`, then the rule with the verdict, never limited.
 */
static void print_log(struct uci_out *o, const struct pinhole_ruleset *r,
		      const struct ir_pinhole *lp)
{
	char buf[IR_LOG_PREFIX_MAX];

	snprintf(buf, sizeof(buf), "pinhole: %s: ", lp->name);
	option(o, "log", buf);
	snprintf(buf, sizeof(buf), "%u/%s", r->log_rate,
		 r->log_unit == 1 ? "second" : r->log_unit == 60 ? "minute" :
		 r->log_unit == 3600 ? "hour" : "day");
	option(o, "log_limit", buf);
}

static int print_rule(struct uci_out *o, const struct pinhole_ruleset *r,
		      const struct ir_pinhole *lp, const char *src)
{
	char buf[ADDR_STR_MAX];
	char *ports = port_list(lp);

	if (!ports)
		return -ENOMEM;
	section(o, "rule");
	option(o, "name", lp->name);
	option(o, "src", src);
	for (size_t i = 0; i < lp->n_from; i++) {
		fmt_prefix(buf, lp->family, lp->from_addr[i], lp->from_plen[i]);
		list(o, "src_ip", buf);
	}
	if (lp->kind != IR_PH_SELF)
		option(o, "dest", lp->dest_zone);
	option(o, "proto", fmt_proto(lp->protos));
	if (lp->kind != IR_PH_SELF) {
		fmt_dest_ip(buf, lp);
		option(o, "dest_ip", buf);
	}
	option(o, "dest_port", ports);
	option(o, "family", lp->family == 4 ? "ipv4" : "ipv6");
	option(o, "target", "ACCEPT");
	if (lp->log)
		print_log(o, r, lp);
	free(ports);
	return 0;
}

/*
 * One redirect per (port, source prefix): fw4 takes a single src_dport,
 * dest_port and src_ip per redirect. The first keeps the pinhole's name,
 * the next ones are NAME-2, NAME-3, ...
 */
/*
 * ipv4.reflection (SPEC §6.3). fw4 reflects a redirect by default, from its
 * dest zone; pinhole's table reflects from every inside zone, and never a
 * forward restricted by from: (the inside sources are not in the list).
 */
static void redirect_reflection(struct uci_out *o, const struct pinhole_ruleset *r,
				const struct ir_pinhole *lp)
{
	size_t inside = 0;

	if (r->zone_policy.no_reflection || lp->n_from) {
		option(o, "reflection", "0");
		return;
	}
	for (size_t z = 0; z < r->n_zones; z++)
		inside += !r->zones[z].outside;
	for (size_t z = 0; inside > 1 && z < r->n_zones; z++)
		if (!r->zones[z].outside)
			list(o, "reflection_zone", r->zones[z].name);
}

static int print_redirects(struct uci_out *o, const struct pinhole_ruleset *r,
			   const struct ir_pinhole *lp, const char *zone)
{
	size_t n_src = lp->n_from ? lp->n_from : 1;
	unsigned int k = 0;

	for (size_t i = 0; i < lp->n_ports; i++) {
		for (size_t j = 0; j < n_src; j++) {
			char src[ADDR_STR_MAX], ip[ADDR_STR_MAX];
			char sport[PORT_STR_MAX], dport[PORT_STR_MAX];
			char *owned = NULL;
			const char *nm = lp->name;

			if (++k > 1) {
				if (asprintf(&owned, "%s-%u", lp->name, k) < 0)
					return -ENOMEM;
				nm = owned;
			}
			fmt_port(sport, &lp->ext[i]);
			fmt_port(dport, &lp->ports[i]);
			fmt_dest_ip(ip, lp);
			section(o, "redirect");
			option(o, "name", nm);
			option(o, "src", zone);
			if (lp->n_from) {
				fmt_prefix(src, 4, lp->from_addr[j], lp->from_plen[j]);
				option(o, "src_ip", src);
			}
			option(o, "src_dport", sport);
			option(o, "dest", lp->dest_zone);
			option(o, "dest_ip", ip);
			option(o, "dest_port", dport);
			option(o, "proto", fmt_proto(lp->protos));
			option(o, "family", "ipv4");
			option(o, "target", "DNAT");
			redirect_reflection(o, r, lp);
			free(owned);
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ zones */

static const char *fw4_policy(uint8_t v)
{
	return v == PH_V_ACCEPT ? "ACCEPT" : v == PH_V_REJECT ? "REJECT" : "DROP";
}

/* Does inside zone @z open new connections to zone @d (reach, outbound)? */
static bool zone_reaches(const struct pinhole_ruleset *r, size_t z, size_t d)
{
	const struct ir_zone *iz = &r->zones[z];

	if (!iz->has_reach)
		return !r->zones[d].outside || r->zone_policy.outbound_accept;
	for (size_t i = 0; i < iz->n_reach; i++)
		if (iz->reach[i] == d)
			return true;
	return false;
}

/*
 * The zones as the table has them: an outside zone takes new connections to
 * the router per defaults.input and drops (or rejects) what is forwarded from
 * it unless a rule accepts it; an inside zone reaches the router per its
 * `input:` and its own interfaces unless its `reach:` leaves itself out.
 * Between zones, `config forwarding` per `reach:` (by default every inside
 * zone, and the outside ones with defaults.outbound accept). An inside zone
 * whose input is not accept gets the DHCP, DHCPv6 and DNS rules the table
 * has (zone-services). The interfaces are devices (`list device`, a
 * trailing '*' as fw4 reads it), not networks.
 */
static void print_zones(struct uci_out *o, const struct pinhole_ruleset *r)
{
	const struct ir_zone_policy *zp = &r->zone_policy;
	char name[64];

	for (size_t z = 0; z < r->n_zones; z++) {
		const struct ir_zone *iz = &r->zones[z];

		section(o, "zone");
		option(o, "name", iz->name);
		for (size_t i = 0; i < iz->n_ifnames; i++)
			list(o, "device", iz->ifnames[i]);
		option(o, "input", fw4_policy(iz->outside ? zp->input : iz->input));
		option(o, "output", "ACCEPT");
		option(o, "forward", iz->outside ? fw4_policy(zp->inbound) :
		       zone_reaches(r, z, z) ? "ACCEPT" : "DROP");
		if (iz->outside && zp->masq)
			option(o, "masq", "1");
		if (iz->mss_clamp)
			option(o, "mtu_fix", "1");
	}
	for (size_t z = 0; z < r->n_zones; z++) {
		if (r->zones[z].outside)
			continue;
		for (size_t d = 0; d < r->n_zones; d++) {
			if (d == z || !zone_reaches(r, z, d))
				continue;
			section(o, "forwarding");
			option(o, "src", r->zones[z].name);
			option(o, "dest", r->zones[d].name);
		}
	}
	for (size_t z = 0; z < r->n_zones; z++) {
		const struct ir_zone *iz = &r->zones[z];

		if (iz->outside || iz->input == PH_V_ACCEPT)
			continue;
		section(o, "rule");
		snprintf(name, sizeof(name), "%s-services", iz->name);
		option(o, "name", name);
		option(o, "src", iz->name);
		option(o, "proto", "udp");
		option(o, "dest_port", "53 67 547");
		option(o, "target", "ACCEPT");
		section(o, "rule");
		snprintf(name, sizeof(name), "%s-dns-tcp", iz->name);
		option(o, "name", name);
		option(o, "src", iz->name);
		option(o, "proto", "tcp");
		option(o, "dest_port", "53");
		option(o, "target", "ACCEPT");
	}
}

/*
 * SPEC §6.3 in fw4's words. defaults.inbound: accept (transparent mode):
 * a `config forwarding` from each outside zone to each inside one, which
 * fw4 turns into `jump accept_to_lan` in forward_wan. ipsec: true: ESP and
 * AH, and IKE (udp 500, 4500), from each outside zone to any zone, IPv6
 * only, as the table has them (fw4's stock Allow-IPSec-ESP and
 * Allow-ISAKMP have no family and no AH or 4500).
 */
static void print_router_details(struct uci_out *o, const struct pinhole_ruleset *r)
{
	char name[64];

	for (size_t z = 0; z < r->n_zones; z++) {
		if (!r->zones[z].outside)
			continue;
		for (size_t d = 0; r->zone_policy.inbound == PH_V_ACCEPT &&
				   d < r->n_zones; d++) {
			if (r->zones[d].outside)
				continue;
			section(o, "forwarding");
			option(o, "src", r->zones[z].name);
			option(o, "dest", r->zones[d].name);
		}
		if (!r->zone_policy.ipsec)
			continue;
		section(o, "rule");
		snprintf(name, sizeof(name), "%s-ipsec-esp-ah", r->zones[z].name);
		option(o, "name", name);
		option(o, "src", r->zones[z].name);
		option(o, "dest", "*");
		option(o, "proto", "esp ah");
		option(o, "family", "ipv6");
		option(o, "target", "ACCEPT");
		section(o, "rule");
		snprintf(name, sizeof(name), "%s-ipsec-ike", r->zones[z].name);
		option(o, "name", name);
		option(o, "src", r->zones[z].name);
		option(o, "dest", "*");
		option(o, "proto", "udp");
		option(o, "dest_port", "500 4500");
		option(o, "family", "ipv6");
		option(o, "target", "ACCEPT");
	}
}

/*
 * Each pinhole once per outside zone (fw4 takes one src zone per section),
 * in the policy's order of zones; host mode has none and uses "wan".
 */
static int print_pinhole(struct uci_out *o, const struct pinhole_ruleset *r,
			 const struct ir_pinhole *lp)
{
	bool any = false;
	int ret = 0;

	for (size_t z = 0; z < r->n_zones && !ret; z++) {
		if (!r->zones[z].outside)
			continue;
		any = true;
		ret = lp->dnat ? print_redirects(o, r, lp, r->zones[z].name) :
				 print_rule(o, r, lp, r->zones[z].name);
	}
	if (!any)
		ret = lp->dnat ? print_redirects(o, r, lp, UCI_SRC_ZONE) :
				 print_rule(o, r, lp, UCI_SRC_ZONE);
	return ret;
}

EXPORT_SYMBOL(pinhole_ruleset_uci);
int pinhole_ruleset_uci(const struct pinhole_ruleset *r, struct pinhole_diag *d,
			FILE *f, int flags)
{
	struct uci_out o = { .f = f, .batch = flags & PINHOLE_UCI_BATCH };
	int ret = 0;

	if (!r->has_pinholes)
		return -EINVAL;
	if ((flags & PINHOLE_UCI_ZONES) && !r->n_zones)
		return pinhole_error(d, NULL, "uci --zones: the policy has no "
				     "zones (host mode); fw4 zones need a router "
				     "policy");
	for (size_t i = 0; i < r->n_pinholes; i++)
		if (check_pinhole(&r->pinholes[i], d) < 0)
			ret = -1;
	/*
	 * defaults.ping: drop. fw4's stock config answers pings from wan
	 * (Allow-Ping, Allow-ICMPv6-Input), and these sections can only add.
	 */
	if (r->zone_policy.ping_drop)
		ret = pinhole_error(d, &r->zone_policy.ping_loc, "fw4 cannot drop "
				    "ping with added sections: its stock rules "
				    "Allow-Ping and Allow-ICMPv6-Input accept echo "
				    "requests from wan; disable those two rules in "
				    "/etc/config/firewall and write 'ping: accept' "
				    "here");
	/* fw4 reflects only from a zone with masq (fw4.uc, reflection rules) */
	for (size_t i = 0; !r->zone_policy.no_reflection && !r->zone_policy.masq &&
			   r->zone_policy.reflection_loc.line && i < r->n_pinholes; i++) {
		if (!r->pinholes[i].dnat || r->pinholes[i].n_from)
			continue;
		ret = pinhole_error(d, &r->zone_policy.reflection_loc, "fw4 reflects a "
				    "port forward only from a zone with masq, and "
				    "masquerade is off here; turn masquerade on, or "
				    "write 'reflection: false'");
		break;
	}
	if (ret)
		return ret;
	/*
	 * families: (SPEC §6.2) has no fw4 counterpart: fw4's zones filter
	 * both families by their own policies. What it can say is printed:
	 * every section is restricted to the families pinhole filters.
	 */
	for (int family = 6; family >= 4; family -= 2)
		if (r->unfiltered & PH_FAMBIT(family))
			pinhole_warning(d, &r->families_loc, "fw4 cannot leave %s "
					"alone: its zones still filter it by their own "
					"policies; these sections only add %s rules",
					family == 6 ? "IPv6" : "IPv4",
					family == 6 ? "IPv4" : "IPv6");
	/*
	 * mss_clamp is a zone's mtu_fix: without --zones only the stock
	 * zones' (wan has it, lan not) stand, so a policy that differs says so.
	 */
	for (size_t z = 0; z < r->n_zones && !(flags & PINHOLE_UCI_ZONES); z++)
		if (r->zones[z].mss_clamp != r->zones[z].outside)
			pinhole_warning(d, NULL, "zone '%s' has mss_clamp: %s, but "
					"fw4's stock zones have mtu_fix only on wan; "
					"uci --zones prints the zone with %s",
					r->zones[z].name,
					r->zones[z].mss_clamp ? "true" : "false",
					r->zones[z].mss_clamp ? "option mtu_fix '1'" :
					"no mtu_fix");
	/* fw4's redirects have no log option (templates/redirect.uc) */
	for (size_t i = 0; i < r->n_pinholes; i++)
		if (r->pinholes[i].dnat && r->pinholes[i].log)
			pinhole_warning(d, &r->pinholes[i].loc, "pinhole '%s': fw4 "
					"redirects cannot log; its IPv4 forward is "
					"logged only by the nft table",
					r->pinholes[i].name);
	/*
	 * defaults.bogons (SPEC 6.3) has no fw4 counterpart either, and it is
	 * on by default: refusing it would refuse almost every policy, so it
	 * is a warning, as families: is (say bogons: false to silence it).
	 */
	if (r->n_zones && r->zone_policy.bogons)
		pinhole_warning(d, &r->zone_policy.bogons_loc, "fw4 has no bogon "
				"filter: these sections do not drop what "
				"defaults.bogons drops (bogon IPv6 sources and ULA "
				"destinations from outside zones, routing header "
				"type 0)");
	if (flags & PINHOLE_UCI_ZONES)
		print_zones(&o, r);
	print_router_details(&o, r);
	for (size_t i = 0; i < r->n_pinholes && !ret; i++)
		ret = print_pinhole(&o, r, &r->pinholes[i]);
	if (ret)
		return ret;
	if (o.batch)
		fputs("commit firewall\n", f);
	if (ferror(f))
		return -EIO;
	return 0;
}
