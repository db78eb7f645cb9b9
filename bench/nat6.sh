#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The pinhole authors.
#
# New IPv6 connections per second through a router whose policy also
# forwards IPv4 (issue 16): does an `ip`-family table for the NAT chains
# spare IPv6 the null NAT binding the inet NAT chains give every new flow?
# Three namespaces per configuration (wan, router, LAN server; veth pairs,
# the router forwarding IPv6), each packet a NEW connection (bench/udpblast
# -c: its own source address and port), the router's ruleset being
#
#   (a) conntrack only, the reference: one inet table, forward chain
#       `ct state established,related accept` then the pinhole's accept
#       (a set lookup, pinhole's shape), no NAT chains
#   (b) pinhole's table today for a generated policy of N pinholes with
#       IPv4 forwards (bench/gen-policy.sh: 5% of the hosts have an ipv4
#       forward): table inet pinhole, NAT chains included
#   (c) the same table minus its NAT chains, plus `table ip pinhole`
#       holding those chains and the maps only they use (written from (b)'s
#       `pinhole compile` text by the awk below: `meta nfproto ipv4` and
#       `dnat ip to` become plain `dnat to`, nothing else changes)
#
# With EXTRA=1, four more, to say where the rest of (c)'s gap to (a) is:
#
#   (d) (c) without its ip table: pinhole's inet table with no NAT at all
#       (the ip table's hooks are not on an IPv6 packet's path: d = c)
#   (e) (d) without the mangle_forward chain (mss_clamp's base chain, a
#       second forward hook)
#   (f) (e) without the bogon-source drops (`ip6 saddr { ... } drop`)
#   (g) (f) without the ULA-destination and routing-header type 0 drops
#
# The flow goes to the LAST pinhole (udp TPORT on TARGET), which every
# table accepts. The rate is what the router forwards to the LAN (its
# br-lan transmit counter over the burst, forwarding runs in the sender's
# softirq; the LAN's receiver is the sink and also counts). Before each
# burst the router's conntrack table is flushed (udpblast flush, ctnetlink),
# so every burst inserts into an empty table and conntrack never fills. The sender takes turns, a burst of at most MS ms and COUNT
# packets per configuration per round, R rounds in a rotated order; the
# ratios are the medians of each round's ratios (rates on a shared machine
# drift together from one second to the next). Namespaces are
# ph-nat6-PID-*, deleted on exit; no rule is loaded outside them.
#
# Prints the rates (median, min, max) and b/a, c/a and c/b (median, min,
# max). Run it under the shared bench lock:
#
#   flock /tmp/pinhole-bench.lock sh bench/nat6.sh [N]     default N: 100
#   R=15 COUNT=400000 MS=250 EXTRA=0|1
#   PINHOLE=path/to/pinhole  srcdir=path/to/source
set -e
: "${PINHOLE:=./src/pinhole}"
: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${R:=15}"
: "${COUNT:=400000}"
: "${MS:=250}"
: "${EXTRA:=0}"
N=${1:-100}
[ "$(id -u)" = 0 ] || { echo "bench/nat6.sh: needs root" >&2; exit 77; }
command -v nft >/dev/null || { echo "bench/nat6.sh: needs nft" >&2; exit 77; }
command -v ip >/dev/null || { echo "bench/nat6.sh: needs ip" >&2; exit 77; }
case $PINHOLE in /*) ;; *) PINHOLE=$(pwd)/$PINHOLE ;; esac
[ "$N" -ge 5 ] || { echo "bench/nat6.sh: N must be >= 5 (the 5th pinhole is the first IPv4 forward)" >&2; exit 2; }

TMP=$(mktemp -d)
P=ph-nat6-$$
RX_PIDS=
CFGS="a b c"
[ "$EXTRA" = 1 ] && CFGS="a b c d e f g"
cleanup_ns() {
	for pid in $RX_PIDS; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $RX_PIDS; do
		wait "$pid" 2>/dev/null || true
	done
	RX_PIDS=
	for x in $CFGS; do
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

# (c): pinhole's compile output, its NAT chains (and the sets and maps only
# they reference) moved to a table of family ip of the same name
split_nat() {
	awk '
/^table inet [a-z0-9_]+ \{$/ { name = $3; intable = 1; next }
intable && /^\t[a-z]+ [A-Za-z0-9_]+ \{$/ {
	nb++; bname[nb] = $2; bkind[nb] = $1; cur = nb; body[nb] = $0 "\n"; next }
intable && cur && /^\t\}$/ { body[cur] = body[cur] $0 "\n"; cur = 0; next }
intable && cur { body[cur] = body[cur] $0 "\n"; if ($0 ~ /type nat hook/) nat[cur] = 1; next }
intable && /^\}$/ { intable = 0; next }
END {
	for (i = 1; i <= nb; i++) if (bkind[i] != "chain") {
		ref = "@" bname[i] "( |$|\n)"; innat = 0; inkeep = 0
		for (j = 1; j <= nb; j++)
			if (bkind[j] == "chain" && body[j] ~ ref) {
				if (nat[j]) innat = 1; else inkeep = 1
			}
		if (innat && !inkeep) move[i] = 1
	}
	printf "table inet %s\ndelete table inet %s\ntable inet %s {\n", name, name, name
	for (i = 1; i <= nb; i++) if (!nat[i] && !move[i]) printf "%s\n", body[i]
	printf "}\ntable ip %s {\n", name
	for (i = 1; i <= nb; i++) if (nat[i] || move[i]) {
		b = body[i]
		gsub(/meta nfproto ipv4 /, "", b)
		gsub(/dnat ip to /, "dnat to ", b)
		printf "%s\n", b
	}
	printf "}\n"
}'
}

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
	nsctl "$rtr" net.ipv4.ip_forward 1
	ip -n "$wan" link set w0 up
	ip -n "$lan" link set l0 up
	ip -n "$rtr" link set wan0 up
	ip -n "$rtr" link set br-lan up
	ip -n "$wan" addr add 2001:db8:ff00::2/64 dev w0 nodad
	ip -n "$rtr" addr add 2001:db8:ff00::1/64 dev wan0 nodad
	ip -n "$rtr" addr add 2001:db8:ffff::1/64 dev br-lan nodad
	ip -n "$lan" addr add $TARGET/64 dev l0 nodad
	ip -n "$rtr" addr add 203.0.113.1/24 dev wan0
	ip -n "$rtr" addr add 198.18.0.254/15 dev br-lan
	ip -n "$wan" -6 route add default via 2001:db8:ff00::1
	ip -n "$lan" -6 route add default via 2001:db8:ffff::1
	# static neighbours: no neighbour discovery in the measurement
	ip -n "$wan" -6 neigh replace 2001:db8:ff00::1 dev w0 nud permanent \
		lladdr "$(mac "$rtr" wan0)"
	ip -n "$rtr" -6 neigh replace $TARGET dev br-lan nud permanent \
		lladdr "$(mac "$lan" l0)"
	# the router's ruleset, inside its own namespace only
	case $1 in
	a) ip netns exec "$rtr" nft -f "$TMP/a.nft" ;;
	b) ip netns exec "$rtr" "$PINHOLE" apply "$TMP/p.yaml" >/dev/null 2>"$TMP/err" ||
		{ cat "$TMP/err" >&2; exit 1; } ;;
	c) ip netns exec "$rtr" nft -f "$TMP/c.nft" ;;
	d) ip netns exec "$rtr" nft -f "$TMP/d.nft" ;;
	e) ip netns exec "$rtr" nft -f "$TMP/e.nft" ;;
	f) ip netns exec "$rtr" nft -f "$TMP/f.nft" ;;
	g) ip netns exec "$rtr" nft -f "$TMP/g.nft" ;;
	esac
	# conntrack sysctls exist once a ruleset loaded nf_conntrack
	nsctl "$rtr" net.netfilter.nf_conntrack_udp_timeout 1
	# the sink, bounded in time like everything else
	: >"$TMP/rx.$1"
	ip netns exec "$lan" taskset -c $CPU_RX "$UB" recv $TPORT -i 600000 \
		-t $(((MS + 2000) * R * 7 + 60000)) >"$TMP/rx.$1" &
	RX_PIDS="$RX_PIDS $!"
	i=0
	until grep -q ready "$TMP/rx.$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "bench/nat6.sh: receiver did not start" >&2; exit 1; }
		sleep 0.02
	done
}

# fresh X: router X's conntrack table emptied (at most 3 tries), so every
# burst inserts into the same empty table whatever the last one left
fresh() {
	i=0
	while [ $i -lt 3 ]; do
		ip netns exec "$P-$1-rtr" "$UB" flush
		c=$(ip netns exec "$P-$1-rtr" cat /proc/sys/net/netfilter/nf_conntrack_count)
		[ "$c" -lt 100 ] && return 0
		i=$((i + 1))
	done
	echo "bench/nat6.sh: router $1 still tracks $c flows after 3 flushes" >&2
}

# burst X ROUND: one measurement on chain X; appends the packets forwarded
# per second of wall time to pps.X, and per second of the sender's CPU time
# (the sending and, in its softirq, all the forwarding) to cpu.X
burst() {
	fresh "$1"
	tx0=$(ip netns exec "$P-$1-rtr" cat /sys/class/net/br-lan/statistics/tx_packets)
	ip netns exec "$P-$1-wan" taskset -c $CPU_TX "$UB" send $TARGET $TPORT \
		-n "$COUNT" -t "$MS" -c $(($2 * COUNT)) >"$TMP/tx"
	tx1=$(ip netns exec "$P-$1-rtr" cat /sys/class/net/br-lan/statistics/tx_packets)
	echo $((tx1 - tx0)) >>"$TMP/fwd.$1"
	awk -v d=$((tx1 - tx0)) '/^sent/ { if ($4 > 0) printf "%.0f\n", d / ($4 / 1000) }' \
		"$TMP/tx" >>"$TMP/pps.$1"
	awk -v d=$((tx1 - tx0)) '/^sent/ { if ($6 > 0) printf "%.0f\n", d / ($6 / 1000) }' \
		"$TMP/tx" >>"$TMP/cpu.$1"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }
# stats FILE: "median min max"
stats() {
	m=$(median <"$1")
	sort -n "$1" | awk -v m="$m" 'NR == 1 { lo = $1 } { hi = $1 } END { print m, lo, hi }'
}

cat >"$TMP/a.nft" <<EOF
table inet ref {
	set pin6 {
		type ipv6_addr . inet_proto . inet_service
		elements = { $TARGET . udp . $TPORT }
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		meta nfproto ipv6 ip6 daddr . meta l4proto . th dport @pin6 accept
	}
}
EOF
TARGET=$TARGET TPORT=$TPORT sh "$srcdir/bench/gen-policy.sh" "$N" >"$TMP/p.yaml"
"$PINHOLE" compile "$TMP/p.yaml" 2>/dev/null >"$TMP/b.nft"
grep -q 'type nat hook' "$TMP/b.nft" ||
	{ echo "bench/nat6.sh: the policy of $N pinholes has no NAT chains" >&2; exit 1; }
split_nat <"$TMP/b.nft" >"$TMP/c.nft"
# (c) is (b) with the NAT chains moved, nothing lost or added
body() { grep -v -e '^#' -e '^table' -e '^delete' -e '^}' -e '^$' | sed -e 's/meta nfproto ipv4 //' -e 's/dnat ip to /dnat to /' | sort; }
[ "$(body <"$TMP/b.nft")" = "$(body <"$TMP/c.nft")" ] ||
	{ echo "bench/nat6.sh: the split table lost lines" >&2; exit 1; }
if sed -n '/^table ip /q; p' "$TMP/c.nft" | grep -q 'type nat hook' ||
	! sed -n '/^table ip /,$p' "$TMP/c.nft" | grep -q 'type nat hook'; then
	echo "bench/nat6.sh: (c) does not have its NAT chains in its ip table" >&2
	exit 1
fi

sed '/^table ip /,$d' "$TMP/c.nft" >"$TMP/d.nft"
awk '/^\tchain mangle_forward \{$/ { skip = 1 } !skip { print } skip && /^\t\}$/ { skip = 0 }' \
	"$TMP/d.nft" >"$TMP/e.nft"
grep -v 'ip6 saddr {.*drop$' "$TMP/e.nft" >"$TMP/f.nft"
grep -v -e 'ip6 daddr fc00::/7 .*drop$' -e 'rt type 0 .*drop$' "$TMP/f.nft" >"$TMP/g.nft"
if [ "$EXTRA" = 1 ] && { cmp -s "$TMP/e.nft" "$TMP/f.nft" || cmp -s "$TMP/f.nft" "$TMP/g.nft"; }; then
	echo "bench/nat6.sh: the table has no bogon, ULA or routing-header drop to remove" >&2
	exit 1
fi

for cfg in $CFGS; do
	chain "$cfg"
	: >"$TMP/pps.$cfg"
	: >"$TMP/cpu.$cfg"
	: >"$TMP/fwd.$cfg"
done
k=0
while [ $k -lt "$R" ]; do
	# rotate: round k starts with the (k mod count)-th configuration
	# shellcheck disable=SC2086 # a list of names
	set -- $CFGS
	j=0
	while [ $j -lt $((k % $#)) ]; do
		x=$1; shift; set -- "$@" "$x"
		j=$((j + 1))
	done
	order=$*
	for cfg in $order; do
		burst "$cfg" $k
	done
	k=$((k + 1))
done
# the servers' counts
sleep 0.2
for pid in $RX_PIDS; do
	kill "$pid" 2>/dev/null || true
done
for pid in $RX_PIDS; do
	wait "$pid" 2>/dev/null || true
done
RX_PIDS=
RATIOS="ba ca cb"
[ "$EXTRA" = 1 ] && RATIOS="ba ca cb da ea fa ga"
for r in $RATIOS; do
	x=$(echo "$r" | cut -c1) y=$(echo "$r" | cut -c2)
	for m in pps cpu; do
		paste "$TMP/$m.$x" "$TMP/$m.$y" | awk '{ print $2 ? $1 / $2 : 0 }' >"$TMP/$m.$r"
	done
done

echo "new IPv6 connections per second through the router (a new source address and port per packet), $N pinholes with $(grep -c ' : ' "$TMP/b.nft" || true) IPv4 forwards, $R rounds of at most $COUNT packets / $MS ms per configuration, 64-byte frames"
printf '| configuration | per s | min | max | per CPU s | min | max |\n|---|---:|---:|---:|---:|---:|---:|\n'
for cfg in $CFGS; do
	case $cfg in
	a) what="(a) conntrack only, no NAT chains" ;;
	b) what="(b) pinhole today: NAT chains in table inet pinhole" ;;
	c) what="(c) NAT chains in table ip pinhole" ;;
	d) what="(d) (c) without the ip table" ;;
	e) what="(e) (d) without mangle_forward" ;;
	f) what="(f) (e) without the bogon-source drops" ;;
	g) what="(g) (f) without the ULA-destination, rt type 0 drops" ;;
	esac
	echo "$what $(stats "$TMP/pps.$cfg") $(stats "$TMP/cpu.$cfg")" |
		awk '{ n = NF - 6; w = $1; for (i = 2; i <= n; i++) w = w " " $i
			printf "| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |\n", w,
				$(n + 1), $(n + 2), $(n + 3), $(n + 4), $(n + 5), $(n + 6) }'
done
for r in $RATIOS; do
	echo "$(echo "$r" | cut -c1)/$(echo "$r" | cut -c2) $(stats "$TMP/pps.$r") $(stats "$TMP/cpu.$r")" |
		awk '{ printf "| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", $1, $2, $3, $4, $5, $6, $7 }'
done
for cfg in $CFGS; do
	awk -v c="$cfg" -v f="$(awk '{ s += $1 } END { print s + 0 }' "$TMP/fwd.$cfg")" \
		'/^received/ { printf "(%s) the server received %d of the %d packets the router forwarded\n", c, $2, f }' "$TMP/rx.$cfg"
done
echo
echo "rates: packets forwarded to the LAN namespace, each one a new conntrack entry, per second of wall time and per second of the sender's CPU time (its softirq does the forwarding; less disturbed by other load on a shared machine); ratios: of each round's rates (bursts a second apart), median / min / max over $R rounds"
