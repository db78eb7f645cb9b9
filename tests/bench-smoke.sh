#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The benchmarks of bench/ at tiny sizes (TAP): they must run and print
# their tables, in a few seconds. Not a measurement: bench/load.sh and
# bench/dataplane.sh at full size are (see README "Performance"). Runs
# under `unshare -n -m` with a private /run/netns, so nothing it creates
# outlives it; skips when not root or without nft, ip or unshare.
#
# Environment: PINHOLE (the CLI), srcdir (set by make check).

: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${builddir:=$srcdir}"
: "${PINHOLE:=$builddir/src/pinhole}"

. "$srcdir/tests/lib.sh"
# shellcheck disable=SC2086 # CC may be a command line
in_netns_sandbox nft ip ${CC:-cc}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
export PINHOLE srcdir
export PINHOLE_STATE_DIR="$TMP/state"

echo "1..9"

sh "$srcdir/bench/gen-policy.sh" 400 >"$TMP/p.yaml"
"$PINHOLE" check "$TMP/p.yaml" >/dev/null 2>"$TMP/err"
ok $? "gen-policy.sh: 400 mixed pinholes pass pinhole check" "$TMP/err"

sh "$srcdir/bench/gen-policy.sh" 400 linear >"$TMP/l.nft"
unshare -n nft -c -f "$TMP/l.nft" 2>"$TMP/err"
ok $? "gen-policy.sh linear: nft accepts the one-rule-per-pinhole ruleset" "$TMP/err"

"$PINHOLE" compile "$TMP/p.yaml" 2>/dev/null |
	awk '/chain forward_wan/ { f = 1; next } f && /@/ { print } f && /^\t}/ { exit }' >"$TMP/order"
awk 'BEGIN { ok = 1 } /@(net6|pin6r|sfx[0-9]+r) / { iv = 1 } /@(pin6|sfx[0-9]+) / && iv { ok = 0 }
	END { exit !ok }' "$TMP/order"
ok $? "forward_wan: exact-match sets are looked up before interval sets" "$TMP/order"

R=1 R_BIG=1 sh "$srcdir/bench/load.sh" 60 >"$TMP/load" 2>&1
st=$?
grep -q '^| 60 | [0-9]' "$TMP/load" || st=1
ok $st "load.sh: apply, nft -f, check, compile, diff at 60 pinholes" "$TMP/load"

R=1 sh "$srcdir/bench/incr.sh" 60 >"$TMP/incr" 2>&1
st=$?
grep -q '^| 60 | [0-9].* | yes ' "$TMP/incr" || st=1
ok $st "incr.sh: one pinhole changed at 60 pinholes: incremental, counters kept" "$TMP/incr"

R=1 COUNT=3000 MS=200 sh "$srcdir/bench/dataplane.sh" 20 >"$TMP/dp" 2>&1
st=$?
# every configuration forwarded the flow (the last pinhole allows it)
awk -F'|' '/^\| 20 \|/ { for (i = 3; i <= 6; i++) if ($i + 0 <= 0) bad = 1; found = 1 }
	END { exit !(found && !bad) }' "$TMP/dp" || st=1
ok $st "dataplane.sh: (a)-(d) forward the flow of the last pinhole at 20 pinholes" "$TMP/dp"

MODE=newflow R=1 COUNT=2000 MS=200 sh "$srcdir/bench/dataplane.sh" 20 >"$TMP/dpn" 2>&1
st=$?
awk -F'|' '/^\| 20 \|/ { for (i = 3; i <= 6; i++) if ($i + 0 <= 0) bad = 1; found = 1 }
	END { exit !(found && !bad) }' "$TMP/dpn" || st=1
ok $st "dataplane.sh MODE=newflow: a new connection per packet gets through (a)-(d)" "$TMP/dpn"

R=1 COUNT=2000 MS=200 EXTRA=1 sh "$srcdir/bench/nat6.sh" 20 >"$TMP/nat6" 2>&1
st=$?
# every configuration forwarded new connections, all of them reached the
# server (br-lan may also have sent the router's own ND or MLD packet)
awk -F'|' '/^\| \([a-g]\)/ { if ($3 + 0 <= 0) bad = 1; n++ } /^\| [a-g]\/[a-g] \|/ { r++ }
	END { exit !(n == 7 && r == 7 && !bad) }' "$TMP/nat6" || st=1
awk '/the server received/ { if ($5 + 0 <= 0 || $5 > $8 || $5 < $8 - 8) bad = 1; n++ }
	END { exit !(n == 7 && !bad) }' "$TMP/nat6" || st=1
ok $st "nat6.sh: new IPv6 connections through (a)-(g), NAT in inet and in ip tables" "$TMP/nat6"
R=1 sh "$srcdir/bench/read.sh" 300 >"$TMP/read" 2>&1
st=$?
# one row: ~300 elements counted, the four ratios printed (diff found no
# difference, diff 1% found one: read.sh fails otherwise)
awk -F'|' '$2 + 0 >= 250 && $2 + 0 <= 350 && $6 ~ /^ [0-9]+\.[0-9][0-9] $/ &&
	$8 ~ /^ [0-9]+\.[0-9][0-9] $/ && $10 ~ /^ [0-9]+\.[0-9][0-9] $/ &&
	$12 ~ /^ [0-9]+\.[0-9][0-9] $/ { found = 1 }
	END { exit !found }' "$TMP/read" || st=1
ok $st "read.sh: status, status --json, diff and diff 1% against nft list table at 300 elements" "$TMP/read"
exit 0
