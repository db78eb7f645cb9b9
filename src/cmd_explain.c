// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * pinhole explain (POLICY | --live) [--in ZONE] [--out ZONE] [--from ADDR]
 *                 --to ADDR|self --proto tcp|udp|icmpv6 [--port N] [--json]
 *                 [--table NAME]
 * What the compiled ruleset (or the live table) does with the first packet
 * of a new connection (SPEC §6.4); and the SSH lockout guard of apply
 * (SPEC §6.5), which asks the same question about the session it runs in.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pinhole.h"
#include "apply.h"
#include "cmd.h"
#include "explain.h"
#include "util.h"

#define EXPLAIN_ARGS	"(POLICY | --live [--table NAME]) [--in ZONE] [--out ZONE] " \
			"[--from ADDR] --to ADDR|self --proto tcp|udp|icmpv6 [--port N] [--json]"

static int exit_of(int v)
{
	switch (v) {
	case PINHOLE_EXPLAIN_ACCEPT:
		return EXIT_OK;
	case PINHOLE_EXPLAIN_DROP:
	case PINHOLE_EXPLAIN_REJECT:
		return 1;
	case -EINVAL:
		return EXIT_POLICY;
	}
	return EXIT_SYSTEM;	/* unknown, or an I/O error */
}

static bool parse_port(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return false;
	*out = (unsigned int)v;
	return true;
}

/* The policy and its ruleset, with the pinholes' locations. */
static int load(const char *path, struct pinhole_policy **p, struct pinhole_ruleset **r)
{
	struct pinhole_diag *d = pinhole_diag_new();
	int ret;

	if (!d) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_SYSTEM;
	}
	ret = pinhole_policy_load_file(path, d, p);
	if (ret == 0)
		ret = pinhole_ruleset_compile_flags(*p, PINHOLE_COMPILE_PINHOLES, d, r);
	pinhole_diag_print(d, stderr);
	if (ret == 0 && pinhole_diag_errors(d))
		ret = -1;
	pinhole_diag_free(d);
	if (ret == 0)
		return EXIT_OK;
	if (ret < -1 && ret != -ENOENT && ret != -EACCES && ret != -EISDIR)
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(-ret));
	return ret == -ENOMEM ? EXIT_SYSTEM : EXIT_POLICY;
}

int cmd_explain(int argc, char **argv)
{
	const char *policy = NULL, *zone = NULL, *ozone = NULL, *port = NULL, *table = NULL;
	struct pinhole_explain_query q = { .proto = NULL };
	struct pinhole_policy *p = NULL;
	struct pinhole_ruleset *r = NULL;
	char iif[16] = "", oif[16] = "", lif[16], tbuf[PINHOLE_TABLE_NAME_MAX + 1];
	bool live = false, json = false, to = false;
	const char *bad = NULL;
	int ret, v;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;

		if (!strcmp(a, "--live"))
			live = true;
		else if (!strcmp(a, "--json"))
			json = true;
		else if (!strcmp(a, "--in"))
			slot = &zone;
		else if (!strcmp(a, "--out"))
			slot = &ozone;
		else if (!strcmp(a, "--from"))
			slot = &q.from;
		else if (!strcmp(a, "--to"))
			slot = &q.to, to = true;
		else if (!strcmp(a, "--proto"))
			slot = &q.proto;
		else if (!strcmp(a, "--port"))
			slot = &port;
		else if (!strcmp(a, "--table"))
			slot = &table;
		else if ((a[0] == '-' && a[1]) || policy)
			return usage_error(argv[0], EXPLAIN_ARGS);
		else
			policy = a;
		if (slot) {
			if (i + 1 >= argc)
				return usage_error(argv[0], EXPLAIN_ARGS);
			*slot = argv[++i];
		}
	}
	if (live == !!policy || !to || !q.proto || (table && !live))
		return usage_error(argv[0], EXPLAIN_ARGS);
	if (port && !parse_port(port, &q.port)) {
		fprintf(stderr, "%s: --port wants a port from 1 to 65535, not '%s'\n",
			prog, port);
		return EXIT_POLICY;
	}
	if (!strcmp(q.to, "self"))
		q.to = NULL;
	if (q.to) {
		ret = pinhole_address_local(q.to, g_opts.netns, lif);
		if (ret == -EINVAL) {
			fprintf(stderr, "%s: --to wants an address or 'self', not '%s'\n",
				prog, q.to);
			return EXIT_POLICY;
		}
		q.local = ret > 0;
		q.local_if = q.local && lif[0] ? lif : NULL;
	}

	if (live) {
		if (!table)
			table = cli_loaded_table(tbuf);
		ret = pinhole_ruleset_read(table, g_opts.netns, &r);
		if (ret < 0) {
			fprintf(stderr, "%s: cannot read table inet %s: %s\n", prog, table,
				strerror(-ret));
			return EXIT_SYSTEM;
		}
		if (!r) {
			fprintf(stderr, "%s: table inet %s is not loaded\n", prog, table);
			return EXIT_SYSTEM;
		}
		/* the kernel's table names no zones: --in is an interface there */
		if (zone && strlen(zone) < sizeof(iif))
			strcpy(iif, zone);
		else if (zone)
			bad = "--in: an interface name is at most 15 characters";
		else
			pinhole_ruleset_outside_ifname(r, iif);
		if (ozone && strlen(ozone) < sizeof(oif))
			strcpy(oif, ozone);
		else if (ozone)
			bad = "--out: an interface name is at most 15 characters";
	} else {
		ret = load(policy, &p, &r);
		if (ret != EXIT_OK)
			goto out;
		ret = pinhole_policy_zone_ifname(p, zone, iif);
		if (ret == -ENOENT && zone)
			fprintf(stderr, "%s: --in: the policy has no zone '%s'%s\n", prog,
				zone, iif[0] ? "" : " (host mode has none)");
		if (ret < 0) {
			ret = EXIT_POLICY;
			goto out;
		}
		if (ozone && pinhole_policy_zone_ifname(p, ozone, oif) < 0) {
			fprintf(stderr, "%s: --out: the policy has no zone '%s'\n", prog, ozone);
			ret = EXIT_POLICY;
			goto out;
		}
	}
	q.iif = iif[0] ? iif : NULL;
	q.oif = oif[0] ? oif : NULL;
	if (!bad) {
		v = pinhole_explain(r, &q, json ? PINHOLE_EXPLAIN_JSON : 0, stdout, &bad);
		ret = exit_of(v);
	}
	if (bad) {
		fprintf(stderr, "%s: %s\n", prog, bad);
		ret = EXIT_POLICY;
	}
out:
	pinhole_ruleset_free(r);
	pinhole_policy_free(p);
	return ret;
}

/* ------------------------------------------------------------- the guard */

/* "::ffff:192.0.2.1" (an IPv4 session on a dual-stack socket) -> "192.0.2.1" */
static const char *unmap(const char *a)
{
	if (!strncasecmp(a, "::ffff:", 7) && strchr(a + 7, '.'))
		return a + 7;
	return a;
}

int ssh_guard(const struct pinhole_ruleset *r)
{
	const char *env = getenv("SSH_CONNECTION");
	char caddr[64], saddr[64], iif[16] = "", *text = NULL;
	unsigned int cport, sport;
	struct pinhole_explain_query q = { .proto = "tcp" };
	size_t len = 0;
	FILE *f;
	int v;

	if (!env || !*env)
		return EXIT_OK;
	if (sscanf(env, "%63s %u %63s %u", caddr, &cport, saddr, &sport) != 4 ||
	    !cport || cport > 65535 || !sport || sport > 65535) {
		fprintf(stderr, "%s: warning: SSH_CONNECTION '%s' is not "
			"'CLIENT PORT SERVER PORT'; not checking the session\n", prog, env);
		return EXIT_OK;
	}
	q.from = unmap(caddr);
	q.to = unmap(saddr);
	q.port = sport;
	q.sport = cport;
	/* it comes in on the interface holding the server's address */
	v = pinhole_address_local(q.to, g_opts.netns, iif);
	q.local = v > 0;
	if (v <= 0)
		pinhole_ruleset_outside_ifname(r, iif);
	q.iif = iif[0] ? iif : NULL;
	f = open_memstream(&text, &len);
	if (!f) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_SYSTEM;
	}
	v = pinhole_explain(r, &q, PINHOLE_EXPLAIN_BRIEF, f, NULL);
	fclose(f);
	if (v == PINHOLE_EXPLAIN_DROP || v == PINHOLE_EXPLAIN_REJECT) {
		fprintf(stderr, "%s: this policy would cut off your SSH session from %s "
			"to port %u (%s); add a pinhole, or apply with --confirm S\n",
			prog, q.from, sport, text ? text : "?");
		free(text);
		return EXIT_POLICY;
	}
	if (v != PINHOLE_EXPLAIN_ACCEPT)
		fprintf(stderr, "%s: warning: cannot tell whether this policy keeps "
			"your SSH session from %s to port %u (%s)\n", prog, q.from, sport,
			text ? text : "?");
	free(text);
	return EXIT_OK;
}
