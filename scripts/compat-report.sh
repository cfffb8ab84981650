#!/usr/bin/env bash
# Developer tool: runs every client suite (the docker CLI suites, i.e. the e2e files that use the
# harness's CLIENTS table, and the client-*.test files: compose, dockerode, testcontainers) against a
# berthd of its own and prints a table of what passes per client and API area (the naming
# convention is in scripts/compat-reporter.mjs). Test details go to stderr, the table to stdout.
# Usage: scripts/compat-report.sh [e2e test file…]   (default: every client suite)
# CI does not run this; it runs the suites themselves through scripts/test.sh.
set -uo pipefail
cd "$(dirname "$0")/.."

npm run build --silent || exit 1

# Roots of its own, so it can run beside a test daemon already serving scripts/test.sh; but not
# while test.sh starts: its scripts/test-cleanup.sh removes every berth-test-* root, this one too.
BERTH_TEST_DATA=${BERTH_TEST_DATA:-/var/lib/berth-test-compat}
BERTH_TEST_RUN=${BERTH_TEST_RUN:-/run/berth-test-compat}
source scripts/test-daemon.sh

if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <({ grep -lw CLIENTS dist/test/e2e/*.test.js; ls dist/test/e2e/client-*.test.js; } | sort -u)
fi
start_test_daemon >&2 || exit 1
node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stderr \
  --test-reporter=./scripts/compat-reporter.mjs --test-reporter-destination=stdout \
  "${files[@]}"
