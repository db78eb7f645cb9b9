#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Messages of the CLI that need a namespace or another user (TAP), in a
# throw-away network namespace (in_netns_sandbox, tests/lib.sh):
#  - apply by a user without CAP_NET_ADMIN says that it needs root or
#    CAP_NET_ADMIN, not only that the state directory is not theirs;
#  - confirm after the rollback timer fired prints when the rollback
#    happened, not when apply --confirm ran.
#
# Environment: PINHOLE (the CLI), srcdir, builddir (set by make check).

: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${builddir:=$srcdir}"
: "${PINHOLE:=$builddir/src/pinhole}"

. "$srcdir/tests/lib.sh"
in_netns_sandbox nft setpriv

TMP=$(mktemp -d)
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT INT TERM
cp "$srcdir/tests/kernel/host-a.yaml" "$TMP/p.yaml" && chmod 644 "$TMP/p.yaml"
mkdir -m 700 "$TMP/state"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# ---------------------------------------------------------------- non-root
nobody "$PINHOLE" --state-dir "$TMP/state" apply "$TMP/p.yaml" 2>"$TMP/err"
[ $? = 3 ] && grep -q 'needs root or CAP_NET_ADMIN' "$TMP/err"
ok $? "apply without CAP_NET_ADMIN says it needs root or CAP_NET_ADMIN (exit 3)" "$TMP/err"

if nobody --inh-caps +net_admin --ambient-caps +net_admin true 2>/dev/null; then
	nobody --inh-caps +net_admin --ambient-caps +net_admin \
		"$PINHOLE" --state-dir "$TMP/state" apply "$TMP/p.yaml" 2>"$TMP/err"
	[ $? = 3 ] && grep -q 'is not owned by the user running pinhole; refusing' "$TMP/err" &&
		! grep -q 'needs root' "$TMP/err"
	ok $? "with CAP_NET_ADMIN the state directory's owner is the problem" "$TMP/err"
else
	skip_one "with CAP_NET_ADMIN the state directory's owner is the problem" \
		"setpriv cannot raise ambient capabilities"
fi

# ---------------------------------------------------------------- confirm late
export TZ=UTC
t0=$(date +%s)
"$PINHOLE" --state-dir "$TMP/state" apply "$TMP/p.yaml" --confirm 2 >"$TMP/out" 2>&1
ok $? "apply --confirm 2" "$TMP/out"
# the timer restores (deletes: there was no table before) at t0 + 2
for i in 1 2 3 4 5 6 7 8 9 10; do
	sleep 1
	nft list tables | grep -q . || break
done
sleep 1
"$PINHOLE" --state-dir "$TMP/state" confirm 2>"$TMP/err"
rc=$?
at=$(sed -n 's/.*restored at \([0-9:]*\)$/\1/p' "$TMP/err")
[ $rc = 2 ] && [ -n "$at" ] && [ "$(date -d "$at" +%s)" -ge $((t0 + 2)) ]
ok $? "confirm too late prints when the rollback happened (apply at $(date -d "@$t0" +%T))" "$TMP/err"

echo "1..$n"
[ "$failed" = 0 ]
