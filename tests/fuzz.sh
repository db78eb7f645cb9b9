#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Fuzz the policy loader, then the compile step (policy -> IR -> nft text
# and netlink batch, no kernel), for FUZZ_SECONDS each (default 30) with
# libFuzzer plus ASan and UBSan, seeded with tests/bad, tests/golden and
# examples. The targets are built straight from the sources (not through
# libtool).
# Skips when clang cannot build a libFuzzer binary.
#   FUZZ_SECONDS=600 make check TESTS=tests/fuzz.sh   a longer run
#   FUZZ_KEEP=DIR   keep the binary and the grown corpus in DIR
: "${srcdir:=.}"
: "${builddir:=.}"
secs=${FUZZ_SECONDS:-30}
cc=${FUZZ_CC:-clang}

. "$srcdir/tests/lib.sh"

command -v "$cc" >/dev/null 2>&1 || skip "no $cc"
command -v pkg-config >/dev/null 2>&1 || skip "no pkg-config"
yaml_flags=$(pkg-config --cflags --libs yaml-0.1) || skip "no yaml-0.1"
nl_flags=$(pkg-config --cflags --libs libnftnl libmnl) || skip "no libnftnl"

work=${FUZZ_KEEP:-$(mktemp -d)} || exit 1
mkdir -p "$work/corpus"
[ -n "$FUZZ_KEEP" ] || trap 'rm -rf "$work"' EXIT

printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ return 0; }\n' \
	>"$work/probe.c"
"$cc" -fsanitize=fuzzer,address,undefined "$work/probe.c" -o "$work/probe" \
	>/dev/null 2>&1 || skip "$cc cannot build libFuzzer targets"

# config.h stand-in: EXPORT_SYMBOL expands to nothing without visibility
printf '#define _GNU_SOURCE 1\n#define DEFAULT_STATE_DIR "/var/lib/pinhole"\n' \
	>"$work/config.h"
lib="$srcdir/lib"
# shellcheck disable=SC2086 # pkg-config output is a list of flags
if ! "$cc" -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	-I"$work" -I"$lib" -o "$work/fuzz-policy" \
	"$srcdir/tests/fuzz/fuzz-policy.c" "$lib/diag.c" "$lib/addr.c" \
	"$lib/misspell.c" "$lib/strmap.c" "$lib/ydoc.c" "$lib/validate.c" \
	"$lib/validate_hosts.c" "$lib/validate_pinholes.c" \
	"$lib/validate_repeats.c" "$lib/validate_stream.c" "$lib/validate_util.c" \
	"$lib/policy.c" "$lib/arena.c" $yaml_flags >"$work/build.log" 2>&1; then
	echo "1..2"
	fail "build the libFuzzer target" "$work/build.log"
	exit 0
fi
# the compile target links the whole library (nl.c is linked, never called)
# shellcheck disable=SC2086
if ! "$cc" -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	-I"$work" -I"$lib" -o "$work/fuzz-compile" \
	"$srcdir/tests/fuzz/fuzz-compile.c" "$lib"/*.c $yaml_flags $nl_flags \
	>"$work/build-compile.log" 2>&1; then
	echo "1..2"
	pass "build the loader's libFuzzer target"
	fail "build the compile libFuzzer target" "$work/build-compile.log"
	exit 0
fi

for f in "$srcdir"/tests/bad/*.yaml "$srcdir"/tests/golden/*.yaml \
	 "$srcdir"/tests/golden/*/*.yaml "$srcdir"/examples/*.yaml; do
	[ -f "$f" ] && cp "$f" "$work/corpus/$(echo "$f" | tr / _)"
done

echo "1..2"
cp -r "$work/corpus" "$work/corpus-compile"
fuzz() {	# TARGET CORPUS WHAT
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	"$work/$1" -max_total_time="$secs" -max_len=4096 \
		-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
		-dict="$srcdir/tests/fuzz/policy.dict" \
		-artifact_prefix="$work/$1-" "$work/$2" >"$work/$1.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/$1.log" | tail -n 1)
	[ -n "$runs" ] || runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$1.log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		pass "fuzzed $3 for ${secs}s, no crash"
		echo "# ${runs:-?} executions, corpus $(ls "$work/$2" | wc -l) inputs"
	else
		fail "the fuzzer found a problem in $3 (exit $rc)"
		tail -n 60 "$work/$1.log" | show
		for a in "$work/$1"-crash-* "$work/$1"-leak-* "$work/$1"-timeout-* "$work/$1"-oom-*; do
			[ -f "$a" ] || continue
			cp "$a" "$builddir/" && echo "# input saved as $builddir/$(basename "$a")"
		done
	fi
}
fuzz fuzz-policy corpus "the loader"
fuzz fuzz-compile corpus-compile "the compile step (IR, nft text, batch)"
exit 0
