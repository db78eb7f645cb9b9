# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for pinhole(8). Installed to bash-completion's
# completionsdir (loaded on demand), or source it from ~/.bashrc.
#
# Subcommands come from `pinhole -h` (so a newer binary's commands are
# offered), else from the list below; options per subcommand as in
# pinhole(8); policy files are *.yaml and *.yml; the zone names of
# `explain --in` are read from the `zones:` mapping of the policy given
# on the command line.

_pinhole_commands()
{
	local out
	out=$("${1:-pinhole}" -h 2>/dev/null |
		awk '/^Commands:/ { c = 1; next } c && NF == 0 { exit } c { print $1 }')
	printf '%s\n' "${out:-check compile uci apply confirm diff status flush}"
}

# the top-level keys of the block mapping `zones:` in the policy file $1
_pinhole_zones()
{
	[ -r "$1" ] || return
	awk '
	/^zones:[ \t]*(#.*)?$/ { z = 1; next }
	z && /^[^ \t#]/ { exit }
	z && /^[ \t]+[^ \t#-][^:]*:/ {
		match($0, /^[ \t]+/)
		if (!ind) ind = RLENGTH
		if (RLENGTH != ind) next
		s = substr($0, RLENGTH + 1)
		sub(/[ \t]*:.*/, "", s)
		gsub(/["\047]/, "", s)
		print s
	}' "$1" 2>/dev/null
}

_pinhole_netns()
{
	{ ip netns list 2>/dev/null | awk '{ print $1 }'
	  ls /run/netns 2>/dev/null; } | sort -u
}

_pinhole_policies()
{
	local IFS=$'\n'
	compopt -o filenames 2>/dev/null
	COMPREPLY+=($(compgen -d -- "$1") $(compgen -f -X '!*.yaml' -- "$1")
		    $(compgen -f -X '!*.yml' -- "$1"))
}

_pinhole()
{
	local cur prev cmd="" policy="" i w opts
	local IFS=$' \t\n'
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	# the subcommand and the policy: the first words that are neither
	# options nor an option's value
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--netns|--state-dir|--confirm|--table|--in|--from|--to|--proto|--port)
			((i++)); continue ;;
		-*) continue ;;
		esac
		if [ -z "$cmd" ]; then
			cmd=$w
		elif [ -z "$policy" ]; then
			policy=$w
		fi
	done

	case $prev in
	--netns)
		COMPREPLY=($(compgen -W "$(_pinhole_netns)" -- "$cur"))
		return ;;
	--state-dir)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	--in)
		COMPREPLY=($(compgen -W "$(_pinhole_zones "$policy")" -- "$cur"))
		return ;;
	--proto)
		COMPREPLY=($(compgen -W "tcp udp icmpv6" -- "$cur"))
		return ;;
	--to)
		COMPREPLY=($(compgen -W "self" -- "$cur"))
		return ;;
	--confirm|--table|--from|--port)
		return ;;
	esac

	local global="--netns --state-dir -h --help --version"
	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$global" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_pinhole_commands "${COMP_WORDS[0]}")" -- "$cur"))
		fi
		return
	fi

	case $cmd in
	apply)
		opts="--confirm --boot"
		# --force only where the binary has it (SPEC §6.5)
		"${COMP_WORDS[0]}" -h 2>/dev/null | grep -q '^  apply .*--force' &&
			opts="$opts --force"
		# --full and -v (incremental apply) likewise
		"${COMP_WORDS[0]}" -h 2>/dev/null | grep -q '^  apply .*--full' &&
			opts="$opts --full -v" ;;
	diff) opts="--json" ;;
	status) opts="--table --json" ;;
	uci) opts="--batch --zones" ;;
	flush) opts="--table" ;;
	explain) opts="--live --in --from --to --proto --port --json" ;;
	*) opts="" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
		return
	fi
	case $cmd in
	check|compile|uci|apply|diff|explain)
		[ -z "$policy" ] && _pinhole_policies "$cur" ;;
	esac
}

complete -F _pinhole pinhole
