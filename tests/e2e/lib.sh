# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The pinhole authors.
#
# End-to-end harness, sourced by tests/e2e.sh: a topology of network
# namespaces with real listeners, a policy loader, and probes that emit one
# TAP line each. Nothing here touches the caller's own network namespace:
# every `ip`, `nft`, sysctl and socket runs under `ip -n NS` or
# `ip netns exec NS`.
#
#   far ──(route mtu 1280)── wan ══ wan0 [router] br-lan ══╤══ srv
#                          (the internet)                   ├══ cli
#                                                           └══ nas
#
#   wan   the internet: 2001:db8:eeee::2 (outside every `from` prefix) and
#         2001:db8:ffff::2 (inside 2001:db8:ffff::/48); 203.0.113.2 (outside)
#         and 198.51.100.2 (inside 198.51.100.0/24). It routes on to far.
#   far   a server behind a smaller-MTU hop: the PMTU discovery target.
#   rtr   wan0 = 2001:db8:eeee::1, 2001:db8:ffff::1, 203.0.113.1,
#         198.51.100.1; br-lan = 2001:db8:1:2::1, 192.0.2.1.
#   srv   2001:db8:1:2::80, 192.0.2.80 (the examples' "web"), and
#         2001:db8:1:2::81 ("apps" of examples/ports-lists-ranges.yaml)
#   cli   2001:db8:1:2::27, 192.0.2.27 (a LAN client; also the "game" host
#         of examples/ports-lists-ranges.yaml)
#   nas   2001:db8:1:2::1234:5678, 192.0.2.78 (interface ID ::1234:5678 of
#         examples/nas-suffix.yaml); later also 2001:db8:1:3::1234:5678
#   up    a second uplink, only for the cases that draw it (up_link):
#         2001:db8:e2::2, 198.18.2.2 on the router's wan1 (2001:db8:e2::1,
#         198.18.2.1)

E2E_T=${E2E_T:-2}		# seconds a probe waits for an answer
E2E_READ_T=5			# seconds a connected TCP probe waits for the banner

P=ph-e2e-$$
WAN=$P-wan FAR=$P-far RTR=$P-rtr SRV=$P-srv CLI=$P-cli NAS=$P-nas
NSES="$RTR $WAN $FAR $SRV $CLI $NAS"

WAN_OUT6=2001:db8:eeee::2 WAN_IN6=2001:db8:ffff::2
WAN_OUT4=203.0.113.2 WAN_IN4=198.51.100.2
RTR_WAN6=2001:db8:eeee::1 RTR_WAN6B=2001:db8:ffff::1
RTR_WAN4=203.0.113.1 RTR_WAN4B=198.51.100.1
RTR_LAN6=2001:db8:1:2::1 RTR_LAN6B=2001:db8:1:3::1 RTR_LAN4=192.0.2.1
FAR6=2001:db8:fa::2 WAN_FAR6=2001:db8:fa::1 FAR4=198.18.0.2 WAN_FAR4=198.18.0.1
SRV6=2001:db8:1:2::80 SRV6APP=2001:db8:1:2::81 SRV4=192.0.2.80
CLI6=2001:db8:1:2::27 CLI4=192.0.2.27
NAS6=2001:db8:1:2::1234:5678 NAS6B=2001:db8:1:3::1234:5678 NAS4=192.0.2.78
UP=$P-up UP6=2001:db8:e2::2 UP4=198.18.2.2 RTR_UP6=2001:db8:e2::1 RTR_UP4=198.18.2.1

# Listeners: every port answers "<host> <proto>/<port> [<peer>]".
SRV_TCP="7 22 80 443 445 3306 7999 8000 8080 8081 8443 8999 9000"
SRV_UDP="53 443"
CLI_TCP="22 80 443 445 3306 27015"
CLI_UDP="443 27014 27015 27030 27031"
NAS_TCP="22 80 139 443 445 3306"
NAS_UDP="137 443"
RTR_TCP="22 53 80 443 2222 3306"
RTR_UDP="53 123"
WAN_TCP="80"
WAN_UDP="53"

# ------------------------------------------------------------------ TAP

n=0
failed=0
tap_ok() { n=$((n + 1)); echo "ok $n - $*$_todo"; }
tap_not_ok() {
	n=$((n + 1))
	echo "not ok $n - $*$_todo"
	# a known failure (TODO) does not fail the run; the TAP driver
	# reports it as XFAIL, and as XPASS (a failure) once it is fixed
	[ -n "$_todo" ] || failed=$((failed + 1))
}
_todo=
tap_check() {	# NAME CMD... : ok when CMD succeeds
	_name=$1; shift
	if "$@"; then tap_ok "$_name"; else tap_not_ok "$_name"; fi
}
diag() { sed 's/^/# /'; }

# A skip is a failure under CI=true (CI runs as root: nothing may skip there).
e2e_skip() {
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - e2e prerequisites: $* (CI=true: a skip is a failure)"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 0
}

e2e_bail() {
	tap_not_ok "$*"
	echo "1..$n"
	exit 1
}

# ------------------------------------------------------------------ cleanup

cleanup() {
	trap - EXIT INT TERM HUP
	for ns in $NSES; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
	done
	i=0
	while [ $i -lt 20 ]; do
		left=
		for ns in $NSES; do
			left=$left$(ip netns pids "$ns" 2>/dev/null)
		done
		[ -z "$left" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	for ns in $NSES; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "${tmp:-}" ] && rm -rf "$tmp"
}

# ------------------------------------------------------------------ topology

# ns_sysctl NS KEY=VALUE...: write /proc/sys inside NS.
ns_sysctl() {
	_ns=$1; shift
	ip netns exec "$_ns" sh -c '
		for kv; do
			k=$(echo "${kv%%=*}" | tr . /)
			echo "${kv#*=}" > "/proc/sys/$k" || exit 1
		done' sh "$@"
}

ns_new() {
	ip netns add "$1" || return 1
	ip -n "$1" link set lo up
	# No DAD (addresses are usable at once), no SLAAC from stray RAs.
	ns_sysctl "$1" net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.conf.all.autoconf=0 net.ipv6.conf.default.autoconf=0
}

# LAN host: eth0 is a veth whose peer lan-NAME is a port of the router's br-lan.
lan_host() {	# NS NAME ADDR6 ADDR4
	ip -n "$RTR" link add "lan-$2" type veth peer name eth0 netns "$1" &&
	ip -n "$RTR" link set "lan-$2" master br-lan up &&
	ip -n "$1" addr add "$3/64" dev eth0 nodad &&
	ip -n "$1" addr add "$4/24" dev eth0 &&
	ip -n "$1" link set eth0 up &&
	ip -n "$1" -6 route add default via "$RTR_LAN6" dev eth0 &&
	ip -n "$1" -4 route add default via "$RTR_LAN4" dev eth0
}

topo_up() {
	for ns in $NSES; do
		ns_new "$ns" || return 1
	done
	# The router forwards both families (forwarding=1 also ignores RAs).
	ns_sysctl "$RTR" net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1 ||
		return 1
	# wan is a router too: it forwards to far.
	ns_sysctl "$WAN" net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1 ||
		return 1

	# wan <-> router
	ip -n "$RTR" link add wan0 type veth peer name eth0 netns "$WAN" || return 1
	for a in "$RTR_WAN6/64" "$RTR_WAN6B/64"; do
		ip -n "$RTR" addr add "$a" dev wan0 nodad || return 1
	done
	ip -n "$RTR" addr add "$RTR_WAN4/24" dev wan0 &&
	ip -n "$RTR" addr add "$RTR_WAN4B/24" dev wan0 &&
	ip -n "$RTR" link set wan0 up || return 1
	for a in "$WAN_IN6/64" "$WAN_OUT6/64"; do
		ip -n "$WAN" addr add "$a" dev eth0 nodad || return 1
	done
	ip -n "$WAN" addr add "$WAN_OUT4/24" dev eth0 &&
	ip -n "$WAN" addr add "$WAN_IN4/24" dev eth0 &&
	ip -n "$WAN" link set eth0 up || return 1
	ip -n "$RTR" -6 route add default via "$WAN_IN6" dev wan0 &&
	ip -n "$RTR" -4 route add default via "$WAN_OUT4" dev wan0 || return 1
	# The internet routes the site's prefixes to the router; it speaks from
	# its "outside" address unless a probe binds another one.
	ip -n "$WAN" -6 route add 2001:db8:1::/48 via "$RTR_WAN6" dev eth0 \
		src "$WAN_OUT6" &&
	ip -n "$WAN" -4 route add 192.0.2.0/24 via "$RTR_WAN4" dev eth0 \
		src "$WAN_OUT4" || return 1

	# wan <-> far: the hop with the smaller MTU is wan's route to far, so
	# both endpoints keep MTU 1500 and announce MSS 1440: only a
	# packet-too-big from wan can teach the LAN client the path MTU.
	ip -n "$WAN" link add far0 type veth peer name eth0 netns "$FAR" &&
	ip -n "$WAN" addr add "$WAN_FAR6/64" dev far0 nodad noprefixroute &&
	ip -n "$WAN" addr add "$WAN_FAR4/24" dev far0 noprefixroute &&
	ip -n "$WAN" link set far0 up &&
	ip -n "$FAR" addr add "$FAR6/64" dev eth0 nodad &&
	ip -n "$FAR" addr add "$FAR4/24" dev eth0 &&
	ip -n "$FAR" link set eth0 up &&
	ip -n "$WAN" -6 route add 2001:db8:fa::/64 dev far0 mtu 1280 &&
	ip -n "$WAN" -4 route add 198.18.0.0/24 dev far0 mtu 1280 &&
	ip -n "$FAR" -6 route add default via "$WAN_FAR6" dev eth0 &&
	ip -n "$FAR" -4 route add default via "$WAN_FAR4" dev eth0 || return 1

	# LAN bridge (no STP, no multicast snooping: ND must just flood).
	ip -n "$RTR" link add br-lan type bridge stp_state 0 mcast_snooping 0 &&
	ip -n "$RTR" link set br-lan up &&
	ip -n "$RTR" addr add "$RTR_LAN6/64" dev br-lan nodad &&
	ip -n "$RTR" addr add "$RTR_LAN4/24" dev br-lan || return 1
	lan_host "$SRV" srv "$SRV6" "$SRV4" &&
	lan_host "$CLI" cli "$CLI6" "$CLI4" &&
	lan_host "$NAS" nas "$NAS6" "$NAS4" &&
	# deprecated, so that srv answers UDP from ::80, not from ::81
	ip -n "$SRV" addr add "$SRV6APP/64" dev eth0 nodad preferred_lft 0 ||
		return 1
}

# up_link: the second uplink, namespace up on the router's wan1 (the cases
# that need it call it; it is drawn once, and cleanup deletes it with the
# others).
up_link() {
	[ -n "${UP_DRAWN:-}" ] && return 0
	UP_DRAWN=1
	NSES="$NSES $UP"
	ns_new "$UP" &&
	ip -n "$RTR" link add wan1 type veth peer name eth0 netns "$UP" &&
	ip -n "$RTR" addr add "$RTR_UP6/64" dev wan1 nodad &&
	ip -n "$RTR" addr add "$RTR_UP4/24" dev wan1 &&
	ip -n "$RTR" link set wan1 up &&
	ip -n "$UP" addr add "$UP6/64" dev eth0 nodad &&
	ip -n "$UP" addr add "$UP4/24" dev eth0 &&
	ip -n "$UP" link set eth0 up &&
	ip -n "$UP" -6 route add 2001:db8:1::/48 via "$RTR_UP6" dev eth0 &&
	ip -n "$UP" -4 route add 192.0.2.0/24 via "$RTR_UP4" dev eth0 || return 1
	i=0
	while [ $i -lt 50 ]; do
		ip -n "$UP" link show eth0 | grep -q LOWER_UP &&
			ip -n "$RTR" link show wan1 | grep -q LOWER_UP && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# links_ready: every veth end up with carrier (bounded).
links_ready() {
	i=0
	while [ $i -lt 50 ]; do
		down=
		for spec in "$RTR:wan0" "$RTR:br-lan" "$WAN:eth0" "$WAN:far0" \
			    "$FAR:eth0" "$SRV:eth0" "$CLI:eth0" "$NAS:eth0"; do
			ip -n "${spec%%:*}" link show "${spec#*:}" 2>/dev/null |
				grep -q 'LOWER_UP' || down="$down $spec"
		done
		[ -z "$down" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "links still down:$down" | diag
	return 1
}

# ------------------------------------------------------------------ listeners

# listen NS LABEL tcp|udp PORT: answers "<LABEL> <proto>/<port> <peer>".
# One socket per port for both families (ipv6only=0): IPv4 peers show as
# mapped addresses, which peer_canon turns back into dotted quads.
#
# The UDP responder drains its stdin (`cat >/dev/null`) after answering.
# socat's per-datagram child writes the datagram into the shell's stdin;
# a bare `echo` could exit before that write, and then the write fails
# with EPIPE and socat exits (E write(...): Broken pipe) before it sends
# the answer it has already read: the probe's first datagram went
# unanswered in ~5% of tries (1 in 30 idle, 7 in 20 beside parallel TCP
# probes, measured with socat -d -d on both ends), which the retries
# only made rarer. TCP probes send nothing (socat -u), so their listeners
# need no drain.
listen() {
	case $3 in
	tcp) ip netns exec "$1" socat "TCP6-LISTEN:$4,ipv6only=0,reuseaddr,fork" \
		"SYSTEM:echo $2 tcp/$4 \$SOCAT_PEERADDR" 2>/dev/null & ;;
	udp) ip netns exec "$1" socat "UDP6-RECVFROM:$4,ipv6only=0,fork" \
		"SYSTEM:echo $2 udp/$4 \$SOCAT_PEERADDR; cat >/dev/null" \
		2>/dev/null & ;;
	esac
}

listeners_up() {
	for p in $SRV_TCP; do
		[ "$p" = 7 ] && continue
		listen "$SRV" srv tcp "$p"
	done
	# srv tcp/7 echoes: it carries the long-lived connection of the
	# apply tests.
	ip netns exec "$SRV" socat TCP6-LISTEN:7,ipv6only=0,reuseaddr,fork PIPE \
		2>/dev/null &
	for p in $SRV_UDP; do listen "$SRV" srv udp "$p"; done
	for p in $CLI_TCP; do listen "$CLI" cli tcp "$p"; done
	for p in $CLI_UDP; do listen "$CLI" cli udp "$p"; done
	for p in $NAS_TCP; do listen "$NAS" nas tcp "$p"; done
	for p in $NAS_UDP; do listen "$NAS" nas udp "$p"; done
	for p in $RTR_TCP; do listen "$RTR" rtr tcp "$p"; done
	for p in $RTR_UDP; do listen "$RTR" rtr udp "$p"; done
	for p in $WAN_TCP; do listen "$WAN" wan tcp "$p"; done
	for p in $WAN_UDP; do listen "$WAN" wan udp "$p"; done
	for p in 80; do listen "$FAR" far tcp "$p"; done
	# Wait (bounded) until every TCP port listens and every UDP port is
	# bound: a datagram sent before its socket exists is refused, and
	# the refusal comes back at once, so the retries of an expected-open
	# probe would all be spent before the listener starts.
	i=0
	while [ $i -lt 50 ]; do
		missing=
		for spec in "t$SRV:$SRV_TCP" "t$CLI:$CLI_TCP" "t$NAS:$NAS_TCP" \
			    "t$RTR:$RTR_TCP" "t$WAN:$WAN_TCP" "t$FAR:80" \
			    "u$SRV:$SRV_UDP" "u$CLI:$CLI_UDP" "u$NAS:$NAS_UDP" \
			    "u$RTR:$RTR_UDP" "u$WAN:$WAN_UDP"; do
			_ns=${spec%%:*} _ns=${_ns#?} _t=${spec%"${spec#?}"}
			have=$(ip netns exec "$_ns" ss -H"$_t"ln 2>/dev/null)
			for p in ${spec#*:}; do
				echo "$have" | grep -Eq "[]*]:$p[[:space:]]" ||
					missing="$missing ${_ns#$P-}:${_t}$p"
			done
		done
		[ -z "$missing" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "not listening:$missing" | diag
	return 1
}

# ------------------------------------------------------------------ loader

# Until `pinhole apply` exists the ruleset goes through `compile | nft -f`
# (E2E_LOADER=nft forces that); both are one transaction, so the
# apply-semantics cases hold for either.
detect_loader() {
	if [ "${E2E_LOADER:-}" = nft ]; then
		LOADER=nft
		LOADER_DESC="pinhole compile | nft -f (E2E_LOADER=nft)"
	elif "$PINHOLE" apply --help >/dev/null 2>&1 ||
	   "$PINHOLE" -h 2>&1 | grep -Eq '^[[:space:]]+apply([[:space:]]|$)'; then
		LOADER=apply
		LOADER_DESC="pinhole apply (netlink)"
	else
		LOADER=nft
		LOADER_DESC="pinhole compile | nft -f (no pinhole apply yet)"
	fi
}

# load_policy NS FILE: the loader's exit status (2: policy error, nothing loaded).
load_policy() {
	if [ "$LOADER" = apply ]; then
		mkdir -p "$tmp/state/$1"
		ip netns exec "$1" timeout 30 "$PINHOLE" \
			--state-dir "$tmp/state/$1" apply "$2" \
			>"$tmp/load.out" 2>"$tmp/load.err"
		return $?
	fi
	timeout 30 "$PINHOLE" compile "$2" >"$tmp/load.nft" 2>"$tmp/load.err" ||
		return $?
	ip netns exec "$1" timeout 30 nft -f "$tmp/load.nft" \
		>>"$tmp/load.err" 2>&1 || return 3
}

# load_ok NS FILE: load, emit one TAP line naming the loader.
load_ok() {
	_label=$(basename "$2")
	if load_policy "$1" "$2" &&
	   ip netns exec "$1" nft list table inet pinhole >/dev/null 2>&1; then
		tap_ok "$PHASE: $_label loaded into ${1#$P-} by $LOADER_DESC"
		return 0
	fi
	tap_not_ok "$PHASE: $_label loaded into ${1#$P-} by $LOADER_DESC"
	diag < "$tmp/load.err"
	return 1
}

# Remove whatever pinhole (or anything else) loaded into NS.
unload() { ip netns exec "$1" timeout 10 nft flush ruleset; }

# ------------------------------------------------------------------ probes

# ep NAME: "NS ADDR" of a named endpoint; the label before the first digit
# names the host (srv6 -> srv).
ep() {
	case $1 in
	wan6) echo "$WAN $WAN_OUT6" ;;	wan6in) echo "$WAN $WAN_IN6" ;;
	wan4) echo "$WAN $WAN_OUT4" ;;	wan4in) echo "$WAN $WAN_IN4" ;;
	far6) echo "$FAR $FAR6" ;;	far4) echo "$FAR $FAR4" ;;
	rtr6) echo "$RTR $RTR_WAN6" ;;	rtr6b) echo "$RTR $RTR_WAN6B" ;;
	rtr4) echo "$RTR $RTR_WAN4" ;;	rtr4b) echo "$RTR $RTR_WAN4B" ;;
	rtr6lan) echo "$RTR $RTR_LAN6" ;; rtr4lan) echo "$RTR $RTR_LAN4" ;;
	srv6) echo "$SRV $SRV6" ;;	srv4) echo "$SRV $SRV4" ;;
	srv6app) echo "$SRV $SRV6APP" ;;
	cli6) echo "$CLI $CLI6" ;;	cli4) echo "$CLI $CLI4" ;;
	nas6) echo "$NAS $NAS6" ;;	nas6b) echo "$NAS $NAS6B" ;;
	nas4) echo "$NAS $NAS4" ;;
	up6) echo "$UP $UP6" ;;		up4) echo "$UP $UP4" ;;
	rtr6up) echo "$RTR $RTR_UP6" ;;	rtr4up) echo "$RTR $RTR_UP4" ;;
	*) echo "ep: unknown endpoint $1" >&2; return 1 ;;
	esac
}

# socat address of ADDR PORT (brackets for IPv6).
sock() { case $1 in *:*) echo "[$1]:$2" ;; *) echo "$1:$2" ;; esac; }
fam() { case $1 in *:*) echo 6 ;; *) echo 4 ;; esac; }

# probe_once FROM TO PROTO PORT: prints OPEN <reply> | TIMEOUT | REFUSED |
# ERROR <msg>. A TCP connect gives up after E2E_T; once connected, the
# banner may take E2E_READ_T (costs nothing when it comes at once).
probe_once() {
	set -- "$1" "$2" "$3" "$4" $(ep "$1") $(ep "$2")
	# $5 = source ns, $6 = source address, $8 = destination address
	_f=$(fam "$8")
	_b=$(case $6 in *:*) echo "[$6]" ;; *) echo "$6" ;; esac)
	_e=$(mktemp "$tmp/probe.XXXXXX")
	if [ "$3" = tcp ]; then
		_out=$(ip netns exec "$5" timeout $((E2E_T + E2E_READ_T + 1)) \
			socat -T "$E2E_READ_T" -u \
			"TCP$_f:$(sock "$8" "$4"),connect-timeout=$E2E_T,bind=$_b" \
			STDOUT 2>"$_e" </dev/null)
	else
		_out=$(echo probe | ip netns exec "$5" timeout $((E2E_T + 2)) \
			socat -T "$E2E_T" -t "$E2E_T" - \
			"UDP$_f:$(sock "$8" "$4"),bind=$_b" 2>"$_e")
	fi
	_rc=$?
	if [ -n "$_out" ]; then
		echo "OPEN $_out"
	elif grep -qi 'refused' "$_e"; then
		echo "REFUSED"
	elif [ $_rc = 124 ] || grep -qi 'timed out' "$_e" ||
	     { [ "$3" = udp ] && [ ! -s "$_e" ]; }; then
		echo "TIMEOUT"
	else
		echo "ERROR rc=$_rc $(head -n 1 "$_e")"
	fi
	rm -f "$_e"
}

# probe FROM TO PROTO PORT TRIES [TRIESFILE]: probe_once, again (up to
# TRIES times in all) while nothing answers; expected-open probes get 3
# tries, so a loaded machine does not turn into a false "closed". A
# refusal or error comes back at once, so the next try waits 0.5 s: the
# tries then span at least a second instead of a few milliseconds. The
# number of tries used goes to TRIESFILE (run_probes reports retries).
probe() {
	_try=1
	while :; do
		_r=$(probe_once "$1" "$2" "$3" "$4")
		case $_r in OPEN*) break ;; esac
		[ "$_try" -ge "$5" ] && break
		case $_r in TIMEOUT) ;; *) sleep 0.5 ;; esac
		_try=$((_try + 1))
	done
	[ -n "${6:-}" ] && echo "$_try" > "$6"
	echo "$_r"
}

# peer_canon "[0000:...:0027]": socat's full-form peer -> compact text
# (mapped IPv4 -> dotted quad, IPv6 -> RFC 5952 compression).
peer_canon() {
	echo "$1" | tr -d '[]' | awk -F: '
	function hex(s,   i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
		return v
	}
	NF != 8 { print; next }
	{
		if ($1 $2 $3 $4 $5 == "00000000000000000000" && tolower($6) == "ffff") {
			printf "%d.%d.%d.%d\n", hex(substr($7, 1, 2)), hex(substr($7, 3, 2)),
				hex(substr($8, 1, 2)), hex(substr($8, 3, 2))
			next
		}
		best = 0; bl = 0; cur = 0; cl = 0
		for (i = 1; i <= 8; i++) {
			g[i] = sprintf("%x", hex($i))
			if (g[i] == "0") {
				if (!cl) cur = i
				cl++
				if (cl > bl) { bl = cl; best = cur }
			} else cl = 0
		}
		out = ""
		for (i = 1; i <= 8; i++) {
			if (bl >= 2 && i == best) { out = out "::"; i += bl - 1; continue }
			if (out != "" && substr(out, length(out)) != ":") out = out ":"
			out = out g[i]
		}
		print out
	}'
}

# The probe queue: q EXPECT FROM TO PROTO PORT [WANT]
#   EXPECT open    a reply starting with WANT (default "<to-host> <proto>/<port>")
#          closed  no reply: the probe times out (a drop, as the policy says)
#          peer=A  open, and the listener saw the connection come from A
# run_probes runs the queue in parallel (each probe is bounded in time) and
# emits one TAP line per probe, in queue order.
q_n=0
q() {
	q_n=$((q_n + 1))
	echo "$*" > "$tmp/q.$q_n.spec"
}
# q_todo REASON: the probe queued last is a known failure (TAP TODO).
q_todo() { echo "$*" > "$tmp/q.$q_n.todo"; }

# q_job I: run queued probe I, result into q.I.res.
q_job() {
	_res=$tmp/q.$1.res
	set -- $(cat "$tmp/q.$1.spec")
	_tries=3
	[ "$1" = closed ] && _tries=1
	probe "$2" "$3" "$4" "$5" $_tries "$_res.tries" > "$_res"
}

run_probes() {
	_pids=
	rm -f "$tmp"/qg.*
	i=1
	while [ $i -le $q_n ]; do
		set -- $(cat "$tmp/q.$i.spec")
		if [ "$4" = udp ]; then
			# socat's forking UDP listener can hand a datagram to
			# the child of another peer when two arrive at once:
			# probes of one UDP listener run one after the other.
			_ns=$(ep "$3" | cut -d' ' -f1)
			echo $i >> "$tmp/qg.$_ns.$5"
		else
			q_job $i &
			_pids="$_pids $!"
		fi
		i=$((i + 1))
	done
	for g in "$tmp"/qg.*; do
		[ -e "$g" ] || continue
		( for j in $(cat "$g"); do q_job $j; done ) &
		_pids="$_pids $!"
	done
	# only the probes: a bare `wait` would wait for the listeners too
	wait $_pids
	i=1
	while [ $i -le $q_n ]; do
		set -- $(cat "$tmp/q.$i.spec")
		_exp=$1 _from=$2 _to=$3 _proto=$4 _port=$5
		shift 5
		_want=${*:-${_to%%[0-9]*} $_proto/$_port}
		_res=$(cat "$tmp/q.$i.res")
		_name="$PHASE: $_from -> $_to $_proto/$_port"
		_todo=
		[ -f "$tmp/q.$i.todo" ] && _todo=" # TODO $(cat "$tmp/q.$i.todo")"
		# a retried expected-open probe passes, but says so: a probe
		# that keeps needing retries is a flake to find, not to hide
		_t=$(cat "$tmp/q.$i.res.tries" 2>/dev/null)
		[ "$_exp" != closed ] && [ "${_t:-1}" -gt 1 ] &&
			echo "# $_name: took $_t tries"
		case $_exp in
		open)
			case $_res in
			"OPEN $_want "*|"OPEN $_want") tap_ok "$_name answers ($_want)" ;;
			*) tap_not_ok "$_name answers ($_want)"; echo "got: $_res" | diag ;;
			esac ;;
		closed)
			if [ "$_res" = TIMEOUT ]; then
				tap_ok "$_name times out"
			else
				tap_not_ok "$_name times out"; echo "got: $_res" | diag
			fi ;;
		peer=*)
			_peer=$(peer_canon "${_res##* }")
			case $_res in
			"OPEN $_want "*) ;;
			*) _peer="(no answer: $_res)" ;;
			esac
			if [ "$_peer" = "${_exp#peer=}" ]; then
				tap_ok "$_name arrives from ${_exp#peer=}"
			else
				tap_not_ok "$_name arrives from ${_exp#peer=}"
				echo "seen from: $_peer" | diag
			fi ;;
		esac
		rm -f "$tmp/q.$i.spec" "$tmp/q.$i.res" "$tmp/q.$i.res.tries" \
			"$tmp/q.$i.todo"
		i=$((i + 1))
	done
	_todo=
	q_n=0
}

# ping_check EXPECT FROM TO: one ICMP(v6) echo, bounded.
ping_check() {
	set -- "$1" "$2" "$3" $(ep "$2") $(ep "$3")
	if ip netns exec "$4" timeout $((E2E_T + 2)) ping -"$(fam "$7")" -n -c 1 \
		-W "$E2E_T" -I "$5" "$7" >/dev/null 2>&1; then
		_got=pass
	else
		_got=drop
	fi
	if [ "$_got" = "$1" ]; then
		tap_ok "$PHASE: echo request $2 -> $3: $1"
	else
		tap_not_ok "$PHASE: echo request $2 -> $3: $1 (got $_got)"
	fi
}

# upload_check FROM TO: send a 200 KB file over TCP from FROM to a sink on
# TO (port 5001) and compare checksums; on IPv6 also check that FROM
# learned the 1280-byte path MTU (the packet-too-big reached it).
upload_check() {
	set -- "$1" "$2" $(ep "$1") $(ep "$2")
	[ -f "$tmp/up.bin" ] || head -c 204800 /dev/urandom > "$tmp/up.bin"
	rm -f "$tmp/sink.bin"
	ip netns exec "$5" timeout 15 socat -u \
		"TCP$(fam "$6")-LISTEN:5001,reuseaddr" \
		"OPEN:$tmp/sink.bin,creat,trunc" 2>/dev/null &
	_sink=$!
	i=0
	while [ $i -lt 30 ] &&
	      ! ip netns exec "$5" ss -Htln 2>/dev/null | grep -Eq ':5001[[:space:]]'; do
		sleep 0.1
		i=$((i + 1))
	done
	_b=$(case $4 in *:*) echo "[$4]" ;; *) echo "$4" ;; esac)
	ip netns exec "$3" timeout 12 socat -u "OPEN:$tmp/up.bin" \
		"TCP$(fam "$6"):$(sock "$6" 5001),connect-timeout=$E2E_T,bind=$_b" \
		2>"$tmp/up.err"
	_rc=$?
	i=0
	while [ $i -lt 50 ] && kill -0 "$_sink" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	kill "$_sink" 2>/dev/null
	wait "$_sink" 2>/dev/null
	if [ $_rc = 0 ] && cmp -s "$tmp/up.bin" "$tmp/sink.bin"; then
		tap_ok "$PHASE: 200 KB upload $1 -> $2 across the 1280-byte hop completes intact"
	else
		tap_not_ok "$PHASE: 200 KB upload $1 -> $2 across the 1280-byte hop completes intact"
		{ echo "client rc=$_rc, received $(wc -c < "$tmp/sink.bin" 2>/dev/null || echo 0) bytes"
		  cat "$tmp/up.err"; } | diag
	fi
	if [ "$(fam "$6")" = 6 ]; then
		_mtu=$(ip -n "$3" -6 route get "$6" from "$4" 2>/dev/null |
			sed -n 's/.* mtu \([0-9]*\).*/\1/p')
		if [ "$_mtu" = 1280 ]; then
			tap_ok "$PHASE: $1 learned path MTU 1280 toward $2 (packet too big passed)"
		else
			tap_not_ok "$PHASE: $1 learned path MTU 1280 toward $2 (packet too big passed)"
			ip -n "$3" -6 route get "$6" from "$4" 2>&1 | diag
		fi
		ip -n "$3" -6 route flush cache 2>/dev/null
	else
		ip -n "$3" -4 route flush cache 2>/dev/null
	fi
}

# nmap_ports: "PORT STATE" lines of the last scan, every scanned port (the
# XML output keeps the port lists of the collapsed "extraports" too).
nmap_ports() {
	awk '
	function expand(list, state,   n, i, a, r) {
		n = split(list, a, ",")
		for (i = 1; i <= n; i++) {
			if (split(a[i], r, "-") == 2)
				for (p = r[1] + 0; p <= r[2] + 0; p++) print p, state
			else
				print a[i] + 0, state
		}
	}
	/<extraports / { match($0, /state="[^"]*"/); st = substr($0, RSTART + 7, RLENGTH - 8) }
	/<extrareasons / && match($0, /ports="[^"]*"/) { expand(substr($0, RSTART + 7, RLENGTH - 8), st) }
	/<port protocol="tcp"/ {
		match($0, /portid="[0-9]*"/); p = substr($0, RSTART + 8, RLENGTH - 9)
		match($0, /<state state="[^"]*"/); print p, substr($0, RSTART + 14, RLENGTH - 15)
	}' "$tmp/nmap.out" | sort -n
}

# nmap_scan FROM TO PORTS: SYN-scan TO from FROM's address; the open TCP
# ports, space-separated and sorted, into $nmap_open.
nmap_scan() {
	set -- "$1" "$2" "$3" $(ep "$1") $(ep "$2")
	_f=$(fam "$7")
	_6=$([ "$_f" = 6 ] && echo -6)
	ip netns exec "$4" timeout 60 nmap $_6 -n -Pn -sS -T4 \
		--max-retries 1 --min-rate 2000 --host-timeout 50s -S "$5" -e eth0 -p "$3" -oX - "$7" \
		>"$tmp/nmap.out" 2>"$tmp/nmap.err"
	nmap_rc=$?
	nmap_open=$(nmap_ports | awk '$2 == "open" { print $1 }' | tr '\n' ' ' |
		sed 's/ $//')
}

# nmap_expect FROM TO PORTS "OPEN PORTS": one TAP line; the open set must
# be exactly the given one (the pinholed ports that have a listener).
nmap_expect() {
	nmap_scan "$1" "$2" "$3"
	if [ $nmap_rc = 0 ] && grep -q '<status state="up"' "$tmp/nmap.out" &&
	   [ "$nmap_open" = "$4" ]; then
		tap_ok "$PHASE: nmap from $1: open TCP ports on $2 are exactly: ${4:-none}"
	else
		tap_not_ok "$PHASE: nmap from $1: open TCP ports on $2 are exactly: ${4:-none}"
		nmap_report | diag
	fi
}

# nmap_report: the scan's verdicts, compressed, for diagnostics.
nmap_report() {
	echo "nmap rc $nmap_rc; open: ${nmap_open:-none}"
	nmap_ports | awk '
		$2 != st || $1 != last + 1 { if (st != "") print st ": " first "-" last; st = $2; first = $1 }
		{ last = $1 }
		END { if (st != "") print st ": " first "-" last }'
	cat "$tmp/nmap.err"
}
