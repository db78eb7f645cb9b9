// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The statements of every log rule (SPEC §6.3): `limit rate R burst 5
 * packets counter log prefix "pinhole: WHAT: "`, a rule of its own before
 * the verdict, which is never rate-limited. Used by the chains and the
 * zones alike, so it lives apart from both.
 */
#include "internal.h"

#include <stdio.h>

#include "ast.h"
#include "compile_int.h"
#include "ir.h"
#include "rule_build.h"

void cc_log_stmts(struct cc *cc, struct ir_rule *r, const char *what)
{
	struct ir_stmt *s;

	if ((s = rb_stmt(&cc->b, r, IR_S_LIMIT))) {
		s->limit.rate = cc->p->defaults.log_rate;
		s->limit.unit = cc->p->defaults.log_unit;
		s->limit.burst = PH_LOG_BURST;
	}
	rb_stmt(&cc->b, r, IR_S_COUNTER);
	if ((s = rb_stmt(&cc->b, r, IR_S_LOG)))
		snprintf(s->log.prefix, sizeof(s->log.prefix), "pinhole: %s: ", what);
}
