#!/usr/bin/env bash
# A dockerd of its own beside berth, on private roots, for side-by-side checks and benchmark
# ratios on hosts that have dockerd installed but not running (Debian's docker-compose pulls in
# docker.io). Its bridge and pools stay off 172.17.0.0/16, which berth's default bridge takes.
#
#   private-dockerd.sh start NAME   # prints the socket's URL (unix:///run/NAME/docker.sock)
#   private-dockerd.sh stop NAME    # stops it and undoes what it did to the host
#
# dockerd leaves its netfilter chains, their jumps and a FORWARD policy of DROP behind when it
# stops; `stop` removes them and restores the policy `start` found. Refuses to start when another
# dockerd's bridge (docker0) or chains exist: a second dockerd flushes those chains as it starts,
# and ours could not be told apart from them.
set -uo pipefail

cmd=${1:-}; name=${2:-}
[[ $cmd == start || $cmd == stop ]] && [[ $name =~ ^[a-z0-9][a-z0-9-]*$ ]] || {
  echo "usage: private-dockerd.sh start|stop NAME (lower-case letters, digits, dashes)" >&2; exit 2; }
DATA=/var/lib/$name
RUN=/run/$name
STATE=/run/$name.state     # outside the exec root, which dockerd owns
SOCK=$RUN/docker.sock
LOG=/tmp/$name.log

docker_rules_gone() {
  local table rule chain
  for table in filter nat; do
    # Rules of the built-in chains that lead into dockerd's chains or name its bridge.
    iptables -t "$table" -S | grep -E '^-A [A-Z]+ ' | grep -E -- '-j DOCKER|docker0' | while read -r rule; do
      read -ra words <<<"${rule/#-A/-D}"
      iptables -t "$table" "${words[@]}" 2>/dev/null
    done
    for chain in $(iptables -t "$table" -S | awk '$1 == "-N" && $2 ~ /^DOCKER/ {print $2}'); do iptables -t "$table" -F "$chain"; done
    for chain in $(iptables -t "$table" -S | awk '$1 == "-N" && $2 ~ /^DOCKER/ {print $2}'); do iptables -t "$table" -X "$chain"; done
  done
}

stop() {
  local pid i
  if [[ -f $STATE/pid ]]; then
    pid=$(cat "$STATE/pid")
    if kill -0 "$pid" 2>/dev/null && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]]; then
      # Containers first, so their shims and mounts go with them.
      local ids; ids=$(docker -H "unix://$SOCK" ps -aq 2>/dev/null | tr '\n' ' ')
      [[ -z ${ids// } ]] || docker -H "unix://$SOCK" rm -f $ids >/dev/null 2>&1
      # Its user networks' bridges (br-<id>, as berth's) and their rules outlive it: dockerd removes them.
      docker -H "unix://$SOCK" network prune -f >/dev/null 2>&1
      kill -TERM "$pid"
      for ((i = 0; i < 200; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
  fi
  docker_rules_gone
  [[ -f $STATE/forward-policy ]] && iptables -P FORWARD "$(cat "$STATE/forward-policy")"
  ip link del docker0 2>/dev/null
  local m
  while read -r m; do umount -l "$m" 2>/dev/null; done < <(awk -v a="$RUN/" -v b="$DATA/" 'index($5,a)==1||index($5,b)==1{print $5}' /proc/self/mountinfo | sort -r)
  rm -rf "$DATA" "$RUN" "$STATE"
}

start() {
  command -v dockerd >/dev/null || { echo "private-dockerd: dockerd is not installed" >&2; exit 1; }
  [[ -e $STATE ]] && stop
  ip link show docker0 >/dev/null 2>&1 && { echo "private-dockerd: docker0 exists: another dockerd runs here; use it instead" >&2; exit 1; }
  iptables -S | grep -q '^-N DOCKER' && { echo "private-dockerd: another dockerd's chains exist (iptables -S | grep DOCKER); not touching them" >&2; exit 1; }
  mkdir -p "$DATA" "$RUN" "$STATE"
  iptables -S FORWARD | awk '$1 == "-P" {print $3}' >"$STATE/forward-policy"
  # A config of its own: the host's /etc/docker/daemon.json may set a bip, which flags cannot override.
  echo '{}' >"$STATE/daemon.json"
  setsid dockerd --config-file "$STATE/daemon.json" --data-root "$DATA" --exec-root "$RUN" --pidfile "$STATE/dockerd.pid" -H "unix://$SOCK" \
    --bip 172.30.0.1/16 --default-address-pool base=172.31.0.0/16,size=24 \
    --storage-driver overlay2 --log-level warn >"$LOG" 2>&1 </dev/null &
  echo $! >"$STATE/pid"
  local i
  for ((i = 0; i < 300; i++)); do
    docker -H "unix://$SOCK" version --format '{{.Server.Version}}' >/dev/null 2>&1 && { echo "unix://$SOCK"; return 0; }
    kill -0 "$(cat "$STATE/pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "private-dockerd: dockerd did not come up; its log: $LOG" >&2
  tail -5 "$LOG" >&2
  stop
  exit 1
}

"$cmd"
