# Logging (SPEC 6.3) with log_rate 1/minute: the log rules are limited, the
# verdicts never are. 20 new connections to the logged pinhole in a few
# seconds all get through, in both families (IPv6 through its set element,
# IPv4 through its forward), and 20 unsolicited ones to a port srv listens
# on but no pinhole opens are all dropped; meanwhile each log rule's
# counter (after its limit: the lines it logged) stays at its burst. The
# quiet pinhole's traffic is never logged under the logged one's name.
# Log lines themselves are not read: nf_log in a namespace other than the
# first needs a sysctl of the machine's own (nf_log_all_netns).
load_ok "$RTR" "$E2E_DIR/logging.yaml"

# log_count CHAIN PREFIX: the counter of CHAIN's log rule with PREFIX
log_count() {
	ip netns exec "$RTR" nft list chain inet pinhole "$1" 2>/dev/null |
		grep -F "log prefix \"$2\"" |
		sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | head -n 1
}
# drop_count CHAIN: the counter of CHAIN's final `counter drop`
drop_count() {
	ip netns exec "$RTR" nft list chain inet pinhole "$1" 2>/dev/null |
		sed -n 's/^[[:space:]]*counter packets \([0-9]*\) bytes [0-9]* drop$/\1/p'
}
# opens N FROM TO PORT [WANT]: how many of N connections, one after the
# other, answer
opens() {
	_k=0 _i=0
	while [ $_i -lt "$1" ]; do
		case $(probe_once "$2" "$3" tcp "$4") in
		"OPEN ${5:-srv tcp/$4}"*) _k=$((_k + 1)) ;;
		esac
		_i=$((_i + 1))
	done
	echo $_k
}

got=$(opens 3 wan6 srv6 443)
c=$(log_count forward_wan "pinhole: web-log: ")
if [ "$got" = 3 ] && [ "$c" = 0 ]; then
	tap_ok "$PHASE: 3 connections to web-quiet pass, none logged as web-log"
else
	tap_not_ok "$PHASE: 3 connections to web-quiet pass, none logged as web-log"
	echo "passed: $got, web-log's log counter: ${c:-none}" | diag
fi

t0=$(date +%s)
got=$(opens 20 wan6 srv6 80)
t=$(($(date +%s) - t0))
echo "# 20 IPv6 connections in $t s: $got passed"
tap_check "$PHASE: 20 new IPv6 connections to web-log in a few seconds all pass" \
	test "$got" = 20
c=$(log_count forward_wan "pinhole: web-log: ")
echo "# web-log's IPv6 log rule logged ${c:-none}"
tap_check "$PHASE: web-log's IPv6 log rule logged its burst (at most 6), not 20" \
	test "${c:-0}" -ge 1 -a "${c:-99}" -le 6

got=$(opens 20 wan4 rtr4 80)
echo "# 20 IPv4 connections: $got passed"
tap_check "$PHASE: 20 new IPv4 connections to web-log's forward all pass" \
	test "$got" = 20
c=$(log_count dstnat "pinhole: web-log: ")
echo "# web-log's IPv4 log rule logged ${c:-none}"
tap_check "$PHASE: web-log's IPv4 log rule (dstnat) logged its burst (at most 6), not 20" \
	test "${c:-0}" -ge 1 -a "${c:-99}" -le 6

# 20 unsolicited connections at once to srv's tcp/7999 (listening, not
# opened): every one times out
_i=0 _pids=
while [ $_i -lt 20 ]; do
	probe_once wan6 srv6 tcp 7999 >"$tmp/u.$_i" &
	_pids="$_pids $!"
	_i=$((_i + 1))
done
# only the probes: a bare `wait` would wait for the listeners too
wait $_pids
_k=$(cat "$tmp"/u.* | grep -cx TIMEOUT)
rm -f "$tmp"/u.*
echo "# unsolicited: $_k of 20 timed out"
tap_check "$PHASE: 20 unsolicited connections to srv6 tcp/7999 at once all dropped" \
	test "$_k" = 20
c=$(log_count forward_wan "pinhole: forward_wan: ")
d=$(drop_count forward_wan)
echo "# forward_wan: logged ${c:-none}, dropped ${d:-none}"
tap_check "$PHASE: forward_wan logged its burst (at most 6) and dropped every SYN (at least 20)" \
	test "${c:-0}" -ge 1 -a "${c:-99}" -le 6 -a "${d:-0}" -ge 20

ip netns exec "$RTR" "$PINHOLE" status --json >"$tmp/st.json" 2>&1
# input, input_wan, forward, forward_wan; web-log in forward_wan and dstnat
grep -q '"log_rules":6,' "$tmp/st.json" &&
	grep -q '"prefix":"pinhole: web-log: "' "$tmp/st.json" &&
	! grep -q '"prefix":"pinhole: web-quiet: "' "$tmp/st.json"
r=$?
tap_check "$PHASE: status --json counts 6 log rules, web-log's among them, none for web-quiet" \
	test $r = 0
[ $r = 0 ] || diag < "$tmp/st.json"
ip netns exec "$RTR" "$PINHOLE" diff "$E2E_DIR/logging.yaml" >"$tmp/log.diff" 2>&1
r=$?
tap_check "$PHASE: diff against the live table shows nothing" test $r = 0
[ $r = 0 ] || diag < "$tmp/log.diff"
