# bash completion for berth, the Docker-compatible container engine.
# Source it from ~/.bashrc or install it as /usr/share/bash-completion/completions/berth.

__berth_containers() {
	local all=$1
	berth ps ${all:+-a} --format '{{.Names}}' 2>/dev/null
}

__berth_images() {
	berth images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep -v '<none>'
}

__berth_flags_for() {
	case "$1" in
	run | create)
		echo "--add-host --attach -a --blkio-weight --blkio-weight-device --cap-add --cap-drop --cgroupns --cgroup-parent
			--cidfile --cpu-period --cpu-quota --cpu-rt-period --cpu-rt-runtime --cpu-shares -c --cpus --cpuset-cpus
			--cpuset-mems --detach-keys --device-read-bps --device-read-iops --device-write-bps --device-write-iops --dns --dns-option
			--dns-search --domainname --entrypoint --env -e --env-file --expose --group-add --help --hostname -h
			--init --interactive -i --ipc --label -l --label-file --log-driver --log-opt --memory -m
			--memory-reservation --memory-swap --mount --name --network --network-alias --no-healthcheck
			--oom-kill-disable --pid --pids-limit --platform --privileged --publish -p --publish-all -P --pull
			--quiet -q --read-only --restart --rm --runtime --security-opt --shm-size --stop-signal
			--stop-timeout --sysctl --tmpfs --tty -t --ulimit --user -u --userns --uts --volume -v
			--volumes-from --workdir -w"
		[ "$1" = run ] && echo "--detach -d --sig-proxy"
		;;
	start) echo "--attach -a --detach-keys --interactive -i --help" ;;
	stop | restart) echo "--signal -s --timeout -t --help" ;;
	kill) echo "--signal -s --help" ;;
	rm | remove) echo "--force -f --link -l --volumes -v --help" ;;
	logs) echo "--details --follow -f --since --tail -n --timestamps -t --until --help" ;;
	attach) echo "--detach-keys --no-stdin --sig-proxy --help" ;;
	exec) echo "--detach -d --detach-keys --env -e --env-file --interactive -i --privileged --tty -t --user -u --workdir -w --help" ;;
	ps | ls | list) echo "--all -a --filter -f --format --last -n --latest -l --no-trunc --quiet -q --size -s --help" ;;
	images) echo "--all -a --digests --filter -f --format --no-trunc --quiet -q --help" ;;
	history) echo "--format --human -H --no-trunc --platform --quiet -q --help" ;;
	inspect) echo "--format -f --size -s --type --help" ;;
	rmi) echo "--force -f --no-prune --help" ;;
	import) echo "--change -c --message -m --platform --help" ;;
	commit) echo "--author -a --change -c --message -m --pause -p --help" ;;
	version | info) echo "--format -f --help" ;;
	*) echo "--help" ;;
	esac
}

# Flags whose next word is a value, so we must not complete a command argument there.
__berth_takes_value() {
	case "$1" in
	--add-host | --attach | -a | --blkio-weight | --blkio-weight-device | --cap-add | --cap-drop | --cgroupns | --cgroup-parent | \
		--cidfile | --cpu-period | --cpu-quota | --cpu-rt-period | --cpu-rt-runtime | --cpu-shares | -c | --cpus | --cpuset-cpus | \
		--cpuset-mems | --device-read-bps | --device-read-iops | --device-write-bps | --device-write-iops | --detach-keys | --dns | --dns-option | \
		--dns-search | --domainname | --entrypoint | --env | -e | --env-file | --expose | --group-add | --hostname | -h | \
		--ipc | --label | -l | --label-file | --log-driver | --log-opt | --memory | -m | --memory-reservation | \
		--memory-swap | --mount | --name | --network | --net | --network-alias | --pid | --pids-limit | --platform | \
		--publish | -p | --pull | --restart | --runtime | --security-opt | --shm-size | --stop-signal | --stop-timeout | \
		--sysctl | --tmpfs | --ulimit | --user | -u | --userns | --uts | --volume | -v | --volumes-from | --workdir | -w | \
		--signal | -s | --timeout | -t | --since | --until | --tail | -n | --filter | -f | --format | --type | --change | \
		--message | --author | -H | --host | --log-level | --config)
		return 0
		;;
	esac
	return 1
}

_berth() {
	COMPREPLY=()
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi

	local commands="attach build builder commit container cp create daemon diff events exec export history image images import
		info inspect kill load login logout logs network pause port ps pull push rename restart rm rmi run save start stats stop
		system tag top unpause update version volume wait"
	local container_cmds="attach commit create diff exec inspect kill logs ls list ps pause rename restart rm remove run
		start stop top unpause wait"
	local image_cmds="build history import inspect load ls list prune pull push rm remove save tag"

	# Find the command (and subcommand of a management command), skipping global flags.
	local i cmd="" sub="" positional=0
	for ((i = 1; i < cword; i++)); do
		local w=${words[i]}
		if [[ $w == -* ]]; then
			__berth_takes_value "$w" && [[ $w != *=* ]] && [ -z "$cmd" ] && ((i++))
			continue
		fi
		if [ -z "$cmd" ]; then
			cmd=$w
		elif [ -z "$sub" ] && [[ $cmd == container || $cmd == image || $cmd == system ]]; then
			sub=$w
		else
			positional=$((positional + 1))
		fi
	done

	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--config --context -c --debug -D --host -H --log-level -l --version -v --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi

	case "$cmd" in
	container)
		if [ -z "$sub" ]; then
			COMPREPLY=($(compgen -W "$container_cmds" -- "$cur"))
			return
		fi
		cmd=$sub
		;;
	image)
		if [ -z "$sub" ]; then
			COMPREPLY=($(compgen -W "$image_cmds" -- "$cur"))
			return
		fi
		case "$sub" in
		ls | list) cmd=images ;;
		rm | remove) cmd=rmi ;;
		inspect) cmd=image-inspect ;;
		*) cmd=$sub ;;
		esac
		;;
	system)
		[ -z "$sub" ] && COMPREPLY=($(compgen -W "info" -- "$cur")) && return
		cmd=$sub
		;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(__berth_flags_for "$cmd")" -- "$cur"))
		return
	fi

	case "$prev" in
	--network | --net)
		COMPREPLY=($(compgen -W "bridge host none" -- "$cur"))
		return
		;;
	--restart)
		COMPREPLY=($(compgen -W "no always unless-stopped on-failure" -- "$cur"))
		return
		;;
	--signal | -s)
		COMPREPLY=($(compgen -W "SIGHUP SIGINT SIGKILL SIGQUIT SIGTERM SIGUSR1 SIGUSR2" -- "$cur"))
		return
		;;
	--type)
		COMPREPLY=($(compgen -W "container image" -- "$cur"))
		return
		;;
	--env-file | --label-file | --cidfile)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	esac
	__berth_takes_value "$prev" && return

	case "$cmd" in
	run | create)
		[ "$positional" -eq 0 ] && COMPREPLY=($(compgen -W "$(__berth_images)" -- "$cur"))
		;;
	start | rm | remove | inspect | rename | wait | diff)
		COMPREPLY=($(compgen -W "$(__berth_containers all)" -- "$cur"))
		;;
	attach | exec | kill | logs | pause | restart | stop | top | unpause)
		[ "$positional" -eq 0 ] && COMPREPLY=($(compgen -W "$(__berth_containers)" -- "$cur"))
		;;
	rmi | image-inspect | history)
		COMPREPLY=($(compgen -W "$(__berth_images)" -- "$cur"))
		;;
	commit)
		[ "$positional" -eq 0 ] && COMPREPLY=($(compgen -W "$(__berth_containers all)" -- "$cur"))
		;;
	tag)
		[ "$positional" -eq 0 ] && COMPREPLY=($(compgen -W "$(__berth_images)" -- "$cur"))
		;;
	import)
		[ "$positional" -eq 0 ] && COMPREPLY=($(compgen -f -- "$cur"))
		;;
	esac
}

complete -F _berth berth
