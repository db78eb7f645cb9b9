#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The pinhole authors.
#
# Data-plane benchmark: IPv6 UDP packets per second forwarded from a wan
# namespace through a router namespace to a LAN namespace (veth pairs), with
#
#   (a) no ruleset in the router (no conntrack either)
#   (b) pinhole's ruleset for a generated policy of N pinholes
#   (c) the same N pinholes as one rule each, fw4's shape
#       (`ip6 daddr X meta l4proto P th dport Q accept`, bench/gen-policy.sh)
#   (d) the least a stateful firewall costs: conntrack, then
#       `ct state established,related accept; ct state new accept`
#
# The measured flow goes to the host and port of the LAST pinhole, so in (c)
# every packet walks every rule. It is one UDP flow the LAN never answers:
# conntrack finds its entry for every packet after the first but, with no
# reply seen, the state stays "new", so the forward chain never takes its
# `ct state established` shortcut and classifies every packet. That is the
# per-packet cost of the ruleset itself, which is what a set lookup against
# a rule list is about. (A new connection per packet adds conntrack's own
# insert to every configuration alike: MODE=newflow measures that instead,
# with FLOWS source ports, each packet of a run a new connection.)
#
# Traffic is bounded: at most COUNT packets and SECS per run, between
# namespaces this script creates (ph-bench-PID-*) and deletes on exit. No
# rule is ever loaded outside them. Sender and receiver run on different
# CPUs when there are two. Prints medians of R runs and the ratios (b)/(d)
# (issue 6 target: >= 0.9 at 10k) and (c)/(d).
#
#   bench/dataplane.sh [N...]          default: 100 10000
#   R=5 COUNT=1000000 MS=1000 MODE=flow|newflow FLOWS=20000
#   PINHOLE=path/to/pinhole  srcdir=path/to/source
set -e
: "${PINHOLE:=./src/pinhole}"
: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${R:=5}"
: "${COUNT:=1000000}"
: "${MS:=1000}"
: "${MODE:=flow}"
: "${FLOWS:=20000}"
[ $# -gt 0 ] || set -- 100 10000
[ "$(id -u)" = 0 ] || { echo "bench/dataplane.sh: needs root" >&2; exit 77; }
command -v nft >/dev/null || { echo "bench/dataplane.sh: needs nft" >&2; exit 77; }
command -v ip >/dev/null || { echo "bench/dataplane.sh: needs ip" >&2; exit 77; }
case $PINHOLE in /*) ;; *) PINHOLE=$(pwd)/$PINHOLE ;; esac

TMP=$(mktemp -d)
WAN=ph-bench-$$-wan
RTR=ph-bench-$$-rtr
LAN=ph-bench-$$-lan
cleanup() {
	for ns in "$WAN" "$RTR" "$LAN"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
${CC:-cc} -O2 -o "$TMP/udpblast" "$srcdir/bench/udpblast.c"
UB=$TMP/udpblast
export PINHOLE_STATE_DIR="$TMP/state"

TARGET=2001:db8:ffff::2
TPORT=5001
CPU_TX=0
CPU_RX=0
[ "$(nproc)" -ge 2 ] && CPU_RX=1
FLOWARG=
[ "$MODE" = newflow ] && FLOWARG="-f $FLOWS"

# wan (2001:db8:ff00::2) -- wan0 [router] br-lan -- lan (2001:db8:ffff::2)
topology() {
	cleanup_ns
	for ns in "$WAN" "$RTR" "$LAN"; do
		ip netns add "$ns"
		# no duplicate address detection: addresses usable at once
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0
	done
	ip -n "$RTR" link add wan0 type veth peer name w0 netns "$WAN"
	ip -n "$RTR" link add br-lan type veth peer name l0 netns "$LAN"
	ip netns exec "$RTR" sysctl -qw net.ipv6.conf.all.forwarding=1
	for ns in "$WAN" "$RTR" "$LAN"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$WAN" link set w0 up
	ip -n "$LAN" link set l0 up
	ip -n "$RTR" link set wan0 up
	ip -n "$RTR" link set br-lan up
	ip -n "$WAN" addr add 2001:db8:ff00::2/64 dev w0 nodad
	ip -n "$RTR" addr add 2001:db8:ff00::1/64 dev wan0 nodad
	ip -n "$RTR" addr add 2001:db8:ffff::1/64 dev br-lan nodad
	ip -n "$LAN" addr add $TARGET/64 dev l0 nodad
	ip -n "$WAN" -6 route add default via 2001:db8:ff00::1
	ip -n "$LAN" -6 route add default via 2001:db8:ffff::1
	# static neighbours: no neighbour discovery in the measurement
	ip -n "$WAN" -6 neigh replace 2001:db8:ff00::1 dev w0 nud permanent \
		lladdr "$(mac "$RTR" wan0)"
	ip -n "$RTR" -6 neigh replace $TARGET dev br-lan nud permanent \
		lladdr "$(mac "$LAN" l0)"
}
mac() { ip -n "$1" -o link show "$2" | sed 's/.*link\/ether \([0-9a-f:]*\).*/\1/'; }
cleanup_ns() {
	for ns in "$WAN" "$RTR" "$LAN"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

# load CONFIG N: the router's ruleset, inside the router namespace only
load() {
	case $1 in
	a) ;;
	b) ip netns exec "$RTR" "$PINHOLE" apply "$TMP/p$2.yaml" >/dev/null 2>&1 ;;
	c) ip netns exec "$RTR" nft -f "$TMP/linear$2.nft" ;;
	d) ip netns exec "$RTR" nft -f "$TMP/ct.nft" ;;
	esac
}

# run: one measurement; prints packets per second forwarded by the router
# (its br-lan transmit counter over the sender's time: forwarding runs in
# the sender's softirq, so a receiver that falls behind does not count)
run() {
	: >"$TMP/rx"
	# warm up neighbour caches and conntrack (its entry is then "new", unreplied)
	ip netns exec "$WAN" "$UB" send $TARGET $TPORT -n 20 -t 200 >/dev/null
	sleep 0.2
	ip netns exec "$LAN" taskset -c $CPU_RX "$UB" recv $TPORT -i 300 \
		-t $((MS + 5000)) >"$TMP/rx" &
	rxpid=$!
	i=0
	until grep -q ready "$TMP/rx" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "bench/dataplane.sh: receiver did not start" >&2; exit 1; }
		sleep 0.02
	done
	tx0=$(ip netns exec "$RTR" cat /sys/class/net/br-lan/statistics/tx_packets)
	# shellcheck disable=SC2086 # FLOWARG is two words or none
	ip netns exec "$WAN" taskset -c $CPU_TX "$UB" send $TARGET $TPORT \
		-n "$COUNT" -t "$MS" $FLOWARG >"$TMP/tx"
	tx1=$(ip netns exec "$RTR" cat /sys/class/net/br-lan/statistics/tx_packets)
	wait $rxpid
	awk -v d=$((tx1 - tx0)) '/^sent/ { if ($4 > 0) printf "%.0f\n", d / ($4 / 1000) }' "$TMP/tx"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }

cat >"$TMP/ct.nft" <<EOF
table inet ctonly {
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		ct state new accept
	}
}
EOF

echo "mode: $MODE$([ "$MODE" = newflow ] && echo " ($FLOWS source ports)"), $R runs, at most $COUNT packets / $MS ms each, 64-byte frames"
printf '| pinholes | (a) none | (b) pinhole | (c) one rule each | (d) conntrack only | (b)/(d) | (c)/(d) |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|\n'
for N in "$@"; do
	TARGET=$TARGET TPORT=$TPORT sh "$srcdir/bench/gen-policy.sh" "$N" >"$TMP/p$N.yaml"
	TARGET=$TARGET TPORT=$TPORT sh "$srcdir/bench/gen-policy.sh" "$N" linear >"$TMP/linear$N.nft"
	for cfg in a b c d; do
		: >"$TMP/pps.$cfg"
		k=0
		while [ $k -lt "$R" ]; do
			topology
			load $cfg "$N"
			run >>"$TMP/pps.$cfg"
			k=$((k + 1))
		done
	done
	cleanup_ns
	awk -v n="$N" -v a="$(median <"$TMP/pps.a")" -v b="$(median <"$TMP/pps.b")" \
	    -v c="$(median <"$TMP/pps.c")" -v d="$(median <"$TMP/pps.d")" 'BEGIN {
		printf "| %d | %.0f | %.0f | %.0f | %.0f | %.2f | %.3f |\n",
			n, a, b, c, d, d ? b / d : 0, d ? c / d : 0 }'
done
echo
echo "packets per second forwarded to the LAN namespace, medians; the flow is allowed by the last pinhole"
