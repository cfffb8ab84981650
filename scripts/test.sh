#!/usr/bin/env bash
# Runs berth's tests, as root: unit tests, then end-to-end tests against a berthd of the suite's
# own (separate data and runtime roots), then checks that nothing was left behind.
set -uo pipefail
cd "$(dirname "$0")/.."

npm run build --silent || exit 1

BERTH_TEST_DATA=/var/lib/berth-test
BERTH_TEST_RUN=/run/berth-test
source scripts/test-daemon.sh

# Leftovers of an earlier killed run: its daemon is gone, its containers may not be.
bash scripts/test-cleanup.sh

status=0
echo "== unit tests"
# Node 20's --test takes no globs.
mapfile -t unit < <(find dist/src -name '*.test.js' | sort)
node --test --test-reporter=spec "${unit[@]}" || status=1

echo "== end-to-end tests"
start_test_daemon || exit 1
mapfile -t e2e < <(find dist/test/e2e -name '*.test.js' | sort)
node --test --test-concurrency=1 --test-reporter=spec "${e2e[@]}" || status=1
stop_test_daemon
trap - EXIT

echo "== leftovers"
if ! bash scripts/check-leftovers.sh; then status=1; fi
exit $status
