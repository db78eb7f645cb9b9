// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The batch the builder writes into (nl_build_int.h): its buffer, where
 * each message goes and its header, BATCH_BEGIN and END, and the record
 * of what each message was built from (nl_built_obj()). The driver
 * (nl_build.c) and the set and rule builders write their messages through
 * these; nothing here builds an object.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>

#include <libnftnl/batch.h>
#include <libnftnl/common.h>

#include "mem.h"
#include "nl_build.h"
#include "nl_build_int.h"

int nlb_note(struct ctx *c, enum nl_obj_kind kind, const struct ir_chain *ch,
	     const struct ir_rule *rule, const struct ir_set *set)
{
	struct nl_built *b = c->out;

	if (b->n_msgs == b->cap_objs) {
		size_t cap = b->cap_objs ? b->cap_objs * 2 : 64;
		struct nl_obj *p = realloc(b->objs, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		b->objs = p;
		b->cap_objs = cap;
	}
	b->objs[b->n_msgs++] = (struct nl_obj){ kind, ch, rule, set };
	return 0;
}

/* The largest message: an element list nest of 64 KiB and its header. */
#define MSG_MAX ((size_t)UINT16_MAX + (size_t)getpagesize())

/*
 * Where the next message goes, zeroed as far as it can reach: libmnl 1.0.4
 * leaves attribute padding unwritten, and no stale heap bytes may go to the
 * kernel (nor upset valgrind). A message starts at most at the page limit
 * and ends within the page's overrun (nlb_new_built()), so this stays inside
 * the page; zeroing as we go touches only the memory the batch fills.
 */
static void *tail(struct ctx *c)
{
	char *t = nftnl_batch_buffer(c->out->batch);

	if (t < c->zero_lo || t >= c->zero_hi) {
		mem_prefault(t, MSG_MAX);	/* a new page */
		memset(t, 0, MSG_MAX);
		c->zero_lo = t;
		c->zero_hi = t + MSG_MAX;
	} else if (t + MSG_MAX > c->zero_hi) {
		size_t more = (size_t)(t + MSG_MAX - c->zero_hi);

		mem_prefault(c->zero_hi, more);
		memset(c->zero_hi, 0, more);
		c->zero_hi = t + MSG_MAX;
	}
	return t;
}

struct nlmsghdr *nlb_hdr(struct ctx *c, uint16_t type, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(tail(c), type, NFPROTO_INET, flags, c->seq++);
}

int nlb_done(struct ctx *c)
{
	return nftnl_batch_update(c->out->batch) < 0 ? -ENOMEM : 0;
}

int nlb_begin(struct ctx *c, uint32_t genid)
{
	struct nlmsghdr *nlh = nftnl_batch_begin(tail(c), c->seq++);

	if (genid) {
		/* Checked under the commit mutex: no TOCTOU (netlink.md §3). */
		struct nlattr *a = (struct nlattr *)((char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));
		uint32_t v = htonl(genid);

		a->nla_type = NFNL_BATCH_GENID;
		a->nla_len = NLA_HDRLEN + sizeof(v);
		memcpy((char *)a + NLA_HDRLEN, &v, sizeof(v));
		nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(a->nla_len);
	}
	if (nlb_note(c, NL_OBJ_BATCH, NULL, NULL, NULL) < 0)
		return -ENOMEM;
	return nlb_done(c);
}

int nlb_end(struct ctx *c)
{
	nftnl_batch_end(tail(c), c->seq++);
	if (nlb_note(c, NL_OBJ_BATCH, NULL, NULL, NULL) < 0)
		return -ENOMEM;
	return nlb_done(c);
}

int nlb_new_built(uint32_t seq0, struct nl_built **out)
{
	struct nl_built *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (!b)
		return -ENOMEM;
	/* nft's page size and overrun: the largest message is 64 KiB + a page */
	b->batch = nftnl_batch_alloc(2u << 20, MSG_MAX);
	if (!b->batch) {
		free(b);
		return -ENOMEM;
	}
	b->seq0 = seq0;	/* pages are zeroed as they fill: tail() */
	*out = b;
	return 0;
}

void nl_built_free(struct nl_built *b)
{
	if (!b)
		return;
	nftnl_batch_free(b->batch);
	free(b->objs);
	free(b);
}

const struct nl_obj *nl_built_obj(const struct nl_built *b, uint32_t seq)
{
	uint32_t i = seq - b->seq0;

	return i < b->n_msgs ? &b->objs[i] : NULL;
}
