#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Golden tests (pfctl regress style): tests/golden/NNN-name.yaml compiles to
# exactly NNN-name.nft, or fails with exactly NNN-name.err (exit 2). Every
# example in examples/ has its expected script in tests/golden/examples/.
# Every expected script must also pass `nft -c -f` inside `unshare -n`
# (when nft and unshare are usable), and compiling twice must give
# byte-identical output.
#   UPDATE=1 sh tests/golden.sh   regenerates the expected files (review!)
: "${PINHOLE:?}" "${srcdir:?}"
. "$srcdir/tests/lib.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

can_nft=no
if command -v nft >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1 &&
   unshare -n true 2>/dev/null; then
	can_nft=yes
fi

# run_case DIR FILE EXPECT_BASE
run_case() {
	dir=$1 f=$2 exp=$3
	name=$(basename "$f")
	( cd "$dir" && $PINHOLE_WRAPPER "$PINHOLE" compile "$name" ) >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ -n "$UPDATE" ]; then
		if [ $rc -eq 0 ]; then cp "$tmp/out" "$exp.nft"; rm -f "$exp.err"
		else cp "$tmp/err" "$exp.err"; rm -f "$exp.nft"; fi
	fi
	if [ -f "$exp.err" ]; then
		if [ $rc -eq 2 ] && cmp -s "$tmp/err" "$exp.err"; then
			pass "$name: fails with the expected diagnostics"
		else
			fail "$name: expected exit 2 and $exp.err (got $rc)"
			diff -u "$exp.err" "$tmp/err" | show
		fi
		return
	fi
	if [ $rc -eq 0 ] && cmp -s "$tmp/out" "$exp.nft" && [ ! -s "$tmp/err" -o -f "$exp.warn" ]; then
		pass "$name: compiles to $(basename "$exp").nft"
	else
		fail "$name: expected exit 0 and $exp.nft (got $rc)"
		diff -u "$exp.nft" "$tmp/out" | show
		sed 's/^/# stderr: /' "$tmp/err"
	fi
	if [ -f "$exp.warn" ] || [ -n "$UPDATE" -a -s "$tmp/err" ]; then
		[ -n "$UPDATE" ] && cp "$tmp/err" "$exp.warn"
		if cmp -s "$tmp/err" "$exp.warn"; then
			pass "$name: warnings as expected"
		else
			fail "$name: warnings differ from $exp.warn"
			diff -u "$exp.warn" "$tmp/err" | show
		fi
	fi
	( cd "$dir" && "$PINHOLE" compile "$name" ) >"$tmp/out2" 2>/dev/null
	if cmp -s "$tmp/out" "$tmp/out2"; then
		pass "$name: compiling twice is byte-identical"
	else
		fail "$name: output differs between two runs"
	fi
	if [ $can_nft = yes ]; then
		if unshare -n nft -c -f "$tmp/out" >"$tmp/nfterr" 2>&1; then
			pass "$name: nft -c -f accepts the script"
		else
			fail "$name: nft -c -f rejects the script"
			show "$tmp/nfterr"
		fi
	else
		skip_one "$name: nft -c skipped" "nft or unshare -n not usable"
	fi
}

each_golden "$srcdir/tests/golden"
echo "1..$n"
[ "$failed" = 0 ]
