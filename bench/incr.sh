#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The pinhole authors.
#
# Incremental apply benchmark (issue 16): one pinhole changed in a policy of
# N pinholes (bench/gen-policy.sh; the changed one is the last, its port
# moved: one element deleted and one added), loaded over the table of
# before. Every run is a fresh `unshare -n` network namespace (root only;
# nothing touches this machine's own ruleset). One row per N, medians of R
# runs (wall time, bench/runstat), min-max in brackets:
#
#   incremental  pinhole apply POLICY' over POLICY, the common case: the
#                state directory's record says the table is what the last
#                apply published, and the namespace's generation has not
#                moved since, so it is not read back (element delta, one
#                small batch)
#   incr, read   the same after another commit in the namespace (nft adds
#                and deletes a table): the table is read back first
#   full         pinhole apply --full POLICY' over POLICY (the replace)
#   nft -f       nft -f of compile POLICY' over POLICY (the peer: what a
#                replace costs nft)
#   ratios       incremental / full and incr, read / full: the median of
#                each run's ratio (back to back)
#   counters kept  an element the edit leaves alone is given a counter of
#                7 packets first (nft delete + add element with the same
#                comment): "yes" when it still reads 7 after both
#                incremental applies in every run, and the full apply read 0
#   bench/incr.sh [N...]          default: 100000
#   R=3                           runs per N
#   Run it under the shared lock: flock /tmp/pinhole-bench.lock sh bench/incr.sh
set -e
: "${PINHOLE:=./src/pinhole}"
: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${R:=3}"
[ $# -gt 0 ] || set -- 100000
[ "$(id -u)" = 0 ] || { echo "bench/incr.sh: needs root (unshare -n)" >&2; exit 77; }
command -v nft >/dev/null || { echo "bench/incr.sh: needs nft" >&2; exit 77; }
unshare -n true 2>/dev/null || { echo "bench/incr.sh: unshare -n failed" >&2; exit 77; }
case $PINHOLE in /*) ;; *) PINHOLE=$(pwd)/$PINHOLE ;; esac

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
${CC:-cc} -O2 -o "$TMP/runstat" "$srcdir/bench/runstat.c"
RS=$TMP/runstat
export PINHOLE_STATE_DIR="$TMP/state"	# never the machine's /var/lib/pinhole

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
range() { sort -n | awk -v f="${1:-%.0f}" 'NR == 1 { lo = $1 } { hi = $1 } END { printf f "-" f, lo, hi }'; }
col() { awk -v c="$1" '{ print $c }' "$2"; }

# one run, inside its own namespace: $1 policy, $2 policy', $3 nft text
# of policy', $4 the kept element (nft syntax, without its comment), $5 its
# comment, $6 output dir
run() {
	cat >"$TMP/run.sh" <<'EOS'
set -e
P=$1 Q=$2 QN=$3 E=$4 C=$5 O=$6
elem_pkts() {
	nft list set inet pinhole pin6 |
		sed -n "s/.* counter packets \([0-9]*\) bytes [0-9]* comment \"$C\".*/\1/p"
}
"$PINHOLE" apply "$P" >/dev/null 2>&1
nft -f - <<EOF2
delete element inet pinhole pin6 { $E }
add element inet pinhole pin6 { $E counter packets 7 bytes 700 comment "$C" }
EOF2
# read back once (nothing to send): the record is of this generation again
"$PINHOLE" apply "$P" >/dev/null 2>&1
"$RS" -o "$O/i" -- "$PINHOLE" apply -v "$Q" 2>"$O/i.err" >/dev/null
grep -q 'apply: incremental: .*known from the state directory' "$O/i.err" ||
	{ cat "$O/i.err" >&2; exit 1; }
echo "$(elem_pkts)" >>"$O/kept"
"$PINHOLE" diff "$Q" >/dev/null 2>&1 || { echo "diff after incremental apply" >&2; exit 1; }
"$PINHOLE" apply "$P" >/dev/null 2>&1
nft add table inet bench_bump
nft delete table inet bench_bump
"$RS" -o "$O/r" -- "$PINHOLE" apply -v "$Q" 2>"$O/r.err" >/dev/null
grep -q 'apply: incremental: .*read back' "$O/r.err" || { cat "$O/r.err" >&2; exit 1; }
echo "$(elem_pkts)" >>"$O/kept"
"$PINHOLE" apply --full "$P" >/dev/null 2>&1
"$RS" -o "$O/f" -q -- "$PINHOLE" apply --full "$Q"
echo "$(elem_pkts)" >>"$O/zero"
"$PINHOLE" apply --full "$P" >/dev/null 2>&1
"$RS" -o "$O/n" -q -- nft -f "$QN"
EOS
	unshare -n env PINHOLE="$PINHOLE" RS="$RS" sh "$TMP/run.sh" "$@"
}

printf '| pinholes | incremental (ms) | incr, read (ms) | full (ms) | nft -f (ms) | incremental / full | incr, read / full | counters kept |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|:---|\n'
for N in "$@"; do
	P=$TMP/p$N.yaml Q=$TMP/q$N.yaml
	sh "$srcdir/bench/gen-policy.sh" "$N" >"$P"
	TPORT=5002 sh "$srcdir/bench/gen-policy.sh" "$N" >"$Q"
	"$PINHOLE" compile "$P" >"$TMP/p.nft" 2>/dev/null
	"$PINHOLE" compile "$Q" >"$TMP/q.nft" 2>/dev/null
	# the kept element: the first of set pin6 that the edit leaves alone
	line=$(awk '/^\tset pin6 \{/ { s = 1 } s && /comment "/ { print; exit }' "$TMP/p.nft")
	E=$(echo "$line" | sed 's/^[[:space:]]*//; s/ comment ".*//')
	C=$(echo "$line" | sed 's/.* comment "\([^"]*\)".*/\1/')
	[ -n "$E" ] && [ -n "$C" ] || { echo "bench/incr.sh: no element in pin6" >&2; exit 1; }
	for f in i r f n kept zero; do : >"$TMP/$f"; done
	i=0
	while [ $i -lt "$R" ]; do
		run "$P" "$Q" "$TMP/q.nft" "$E" "$C" "$TMP" ||
			{ echo "bench/incr.sh: run failed (N=$N)" >&2; exit 1; }
		i=$((i + 1))
	done
	paste "$TMP/i" "$TMP/f" | awk '{ print $6 ? $1 / $6 : 0 }' >"$TMP/ratio"
	paste "$TMP/r" "$TMP/f" | awk '{ print $6 ? $1 / $6 : 0 }' >"$TMP/ratio_r"
	kept=no
	[ "$(sort -u "$TMP/kept")" = 7 ] && [ "$(sort -u "$TMP/zero")" = 0 ] &&
		kept="yes (7 packets before, 7 after both; full: 0)"
	printf '| %d | %.0f [%s] | %.0f [%s] | %.0f [%s] | %.0f [%s] | %.2f [%s] | %.2f [%s] | %s |\n' "$N" \
		"$(col 1 "$TMP/i" | median)" "$(col 1 "$TMP/i" | range)" \
		"$(col 1 "$TMP/r" | median)" "$(col 1 "$TMP/r" | range)" \
		"$(col 1 "$TMP/f" | median)" "$(col 1 "$TMP/f" | range)" \
		"$(col 1 "$TMP/n" | median)" "$(col 1 "$TMP/n" | range)" \
		"$(median <"$TMP/ratio")" "$(range %.2f <"$TMP/ratio")" \
		"$(median <"$TMP/ratio_r")" "$(range %.2f <"$TMP/ratio_r")" "$kept"
done
echo
echo "medians of $R runs [min-max], wall time; each run in a fresh network namespace"
