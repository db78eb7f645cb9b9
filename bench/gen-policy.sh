#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The pinhole authors.
#
# Generate a router policy of N pinholes, deterministic for a given N, in
# the shape a generated policy (one pinhole per customer) has:
#
#   hosts (one per pinhole)   75% exact 2001:db8:1:X::Y, 15% interface-ID
#                             suffix ::1:X:Y/-64, 5% subnet 2001:db8:2X:Y::/64
#                             (warned about: whole subnet), 5% exact IPv6 +
#                             IPv4 198.18.x.y (family any: an IPv6 pinhole
#                             and an IPv4 port forward on a unique wan port)
#   ports                     60% one port, 20% a list of 2-3, 10% a range,
#                             10% a list with a range
#   proto                     ~57% tcp, ~29% udp, ~14% both
#
# Exact ports go to hash sets, ranges and subnets to interval sets (see
# lib/compile_sets.c), so this mix exercises every set of the forward_wan chain.
#
#   bench/gen-policy.sh N [linear]
#
# With "linear", print instead an nft script holding the same pinholes as
# one rule each, fw4's shape (`ip6 daddr X meta l4proto P th dport Q
# accept`), in table inet linear with the same base chains pinhole has.
#
# MIX=ranges: the range-heavy mix of issue 16 instead: N/4 hosts (exact
# 2001:db8:1:X::Y), each with 4 pinholes: 443 over tcp or (every other host)
# tcp+udp, one single port and one 11-port range over the same protocols as
# 443, and one udp port (20,000 exact and 7,500 interval elements at
# N=20000).
#
# TARGET=ADDR TPORT=P: the LAST pinhole opens udp port P to the exact IPv6
# address ADDR (default 2001:db8:ffff::2, 5001), so a packet to it walks
# every rule of the linear ruleset (bench/dataplane.sh).
set -e
N=${1:?usage: gen-policy.sh N [linear]}
MODE=${2:-policy}
: "${TARGET:=2001:db8:ffff::2}"
: "${TPORT:=5001}"
: "${WAN_IF:=wan0}"
: "${LAN_IF:=br-lan}"

exec awk -v n="$N" -v mode="$MODE" -v mix="${MIX:-default}" -v target="$TARGET" -v tport="$TPORT" \
	-v wan="$WAN_IF" -v lan="$LAN_IF" '
function hx(v) { return sprintf("%x", v) }
# host kind of pinhole i: exact, suffix, subnet or dual (v6 + v4 forward)
function kind(i, k) {
	if (i == n - 1) return "exact"
	k = i % 20
	if (k == 0) return "subnet"
	if (k <= 3) return "suffix"
	if (k == 4) return "dual"
	return "exact"
}
function addr6(i) {
	if (i == n - 1) return target
	return "2001:db8:1:" hx(int(i / 65535)) "::" hx(i % 65535 + 1)
}
function suffix(i) { return "::1:" hx(int(i / 65535)) ":" hx(i % 65535 + 1) "/-64" }
function subnet(i) { return "2001:db8:" hx(8192 + int(i / 65536)) ":" hx(i % 65536) "::/64" }
function addr4(i, f) {	# the f-th forward: 198.18.0.0/15
	f++
	return "198." (18 + int(f / 65536)) "." int(f / 256) % 256 "." f % 256
}
# ports of pinhole i, as YAML list items separated by ", "; nports set
function ports(i, k, safe) {
	if (i == n - 1) { nports = 1; P[1] = tport; return tport }
	split("22 80 443 8080 8443 25565 51820 1194 993 587 2222 5060 8000 9000 10443", safe, " ")
	k = int(i / 20) % 10
	if (k <= 5) { nports = 1; P[1] = safe[i % 15 + 1] }
	else if (k <= 6) { nports = 2; P[1] = 80; P[2] = 443 }
	else if (k <= 7) { nports = 3; P[1] = 443; P[2] = 8443; P[3] = 9000 }
	else if (k <= 8) { nports = 1; P[1] = "60000:" (60000 + i % 100 + 1) }
	else { nports = 2; P[1] = 22; P[2] = "8000:8099" }
	return nports
}
function protos(i, k) {
	if (i == n - 1) return "udp"
	k = i % 7
	if (k <= 3) return "tcp"
	if (k <= 5) return "udp"
	return "both"
}
function yaml_ports(  s, j) {
	if (nports == 1) return P[1]
	s = "["
	for (j = 1; j <= nports; j++) s = s (j > 1 ? ", " : "") P[j]
	return s "]"
}
BEGIN {
	if (mode == "linear") { linear(); exit }
	if (mix == "ranges") { ranges(); exit }
	print "version: 1"
	print "zones:"
	print "  wan:\n    interfaces: [" wan "]"
	print "  lan:\n    interfaces: [" lan "]"
	print "hosts:"
	f = 0
	for (i = 0; i < n; i++) {
		k = kind(i)
		printf "  h%d:\n", i
		if (k == "subnet") printf "    ipv6: %s\n", subnet(i)
		else if (k == "suffix") printf "    ipv6: \"%s\"\n", suffix(i)
		else printf "    ipv6: %s\n", addr6(i)
		if (k == "dual") printf "    ipv4: %s\n", addr4(i, f++)
	}
	print "pinholes:"
	f = 0
	for (i = 0; i < n; i++) {
		k = kind(i)
		printf "  - name: p%d\n    host: h%d\n", i, i
		pr = protos(i)
		if (pr == "both") print "    proto: [tcp, udp]"
		else if (pr != "tcp") print "    proto: " pr
		if (k == "dual") {
			# one unique wan port per forward: 20000 + f
			printf "    ports: %d\n", 20000 + f % 40000
			f++
		} else {
			ports(i)
			printf "    ports: %s\n", yaml_ports()
		}
	}
}
function ranges(  h, nh, pr, q) {
	nh = int(n / 4)
	if (nh < 1) nh = 1
	print "version: 1"
	print "zones:"
	print "  wan:\n    interfaces: [" wan "]"
	print "  lan:\n    interfaces: [" lan "]"
	print "hosts:"
	for (h = 0; h < nh; h++)
		printf "  h%d:\n    ipv6: %s\n", h, addr6(h)
	print "pinholes:"
	for (h = 0; h < nh; h++) {
		pr = h % 2 ? "[tcp, udp]" : "tcp"
		q = 10000 + (h * 37) % 40000
		printf "  - name: r%da\n    host: h%d\n    proto: %s\n    ports: 443\n", h, h, pr
		printf "  - name: r%db\n    host: h%d\n    proto: %s\n    ports: %d\n", h, h, pr, 2000 + h % 7000
		printf "  - name: r%dc\n    host: h%d\n    proto: %s\n    ports: \"%d:%d\"\n", h, h, pr, q, q + 10
		printf "  - name: r%dd\n    host: h%d\n    proto: udp\n    ports: %d\n", h, h, 51000 + h % 1000
	}
}
# the same pinholes, one rule each (IPv6 side; forwards as their IPv6 part)
function linear(  i, k, pr, d, l4, j, f) {
	print "table inet linear {"
	print "  chain forward {"
	print "    type filter hook forward priority filter; policy drop;"
	print "    ct state established,related accept"
	print "    ct state invalid drop"
	print "    iifname \"" lan "\" accept"
	print "    iifname \"" wan "\" jump forward_wan"
	print "  }"
	print "  chain forward_wan {"
	f = 0
	for (i = 0; i < n; i++) {
		k = kind(i)
		if (k == "subnet") d = "ip6 daddr " substr(subnet(i), 1)
		else if (k == "suffix") {
			d = suffix(i); sub(/\/-64$/, "", d)
			d = "ip6 daddr & ::ffff:ffff:ffff:ffff == " d
		} else d = "ip6 daddr " addr6(i)
		pr = protos(i)
		l4 = pr == "both" ? "meta l4proto { tcp, udp }" : "meta l4proto " pr
		if (k == "dual") { nports = 1; P[1] = 20000 + f % 40000; f++ }
		else ports(i)
		if (nports == 1) dp = "th dport " P[1]
		else {
			dp = "th dport { "
			for (j = 1; j <= nports; j++) {
				p = P[j]; sub(/:/, "-", p)
				dp = dp (j > 1 ? ", " : "") p
			}
			dp = dp " }"
		}
		sub(/:/, "-", dp)
		printf "    meta nfproto ipv6 %s %s %s accept\n", d, l4, dp
	}
	print "    counter drop"
	print "  }"
	print "}"
}'
