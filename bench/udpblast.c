// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * udpblast: the data-plane benchmark's traffic, IPv6 UDP, bounded in packet
 * count and in time (bench/dataplane.sh).
 *
 *   udpblast send ADDR PORT [-n COUNT] [-t MS] [-s BYTES] [-c FIRST]
 *   udpblast recv PORT [-i IDLE_MS] [-t MS]
 *   udpblast flush
 *
 * send: at most COUNT packets (default 100000) of BYTES payload (default
 * 18: a 64-byte frame) to [ADDR]:PORT, for at most MS ms (default 1000),
 * with sendmmsg() in batches of 32. One flow (a UDP socket, source port
 * fixed) by default; -c FIRST makes every packet a new connection: packet k
 * is connection FIRST + k, from its own source port and address (written
 * whole through an IPPROTO_RAW socket: 2001:db8:ff00:0:1::/80 + port 1024
 * up, 60,000 ports an address). Prints "sent N ms T cpu_ms C" (C: the
 * sender's CPU time, which includes the forwarding done in its softirq
 * context when the kernel charges softirqs to the task they interrupt).
 *
 * recv: counts packets on [::]:PORT until none came for IDLE_MS (default
 * 300) after the first, or MS ms (default 15000) in all, or SIGTERM or
 * SIGINT came. Prints "received N pps R": the rate between the first and
 * the last packet.
 *
 * flush: deletes every conntrack entry of the calling network namespace
 * (ctnetlink IPCTNL_MSG_CT_DELETE without a tuple, what `conntrack -F`
 * sends), so that each burst of new connections starts from an empty
 * table (bench/nat6.sh).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32
#define MAX_PAYLOAD 1400

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int usage(void)
{
	fprintf(stderr, "Usage: udpblast send ADDR PORT [-n COUNT] [-t MS] [-s BYTES] [-c FIRST]\n"
		"       udpblast recv PORT [-i IDLE_MS] [-t MS]\n"
		"       udpblast flush\n");
	return 2;
}

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* Connection @conn: IPv6 + UDP headers at @p, checksum included. */
static void new_conn(unsigned char *p, unsigned long conn, const struct in6_addr *dst,
		     unsigned int dport, size_t size)
{
	static const unsigned char src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0x00, 0, 0,
					       0, 0x01 };
	unsigned int sport = 1024 + (unsigned int)(conn % 60000);
	uint32_t host = (uint32_t)(conn / 60000);
	unsigned char *u = p + 40;
	uint32_t sum = 0;

	memset(p, 0, 48);
	p[0] = 0x60;				/* version 6 */
	p[4] = (uint8_t)((size + 8) >> 8);	/* payload length */
	p[5] = (uint8_t)(size + 8);
	p[6] = IPPROTO_UDP;
	p[7] = 64;				/* hop limit */
	memcpy(p + 8, src, 16);
	p[20] = (uint8_t)(host >> 24);
	p[21] = (uint8_t)(host >> 16);
	p[22] = (uint8_t)(host >> 8);
	p[23] = (uint8_t)host;
	memcpy(p + 24, dst, 16);
	u[0] = (uint8_t)(sport >> 8);
	u[1] = (uint8_t)sport;
	u[2] = (uint8_t)(dport >> 8);
	u[3] = (uint8_t)dport;
	u[4] = p[4];
	u[5] = p[5];
	memset(u + 8, 0xa5, size);
	/* pseudo header (addresses, length, next header), then UDP header + data */
	for (int i = 8; i < 40; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	sum += (uint32_t)(size + 8) + IPPROTO_UDP;
	for (size_t i = 0; i < size + 8; i += 2)
		sum += (uint32_t)(u[i] << 8 | (i + 1 < size + 8 ? u[i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	if (!sum)
		sum = 0xffff;
	u[6] = (uint8_t)(sum >> 8);
	u[7] = (uint8_t)sum;
}

static int do_send(int argc, char **argv)
{
	unsigned long count = 100000, ms = 1000, size = 18, sent = 0, first = 0;
	bool conns = false;
	static unsigned char buf[BATCH][48 + MAX_PAYLOAD];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6 };
	unsigned int port;
	struct rusage ru;
	double t0, t, cpu0;
	int fd, opt;

	if (argc < 3 || inet_pton(AF_INET6, argv[1], &dst.sin6_addr) != 1)
		return usage();
	port = (unsigned int)strtoul(argv[2], NULL, 10);
	optind = 3;
	while ((opt = getopt(argc, argv, "n:t:s:c:")) != -1) {
		switch (opt) {
		case 'c': first = strtoul(optarg, NULL, 10); conns = true; break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 't': ms = strtoul(optarg, NULL, 10); break;
		case 's': size = strtoul(optarg, NULL, 10); break;
		default: return usage();
		}
	}
	if (!port || port > 65535 || size > MAX_PAYLOAD)
		return usage();
	if (!conns) {
		dst.sin6_port = htons((uint16_t)port);
		fd = socket(AF_INET6, SOCK_DGRAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
			perror("udpblast: socket");
			return 1;
		}
	} else {
		/* IPPROTO_RAW: we write the IPv6 header (IPV6_HDRINCL) */
		fd = socket(AF_INET6, SOCK_RAW, IPPROTO_RAW);
		if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
			perror("udpblast: raw socket");
			return 1;
		}
	}
	memset(msg, 0, sizeof(msg));
	for (int i = 0; i < BATCH; i++) {
		unsigned char *p = buf[i];

		memset(p, 0xa5, sizeof(buf[i]));
		iov[i].iov_base = p;
		iov[i].iov_len = conns ? 48 + size : size;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	getrusage(RUSAGE_SELF, &ru);
	cpu0 = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	t0 = now_ms();
	t = t0;
	while (sent < count && t - t0 < ms) {
		unsigned int n = count - sent < BATCH ? (unsigned int)(count - sent) : BATCH;
		int r;

		for (unsigned int i = 0; conns && i < n; i++)
			new_conn(buf[i], first + sent + i, &dst.sin6_addr, port, size);
		r = sendmmsg(fd, msg, n, 0);
		if (r < 0 && errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED) {
			perror("udpblast: sendmmsg");
			return 1;
		}
		if (r > 0)
			sent += (unsigned long)r;
		t = now_ms();
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("sent %lu ms %.1f cpu_ms %.1f\n", sent, t - t0,
	       (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3 - cpu0);
	return 0;
}

static int do_recv(int argc, char **argv)
{
	unsigned long idle = 300, ms = 15000, got = 0;
	static unsigned char buf[BATCH][2048];
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	double start = now_ms(), first = 0, last = 0;
	int fd, opt, big = 16 << 20;

	if (argc < 2)
		return usage();
	a.sin6_port = htons((uint16_t)strtoul(argv[1], NULL, 10));
	optind = 2;
	while ((opt = getopt(argc, argv, "i:t:")) != -1) {
		switch (opt) {
		case 'i': idle = strtoul(optarg, NULL, 10); break;
		case 't': ms = strtoul(optarg, NULL, 10); break;
		default: return usage();
		}
	}
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("udpblast: bind");
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	memset(msg, 0, sizeof(msg));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	puts("ready");
	fflush(stdout);
	while (!stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double t = now_ms();
		int wait, r;

		if (t - start >= ms)
			break;
		if (got && t - last >= idle)
			break;
		wait = (int)(got ? idle - (t - last) : ms - (t - start)) + 1;
		if (poll(&pfd, 1, wait) <= 0)
			continue;
		r = recvmmsg(fd, msg, BATCH, MSG_DONTWAIT, NULL);
		if (r <= 0)
			continue;
		t = now_ms();
		if (!got)
			first = t;
		last = t;
		got += (unsigned long)r;
	}
	printf("received %lu pps %.0f\n", got,
	       got > 1 && last > first ? (got - 1) / ((last - first) / 1e3) : 0.0);
	return 0;
}

static int do_flush(void)
{
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg nf;
	} req = {
		.nh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_DELETE,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
			.nlmsg_seq = 1,
		},
		.nf = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0 },
	};
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	char buf[512];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	ssize_t r;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);

	if (fd < 0 || sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&k, sizeof(k)) < 0) {
		perror("udpblast: ctnetlink");
		return 1;
	}
	r = recv(fd, buf, sizeof(buf), 0);
	if (r < (ssize_t)(sizeof(*nh) + sizeof(int)) || nh->nlmsg_type != NLMSG_ERROR) {
		fprintf(stderr, "udpblast: ctnetlink: no answer\n");
		return 1;
	}
	if (*(int *)NLMSG_DATA(nh)) {
		errno = -*(int *)NLMSG_DATA(nh);
		perror("udpblast: conntrack flush");
		return 1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "flush"))
		return do_flush();
	if (argc >= 2 && !strcmp(argv[1], "send"))
		return do_send(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "recv"))
		return do_recv(argc - 1, argv + 1);
	return usage();
}
