# Apply semantics (SPEC §2): a connection established through a pinhole
# survives loading a policy that closes it, while new connections are then
# refused; a policy with an error is refused with exit 2 and changes
# nothing, neither the ruleset nor the traffic.
load_ok "$RTR" "$E2E_DIR/echo-open.yaml"
q open wan6 srv6 tcp 443
q closed wan6 srv6 tcp 22
run_probes

# est_open FROM TO PORT: a long-lived TCP connection fed through a FIFO.
est_open() {
	set -- "$1" "$2" "$3" $(ep "$1") $(ep "$2")
	rm -f "$tmp/est.in"
	mkfifo "$tmp/est.in" && : > "$tmp/est.out" || return 1
	ip netns exec "$4" timeout 90 socat -T 60 - \
		"TCP6:[$7]:$3,connect-timeout=$E2E_T,bind=[$5]" \
		<"$tmp/est.in" >"$tmp/est.out" 2>"$tmp/est.err" &
	est_pid=$!
	exec 7>"$tmp/est.in"
}
# est_echo WORD: send a line, wait (bounded) for the echo.
est_echo() {
	echo "$1" >&7 || return 1
	i=0
	while [ $i -lt $((E2E_T * 10)) ]; do
		grep -qx "$1" "$tmp/est.out" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
est_close() {
	exec 7>&-
	i=0
	while [ $i -lt 30 ] && kill -0 "$est_pid" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	kill "$est_pid" 2>/dev/null
	wait "$est_pid" 2>/dev/null
}

est_open wan6 srv6 7
tap_check "$PHASE: a connection wan6 -> srv6 tcp/7 is established and echoes" \
	est_echo one

# A policy with an error: refused, nothing changes.
ip netns exec "$RTR" nft -a -s list ruleset > "$tmp/ruleset.before"
load_policy "$RTR" "$E2E_DIR/echo-bad.yaml"
rc=$?
if [ $rc = 2 ]; then
	tap_ok "$PHASE: echo-bad.yaml is refused with exit 2 by $LOADER_DESC"
else
	tap_not_ok "$PHASE: echo-bad.yaml is refused with exit 2 by $LOADER_DESC (got $rc)"
fi
tap_check "$PHASE: the refusal is located (echo-bad.yaml:LINE:COL: error: ...)" \
	grep -q 'echo-bad\.yaml:[0-9]*:[0-9]*: error: ' "$tmp/load.err"
ip netns exec "$RTR" nft -a -s list ruleset > "$tmp/ruleset.after"
if cmp -s "$tmp/ruleset.before" "$tmp/ruleset.after"; then
	tap_ok "$PHASE: the ruleset (with handles) is unchanged after the refused load"
else
	tap_not_ok "$PHASE: the ruleset (with handles) is unchanged after the refused load"
	diff -u "$tmp/ruleset.before" "$tmp/ruleset.after" | diag
fi
q open wan6 srv6 tcp 443
q closed wan6 srv6 tcp 22
run_probes
tap_check "$PHASE: the established connection still echoes after the refused load" \
	est_echo two

# A policy that closes the pinhole: the connection lives on, new ones fail.
load_ok "$RTR" "$EX/home-router.yaml"
tap_check "$PHASE: the established connection survives the load that closed its pinhole" \
	est_echo three
q closed wan6 srv6 tcp 7
q closed wan6 srv6 tcp 443
run_probes
tap_check "$PHASE: the established connection still echoes after new ones were refused" \
	est_echo four
est_close
