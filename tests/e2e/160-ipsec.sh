# ipsec: true (SPEC 6.3, RFC 6092 REC-21..24): IKE (udp 500, 4500) and
# ESP/AH (IPv6 next header 50/51, sent raw by socat) from the internet
# reach srv; by default they are dropped. srv counts the ESP and AH packets
# that arrive in an nft table of its own namespace.
listen "$SRV" srv udp 500
listen "$SRV" srv udp 4500
i=0
while [ $i -lt 50 ] && [ "$(ip netns exec "$SRV" ss -Huln 2>/dev/null |
	grep -Ec ']:(500|4500)[[:space:]]')" -lt 2 ]; do
	sleep 0.1
	i=$((i + 1))
done
ip netns exec "$SRV" nft -f - <<NFT
table inet e2e_ipsec {
	chain in {
		type filter hook input priority -10; policy accept;
		meta l4proto esp counter
		meta l4proto ah counter
	}
}
NFT

# ipsec_seen esp|ah: packets of that protocol srv has received so far
ipsec_seen() {
	ip netns exec "$SRV" nft list chain inet e2e_ipsec in 2>/dev/null |
		sed -n "s/.*meta l4proto $1 counter packets \([0-9]*\).*/\1/p"
}

# ipsec_send PROTO-NUMBER: three raw IPv6 packets wan -> srv (bounded)
ipsec_send() {
	for k in 1 2 3; do
		printf '\000\000\020\001\000\000\000\00%spinhole-e2e' "$k" |
			ip netns exec "$WAN" timeout 5 socat -u - \
			"IP6-SENDTO:[$SRV6]:$1,bind=[$WAN_OUT6]" 2>/dev/null
	done
	sleep 0.3
}

# ipsec_check EXPECT PROTO NUM: EXPECT pass (srv's counter grew) | drop
ipsec_check() {
	_before=$(ipsec_seen "$2")
	ipsec_send "$3"
	_after=$(ipsec_seen "$2")
	if [ "${_after:-0}" -gt "${_before:-0}" ]; then _got=pass; else _got=drop; fi
	if [ "$_got" = "$1" ]; then
		tap_ok "$PHASE: $2 (next header $3) wan6 -> srv6: $1"
	else
		tap_not_ok "$PHASE: $2 (next header $3) wan6 -> srv6: $1 (got $_got; srv counted ${_before:-?} then ${_after:-?})"
	fi
}

load_ok "$RTR" "$EX/router-https.yaml"
q closed wan6 srv6 udp 500
q closed wan6 srv6 udp 4500
run_probes
ipsec_check drop esp 50
ipsec_check drop ah 51
load_ok "$RTR" "$E2E_DIR/ipsec.yaml"
q open wan6 srv6 udp 500
q open wan6 srv6 udp 4500
q closed wan6 srv6 udp 53
q closed wan6 srv6 tcp 80
run_probes
ipsec_check pass esp 50
ipsec_check pass ah 51
ip netns exec "$SRV" nft delete table inet e2e_ipsec
