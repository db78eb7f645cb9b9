// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The loader: YAML tree locations (1-based), refusals (aliases, tags,
 * duplicate keys, depth, size), and the validated AST of a full policy.
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "ast.h"
#include "diag.h"
#include "pinhole.h"
#include "ydoc.h"
#include "tap.h"

/* Load @text as "p.yaml"; returns the printed diagnostics (free it). */
static char *load(const char *text, int *ret, struct pinhole_policy **out)
{
	struct pinhole_diag *d = pinhole_diag_new();
	struct pinhole_policy *p = NULL;
	char *s;

	*ret = pinhole_policy_load_buffer("p.yaml", text, strlen(text), d, &p);
	s = diag_text(d);
	pinhole_diag_free(d);
	if (out)
		*out = p;
	else
		pinhole_policy_free(p);
	return s;
}

static void bad(const char *text, const char *want, const char *what)
{
	int ret;
	char *s = load(text, &ret, NULL);

	ok(ret == -1, "%s: refused", what);
	is_str(s, want, "%s: message", what);
	free(s);
}

static void tree_locations(void)
{
	static const char text[] =
		"version: 1\n"
		"pinholes:\n"
		"  - ports: 9000:8000\n"
		"    from: [ \"2001:db8::/32\" ]\n";
	struct pinhole_diag *d = pinhole_diag_new();
	const struct ynode *root, *ph, *item, *from;
	struct ydoc *doc;

	ok(ydoc_parse("p.yaml", text, sizeof(text) - 1, d, &doc) == 0, "parse");
	root = ydoc_root(doc);
	ok(root->kind == YN_MAP && root->n == 4, "root is a mapping of 2 pairs");
	ok(root->loc.line == 1 && root->loc.col == 1, "root at 1:1");
	ok(!strcmp(root->loc.file, "p.yaml"), "file name");
	ph = root->kids[3];
	ok(ph->kind == YN_SEQ && ph->loc.line == 3 && ph->loc.col == 3,
	   "pinholes list at 3:3 (got %u:%u)", ph->loc.line, ph->loc.col);
	item = ph->kids[0];
	ok(item->kind == YN_MAP && item->loc.line == 3 && item->loc.col == 5,
	   "item at 3:5 (got %u:%u)", item->loc.line, item->loc.col);
	ok(item->kids[1]->loc.line == 3 && item->kids[1]->loc.col == 12 &&
	   item->kids[1]->plain && !strcmp(item->kids[1]->str, "9000:8000"),
	   "plain 9000:8000 at 3:12 stays a string (got %u:%u)",
	   item->kids[1]->loc.line, item->kids[1]->loc.col);
	from = item->kids[3];
	ok(from->kind == YN_SEQ && from->n == 1 && from->kids[0]->loc.col == 13 &&
	   !from->kids[0]->plain, "quoted flow item at 4:13");
	ydoc_free(doc);
	pinhole_diag_free(d);
}

static void refusals(void)
{
	char *big, *deep;
	size_t i;

	bad("", "p.yaml: error: policy is empty\n", "empty");
	bad("# just a comment\n", "p.yaml: error: policy is empty\n", "comments only");
	bad("---\n", "p.yaml: error: policy is empty\n", "empty document");
	bad("- 1\n", "p.yaml:1:1: error: a policy is a mapping of keys such as "
	    "'version: 1' (found a list)\n", "list document");
	bad("version: 1\n---\nversion: 1\n", "p.yaml:2:1: error: a policy is one "
	    "YAML document; found a second one\n", "two documents");
	bad("a: &x 1\nb: *x\n",
	    "p.yaml:1:4: error: YAML anchors are not allowed ('&x')\n"
	    "p.yaml:2:4: error: YAML aliases are not allowed ('*x')\n", "alias");
	bad("version: !!int 1\n", "p.yaml:1:10: error: YAML tags are not allowed "
	    "('tag:yaml.org,2002:int')\n", "tag");
	bad("version: 1\nversion: 1\n", "p.yaml:2:1: error: duplicate key "
	    "'version' (first at 1:1)\n", "duplicate key");
	bad("version: 1\n<<: {table: x}\n", "p.yaml:2:1: error: YAML merge keys "
	    "are not allowed ('<<')\n", "merge key");
	bad("version: 1\n? [a]\n: 1\n", "p.yaml:2:3: error: mapping keys must be "
	    "plain strings, not lists\n", "complex key");
	bad("version: 1\ntable:\tx\n\tfoo: 1\n", "p.yaml:3:1: error: found a tab "
	    "character that violates indentation (YAML does not allow tabs for "
	    "indentation)\n", "tab");
	bad("version: 1\nb: c: d\n", "p.yaml:2:5: error: mapping values are not "
	    "allowed in this context\n", "syntax error");
	bad("version: \"a\\0b\"\n", "p.yaml:1:10: error: NUL characters are not "
	    "allowed in values\n", "escaped NUL");
	{
		static const char nul[] = "version: 1\ntable: a\0b\n";
		struct pinhole_diag *d = pinhole_diag_new();
		struct pinhole_policy *p;
		char *s;

		ok(pinhole_policy_load_buffer("p.yaml", nul, sizeof(nul) - 1, d, &p) == -1,
		   "raw NUL refused");
		s = diag_text(d);
		is_str(s, "p.yaml:2:9: error: control characters are not allowed "
		       "(0x00)\n", "raw NUL message");
		free(s);
		pinhole_diag_free(d);
	}
	bad("version: 1\ntable: \xff\n", "p.yaml:2:8: error: invalid leading "
	    "UTF-8 octet (0xff)\n", "bad UTF-8");
	{
		int ret;
		char *s = load("\xef\xbb\xbfversion: 1\ntable: t\n", &ret, NULL);

		ok(ret == 0, "a UTF-8 byte order mark is skipped");
		is_str(s, "", "a byte order mark: no message");
		free(s);
		s = load("\xef\xbb\xbfversion: 2\n", &ret, NULL);
		is_str(s, "p.yaml:1:10: error: unsupported policy version '2' (this "
		       "pinhole reads version 1)\n", "columns start after the mark");
		free(s);
	}

	/* 16 nested lists inside the root mapping would be depth 17 */
	deep = malloc(64);
	strcpy(deep, "x: ");
	for (i = 0; i < 15; i++)
		strcat(deep, "[");
	for (i = 0; i < 15; i++)
		strcat(deep, "]");
	{
		int ret;
		char *s = load(deep, &ret, NULL);

		ok(!strstr(s, "too deep"), "depth 16 is allowed");
		free(s);
	}
	strcpy(deep, "x: ");
	for (i = 0; i < 16; i++)
		strcat(deep, "[");
	bad(deep, "p.yaml:1:19: error: nesting is too deep (more than 16 levels)\n",
	    "depth 17");
	free(deep);

	big = malloc(5000);
	strcpy(big, "table: ");
	memset(big + 7, 'a', 4097);
	big[7 + 4097] = '\0';
	bad(big, "p.yaml:1:8: error: value is too long (4097 bytes; the limit "
	    "is 4096)\n", "long scalar");
	free(big);
	{
		struct pinhole_diag *d = pinhole_diag_new();
		struct pinhole_policy *p;
		char *s;

		ok(pinhole_policy_load_buffer("p.yaml", "", (16u << 20) + 1, d, &p) == -1,
		   "over 16 MiB refused before reading");
		s = diag_text(d);
		is_str(s, "p.yaml: error: policy is too large (16777217 bytes; the "
		       "limit is 16 MiB)\n", "size message");
		free(s);
		pinhole_diag_free(d);
	}
	{
		/* a list of 1,000,001 values: "[1,1,...]" */
		size_t n = 1000001, len = 4 + 2 * n;
		char *t = malloc(len + 1);
		int ret;
		char *s;

		memcpy(t, "x: [", 4);
		for (i = 0; i < n; i++)
			memcpy(t + 4 + 2 * i, "1,", 2);
		t[len - 1] = ']';
		t[len] = '\0';
		s = load(t, &ret, NULL);
		ok(ret == -1 && strstr(s, "error: policy is too large (more than "
					 "1000000 YAML values)"), "node cap");
		free(s);
		free(t);
	}
}

static void file_errors(void)
{
	struct pinhole_diag *d = pinhole_diag_new();
	struct pinhole_policy *p;
	char *s;

	ok(pinhole_policy_load_file("/nonexistent/p.yaml", d, &p) == -1 && !p,
	   "missing file: -1");
	s = diag_text(d);
	is_str(s, "/nonexistent/p.yaml: error: cannot read: No such file or "
	       "directory\n", "missing file message");
	free(s);
	pinhole_diag_free(d);
	d = pinhole_diag_new();
	ok(pinhole_policy_load_file("/", d, &p) == -1, "directory: -1");
	s = diag_text(d);
	is_str(s, "/: error: cannot read: Is a directory\n", "directory message");
	free(s);
	pinhole_diag_free(d);
}

static void full_policy(void)
{
	static const char text[] =
		"version: 1\n"
		"table: edge\n"
		"zones:\n"
		"  wan: {interfaces: [wan0, \"ppp*\"]}\n"
		"  lan: {interfaces: br-lan}\n"
		"defaults: {inbound: reject, outbound: drop, input: accept, "
		"icmpv6: strict, log: true}\n"
		"hosts:\n"
		"  web: {ipv6: 2001:db8:1:2::80, ipv4: 192.0.2.80, zone: lan}\n"
		"  nas: {ipv6: \"::1234:5678/-64\"}\n"
		"  lab: {ipv6: 2001:db8:1:9::/64}\n"
		"pinholes:\n"
		"  - host: web\n"
		"    proto: [tcp, udp]\n"
		"    ports: [443, 8000:8010]\n"
		"    external_ports: [8443, 9000-9010]\n"
		"  - {name: nas-smb, host: nas, ports: 445, from: [2001:db8::/32, "
		"198.51.100.7]}\n"
		"  - {host: lab, ports: 22, family: ipv6}\n"
		"  - {host: self, ports: 22}\n";
	struct pinhole_policy *p;
	const struct ph_pinhole *ph;
	int ret;
	char *s = load(text, &ret, &p);

	ok(ret == 0 && p, "full policy loads");
	is_str(s, "p.yaml:17:12: warning: pinhole 'lab-22' opens a whole subnet "
	       "(2001:db8:1:9::/64)\n", "only the subnet warning");
	free(s);
	if (!p)
		return;
	is_str(p->table, "edge", "table");
	ok(p->router && p->n_zones == 2 && p->zones[0].outside &&
	   p->zones[0].n_ifnames == 2 && !strcmp(p->zones[0].ifnames[1], "ppp*") &&
	   p->zones[1].n_ifnames == 1 && p->zones[0].ifname_locs[1].line == 4 &&
	   p->zones[0].ifname_locs[1].col == 28, "zones");
	ok(p->defaults.inbound == PH_V_REJECT && p->defaults.outbound == PH_V_DROP &&
	   p->defaults.input == PH_V_ACCEPT &&
	   p->defaults.icmpv6 == PH_ICMPV6_STRICT && p->defaults.log, "defaults");
	ok(p->n_hosts == 3 && p->hosts[0].ipv6.kind == PH_ADDR6_EXACT &&
	   p->hosts[0].ipv6.plen == 128 && p->hosts[0].has_ipv4 &&
	   p->hosts[0].ipv4[3] == 80 && p->hosts[0].zone == 1, "host web");
	ok(p->hosts[1].ipv6.kind == PH_ADDR6_SUFFIX && p->hosts[1].ipv6.plen == 64 &&
	   p->hosts[1].ipv6.addr[12] == 0x12 && !p->hosts[1].has_ipv4 &&
	   p->hosts[1].zone == -1, "host nas: suffix");
	ok(p->hosts[2].ipv6.kind == PH_ADDR6_SUBNET && p->hosts[2].ipv6.plen == 64,
	   "host lab: subnet");
	ok(p->masquerade, "masquerade defaults to true with an ipv4 host");
	ok(p->n_pinholes == 4, "4 pinholes");
	ph = &p->pinholes[0];
	is_str(ph->name, "web-443", "default name");
	ok(!ph->name_given && ph->host == 0 && ph->protos == (PH_PROTO_TCP | PH_PROTO_UDP) &&
	   ph->n_ports == 2 && ph->ports[1].lo == 8000 && ph->ports[1].hi == 8010 &&
	   ph->n_ext == 2 && ph->ext_ports[1].lo == 9000 && ph->family == PH_FAM_ANY &&
	   ph->n_from == 0, "pinhole 0");
	ok(ph->ports[1].loc.line == 14 && ph->ports[1].loc.col == 18,
	   "port item location 14:18 (got %u:%u)", ph->ports[1].loc.line,
	   ph->ports[1].loc.col);
	ph = &p->pinholes[1];
	ok(ph->name_given && !strcmp(ph->name, "nas-smb") && ph->n_from == 2 &&
	   ph->from[0].family == 6 && ph->from[0].plen == 32 &&
	   ph->from[1].family == 4 && ph->from[1].plen == 32 &&
	   ph->protos == PH_PROTO_TCP, "pinhole 1: from");
	ph = &p->pinholes[3];
	ok(ph->host == -1 && !strcmp(ph->name, "self-22"), "self pinhole");
	pinhole_policy_free(p);
}

static void host_mode(void)
{
	struct pinhole_policy *p;
	int ret;
	char *s;

	s = load("version: 1\npinholes:\n  - ports: 22\n", &ret, &p);
	ok(ret == 0 && p && !p->router && p->n_pinholes == 1 &&
	   p->pinholes[0].host == -1 && !p->masquerade &&
	   !strcmp(p->table, "pinhole") && !strcmp(p->pinholes[0].name, "self-22"),
	   "host mode: self by default");
	is_str(s, "", "no diagnostics");
	free(s);
	pinhole_policy_free(p);
	bad("version: 1\nhosts: {web: {ipv6: 2001:db8::1}}\npinholes:\n"
	    "  - {host: web, ports: 22}\n",
	    "p.yaml:4:12: error: host mode (no zones) only opens ports on this "
	    "machine; 'web' must be self\n", "host mode with a host");
}

/* 100,000 pinholes over 1,000 hosts: must stay linear. */
static void big_policy(void)
{
	size_t cap = 16u << 20, len = 0;
	char *t = malloc(cap);
	struct pinhole_diag *d = pinhole_diag_new();
	struct pinhole_policy *p = NULL;
	struct timespec a, b;
	double secs;
	int ret;

	len += (size_t)sprintf(t + len, "version: 1\nzones:\n  wan: {interfaces: "
			       "[wan0]}\n  lan: {interfaces: [br-lan]}\nhosts:\n");
	for (int i = 0; i < 1000; i++)
		len += (size_t)sprintf(t + len, "  h%d: {ipv6: '2001:db8:%x:%x::1', "
				       "ipv4: 198.18.%d.%d}\n", i, i / 256,
				       i % 256, i / 250, i % 250 + 1);
	len += (size_t)sprintf(t + len, "pinholes:\n");
	for (int i = 0; i < 100000; i++)
		len += (size_t)sprintf(t + len, "  - {host: h%d, ports: %d, from: "
				       "[2001:db8::/32]}\n", i % 1000, 1000 + i / 1000);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ret = pinhole_policy_load_buffer("big.yaml", t, len, d, &p);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	ok(ret == 0 && p && p->n_pinholes == 100000 && !pinhole_diag_warnings(d),
	   "100,000 pinholes load");
	if (ret || pinhole_diag_warnings(d))
		pinhole_diag_print(d, stdout);
	printf("# 100,000 pinholes (%zu bytes) loaded in %.3f s\n", len, secs);
	/* a generous bound: sanitizers and valgrind are slow, O(n^2) is hours */
	ok(secs < 20.0, "and quickly (%.3f s)", secs);
	pinhole_policy_free(p);
	pinhole_diag_free(d);
	free(t);
}

int main(void)
{
	tree_locations();
	refusals();
	file_errors();
	full_policy();
	host_mode();
	big_policy();
	return tap_done();
}
