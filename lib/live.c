// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The live table: apply, flush, read, diff. Glue between the IR, the batch
 * builder (nl_build.c), the socket (nl.c) and the decoder (nl_decode.c).
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pinhole.h"
#include "diag.h"
#include "diff.h"
#include "emit.h"
#include "incr.h"
#include "ir.h"
#include "nl.h"
#include "nl_build.h"
#include "nl_decode.h"

/*
 * Test hook (tests/kernel): sleep this many seconds between reading the
 * generation and sending the batch, so a test can commit something else
 * in between and see the batch refused.
 */
static void test_pause(void)
{
	const char *v = getenv("PINHOLE_TEST_PAUSE_BEFORE_COMMIT");

	if (v && *v)
		sleep((unsigned int)strtoul(v, NULL, 10));
}

static const char *set_name(const struct ir_set *s)
{
	return s->flags & IR_SET_ANON ? "(anonymous)" : s->name;
}

/* One kernel error -> one located diagnostic (STYLE R3). */
static void report(struct pinhole_diag *d, const struct nl_built *b,
		   const struct nl_err *e, const char *table, const char *old)
{
	const struct nl_obj *o = nl_built_obj(b, e->seq);
	const struct pinhole_loc *loc = NULL;
	const char *what = strerror(e->error);
	char where[256] = "";

	if (o && o->rule && o->rule->loc.line)
		loc = &o->rule->loc;	/* built-in rules: "pinhole: error:" */
	if (e->offset && o && o->kind == NL_OBJ_RULE) {
		const struct nlmsghdr *nlh = nl_batch_find(b->batch, e->seq);
		const char *name = NULL;
		int i = nlh ? nl_expr_at(nlh, e->offset, &name) : -1;

		if (i >= 0)
			snprintf(where, sizeof(where), ", expression %d '%s'",
				 i + 1, name);
	}
	if (e->msg[0])
		snprintf(where + strlen(where), sizeof(where) - strlen(where),
			 ": %s", e->msg);
	switch (o ? o->kind : NL_OBJ_BATCH) {
	case NL_OBJ_RULE:
		pinhole_error(d, loc, "kernel rejected rule: %s (chain '%s'%s)",
			      what, o->chain->name, where);
		break;
	case NL_OBJ_SET:
		pinhole_error(d, loc, "kernel rejected set '%s': %s%s",
			      set_name(o->set), what, where);
		break;
	case NL_OBJ_ELEMS:
		pinhole_error(d, loc, "kernel rejected elements of set '%s': %s%s",
			      set_name(o->set), what, where);
		break;
	case NL_OBJ_CHAIN:
		pinhole_error(d, NULL, "kernel rejected chain '%s': %s%s",
			      o->chain->name, what, where);
		break;
	case NL_OBJ_TABLE:
		pinhole_error(d, NULL, "kernel rejected table inet '%s': %s%s",
			      table, what, where);
		break;
	case NL_OBJ_OLD_TABLE:
		pinhole_error(d, NULL, "kernel refused to delete table inet '%s' "
			      "(loaded before under that name): %s%s", old, what,
			      where);
		break;
	default:
		pinhole_error(d, NULL, "kernel rejected the transaction: %s%s",
			      what, where);
		break;
	}
}

static int cmp_err(const void *a, const void *b)
{
	const struct nl_err *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

EXPORT_SYMBOL(pinhole_ruleset_table);
const char *pinhole_ruleset_table(const struct pinhole_ruleset *r)
{
	return r->table;
}

EXPORT_SYMBOL(pinhole_ruleset_apply);
int pinhole_ruleset_apply(const struct pinhole_ruleset *r, const char *netns,
			  struct pinhole_diag *d)
{
	return pinhole_ruleset_apply_replacing(r, NULL, netns, d);
}

EXPORT_SYMBOL(pinhole_ruleset_apply_replacing);
int pinhole_ruleset_apply_replacing(const struct pinhole_ruleset *r,
				    const char *old_table, const char *netns,
				    struct pinhole_diag *d)
{
	return pinhole_ruleset_apply_ex(r, old_table, netns, 0, NULL, NULL, d);
}

/*
 * Read the live table (or take @known, while its generation holds), and if
 * only set elements differ build the batch of their deletes and adds
 * under that generation: 0 with *@b (NULL: nothing differs), 1 for the
 * full replace (@info->why_full), or -errno. *@genid: the generation.
 */
static int try_incremental(struct nl_sock *s, const struct pinhole_ruleset *r,
			   const struct pinhole_apply_known *known,
			   uint64_t cookie, struct pinhole_apply_info *info,
			   struct nl_built **b, uint32_t *genid)
{
	struct pinhole_ruleset *read = NULL;
	const struct pinhole_ruleset *live;
	struct incr_plan p;
	int ret;

	*b = NULL;
	if (known && known->r && cookie && known->netns_cookie == cookie &&
	    !nl_getgen(s, genid) && *genid == known->genid) {
		live = known->r;
		info->known = true;
	} else {
		ret = nl_read_table(s, r->table, &read, genid);
		if (ret == -EINTR) {
			info->why_full = "the table kept changing while it was read";
			return 1;
		}
		if (ret)
			return ret;
		live = read;
	}
	ret = incr_plan(live, r, &p);
	if (ret == 1)
		info->why_full = p.why;
	if (!ret) {
		info->kind = PINHOLE_APPLY_INCREMENTAL;
		info->n_sets = p.n;
		info->n_del = p.n_del;
		info->n_add = p.n_add;
		if (p.n)
			ret = nl_build_elems(r->table, p.d, p.n, *genid, nl_seq(s), b);
		if (ret == -EINVAL) {	/* a set the builder will not delta */
			info->kind = PINHOLE_APPLY_FULL;
			info->why_full = "a set cannot be changed element by element";
			ret = 1;
		}
	}
	if (ret)
		info->known = false;
	incr_plan_free(&p);
	pinhole_ruleset_free(read);
	return ret;
}

EXPORT_SYMBOL(pinhole_ruleset_apply_ex);
int pinhole_ruleset_apply_ex(const struct pinhole_ruleset *r,
			     const char *old_table, const char *netns,
			     unsigned int flags,
			     const struct pinhole_apply_known *known,
			     struct pinhole_apply_info *info,
			     struct pinhole_diag *d)
{
	struct pinhole_apply_info dummy;
	struct nl_built *b = NULL;
	struct nl_err *errs = NULL;
	struct nl_sock *s = NULL;
	size_t n_errs = 0;
	uint64_t cookie = 0;
	uint32_t genid = 0;
	int ret;

	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	ret = nl_open(netns, &s);
	if (ret)
		goto out;
	if (nl_netns_cookie(s, &cookie))
		cookie = 0;
	ret = 1;
	if (old_table && *old_table && strcmp(old_table, r->table))
		info->why_full = "the table was renamed";
	else if (!(flags & PINHOLE_APPLY_F_FULL))
		ret = try_incremental(s, r, known, cookie, info, &b, &genid);
	if (ret < 0)
		goto out;
	if (!ret && !b)
		goto done;	/* incremental, and nothing differs: nothing moved */
	if (ret) {
		info->kind = PINHOLE_APPLY_FULL;
		info->n_sets = info->n_del = info->n_add = 0;
		ret = nl_getgen(s, &genid);
		if (ret)
			goto out;
		ret = nl_build_replacing(r, old_table, genid, nl_seq(s), &b);
		if (ret)
			goto out;
	}
	test_pause();
	ret = nl_batch_send(s, b->batch, b->n_msgs, &errs, &n_errs);
	if (!ret) {
		/* the batch committed at @genid: the commit moved it by one */
		if (!++genid)
			genid = 1;
		goto done;
	}
	if (!n_errs)
		goto out;
	qsort(errs, n_errs, sizeof(*errs), cmp_err);
	/* A stale generation refuses the whole batch on BATCH_BEGIN. */
	if (errs[0].seq == b->seq0 && errs[0].error == ERESTART) {
		ret = -ERESTART;
		goto out;
	}
	for (size_t i = 0; i < n_errs; i++)
		report(d, b, &errs[i], r->table, old_table);
	goto out;
done:
	info->netns_cookie = genid ? cookie : 0;
	info->genid = cookie ? genid : 0;
	ret = 0;
out:
	free(errs);
	nl_built_free(b);
	nl_close(s);
	return ret;
}

EXPORT_SYMBOL(pinhole_table_flush);
int pinhole_table_flush(const char *table, const char *netns)
{
	struct nl_sock *s = NULL;
	int ret;

	ret = nl_open(netns, &s);
	/* A commit between our check and the delete: look again. */
	for (int attempt = 0; !ret && attempt < 3; attempt++) {
		struct nl_built *b = NULL;
		uint32_t genid;

		ret = nl_getgen(s, &genid);
		if (ret)
			break;
		ret = nl_build_flush(table, genid, nl_seq(s), &b);
		if (ret)
			break;
		ret = nl_batch_send(s, b->batch, b->n_msgs, NULL, NULL);
		nl_built_free(b);
		if (ret == -ENOENT)
			ret = 0;	/* absent table: nothing to do */
		if (ret != -ERESTART)
			break;
		ret = 0;
		if (attempt == 2)
			ret = -ERESTART;
	}
	nl_close(s);
	return ret;
}

EXPORT_SYMBOL(pinhole_ruleset_read);
int pinhole_ruleset_read(const char *table, const char *netns,
			 struct pinhole_ruleset **out)
{
	struct nl_sock *s = NULL;
	int ret;

	*out = NULL;
	ret = nl_open(netns, &s);
	if (!ret)
		ret = nl_read_table(s, table, out, NULL);
	nl_close(s);
	return ret;
}

static int emit_text(const struct pinhole_ruleset *r, char **text)
{
	size_t len = 0;
	FILE *f;
	int ret;

	*text = NULL;
	if (!r) {
		*text = strdup("");
		return *text ? 0 : -ENOMEM;
	}
	f = open_memstream(text, &len);
	if (!f)
		return -errno;
	/* no preamble, no counter values: only what the policy decides */
	ret = ir_emit(r, f, IR_EMIT_NO_PREAMBLE);
	if (fclose(f) && !ret)
		ret = -ENOMEM;
	if (ret) {
		free(*text);
		*text = NULL;
	}
	return ret;
}

EXPORT_SYMBOL(pinhole_ruleset_diff);
int pinhole_ruleset_diff(const struct pinhole_ruleset *live,
			 const struct pinhole_ruleset *want,
			 const char *want_name, FILE *f)
{
	char *a = NULL, *b = NULL;
	int ret;

	ret = emit_text(live, &a);
	if (!ret)
		ret = emit_text(want, &b);
	if (!ret)
		ret = diff_unified(a, b, "live", want_name, f);
	free(a);
	free(b);
	return ret;
}
