# examples/router-https.yaml (seed 001, fw4 rule): HTTPS over tcp and udp
# to the server's GUA, IPv6 only; everything else stays shut.
load_ok "$RTR" "$EX/router-https.yaml"
q open wan6 srv6 tcp 443
q open wan6 srv6 udp 443
q open wan6in srv6 tcp 443
for p in 22 80 445 3306 8443; do q closed wan6 srv6 tcp $p; done
q closed wan6 srv6 udp 53
q closed wan6 cli6 tcp 443
q closed wan6 cli6 udp 443
q closed wan6 nas6 tcp 443
q closed wan6 nas6 udp 443
q closed wan6 rtr6 tcp 443
# IPv6 only: no IPv4 forward, no routed IPv4 either
q closed wan4 rtr4 tcp 443
q closed wan4 srv4 tcp 443
run_probes
ping_check pass wan6 srv6
nmap_expect wan6 srv6 1-1100,3306,7990-9010 "443"
