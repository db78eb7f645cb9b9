# Incremental apply (issue 16): an edit that changes only set elements
# (one pinhole removed, one added, one port range moved) is loaded as
# element deletes and adds, so the counters of the pinholes left alone
# and of the rules survive; diff is then empty, the removed pinhole
# refuses new connections and the added one answers. A commit between
# pinhole's read of the table and its batch is refused by the generation
# check; an incremental `apply --confirm` that expires restores the
# previous policy, again keeping the counters.
if [ "$LOADER" != apply ]; then
	tap_ok "$PHASE: incremental apply needs pinhole apply # SKIP loader is $LOADER"
else
ST=$tmp/state/$RTR
ph() { ip netns exec "$RTR" timeout 30 "$PINHOLE" --state-dir "$ST" "$@"; }
# elem_pkts SET COMMENT: the packet counter of the element with that comment
elem_pkts() {
	ip netns exec "$RTR" nft list set inet pinhole "$1" |
		sed -n "s/.* counter packets \([0-9]*\) bytes [0-9]* comment \"$2\".*/\1/p"
}
# the forward_wan chain's final counter drop
drop_pkts() {
	ip netns exec "$RTR" nft list chain inet pinhole forward_wan |
		sed -n 's/^[[:space:]]*counter packets \([0-9]*\) bytes [0-9]* drop$/\1/p'
}
A=$E2E_DIR/incr-a.yaml B=$E2E_DIR/incr-b.yaml

mkdir -p "$ST"
ph apply -v "$A" >"$tmp/load.out" 2>"$tmp/load.err"
tap_check "$PHASE: incr-a.yaml loaded (a different table was live: full replace)" \
	grep -q 'apply: full replace' "$tmp/load.err"
q open wan6 srv6 tcp 443
q open wan6 srv6 tcp 9000
q open wan6 srv6 tcp 22
q open wan6 srv6 tcp 8000
q closed wan6 srv6 tcp 3306
q closed wan6 srv6 tcp 8080
run_probes
https0=$(elem_pkts pin6 web-https) alt0=$(elem_pkts pin6r web-alt) drop0=$(drop_pkts)
echo "# before: web-https ${https0:-?} packets, web-alt ${alt0:-?}, forward_wan drop ${drop0:-?}"
tap_check "$PHASE: traffic counted (web-https, web-alt and the drop rule non-zero)" \
	test "${https0:-0}" -gt 0 -a "${alt0:-0}" -gt 0 -a "${drop0:-0}" -gt 0

ph apply -v "$B" >"$tmp/load.out" 2>"$tmp/load.err"
rc=$?
tap_check "$PHASE: incr-b.yaml applied incrementally (2 elements deleted, 2 added; the table the state directory recorded)" \
	grep -q 'apply: incremental: 2 elements deleted, 2 added in 2 sets (other counters kept; table known from the state directory)' "$tmp/load.err"
[ $rc = 0 ] || diag < "$tmp/load.err"
https1=$(elem_pkts pin6 web-https) alt1=$(elem_pkts pin6r web-alt) drop1=$(drop_pkts)
echo "# after: web-https ${https1:-?} packets, web-alt ${alt1:-?}, forward_wan drop ${drop1:-?}"
tap_check "$PHASE: the untouched pinholes' element counters are kept" \
	test "${https1:-0}" -ge "${https0:-1}" -a "${alt1:-0}" -ge "${alt0:-1}"
tap_check "$PHASE: the rule counters are kept" test "${drop1:-0}" -ge "${drop0:-1}"
tap_check "$PHASE: the added elements start at zero" \
	test "$(elem_pkts pin6 web-mysql)" = 0 -a "$(elem_pkts pin6r web-dev)" = 0
ph diff "$B" >"$tmp/diff.out" 2>/dev/null
tap_check "$PHASE: diff incr-b.yaml is empty after the incremental apply" \
	test $? = 0 -a ! -s "$tmp/diff.out"
ph status >"$tmp/status.out" 2>&1
tap_check "$PHASE: status reads the table (web-mysql listed)" \
	grep -q web-mysql "$tmp/status.out"
q open wan6 srv6 tcp 443
q open wan6 srv6 tcp 9000
q open wan6 srv6 tcp 3306
q open wan6 srv6 tcp 8080
q closed wan6 srv6 tcp 22
q closed wan6 srv6 tcp 8000
run_probes

# a commit between the read and the batch: refused, nothing changed
PINHOLE_TEST_PAUSE_BEFORE_COMMIT=2 ph apply -v "$A" >"$tmp/race.out" 2>"$tmp/race.err" &
race=$!
sleep 1
ip netns exec "$RTR" nft add table inet ph_bump
ip netns exec "$RTR" nft delete table inet ph_bump
wait $race
rc=$?
tap_check "$PHASE: a commit after the read refuses the incremental batch (exit 3, 'ruleset changed')" \
	test $rc = 3 -a -n "$(grep 'ruleset changed' "$tmp/race.err")"
[ $rc = 3 ] || diag < "$tmp/race.err"
tap_check "$PHASE: ... and nothing changed (diff incr-b.yaml empty)" ph diff "$B"

# apply --confirm, incremental, left to expire: incr-b.yaml comes back
ph apply -v --confirm 2 "$A" >"$tmp/load.out" 2>"$tmp/load.err"
tap_check "$PHASE: apply --confirm incr-a.yaml is incremental (read back: a commit since the record)" \
	grep -q 'apply: incremental: .*table read back' "$tmp/load.err"
ph diff "$A" >/dev/null 2>&1
tap_check "$PHASE: ... incr-a.yaml is live" test $? = 0
i=0
while [ $i -lt 100 ] && ! ph diff "$B" >/dev/null 2>&1; do
	sleep 0.1
	i=$((i + 1))
done
tap_check "$PHASE: the --confirm deadline passed: incr-b.yaml is restored (diff empty)" \
	ph diff "$B"
https2=$(elem_pkts pin6 web-https)
tap_check "$PHASE: ... and the restore kept web-https's counter (${https2:-?} >= ${https1:-?})" \
	test "${https2:-0}" -ge "${https1:-1}"
ph status >"$tmp/status.out" 2>&1
tap_check "$PHASE: status after the rollback exits 0" test $? = 0

# --full: the replace, counters from zero
ph apply -v --full "$B" >"$tmp/load.out" 2>"$tmp/load.err"
tap_check "$PHASE: apply --full replaces the table (counters from zero)" \
	test "$(grep -c 'apply: full replace (--full' "$tmp/load.err")" = 1 -a \
	     "$(elem_pkts pin6 web-https)" = 0
unset ST
fi
