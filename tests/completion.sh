#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Shell completion (TAP): completion/pinhole.bash sourced in bash, the
# completion function called with COMP_WORDS/COMP_CWORD set, COMPREPLY
# checked. The zsh file is checked only under CI=true where zsh exists
# (zsh -n, and that it declares itself with #compdef): nothing here
# requires zsh.
#
# Environment: PINHOLE (the CLI), srcdir, builddir (set by make check).

: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${builddir:=$srcdir}"
: "${PINHOLE:=$builddir/src/pinhole}"

. "$srcdir/tests/lib.sh"
command -v bash >/dev/null 2>&1 || skip "no bash"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# a fake `ip` for `ip netns list`: nothing of the machine is looked at
mkdir -p "$TMP/bin" "$TMP/sd/one" "$TMP/sd/two"
printf '#!/bin/sh\n[ "$1 $2" = "netns list" ] && printf "red (id: 0)\\nblue\\n"\n' >"$TMP/bin/ip"
# a newer binary: its commands and apply's --force come from its -h
printf '#!/bin/sh\nprintf "Usage:\\n\\nCommands:\\n  apply    POLICY [--force]  load\\n  explain  POLICY  what-if\\n\\nGlobal options:\\n"\n' >"$TMP/bin/newer"
chmod +x "$TMP/bin/ip" "$TMP/bin/newer"
: >"$TMP/p1.yaml"
: >"$TMP/p2.yml"
: >"$TMP/p3.txt"
cat >"$TMP/zones.yaml" <<'Y'
version: 1
zones:   # the zones
  wan:
    interfaces: [wan0]
  "lan":
    interfaces:
      - br-lan
  # a comment
  guest: {interfaces: [wlan1]}
hosts: {}
Y

# comp EXPECTED WORD...: complete the last WORD (COMP_CWORD = the last);
# COMPREPLY, sorted and space-separated, must equal EXPECTED
comp() {
	want=$1
	shift
	got=$(PATH="$TMP/bin:$PATH" bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_pinhole
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
		sh "$srcdir/completion/pinhole.bash" "${BIN:-$PINHOLE}" "$@" 2>&1)
	got=${got% }
	if [ $# = 2 ] && [ "$1" = --netns ]; then
		got=$(printf '%s\n' $got | grep -x -e blue -e red | tr '\n' ' ')
		got=${got% }
	fi
	[ "$got" = "$want" ]
	ok $? "pinhole $(echo "$*" | sed "s|$TMP|TMP|g")<TAB> -> ${want:-nothing}"
	[ "$got" = "$want" ] || echo "# got: $got"
}

comp "apply check compile confirm diff explain flush status uci" ""
comp "status" st
comp "--help --netns --state-dir --version" --
# (/run/netns is the machine's: only what the fake `ip` says is checked)
comp "blue red" --netns ""
comp "$TMP/sd/one $TMP/sd/two" --state-dir "$TMP/sd/"
comp "--json" diff --j
comp "--help --json --netns --state-dir --table --version" status --
comp "--table" --netns red status --t
comp "--json" status --table x --j
comp "--batch" uci --b
comp "--zones" uci --batch --z
comp "--table" flush --t
comp "--boot --confirm --force --full --help --netns --state-dir --version" apply --
comp "--full" apply --fu
comp "-v" apply -v
comp "--boot" apply --b
comp "--confirm" apply --b --c
BIN="$TMP/bin/newer" comp "--force" apply --f
BIN="$TMP/bin/newer" comp "apply explain" ""
comp "$TMP/p1.yaml $TMP/p2.yml" diff "$TMP/p"
comp "" diff "$TMP/p1.yaml" "$TMP/p"
comp "$TMP/p1.yaml $TMP/p2.yml" --state-dir "$TMP/sd" apply "$TMP/p"
comp "guest lan wan" explain "$TMP/zones.yaml" --in ""
comp "lan" explain --to self "$TMP/zones.yaml" --in l
comp "udp" explain "$TMP/zones.yaml" --proto u
comp "self" explain --to s
comp "" status --table ""

if [ "${CI:-}" = true ] && command -v zsh >/dev/null 2>&1; then
	zsh -n "$srcdir/completion/_pinhole"
	ok $? "zsh parses completion/_pinhole"
	head -n 1 "$srcdir/completion/_pinhole" | grep -qx '#compdef pinhole'
	ok $? "completion/_pinhole declares #compdef pinhole"
else
	echo "# zsh part: only with CI=true and zsh installed"
fi

echo "1..$n"
[ "$failed" = 0 ]
