#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The pinhole authors.
#
# Load benchmark: `pinhole apply` against `nft -f` of the same `pinhole
# compile` output, for generated router policies of N pinholes (the mix of
# bench/gen-policy.sh). Every load runs in a fresh `unshare -n` network
# namespace (root only; nothing touches this machine's own ruleset). Prints
# one table row per N, medians of R runs (wall time, run by bench/runstat):
#
#   apply      pinhole apply POLICY (parse, validate, compile, one netlink
#              batch, save the state file) into an empty namespace
#   nft -f     nft -f of the compile output into an empty namespace
#   ratio      apply / nft -f (issue 6 target: <= 0.5 at 20k): the median of
#              each run's ratio, the two loads of a run being back to back
#              (on a shared machine both drift together)
#   replay     bench/replay of the batch bytes that apply sends (captured
#              once per N with PINHOLE_BATCH_DUMP), into an empty namespace:
#              the kernel's own work, the floor of any loader
#   apply / replay   the median of each run's ratio (issue 16 target: <= 1.3)
#   check      pinhole check POLICY (parse + validate + compile, no kernel)
#   compile    pinhole compile POLICY >/dev/null (check + nft text)
#   diff       pinhole diff POLICY right after apply, same namespace (reads
#              the table back through netlink; must find no difference)
#   rss        peak RSS of apply and of nft -f (MiB)
#
#   bench/load.sh [N...]          default: 1000 20000 100000
#   MIX=ranges                    the range-heavy mix (bench/gen-policy.sh)
#   R=5 R_BIG=3                   runs per N (R_BIG for N >= 50000)
#   PINHOLE=path/to/pinhole       default: ./src/pinhole
#   srcdir=path/to/source         default: the directory above this script
set -e
: "${PINHOLE:=./src/pinhole}"
: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${R:=5}"
: "${R_BIG:=3}"
[ $# -gt 0 ] || set -- 1000 20000 100000
[ "$(id -u)" = 0 ] || { echo "bench/load.sh: needs root (unshare -n)" >&2; exit 77; }
command -v nft >/dev/null || { echo "bench/load.sh: needs nft" >&2; exit 77; }
unshare -n true 2>/dev/null || { echo "bench/load.sh: unshare -n failed" >&2; exit 77; }
case $PINHOLE in /*) ;; *) PINHOLE=$(pwd)/$PINHOLE ;; esac

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
${CC:-cc} -O2 -o "$TMP/runstat" "$srcdir/bench/runstat.c"
RS=$TMP/runstat
${CC:-cc} -O2 -o "$TMP/replay" "$srcdir/bench/replay.c"
export PINHOLE_STATE_DIR="$TMP/state"	# never the machine's /var/lib/pinhole

fail() { echo "bench/load.sh: $* failed (N=$N); run it by hand to see why" >&2; exit 1; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
col() { awk -v c="$1" '{ print $c }' "$2" | median; }	# median of a column

printf '| pinholes | apply (ms) | nft -f (ms) | apply / nft -f | replay (ms) | apply / replay | check (ms) | compile (ms) | diff (ms) | apply RSS (MiB) | nft -f RSS (MiB) |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for N in "$@"; do
	runs=$R
	[ "$N" -ge 50000 ] && runs=$R_BIG
	P=$TMP/p$N.yaml
	sh "$srcdir/bench/gen-policy.sh" "$N" >"$P"
	"$PINHOLE" compile "$P" >"$TMP/p$N.nft" 2>"$TMP/err" || {
		cat "$TMP/err" >&2; exit 1; }
	rm -f "$TMP/b$N.bin"
	unshare -n env PINHOLE_BATCH_DUMP="$TMP/b$N.bin" "$PINHOLE" apply "$P" \
		>/dev/null 2>&1 || fail "apply (capture)"
	for f in a n c k d b; do : >"$TMP/$f"; done
	i=0
	while [ $i -lt "$runs" ]; do
		unshare -n "$RS" -o "$TMP/a" -q -- "$PINHOLE" apply "$P" || fail apply
		unshare -n "$RS" -o "$TMP/n" -q -- nft -f "$TMP/p$N.nft" || fail "nft -f"
		unshare -n "$RS" -o "$TMP/b" -q -- "$TMP/replay" "$TMP/b$N.bin" || fail replay
		"$RS" -o "$TMP/c" -q -- "$PINHOLE" check "$P" || fail check
		"$RS" -o "$TMP/k" -q -- "$PINHOLE" compile "$P" || fail compile
		unshare -n sh -c '"$1" apply "$2" >/dev/null 2>&1 &&
			"$3" -o "$4" -q -- "$1" diff "$2"' sh \
			"$PINHOLE" "$P" "$RS" "$TMP/d" || {
			echo "bench/load.sh: diff after apply found a difference" >&2
			exit 1; }
		i=$((i + 1))
	done
	paste "$TMP/a" "$TMP/n" | awk '{ print $6 ? $1 / $6 : 0 }' >"$TMP/ratio"
	paste "$TMP/a" "$TMP/b" | awk '{ print $6 ? $1 / $6 : 0 }' >"$TMP/rratio"
	awk -v n="$N" -v a="$(col 1 "$TMP/a")" -v f="$(col 1 "$TMP/n")" \
	    -v r="$(median <"$TMP/ratio")" \
	    -v b="$(col 1 "$TMP/b")" -v rr="$(median <"$TMP/rratio")" \
	    -v c="$(col 1 "$TMP/c")" -v k="$(col 1 "$TMP/k")" -v d="$(col 1 "$TMP/d")" \
	    -v ra="$(col 4 "$TMP/a")" -v rn="$(col 4 "$TMP/n")" 'BEGIN {
		printf "| %d | %.0f | %.0f | %.2f | %.0f | %.2f | %.0f | %.0f | %.0f | %.1f | %.1f |\n",
			n, a, f, r, b, rr, c, k, d, ra / 1024, rn / 1024 }'
done
echo
echo "mix: ${MIX:-default}; medians of $R runs ($R_BIG from 50000 pinholes), wall time, each load in a fresh network namespace"
