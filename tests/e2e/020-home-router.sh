# examples/home-router.yaml (seeds 000, 002): nothing from the internet
# reaches the LAN or the router; the LAN reaches everything, replies pass,
# ICMPv6 errors and echo pass, path MTU discovery works.
load_ok "$RTR" "$EX/home-router.yaml"
for p in 22 80 443 445 3306 8080; do q closed wan6 srv6 tcp $p; done
q closed wan6 srv6 udp 53
q closed wan6 srv6 udp 443
q closed wan6in srv6 tcp 22
q closed wan6 cli6 tcp 22
q closed wan6 cli6 tcp 80
q closed wan6 cli6 udp 443
q closed wan6 nas6 tcp 80
q closed wan6 nas6 tcp 445
q closed wan6 rtr6 tcp 22
q closed wan6 rtr6 tcp 53
q closed wan6 rtr6 udp 53
q closed wan6in rtr6 tcp 22
q closed wan4 rtr4 tcp 22
q closed wan4 srv4 tcp 80
# the LAN reaches the internet (IPv6 untranslated), replies come back
q peer=$CLI6 cli6 wan6 tcp 80
q peer=$CLI6 cli6 wan6 udp 53
q open srv6 wan6 tcp 80
q open srv6 far6 tcp 80
# router services answer from the LAN
q open cli6 rtr6lan tcp 22
q open cli6 rtr6lan tcp 53
q open cli6 rtr6lan tcp 3306
q open cli6 rtr6lan udp 53
q open cli6 rtr6lan udp 123
q open cli4 rtr4lan tcp 22
q open cli4 rtr4lan udp 53
# LAN to LAN
q open cli6 srv6 tcp 445
run_probes
ping_check pass wan6 srv6
ping_check pass wan6 nas6
ping_check pass wan6 rtr6
ping_check pass cli6 far6
upload_check cli6 far6
upload_check cli4 far4
