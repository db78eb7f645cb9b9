#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `pinhole status` output (TAP), in a throw-away network namespace (see
# in_netns_sandbox in tests/lib.sh): the table of tests/kernel/status.yaml
# is compiled, its "esc" comments are replaced by bytes a terminal would
# obey (another tool may write any comment), and it is loaded with nft -f.
# Checks that no such byte reaches the output, plain or JSON, that a
# suffix host prints in fw4's notation, and that the columns stay aligned
# when a cell is wider than its column's default width; then the log rules
# of golden 162-host-log.
#
# Environment: PINHOLE (the CLI), srcdir, builddir (set by make check).

: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${builddir:=$srcdir}"
: "${PINHOLE:=$builddir/src/pinhole}"

. "$srcdir/tests/lib.sh"
in_netns_sandbox nft

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

esc=$(printf '\033') bel=$(printf '\007') c1=$(printf '\302\233') bad=$(printf '\377')
"$PINHOLE" compile "$srcdir/tests/kernel/status.yaml" >"$TMP/c.nft" &&
	sed "s/comment \"esc\"/comment \"e${esc}[31ms${bel}c\\\\${c1}${bad}\"/" \
		"$TMP/c.nft" >"$TMP/esc.nft" && nft -f "$TMP/esc.nft"
ok $? "the table loads with nft -f" || exit 1

"$PINHOLE" status >"$TMP/plain" 2>"$TMP/err"
ok $? "status exits 0" "$TMP/err"
LC_ALL=C grep -q '[^ -~]' "$TMP/plain"
[ $? = 1 ]
ok $? "plain status prints nothing but printable ASCII" "$TMP/plain"
grep -q '^e\\x1b\[31ms\\x07c\\\\\\xc2\\x9b\\xff ' "$TMP/plain"
ok $? "plain status escapes the bytes of a comment, a backslash too" "$TMP/plain"

"$PINHOLE" status --json >"$TMP/json" 2>"$TMP/err"
grep -q '"name":"e\\u001b\[31ms\\u0007c\\\\\\u009b\\ufffd"' "$TMP/json"
ok $? "JSON status escapes control characters, C1 too, and invalid UTF-8" "$TMP/json"

grep -q '^nas-web  *::1234:5678/-64 ' "$TMP/plain" && ! grep -q '18\.52\.86\.120' "$TMP/plain"
ok $? "a suffix host prints as ::1234:5678/-64, never dotted-quad" "$TMP/plain"

# the column of PROTO, PACKETS in the header = where every row has them
awk 'NR == 3 { p = index($0, " PROTO ") + 1; q = index($0, "PACKETS") + 7 }
     NR > 3 && NF == 0 { exit }
     NR > 3 && (substr($0, p - 1, 1) != " " || substr($0, p, 1) == " " ||
		substr($0, q, 1) != " " || substr($0, q - 1, 1) == " ") { bad = 1 }
     END { exit bad || !p }' "$TMP/plain"
ok $? "a HOST wider than the column widens it; the columns stay aligned" "$TMP/plain"

# log rules (SPEC 6.3): counted and listed with their prefix, apart from the
# drops; one added by hand without a counter shows "-" / null
nft flush ruleset && "$PINHOLE" compile "$srcdir/tests/golden/162-host-log.yaml" |
	nft -f - && nft add rule inet pinhole input log prefix '"by hand: "'
ok $? "golden 162-host-log loads, plus a log rule without a counter"
"$PINHOLE" status >"$TMP/plain" 2>"$TMP/err"
grep -qx '6 log rules' "$TMP/plain" &&
	grep -q '^input  *#[0-9]*  *"pinhole: ssh: "  *0  *0$' "$TMP/plain" &&
	grep -q '^input  *#[0-9]*  *"pinhole: input: "  *0  *0$' "$TMP/plain" &&
	grep -q '^input  *#[0-9]*  *"by hand: "  *-  *-$' "$TMP/plain" &&
	! sed -n '/^DROPPED IN/,/^$/p' "$TMP/plain" | grep -q 'log'
ok $? "plain status counts 6 log rules and lists each with its prefix, none among the drops" "$TMP/plain"
"$PINHOLE" status --json >"$TMP/json" 2>"$TMP/err"
grep -q '"log_rules":6,"logged":\[{' "$TMP/json" &&
	grep -q '"prefix":"pinhole: admin: ","packets":0,"bytes":0}' "$TMP/json" &&
	grep -q '"prefix":"by hand: ","packets":null,"bytes":null}' "$TMP/json"
ok $? "JSON status: log_rules and logged, packets null without a counter" "$TMP/json"

echo "1..$n"
[ "$failed" = 0 ]
