#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/bad: every NNN-*.yaml must make `pinhole check` exit 2, without a
# crash, printing exactly NNN-*.err on stderr; every warn-*.yaml must exit 0
# printing exactly its warnings. Run from inside tests/bad so that the file
# names in the messages are stable.
#
#   UPDATE=1   rewrite the .err files from the current binary (review the
#              diff before committing: make update-bad)
#   PINHOLE_WRAPPER='valgrind -q --leak-check=full --error-exitcode=9'
#              run every case under a wrapper; a wrapper error is a failure
: "${PINHOLE:?PINHOLE must name the pinhole binary}"
: "${srcdir:=.}"
. "$srcdir/tests/lib.sh"

cd "$srcdir/tests/bad" || skip "no tests/bad"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

set -- $(ls -- *.yaml | LC_ALL=C sort)
echo "1..$#"
for f in "$@"; do
	base=${f%.yaml}
	case $base in
	warn-*) want=0 ;;
	*) want=2 ;;
	esac
	# shellcheck disable=SC2086 # the wrapper is a command line
	$PINHOLE_WRAPPER "$PINHOLE" check "$f" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ -n "$UPDATE" ] && [ "$rc" -lt 128 ]; then
		cp "$tmp/err" "$base.err"
	fi
	if [ "$rc" -ge 128 ]; then
		fail "$f: crashed (status $rc)" "$tmp/err"
	elif [ "$rc" -ne "$want" ]; then
		fail "$f: exit status $rc, expected $want" "$tmp/err"
	elif ! diff -u "$base.err" "$tmp/err" >"$tmp/diff" 2>&1; then
		fail "$f: stderr differs from $base.err" "$tmp/diff"
	else
		pass "$f"
	fi
done
exit 0
