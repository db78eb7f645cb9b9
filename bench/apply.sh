#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: `pinhole apply` against `nft -f` of the same `pinhole compile`
# output, for a generated N-pinhole router policy (default 20000). Every run
# is in a fresh `unshare -n` (root only); prints medians of R runs (default
# 5) and the ratio (target: apply <= 0.5 x nft -f).
#
#   bench/apply.sh [N] [R]        PINHOLE=path/to/pinhole (default: ./src/pinhole)
set -e
N=${1:-20000}
R=${2:-5}
: "${PINHOLE:=./src/pinhole}"
[ "$(id -u)" = 0 ] || { echo "bench/apply.sh: needs root (unshare -n)" >&2; exit 77; }
command -v nft >/dev/null || { echo "bench/apply.sh: needs nft" >&2; exit 77; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# N hosts in 2001:db8:1::/48, one pinhole each (tcp 443 + a udp range)
awk -v n="$N" 'BEGIN {
	print "version: 1"
	print "zones:\n  wan:\n    interfaces: [wan0]\n  lan:\n    interfaces: [br-lan]"
	print "hosts:"
	for (i = 0; i < n; i++)
		printf "  h%d:\n    ipv6: 2001:db8:1:%x::%x\n", i, int(i / 4096), i % 4096 + 1
	print "pinholes:"
	for (i = 0; i < n; i++) {
		printf "  - name: p%d\n    host: h%d\n    ports: [443]\n", i, i
	}
}' >"$TMP/policy.yaml"
"$PINHOLE" compile "$TMP/policy.yaml" >"$TMP/policy.nft" 2>"$TMP/compile.err" || {
	cat "$TMP/compile.err" >&2; exit 1; }

ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

run() {	# run CMD: wall ms of CMD inside a fresh netns
	unshare -n sh -c "s=\$(date +%s%N); $1 >/dev/null 2>&1 || exit 1; e=\$(date +%s%N); echo \$(( (e - s) / 1000000 ))"
}

: >"$TMP/a"
: >"$TMP/n"
: >"$TMP/c"
i=0
while [ $i -lt "$R" ]; do
	run "'$PINHOLE' apply '$TMP/policy.yaml'" >>"$TMP/a"
	run "nft -f '$TMP/policy.nft'" >>"$TMP/n"
	run "'$PINHOLE' check '$TMP/policy.yaml'" >>"$TMP/c"
	i=$((i + 1))
done
A=$(median <"$TMP/a")
F=$(median <"$TMP/n")
C=$(median <"$TMP/c")
echo "pinholes: $N  runs: $R  (medians, fresh netns each, wall time)"
echo "pinhole apply (parse+compile+load): $A ms   [$(tr '\n' ' ' <"$TMP/a")]"
echo "nft -f of the compile output:       $F ms   [$(tr '\n' ' ' <"$TMP/n")]"
echo "of which pinhole check (parse+validate+compile, no kernel): $C ms"
awk -v a="$A" -v f="$F" -v c="$C" 'BEGIN {
	printf "ratio apply / nft -f: %.2f (target <= 0.5)\n", f ? a / f : 0
	printf "netlink part only (apply - check) / nft -f: %.2f\n", f ? (a - c) / f : 0 }'
