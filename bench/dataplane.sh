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
# insert, and pinhole's NAT hooks, to every packet: MODE=newflow measures
# that instead, each packet from a source address and port not seen before;
# the routers expire unanswered UDP after 1 s so conntrack never fills.)
#
# Each configuration has a wan/router/LAN chain of its own, all four built
# up front; the sender then takes turns, a burst of at most MS ms and COUNT
# packets per chain per round, R rounds, each round in a rotated order. The
# rate is what the router forwards (its br-lan transmit counter over the
# burst; forwarding runs in the sender's softirq), the LAN's receiver is the
# sink. On a shared machine the rate of all four drifts together from one
# second to the next, so the ratios are the medians of each round's ratios
# (bursts a second apart), not ratios of medians. Namespaces are
# ph-bench-PID-*, deleted on exit; no rule is loaded outside them. Prints
# the median rates and the ratios (b)/(d) (issue 6 target: >= 0.9 at 10k)
# and (c)/(d).
#
#   bench/dataplane.sh [N...]          default: 100 10000
#   R=15 COUNT=400000 MS=250 MODE=flow|newflow
#   PINHOLE=path/to/pinhole  srcdir=path/to/source
set -e
: "${PINHOLE:=./src/pinhole}"
: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${R:=15}"
: "${COUNT:=400000}"
: "${MS:=250}"
: "${MODE:=flow}"
[ $# -gt 0 ] || set -- 100 10000
[ "$(id -u)" = 0 ] || { echo "bench/dataplane.sh: needs root" >&2; exit 77; }
command -v nft >/dev/null || { echo "bench/dataplane.sh: needs nft" >&2; exit 77; }
command -v ip >/dev/null || { echo "bench/dataplane.sh: needs ip" >&2; exit 77; }
case $PINHOLE in /*) ;; *) PINHOLE=$(pwd)/$PINHOLE ;; esac

TMP=$(mktemp -d)
P=ph-bench-$$
RX_PIDS=
cleanup_ns() {
	for pid in $RX_PIDS; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $RX_PIDS; do
		wait "$pid" 2>/dev/null || true
	done
	RX_PIDS=
	for x in a b c d; do
		for ns in wan rtr lan; do
			ip netns del "$P-$x-$ns" 2>/dev/null || true
		done
	done
}
cleanup() {
	cleanup_ns
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

mac() { ip -n "$1" -o link show "$2" | sed 's/.*link\/ether \([0-9a-f:]*\).*/\1/'; }
# sysctl NS KEY VALUE, without procps: /proc/sys/net is the namespace's own
nsctl() { ip netns exec "$1" sh -c "echo $3 >/proc/sys/$(echo "$2" | tr . /)"; }

# chain X: wan (2001:db8:ff00::2) -- wan0 [router] br-lan -- lan (TARGET)
chain() {
	wan=$P-$1-wan rtr=$P-$1-rtr lan=$P-$1-lan
	for ns in "$wan" "$rtr" "$lan"; do
		ip netns add "$ns"
		# no duplicate address detection: addresses usable at once
		nsctl "$ns" net.ipv6.conf.default.accept_dad 0
		nsctl "$ns" net.ipv6.conf.all.accept_dad 0
		ip -n "$ns" link set lo up
	done
	ip -n "$rtr" link add wan0 type veth peer name w0 netns "$wan"
	ip -n "$rtr" link add br-lan type veth peer name l0 netns "$lan"
	nsctl "$rtr" net.ipv6.conf.all.forwarding 1
	nsctl "$rtr" net.netfilter.nf_conntrack_udp_timeout 1 2>/dev/null || true
	ip -n "$wan" link set w0 up
	ip -n "$lan" link set l0 up
	ip -n "$rtr" link set wan0 up
	ip -n "$rtr" link set br-lan up
	ip -n "$wan" addr add 2001:db8:ff00::2/64 dev w0 nodad
	ip -n "$rtr" addr add 2001:db8:ff00::1/64 dev wan0 nodad
	ip -n "$rtr" addr add 2001:db8:ffff::1/64 dev br-lan nodad
	ip -n "$lan" addr add $TARGET/64 dev l0 nodad
	ip -n "$wan" -6 route add default via 2001:db8:ff00::1
	ip -n "$lan" -6 route add default via 2001:db8:ffff::1
	# static neighbours: no neighbour discovery in the measurement
	ip -n "$wan" -6 neigh replace 2001:db8:ff00::1 dev w0 nud permanent \
		lladdr "$(mac "$rtr" wan0)"
	ip -n "$rtr" -6 neigh replace $TARGET dev br-lan nud permanent \
		lladdr "$(mac "$lan" l0)"
	# the router's ruleset, inside its own namespace only
	case $1 in
	a) ;;
	b) ip netns exec "$rtr" "$PINHOLE" apply "$TMP/p$N.yaml" >/dev/null 2>&1 ;;
	c) ip netns exec "$rtr" nft -f "$TMP/linear$N.nft" ;;
	d) ip netns exec "$rtr" nft -f "$TMP/ct.nft" ;;
	esac
	# the sink, bounded in time like everything else
	: >"$TMP/rx.$1"
	ip netns exec "$lan" taskset -c $CPU_RX "$UB" recv $TPORT -i 600000 \
		-t $(((MS + 1000) * R * 4 + 60000)) >"$TMP/rx.$1" &
	RX_PIDS="$RX_PIDS $!"
	i=0
	until grep -q ready "$TMP/rx.$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "bench/dataplane.sh: receiver did not start" >&2; exit 1; }
		sleep 0.02
	done
	# conntrack's entry for the flow (then "new", unreplied, for good)
	ip netns exec "$wan" "$UB" send $TARGET $TPORT -n 20 -t 200 >/dev/null
}

# burst X ROUND: one measurement on chain X; prints packets per second
burst() {
	flowarg=
	[ "$MODE" = newflow ] && flowarg="-c $(($2 * COUNT))"
	tx0=$(ip netns exec "$P-$1-rtr" cat /sys/class/net/br-lan/statistics/tx_packets)
	# shellcheck disable=SC2086 # flowarg is two words or none
	ip netns exec "$P-$1-wan" taskset -c $CPU_TX "$UB" send $TARGET $TPORT \
		-n "$COUNT" -t "$MS" $flowarg >"$TMP/tx"
	tx1=$(ip netns exec "$P-$1-rtr" cat /sys/class/net/br-lan/statistics/tx_packets)
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

echo "mode: $MODE$([ "$MODE" = newflow ] && echo " (a new connection per packet)"), $R rounds of at most $COUNT packets / $MS ms per configuration, 64-byte frames"
printf '| pinholes | (a) none | (b) pinhole | (c) one rule each | (d) conntrack only | (b)/(d) | (c)/(d) |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|\n'
for N in "$@"; do
	TARGET=$TARGET TPORT=$TPORT sh "$srcdir/bench/gen-policy.sh" "$N" >"$TMP/p$N.yaml"
	TARGET=$TARGET TPORT=$TPORT sh "$srcdir/bench/gen-policy.sh" "$N" linear >"$TMP/linear$N.nft"
	for cfg in a b c d; do
		chain $cfg
		: >"$TMP/pps.$cfg"
	done
	k=0
	while [ $k -lt "$R" ]; do
		case $((k % 4)) in
		0) order="a b c d" ;; 1) order="b c d a" ;;
		2) order="c d a b" ;; 3) order="d a b c" ;;
		esac
		for cfg in $order; do
			burst $cfg $k >>"$TMP/pps.$cfg"
		done
		k=$((k + 1))
	done
	cleanup_ns
	paste "$TMP/pps.b" "$TMP/pps.d" | awk '{ print $2 ? $1 / $2 : 0 }' >"$TMP/bd"
	paste "$TMP/pps.c" "$TMP/pps.d" | awk '{ print $2 ? $1 / $2 : 0 }' >"$TMP/cd"
	awk -v n="$N" -v a="$(median <"$TMP/pps.a")" -v b="$(median <"$TMP/pps.b")" \
	    -v c="$(median <"$TMP/pps.c")" -v d="$(median <"$TMP/pps.d")" \
	    -v bd="$(median <"$TMP/bd")" -v cd="$(median <"$TMP/cd")" 'BEGIN {
		printf "| %d | %.0f | %.0f | %.0f | %.0f | %.2f | %.3f |\n",
			n, a, b, c, d, bd, cd }'
done
echo
echo "packets per second forwarded to the LAN namespace, medians of $R bursts each; ratios: medians of the $R rounds' ratios; the flow is allowed by the last pinhole"
