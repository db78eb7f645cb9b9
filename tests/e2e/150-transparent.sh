# defaults.inbound: accept (RFC 6092 REC-49 transparent mode, SPEC 6.3):
# srv's tcp/8080 and nas's tcp/22 have no pinhole and answer from the
# internet; the router's own ports stay closed (input unchanged). With the
# default (drop) the same port times out.
load_ok "$RTR" "$E2E_DIR/transparent.yaml"
q open wan6 srv6 tcp 8080
q open wan6 nas6 tcp 22
q open wan6 srv6 tcp 443
q closed wan6 rtr6 tcp 22
run_probes
load_ok "$RTR" "$EX/router-https.yaml"
q closed wan6 srv6 tcp 8080
q closed wan6 nas6 tcp 22
run_probes
