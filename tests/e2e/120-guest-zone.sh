# tests/e2e/guest-zone.yaml: the second link of 110 (up on wan1) becomes a
# guest zone (reach: [wan], input: drop). It reaches the internet, not the
# LAN (not even the pinholed server) and, on the router, DNS only.
up_link 2>"$tmp/up.err" || diag < "$tmp/up.err"
# as a guest network, up routes everything through the router, and the
# internet routes the guest prefix back to it
ip -n "$UP" -6 route replace default via "$RTR_UP6" dev eth0
ip -n "$WAN" -6 route replace 2001:db8:e2::/64 via "$RTR_WAN6" dev eth0
load_ok "$RTR" "$E2E_DIR/guest-zone.yaml"
q open up6 wan6 tcp 80
q closed up6 srv6 tcp 443
q closed up6 rtr6up tcp 22
q open up6 rtr6up udp 53
q open cli6 rtr6lan tcp 22
run_probes
