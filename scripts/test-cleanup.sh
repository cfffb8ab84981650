#!/usr/bin/env bash
# Removes what an earlier, killed test run may have left: containers of test daemons (runtime
# state, conmon, mounts), their bridges and netfilter chains, and the test roots. Touches only
# berth-test paths, and never a root whose daemon is still running (another run's, or a
# developer's private daemon).
alive() { # RUN_ROOT
  local pid
  pid=$(cat "$1/berthd.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}
dead_roots=()
live_tags=()
for root in /run/berth-test /run/berth-test-*; do
  [ -d "$root" ] || continue
  if alive "$root"; then
    # The daemon's bridge and chains are named after its exec root (bridgeIdentity).
    live_tags+=("$(printf '%s' "$root" | sha256sum | cut -c1-6)")
    continue
  fi
  dead_roots+=("$root")
  for rt in "$root"/runtime/*; do
    [ -d "$rt" ] || continue
    bin=$(basename "$rt")
    for id in $("$bin" --root "$rt" list -q 2>/dev/null); do "$bin" --root "$rt" delete --force "$id" >/dev/null 2>&1; done
  done
  for pidfile in "$root"/containers/*/conmon.pid; do
    [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null
  done
  grep -F " $root/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
done
is_live_tag() { local t; for t in "${live_tags[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }
if [ ${#live_tags[@]} -eq 0 ]; then
  for h in /sys/fs/cgroup/*/berth; do
    [ -d "$h" ] && find "$h" -mindepth 1 -maxdepth 1 -type d -exec rmdir {} + 2>/dev/null
  done
fi
# Bridges and netfilter chains of daemons on non-default exec roots (named berth-<hash>, BERTH-<hash>-*).
for br in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | grep -E '^berth-[0-9a-f]{6}$'); do
  is_live_tag "${br#berth-}" || ip link del "$br" 2>/dev/null
done
for table in nat filter; do
  iptables -w -t "$table" -S 2>/dev/null | grep -E '^-A (PREROUTING|OUTPUT|POSTROUTING|FORWARD) .*-j BERTH-[0-9a-f]{6}' | cut -d' ' -f2- |
    while read -r rule; do
      tag=$(grep -oE 'BERTH-[0-9a-f]{6}' <<<"$rule" | head -1 | cut -c7-)
      is_live_tag "$tag" || eval "iptables -w -t $table -D $rule" 2>/dev/null
    done
  # grep, not awk: Debian's mawk has no {n} intervals.
  for chain in $(iptables -w -t "$table" -S 2>/dev/null | grep -oE '^-N BERTH-[0-9a-f]{6}[^ ]*' | cut -d' ' -f2); do
    is_live_tag "${chain:6:6}" && continue
    iptables -w -t "$table" -F "$chain" 2>/dev/null; iptables -w -t "$table" -X "$chain" 2>/dev/null
  done
done
for root in "${dead_roots[@]}"; do rm -rf "$root"; done
# Data roots go with their exec roots (/var/lib/berth-test-x with /run/berth-test-x).
for data in /var/lib/berth-test /var/lib/berth-test-*; do
  [ -d "$data" ] || continue
  alive "/run/${data#/var/lib/}" || rm -rf "$data"
done
exit 0
