# Control: with no ruleset anywhere the topology passes everything, so a
# later timeout means a rule dropped the packet, not a broken link.
q open wan6 srv6 tcp 22
q open wan6 srv6 tcp 445
q open wan6 srv6 udp 53
q open wan6 cli6 tcp 22
q open wan6 nas6 tcp 445
q open wan6 rtr6 tcp 22
q open wan6in srv6 tcp 3306
q open wan4 srv4 tcp 22
q open cli6 srv6 tcp 3306
q open cli6 wan6 tcp 80
q open cli4 wan4 udp 53
q open far6 srv6 tcp 80
run_probes
ping_check pass wan6 srv6
