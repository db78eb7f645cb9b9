// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * udpblast: the data-plane benchmark's traffic, IPv6 UDP, bounded in packet
 * count and in time (bench/dataplane.sh).
 *
 *   udpblast send ADDR PORT [-n COUNT] [-t MS] [-s BYTES] [-f FLOWS]
 *   udpblast recv PORT [-i IDLE_MS] [-t MS]
 *
 * send: at most COUNT packets (default 100000) of BYTES payload (default
 * 18: a 64-byte frame) to [ADDR]:PORT, for at most MS ms (default 1000),
 * with sendmmsg() in batches of 32. One flow (a UDP socket, source port
 * fixed) by default; -f FLOWS cycles the source port over FLOWS values
 * through a raw socket (the kernel fills in the UDP checksum), so each
 * packet of the first FLOWS is a new connection for conntrack. Prints
 * "sent N ms T".
 *
 * recv: counts packets on [::]:PORT until none came for IDLE_MS (default
 * 300) after the first, or MS ms (default 15000) in all. Prints
 * "received N pps R": the rate between the first and the last packet.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
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
	fprintf(stderr, "Usage: udpblast send ADDR PORT [-n COUNT] [-t MS] [-s BYTES] [-f FLOWS]\n"
		"       udpblast recv PORT [-i IDLE_MS] [-t MS]\n");
	return 2;
}

static int do_send(int argc, char **argv)
{
	unsigned long count = 100000, ms = 1000, size = 18, flows = 1, sent = 0;
	static unsigned char buf[BATCH][8 + MAX_PAYLOAD];
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
	while ((opt = getopt(argc, argv, "n:t:s:f:")) != -1) {
		switch (opt) {
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 't': ms = strtoul(optarg, NULL, 10); break;
		case 's': size = strtoul(optarg, NULL, 10); break;
		case 'f': flows = strtoul(optarg, NULL, 10); break;
		default: return usage();
		}
	}
	if (!port || port > 65535 || size > MAX_PAYLOAD || !flows || flows > 50000)
		return usage();
	if (flows == 1) {
		dst.sin6_port = htons((uint16_t)port);
		fd = socket(AF_INET6, SOCK_DGRAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
			perror("udpblast: socket");
			return 1;
		}
	} else {
		int off = 6;	/* the UDP checksum: the kernel computes it */

		fd = socket(AF_INET6, SOCK_RAW, IPPROTO_UDP);
		if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off)) ||
		    connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
			perror("udpblast: raw socket");
			return 1;
		}
	}
	memset(msg, 0, sizeof(msg));
	for (int i = 0; i < BATCH; i++) {
		unsigned char *p = buf[i];

		memset(p, 0xa5, sizeof(buf[i]));
		iov[i].iov_base = flows == 1 ? p + 8 : p;
		iov[i].iov_len = flows == 1 ? size : size + 8;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
		p[4] = (uint8_t)((size + 8) >> 8);	/* UDP length */
		p[5] = (uint8_t)(size + 8);
		p[2] = (uint8_t)(port >> 8);
		p[3] = (uint8_t)port;
		p[6] = p[7] = 0;
	}
	getrusage(RUSAGE_SELF, &ru);
	cpu0 = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	t0 = now_ms();
	t = t0;
	while (sent < count && t - t0 < ms) {
		unsigned int n = count - sent < BATCH ? (unsigned int)(count - sent) : BATCH;
		int r;

		for (unsigned int i = 0; flows > 1 && i < n; i++) {
			unsigned int sport = 10000 + (unsigned int)((sent + i) % flows);

			buf[i][0] = (uint8_t)(sport >> 8);
			buf[i][1] = (uint8_t)sport;
		}
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
	puts("ready");
	fflush(stdout);
	for (;;) {
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

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "send"))
		return do_send(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "recv"))
		return do_recv(argc - 1, argv + 1);
	return usage();
}
