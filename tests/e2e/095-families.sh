# tests/e2e/families-ipv6.yaml on the server, host mode, families: [ipv6]
# (issue 11): IPv4 reaches the server untouched (SSH too), IPv6 is default
# deny with its pinholes: 443 from anywhere, 22 from 2001:db8:ffff::/48.
unload "$RTR"
load_ok "$SRV" "$E2E_DIR/families-ipv6.yaml"
q open wan4 srv4 tcp 22
q open wan4 srv4 tcp 3306
q closed wan6 srv6 tcp 22
q open wan6in srv6 tcp 22
q open wan6 srv6 tcp 443
q closed wan6 srv6 tcp 80
run_probes
unload "$SRV"
