// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The nf_tables netlink socket: open (optionally in a named netns), send a
 * batch as one sendmsg and collect every error, request/dump. Only this
 * file includes <libmnl/libmnl.h> (STYLE R1).
 *
 * Batch semantics (research/netlink.md §1): the kernel processes the whole
 * skb inside sendmsg(), queues one NLMSG_ERROR per failing message (seq of
 * that message, extack offset relative to its nlmsghdr) and commits only if
 * none failed; errors for the transaction as a whole (ERESTART for a stale
 * NFNL_BATCH_GENID, commit failure) carry the BATCH_BEGIN seq.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>

#include "nl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/* The largest nf_tables message plus a page (nft's NFT_NLMSG_MAXSIZE). */
#define NL_RECV_BUFSZ (UINT16_MAX + 4096)

struct nl_sock {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
};

static int enter_netns(const char *netns, int *self)
{
	char path[256];
	int fd, ret = 0;

	*self = -1;
	if (!netns)
		return 0;
	if (!*netns || strchr(netns, '/') || !strcmp(netns, ".") ||
	    !strcmp(netns, ".."))
		return -EINVAL;
	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*self < 0 || setns(fd, CLONE_NEWNET) < 0) {
		ret = -errno;
		if (*self >= 0)
			close(*self);
		*self = -1;
	}
	close(fd);
	return ret;
}

int nl_open(const char *netns, struct nl_sock **out)
{
	struct nl_sock *s;
	int one = 1, self, ret;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ret = enter_netns(netns, &self);
	if (ret < 0) {
		free(s);
		return ret;
	}
	s->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!s->nl || mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	/* Both are best effort: old kernels lack them, errors still come. */
	mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (uint32_t)time(NULL);
out:
	/* The socket stays bound to the netns it was created in. */
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET) < 0 && !ret)
			ret = -errno;
		close(self);
	}
	if (ret < 0) {
		nl_close(s);
		return ret;
	}
	*out = s;
	return 0;
}

void nl_close(struct nl_sock *s)
{
	if (!s)
		return;
	if (s->nl)
		mnl_socket_close(s->nl);
	free(s);
}

uint32_t nl_seq(struct nl_sock *s)
{
	if (++s->seq == 0)
		s->seq = 1;
	return s->seq;
}

static void set_bufsz(struct nl_sock *s, int force, int plain, size_t want)
{
	int fd = mnl_socket_get_fd(s->nl);
	int v = want > INT32_MAX / 2 ? INT32_MAX / 2 : (int)want;

	/* FORCE needs CAP_NET_ADMIN in the initial user namespace. */
	if (setsockopt(fd, SOL_SOCKET, force, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, plain, &v, sizeof(v));
}

/* The TLVs of an extended ack (linux/netlink.h: NLM_F_ACK_TLVS). */
static void parse_extack(const struct nlmsghdr *nlh, struct nl_err *e)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t off = sizeof(*err);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += mnl_nlmsg_get_payload_len(&err->msg);
	if (off > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(a, nlh, off) {
		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				snprintf(e->msg, sizeof(e->msg), "%s",
					 mnl_attr_get_str(a));
			break;
		case NLMSGERR_ATTR_OFFS:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				e->offset = mnl_attr_get_u32(a);
			break;
		}
	}
}

static int push_err(struct nl_err **v, size_t *n, const struct nl_err *e)
{
	struct nl_err *p = realloc(*v, (*n + 1) * sizeof(**v));

	if (!p)
		return -ENOMEM;
	p[(*n)++] = *e;
	*v = p;
	return 0;
}

/*
 * Debugging and benchmarking aid (pinhole(8) ENVIRONMENT): with
 * PINHOLE_BATCH_DUMP=FILE in the environment, every batch this process
 * sends is also written to FILE, the exact bytes given to sendmsg, one
 * batch after the other; bench/replay sends them again. FILE is created
 * (O_EXCL, O_NOFOLLOW, mode 0600) by the first batch: an existing file or
 * a symlink is never followed, appended to or clobbered, and then nothing
 * is written. A failure to write is ignored: the batch is still sent.
 */
static void batch_dump(const struct iovec *iov, int n_iov)
{
	static int fd = -1;
	static bool tried;
	const char *path;

	if (!tried) {
		tried = true;
		path = getenv("PINHOLE_BATCH_DUMP");
		if (path && *path)
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				  O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return;
	for (int i = 0; i < n_iov; i++) {
		const char *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;

		while (left) {
			ssize_t w = write(fd, p, left);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				close(fd);
				fd = -1;
				return;
			}
			p += w;
			left -= (size_t)w;
		}
	}
}

int nl_batch_send(struct nl_sock *s, struct nftnl_batch *b, size_t n_msgs,
		  struct nl_err **errs, size_t *n_errs)
{
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct msghdr msg = { .msg_name = &snl, .msg_namelen = sizeof(snl) };
	int n_iov = nftnl_batch_iovec_len(b), ret = 0, first = 0;
	uint32_t first_seq = UINT32_MAX;
	struct nl_err *v = NULL;
	size_t n = 0, total = 0;
	struct iovec *iov;
	char *buf;

	iov = calloc(n_iov ? n_iov : 1, sizeof(*iov));
	buf = malloc(NL_RECV_BUFSZ);
	if (!iov || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	nftnl_batch_iovec(b, iov, n_iov);
	for (int i = 0; i < n_iov; i++)
		total += iov[i].iov_len;
	batch_dump(iov, n_iov);
	/*
	 * The kernel copies the iovec into one skb: sndbuf must hold all of
	 * it. Every error is its own skb of about 1 KiB truesize (nft sizes
	 * the receive side at 1 KiB per command).
	 */
	set_bufsz(s, SO_SNDBUFFORCE, SO_SNDBUF, total + (1 << 16));
	set_bufsz(s, SO_RCVBUFFORCE, SO_RCVBUF,
		  (n_msgs + 64) * 1024 > (1u << 20) ? (n_msgs + 64) * 1024 : 1u << 20);
	msg.msg_iov = iov;
	msg.msg_iovlen = n_iov;
	if (sendmsg(mnl_socket_get_fd(s->nl), &msg, 0) < 0) {
		ret = -errno;
		goto out;
	}
	/* Everything was processed inside sendmsg(): drain what is queued. */
	for (;;) {
		ssize_t len = recv(mnl_socket_get_fd(s->nl), buf, NL_RECV_BUFSZ,
				   MSG_DONTWAIT);
		const struct nlmsghdr *nlh;
		int rest;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/* ENOBUFS: replies were lost; we cannot tell what failed */
			ret = -errno;
			goto out;
		}
		rest = (int)len;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, rest);
		     nlh = mnl_nlmsg_next(nlh, &rest)) {
			const struct nlmsgerr *err;
			struct nl_err e;

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			err = mnl_nlmsg_get_payload(nlh);
			if (err->error == 0)
				continue;	/* ack of END (newer kernels) */
			memset(&e, 0, sizeof(e));
			e.seq = nlh->nlmsg_seq;
			e.error = -err->error;
			parse_extack(nlh, &e);
			if (push_err(&v, &n, &e) < 0) {
				ret = -ENOMEM;
				goto out;
			}
			if (e.seq < first_seq) {
				first_seq = e.seq;
				first = e.error;
			}
		}
	}
	if (n)
		ret = -first;
out:
	free(iov);
	free(buf);
	if (errs) {
		*errs = v;
		*n_errs = n;
	} else {
		free(v);
	}
	return ret;
}

const struct nlmsghdr *nl_batch_find(struct nftnl_batch *b, uint32_t seq)
{
	int n_iov = nftnl_batch_iovec_len(b);
	const struct nlmsghdr *found = NULL;
	struct iovec *iov = calloc(n_iov ? n_iov : 1, sizeof(*iov));

	if (!iov)
		return NULL;
	nftnl_batch_iovec(b, iov, n_iov);
	for (int i = 0; i < n_iov && !found; i++) {
		const struct nlmsghdr *nlh = iov[i].iov_base;
		int rest = (int)iov[i].iov_len;

		for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest)) {
			if (nlh->nlmsg_seq == seq) {
				found = nlh;
				break;
			}
		}
	}
	free(iov);
	return found;
}

int nl_expr_at(const struct nlmsghdr *nlh, uint32_t offset, const char **name)
{
	const struct nlattr *a, *e, *x;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		int i = 0;

		if (mnl_attr_get_type(a) != NFTA_RULE_EXPRESSIONS)
			continue;
		mnl_attr_for_each_nested(e, a) {
			uint32_t start = (const char *)e - (const char *)nlh;

			if (offset >= start && offset < start + e->nla_len) {
				*name = "?";
				mnl_attr_for_each_nested(x, e)
					if (mnl_attr_get_type(x) == NFTA_EXPR_NAME &&
					    mnl_attr_validate(x, MNL_TYPE_NUL_STRING) == 0)
						*name = mnl_attr_get_str(x);
				return i;
			}
			i++;
		}
	}
	return -1;
}

int nl_request(struct nl_sock *s, const struct nlmsghdr *req, nl_msg_cb cb,
	       void *data)
{
	bool dump = req->nlmsg_flags & NLM_F_DUMP;
	char *buf;
	int ret = 0;

	buf = malloc(NL_RECV_BUFSZ);
	if (!buf)
		return -ENOMEM;
	if (mnl_socket_sendto(s->nl, req, req->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(s->nl, buf, NL_RECV_BUFSZ);
		const struct nlmsghdr *nlh;
		int rest;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		rest = (int)len;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, rest);
		     nlh = mnl_nlmsg_next(nlh, &rest)) {
			if (nlh->nlmsg_seq != req->nlmsg_seq ||
			    nlh->nlmsg_pid != s->portid)
				continue;	/* a stale reply */
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

				ret = err->error;
				goto out;
			}
			if (nlh->nlmsg_type == NLMSG_DONE)
				goto out;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
				ret = -EINTR;
				goto out;
			}
			ret = cb(nlh, data);
			if (ret < 0 || !dump)
				goto out;
		}
	}
out:
	/*
	 * A dump we stopped early leaves messages queued; they carry this
	 * seq and are skipped by the seq check of the next request.
	 */
	free(buf);
	return ret;
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();
	int ret = 0;

	if (!g)
		return -ENOMEM;
	if (nftnl_gen_nlmsg_parse(nlh, g) < 0)
		ret = -EPROTO;
	else
		*(uint32_t *)data = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return ret;
}

int nl_getgen(struct nl_sock *s, uint32_t *genid)
{
	char buf[NL_REQ_BUFSZ] = { 0 };	/* no uninitialised padding reaches sendto() */
	struct nlmsghdr *nlh;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, 0, nl_seq(s));
	return nl_request(s, nlh, gen_cb, genid);
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71	/* Linux 5.14 */
#endif

int nl_netns_cookie(struct nl_sock *s, uint64_t *cookie)
{
	socklen_t len = sizeof(*cookie);

	*cookie = 0;
	if (getsockopt(mnl_socket_get_fd(s->nl), SOL_SOCKET, SO_NETNS_COOKIE,
		       cookie, &len) < 0)
		return -errno;
	return *cookie ? 0 : -ENOTSUP;
}
