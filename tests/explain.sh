#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# explain against the kernel, with real packets: a wan namespace sends
# generated first packets (TCP SYN, UDP, ICMP(v6) echo requests, raw
# frames from tests/explain-probe.py, each with its own source port or
# echo identifier) to a router namespace holding the applied table. A
# table of the test's own, at priority 100 on input and forward (after
# pinhole's chains at 0), adds each packet it sees to a dynamic set: a
# packet there was accepted, one not there was dropped or rejected. For
# every packet, `pinhole explain POLICY` and `pinhole explain --live` (the
# table read back from the kernel) must say the same as the kernel did.
# Policies with a zone lan on br-lan also get probes from a LAN namespace
# (explained --in lan, --out the zone the router routes them to).
#
# Then the lockout guard of apply (SPEC §6.5), with SSH_CONNECTION set.
#
# Needs root, ip netns, nft and python3; else 1..0 # SKIP (a failure under
# CI=true). Never touches the caller's namespace.
: "${PINHOLE:?}" "${srcdir:?}"
. "$srcdir/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root for ip netns"
for t in ip nft python3 timeout; do
	command -v $t >/dev/null 2>&1 || skip "$t not installed"
done

P=ph-ex-$$
RTR=$P-rtr WAN=$P-wan LAN=$P-lan
tmp=$(mktemp -d) || exit 1
cleanup() {
	trap - EXIT INT TERM HUP
	for ns in $RTR $WAN $LAN; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ip netns add "$RTR" 2>/dev/null || skip "ip netns add failed"
ip netns exec "$RTR" nft add table inet probe_ 2>/dev/null ||
	skip "nf_tables not usable in a network namespace"
ip netns exec "$RTR" nft delete table inet probe_
ip netns add "$WAN" || exit 1
ip netns add "$LAN" || exit 1

# wan0 (router) -- eth0 (wan); br-lan (router) -- eth0 (lan)
x() { "$@" || { echo "# failed: $*"; exit 1; }; }
for ns in $RTR $WAN $LAN; do
	x ip -n "$ns" link set lo up
	x ip netns exec "$ns" sh -c 'echo 0 >/proc/sys/net/ipv6/conf/all/accept_dad;
		echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad;
		echo 0 >/proc/sys/net/ipv6/conf/default/accept_ra'
done
x ip netns exec "$RTR" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/forwarding;
	echo 1 >/proc/sys/net/ipv4/ip_forward;
	echo 0 >/proc/sys/net/ipv4/conf/all/rp_filter;
	echo 0 >/proc/sys/net/ipv4/conf/default/rp_filter;
	echo 0 >/proc/sys/net/ipv4/conf/all/send_redirects;
	echo 0 >/proc/sys/net/ipv4/conf/default/send_redirects'
x ip -n "$RTR" link add wan0 type veth peer name eth0 netns "$WAN"
x ip -n "$RTR" link add br-lan type veth peer name eth0 netns "$LAN"
x ip -n "$LAN" link set eth0 up
x ip -n "$RTR" addr add 2001:db8:eeee::1/64 dev wan0 nodad
x ip -n "$RTR" addr add 203.0.113.1/24 dev wan0
x ip -n "$RTR" addr add 2001:db8:1:2::1/64 dev br-lan nodad
x ip -n "$RTR" addr add 192.0.2.1/24 dev br-lan
x ip -n "$RTR" link set wan0 up
x ip -n "$RTR" link set br-lan up
x ip -n "$WAN" addr add 2001:db8:eeee::2/64 dev eth0 nodad
x ip -n "$WAN" addr add 203.0.113.2/24 dev eth0
x ip -n "$WAN" link set eth0 up
# every other destination is routed (back out of wan0): the forward hook sees it
x ip -n "$RTR" -6 route add default via 2001:db8:eeee::2 dev wan0
x ip -n "$RTR" -4 route add default via 203.0.113.2 dev wan0
mac=$(ip -n "$RTR" -o link show wan0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
lmac=$(ip -n "$RTR" -o link show br-lan | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
[ -n "$mac" ] && [ -n "$lmac" ] || { echo "# no MAC on wan0 or br-lan"; exit 1; }

cat >"$tmp/obs.nft" <<'NFT'
table inet probe_seen {
	set l4 { typeof th sport; flags dynamic; size 65535; }
	set e6 { typeof icmpv6 id; flags dynamic; size 65535; }
	set e4 { typeof icmp id; flags dynamic; size 65535; }
	chain in {
		type filter hook input priority 100; policy accept;
		meta l4proto { tcp, udp } add @l4 { th sport }
		icmpv6 type echo-request add @e6 { icmpv6 id }
		icmp type echo-request add @e4 { icmp id }
	}
	chain fw {
		type filter hook forward priority 100; policy accept;
		meta l4proto { tcp, udp } add @l4 { th sport }
		icmpv6 type echo-request add @e6 { icmpv6 id }
		icmp type echo-request add @e4 { icmp id }
	}
}
NFT
x ip netns exec "$RTR" nft -f "$tmp/obs.nft"
export PINHOLE_STATE_DIR="$tmp/state"

# policies whose outside interface is wan0 (the router's)
set --
for f in "$srcdir"/tests/golden/*.yaml "$srcdir"/examples/*.yaml; do
	[ -f "${f%.yaml}.err" ] && continue
	if grep -q '^zones:' "$f"; then
		grep -q 'interfaces: \[wan0' "$f" || continue
	fi
	set -- "$@" "$f"
done
n_gen=0 seed=1
while [ $n_gen -lt 6 ] && [ $seed -lt 60 ]; do
	g=$tmp/gen-$seed.yaml
	python3 "$srcdir/tests/gen-policy.py" $seed >"$g"
	seed=$((seed + 1))
	grep -q '^zones:' "$g" && ! grep -q 'interfaces: \[wan0' "$g" && continue
	"$PINHOLE" check "$g" >/dev/null 2>&1 || continue
	set -- "$@" "$g"
	n_gen=$((n_gen + 1))
done

PER=${EXPLAIN_PER_POLICY:-50}
id=10000 total=0 bad=0 start=$(date +%s)
for pol; do
	name=$(basename "$pol")
	if ! timeout 30 "$PINHOLE" --netns "$RTR" apply --force "$pol" >"$tmp/apply.out" 2>&1; then
		fail "$name: applied in the router" "$tmp/apply.out"
		continue
	fi
	"$PINHOLE" compile "$pol" >"$tmp/c.nft" 2>/dev/null
	# zone lan, first interface br-lan: probes from the LAN too
	lan=0
	tr -d ' \n' <"$pol" | grep -Eq '(^|[]}:])lan:\{?interfaces:\[br-lan' && lan=1
	python3 "$srcdir/tests/explain-probe.py" gen "$tmp/c.nft" $id $PER $id $lan >"$tmp/probes"
	id=$((id + PER))
	timeout 120 python3 "$srcdir/tests/explain-probe.py" explain "$tmp/probes" \
		"$PINHOLE" "$RTR" "$pol" >"$tmp/said" || { fail "$name: explain ran"; continue; }
	ip netns exec "$RTR" nft flush set inet probe_seen l4
	ip netns exec "$RTR" nft flush set inet probe_seen e6
	ip netns exec "$RTR" nft flush set inet probe_seen e4
	timeout 30 ip netns exec "$WAN" python3 "$srcdir/tests/explain-probe.py" send \
		"$tmp/probes" wan eth0 "$mac" &&
	timeout 30 ip netns exec "$LAN" python3 "$srcdir/tests/explain-probe.py" send \
		"$tmp/probes" lan eth0 "$lmac" || { fail "$name: probes sent"; continue; }
	sleep 0.3
	for s in l4 e6 e4; do
		ip netns exec "$RTR" nft list set inet probe_seen $s |
			tr -s ' ,{}=\t' '\n' | grep -E '^[0-9]+$' | sed "s/^/$s /"
	done >"$tmp/seen"
	# ID KERNEL POLICY LIVE, then the disagreements
	awk -v seen="$tmp/seen" -v probes="$tmp/probes" '
		BEGIN {
			while ((getline l < seen) > 0) { split(l, f, " "); s[f[1] " " f[2]] = 1 }
			while ((getline l < probes) > 0) {
				split(l, f, " ")
				set = f[3] == "icmpv6" ? (f[2] == 6 ? "e6" : "e4") : "l4"
				k[f[1]] = s[set " " f[1]] ? "accept" : "not-accepted"
				desc[f[1]] = l
			}
		}
		{
			kv = k[$1]
			ok_p = ($2 == "accept") == (kv == "accept") && $2 != "unknown" && $2 != "error"
			ok_l = ($3 == "accept") == (kv == "accept") && $3 != "unknown" && $3 != "error"
			if (!ok_p || !ok_l)
				print "# " desc[$1] ": kernel " kv ", explain " $2 ", --live " $3
		}' "$tmp/said" >"$tmp/diff"
	cnt=$(wc -l <"$tmp/said")
	acc=$(awk '$2 == "accept"' "$tmp/said" | wc -l)
	nlan=$(awk '$7 == "lan"' "$tmp/probes" | wc -l)
	nd=$(wc -l <"$tmp/diff")
	total=$((total + cnt))
	bad=$((bad + nd))
	[ "$nd" = 0 ] && [ "$cnt" = "$PER" ]
	ok $? "$name: $cnt packets ($acc accepted, $nlan from the LAN), explain and --live agree with the kernel" "$tmp/diff"
done
echo "# $total packets in $(( $(date +%s) - start ))s, $bad disagreements"
[ $total -ge 1000 ]
ok $? "at least 1000 real packets compared ($total)"

# ------------------------------------------------ the lockout guard (SPEC §6.5)
cat >"$tmp/open.yaml" <<'Y'
version: 1
pinholes:
  - name: ssh
    host: self
    ports: 22
Y
cat >"$tmp/closed.yaml" <<'Y'
version: 1
pinholes:
  - name: web
    host: self
    ports: 443
Y
x ip netns exec "$RTR" nft delete table inet probe_seen
cat >"$tmp/router.yaml" <<'Y'
version: 1
zones:
  wan: { interfaces: [wan0] }
  lan: { interfaces: [br-lan] }
hosts:
  web: { ipv6: "2001:db8:1:2::80" }
pinholes:
  - { host: web, ports: 443 }
Y
"$PINHOLE" --netns "$RTR" apply --force "$tmp/open.yaml" >/dev/null 2>&1
ip netns exec "$RTR" nft list ruleset >"$tmp/before"
ssh_c="2001:db8:eeee::2 50123 2001:db8:eeee::1 22"
SSH_CONNECTION=$ssh_c "$PINHOLE" --netns "$RTR" apply "$tmp/closed.yaml" >"$tmp/g.out" 2>&1
rc=$?
ip netns exec "$RTR" nft list ruleset >"$tmp/after"
[ $rc = 2 ] && grep -q "^pinhole: this policy would cut off your SSH session from 2001:db8:eeee::2 to port 22 (counter drop); add a pinhole, or apply with --confirm S\$" "$tmp/g.out"
ok $? "guard: apply refuses a policy without the session's port (exit $rc)" "$tmp/g.out"
diff -u "$tmp/before" "$tmp/after" >"$tmp/g.diff"
ok $? "guard: ... and nothing changed (the table before is still loaded)" "$tmp/g.diff"
SSH_CONNECTION=$ssh_c "$PINHOLE" --netns "$RTR" apply "$tmp/open.yaml" >"$tmp/g.out" 2>&1
ok $? "guard: apply takes a policy with a pinhole for the session" "$tmp/g.out"
SSH_CONNECTION="203.0.113.2 50124 203.0.113.1 22" "$PINHOLE" --netns "$RTR" apply "$tmp/closed.yaml" >"$tmp/g.out" 2>&1
[ $? = 2 ] && grep -q 'from 203.0.113.2 to port 22' "$tmp/g.out"
ok $? "guard: an IPv4 session too" "$tmp/g.out"
SSH_CONNECTION="::ffff:203.0.113.2 50124 ::ffff:203.0.113.1 22" "$PINHOLE" --netns "$RTR" apply "$tmp/closed.yaml" >"$tmp/g.out" 2>&1
[ $? = 2 ]
ok $? "guard: an IPv4-mapped session address is the IPv4 one" "$tmp/g.out"
SSH_CONNECTION=$ssh_c "$PINHOLE" --netns "$RTR" apply --force "$tmp/closed.yaml" >"$tmp/g.out" 2>&1 &&
	ip netns exec "$RTR" nft list table inet pinhole | grep -q '443'
ok $? "guard: --force applies it anyway" "$tmp/g.out"
"$PINHOLE" --netns "$RTR" apply "$tmp/open.yaml" >/dev/null 2>&1
SSH_CONNECTION=$ssh_c timeout 60 "$PINHOLE" --netns "$RTR" apply --confirm 30 "$tmp/closed.yaml" >"$tmp/g.out" 2>&1
ok $? "guard: --confirm applies it (the timer restores the table)" "$tmp/g.out"
"$PINHOLE" --netns "$RTR" confirm >/dev/null 2>&1
SSH_CONNECTION="2001:db8:1:2::9 50125 2001:db8:1:2::1 22" "$PINHOLE" --netns "$RTR" apply "$tmp/router.yaml" >"$tmp/g.out" 2>&1
ok $? "guard: router mode, a session to the LAN address comes in on br-lan: the lan zone reaches the router" "$tmp/g.out"
SSH_CONNECTION=$ssh_c "$PINHOLE" --netns "$RTR" apply "$tmp/router.yaml" >"$tmp/g.out" 2>&1
[ $? = 2 ] && grep -q '(counter drop)' "$tmp/g.out"
ok $? "guard: router mode, a session from wan to the router is cut off by input_wan" "$tmp/g.out"
SSH_CONNECTION="2001:db8:eeee::2 50127 2001:db8:eeee::1 2222" "$PINHOLE" --netns "$RTR" apply "$tmp/open.yaml" >"$tmp/g.out" 2>&1
[ $? = 2 ] && grep -q 'to port 2222 ' "$tmp/g.out"
ok $? "guard: the session's own server port counts (sshd on 2222, pinhole for 22)" "$tmp/g.out"
SSH_CONNECTION="garbage" "$PINHOLE" --netns "$RTR" apply "$tmp/closed.yaml" >"$tmp/g.out" 2>&1 &&
	grep -q 'warning: SSH_CONNECTION' "$tmp/g.out"
ok $? "guard: an SSH_CONNECTION it cannot read is a warning, not a refusal" "$tmp/g.out"
SSH_CONNECTION="::1 50126 ::1 22" "$PINHOLE" --netns "$RTR" apply "$tmp/closed.yaml" >"$tmp/g.out" 2>&1
ok $? "guard: a session over loopback is kept by 'iifname lo accept'" "$tmp/g.out"
SSH_CONNECTION=$ssh_c "$PINHOLE" --netns "$RTR" apply --boot "$tmp/closed.yaml" >"$tmp/g.out" 2>&1
ok $? "guard: --boot ignores it" "$tmp/g.out"

echo "1..$n"
[ "$failed" = 0 ]
