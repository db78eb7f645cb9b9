// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * bench/replay FILE: the kernel floor of a load. FILE holds the netlink
 * batches pinhole sent, byte for byte (captured with
 * PINHOLE_BATCH_DUMP=FILE pinhole apply ...). Each batch (BATCH_BEGIN ...
 * BATCH_END) is sent again unchanged as one sendmsg on a NETLINK_NETFILTER
 * socket, as pinhole does, and its replies are drained. Exit 0 when the
 * kernel reported no error for any message and the ruleset generation moved
 * on (the batches committed), 1 when it reported one, replies were lost
 * (ENOBUFS) or nothing was committed, 2 for a file that is not
 * a sequence of whole batches or a socket problem.
 *
 * Run it in a fresh `unshare -n` namespace: the captured batch carries the
 * generation id of the namespace it was captured in (capture in a fresh
 * one too), and the kernel refuses it with ERESTART otherwise. Built by
 * bench/load.sh, not installed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/netlink.h>
#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

/* One batch: BEGIN first, END last, every message whole. Returns its length. */
static size_t batch_len(const char *buf, size_t len)
{
	size_t off = 0;
	int n = 0;

	while (off + sizeof(struct nlmsghdr) <= len) {
		const struct nlmsghdr *h = (const void *)(buf + off);

		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len - off)
			return 0;
		if (n++ == 0 && h->nlmsg_type != NFNL_MSG_BATCH_BEGIN)
			return 0;
		off += NLMSG_ALIGN(h->nlmsg_len);
		if (h->nlmsg_type == NFNL_MSG_BATCH_END)
			return off > len ? len : off;
	}
	return 0;
}

static int send_batch(int fd, const char *buf, size_t len)
{
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	static char rbuf[1 << 17];
	int bad = 0;

	if (sendto(fd, buf, len, 0, (struct sockaddr *)&snl, sizeof(snl)) < 0) {
		perror("replay: sendto");
		return 1;
	}
	/* the kernel handles the whole batch inside sendmsg: drain the queue */
	for (;;) {
		ssize_t n = recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		struct nlmsghdr *h;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			perror("replay: recv");	/* ENOBUFS: replies lost */
			return 1;
		}
		for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, (unsigned int)n);
		     h = NLMSG_NEXT(h, n)) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_type == NLMSG_ERROR && e->error) {
				fprintf(stderr, "replay: %s (seq %u)\n",
					strerror(-e->error), h->nlmsg_seq);
				bad = 1;
			}
		}
	}
	return bad;
}

/* The ruleset generation of the namespace (NFT_MSG_GETGEN), 0 if unknown. */
static unsigned int getgen(int fd)
{
	struct {
		struct nlmsghdr h;
		struct nfgenmsg g;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_flags = NLM_F_REQUEST,
		       .nlmsg_type = NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETGEN,
		       .nlmsg_seq = 1 },
		.g = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0 },
	};
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	static char rbuf[8192];
	struct nlmsghdr *h;
	ssize_t n;

	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&snl,
		   sizeof(snl)) < 0)
		return 0;
	do
		n = recv(fd, rbuf, sizeof(rbuf), 0);
	while (n < 0 && errno == EINTR);
	for (h = (struct nlmsghdr *)rbuf; n > 0 && NLMSG_OK(h, (unsigned int)n);
	     h = NLMSG_NEXT(h, n)) {
		struct nlattr *a;
		int rest;

		if (h->nlmsg_type != (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWGEN))
			continue;
		rest = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(struct nfgenmsg));
		for (a = (struct nlattr *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct nfgenmsg)));
		     rest >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) && a->nla_len <= rest;
		     rest -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
			if ((a->nla_type & NLA_TYPE_MASK) == NFTA_GEN_ID &&
			    a->nla_len >= NLA_HDRLEN + 4) {
				unsigned int v;

				memcpy(&v, (char *)a + NLA_HDRLEN, 4);
				return ntohl(v);
			}
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int gen0;
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	size_t off = 0, n;
	int fd, bad = 0, sz;
	struct stat st;
	char *buf;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: replay BATCHFILE\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f || fstat(fileno(f), &st) < 0 || !(buf = malloc(st.st_size + 1)) ||
	    fread(buf, 1, st.st_size, f) != (size_t)st.st_size) {
		perror(argv[1]);
		return 2;
	}
	fclose(f);
	if (!st.st_size) {
		fprintf(stderr, "replay: %s: empty\n", argv[1]);
		return 2;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0 || bind(fd, (struct sockaddr *)&snl, sizeof(snl)) < 0) {
		perror("replay: netlink");
		return 2;
	}
	/* as pinhole sizes them (lib/nl.c): the whole batch, 1 KiB per reply */
	sz = st.st_size + (1 << 16);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	sz = 1 << 22;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	gen0 = getgen(fd);
	while (off < (size_t)st.st_size && !bad) {
		n = batch_len(buf + off, (size_t)st.st_size - off);
		if (!n) {
			fprintf(stderr, "replay: %s: not a whole batch at byte %zu\n",
				argv[1], off);
			return 2;
		}
		bad = send_batch(fd, buf + off, n);
		off += n;
	}
	/* no error and a new generation: the kernel committed */
	if (!bad && getgen(fd) == gen0) {
		fprintf(stderr, "replay: the generation did not change: nothing was committed\n");
		bad = 1;
	}
	free(buf);
	close(fd);
	return bad;
}
