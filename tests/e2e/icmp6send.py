#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Send one ICMPv6 message from a raw socket (the kernel fills in the
# checksum): icmp6send.py DEST TYPE CODE HOPLIMIT [INNER_SRC INNER_DST SPORT DPORT]
# DEST may carry a scope (fe80::1%eth0). With the inner arguments the body
# is an IPv6+UDP header of that flow, as an error message quotes it.
import socket
import struct
import sys

dest, typ, code, hops = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
body = b"\0\0\0\0" + b"pinhole-e2e"
if len(sys.argv) == 9:
    src, dst = (socket.inet_pton(socket.AF_INET6, a) for a in sys.argv[5:7])
    sport, dport = int(sys.argv[7]), int(sys.argv[8])
    udp = struct.pack("!HHHH", sport, dport, 8 + 4, 0) + b"e2e!"
    ip6 = struct.pack("!IHBB", 6 << 28, len(udp), 17, 64) + src + dst
    body = b"\0\0\0\0" + ip6 + udp
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, hops)
addr = socket.getaddrinfo(dest, None, socket.AF_INET6, socket.SOCK_DGRAM)[0][4]
s.sendto(struct.pack("!BBH", typ, code, 0) + body, addr)
