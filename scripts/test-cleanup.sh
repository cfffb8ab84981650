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
rm -rf /run/berth-test /run/berth-test-* /var/lib/berth-test /var/lib/berth-test-*
exit 0
