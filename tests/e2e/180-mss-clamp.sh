# mss_clamp (SPEC 6.1, fw4's mtu_fix), proven by the MSS of the SYN as the
# far end receives it. The router's routes toward far (outbound) and toward
# srv (inbound, through the pinhole and the IPv4 forward) get MTU 1400, so a
# clamped SYN carries 1400 - 60 = 1340 (IPv6) or 1400 - 40 = 1360 (IPv4);
# unclamped, the sender's own 1440 / 1460 (its link MTU is 1500). The MSS is
# read on the receiving side by an nft set the SYN adds its option to
# (table inet obs there); the routes and the observers go at the end.
MSS_OBS='table inet obs {
	set mss6 { typeof tcp option maxseg size; size 16; flags dynamic; }
	set mss4 { typeof tcp option maxseg size; size 16; flags dynamic; }
	chain in {
		type filter hook input priority raw; policy accept;
		meta nfproto ipv6 tcp dport 80 tcp flags & (syn | ack) == syn add @mss6 { tcp option maxseg size }
		meta nfproto ipv4 tcp dport 80 tcp flags & (syn | ack) == syn add @mss4 { tcp option maxseg size }
	}
}'
mss_obs_reset() {
	for ns in "$FAR" "$SRV"; do
		ip netns exec "$ns" nft delete table inet obs 2>/dev/null
		echo "$MSS_OBS" | ip netns exec "$ns" nft -f - || return 1
	done
}
# mss_seen NS SET: the MSS values SET of NS holds, space separated
mss_seen() {
	ip netns exec "$1" nft list set inet obs "$2" 2>/dev/null |
		sed -n 's/.*elements = { \(.*\) }.*/\1/p' | tr -d ','
}
# mss_check WHAT NS SET WANT
mss_check() {
	_got=$(mss_seen "$2" "$3")
	if [ "$_got" = "$4" ]; then
		tap_ok "$PHASE: $1: the SYN arrives with MSS $4"
	else
		tap_not_ok "$PHASE: $1: the SYN arrives with MSS $4"
		echo "seen: ${_got:-nothing}" | diag
	fi
}

ip -n "$RTR" -6 route add "$FAR6" via "$WAN_IN6" dev wan0 mtu 1400 &&
ip -n "$RTR" -4 route add "$FAR4" via "$WAN_OUT4" dev wan0 mtu 1400 &&
ip -n "$RTR" -6 route add "$SRV6" dev br-lan mtu 1400 &&
ip -n "$RTR" -4 route add "$SRV4" dev br-lan mtu 1400
tap_check "$PHASE: the router's routes to far and srv have MTU 1400" test $? = 0

for pol in mss-clamp mss-off; do
	load_ok "$RTR" "$E2E_DIR/$pol.yaml"
	if mss_obs_reset; then
		tap_ok "$PHASE: $pol: observers on far and srv"
	else
		tap_not_ok "$PHASE: $pol: observers on far and srv"
	fi
	q open cli6 far6 tcp 80
	q open cli4 far4 tcp 80
	q open wan6 srv6 tcp 80
	q open wan4 rtr4 tcp 80 srv tcp/80
	run_probes
	if [ $pol = mss-clamp ]; then
		mss_check "$pol: cli6 -> far6 (out of wan0)" "$FAR" mss6 1340
		mss_check "$pol: cli4 -> far4 (out of wan0)" "$FAR" mss4 1360
		mss_check "$pol: wan6 -> srv6 (in from wan0)" "$SRV" mss6 1340
		mss_check "$pol: wan4 -> srv4 by the forward (in from wan0)" "$SRV" mss4 1360
	else
		mss_check "$pol: cli6 -> far6, not clamped" "$FAR" mss6 1440
		mss_check "$pol: cli4 -> far4, not clamped" "$FAR" mss4 1460
		mss_check "$pol: wan6 -> srv6, not clamped" "$SRV" mss6 1440
		mss_check "$pol: wan4 -> srv4, not clamped" "$SRV" mss4 1460
	fi
	ip netns exec "$RTR" "$PINHOLE" diff "$E2E_DIR/$pol.yaml" >"$tmp/mss.diff" 2>&1
	tap_check "$PHASE: $pol: diff against the live table shows nothing" test $? = 0
	[ -s "$tmp/mss.diff" ] && diag < "$tmp/mss.diff"
done

for ns in "$FAR" "$SRV"; do
	ip netns exec "$ns" nft delete table inet obs 2>/dev/null
done
ip -n "$RTR" -6 route del "$FAR6" via "$WAN_IN6" dev wan0
ip -n "$RTR" -4 route del "$FAR4" via "$WAN_OUT4" dev wan0
ip -n "$RTR" -6 route del "$SRV6" dev br-lan
ip -n "$RTR" -4 route del "$SRV4" dev br-lan
