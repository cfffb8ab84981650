#!/usr/bin/env bash
# Runs berth's tests, as root: unit tests, then end-to-end tests against a berthd of the suite's
# own (separate data and runtime roots), then checks that nothing was left behind.
set -uo pipefail
cd "$(dirname "$0")/.."

npm run build --silent || exit 1

export BERTH_TEST_DATA=/var/lib/berth-test
export BERTH_TEST_RUN=/run/berth-test
export BERTH_TEST_HOST="unix://$BERTH_TEST_RUN/berth.sock"
BERTH="node $PWD/dist/bundle/berth.mjs"

cleanup_daemon() {
  if [ -n "${DAEMON_PID:-}" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    ids=$(BERTH_HOST=$BERTH_TEST_HOST $BERTH ps -aq 2>/dev/null)
    [ -n "$ids" ] && BERTH_HOST=$BERTH_TEST_HOST $BERTH rm -f $ids >/dev/null 2>&1
    kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
  fi
  rm -rf "$BERTH_TEST_DATA" "$BERTH_TEST_RUN"
}

# Leftovers of an earlier killed run: its daemon is gone, its containers may not be.
bash scripts/test-cleanup.sh

status=0
echo "== unit tests"
# Node 20's --test takes no globs.
mapfile -t unit < <(find dist/src -name '*.test.js' | sort)
node --test --test-reporter=spec "${unit[@]}" || status=1

echo "== end-to-end tests"
mkdir -p "$BERTH_TEST_RUN"
$BERTH daemon --data-root "$BERTH_TEST_DATA" --exec-root "$BERTH_TEST_RUN" 2> "$BERTH_TEST_RUN.log" &
DAEMON_PID=$!
trap cleanup_daemon EXIT
for _ in $(seq 100); do [ -S "$BERTH_TEST_RUN/berth.sock" ] && break; sleep 0.1; done
if ! BERTH=$PWD/dist/bundle/berth.mjs BERTH_HOST=$BERTH_TEST_HOST bash scripts/make-busybox-image.sh busybox:latest; then
  echo "could not make the busybox image"; cat "$BERTH_TEST_RUN.log"; exit 1
fi
mapfile -t e2e < <(find dist/test/e2e -name '*.test.js' | sort)
node --test --test-concurrency=1 --test-reporter=spec "${e2e[@]}" || status=1
cleanup_daemon
trap - EXIT

echo "== leftovers"
if ! bash scripts/check-leftovers.sh; then status=1; fi
exit $status
