// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * Kernel test helper: apply hand-built IR rulesets that no policy can
 * produce. Run it inside a throw-away network namespace only.
 *
 *   nlapply bad        a rule the kernel rejects (masquerade in a filter
 *                      chain: EOPNOTSUPP), located at bad.yaml:7:5
 *   nlapply bad-builtin the same rule without a location
 *   nlapply compiled POLICY
 *                      POLICY compiled, the policy freed, then the same
 *                      masquerade added to its first located rule: the
 *                      rejection must still name POLICY's line (the
 *                      ruleset owns the file name of its locations)
 *   nlapply big N      a named set of N elements; reads the table back and
 *                      prints the number of elements the kernel holds
 *
 * Exit: 0 applied, 3 refused (diagnostics on stderr).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter.h>

#include "pinhole.h"
#include "ir.h"

static struct pinhole_ruleset *bad(bool located)
{
	struct pinhole_ruleset *r = ir_ruleset_new("pinhole");
	struct ir_chain *c = ir_chain_add(r, "input", IR_CHAIN_FILTER,
					  NF_INET_LOCAL_IN, 0, NF_ACCEPT);
	struct ir_rule *rule;

	rule = ir_chain_add_rule(c);
	ir_rule_stmt(rule, IR_S_ACCEPT);
	rule = ir_chain_add_rule(c);
	ir_rule_stmt(rule, IR_S_MASQ);
	if (located)
		rule->loc = (struct pinhole_loc){ "bad.yaml", 7, 5 };
	return r;
}

static struct pinhole_ruleset *compiled(const char *path)
{
	struct pinhole_diag *d = pinhole_diag_new();
	struct pinhole_policy *p = NULL;
	struct pinhole_ruleset *r = NULL;

	if (!d || pinhole_policy_load_file(path, d, &p) ||
	    pinhole_ruleset_compile_flags(p, 0, d, &r)) {
		pinhole_diag_print(d, stderr);
		pinhole_diag_free(d);
		pinhole_policy_free(p);
		return NULL;
	}
	pinhole_diag_free(d);
	pinhole_policy_free(p);	/* nothing in @r may point into it */
	for (size_t i = 0; i < r->n_chains; i++) {
		struct ir_chain *c = r->chains[i];

		for (size_t j = 0; j < c->n_rules; j++) {
			if (c->rules[j].loc.line && ir_rule_stmt(&c->rules[j], IR_S_MASQ))
				return r;
		}
	}
	pinhole_ruleset_free(r);
	return NULL;
}

static struct pinhole_ruleset *big(unsigned long n)
{
	struct pinhole_ruleset *r = ir_ruleset_new("pinhole");
	struct ir_set *s = ir_set_add(r, "big6");
	struct ir_chain *c = ir_chain_add(r, "input", IR_CHAIN_FILTER,
					  NF_INET_LOCAL_IN, 0, NF_ACCEPT);
	struct ir_rule *rule = ir_chain_add_rule(c);
	struct ir_match *m;

	s->n_keys = 3;
	s->keys[0].field = IR_F_IP6_DADDR;
	s->keys[1].field = IR_F_L4PROTO;
	s->keys[2].field = IR_F_TH_DPORT;
	s->flags = IR_SET_COUNTER;
	for (unsigned long i = 0; i < n; i++) {
		struct ir_elem *e = ir_set_add_elem(s);
		char name[32];

		e->key[0] = 0x20;
		e->key[1] = 0x01;
		e->key[2] = 0x0d;
		e->key[3] = 0xb8;
		e->key[12] = i >> 24;
		e->key[13] = i >> 16;
		e->key[14] = i >> 8;
		e->key[15] = i;
		e->key[16] = 6;
		e->key[20] = 0x01;
		e->key[21] = 0xbb;
		memcpy(e->key_end, e->key, IR_KEY_MAX);
		snprintf(name, sizeof(name), "p%lu", i);
		e->comment = strdup(name);
	}
	m = ir_rule_match(rule, IR_F_NFPROTO, IR_OP_EQ);
	m->lo[0] = m->hi[0] = NFPROTO_IPV6;
	m = ir_rule_match(rule, IR_F_IP6_DADDR, IR_OP_LOOKUP);
	m->n_keys = 3;
	memcpy(m->keys, s->keys, sizeof(s->keys));
	m->set = s;
	ir_rule_stmt(rule, IR_S_ACCEPT);
	return r;
}

int main(int argc, char **argv)
{
	struct pinhole_diag *d = pinhole_diag_new();
	struct pinhole_ruleset *r = NULL, *live = NULL;
	int ret;

	if (argc >= 2 && !strcmp(argv[1], "bad"))
		r = bad(true);
	else if (argc >= 2 && !strcmp(argv[1], "bad-builtin"))
		r = bad(false);
	else if (argc == 3 && !strcmp(argv[1], "compiled"))
		r = compiled(argv[2]);
	else if (argc == 3 && !strcmp(argv[1], "big"))
		r = big(strtoul(argv[2], NULL, 10));
	if (!r) {
		fprintf(stderr, "usage: nlapply bad|bad-builtin|compiled POLICY|big N\n");
		return 2;
	}
	ret = pinhole_ruleset_apply(r, NULL, d);
	pinhole_diag_print(d, stderr);
	if (ret) {
		if (!pinhole_diag_errors(d))
			fprintf(stderr, "nlapply: %s\n", strerror(-ret));
		ret = 3;
		goto out;
	}
	if (!strcmp(argv[1], "big")) {
		ret = pinhole_ruleset_read("pinhole", NULL, &live);
		if (ret || !live || !live->n_sets) {
			fprintf(stderr, "nlapply: read back failed: %s\n", strerror(-ret));
			ret = 3;
			goto out;
		}
		printf("%zu\n", live->sets[0]->n_elems);
	}
out:
	pinhole_ruleset_free(live);
	pinhole_ruleset_free(r);
	pinhole_diag_free(d);
	return ret;
}
