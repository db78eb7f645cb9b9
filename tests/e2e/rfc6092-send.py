#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Crafted IPv6 packets for tests/e2e/126-rfc6092.sh (scapy; run inside a
# test namespace, one packet per call):
#   rfc6092-send.py out PROTO SRC DST SPORT DPORT
#       PROTO sctp (an INIT), dccp (a Request) or esp (SPI = SPORT)
#   rfc6092-send.py mcast SRC GROUP IFACE
#       a udp datagram to a multicast group, hop limit 8, out of IFACE
#   rfc6092-send.py err TYPE CODE SRC DST PROTO ISRC IDST SPORT DPORT
#       an ICMPv6 error (1 destination unreachable, 2 packet too big) from
#       SRC to DST quoting a PROTO packet ISRC -> IDST (udp, sctp, dccp, esp)
import socket
import struct
import sys

from scapy.all import (IPv6, UDP, SCTP, SCTPChunkInit, ICMPv6DestUnreach,
                       ICMPv6PacketTooBig, Ether, Raw, conf, send, sendp)

conf.verb = 0


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def dccp_request(src, dst, sport, dport):
    # generic header with X=1 (48-bit sequence numbers), type 0 (Request),
    # then the service code; data offset 5 words; checksum over all of it
    hdr = bytearray(struct.pack("!HHBBHBBHI", sport, dport, 5, 0, 0,
                                (0 << 1) | 1, 0, 0, 1) + struct.pack("!I", 0))
    pseudo = (socket.inet_pton(socket.AF_INET6, src) +
              socket.inet_pton(socket.AF_INET6, dst) +
              struct.pack("!IxxxB", len(hdr), 33))
    struct.pack_into("!H", hdr, 6, csum(pseudo + bytes(hdr)))
    return IPv6(src=src, dst=dst, nh=33) / Raw(bytes(hdr))


def l4(proto, src, dst, sport, dport):
    if proto == "udp":
        return IPv6(src=src, dst=dst) / UDP(sport=sport, dport=dport) / b"e2e"
    if proto == "sctp":
        return IPv6(src=src, dst=dst) / SCTP(sport=sport, dport=dport, tag=0) / \
            SCTPChunkInit(init_tag=0x1234567, a_rwnd=65535, n_out_streams=1,
                          n_in_streams=1, init_tsn=1)
    if proto == "dccp":
        return dccp_request(src, dst, sport, dport)
    if proto == "esp":
        return IPv6(src=src, dst=dst, nh=50) / Raw(struct.pack("!II", sport, 1) + b"\0" * 16)
    raise SystemExit("unknown protocol " + proto)


a = sys.argv[1:]
if a[0] == "out":
    send(l4(a[1], a[2], a[3], int(a[4]), int(a[5])))
elif a[0] == "mcast":
    sendp(Ether() / IPv6(src=a[1], dst=a[2], hlim=8) / UDP(sport=44126, dport=5000) / b"e2e",
          iface=a[3])
elif a[0] == "err":
    typ, code, src, dst = int(a[1]), int(a[2]), a[3], a[4]
    inner = l4(a[5], a[6], a[7], int(a[8]), int(a[9]))
    icmp = ICMPv6PacketTooBig(mtu=1280) if typ == 2 else ICMPv6DestUnreach(code=code)
    send(IPv6(src=src, dst=dst) / icmp / inner)
else:
    raise SystemExit("usage: out|err ...")
