# examples/ports-lists-ranges.yaml (seed 001): a port list to web (srv6),
# a TCP range to apps (srv6app, a second address of the server) and a UDP
# range to game (cli6); both ends of each range open, one past each end
# shut; nmap from the internet sees exactly the pinholed ports (seed 003).
load_ok "$RTR" "$EX/ports-lists-ranges.yaml"
for p in 80 443 8080; do q open wan6 srv6 tcp $p; done
for p in 8000 8999 8081 22 445 3306; do q closed wan6 srv6 tcp $p; done
q closed wan6 srv6 udp 443
q open wan6 srv6app tcp 8000
q open wan6 srv6app tcp 8999
q closed wan6 srv6app tcp 7999
q closed wan6 srv6app tcp 9000
q closed wan6 srv6app tcp 80
q closed wan6 srv6app tcp 443
q open wan6 cli6 udp 27015
q open wan6 cli6 udp 27030
q closed wan6 cli6 udp 27014
q closed wan6 cli6 udp 27031
q closed wan6 cli6 tcp 27015
q closed wan6 cli6 tcp 80
q closed wan6 nas6 tcp 80
q closed wan6 nas6 tcp 443
run_probes

# nmap (seed 003's acceptance test): the open set is exactly the pinholed
# ports that have a listener.
nmap_expect wan6 srv6 1-1100,3306,7990-9010 "80 443 8080"
# apps: the listeners inside 8000-8999 (srv listens on 8080, 8081 and 8443
# too, for the other cases) ...
nmap_expect wan6 srv6app 1-1100,3306,7990-9010 "8000 8080 8081 8443 8999"
# ... and every other port of the range answers with a RST (closed): the
# ports that answer are exactly 8000-8999, all the others are filtered.
answered=$(nmap_ports | awk '$2 == "open" || $2 == "closed" { print $1 }' |
	tr '\n' ' ' | sed 's/ $//')
if [ "$answered" = "$(seq 8000 8999 | tr '\n' ' ' | sed 's/ $//')" ] &&
   [ "$(nmap_ports | awk '$2 != "filtered"' | wc -l)" = 1000 ]; then
	tap_ok "$PHASE: nmap: exactly 8000-8999 of 1-1100,3306,7990-9010 answer on srv6app"
else
	tap_not_ok "$PHASE: nmap: exactly 8000-8999 of 1-1100,3306,7990-9010 answer on srv6app"
	nmap_report | diag
fi
nmap_expect wan6 cli6 1-1100,3306,27015 ""
nmap_expect wan6 nas6 1-1100,3306 ""
