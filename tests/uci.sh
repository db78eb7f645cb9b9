#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Golden tests of `pinhole uci`: tests/golden/uci/NNN-name.yaml prints
# exactly NNN-name.uci (the /etc/config/firewall sections) and, with
# --batch, NNN-name.batch (the `uci batch` script); or, when fw4 cannot
# express it, fails with exit 2, nothing on stdout and exactly NNN-name.err
# on stderr, in both forms. Compile warnings on stderr must match
# NNN-name.warn. NNN-name.args, when present, holds more arguments
# (--zones). Every example in examples/ has its expected output in
# tests/golden/uci/examples/. (tests/unit/uci reads the output back and
# compares it with the IR.)
#   UPDATE=1 sh tests/uci.sh   regenerates the expected files (review!)
: "${PINHOLE:?}" "${srcdir:?}"
. "$srcdir/tests/lib.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# run FORM DIR NAME: $tmp/FORM.out, $tmp/FORM.err, $tmp/FORM.rc
run() {
	form=$1 dir=$2 name=$3
	args=$(cat "$dir/${name%.yaml}.args" 2>/dev/null)
	if [ "$form" = batch ]; then
		( cd "$dir" && $PINHOLE_WRAPPER "$PINHOLE" uci "$name" --batch $args )
	else
		( cd "$dir" && $PINHOLE_WRAPPER "$PINHOLE" uci "$name" $args )
	fi >"$tmp/$form.out" 2>"$tmp/$form.err"
	echo $? >"$tmp/$form.rc"
}

# run_case DIR FILE EXPECT_BASE
run_case() {
	dir=$1 f=$2 exp=$3
	name=$(basename "$f")
	run uci "$dir" "$name"
	run batch "$dir" "$name"
	rc=$(cat "$tmp/uci.rc") rcb=$(cat "$tmp/batch.rc")
	if [ -n "$UPDATE" ]; then
		rm -f "$exp.uci" "$exp.batch" "$exp.err" "$exp.warn"
		if [ "$rc" -eq 0 ]; then
			cp "$tmp/uci.out" "$exp.uci"
			cp "$tmp/batch.out" "$exp.batch"
			[ -s "$tmp/uci.err" ] && cp "$tmp/uci.err" "$exp.warn"
		else
			cp "$tmp/uci.err" "$exp.err"
		fi
	fi
	if [ -f "$exp.err" ]; then
		for form in uci batch; do
			r=$(cat "$tmp/$form.rc")
			if [ "$r" -eq 2 ] && [ ! -s "$tmp/$form.out" ] &&
			   cmp -s "$tmp/$form.err" "$exp.err"; then
				pass "$name: $form form fails with the expected diagnostics"
			else
				fail "$name: $form form: expected exit 2, no output and $exp.err (got $r)"
				diff -u "$exp.err" "$tmp/$form.err" | show
				sed 's/^/# stdout: /' "$tmp/$form.out"
			fi
		done
		return
	fi
	for form in uci batch; do
		r=$(cat "$tmp/$form.rc")
		if [ "$r" -eq 0 ] && cmp -s "$tmp/$form.out" "$exp.$form"; then
			pass "$name: prints $(basename "$exp").$form"
		else
			fail "$name: expected exit 0 and $exp.$form (got $r)"
			diff -u "$exp.$form" "$tmp/$form.out" | show
			sed 's/^/# stderr: /' "$tmp/$form.err"
		fi
		if [ -f "$exp.warn" ]; then
			cmp -s "$tmp/$form.err" "$exp.warn"
		else
			[ ! -s "$tmp/$form.err" ]
		fi
		if [ $? -eq 0 ]; then
			pass "$name: $form form: stderr as expected"
		else
			fail "$name: $form form: unexpected stderr"
			sed 's/^/# stderr: /' "$tmp/$form.err"
		fi
	done
	# The batch holds the same sections: one `add` per `config`, one
	# set/add_list per option/list, and it ends in `commit firewall`.
	nc=$(grep -c '^config ' "$exp.uci") na=$(grep -c '^add firewall ' "$exp.batch")
	no=$(grep -c '^	\(option\|list\) ' "$exp.uci")
	ns=$(grep -c '^\(set\|add_list\) firewall\.@' "$exp.batch")
	last=$(tail -n 1 "$exp.batch")
	if [ "$nc" -eq "$na" ] && [ "$no" -eq "$ns" ] && [ "$last" = "commit firewall" ]; then
		pass "$name: batch and file forms agree ($nc sections, $no options)"
	else
		fail "$name: batch ($na sections, $ns options, ends '$last') vs file ($nc, $no)"
	fi
}

each_golden "$srcdir/tests/golden/uci"

# The command line.
"$PINHOLE" uci >/dev/null 2>"$tmp/usage"
r=$?
if [ $r -eq 2 ] && grep -q '^Usage: pinhole uci POLICY \[--batch\] \[--zones\]$' "$tmp/usage"; then
	pass "uci without a policy: usage, exit 2"
else
	fail "uci without a policy: expected usage and exit 2 (got $r)"
fi
"$PINHOLE" uci --bogus "$srcdir/examples/router-https.yaml" >/dev/null 2>&1
r=$?
if [ $r -eq 2 ]; then
	pass "uci with an unknown option: exit 2"
else
	fail "uci with an unknown option: expected exit 2 (got $r)"
fi
"$PINHOLE" uci "$tmp/missing.yaml" >"$tmp/o" 2>/dev/null
r=$?
if [ $r -eq 2 ] && [ ! -s "$tmp/o" ]; then
	pass "uci of a missing file: exit 2, no output"
else
	fail "uci of a missing file: expected exit 2 (got $r)"
fi
"$PINHOLE" uci --zones "$srcdir/examples/host-debian-web.yaml" >"$tmp/o" 2>"$tmp/e"
r=$?
if [ $r -eq 2 ] && [ ! -s "$tmp/o" ] && grep -q 'error: uci --zones: the policy has no zones' "$tmp/e"; then
	pass "uci --zones of a host-mode policy: exit 2, an error, no output"
else
	fail "uci --zones of a host-mode policy: expected exit 2 and an error (got $r)"
	sed 's/^/# stderr: /' "$tmp/e"
fi
echo "1..$n"
[ "$failed" = 0 ]
