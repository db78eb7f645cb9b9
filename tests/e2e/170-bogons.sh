# defaults.bogons (SPEC 6.3; RFC 6092 REC-1..4, REC-7) with real packets.
# scapy in wan puts odd IPv6 datagrams straight onto wan0 (bogons-send.py);
# nft counters of the case's own, in srv's namespace (prerouting) and in
# the router's (input, after pinhole's chain), count what arrives, and
# pinhole's own counters show which of its rules dropped the rest. Each
# datagram has its own source port, so every one is counted by itself.
#   - every bogon source class, to a pinholed port on srv and to the router:
#     never arrives; a 2001:db8 source does;
#   - a ULA destination through the router drops; routing header type 0
#     drops, type 2 (and none) arrives;
#   - DAD from :: still works on wan0 (the router answers a duplicate);
#   - explain (policy and --live) names the bogons rule; diff is empty;
#   - with bogons: false a ULA source and destination arrive.

# A python3 with scapy: Debian's first (CI's python3 is /usr/bin/python3).
BOGON_PY=
for py in /usr/bin/python3 python3; do
	if "$py" -c 'import scapy.all' >/dev/null 2>&1; then
		BOGON_PY=$py
		break
	fi
done

SRV6ULA=fd00:1:2::80 RTR_LAN6ULA=fd00:1:2::1

# counters_up NS HOOK SPORT...: table inet obs170 in NS, one counter rule
# per source port (udp), in a base chain on HOOK that never drops.
counters_up() {
	_ns=$1 _hook=$2
	shift 2
	{
		echo "table inet obs170 {"
		echo "	chain c { type filter hook $_hook priority 10; policy accept;"
		for sp; do echo "		udp sport $sp counter"; done
		echo "	}"
		echo "}"
	} >"$tmp/obs170.nft"
	ip netns exec "$_ns" nft delete table inet obs170 2>/dev/null
	ip netns exec "$_ns" nft -f "$tmp/obs170.nft"
}

# seen NS SPORT: the packets counted for SPORT in NS's obs170 table.
seen() {
	ip netns exec "$1" nft list chain inet obs170 c 2>/dev/null |
		awk -v sp="$2" '$1 == "udp" && $3 == sp { print $6; f = 1 }
				END { if (!f) print "?" }'
}

# dropped CHAIN PATTERN: packets of the pinhole rule in CHAIN whose text
# has PATTERN (fixed string), from the router's table.
dropped() {
	ip netns exec "$RTR" nft list chain inet pinhole "$1" 2>/dev/null |
		grep -F -- "$2" | sed -n 's/.* counter packets \([0-9]*\) .*/\1/p' |
		head -n 1
}

# send SPEC...: bogons-send.py from wan onto wan0
send() {
	ip netns exec "$WAN" timeout 60 "$BOGON_PY" "$E2E_DIR/bogons-send.py" \
		eth0 "$RTR_MAC" "$@" 2>"$tmp/send.err"
}

if [ -z "$BOGON_PY" ]; then
	if [ "${CI:-}" = true ]; then
		tap_not_ok "$PHASE: a python3 with scapy (python3-scapy) is installed"
	else
		tap_ok "$PHASE: # SKIP no python3 with scapy (apt-get install python3-scapy)"
	fi
else
	unload "$SRV"
	RTR_MAC=$(ip -n "$RTR" -o link show wan0 |
		  sed -n 's/.*link\/ether \([0-9a-f:]*\) .*/\1/p')
	# srv's ULA address, and the router's route to it (a connected /64)
	ip -n "$RTR" addr add "$RTR_LAN6ULA/64" dev br-lan nodad 2>/dev/null
	ip -n "$SRV" addr add "$SRV6ULA/64" dev eth0 nodad 2>/dev/null
	"$PINHOLE" check "$E2E_DIR/bogons.yaml" 2>"$tmp/chk.err" >/dev/null
	if grep -q "pinhole 'srvula-probe' opens the ULA address fd00:1:2::80 .*unless defaults.bogons is false" \
	   "$tmp/chk.err"; then
		tap_ok "$PHASE: check warns that bogon filtering closes the pinhole to the ULA host"
	else
		tap_not_ok "$PHASE: check warns that bogon filtering closes the pinhole to the ULA host"
		diag < "$tmp/chk.err"
	fi
	load_ok "$RTR" "$E2E_DIR/bogons.yaml"
	counters_up "$SRV" prerouting 41001 41002 41003 41004 41005 41006 41007 \
		41008 41009 41010
	counters_up "$RTR" input 42001 42002 42003 42004 42005 42006 42007
	hdrerr0=$(ip netns exec "$RTR" awk '$1 == "Ip6InHdrErrors" { print $2 }' \
		  /proc/net/snmp6)
	# sport,source,destination,dport,routing header
	if send \
	    41001,fd00::99,$SRV6,5001,none \
	    41002,fec0::99,$SRV6,5001,none \
	    41003,::198.51.100.2,$SRV6,5001,none \
	    41004,::ffff:198.51.100.2,$SRV6,5001,none \
	    41005,ff0e::99,$SRV6,5001,none \
	    41006,$WAN_OUT6,$SRV6,5001,none \
	    41007,$WAN_OUT6,$SRV6ULA,5001,none \
	    41008,$WAN_OUT6,$SRV6,5001,0 \
	    41009,$WAN_OUT6,$SRV6,5001,2 \
	    42001,fd00::99,$RTR_WAN6,5002,none \
	    42002,fec0::99,$RTR_WAN6,5002,none \
	    42003,::198.51.100.2,$RTR_WAN6,5002,none \
	    42004,$WAN_OUT6,$RTR_WAN6,5002,none \
	    42005,$WAN_OUT6,$RTR_WAN6,5002,0 \
	    42006,::ffff:198.51.100.2,$RTR_WAN6,5002,none \
	    42007,ff0e::99,$RTR_WAN6,5002,none; then
		tap_ok "$PHASE: scapy ($BOGON_PY) sent 16 datagrams from wan onto wan0"
	else
		tap_not_ok "$PHASE: scapy ($BOGON_PY) sent 16 datagrams from wan onto wan0"
		diag < "$tmp/send.err"
	fi
	# the router may still be resolving srv's address: wait (bounded)
	i=0
	while [ $i -lt 30 ] && [ "$(seen "$SRV" 41006)" != 1 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.3
	for spec in 41001:"a ULA source (fd00::99)" \
		    41002:"a site-local source (fec0::99)" \
		    41003:"an IPv4-compatible source (::198.51.100.2)" \
		    41004:"an IPv4-mapped source (::ffff:198.51.100.2)" \
		    41005:"a multicast source (ff0e::99)"; do
		tap_check "$PHASE: udp to srv's pinhole from ${spec#*:} does not arrive" \
			test "$(seen "$SRV" "${spec%%:*}")" = 0
	done
	tap_check "$PHASE: ... from 2001:db8:eeee::2 it arrives (once)" \
		test "$(seen "$SRV" 41006)" = 1
	tap_check "$PHASE: udp to srv's ULA address fd00:1:2::80 (its pinhole open) does not arrive" \
		test "$(seen "$SRV" 41007)" = 0
	tap_check "$PHASE: udp to srv with a routing header type 0 does not arrive" \
		test "$(seen "$SRV" 41008)" = 0
	tap_check "$PHASE: udp to srv with a routing header type 2 arrives" \
		test "$(seen "$SRV" 41009)" = 1
	for spec in 42001:"a ULA source" 42002:"a site-local source" \
		    42003:"an IPv4-compatible source" 42006:"an IPv4-mapped source" \
		    42007:"a multicast source"; do
		tap_check "$PHASE: udp to the router's pinhole from ${spec#*:} does not arrive" \
			test "$(seen "$RTR" "${spec%%:*}")" = 0
	done
	tap_check "$PHASE: ... from 2001:db8:eeee::2 it arrives (once)" \
		test "$(seen "$RTR" 42004)" = 1
	tap_check "$PHASE: ... with a routing header type 0 it does not arrive" \
		test "$(seen "$RTR" 42005)" = 0
	# which rules dropped them: pinhole's own counters. A multicast source
	# never reaches a hook: Linux drops it in ip6_rcv_core() (RFC 4291 2.7,
	# Ip6InHdrErrors), and some kernels drop an IPv4-mapped one there too;
	# so each of the 10 bogon-source datagrams is counted once, by
	# pinhole's bogons rule of forward or input or by the kernel, and the
	# ULA, site-local and IPv4-compatible ones by the rule.
	fw=$(dropped forward "ip6 saddr { ")
	in=$(dropped input "ip6 saddr { ")
	hdrerr1=$(ip netns exec "$RTR" awk '$1 == "Ip6InHdrErrors" { print $2 }' \
		  /proc/net/snmp6)
	k=$((hdrerr1 - hdrerr0))
	tap_check "$PHASE: the bogons rules counted $fw in forward and $in in input, the kernel $k: each of the 10 bogon sources once" \
		test $((fw + in + k)) = 10 -a "$fw" -ge 3 -a "$in" -ge 3 -a "$k" -ge 2
	got=$(dropped forward "ip6 daddr fc00::/7")
	tap_check "$PHASE: forward's ULA-destination rule counted 1 (got $got)" test "$got" = 1
	got=$(dropped forward "rt type 0")
	tap_check "$PHASE: forward's rt type 0 rule counted 1 (got $got)" test "$got" = 1
	got=$(dropped input "rt type 0")
	tap_check "$PHASE: input's rt type 0 rule counted 1 (got $got)" test "$got" = 1

	# DAD: wan claims the router's address; the router's NA to the NS
	# from :: must come back, so wan's copy fails DAD
	ns_sysctl "$WAN" net.ipv6.conf.eth0.accept_dad=1 net.ipv6.conf.eth0.dad_transmits=1
	ip -n "$WAN" addr add "$RTR_WAN6/64" dev eth0
	i=0
	while [ $i -lt 40 ] &&
	      ! ip -n "$WAN" addr show dev eth0 | grep -q "$RTR_WAN6/64.*dadfailed"; do
		sleep 0.1
		i=$((i + 1))
	done
	if ip -n "$WAN" addr show dev eth0 | grep -q "$RTR_WAN6/64.*dadfailed"; then
		tap_ok "$PHASE: DAD from :: on wan0 works: wan's duplicate of the router's address fails"
	else
		tap_not_ok "$PHASE: DAD from :: on wan0 works: wan's duplicate of the router's address fails"
		ip -n "$WAN" addr show dev eth0 | diag
	fi
	ip -n "$WAN" addr del "$RTR_WAN6/64" dev eth0 2>/dev/null
	ns_sysctl "$WAN" net.ipv6.conf.eth0.accept_dad=0
	ip netns exec "$RTR" ping -6 -c 1 -W 2 "$WAN_OUT6" >"$tmp/ping.out" 2>&1
	tap_check "$PHASE: ... and the router still reaches wan afterwards (ping)" test $? = 0

	# explain, from the policy and from the kernel's table
	"$PINHOLE" explain "$E2E_DIR/bogons.yaml" --from fd00::99 --to "$SRV6" \
		--proto udp --port 5001 >"$tmp/ex.out" 2>&1
	r=$?
	if [ $r = 1 ] && grep -q "^default: defaults.bogons: drop, a source that never comes from the internet (rule [0-9]* of chain forward, .*bogons.yaml:12:11)" "$tmp/ex.out"; then
		tap_ok "$PHASE: explain: fd00::99 to srv drops by the bogons rule, at its key"
	else
		tap_not_ok "$PHASE: explain: fd00::99 to srv drops by the bogons rule, at its key (exit $r)"
		diag < "$tmp/ex.out"
	fi
	ip netns exec "$RTR" "$PINHOLE" explain --live --from fec0::99 --to "$SRV6" \
		--proto udp --port 5001 >"$tmp/ex.out" 2>&1
	r=$?
	if [ $r = 1 ] && grep -q "^default: defaults.bogons: drop, a source" "$tmp/ex.out"; then
		tap_ok "$PHASE: explain --live: fec0::99 to srv drops by the bogons rule"
	else
		tap_not_ok "$PHASE: explain --live: fec0::99 to srv drops by the bogons rule (exit $r)"
		diag < "$tmp/ex.out"
	fi
	if [ "$LOADER" = apply ]; then
		ip netns exec "$RTR" "$PINHOLE" --state-dir "$tmp/state/$RTR" diff \
			"$E2E_DIR/bogons.yaml" >"$tmp/diff.out" 2>&1
		r=$?
		tap_check "$PHASE: diff after apply shows nothing (exit $r)" test $r = 0
		[ $r = 0 ] || diag < "$tmp/diff.out"
	fi

	# bogons: false
	load_ok "$RTR" "$E2E_DIR/bogons-off.yaml"
	counters_up "$SRV" prerouting 41101 41102 41103
	send 41101,fd00::99,$SRV6,5001,none 41102,$WAN_OUT6,$SRV6ULA,5001,none \
		41103,$WAN_OUT6,$SRV6,5001,0 || diag < "$tmp/send.err"
	i=0
	while [ $i -lt 30 ] && [ "$(seen "$SRV" 41101)" != 1 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.3
	tap_check "$PHASE: bogons: false: udp from a ULA source (fd00::99) arrives at srv" \
		test "$(seen "$SRV" 41101)" = 1
	tap_check "$PHASE: bogons: false: udp to srv's ULA address arrives" \
		test "$(seen "$SRV" 41102)" = 1
	tap_check "$PHASE: bogons: false: no routing header rule: type 0 (segments left 0) arrives" \
		test "$(seen "$SRV" 41103)" = 1

	ip netns exec "$SRV" nft delete table inet obs170 2>/dev/null
	ip netns exec "$RTR" nft delete table inet obs170 2>/dev/null
	ip -n "$SRV" addr del "$SRV6ULA/64" dev eth0 2>/dev/null
	ip -n "$RTR" addr del "$RTR_LAN6ULA/64" dev br-lan 2>/dev/null
fi
