# defaults.ping (SPEC 6.3): echo requests to the router from outside are
# answered by default, IPv4 as well as IPv6 (a new default: IPv4 ping
# used to be dropped), and not with `ping: drop`. Echo to an inside host
# follows defaults.icmpv6 (RFC 4890: it passes) either way, and the LAN
# (input: accept) still pings the router.
load_ok "$RTR" "$EX/dual-stack.yaml"
ping_check pass wan4 rtr4
ping_check pass wan6 rtr6
ping_check pass wan6 srv6
load_ok "$RTR" "$E2E_DIR/ping-drop.yaml"
ping_check drop wan4 rtr4
ping_check drop wan6 rtr6
ping_check pass wan6 srv6
ping_check pass cli4 rtr4lan
ping_check pass cli6 rtr6lan
