# NAT reflection (ipv4.reflection, SPEC 6.3; default on where an IPv4
# forward exists, as fw4): examples/dual-stack.yaml forwards wan:443 and
# wan:8443 to srv:443. A LAN client reaches them through the router's
# outside address, and srv sees the router's LAN address (the reflected
# flow is masqueraded, so its replies come back through the router); the
# router's own LAN address stays the router's, forwarded port or not.
#
# br_netfilter (bridge-nf-call-iptables=1, loaded on docker hosts, not on
# OpenWrt) bridges a flow DNATed back into the bridge it came from
# (br_nf_pre_routing_finish_bridge): postrouting then sees no input
# interface, so the reflection masquerade does not match; the flow still
# works (its replies are un-DNATed on the bridge) but srv sees the
# client's own address. The router here bridges as a router does.
_bnf=/proc/sys/net/bridge/bridge-nf-call-iptables
_bnf_was=$(ip netns exec "$RTR" cat "$_bnf" 2>/dev/null)
[ -n "$_bnf_was" ] && ns_sysctl "$RTR" net.bridge.bridge-nf-call-iptables=0
load_ok "$RTR" "$EX/dual-stack.yaml"
q open cli4 rtr4 tcp 443 srv tcp/443
q peer=$RTR_LAN4 cli4 rtr4 tcp 8443 srv tcp/443
q open cli4 rtr4lan tcp 443 rtr tcp/443
q peer=$WAN_OUT4 wan4 rtr4 tcp 443 srv tcp/443
run_probes
# reflection: false: the outside address is the router's own again (its
# listener on 443 answers), the internet still reaches the forward
load_ok "$RTR" "$E2E_DIR/reflection-off.yaml"
q open cli4 rtr4 tcp 443 rtr tcp/443
q open cli4 rtr4lan tcp 443 rtr tcp/443
q open wan4 rtr4 tcp 443 srv tcp/443
q open wan4 rtr4 tcp 8443 srv tcp/443
run_probes
[ -n "$_bnf_was" ] && ns_sysctl "$RTR" net.bridge.bridge-nf-call-iptables="$_bnf_was"
