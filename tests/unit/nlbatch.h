/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_TESTS_UNIT_NLBATCH_H
#define PINHOLE_TESTS_UNIT_NLBATCH_H
/*
 * Shared by the unit tests that parse pinhole's own batches back with
 * libnftnl: its parser wants every element of NFTA_SET_ELEM_LIST_ELEMENTS
 * typed NFTA_LIST_ELEM, while the builder numbers them as nft does.
 */
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

static inline void normalise_elems(struct nlmsghdr *nlh)
{
	struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(nlh) +
					     NLMSG_ALIGN(sizeof(struct nfgenmsg)));
	int rest = (int)nlh->nlmsg_len - (int)((char *)a - (char *)nlh);

	for (; rest >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rest;
	     rest -= NLA_ALIGN(a->nla_len),
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		struct nlattr *e = (struct nlattr *)((char *)a + NLA_HDRLEN);
		int r2 = a->nla_len - NLA_HDRLEN;

		if ((a->nla_type & NLA_TYPE_MASK) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		for (; r2 >= NLA_HDRLEN && e->nla_len >= NLA_HDRLEN && e->nla_len <= r2;
		     r2 -= NLA_ALIGN(e->nla_len),
		     e = (struct nlattr *)((char *)e + NLA_ALIGN(e->nla_len)))
			e->nla_type = (e->nla_type & ~NLA_TYPE_MASK) | NFTA_LIST_ELEM;
	}
}
#endif
