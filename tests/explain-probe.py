#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The pinhole authors.
"""Probes for tests/explain.sh: first packets, what explain says of them,
and the packets themselves (Python 3 standard library only).

    explain-probe.py gen NFT_FILE FIRST_ID COUNT SEED LAN > PROBES
        PROBES: one line per probe, "ID FAMILY PROTO SADDR DADDR DPORT
        SIDE", built from the addresses and ports the compiled ruleset
        names (hosts, subnets, suffixes, from: prefixes, the router's own
        addresses), their neighbours and ordinary internet sources; SIDE
        is wan, or with LAN=1 for about a third of them lan (the router's
        br-lan, zone lan)
    explain-probe.py explain PROBES PINHOLE NETNS POLICY > VERDICTS
        "ID POLICY_VERDICT LIVE_VERDICT" from `pinhole explain POLICY` and
        `pinhole explain --live`, both in NETNS; a lan probe is explained
        --in lan (--in br-lan with --live), and --out the zone of the
        interface the router routes it to (`ip route get`)
    explain-probe.py send PROBES SIDE IFNAME DSTMAC
        one raw Ethernet frame per probe of SIDE out of IFNAME (run it in
        the sending namespace): a TCP SYN or a UDP datagram with source
        port ID, an ICMP(v6) echo request with identifier ID
"""
import ipaddress
import random
import re
import socket
import struct
import subprocess
import sys
import time

# the router of tests/explain.sh: its own addresses
RTR6 = ["2001:db8:eeee::1", "2001:db8:1:2::1"]
RTR4 = ["203.0.113.1", "192.0.2.1"]
PLAIN6 = "2001:db8:ffff:ffff::5e"
PLAIN4 = "203.0.113.94"
# sources defaults.bogons drops from wan (a tenth of the IPv6 probes): ULA,
# site-local, IPv4-compatible. Not multicast: Linux drops a multicast
# source in ip6_rcv_core() before any hook, whatever the table says, and
# some kernels an IPv4-mapped one too; explain evaluates only the table.
BOGON6 = ["fd00::5e", "fec0::5e", "::c000:25e"]


def usable(a):
    """A unicast address the kernel routes as it is."""
    if a.version == 6:
        return not (a.is_multicast or a.is_link_local or a.is_unspecified or
                    a.is_loopback or a in ipaddress.ip_network("::/8") or
                    a in ipaddress.ip_network("fc00::/7"))
    return not (a.is_multicast or a.is_loopback or a.is_unspecified or
                a in ipaddress.ip_network("0.0.0.0/8") or
                a in ipaddress.ip_network("240.0.0.0/4") or
                str(a).endswith(".255") or str(a).endswith(".0"))


def gen(nft, first, count, seed, lan):
    r = random.Random(seed)
    text = open(nft).read()
    toks = re.split(r"[\s,{}()]+", text)
    nets, ports = [], {22, 80, 443, 53}
    for t in toks:
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", t)
        if m:
            lo = int(m.group(1))
            hi = int(m.group(2) or lo)
            if 1 <= lo <= hi <= 65535:
                ports.update({lo, hi, lo - 1, hi + 1, (lo + hi) // 2})
            continue
        try:
            n = ipaddress.ip_network(t, strict=False)
        except ValueError:
            continue
        if n.version == 6 and n.prefixlen == 128 and \
                n.network_address in ipaddress.ip_network("::/64"):
            # a ::X/-N suffix: under the LAN prefix and another one
            s = int(n.network_address)
            for p in ("2001:db8:1:2::", "2001:db8:77:5::"):
                nets.append(ipaddress.ip_network(
                    int(ipaddress.ip_address(p)) | s))
            continue
        nets.append(n)
    ports = sorted(p for p in ports if 1 <= p <= 65535)

    def around(n):
        """Addresses in @n and just outside it."""
        out = [n.network_address]
        if n.num_addresses > 1:
            out.append(n.network_address + r.randrange(1, min(n.num_addresses, 1 << 30)))
        top = int(n.broadcast_address)
        if top + 1 < (1 << n.max_prefixlen):
            out.append(ipaddress.ip_address(top + 1) if n.version == 6 else
                       ipaddress.IPv4Address(top + 1))
        if int(n.network_address) > 0:
            out.append(n.network_address - 1)
        return out

    addrs = {4: set(), 6: set()}
    for n in nets:
        for a in around(n):
            if usable(a):
                addrs[a.version].add(str(a))
    local = set(RTR6 + RTR4)
    dests = {6: sorted(addrs[6] | set(RTR6)), 4: sorted(addrs[4] | set(RTR4))}
    srcs = {6: sorted(addrs[6] - local) + [PLAIN6], 4: sorted(addrs[4] - local) + [PLAIN4]}
    for i in range(count):
        fam = 6 if not addrs[4] or r.random() < 0.6 else 4
        proto = r.choice(["tcp", "tcp", "udp", "icmpv6"])
        src = PLAIN6 if fam == 6 else PLAIN4
        if r.random() < 0.5:
            src = r.choice(srcs[fam])
        if fam == 6 and r.random() < 0.1:
            src = r.choice(BOGON6)
        dst = r.choice(dests[fam])
        if dst == src:
            src = PLAIN6 if fam == 6 else PLAIN4
        port = r.choice(ports) if proto != "icmpv6" else 0
        side = "wan"
        if lan and r.random() < 0.35:
            side = "lan"
            src = r.choice(["2001:db8:1:2::27", "2001:db8:1:2::a:5"]) if fam == 6 \
                else r.choice(["192.0.2.27", "192.0.2.99"])
            if dst == src:
                dst = RTR6[1] if fam == 6 else RTR4[1]
        print(first + i, fam, proto, src, dst, port, side)


def read(path):
    with open(path) as f:
        return [l.split() for l in f if l.strip()]


def explain(probes, pinhole, netns, policy):
    from concurrent.futures import ThreadPoolExecutor

    zone = {"wan0": ("wan", "wan0"), "br-lan": ("lan", "br-lan")}

    def one(probe):
        pid, fam, proto, src, dst, port, side = probe
        extra = [[], []]
        if side == "lan":
            extra = [["--in", "lan"], ["--in", "br-lan"]]
            rt = subprocess.run(["ip", "-n", netns, "route", "get", dst],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            m = re.search(r"\bdev (\S+)", rt.stdout.decode())
            if not rt.stdout.startswith(b"local") and m and m.group(1) in zone:
                z = zone[m.group(1)]
                extra[0] += ["--out", z[0]]
                extra[1] += ["--out", z[1]]
        out = []
        for what, more in ((policy, extra[0]), ("--live", extra[1])):
            cmd = [pinhole, "--netns", netns, "explain", what, "--from", src,
                   "--to", dst, "--proto", proto] + more
            if port != "0":
                cmd += ["--port", port]
            p = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, timeout=30)
            out.append(p.stdout.decode().split("\n", 1)[0] or "error")
        return "%s %s %s" % (pid, out[0], out[1])

    with ThreadPoolExecutor(max_workers=8) as ex:
        for line in ex.map(one, read(probes)):
            print(line)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def l4(proto, pid, dport, pseudo):
    """The transport header and payload, its checksum filled in."""
    if proto == "tcp":
        h = struct.pack("!HHIIBBHHH", pid, dport, 1, 0, 5 << 4, 0x02, 65535, 0, 0)
    elif proto == "udp":
        h = struct.pack("!HHHH", pid, dport, 12, 0) + b"ping"
    else:
        return None
    c = csum(pseudo(len(h)) + h)
    if proto == "udp" and c == 0:
        c = 0xffff
    off = 16 if proto == "tcp" else 6
    return h[:off] + struct.pack("!H", c) + h[off + 2:]


def frame(fam, proto, pid, src, dst, port):
    pid, port = int(pid), int(port)
    s = ipaddress.ip_address(src).packed
    d = ipaddress.ip_address(dst).packed
    nh = {"tcp": 6, "udp": 17}.get(proto, 58 if fam == "6" else 1)
    if fam == "6":
        def pseudo(n):
            return s + d + struct.pack("!IxxxB", n, nh)
        body = l4(proto, pid, port, pseudo)
        if body is None:
            e = struct.pack("!BBHHH", 128, 0, 0, pid, 1) + b"ping"
            c = csum(pseudo(len(e)) + e)
            body = e[:2] + struct.pack("!H", c) + e[4:]
        ip = struct.pack("!IHBB", 6 << 28, len(body), nh, 64) + s + d
        return 0x86dd, ip + body
    def pseudo4(n):
        return s + d + struct.pack("!xBH", nh, n)
    body = l4(proto, pid, port, pseudo4)
    if body is None:
        e = struct.pack("!BBHHH", 8, 0, 0, pid, 1) + b"ping"
        body = e[:2] + struct.pack("!H", csum(e)) + e[4:]
    ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(body), pid & 0xffff, 0x4000,
                     64, nh, 0) + s + d
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return 0x0800, ip + body


def send(probes, side, ifname, dstmac):
    sk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sk.bind((ifname, 0))
    src = sk.getsockname()[4]
    dst = bytes.fromhex(dstmac.replace(":", ""))
    for i, (pid, fam, proto, s, d, port, sd) in enumerate(read(probes)):
        if sd != side:
            continue
        etype, pkt = frame(fam, proto, pid, s, d, port)
        sk.send(dst + src + struct.pack("!H", etype) + pkt)
        if i % 20 == 19:
            time.sleep(0.005)	# stay well inside the receive backlog
    sk.close()


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "gen":
        gen(a[1], int(a[2]), int(a[3]), int(a[4]), a[5] == "1")
    elif a[0] == "explain":
        explain(a[1], a[2], a[3], a[4])
    elif a[0] == "send":
        send(a[1], a[2], a[3], a[4])
