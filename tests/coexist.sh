#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Living with other firewalls (SPEC §6.6), TAP: apply and status warn about
# other tables that drop or reject on the hooks pinhole filters, and only
# about those; status exits 1 when the table is not loaded; a policy whose
# `table:` changed deletes the table loaded before in the same batch (also
# when it was already deleted by hand, and undone by an unconfirmed
# apply --confirm), and flush deletes it too; after
# nftables.service's `flush ruleset`, `apply --boot` brings the table back.
#
# Everything runs in throw-away network namespaces: the script re-executes
# itself under `unshare -n -m` with a private /run/netns, and every case
# gets an `ip netns` namespace and a state directory of its own.
# Skips (1..0 # SKIP) when not root, without unshare/nft/ip, or without
# nf_tables; with CI=true a skip is a failure.

: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${builddir:=$srcdir}"
: "${PINHOLE:=$builddir/src/pinhole}"
C="$srcdir/tests/coexist"
unset PINHOLE_STATE_DIR		# every call names its own --state-dir

. "$srcdir/tests/lib.sh"
in_netns_sandbox nft ip

TMP=$(mktemp -d)
NSLIST=""
MON=""
cleanup() {
	[ -n "$MON" ] && kill "$MON" 2>/dev/null
	# a pending apply --confirm: confirm stops its timer
	for d in "$TMP"/*.state; do
		[ -d "$d" ] && "$PINHOLE" --state-dir "$d" confirm >/dev/null 2>&1
	done
	for ns in $NSLIST; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# newcase NAME: a netns and a state dir for one case; sets NS and SD
newcase() {
	NS="pinhole-coexist-$$-$1"
	SD="$TMP/$1.state"
	ip netns add "$NS" || { echo "Bail out! ip netns add $NS"; exit 1; }
	NSLIST="$NSLIST $NS"
}
ph() { "$PINHOLE" --netns "$NS" --state-dir "$SD" "$@"; }
nft_in() { ip netns exec "$NS" nft "$@"; }
tables() { nft_in list tables | tr '\n' ' ' | sed 's/ $//'; }
# warnings FILE: the other-table warnings in FILE
warnings() { grep '^pinhole: warning: table ' "$1"; }
tail_msg="what pinhole accepts can still be dropped there"

A="$C/table-a.yaml"
B="$C/table-b.yaml"

# ------------------------------------------------------- other tables
newcase fw4
nft_in -f "$C/fw4-drop.nft"
want="pinhole: warning: table inet fw4 also filters forward (priority 0, policy drop); $tail_msg"
ph apply "$A" >"$TMP/out" 2>"$TMP/err"
ok $? "apply beside fw4 succeeds" "$TMP/err"
[ "$(warnings "$TMP/err")" = "$want" ]
ok $? "apply warns about fw4's forward chain, policy drop" "$TMP/err"
ph status >"$TMP/out" 2>"$TMP/err"
ok $? "status of the loaded table exits 0" "$TMP/err"
[ "$(warnings "$TMP/err")" = "$want" ]
ok $? "status warns about fw4's forward chain, policy drop" "$TMP/err"
grep -q '^ssh ' "$TMP/out"
ok $? "status without --table shows the table pinhole loaded (inet pha)" "$TMP/out"

newcase rules
nft_in -f "$C/by-rule.nft"
ph apply "$A" >"$TMP/out" 2>"$TMP/err"
ok $? "apply beside tables that drop by rule succeeds" "$TMP/err"
cat >"$TMP/want" <<EOF
pinhole: warning: table ip filter also filters input (priority -10, rejects by rule); $tail_msg
pinhole: warning: table ip filter also filters forward (priority 5, drops by rule); $tail_msg
EOF
warnings "$TMP/err" | sort >"$TMP/got"
sort "$TMP/want" | cmp -s - "$TMP/got"
ok $? "a reject through jump and goto, and a drop rule, are named; output, bridge and an accepting nat chain are not" "$TMP/err"

newcase accept
nft_in -f "$C/accept-only.nft"
ph apply "$A" >"$TMP/out" 2>"$TMP/err"
ok $? "apply beside a table that only accepts succeeds" "$TMP/err"
[ ! -s "$TMP/err" ]
ok $? "apply beside a table that only accepts says nothing" "$TMP/err"
ph status >"$TMP/out" 2>"$TMP/err"
[ $? = 0 ] && [ ! -s "$TMP/err" ]
ok $? "status beside a table that only accepts says nothing" "$TMP/err"

# ------------------------------------------------------- status
newcase none
ph status >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc = 1 ]
ok $? "status with no table loaded exits 1 (got $rc)" "$TMP/err"
[ "$(cat "$TMP/err")" = "pinhole: table inet pinhole is not loaded" ] && [ ! -s "$TMP/out" ]
ok $? "status with no table loaded says so in one line" "$TMP/err"
ph status --json >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc = 1 ]
ok $? "status --json with no table loaded exits 1 (got $rc)" "$TMP/err"

# ------------------------------------------------------- a renamed table
newcase rename
ph apply "$A" 2>"$TMP/err" && [ "$(tables)" = "table inet pha" ]
ok $? "apply of table: pha loads inet pha" "$TMP/err"
[ "$(cat "$SD/loaded.table" 2>/dev/null)" = pha ] &&
	[ "$(stat -c %a "$SD/loaded.table")" = 600 ]
ok $? "the state directory remembers pha (loaded.table, 0600)"
ip netns exec "$NS" nft monitor >"$TMP/mon" 2>&1 &
MON=$!
sleep 0.5
ph apply "$B" 2>"$TMP/err"
ok $? "apply of table: phb succeeds" "$TMP/err"
sleep 0.5
kill "$MON" 2>/dev/null
wait "$MON" 2>/dev/null
MON=""
[ "$(tables)" = "table inet phb" ]
ok $? "after the rename, inet pha is gone and inet phb is loaded"
[ $? = 0 ] || nft_in list tables | show
# nft monitor: every event of one commit, then its "# new generation" line
awk '/^# new generation/ { n++; next } /^delete table inet pha$/ { d = n + 1 }
     /^add table inet phb$/ { a = n + 1 }
     END { exit !(n == 1 && d == 1 && a == 1) }' "$TMP/mon"
ok $? "pha is deleted in the same commit that creates phb"
[ $? = 0 ] || grep -v "^[a-z]* \(rule\|set\|element\|chain\)" "$TMP/mon" | show
[ "$(cat "$SD/loaded.table" 2>/dev/null)" = phb ]
ok $? "the state directory now remembers phb"
nft_in delete table inet phb
ph apply "$A" 2>"$TMP/err" && [ "$(tables)" = "table inet pha" ]
ok $? "a rename when the old table was deleted by hand works" "$TMP/err"
nft_in -f "$C/accept-only.nft"
ph flush 2>"$TMP/err" && [ "$(tables)" = "table inet filter" ]
ok $? "flush deletes the table pinhole loaded (inet pha), nothing else" "$TMP/err"
[ $? = 0 ] || nft_in list tables | show

# a rename under apply --confirm: the rollback brings the old table back
# and deletes the new one
newcase confirm
ph apply "$A" 2>"$TMP/err" && nft_in -s list table inet pha >"$TMP/before"
ok $? "apply of table: pha" "$TMP/err"
ph apply --confirm 1 "$B" >/dev/null 2>"$TMP/err" && [ "$(tables)" = "table inet phb" ]
ok $? "apply --confirm of table: phb replaces inet pha" "$TMP/err"
i=0
while [ $i -lt 50 ] && [ "$(tables)" != "table inet pha" ]; do
	sleep 0.2
	i=$((i + 1))
done
[ "$(tables)" = "table inet pha" ] && nft_in -s list table inet pha | cmp -s - "$TMP/before"
ok $? "unconfirmed, the rollback restores inet pha and deletes inet phb"
[ $? = 0 ] || nft_in list tables | show
[ "$(cat "$SD/loaded.table" 2>/dev/null)" = pha ]
ok $? "the state directory remembers pha again"

# ------------------------------------------------------- nftables.service
# Debian's nftables.service: `nft -f /etc/nftables.conf`, which begins
# with `flush ruleset`; then pinhole.service (After=, PartOf=) runs
# `apply --boot` again.
newcase flushboot
ph apply "$A" 2>"$TMP/err" && nft_in -s list ruleset >"$TMP/before"
ok $? "apply" "$TMP/err"
printf 'flush ruleset\n' | cat - "$C/accept-only.nft" >"$TMP/nftables.conf"
nft_in -f "$TMP/nftables.conf" && [ "$(tables)" = "table inet filter" ]
ok $? "nftables.service's flush ruleset removes pinhole's table"
ph apply --boot "$A" 2>"$TMP/err" && nft_in -s list table inet pha >"$TMP/after" &&
	nft_in -s list table inet filter >/dev/null
ok $? "apply --boot after it loads the table again, beside nftables.conf's" "$TMP/err"
sed -n '/^table inet pha {$/,/^}$/p' "$TMP/before" | cmp -s - "$TMP/after"
ok $? "the table is the same as before the flush" "$TMP/after"
nft_in flush ruleset
ph apply --boot "$srcdir/tests/boot/broken.yaml" >/dev/null 2>"$TMP/err"
rc=$?
[ $rc = 2 ] && nft_in -s list table inet pha >"$TMP/after" 2>&1 &&
	sed -n '/^table inet pha {$/,/^}$/p' "$TMP/before" | cmp -s - "$TMP/after"
ok $? "with a broken policy, apply --boot after a flush restores the last good table (exit $rc)" "$TMP/err"

echo "1..$n"
[ "$failed" = 0 ]
