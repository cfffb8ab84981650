#!/usr/bin/env bash
# Fails when berth's tests left mounts, conmon processes, runtime state, cgroups or netns behind.
left=0
# A running daemon's read-only runtime binaries (<exec root>/bin/crun|runc) are its own, not a test's.
m=$(grep -E 'berth' /proc/mounts | while read -r src mp rest; do
  if [[ $mp =~ ^(.*)/bin/(crun|runc)$ ]]; then
    pid=$(cat "${BASH_REMATCH[1]}/berthd.pid" 2>/dev/null)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && continue
  fi
  echo "$src $mp $rest"
done)
[ -n "$m" ] && { echo "mounts left:"; echo "$m"; left=1; }
c=$(pgrep -a conmon | grep -E 'berth' )
[ -n "$c" ] && { echo "conmon processes left:"; echo "$c"; left=1; }
for h in /sys/fs/cgroup/*/berth; do
  [ -d "$h" ] || continue
  sub=$(find "$h" -mindepth 1 -maxdepth 1 -type d)
  [ -n "$sub" ] && { echo "cgroups left:"; echo "$sub"; left=1; }
done
n=$(ip netns list 2>/dev/null | grep -i berth)
[ -n "$n" ] && { echo "netns left:"; echo "$n"; left=1; }
v=$(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | grep -E '^vb[0-9a-f]{12}')
[ -n "$v" ] && { echo "container veths left:"; echo "$v"; left=1; }
r=$(iptables -w -t nat -S 2>/dev/null | grep -F '"berth:')
[ -n "$r" ] && { echo "port rules left:"; echo "$r"; left=1; }
[ $left -eq 0 ] && echo "no leftovers"
exit $left
