#!/bin/sh
# The berth executable as installed (scripts/bundle.mjs copies it to dist/bundle/berth).
# Node 20 reads and parses every root certificate before it runs any script when
# NODE_EXTRA_CA_CERTS is set: ~60 ms of each command and ~1.6 MB of an idle berthd. The CLI never
# makes a TLS connection, and berthd adds the file's certificates to its registry connections
# itself, so both start without it and put it back for what they start (src/bin/extra-ca-env.ts).
self=$0
[ -L "$self" ] && self=$(readlink -f -- "$self")
case $self in
*/*) dir=${self%/*} ;;
*) dir=. ;;
esac
if [ -n "${NODE_EXTRA_CA_CERTS+set}" ]; then
  BERTH_NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS
  export BERTH_NODE_EXTRA_CA_CERTS
  unset NODE_EXTRA_CA_CERTS
fi
# berthd's young generation stays at 2 x 1 MB: V8 grows it to 2 x 4 MB during start-up and a first
# import, and an idle daemon keeps it (~4 MB of RSS); its big buffers live outside the heap, so the
# more frequent scavenges cost no measurable throughput (pull, push, commit, build). One malloc arena
# for all its threads (glibc makes one per thread that allocates: the threadpool's, V8's) keeps
# ~3 MB less of freed memory; what berthd starts inherits the setting, harmlessly. Its only
# WebAssembly, undici's HTTP parser, is compiled by Liftoff alone: TurboFan's compile of it took
# ~100 ms of CPU at the first registry contact, and the parser does little per byte of a body.
if [ "${1-}" = daemon ]; then
  MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX-1} exec node --max-semi-space-size=1 --liftoff-only "$dir/berth.mjs" "$@"
fi
exec node "$dir/berth-cli.cjs" "$@"
