#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# End-to-end tests with real traffic (issue 4): a wan host, a router, and a
# LAN bridge with a server, a client and a suffix-addressed NAS, each in its
# own network namespace (tests/e2e/lib.sh draws the topology). The shipped
# examples and tests/e2e/*.yaml are loaded into the router (and the host-mode
# example into the server) and proven the way the seed documents proved
# theirs: connections from the internet side, socat and nmap, timeouts where
# nothing is open. Cases are tests/e2e/NNN-name.sh, sourced in order.
#
# Needs root, `ip netns` and nf_tables; otherwise `1..0 # SKIP`, except under
# CI=true, where a skip is a failure. Never touches the caller's namespace.
#   PINHOLE=build/src/pinhole srcdir=. sh tests/e2e.sh
#   E2E_ONLY=030 ...   run only the cases whose file name contains 030
#   E2E_LOADER=nft ... load with `pinhole compile | nft -f` instead of apply
: "${PINHOLE:?}" "${srcdir:?}"
E2E_DIR=$srcdir/tests/e2e
EX=$srcdir/examples
. "$E2E_DIR/lib.sh"

[ "$(id -u)" = 0 ] || e2e_skip "needs root for ip netns"
command -v ip >/dev/null 2>&1 || e2e_skip "ip (iproute2) not installed"
command -v nft >/dev/null 2>&1 || e2e_skip "nft not installed"

tmp=$(mktemp -d) || exit 1
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# Namespace and nf_tables support, probed inside a namespace of our own.
ip netns add "$RTR" 2>/dev/null || e2e_skip "ip netns add failed (no namespace support)"
ip netns exec "$RTR" nft add table inet e2e_probe 2>/dev/null ||
	e2e_skip "nf_tables not usable in a network namespace"
ip netns exec "$RTR" nft delete table inet e2e_probe
ip netns del "$RTR"

for tool in socat nmap ping timeout ss; do
	command -v "$tool" >/dev/null 2>&1 || e2e_bail "e2e: $tool is installed"
done
[ -x "$PINHOLE" ] || e2e_bail "e2e: $PINHOLE is executable"

tainted_before=$(cat /proc/sys/kernel/tainted)
detect_loader
echo "# loader: $LOADER_DESC"
echo "# namespaces: $NSES"

PHASE=setup
if topo_up 2>"$tmp/topo.err" && links_ready; then
	tap_ok "setup: namespaces, veth links and the LAN bridge are up"
else
	diag < "$tmp/topo.err"
	e2e_bail "setup: namespaces, veth links and the LAN bridge are up"
fi
if listeners_up; then
	tap_ok "setup: TCP and UDP listeners run on srv, cli, nas, rtr, wan, far"
else
	e2e_bail "setup: TCP and UDP listeners run on srv, cli, nas, rtr, wan, far"
fi

start=$(date +%s)
for case_file in "$E2E_DIR"/[0-9][0-9][0-9]-*.sh; do
	[ -e "$case_file" ] || continue
	case $case_file in *"${E2E_ONLY:-}"*) ;; *) continue ;; esac
	PHASE=$(basename "$case_file" .sh)
	echo "# --- $PHASE"
	t0=$(date +%s)
	. "$case_file"
	echo "# $PHASE took $(($(date +%s) - t0)) s"
done
echo "# cases took $(($(date +%s) - start)) s"

PHASE=teardown
tap_check "teardown: the kernel taint flags did not change" \
	test "$(cat /proc/sys/kernel/tainted)" = "$tainted_before"
echo "1..$n"
[ $failed = 0 ]
