// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * libFuzzer target over the compile step: any policy that loads is
 * compiled to the IR, printed as nft text and built into the libnftnl
 * netlink batch (no kernel, nothing sent), without a crash, a leak or
 * undefined behaviour. Built by tests/fuzz.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pinhole.h"
#include "nl_build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct pinhole_diag *d = pinhole_diag_new();
	struct pinhole_policy *p = NULL;
	struct pinhole_ruleset *r = NULL;
	struct nl_built *b = NULL;

	if (!d)
		return 0;
	if (!sink)
		sink = fopen("/dev/null", "w");
	if (pinhole_policy_load_buffer("fuzz.yaml", (const char *)data, size,
				       d, &p) == 0 && p &&
	    pinhole_ruleset_compile(p, d, &r) == 0 && r) {
		if (sink)
			pinhole_ruleset_emit(r, sink);
		if (nl_build_ruleset(r, 1, 1, &b) == 0)
			nl_built_free(b);
	}
	if (sink)
		pinhole_diag_print(d, sink);
	pinhole_ruleset_free(r);
	pinhole_policy_free(p);
	pinhole_diag_free(d);
	return 0;
}
