#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The pinhole authors.
#
# Read benchmark: `pinhole status`, `pinhole status --json` and `pinhole
# diff` against `nft list table inet pinhole` of the same loaded table, at
# E set elements (issue 16 target: status and diff <= 1.5 x nft list at
# 400,000 elements). For each E, a bench/gen-policy.sh policy is generated
# with as many pinholes as give about E set elements (the pinholes per
# element are measured on a 10,000-pinhole compile), and each run loads it
# into a fresh `unshare -n` network namespace (root only; nothing touches
# this machine's own ruleset), then times, in that namespace and back to
# back, the four reads. Prints one row per E, medians of R runs (wall time,
# bench/runstat):
#
#   elements    the set and map elements `nft list table` prints (counted)
#   list        nft list table inet pinhole >/dev/null
#   status      pinhole status >/dev/null             (and its ratio to list)
#   json        pinhole status --json >/dev/null      (and its ratio to list)
#   diff        pinhole diff POLICY (must find no difference; parses,
#               validates and compiles the policy too) (and its ratio)
#   diff 1%     pinhole diff of the policy without every 100th pinhole
#               (must find the difference) (and its ratio)
#   us/elem     microseconds per element of status, diff and list: equal
#               along the column when the read is linear in the elements
#   user us/elem  the same for the user-space CPU time of status and diff
#               (the rest is the kernel's: each 32 KiB dump message of a
#               set makes the kernel walk the set from its first element
#               again to skip what it sent, so the kernel's share, the same
#               for nft list, grows with the square of a set's size)
#
# Each ratio is the median of the runs' own ratios (the reads of a run are
# back to back, so on a shared machine they drift together). Run it under
# the shared bench lock: flock /tmp/pinhole-bench.lock sh bench/read.sh
#
# The mix: gen-policy.sh's mix has ~1.6 elements per pinhole and ~100
# bytes of YAML per pinhole, so 400,000 elements would need a 25 MiB policy
# of 2 million YAML values, past pinhole's input limits (16 MiB, 1,000,000
# values; pinhole.yaml(5)). MIX=dense (the default) keeps gen-policy.sh's
# hosts (exact, suffix, subnet, dual) and its ranges and lists, but opens
# every pinhole that is not a port forward to both tcp and udp, and turns
# each single port P into the list [P, P+1000, P+2000]: ~5 elements per
# pinhole, 400,000 elements in a 9 MiB policy. MIX=plain is gen-policy.sh's
# own output (up to ~150,000 elements).
#
#   bench/read.sh [E...]          default: 100000 200000 400000
#   R=3                           runs per E
#   MIX=dense|plain               default: dense
#   PINHOLE=path/to/pinhole       default: ./src/pinhole
#   srcdir=path/to/source         default: the directory above this script
set -e
: "${PINHOLE:=./src/pinhole}"
: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${R:=3}"
: "${MIX:=dense}"
[ $# -gt 0 ] || set -- 100000 200000 400000
[ "$(id -u)" = 0 ] || { echo "bench/read.sh: needs root (unshare -n)" >&2; exit 77; }
command -v nft >/dev/null || { echo "bench/read.sh: needs nft" >&2; exit 77; }
unshare -n true 2>/dev/null || { echo "bench/read.sh: unshare -n failed" >&2; exit 77; }
case $PINHOLE in /*) ;; *) PINHOLE=$(pwd)/$PINHOLE ;; esac

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
${CC:-cc} -O2 -o "$TMP/runstat" "$srcdir/bench/runstat.c"
RS=$TMP/runstat
export PINHOLE_STATE_DIR="$TMP/state"	# never the machine's /var/lib/pinhole

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
col() { awk -v c="$1" '{ print $c }' "$2" | median; }	# median of a column
# elements of an nft listing: the lines of its "elements = { ... }" blocks
count='/elements = \{/ { f = 1 } f { n++ } f && /\}$/ { f = 0 } END { print n + 0 }'

# gen-policy.sh N, in the mix MIX
gen() {
	if [ "$MIX" = plain ]; then
		sh "$srcdir/bench/gen-policy.sh" "$1"
	else
		sh "$srcdir/bench/gen-policy.sh" "$1" | awk '
		/^hosts:/ { sec = "h" } /^pinholes:/ { sec = "p" }
		sec == "h" && /^  [^ ]/ { h = $1; sub(/:$/, "", h) }
		sec == "h" && /^    ipv4:/ { dual[h] = 1 }
		sec == "p" && /^    host:/ { d = dual[$2] }
		sec == "p" && !d && /^    proto:/ { next }
		sec == "p" && !d && /^    ports:/ {
			print "    proto: [tcp, udp]"
			if ($2 ~ /^[0-9]+$/) {
				printf "    ports: [%d, %d, %d]\n", $2, $2 + 1000, $2 + 2000
				next
			}
		}
		{ print }'
	fi
}

# elements per 10,000 pinholes of the mix
gen 10000 >"$TMP/p10k.yaml"
"$PINHOLE" compile "$TMP/p10k.yaml" 2>/dev/null >"$TMP/p10k.nft"
per10k=$(awk "$count" "$TMP/p10k.nft")
[ "$per10k" -gt 0 ] || { echo "bench/read.sh: no elements in a compile" >&2; exit 1; }

# one run in the current (fresh) network namespace: load, then the reads
cat >"$TMP/run.sh" <<'EOF'
set -e
PINHOLE=$1 RS=$2 P=$3 T=$4 PX=$5
"$PINHOLE" apply "$P" >/dev/null 2>&1
nft list table inet pinhole >"$T/listing"
"$RS" -o "$T/l" -q -- nft list table inet pinhole
"$RS" -o "$T/s" -q -- "$PINHOLE" status
"$RS" -o "$T/j" -q -- "$PINHOLE" status --json
"$RS" -o "$T/d" -q -- "$PINHOLE" diff "$P" || {
	echo "bench/read.sh: diff after apply found a difference" >&2; exit 1; }
st=0
"$RS" -o "$T/x" -q -- "$PINHOLE" diff "$PX" || st=$?
[ "$st" = 1 ] || { echo "bench/read.sh: diff 1% exited $st, not 1" >&2; exit 1; }
EOF

printf '| elements | pinholes | nft list (ms) | status (ms) | status / list | status --json (ms) | json / list | diff (ms) | diff / list | diff 1%% (ms) | diff 1%% / list | us/elem status | us/elem diff | us/elem list | user us/elem status | user us/elem diff |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for E in "$@"; do
	N=$(( (E * 10000 + per10k / 2) / per10k ))
	P=$TMP/p$E.yaml
	gen "$N" >"$P"
	awk '/^pinholes:/ { p = 1 } p && /^  - name: p/ { skip = substr($3, 2) % 100 == 50 }
		!(p && skip) { print }' "$P" >"$TMP/x$E.yaml"
	for f in l s j d x; do : >"$TMP/$f"; done
	i=0
	while [ $i -lt "$R" ]; do
		unshare -n sh "$TMP/run.sh" "$PINHOLE" "$RS" "$P" "$TMP" "$TMP/x$E.yaml" || {
			echo "bench/read.sh: a run failed (E=$E); run it by hand to see why" >&2
			exit 1; }
		i=$((i + 1))
	done
	els=$(awk "$count" "$TMP/listing")
	paste "$TMP/l" "$TMP/s" "$TMP/j" "$TMP/d" "$TMP/x" |
		awk '{ print ($1 ? $6 / $1 : 0), ($1 ? $11 / $1 : 0), ($1 ? $16 / $1 : 0),
			($1 ? $21 / $1 : 0) }' >"$TMP/ratio"
	awk -v e="$els" -v n="$N" -v l="$(col 1 "$TMP/l")" -v s="$(col 1 "$TMP/s")" \
	    -v j="$(col 1 "$TMP/j")" -v d="$(col 1 "$TMP/d")" \
	    -v rs="$(col 1 "$TMP/ratio")" -v rj="$(col 2 "$TMP/ratio")" \
	    -v rd="$(col 3 "$TMP/ratio")" \
	    -v x="$(col 1 "$TMP/x")" -v rx="$(col 4 "$TMP/ratio")" \
	    -v us="$(col 2 "$TMP/s")" -v ud="$(col 2 "$TMP/d")" 'BEGIN {
		printf "| %d | %d | %.0f | %.0f | %.2f | %.0f | %.2f | %.0f | %.2f | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n",
			e, n, l, s, rs, j, rj, d, rd, x, rx,
			s * 1000 / e, d * 1000 / e, l * 1000 / e,
			us * 1000 / e, ud * 1000 / e }'
	# min/max of each read, for the spread
	for f in l s j d x; do
		awk -v f="$f" '{ v = $1; if (NR == 1 || v < lo) lo = v; if (NR == 1 || v > hi) hi = v }
			END { printf "%s %.0f-%.0f ", f, lo, hi }' "$TMP/$f"
	done >"$TMP/spread$E"
done
echo
echo "mix $MIX; medians of $R runs, wall time, each run in a fresh network namespace; min-max (ms):"
for E in "$@"; do
	printf '  %s elements: %s\n' "$E" "$(cat "$TMP/spread$E")" |
		sed 's/ l / list /; s/ s / status /; s/ j / json /; s/ d / diff /; s/ x / diff 1% /'
done
