#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The pinhole authors.
"""Random pinhole policies for the tests, deterministic for a seed.

    gen-policy.py SEED          one policy on stdout
    gen-policy.py SEED COUNT    COUNT policies (seeds SEED, SEED+1, ...),
                                each followed by a NUL byte

Host and router mode; exact, subnet, suffix (/-64 and /-56), IPv4-only and
dual-stack hosts; every proto, single ports, lists and ranges (both
spellings), family, from: of either family (and ::/0, 0.0.0.0/0),
external_ports (shifted ranges too); mss_clamp, log_rate and log: true
(from a second generator, so the rest is what it was). About 97% of the
seeds give a valid
policy; the rest hit a compile error on purpose (a shifted range with
from:) or a validation error; tests/unit/agree skips those. Addresses are
the documentation ranges only (SPEC.md §5).
"""
import random
import sys


def policy(seed):
    r = random.Random(seed)
    x = random.Random(seed * 7919 + 1)
    router = r.random() < 0.75
    out = ["version: 1"]
    if r.random() < 0.2:
        out.append("table: " + r.choice(["pinhole", "fw6", "edge_v6"]))
    if router:
        out.append("zones:")
        out.append("  wan: { interfaces: [%s]%s }"
                   % (r.choice(["wan0", "wan0, \"ppp*\"", "eth0"]),
                      ", mss_clamp: false" if x.random() < 0.2 else ""))
        out.append("  lan: { interfaces: [br-lan]%s }"
                   % (", mss_clamp: true" if x.random() < 0.2 else ""))
        if r.random() < 0.3:
            out.append("  guest: { interfaces: [br-guest] }")
    d = []
    if r.random() < 0.5:
        if router and r.random() < 0.5:
            d.append("inbound: " + r.choice(["drop", "reject"]))
        if router and r.random() < 0.3:
            d.append("outbound: " + r.choice(["accept", "drop"]))
        if r.random() < 0.5:
            d.append("input: " + r.choice(["drop", "reject", "accept"]))
        if r.random() < 0.3:
            d.append("icmpv6: " + r.choice(["rfc4890", "strict"]))
        if r.random() < 0.3:
            d.append("log: " + r.choice(["true", "false"]))
        if router and r.random() < 0.3:
            d.append("bogons: " + r.choice(["true", "false"]))
    # SPEC 6.3 keys from a second generator, so the policies of a seed
    # stay what they were for the keys above
    r2 = random.Random(seed * 7 + 1)
    if r2.random() < 0.3:
        d.append("ping: " + r2.choice(["accept", "drop"]))
    if router and r2.random() < 0.15 and not any(x.startswith("inbound:") for x in d):
        d.append("inbound: accept")
    if x.random() < 0.2:
        d.append("log_rate: %d/%s" % (x.randint(1, 100),
                                      x.choice(["second", "minute", "hour", "day"])))
    if d:
        out.append("defaults: { %s }" % ", ".join(d))
    hosts = []
    if router:
        out.append("hosts:")
        for i in range(r.randint(1, 8)):
            k = r.choice(["exact", "exact", "subnet", "suffix", "suffix56",
                          "v4", "dual", "dual"])
            a = []
            if k in ("exact", "dual"):
                a.append("ipv6: 2001:db8:1:%x::%x"
                         % (r.randint(0, 3), r.randint(1, 300)))
            if k == "subnet":
                a.append("ipv6: 2001:db8:1:%x::/64" % r.randint(8, 40))
            if k == "suffix":
                a.append('ipv6: "::%x:%x/-64"'
                         % (r.randint(1, 99), r.randint(1, 999)))
            if k == "suffix56":
                a.append('ipv6: "::%x/-56"' % r.randint(1, 99))
            if k in ("v4", "dual"):
                a.append("ipv4: 192.0.2.%d" % r.randint(2, 250))
            hosts.append(("h%d" % i, k))
            out.append("  h%d: { %s }" % (i, ", ".join(a)))
    hosts.append(("self", "self"))

    def port(lo=1, hi=65535):
        return r.randint(lo, hi)

    def ports():
        c = r.random()
        if c < 0.4:
            return [str(port())]
        if c < 0.6:
            lo = port(1, 60000)
            return ["%d%s%d" % (lo, r.choice([":", "-"]), lo + r.randint(0, 500))]
        ps = []
        for _ in range(r.randint(2, 4)):
            if r.random() < 0.7:
                ps.append(str(port()))
            else:
                lo = port(1, 60000)
                ps.append("%d:%d" % (lo, lo + r.randint(1, 30)))
        return list(dict.fromkeys(ps))

    out.append("pinholes:")
    for i in range(r.randint(1, 12)):
        h, k = r.choice(hosts)
        f = ["name: p%d" % i, "host: %s" % h]
        pr = r.choice([None, "tcp", "udp", "[tcp, udp]"])
        if pr:
            f.append("proto: %s" % pr)
        ps = ports()
        fam = None
        if k == "dual" and r.random() < 0.5:
            fam = r.choice(["ipv6", "ipv4", "any"])
        if k == "self" and r.random() < 0.3:
            fam = r.choice(["ipv6", "ipv4"])
        if fam:
            f.append("family: %s" % fam)
        if x.random() < 0.25:
            f.append("log: true")
        f.append("ports: [%s]" % ", ".join('"%s"' % p if "-" in p else p
                                           for p in ps))
        v4ok = k == "v4" or (k == "dual" and fam != "ipv6") or \
            (k == "self" and fam != "ipv6")
        v6ok = k != "v4" and fam != "ipv4"
        if r.random() < 0.35:
            fr = []
            for _ in range(r.randint(1, 3)):
                if v6ok and (not v4ok or r.random() < 0.6):
                    fr.append(r.choice(["2001:db8:ffff::/48", "2001:db8:eeee::1",
                                        "2001:db8:%x::/48" % r.randint(0xa000, 0xafff),
                                        "::/0"]))
                elif v4ok:
                    fr.append(r.choice(["198.51.100.0/24", "203.0.113.7",
                                        "0.0.0.0/0"]))
            fr = list(dict.fromkeys(fr))
            if fr:
                f.append("from: [%s]" % ", ".join('"%s"' % x for x in fr))
        if v4ok and k != "self" and len(ps) == 1 and r.random() < 0.4:
            p = ps[0].replace("-", ":")
            if ":" in p:
                lo, hi = map(int, p.split(":"))
                s = r.randint(1, 2000)
                if hi + s <= 65535:
                    f.append("external_ports: %d:%d" % (lo + s, hi + s))
            else:
                f.append("external_ports: %d" % port())
        out.append("  - { %s }" % ", ".join(f))
    v4 = []
    if router and r.random() < 0.2:
        v4.append("masquerade: %s" % r.choice(["true", "false"]))
    if router and r2.random() < 0.25:
        v4.append("reflection: %s" % r2.choice(["true", "false"]))
    if v4:
        out.append("ipv4: { %s }" % ", ".join(v4))
    if router and r2.random() < 0.25:
        out.append("ipsec: %s" % r2.choice(["true", "false"]))
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write("Usage: gen-policy.py SEED [COUNT]\n")
        return 2
    seed = int(argv[1])
    if len(argv) == 2:
        sys.stdout.write(policy(seed))
        return 0
    for s in range(seed, seed + int(argv[2])):
        sys.stdout.write(policy(s) + "\0")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
