#!/bin/sh
# The berth executable as installed (scripts/bundle.mjs copies it to dist/bundle/berth).
# The CLI speaks only to berthd's unix socket and never makes a TLS connection, yet Node 20 reads and
# parses every certificate NODE_EXTRA_CA_CERTS names before it runs any script: ~60 ms of each
# command on a host that sets it. So the CLI starts without it and puts it back for what it starts
# (src/bin/cli-process.ts); berthd, which talks TLS to registries, keeps it.
self=$0
[ -L "$self" ] && self=$(readlink -f -- "$self")
case $self in
*/*) dir=${self%/*} ;;
*) dir=. ;;
esac
if [ "${1-}" = daemon ]; then
  exec node "$dir/berth.mjs" "$@"
fi
if [ -n "${NODE_EXTRA_CA_CERTS+set}" ]; then
  BERTH_NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS
  export BERTH_NODE_EXTRA_CA_CERTS
  unset NODE_EXTRA_CA_CERTS
fi
exec node "$dir/berth-cli.cjs" "$@"
