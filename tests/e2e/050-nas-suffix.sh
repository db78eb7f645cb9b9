# examples/nas-suffix.yaml (seed 003): the NAS is named by its interface ID
# ::1234:5678 under any /64. Web UI open, SSH only from the owner's prefix,
# SMB shut. Then the NAS gets a second prefix and, without a reload, the
# same pinholes hold for its new address.
load_ok "$RTR" "$EX/nas-suffix.yaml"
q open wan6 nas6 tcp 80
q open wan6 nas6 tcp 443
q open wan6in nas6 tcp 22
q closed wan6 nas6 tcp 22
for p in 139 445 3306; do q closed wan6 nas6 tcp $p; done
q closed wan6in nas6 tcp 445
q closed wan6 nas6 udp 137
q closed wan6 nas6 udp 443
# the suffix matches ::1234:5678 only, not its neighbours on the prefix
q closed wan6 srv6 tcp 80
q closed wan6 cli6 tcp 80
q closed wan6in srv6 tcp 22
run_probes

# A second /64 appears (a prefix change, or a second delegation): the NAS
# takes ::1234:5678 in it, the router routes it. No reload.
sum_before=$(ip netns exec "$RTR" nft -a -s list ruleset | cksum)
if ip -n "$RTR" addr add "$RTR_LAN6B/64" dev br-lan nodad &&
   ip -n "$NAS" addr add "$NAS6B/64" dev eth0 nodad; then
	tap_ok "$PHASE: nas gets 2001:db8:1:3::1234:5678 under a second prefix"
else
	tap_not_ok "$PHASE: nas gets 2001:db8:1:3::1234:5678 under a second prefix"
fi
q open wan6 nas6b tcp 80
q open wan6 nas6b tcp 443
q open wan6in nas6b tcp 22
q closed wan6 nas6b tcp 22
q closed wan6 nas6b tcp 445
q closed wan6 nas6b udp 443
run_probes
ping_check pass wan6 nas6b
tap_check "$PHASE: the ruleset was not reloaded for the new prefix (same handles)" \
	test "$(ip netns exec "$RTR" nft -a -s list ruleset | cksum)" = "$sum_before"
