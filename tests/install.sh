#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Installation of the boot units (TAP), into a DESTDIR under a temp dir
# only: never onto this machine. `make install` puts the systemd unit in
# its directory with @sbindir@/@sysconfdir@ substituted and the example
# policy as SYSCONFDIR/pinhole/policy.yaml when there is none; an edited
# policy survives install and uninstall. With install_procd=yes (what
# --enable-openwrt sets) the procd script goes to SYSCONFDIR/init.d/pinhole.
# `systemd-analyze verify` checks the installed unit where it exists.
# Needs no root and no kernel. Runs only the install targets of these files
# (distcheck runs the whole `make install`).

: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${builddir:=$srcdir}"
. "$srcdir/tests/lib.sh"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
D="$TMP/root"

# a make of its own, not a job of the `make check` that runs us
make1() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory "$@"; }
mk() { make1 -C "$builddir" "$@" >"$TMP/make.out" 2>&1; }
# a make variable of the build, fully expanded
var() {
	printf 'print-%%:\n\t@echo $($*)\n' |
		make1 -C "$builddir" -f Makefile -f - "print-$1" 2>/dev/null | tail -n 1
}
# Only the targets of the boot files: a whole `make install` here could
# rebuild the binary under the feet of tests running in parallel.
inst() { mk install-systemdsystemunitDATA install-data-hook DESTDIR="$D" "$@"; }
uninst() { mk uninstall-systemdsystemunitDATA uninstall-hook DESTDIR="$D" "$@"; }

bin="$(var sbindir)/pinhole"
conf=$(var sysconfdir)
unitdir=$(var systemdsystemunitdir)
[ -n "$conf" ] && [ -n "$unitdir" ] && [ "$bin" != /pinhole ]
ok $? "the build's install directories: $bin, $conf, $unitdir"

inst
ok $? "make install-systemdsystemunitDATA install-data-hook DESTDIR=..."
[ $? = 0 ] || show "$TMP/make.out"
unit="$D$unitdir/pinhole.service"
policy="$D$conf/pinhole/policy.yaml"

[ -n "$unit" ] && grep -qx "ExecStart=$bin apply --boot $conf/pinhole/policy.yaml" "$unit" &&
	grep -qx "ExecReload=$bin apply --boot $conf/pinhole/policy.yaml" "$unit" &&
	grep -qx 'ExecStop=/bin/true' "$unit" && ! grep -q '@' "$unit"
ok $? "the unit is installed with the binary's and the policy's real paths"
[ $? = 0 ] || { [ -n "$unit" ] && show "$unit"; }
missing=0
for want in DefaultDependencies=no Before=network-pre.target Wants=network-pre.target \
	    After=local-fs.target Type=oneshot RemainAfterExit=yes WantedBy=sysinit.target; do
	key=${want%%=*} val=${want#*=}
	grep -q "^$key=.*$val" "$unit" 2>/dev/null || { echo "# missing $want"; missing=1; }
done
ok $missing "the unit runs early: no default dependencies, before network-pre, oneshot"
missing=0
for want in After=nftables.service PartOf=nftables.service \
	    ReloadPropagatedFrom=nftables.service WantedBy=nftables.service; do
	key=${want%%=*} val=${want#*=}
	grep -q "^$key=.*$val" "$unit" 2>/dev/null || { echo "# missing $want"; missing=1; }
done
ok $missing "the unit follows nftables.service: after it, restarted, reloaded and started with it"

cmp -s "$policy" "$srcdir/examples/home-router.yaml"
ok $? "the example policy is installed as $conf/pinhole/policy.yaml"

echo "# edited" >>"$policy"
cp "$policy" "$TMP/edited"
inst
cmp -s "$policy" "$TMP/edited"
ok $? "a second install keeps an existing policy"
uninst
[ $? = 0 ] && cmp -s "$policy" "$TMP/edited" && [ ! -e "$unit" ]
ok $? "uninstall removes the unit but keeps an edited policy"
rm -f "$policy"
inst && uninst
[ ! -e "$policy" ] && [ ! -d "${policy%/policy.yaml}" ]
ok $? "uninstall removes an untouched policy and its directory"

inst install_procd=yes
init="$D$conf/init.d/pinhole"
[ -x "$init" ] && head -n 1 "$init" | grep -qx '#!/bin/sh /etc/rc.common' &&
	grep -qx 'START=19' "$init" && grep -qx 'USE_PROCD=1' "$init" &&
	grep -qx "PROG=$bin" "$init" && grep -q 'apply --boot "$POLICY"' "$init" &&
	grep -qx "POLICY=$conf/pinhole/policy.yaml" "$init"
ok $? "install_procd=yes (--enable-openwrt) installs the procd script, START=19"
[ $? = 0 ] || show "$TMP/make.out"
sh -n "$init" 2>/dev/null
ok $? "the procd script is valid sh"

if command -v systemd-analyze >/dev/null 2>&1; then
	# commands are looked up inside the root: the binary and ExecStop's
	mkdir -p "$D/bin" "$D${bin%/pinhole}" && cp /bin/true "$D/bin/true" &&
		cp "$builddir/src/pinhole" "$D$bin"
	# by name, from a directory systemd searches inside the root
	mkdir -p "$D/etc/systemd/system" && cp "$unit" "$D/etc/systemd/system/"
	systemd-analyze verify --man=no --root="$D" pinhole.service >"$TMP/verify" 2>&1
	rc=$?
	[ $rc = 0 ] && [ ! -s "$TMP/verify" ]
	ok $? "systemd-analyze verify accepts the unit"
	[ $? = 0 ] || show "$TMP/verify"
	# beside a unit shaped like Debian 12's nftables.service: no cycle
	cp "$srcdir/tests/boot/nftables.service" "$D/etc/systemd/system/" &&
		mkdir -p "$D/usr/sbin" && cp /bin/true "$D/usr/sbin/nft"
	systemd-analyze verify --man=no --root="$D" pinhole.service \
		nftables.service >"$TMP/verify" 2>&1
	rc=$?
	[ $rc = 0 ] && [ ! -s "$TMP/verify" ]
	ok $? "systemd-analyze verify accepts the unit beside nftables.service"
	[ $? = 0 ] || show "$TMP/verify"
else
	skip_one "systemd-analyze verify" "no systemd-analyze"
	skip_one "systemd-analyze verify beside nftables.service" "no systemd-analyze"
fi
uninst install_procd=yes
[ ! -e "$init" ]
ok $? "uninstall removes the procd script"

echo "1..$n"
[ "$failed" = 0 ]
