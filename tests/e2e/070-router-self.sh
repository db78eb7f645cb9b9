# tests/e2e/router-self.yaml: `host: self` pinholes open the router itself
# to wan (SSH only from the owner's prefixes, each family its own), the LAN
# reaches every router service; IPv4 range forward and a forward with from.
load_ok "$RTR" "$E2E_DIR/router-self.yaml"
q open wan6in rtr6 tcp 22
q closed wan6 rtr6 tcp 22
q open wan4in rtr4 tcp 22
q closed wan4 rtr4 tcp 22
q open wan6 rtr6 tcp 80
q open wan6 rtr6 tcp 443
q open wan4 rtr4 tcp 80
q open wan6 rtr6 udp 53
q open wan4 rtr4 udp 53
q closed wan6 rtr6 tcp 53
q closed wan6 rtr6 tcp 3306
q closed wan6 rtr6 udp 123
q closed wan4 rtr4 tcp 3306
q closed wan4 rtr4 udp 123
# the LAN reaches every router service, pinholed or not
q open cli6 rtr6lan tcp 22
q open cli6 rtr6lan tcp 3306
q open cli6 rtr6lan udp 123
q open cli4 rtr4lan tcp 3306
q open cli4 rtr4lan tcp 2222
# IPv4 range forwarded unchanged: both ends in, one past each end out
q open wan4 rtr4 tcp 8000 srv tcp/8000
q open wan4 rtr4 tcp 8999 srv tcp/8999
q closed wan4 rtr4 tcp 7999
q closed wan4 rtr4 tcp 9000
# forward with from: 2222 -> srv:22 only from 198.51.100.0/24
q open wan4in rtr4 tcp 2222 srv tcp/22
q closed wan4 rtr4 tcp 2222
# no forward pinholes over IPv6 in this policy
q closed wan6 srv6 tcp 8000
q closed wan6in srv6 tcp 22
run_probes
ping_check pass wan6 rtr6
