#!/usr/bin/env bash
# Removes what an earlier, killed test run may have left: containers of test daemons (runtime
# state, conmon, mounts) and the test roots. Touches only berth-test paths.
for root in /run/berth-test /run/berth-test-*; do
  [ -d "$root" ] || continue
  for rt in "$root"/runtime/*; do
    [ -d "$rt" ] || continue
    bin=$(basename "$rt"); [ "$bin" = runc ] && bin=runc
    for id in $("$bin" --root "$rt" list -q 2>/dev/null); do "$bin" --root "$rt" delete --force "$id" >/dev/null 2>&1; done
  done
  for pidfile in "$root"/containers/*/conmon.pid; do
    [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null
  done
done
grep -E ' /run/berth-test' /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
for h in /sys/fs/cgroup/*/berth; do
  [ -d "$h" ] && find "$h" -mindepth 1 -maxdepth 1 -type d -exec rmdir {} + 2>/dev/null
done
# Bridges and netfilter chains of daemons on non-default exec roots (named berth-<hash>, BERTH-<hash>-*).
for br in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | grep -E '^berth-[0-9a-f]{6}$'); do
  ip link del "$br" 2>/dev/null
done
for table in nat filter; do
  iptables -w -t "$table" -S 2>/dev/null | grep -E '^-A (PREROUTING|OUTPUT|POSTROUTING|FORWARD) .*-j BERTH-[0-9a-f]{6}' | cut -d' ' -f2- |
    while read -r rule; do eval "iptables -w -t $table -D $rule" 2>/dev/null; done
  for chain in $(iptables -w -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^BERTH-[0-9a-f]{6}/ {print $2}'); do
    iptables -w -t "$table" -F "$chain" 2>/dev/null; iptables -w -t "$table" -X "$chain" 2>/dev/null
  done
done
rm -rf /run/berth-test /run/berth-test-* /var/lib/berth-test /var/lib/berth-test-*
exit 0
