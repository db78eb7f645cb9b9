# tests/e2e/outside-zones.yaml on a router with a second uplink (wan1, zone
# wan6, outside: true): the pinhole opens from both outside zones, and from
# the second one nothing else gets in, neither to the LAN nor to the router;
# IPv4 forwards listen there too. Then a policy whose inside wildcard can
# claim an outside interface is refused by check and apply (exit 2) and the
# loaded table stays as it was.
unload "$SRV"
if up_link 2>"$tmp/up.err"; then
	tap_ok "$PHASE: second uplink wan1 is up"
else
	diag < "$tmp/up.err"
	tap_not_ok "$PHASE: second uplink wan1 is up"
fi
load_ok "$RTR" "$E2E_DIR/outside-zones.yaml"
q open wan6 srv6 tcp 443
q open up6 srv6 tcp 443
q closed up6 srv6 tcp 80
q closed up6 cli6 tcp 22
q closed up6 rtr6up tcp 22
q open up4 rtr4up tcp 443 srv tcp/443
run_probes

ip netns exec "$RTR" nft list table inet pinhole >"$tmp/before" 2>&1
"$PINHOLE" check "$E2E_DIR/outside-overlap.yaml" >/dev/null 2>"$tmp/ov.err"
r=$?
if [ $r -eq 2 ] && grep -q "can match the same interface" "$tmp/ov.err"; then
	tap_ok "$PHASE: check refuses an inside wildcard over an outside interface (exit 2)"
else
	tap_not_ok "$PHASE: check refuses an inside wildcard over an outside interface (exit 2, got $r)"
	diag < "$tmp/ov.err"
fi
load_policy "$RTR" "$E2E_DIR/outside-overlap.yaml"
r=$?
ip netns exec "$RTR" nft list table inet pinhole >"$tmp/after" 2>&1
if [ $r -eq 2 ] && cmp -s "$tmp/before" "$tmp/after"; then
	tap_ok "$PHASE: $LOADER refuses it too (exit 2) and the table is unchanged"
else
	tap_not_ok "$PHASE: $LOADER refuses it too (exit 2, got $r) and the table is unchanged"
	diff -u "$tmp/before" "$tmp/after" | diag
fi
