# Sourced by scripts that run e2e tests: starts a berthd on $BERTH_TEST_DATA / $BERTH_TEST_RUN
# (exported with $BERTH_TEST_HOST for the tests), makes busybox:latest in it, and stops it again.
# Expects the working directory to be the project root and dist/ to be built.

BERTH_TEST_HOST="unix://$BERTH_TEST_RUN/berth.sock"
export BERTH_TEST_DATA BERTH_TEST_RUN BERTH_TEST_HOST
BERTH="$PWD/dist/bundle/berth"

# Removes every container of the daemon, stops it and removes its roots.
stop_test_daemon() {
  if [ -n "${DAEMON_PID:-}" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    ids=$(BERTH_HOST=$BERTH_TEST_HOST $BERTH ps -aq 2>/dev/null)
    [ -n "$ids" ] && BERTH_HOST=$BERTH_TEST_HOST $BERTH rm -f $ids >/dev/null 2>&1
    kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
  fi
  rm -rf "$BERTH_TEST_DATA" "$BERTH_TEST_RUN"
}

# Starts the daemon (log in $BERTH_TEST_RUN.log), arms stop_test_daemon on exit, makes busybox.
start_test_daemon() {
  mkdir -p "$BERTH_TEST_RUN"
  $BERTH daemon --data-root "$BERTH_TEST_DATA" --exec-root "$BERTH_TEST_RUN" 2> "$BERTH_TEST_RUN.log" &
  DAEMON_PID=$!
  trap stop_test_daemon EXIT
  for _ in $(seq 100); do [ -S "$BERTH_TEST_RUN/berth.sock" ] && break; sleep 0.1; done
  if ! BERTH=$PWD/dist/bundle/berth BERTH_HOST=$BERTH_TEST_HOST bash scripts/make-busybox-image.sh busybox:latest; then
    echo "could not make the busybox image"; cat "$BERTH_TEST_RUN.log"; return 1
  fi
}
