#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The CLI uses the public API only (STYLE R1, issue 10), as nft's main.c
# uses only libnftables.h: every src/ file includes no lib/ header but
# pinhole.h, and no object of the CLI calls a library symbol outside
# pinhole_*. The second check is the one the compiler cannot make: the
# CLI links the static core library, where the private symbols exist too.
#
# Environment: srcdir, builddir (set by make check).
: "${srcdir:?}" "${builddir:?}"
. "$srcdir/tests/lib.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

echo "1..3"

# 1: includes. A quoted include must be config.h, pinhole.h or a header
# that src/ itself holds.
: >"$tmp/inc"
for f in "$srcdir"/src/*.c "$srcdir"/src/*.h; do
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
	while read -r h; do
		case $h in config.h|pinhole.h) continue ;; esac
		[ -f "$srcdir/src/$h" ] || echo "$(basename "$f"): #include \"$h\""
	done
done >"$tmp/inc"
[ ! -s "$tmp/inc" ]
ok $? "src/ includes no lib/ header but pinhole.h" "$tmp/inc"

# 2 and 3: symbols. What the core library defines, what the CLI's objects
# leave undefined; their meeting must be pinhole_* only.
lib=$builddir/lib/.libs/libpinhole_core.a
set -- "$builddir"/src/*.o
if ! command -v nm >/dev/null 2>&1 || [ ! -f "$lib" ] || [ ! -f "$1" ]; then
	fail "nm, $lib and the CLI's objects are there"
	fail "the CLI calls no private library symbol"
	echo "# nm, the core library or src/*.o missing"
	exit 1
fi
nm --defined-only "$lib" 2>/dev/null |
	awk 'NF == 3 && $2 ~ /^[TDBRV]$/ { print $3 }' | sort -u >"$tmp/def"
nm -u "$@" | awk 'NF >= 2 { print $2 }' | sort -u >"$tmp/und"
comm -12 "$tmp/def" "$tmp/und" >"$tmp/used"
[ -s "$tmp/used" ]
ok $? "the CLI's objects use the library (nm sees $(wc -l <"$tmp/used") symbols)"
grep -v '^pinhole_' "$tmp/used" >"$tmp/private"
[ ! -s "$tmp/private" ]
ok $? "the CLI calls no private library symbol (only pinhole_*)" "$tmp/private"

[ "$failed" = 0 ]
