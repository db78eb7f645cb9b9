# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The pinhole authors.
"""Send the odd IPv6 packets of tests/e2e/170-bogons.sh with scapy.

    bogons-send.py IFACE DSTMAC SPEC...

SPEC is SPORT,SRC,DST,DPORT,RH: one UDP datagram from SRC:SPORT to
DST:DPORT, straight onto the link IFACE to DSTMAC (the router's wan0), so
that the sender's own kernel neither routes nor refuses the source; RH is
none, 0 or 2 (a routing header of that type, segments left 0). Each packet
is sent once: the case counts them one by one.
"""
import sys

from scapy.all import Ether, IPv6, IPv6ExtHdrRouting, UDP, Raw, sendp


def packet(spec):
    sport, src, dst, dport, rh = spec.split(",")
    p = IPv6(src=src, dst=dst, hlim=64)
    if rh != "none":
        p = p / IPv6ExtHdrRouting(type=int(rh), segleft=0,
                                  addresses=["2001:db8:eeee::99"])
    return p / UDP(sport=int(sport), dport=int(dport)) / Raw(b"bogon probe")


def main(argv):
    iface, mac = argv[1], argv[2]
    frames = [Ether(dst=mac) / packet(s) for s in argv[3:]]
    sendp(frames, iface=iface, verbose=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
