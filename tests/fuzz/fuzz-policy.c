// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * libFuzzer target over the policy loader (cf. wireguard-tools
 * src/fuzz/config.c): any input must load or be refused with diagnostics,
 * without a crash, a leak or undefined behaviour. Built by tests/fuzz.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pinhole.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct pinhole_diag *d = pinhole_diag_new();
	struct pinhole_policy *p = NULL;

	if (!d)
		return 0;
	if (!sink)
		sink = fopen("/dev/null", "w");
	pinhole_policy_load_buffer("fuzz.yaml", (const char *)data, size, d, &p);
	if (sink)
		pinhole_diag_print(d, sink);	/* formats every message */
	pinhole_policy_free(p);
	pinhole_diag_free(d);
	return 0;
}
