# SPDX-License-Identifier: GPL-2.0-or-later
# TAP helpers shared by the tests/*.sh scripts (POSIX sh), sourced as
#   . "$srcdir/tests/lib.sh"
# (tests/e2e.sh has its own in tests/e2e/lib.sh). Sets n and failed to 0;
# a script that counts its tests ends with
#   echo "1..$n"
#   [ "$failed" = 0 ]
#
# CI=true (.ci/run sets it; CI runs as root with every tool installed):
# every skip, of a whole script or of one test, is a failure instead, so a
# green CI run means every test really ran. A script may opt out with
# ci_strict=no before sourcing this file; none does.

n=0
failed=0
: "${ci_strict:=yes}"

# show FILE...: print the files (or stdin) as TAP diagnostics
show() { sed 's/^/# /' "$@"; }

# ok STATUS DESCRIPTION [FILE]: the next test passes when STATUS is 0;
# on a failure FILE, when given, is shown. Returns STATUS, so that
# `ok $? "..." || show ...` and `[ $? = 0 ] || show ...` work.
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		if [ -n "${3:-}" ]; then show "$3"; fi
	fi
	return "$1"
}
pass() { ok 0 "$@"; }	# pass DESCRIPTION
fail() { ok 1 "$@"; }	# fail DESCRIPTION

# skip_one DESCRIPTION REASON: the next test is skipped
skip_one() {
	n=$((n + 1))
	if [ "${ci_strict:-}" = yes ] && [ "${CI:-}" = true ]; then
		echo "not ok $n - $1 (skipped under CI=true: $2)"
		failed=$((failed + 1))
	else
		echo "ok $n - $1 # SKIP $2"
	fi
}

# skip REASON: skip the whole script (1..0 # SKIP) and exit
skip() {
	if [ "${ci_strict:-}" = yes ] && [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - cannot run under CI=true: $*"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 0
}

# in_netns_sandbox TOOL...: run the rest of the script as root in a
# throw-away `unshare -n -m` with a private /run/netns, so that nothing it
# loads or creates (rules, `ip netns` namespaces) outlives it or reaches
# this machine's own namespace. Outside, checks root, unshare and the
# TOOLs, then re-executes the script ($0, without arguments) there;
# PINHOLE_TEST_INNER=$0 marks that inner run. Skips when anything is
# missing, also nf_tables.
in_netns_sandbox() {
	if [ "${PINHOLE_TEST_INNER:-}" != "$0" ]; then
		[ "$(id -u)" = 0 ] || skip "needs root (CAP_NET_ADMIN)"
		for t in unshare "$@"; do
			command -v "$t" >/dev/null 2>&1 || skip "no $t"
		done
		unshare -n -m true 2>/dev/null || skip "unshare -n -m failed"
		PINHOLE_TEST_INNER=$0 exec unshare -n -m sh "$0"
	fi
	nft list tables >/dev/null 2>&1 || skip "no nf_tables"
	mkdir -p /run/netns && mount -t tmpfs none /run/netns 2>/dev/null ||
		skip "cannot mount a private /run/netns"
}

# each_golden DIR: run_case (defined by the script) for every DIR/*.yaml,
# expected files beside it, then for every examples/*.yaml, expected
# files in DIR/examples/
each_golden() {
	for f in "$1"/*.yaml; do
		[ -e "$f" ] || continue
		run_case "$1" "$f" "${f%.yaml}"
	done
	for f in "$srcdir"/examples/*.yaml; do
		[ -e "$f" ] || continue
		run_case "$srcdir/examples" "$f" "$1/examples/$(basename "$f" .yaml)"
	done
}
