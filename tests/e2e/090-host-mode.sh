# examples/host-debian-web.yaml (seed 004) on the server itself, host mode:
# the router filters nothing now; the server's own input chain opens 80 and
# 443, SSH only from 2001:db8:ffff::/48 and 198.51.100.0/24, and its
# outbound traffic (and path MTU discovery) keeps working.
unload "$RTR"
load_ok "$SRV" "$EX/host-debian-web.yaml"
q open wan6 srv6 tcp 80
q open wan6 srv6 tcp 443
q closed wan6 srv6 tcp 22
q open wan6in srv6 tcp 22
for p in 445 3306 8080; do q closed wan6 srv6 tcp $p; done
q closed wan6 srv6 udp 53
q closed wan6 srv6 udp 443
q open wan4 srv4 tcp 80
q closed wan4 srv4 tcp 22
q open wan4in srv4 tcp 22
q closed wan4 srv4 tcp 3306
# the LAN is not the admin's prefix either
q closed cli6 srv6 tcp 22
q open cli6 srv6 tcp 443
# other hosts are not protected by the server's policy
q open wan6 cli6 tcp 22
# outbound from the server, and the replies
q open srv6 wan6 tcp 80
q open srv6 wan6 udp 53
q open srv4 wan4 tcp 80
q open srv6 cli6 tcp 22
run_probes
ping_check pass wan6 srv6
# seed 003: "afterwards only 22/80/443" -- and 22 only from the prefix
nmap_expect wan6 srv6 1-1100,3306,7990-9010 "80 443"
nmap_expect wan6in srv6 1-1100,3306,7990-9010 "22 80 443"
upload_check srv6 far6
unload "$SRV"
