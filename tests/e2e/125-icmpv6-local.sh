# RFC 4890 with real ICMPv6 (doc/rfc6092.md's second table):
#  - §4.4.1, to the router: inverse ND (141), SEND (148) with hop limit 255
#    and multicast router discovery (151) from a link-local source pass
#    pinhole's input chain (conntrack marks the first two invalid, so they
#    must be accepted before `ct state invalid drop`); inverse ND with hop
#    limit 64 (not on-link) does not; router solicitation/advertisement,
#    MLD and the reply to the router's own ping pass too;
#  - `strict`, in transit: a time-exceeded code 1 that conntrack relates to
#    a LAN client's UDP flow is dropped, code 0 passes; with rfc4890 both.
# What passed is counted by a table of the test's own at a later priority
# (input on the router, input on cli): pinhole's accept lets a packet on to
# it, pinhole's drop does not.
py=$(command -v python3)
send6() { _ns=$1; shift; ip netns exec "$_ns" timeout 5 "$py" "$E2E_DIR/icmp6send.py" "$@" 2>>"$tmp/icmp6.err"; }
count_table() {	# NS CHAIN-HOOK RULE...: a counter per rule, named c0, c1, ...
	_ns=$1 _hook=$2; shift 2
	ip netns exec "$_ns" nft add table inet e2e_count &&
	ip netns exec "$_ns" nft add chain inet e2e_count c "{ type filter hook $_hook priority 10; }" || return 1
	_i=0
	for _r; do
		ip netns exec "$_ns" nft add rule inet e2e_count c $_r counter comment "\"c$_i\"" || return 1
		_i=$((_i + 1))
	done
}
# counted NS NAME: the packets the rule named NAME counted
counted() {
	ip netns exec "$1" nft list chain inet e2e_count c |
		sed -n "s/.*counter packets \([0-9]*\) .*comment \"$2\".*/\1/p"
}
expect_count() {	# NS NAME N LABEL
	_got=$(counted "$1" "$2")
	if [ "$_got" = "$3" ]; then tap_ok "$PHASE: $4"
	else tap_not_ok "$PHASE: $4"; echo "counted ${_got:-nothing}, expected $3" | diag; fi
}

rtr_ll=$(ip -n "$RTR" -6 addr show dev wan0 scope link | sed -n 's/.*inet6 \(fe80::[0-9a-f:]*\)\/.*/\1/p' | head -n 1)

# --- to the router (rfc4890, home-router.yaml)
load_ok "$RTR" "$EX/home-router.yaml"
if [ -z "$rtr_ll" ] ||
   ! count_table "$RTR" input "icmpv6 type 141 ip6 hoplimit 255" "icmpv6 type 141 ip6 hoplimit 64" \
	"icmpv6 type 148" "icmpv6 type 151" "icmpv6 type nd-router-solicit" \
	"icmpv6 type nd-router-advert" "icmpv6 type mld-listener-query" \
	"icmpv6 type echo-reply" 2>"$tmp/icmp6.err"; then
	tap_not_ok "$PHASE: a counting table on the router"
	diag < "$tmp/icmp6.err"
else
	send6 "$WAN" "$rtr_ll%eth0" 141 0 255
	send6 "$WAN" "$rtr_ll%eth0" 141 0 64
	send6 "$WAN" "$rtr_ll%eth0" 148 0 255
	send6 "$WAN" "$rtr_ll%eth0" 151 0 1
	send6 "$WAN" "$rtr_ll%eth0" 133 0 255
	send6 "$WAN" "$rtr_ll%eth0" 134 0 255
	send6 "$WAN" "$rtr_ll%eth0" 130 0 1
	ip netns exec "$RTR" ping -6 -c 1 -W 2 "$WAN_OUT6" >/dev/null 2>&1
	sleep 0.3
	diag < "$tmp/icmp6.err"
	expect_count "$RTR" c0 1 "inverse ND solicitation (141, hop limit 255) from wan's link-local address passes input"
	expect_count "$RTR" c1 0 "inverse ND with hop limit 64 (not on-link) is dropped"
	expect_count "$RTR" c2 1 "SEND certification path solicitation (148, hop limit 255) passes input"
	expect_count "$RTR" c3 1 "multicast router advertisement (151) from a link-local source passes input"
	expect_count "$RTR" c4 1 "router solicitation (133, hop limit 255) passes input"
	expect_count "$RTR" c5 1 "router advertisement (134, hop limit 255) passes input"
	expect_count "$RTR" c6 1 "MLD query (130) from a link-local source passes input"
	expect_count "$RTR" c7 1 "the echo reply to the router's own ping passes input"
	ip netns exec "$RTR" nft delete table inet e2e_count
fi

# --- in transit: an error that conntrack relates to cli's UDP flow to wan
# icmp_related MODE: cli opens the flow, wan answers it with time-exceeded
# codes 0 and 1 quoting it; what reached cli's input is counted
icmp_related() {
	_sport=$((40000 + n))
	count_table "$CLI" input "icmpv6 type time-exceeded icmpv6 code 0" \
		"icmpv6 type time-exceeded icmpv6 code 1" 2>"$tmp/icmp6.err" || return 1
	ip netns exec "$CLI" timeout 3 "$py" -c "
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(('$CLI6', $_sport))
s.sendto(b'x', ('$WAN_OUT6', 53))
s.settimeout(2)
s.recv(100)" 2>>"$tmp/icmp6.err" || return 1
	send6 "$WAN" "$CLI6" 3 0 64 "$CLI6" "$WAN_OUT6" "$_sport" 53
	send6 "$WAN" "$CLI6" 3 1 64 "$CLI6" "$WAN_OUT6" "$_sport" 53
	sleep 0.3
}
if icmp_related; then
	expect_count "$CLI" c0 1 "rfc4890: a related time-exceeded code 0 reaches the LAN client"
	expect_count "$CLI" c1 1 "rfc4890: a related time-exceeded code 1 reaches the LAN client"
else
	tap_not_ok "$PHASE: rfc4890: cli's UDP flow to wan and the counting table"; diag < "$tmp/icmp6.err"
fi
ip netns exec "$CLI" nft delete table inet e2e_count 2>/dev/null
load_ok "$RTR" "$E2E_DIR/icmpv6-strict.yaml"
if icmp_related; then
	expect_count "$CLI" c0 1 "strict: a related time-exceeded code 0 (must not drop) reaches the LAN client"
	expect_count "$CLI" c1 0 "strict: a related time-exceeded code 1 (should not drop) is dropped"
else
	tap_not_ok "$PHASE: strict: cli's UDP flow to wan and the counting table"; diag < "$tmp/icmp6.err"
fi
ip netns exec "$CLI" nft delete table inet e2e_count 2>/dev/null
unload "$RTR"
