#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `diff --json` and `status --json` (SPEC §6.7), TAP, in a throw-away
# network namespace (in_netns_sandbox in tests/lib.sh). Every assertion
# parses the output with python3's json module: against an empty kernel
# every pinhole is added; after apply nothing changed; a changed port puts
# the pinhole in removed (old) and added (new), a deleted pinhole only in
# removed; a rule added by hand is in "other"; status lists are arrays.
#
# Environment: PINHOLE (the CLI), srcdir, builddir (set by make check).

: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${builddir:=$srcdir}"
: "${PINHOLE:=$builddir/src/pinhole}"

. "$srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || skip "no python3"
in_netns_sandbox nft

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

ph() { "$PINHOLE" --state-dir "$TMP/state" "$@"; }

# js FILE EXPR: EXPR (python, the parsed JSON is d) is true
js() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
names = lambda l: sorted(p["name"] for p in l)
one = lambda l, n: [p for p in l if p["name"] == n][0]
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$@" 2>>"$TMP/pyerr"
}

# run NAME ARGS...: stdout to $TMP/NAME, stderr to $TMP/NAME.err, rc in $rc
run() {
	out=$1
	shift
	ph "$@" >"$TMP/$out" 2>"$TMP/$out.err"
	rc=$?
}

cat >"$TMP/a.yaml" <<'Y'
version: 1
zones:
  wan:
    interfaces: [wan0]
  lan:
    interfaces: [br-lan]
hosts:
  web:
    ipv6: 2001:db8:1:2::80
    ipv4: 192.168.1.5
  nas:
    ipv6: "::1234:5678/-64"
pinholes:
  - name: web-https
    host: web
    proto: [tcp, udp]
    ports: [443]
  - host: web
    ports: [80, 8000-8999]
    family: ipv6
  - host: nas
    proto: udp
    ports: 27015-27030
  - name: router-ssh
    host: self
    ports: 22
    from: [2001:db8:ffff::/48]
Y
# the edit: web-https moves to 8443, the nas pinhole goes
sed -e 's/ports: \[443\]/ports: [8443]/' -e '/host: nas$/,/27015-27030/d' \
	"$TMP/a.yaml" >"$TMP/b.yaml"
ALL='["nas-27015", "router-ssh", "web-80", "web-https"]'

run d0 diff --json "$TMP/a.yaml"
[ $rc = 1 ]
ok $? "diff --json against an empty kernel exits 1 (got $rc)" "$TMP/d0.err"
js "$TMP/d0" 'd["changed"] is True and names(d["added"]) == '"$ALL"' and d["removed"] == []'
ok $? "against an empty kernel every pinhole is added, none removed" "$TMP/d0"
js "$TMP/d0" 'one(d["added"], "web-https") == {"name": "web-https", "host": "web",
	"proto": ["tcp", "udp"], "ports": ["443"], "family": "any",
	"addresses": ["192.168.1.5", "2001:db8:1:2::80"]}'
ok $? "an added pinhole: the policy's host name, proto and ports as arrays, family" "$TMP/d0"
js "$TMP/d0" 'one(d["added"], "web-80")["ports"] == ["80", "8000-8999"] and
	one(d["added"], "nas-27015")["host"] == "nas" and
	one(d["added"], "router-ssh")["host"] == "self"'
ok $? "ranges as lo-hi, a suffix host and the machine itself by name" "$TMP/d0"
js "$TMP/d0" 'all(l[0] == "+" for l in d["other"]) and "+table inet pinhole {" in d["other"]
	and not any("comment \"" in l and "client" not in l and
		    "comment \"ping\"" not in l and "comment \"reflection\"" not in l
		    for l in d["other"])'
ok $? "other: the table's own lines, all +, none of a pinhole" "$TMP/d0"

run apply apply "$TMP/a.yaml"
ok $rc "apply" "$TMP/apply.err"
run d1 diff --json "$TMP/a.yaml"
[ $rc = 0 ]
ok $? "diff --json after apply exits 0 (got $rc)" "$TMP/d1.err"
js "$TMP/d1" 'd == {"changed": False, "added": [], "removed": [], "other": []}'
ok $? "after apply: changed false, every list empty" "$TMP/d1"
ph diff --json - <"$TMP/a.yaml" >"$TMP/d1s" 2>&1 && js "$TMP/d1s" 'd["changed"] is False'
ok $? "diff --json reads the policy from stdin (-)" "$TMP/d1s"

run d2 diff --json "$TMP/b.yaml"
[ $rc = 1 ]
ok $? "diff --json after a policy edit exits 1 (got $rc)" "$TMP/d2.err"
js "$TMP/d2" 'd["changed"] is True and names(d["added"]) == ["web-https"] and
	names(d["removed"]) == ["nas-27015", "web-https"]'
ok $? "a changed port: removed and added; a deleted pinhole: only removed" "$TMP/d2"
js "$TMP/d2" 'one(d["removed"], "web-https")["ports"] == ["443"] and
	one(d["removed"], "web-https")["host"] == "2001:db8:1:2::80" and
	one(d["added"], "web-https")["ports"] == ["8443"] and
	one(d["added"], "web-https")["host"] == "web" and
	one(d["removed"], "nas-27015")["host"] == "::1234:5678/-64"'
ok $? "removed as the kernel has it (addresses), added as the policy says (names)" "$TMP/d2"
js "$TMP/d2" 'not any("web-https" in l or "nas-27015" in l for l in d["other"])'
ok $? "the pinholes' own lines are not in other" "$TMP/d2"

nft add rule inet pinhole input_wan tcp dport 9999 accept comment '"by hand"' 2>"$TMP/nft.err"
ok $? "a rule added by hand with nft" "$TMP/nft.err"
run d3 diff --json "$TMP/a.yaml"
[ $rc = 1 ]
ok $? "diff --json with a hand-added rule exits 1 (got $rc)" "$TMP/d3.err"
js "$TMP/d3" 'd["changed"] is True and d["added"] == [] and d["removed"] == [] and
	any(l.startswith("-") and "9999" in l and "by hand" in l for l in d["other"])
	and all(l[0] in "+-" for l in d["other"])'
ok $? "the hand-added rule is in other, as a - line" "$TMP/d3"

nft add rule inet pinhole input_wan tcp dport 7777 accept comment '"web-https"' 2>"$TMP/nft.err"
run d4 diff --json "$TMP/a.yaml"
js "$TMP/d4" 'd["added"] == [] and d["removed"] == [] and
	any(l.startswith("-") and "7777" in l for l in d["other"])'
ok $? "a hand-added rule with a pinhole's name but no counter is in other, not hidden" "$TMP/d4"

# a change at the end of a long from: list (a rule longer than any fixed buffer)
long=$(i=0; while [ $i -lt 40 ]; do printf '2001:db8:f%03x::/48, ' $i; i=$((i + 1)); done)
sed "s|from: \[2001:db8:ffff::/48\]|from: [${long}2001:db8:ffff::/48]|" "$TMP/a.yaml" >"$TMP/c.yaml"
sed 's|2001:db8:ffff::/48\]|2001:db8:fffe::/48]|' "$TMP/c.yaml" >"$TMP/c2.yaml"
ph apply "$TMP/c.yaml" 2>"$TMP/c.err" && run d5 diff --json "$TMP/c2.yaml"
js "$TMP/d5" 'names(d["added"]) == ["router-ssh"] and names(d["removed"]) == ["router-ssh"]'
ok $? "the last of 41 sources changed: the pinhole is removed and added" "$TMP/d5"
ph apply "$TMP/a.yaml" 2>"$TMP/c.err"

run st status --json
ok $rc "status --json exits 0" "$TMP/st.err"
js "$TMP/st" 'd["table"] == "pinhole" and names(d["pinholes"]) == '"$ALL"' and
	all(isinstance(p[k], list) and all(isinstance(x, str) for x in p[k])
	    for p in d["pinholes"] for k in ("proto", "ports", "addresses")) and
	all(type(p[k]) is int for p in d["pinholes"] for k in ("packets", "bytes"))'
ok $? "status --json: lists are arrays of strings, packets and bytes numbers" "$TMP/st"
js "$TMP/st" 'one(d["pinholes"], "web-https")["proto"] == ["tcp", "udp"] and
	one(d["pinholes"], "web-https")["family"] == "any" and
	one(d["pinholes"], "nas-27015")["host"] == "::1234:5678/-64"'
ok $? "status --json: a pinhole's proto, family and host address" "$TMP/st"
js "$TMP/st" 'len(d["dropped"]) >= 2 and all(isinstance(x["rule"], str) and
	type(x["packets"]) is int and type(x["bytes"]) is int for x in d["dropped"])'
ok $? "status --json: dropped holds rule, packets and bytes" "$TMP/st"

run fl flush
ok $rc "flush" "$TMP/fl.err"
run st2 status --json
[ $rc = 1 ] && [ ! -s "$TMP/st2" ]
ok $? "status --json with the table not loaded exits 1 (got $rc), prints no JSON" "$TMP/st2.err"

[ -s "$TMP/pyerr" ] && show "$TMP/pyerr"
echo "1..$n"
[ "$failed" = 0 ]
