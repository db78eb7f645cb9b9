#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Kernel tests of the netlink backend (TAP). Everything runs in throw-away
# network namespaces: the script re-executes itself under `unshare -n -m`
# (root), every case gets a fresh `unshare -n` of its own, and the traffic
# case uses `ip netns` peers on a private /run/netns. Skips when not root,
# without unshare, or without nf_tables.
#
# Environment: PINHOLE (the CLI), srcdir, builddir (set by make check).
# The batch-rejection case uses tests/kernel/nlapply (hand-built IR the
# kernel refuses: masquerade in a filter chain, located at bad.yaml:7:5);
# the concurrency case uses the PINHOLE_TEST_PAUSE_BEFORE_COMMIT hook.

: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${builddir:=$srcdir}"
: "${PINHOLE:=$builddir/src/pinhole}"
NLAPPLY="$builddir/tests/kernel/nlapply"
K="$srcdir/tests/kernel"

. "$srcdir/tests/lib.sh"
in_netns_sandbox nft

TMP=$(mktemp -d)
NS_SRV="pinhole-test-$$-srv"
NS_CLI="pinhole-test-$$-cli"
cleanup() {
	ip netns del "$NS_SRV" 2>/dev/null
	ip netns del "$NS_CLI" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# in a fresh netns of its own
fresh() { unshare -n sh -c "$1"; }

table_of() { sed -n 's/^table inet \([^ ]*\) {$/\1/p' "$1" | head -n 1; }

# ---------------------------------------------------------------- per policy
for p in "$srcdir"/examples/*.yaml "$srcdir"/tests/golden/*.yaml; do
	[ -f "$p" ] || continue
	b=$(basename "$p")
	"$PINHOLE" compile "$p" >"$TMP/c.nft" 2>/dev/null || continue	# error cases
	t=$(table_of "$TMP/c.nft")
	fresh "nft -f '$TMP/c.nft' && nft list table inet '$t'" >"$TMP/nft.out" 2>&1
	fresh "'$PINHOLE' apply '$p' 2>/dev/null && nft list table inet '$t' &&
	       '$PINHOLE' diff '$p' >'$TMP/diff.out' 2>&1; echo \"diff-rc=\$?\" >'$TMP/diff.rc'" \
		>"$TMP/apply.out" 2>&1
	cmp -s "$TMP/nft.out" "$TMP/apply.out"
	ok $? "$b: nft -f of compile and apply list the same table"
	[ $? = 0 ] || diff -u "$TMP/nft.out" "$TMP/apply.out" | show
	grep -qx 'diff-rc=0' "$TMP/diff.rc" 2>/dev/null
	ok $? "$b: diff right after apply exits 0"
	[ $? = 0 ] || show "$TMP/diff.out"
done

# compile == apply through the decoder: what nft loads from `compile` (its
# own bytecode for the same text) reads back as the policy, no difference
for p in "$srcdir"/examples/*.yaml "$srcdir"/tests/golden/*.yaml "$K"/*.yaml; do
	[ -f "$p" ] || continue
	b=$(basename "$p")
	"$PINHOLE" compile "$p" >"$TMP/c.nft" 2>/dev/null || continue	# error cases
	fresh "nft -f '$TMP/c.nft' && '$PINHOLE' diff '$p' >'$TMP/diff.out' 2>&1;
	       echo \"diff-rc=\$?\" >'$TMP/diff.rc';
	       mkdir -m 700 '$TMP/st-$b' && '$PINHOLE' --state-dir '$TMP/st-$b' \
		apply -v --force '$p' >'$TMP/incr.out' 2>&1" >/dev/null 2>&1
	grep -qx 'diff-rc=0' "$TMP/diff.rc" 2>/dev/null
	ok $? "$b: diff after nft -f of compile exits 0"
	[ $? = 0 ] || show "$TMP/diff.out"
	# incremental apply finds every element nft wrote equal to the policy's
	grep -q 'apply: incremental: the live table is already this one' "$TMP/incr.out"
	ok $? "$b: apply -v over nft -f of compile is incremental and sends nothing"
	[ $? = 0 ] || show "$TMP/incr.out"
	rm -f "$TMP/diff.rc" "$TMP/incr.out"
done

A="$K/host-a.yaml"
B="$K/host-b.yaml"

# ---------------------------------------------------------------- diff
fresh "'$PINHOLE' diff '$A' >'$TMP/d0' 2>&1; echo \$? >'$TMP/rc'"
[ "$(cat "$TMP/rc")" = 1 ] && grep -q '^+table inet pinhole {' "$TMP/d0" && ! grep -q '^-[^-]' "$TMP/d0"
ok $? "diff against an absent table: exit 1, all additions"

fresh "'$PINHOLE' apply '$A' && '$PINHOLE' diff '$B' >'$TMP/d1' 2>&1; echo \$? >'$TMP/rc'"
[ "$(cat "$TMP/rc")" = 1 ] && grep -q '^--- live$' "$TMP/d1" &&
	grep -q "^+++ $B\$" "$TMP/d1" && grep -q '^+.*tcp \. 2222 comment "ssh"' "$TMP/d1" &&
	grep -q '^-.*tcp \. 22 comment "ssh"' "$TMP/d1"
ok $? "diff of a changed policy exits 1 and names the change"
[ $? = 0 ] || show "$TMP/d1"

fresh "'$PINHOLE' apply '$A' &&
       nft add rule inet pinhole input meta l4proto tcp th dport 9999 accept &&
       nft add rule inet pinhole input meta mark 0x10 accept &&
       '$PINHOLE' diff '$A' >'$TMP/d2' 2>&1; echo \$? >'$TMP/rc'"
[ "$(cat "$TMP/rc")" = 1 ] && grep -q '^-.*th dport 9999 accept' "$TMP/d2" &&
	grep -q '^-.*# not recognised:.*meta load mark' "$TMP/d2"
ok $? "rules added by hand show as removals, unknown ones as '# not recognised'"
[ $? = 0 ] || show "$TMP/d2"

# ------------------------------------------------- incremental apply, its record
# The state directory records where the table it published is live (boot,
# namespace cookie, generation). Another namespace at the same generation
# (both fresh: one commit each) is not that table: it is read back.
IS="$TMP/incr-state"
mkdir -m 700 "$IS"
"$PINHOLE" compile "$B" >"$TMP/b.nft" 2>/dev/null
fresh "'$PINHOLE' --state-dir '$IS' apply '$A' >/dev/null 2>&1"
fresh "nft -f '$TMP/b.nft' && '$PINHOLE' --state-dir '$IS' apply -v '$A' >'$TMP/i1' 2>&1 &&
       '$PINHOLE' --state-dir '$IS' diff '$A' >>'$TMP/i1' 2>&1; echo \$? >'$TMP/rc'"
[ "$(cat "$TMP/rc")" = 0 ] && grep -q 'apply: incremental: .*table read back' "$TMP/i1"
ok $? "incremental apply in another namespace at the same generation reads the table back"
[ $? = 0 ] || show "$TMP/i1"
fresh "'$PINHOLE' --state-dir '$IS' apply '$B' >/dev/null 2>&1 &&
       '$PINHOLE' --state-dir '$IS' apply -v '$A' >'$TMP/i2' 2>&1 &&
       nft add rule inet pinhole input meta l4proto tcp th dport 9999 accept &&
       '$PINHOLE' --state-dir '$IS' apply -v '$B' >>'$TMP/i2' 2>&1 &&
       '$PINHOLE' --state-dir '$IS' diff '$B' >>'$TMP/i2' 2>&1; echo \$? >'$TMP/rc'"
[ "$(cat "$TMP/rc")" = 0 ] &&
	grep -q 'apply: incremental: .*table known from the state directory' "$TMP/i2" &&
	grep -q 'apply: full replace (more than set elements differ' "$TMP/i2"
ok $? "the record is used while nothing committed; a rule added by hand since: read, full replace"
[ $? = 0 ] || show "$TMP/i2"

# ---------------------------------------------------------------- foreign objects
# Objects added by hand that pinhole cannot represent exactly (issue 12,
# items 1 and 3): diff shows each as a '# foreign:' line and exits 1, and
# apply --confirm refuses up front (exit 3), writing and loading nothing,
# since its rollback could not restore them.
foreign_case() {	# NAME NFT-COMMANDS EXPECTED-LINE...
	name=$1 cmds=$2
	shift 2
	rm -rf "$TMP/fstate" && mkdir "$TMP/fstate"
	fresh "'$PINHOLE' apply '$A' && $cmds &&
	       nft list ruleset >'$TMP/before' &&
	       { '$PINHOLE' diff '$A' >'$TMP/fd' 2>&1; echo \$? >'$TMP/frc'; } &&
	       { '$PINHOLE' --state-dir '$TMP/fstate' apply '$B' --confirm 2 >'$TMP/fa' 2>&1;
		 echo \$? >'$TMP/farc'; } &&
	       nft list ruleset >'$TMP/after'"
	r=0
	[ "$(cat "$TMP/frc" 2>/dev/null)" = 1 ] || r=1
	for l in "$@"; do
		grep -qxF -- "-	# foreign: $l" "$TMP/fd" || r=1
	done
	ok $r "$name: diff exits 1 and shows it as '# foreign:'"
	[ $r = 0 ] || show "$TMP/fd"
	r=0
	[ "$(cat "$TMP/farc" 2>/dev/null)" = 3 ] &&
		grep -qF "error: table inet pinhole holds objects pinhole cannot restore ($1" "$TMP/fa" &&
		cmp -s "$TMP/before" "$TMP/after" &&
		[ -z "$(ls "$TMP/fstate" | grep -v '^lock$')" ] || r=1
	ok $r "$name: apply --confirm refuses (exit 3), nothing changed or saved"
	[ $r = 0 ] || show "$TMP/fa"
}
foreign_case "verdict map" \
	"nft add map inet pinhole vm '{ type ipv6_addr : verdict; }' &&
	 nft add element inet pinhole vm '{ ::1 : accept }'" 'map "vm"'
foreign_case "named counter and quota" \
	"nft add counter inet pinhole cx &&
	 nft add quota inet pinhole qx '{ over 10 mbytes }'" 'counter "cx"' 'quota "qx"'
foreign_case "sets of other types" \
	"nft add set inet pinhole es '{ type ether_addr; }' &&
	 nft add map inet pinhole mm '{ type mark : ipv4_addr; }' &&
	 nft add set inet pinhole pp '{ type ipv6_addr . ipv6_addr; }'" \
	'set "es"' 'map "mm"' 'set "pp"'
foreign_case "set flags" \
	"nft add set inet pinhole ts '{ type ipv6_addr; flags timeout; }' &&
	 nft add set inet pinhole dy '{ type ipv6_addr; flags dynamic; }' &&
	 nft add set inet pinhole am '{ type ipv6_addr; flags interval; auto-merge; }'" \
	'set "ts"' 'set "dy"' 'set "am"'
foreign_case "dormant table" \
	"nft add table inet pinhole '{ flags dormant; }'" 'table flags dormant'

# a set pinhole can hold exactly is no obstacle: removed by diff, kept by rollback
fresh "'$PINHOLE' apply '$A' && nft add set inet pinhole ok6 '{ type ipv6_addr; }' &&
       nft add element inet pinhole ok6 '{ 2001:db8::1 }' &&
       '$PINHOLE' diff '$A' >'$TMP/fd' 2>&1; echo \$? >'$TMP/frc'"
[ "$(cat "$TMP/frc")" = 1 ] && grep -qx -- '-	set ok6 {' "$TMP/fd" &&
	! grep -q foreign "$TMP/fd"
ok $? "a hand-added set of a type pinhole builds shows as itself, not foreign"
[ $? = 0 ] || show "$TMP/fd"

# ---------------------------------------------------------------- atomicity
fresh "'$PINHOLE' apply '$A' && nft list ruleset >'$TMP/before' &&
       { '$NLAPPLY' bad 2>'$TMP/err'; echo \$? >'$TMP/rc'; } ;
       nft list ruleset >'$TMP/after'"
[ "$(cat "$TMP/rc")" = 3 ] && cmp -s "$TMP/before" "$TMP/after"
ok $? "a batch the kernel rejects leaves the previous table byte-identical"
grep -qx "bad.yaml:7:5: error: kernel rejected rule: Operation not supported (chain 'input')" "$TMP/err"
ok $? "the rejection is reported at the policy node (FILE:LINE:COL)"
[ $? = 0 ] || show "$TMP/err"
fresh "'$NLAPPLY' compiled '$K/from.yaml' 2>'$TMP/err'; echo \$? >'$TMP/rc'"
[ "$(cat "$TMP/rc")" = 3 ] &&
	grep -qx "$K/from.yaml:5:5: error: kernel rejected rule: Operation not supported (chain 'input')" "$TMP/err"
ok $? "a compiled rule's rejection names the policy line after the policy is freed"
[ $? = 0 ] || show "$TMP/err"
fresh "'$NLAPPLY' bad-builtin 2>'$TMP/err'; nft list tables >'$TMP/tables'"
grep -q '^pinhole: error: kernel rejected rule: ' "$TMP/err" && ! [ -s "$TMP/tables" ]
ok $? "a built-in rule's rejection says 'pinhole: error:'; nothing is left behind"

fresh "'$PINHOLE' apply '$A' && nft list ruleset >'$TMP/before' &&
       { PINHOLE_TEST_PAUSE_BEFORE_COMMIT=2 '$PINHOLE' apply '$B' 2>'$TMP/err' &
         sleep 1; nft add table inet intruder; wait \$!; echo \$? >'$TMP/rc'; } ;
       nft delete table inet intruder; nft list ruleset >'$TMP/after'"
[ "$(cat "$TMP/rc")" = 3 ] && grep -q 'the ruleset changed while pinhole was working; nothing was changed' "$TMP/err" &&
	cmp -s "$TMP/before" "$TMP/after"
ok $? "a change between read and commit is refused; nothing changes"
[ $? = 0 ] || show "$TMP/err"

# ---------------------------------------------------------------- other tables
fresh "nft add table ip keep && nft add chain ip keep c '{ type filter hook input priority 10; }' &&
       nft add rule ip keep c tcp dport 7 counter drop && nft list table ip keep >'$TMP/k1' &&
       '$PINHOLE' apply '$A' && '$PINHOLE' apply '$B' && nft list table ip keep >'$TMP/k2' &&
       '$PINHOLE' flush && nft list tables >'$TMP/tables' &&
       '$PINHOLE' flush; echo \$? >'$TMP/rc'"
cmp -s "$TMP/k1" "$TMP/k2"
ok $? "apply leaves other tables alone"
[ "$(cat "$TMP/tables")" = "table ip keep" ]
ok $? "flush removes only pinhole's table"
[ "$(cat "$TMP/rc")" = 0 ]
ok $? "flush of an absent table succeeds"

fresh "'$PINHOLE' status >'$TMP/s' 2>&1; echo \$? >'$TMP/rc'"
[ "$(cat "$TMP/rc")" = 1 ]
ok $? "status of an absent table exits 1"

# ---------------------------------------------------------------- big sets
fresh "'$NLAPPLY' big 100000 >'$TMP/big' 2>&1"
[ "$(cat "$TMP/big")" = 100000 ]
ok $? "a 100k-element set applies and reads back whole"
[ $? = 0 ] || show "$TMP/big"

# ---------------------------------------------------------------- traffic
if ip netns add "$NS_SRV" && ip netns add "$NS_CLI" &&
   ip link add veth-s netns "$NS_SRV" type veth peer name veth-c netns "$NS_CLI" &&
   ip -n "$NS_SRV" addr add 2001:db8:77::1/64 dev veth-s nodad &&
   ip -n "$NS_CLI" addr add 2001:db8:77::2/64 dev veth-c nodad &&
   ip -n "$NS_SRV" link set veth-s up && ip -n "$NS_CLI" link set veth-c up &&
   ip -n "$NS_SRV" link set lo up && ip -n "$NS_CLI" link set lo up; then
	"$PINHOLE" --netns "$NS_SRV" apply "$A"
	ok $? "apply --netns NAME"
	# three bounded TCP connection attempts to the allowed port 80
	for i in 1 2 3; do
		ip netns exec "$NS_CLI" timeout 2 bash -c 'exec 3<>/dev/tcp/2001:db8:77::1/80' 2>/dev/null
	done
	"$PINHOLE" --netns "$NS_SRV" status --json >"$TMP/st" 2>&1
	python3 -c 'import json, sys
p = [x for x in json.load(open(sys.argv[1]))["pinholes"] if x["name"] == "web"][0]
sys.exit(not (p["host"] == "self" and p["proto"] == ["tcp", "udp"] and
	      p["ports"] == ["80"] and p["packets"] > 0))' "$TMP/st"
	ok $? "status counts real packets for the pinhole they hit"
	[ $? = 0 ] || show "$TMP/st"
	"$PINHOLE" --netns "$NS_SRV" status >"$TMP/st2" 2>&1 && grep -q '^web ' "$TMP/st2"
	ok $? "status prints a table"
else
	ok 1 "set up a veth pair between two namespaces"
fi

echo "1..$n"
[ "$failed" = 0 ]
