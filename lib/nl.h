/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_NL_H
#define PINHOLE_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The netlink socket to nf_tables. This is the only file that talks libmnl;
 * messages are built and parsed by libnftnl in nl_build.c / nl_decode.c.
 * Every function returns 0 or -errno; nothing here prints.
 */

struct nlmsghdr;
struct nftnl_batch;
struct nl_sock;

/**
 * nl_open - open a NETFILTER netlink socket, optionally inside a netns
 * @netns: NULL, or a name under /run/netns: the socket is created there and
 *	the calling thread returns to its own namespace afterwards
 * @out: the socket; free with nl_close()
 *
 * Returns 0 or -errno (-ENOENT: no such netns).
 */
int nl_open(const char *netns, struct nl_sock **out);
void nl_close(struct nl_sock *s);

/* Next sequence number of this socket (never 0). */
uint32_t nl_seq(struct nl_sock *s);

/** nl_getgen - the ruleset generation of the socket's netns */
int nl_getgen(struct nl_sock *s, uint32_t *genid);

/*
 * nl_netns_cookie - the cookie of the socket's network namespace
 * (SO_NETNS_COOKIE: unique until reboot, never reused). With the
 * generation it names one state of one namespace's ruleset.
 * Returns 0, or -errno (-ENOPROTOOPT before Linux 5.14).
 */
int nl_netns_cookie(struct nl_sock *s, uint64_t *cookie);

/**
 * struct nl_err - one error the kernel sent for a batch message
 * @seq: the failing message's sequence number
 * @error: positive errno
 * @offset: extack: offset of the offending attribute from the start of the
 *	failing message, 0 if the kernel gave none
 * @msg: extack text, or ""
 */
struct nl_err {
	uint32_t seq;
	int error;
	uint32_t offset;
	char msg[128];
};

/**
 * nl_batch_send - send a whole batch in ONE sendmsg and collect every reply
 * @s: socket
 * @b: the batch (BEGIN ... END)
 * @n_msgs: number of messages in it (sizes the receive buffer)
 * @errs: out: every error reply, in arrival order (caller frees), or NULL
 * @n_errs: out: their count
 *
 * Returns 0 if the kernel committed the batch, -errno of the first error
 * otherwise (@errs then says which messages failed), or -errno for a
 * socket problem.
 */
int nl_batch_send(struct nl_sock *s, struct nftnl_batch *b, size_t n_msgs,
		  struct nl_err **errs, size_t *n_errs);

/**
 * nl_batch_find - find message @seq in a batch
 * Returns the message or NULL.
 */
const struct nlmsghdr *nl_batch_find(struct nftnl_batch *b, uint32_t seq);

/**
 * nl_expr_at - index of the rule expression holding byte @offset of the
 * NEWRULE message @nlh (0-based), or -1 if @offset is not inside one;
 * @name is set to the expression's name (borrowed from @nlh).
 */
int nl_expr_at(const struct nlmsghdr *nlh, uint32_t offset, const char **name);

/*
 * Request/response. The request was built in @buf by the caller
 * (nftnl_*_nlmsg_build_hdr with nl_seq()); @cb is called for every data
 * message of the reply (dump or single) and returns 0 to go on or -errno
 * to stop. Returns 0, or -errno (-ENOENT from the kernel for an absent
 * object, -EINTR when a dump was interrupted by a commit).
 */
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *data);
int nl_request(struct nl_sock *s, const struct nlmsghdr *req, nl_msg_cb cb,
	       void *data);

/* Size of a buffer for one request message. */
#define NL_REQ_BUFSZ 8192

#endif
