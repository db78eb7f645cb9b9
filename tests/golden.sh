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
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

can_nft=no
if command -v nft >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1 &&
   unshare -n true 2>/dev/null; then
	can_nft=yes
fi

n=0
fail=0
out() { n=$((n + 1)); echo "$1 $n - $2"; [ "$1" = ok ] || fail=1; }

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
			out ok "$name: fails with the expected diagnostics"
		else
			out "not ok" "$name: expected exit 2 and $exp.err (got $rc)"
			diff -u "$exp.err" "$tmp/err" | sed 's/^/# /'
		fi
		return
	fi
	if [ $rc -eq 0 ] && cmp -s "$tmp/out" "$exp.nft" && [ ! -s "$tmp/err" -o -f "$exp.warn" ]; then
		out ok "$name: compiles to $(basename "$exp").nft"
	else
		out "not ok" "$name: expected exit 0 and $exp.nft (got $rc)"
		diff -u "$exp.nft" "$tmp/out" | sed 's/^/# /'
		sed 's/^/# stderr: /' "$tmp/err"
	fi
	if [ -f "$exp.warn" ] || [ -n "$UPDATE" -a -s "$tmp/err" ]; then
		[ -n "$UPDATE" ] && cp "$tmp/err" "$exp.warn"
		if cmp -s "$tmp/err" "$exp.warn"; then
			out ok "$name: warnings as expected"
		else
			out "not ok" "$name: warnings differ from $exp.warn"
			diff -u "$exp.warn" "$tmp/err" | sed 's/^/# /'
		fi
	fi
	( cd "$dir" && "$PINHOLE" compile "$name" ) >"$tmp/out2" 2>/dev/null
	if cmp -s "$tmp/out" "$tmp/out2"; then
		out ok "$name: compiling twice is byte-identical"
	else
		out "not ok" "$name: output differs between two runs"
	fi
	if [ $can_nft = yes ]; then
		if unshare -n nft -c -f "$tmp/out" >"$tmp/nfterr" 2>&1; then
			out ok "$name: nft -c -f accepts the script"
		else
			out "not ok" "$name: nft -c -f rejects the script"
			sed 's/^/# /' "$tmp/nfterr"
		fi
	else
		out ok "$name: nft -c skipped # SKIP nft or unshare -n not usable"
	fi
}

for f in "$srcdir"/tests/golden/*.yaml; do
	[ -e "$f" ] || continue
	run_case "$srcdir/tests/golden" "$f" "${f%.yaml}"
done
for f in "$srcdir"/examples/*.yaml; do
	[ -e "$f" ] || continue
	b=$(basename "$f" .yaml)
	run_case "$srcdir/examples" "$f" "$srcdir/tests/golden/examples/$b"
done
echo "1..$n"
exit $fail
