# examples/dual-stack.yaml (seed 001, second setup): the IPv6 pinhole plus
# IPv4 port forwards of 443 and 8443 -> 443 on the router's wan address,
# and masquerade for the LAN; IPv6 from the LAN is never translated.
load_ok "$RTR" "$EX/dual-stack.yaml"
q open wan6 srv6 tcp 443
q open wan6 srv6 udp 443
q closed wan6 srv6 tcp 8443
q closed wan6 srv6 tcp 80
# port forwards: the server answers, and sees the real client address
q peer=$WAN_OUT4 wan4 rtr4 tcp 443 srv tcp/443
q open wan4 rtr4 tcp 8443 srv tcp/443
for p in 22 53 80 445 3306; do q closed wan4 rtr4 tcp $p; done
q closed wan4 rtr4 udp 443
q closed wan4 rtr4 udp 53
q closed wan4 cli4 tcp 22
# SPEC §1: DNAT "from the router's wan address" (fib daddr type local):
# a packet the internet routes to a LAN address is not forwarded
q closed wan4 cli4 tcp 443
# masquerade: the internet sees the router's address for IPv4 ...
q peer=$RTR_WAN4 cli4 wan4 tcp 80
q peer=$RTR_WAN4 cli4 wan4 udp 53
q peer=$RTR_WAN4 srv4 wan4 tcp 80
# ... and the LAN host's own address for IPv6
q peer=$CLI6 cli6 wan6 tcp 80
q peer=$SRV6 srv6 wan6 udp 53
run_probes

nmap_expect wan4 rtr4 "1-1100,2222,3306,8000,8443" "443 8443"
upload_check cli4 far4
