// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * bench/replay FILE: the kernel floor of a load. Sends the netlink batch
 * bytes in FILE (captured with PINHOLE_BATCH_DUMP=FILE pinhole apply ...)
 * as one sendmsg on a NETLINK_NETFILTER socket, as pinhole does, and drains
 * the acks. Exit 0 when the kernel reported no error, 1 otherwise. Run it
 * in a fresh `unshare -n` namespace (the captured batch carries the
 * generation id of the namespace it was captured in: capture in a fresh
 * one too). Built by bench/load.sh, not installed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/netlink.h>

int main(int argc, char **argv)
{
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	static char rbuf[1 << 16];
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
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0 || bind(fd, (struct sockaddr *)&snl, sizeof(snl)) < 0) {
		perror("netlink");
		return 2;
	}
	sz = st.st_size + (1 << 16);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	sz = 1 << 22;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	if (sendto(fd, buf, st.st_size, 0, (struct sockaddr *)&snl,
		   sizeof(snl)) < 0) {
		perror("sendto");
		return 1;
	}
	for (;;) {
		ssize_t len = recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		struct nlmsghdr *h;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, (unsigned)len);
		     h = NLMSG_NEXT(h, len))
			if (h->nlmsg_type == NLMSG_ERROR &&
			    ((struct nlmsgerr *)NLMSG_DATA(h))->error) {
				fprintf(stderr, "replay: %s (seq %u)\n",
					strerror(-((struct nlmsgerr *)NLMSG_DATA(h))->error),
					h->nlmsg_seq);
				bad = 1;
			}
	}
	free(buf);
	close(fd);
	return bad;
}
