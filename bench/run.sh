#!/usr/bin/env bash
# berth's benchmarks: latency, throughput and memory of berthd through the berth CLI and through
# the docker CLI, with the steps of the reference script the issue's anchors were measured with
# (same commands, medians). Where dockerd or podman answers on this machine, the same steps run
# against it too and the ratio is printed: figures move ±25% between runs, so compare within one.
#
# Usage: bash bench/run.sh [GROUP...]        (default: mem run exec bulk floor)
#   mem      berthd idle RSS
#   run      run --rm busybox true                      (berth CLI, docker CLI on berthd)
#   exec     exec C true                                (both CLIs)
#   bulk     NCTR x run -d in a row, ps -a with NCTR containers, RSS outside the containers
#            (conmon) per container, one rm -f of the NCTR   (both CLIs); each CLI's own share of
#            ps -a and run -d, against bench/instant-engine.mjs
#   floor    bare `runc run` / `crun run` of a prepared bundle (crun through berthd's hybrid-cgroup
#            wrapper when crun refuses the host)
#   profile  where the daemon's time goes in run --rm busybox true (restarts berthd at debug level)
#   net      what networking costs: run --rm on the default bridge against --network none, and TCP
#            throughput through a port published on 127.0.0.1 against the container's own address
#   build    cold (--no-cache) and fully cached build of the anchors' 12-instruction Dockerfile
#            with a 2,000-file context; capture rate of a RUN layer that writes 200 MB   (all clients)
#   commit   commit of a stopped container that wrote 50 MiB                            (all clients)
#   registry push, then pull after rmi, of a 152 MB four-layer image (three fresh random
#            layers) through Debian's docker-registry on 127.0.0.1; berthd's RSS growth
#            during a pull of a 500 MB image                                             (all clients)
#   all      every group above
#
# It starts its own berthd on private roots (/var/lib/$BENCH_NAME, /run/$BENCH_NAME), makes the
# busybox image with scripts/make-busybox-image.sh, and removes containers, daemon and roots at the
# end. The default /run/berth is never touched. Raw lines also go to $RESULTS_DIR. Latencies are
# hyperfine medians when hyperfine is installed (apt-get install hyperfine), else a shell loop's.
#
# Knobs (environment): RUNS (15: runs per latency), NCTR (50), BENCH_NAME (berth-bench),
#   BERTH_BUNDLE (this checkout's dist/bundle; copied first, so a rebuild during the run is harmless),
#   BERTHD_ARGS (extra daemon flags, e.g. `--default-runtime runc`), BUILD_REPS (3), COMMIT_REPS (3),
#   REFS (auto: measure dockerd/podman when they answer, and start a dockerd of the bench's own
#   with scripts/private-dockerd.sh where dockerd is installed but not running; none: never),
#   DOCKERD_HOST (unix:///var/run/docker.sock), RESULTS_DIR (/tmp/berth-bench-results).
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-15}
BUILD_REPS=${BUILD_REPS:-3}
COMMIT_REPS=${COMMIT_REPS:-3}
NCTR=${NCTR:-50}
BENCH_NAME=${BENCH_NAME:-berth-bench}
BERTH_BUNDLE=${BERTH_BUNDLE:-$REPO/dist/bundle}
REFS=${REFS:-auto}
DOCKERD_HOST=${DOCKERD_HOST:-unix:///var/run/docker.sock}
RESULTS_DIR=${RESULTS_DIR:-/tmp/berth-bench-results}
DATA=/var/lib/$BENCH_NAME
RUN=/run/$BENCH_NAME
SOCK=$RUN/berth.sock
WORK=/var/tmp/$BENCH_NAME
IMG=busybox:latest

[[ $DATA != /var/lib/berth && $RUN != /run/berth ]] || { echo "bench: refusing to use the default roots" >&2; exit 2; }
(($(id -u) == 0)) || { echo "bench: run as root" >&2; exit 2; }
for t in node docker jq curl; do command -v "$t" >/dev/null || { echo "bench: $t is missing" >&2; exit 2; }; done
[[ -f $BERTH_BUNDLE/berth ]] || { echo "bench: no $BERTH_BUNDLE/berth: run npm run build" >&2; exit 2; }

GROUPS_WANTED=("$@")
((${#GROUPS_WANTED[@]})) || GROUPS_WANTED=(mem run exec bulk floor)
[[ " ${GROUPS_WANTED[*]} " == *" all "* ]] && GROUPS_WANTED=(mem run exec bulk floor profile net build commit registry)
for g in "${GROUPS_WANTED[@]}"; do
  case $g in mem|run|exec|bulk|floor|profile|net|build|commit|registry) ;; *) echo "bench: unknown group '$g' (mem run exec bulk floor profile net build commit registry all)" >&2; exit 2;; esac
done
has() { [[ " ${GROUPS_WANTED[*]} " == *" $1 "* ]]; }

mkdir -p "$WORK" "$RESULTS_DIR"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$RESULTS_DIR/berth-$STAMP.txt
TMP=$(mktemp -d "$WORK/run.XXXXXX")

# The berth CLI and the daemon run from a copy of the bundle; node_modules resolves through a link.
rm -rf "$WORK/bundle"
cp -r "$BERTH_BUNDLE" "$WORK/bundle"
ln -sfn "$REPO/node_modules" "$WORK/node_modules"
BERTH=$WORK/bundle/berth
export BERTH_HOST=unix://$SOCK DOCKER_HOST=unix://$SOCK

# ---------------------------------------------------------------- output
declare -A R=()   # "figure|client" -> value
say()  { echo "$*" | tee -a "$OUT"; }
note() { echo "# $*" | tee -a "$OUT" >&2; }
fig()  { R["$1|$2"]=$3; say "$1 $2 $3 $4${5:+ # $5}"; }   # figure client value unit [comment]
na()   { say "$1 $2 NA $3 # $4"; }

now_ns() { date +%s%N; }
time_ms() { # CMD... -> elapsed ms; the command's status
  local t0 t1 rc
  t0=$(now_ns); "$@" >/dev/null 2>>"$TMP/err"; rc=$?; t1=$(now_ns)
  awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f\n", (b-a)/1e6}'
  return $rc
}
median() { sort -g | awk '{v[NR]=$1} END{ if(NR==0){print "NA"; exit} if(NR%2){printf "%.2f\n", v[(NR+1)/2]} else {printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2} }'; }

# hf FIGURE CLIENT CMD... : median latency of CMD over RUNS runs after 2 warm-ups (hyperfine if present)
hf() {
  local name=$1 client=$2; shift 2
  if command -v hyperfine >/dev/null; then
    if hyperfine -N --style none --warmup 2 --runs "$RUNS" --export-json "$TMP/hf.json" -- "$(printf '%q ' "$@")" >"$TMP/hf.out" 2>&1; then
      # CPU time (user+sys, mean) moves less than wall time when the machine is busy.
      fig "$name" "$client" "$(jq -r '.results[0].median*1000 | .*100 | round / 100' "$TMP/hf.json")" ms \
        "$(jq -r --arg n "$RUNS" '.results[0] | "hyperfine n=\($n) min=\(.min*10000 | round / 10) max=\(.max*10000 | round / 10) cpu=\((.user + .system)*10000 | round / 10)"' "$TMP/hf.json")"
    else
      na "$name" "$client" ms "failed: $(tail -3 "$TMP/hf.out" | tr '\n' ' ' | cut -c1-200)"
    fi
  else
    local i v vals=()
    "$@" >/dev/null 2>&1; "$@" >/dev/null 2>&1
    for ((i = 0; i < RUNS; i++)); do v=$(time_ms "$@") || { na "$name" "$client" ms "failed"; return; }; vals+=("$v"); done
    fig "$name" "$client" "$(printf '%s\n' "${vals[@]}" | median)" ms "shell loop n=$RUNS"
  fi
}

# ---------------------------------------------------------------- memory
# pids_of COMM_ERE [CMDLINE_SUBSTRING]
pids_of() {
  local p c
  for p in /proc/[0-9]*; do
    c=$(cat "$p/comm" 2>/dev/null) || continue
    [[ $c =~ $1 ]] || continue
    [[ -z ${2:-} ]] || tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$2" || continue
    echo "${p#/proc/}"
  done
}
rss_kb() { local p t=0 v; for p in "$@"; do v=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null); t=$((t + ${v:-0})); done; echo "$t"; }
mb() { awk -v v="$1" 'BEGIN{printf "%.1f\n", v/1024}'; }

# ---------------------------------------------------------------- engines
# An engine is measured through one or more clients (CLI argv arrays named CLI_<n>).
CLI_berth=("$BERTH")
CLI_docker_berthd=(docker)
CLI_dockerd=(docker -H "$DOCKERD_HOST")
CLI_podman=(podman)
cli() { local -n a="CLI_${1//[@-]/_}"; "${a[@]}" "${@:2}"; }
cliv() { local -n a="CLI_${1//[@-]/_}"; printf '%s\n' "${a[@]}"; }   # argv, one word per line
quiet() { cli "$@" >/dev/null 2>&1; }

# engine_daemon_pids ENGINE / engine_shim_pids ENGINE
engine_daemon_pids() {
  case $1 in
    berthd) [[ -n ${DPID:-} ]] && echo "$DPID" ;;
    dockerd) pids_of '^(dockerd|containerd)$' ;;
  esac
}
engine_shim_pids() {
  case $1 in
    berthd) pids_of '^conmon$' "$RUN/containers/" ;;
    dockerd) pids_of '^containerd-shim' ;;
    podman) pids_of '^conmon$' libpod ;;
  esac
}

remove_bench_containers() { # CLIENT
  local ids
  ids=$(cli "$1" ps -aq --filter name=bench- 2>/dev/null | tr '\n' ' ')
  [[ -z ${ids// } ]] || quiet "$1" rm -f $ids
}

# ---------------------------------------------------------------- berthd
DPID=
daemon_start() { # LOG_LEVEL
  # shellcheck disable=SC2086 # BERTHD_ARGS is a word list
  "$BERTH" daemon --data-root "$DATA" --exec-root "$RUN" --log-level "$1" ${BERTHD_ARGS:-} >>"$WORK/berthd.log" 2>&1 &
  DPID=$!
  local i
  for ((i = 0; i < 200; i++)); do
    curl -sf --unix-socket "$SOCK" http://berth/_ping >/dev/null 2>&1 && return 0
    kill -0 "$DPID" 2>/dev/null || break
    sleep 0.05
  done
  echo "bench: berthd did not come up; log: $WORK/berthd.log" >&2
  tail -5 "$WORK/berthd.log" >&2
  return 1
}
daemon_stop() {
  [[ -n $DPID ]] || return 0
  kill -TERM "$DPID" 2>/dev/null
  wait "$DPID" 2>/dev/null
  DPID=
}

teardown() {
  local code=$?
  if [[ -n $DPID ]]; then
    local ids; ids=$("$BERTH" ps -aq 2>/dev/null | tr '\n' ' ')
    [[ -z ${ids// } ]] || "$BERTH" rm -f $ids >/dev/null 2>&1
    daemon_stop
  fi
  for r in $REFS_UP; do remove_bench_containers "$r"; done
  [[ -z $REGISTRY_PID ]] || { kill "$REGISTRY_PID" 2>/dev/null; wait "$REGISTRY_PID" 2>/dev/null; }
  [[ -z $OWN_DOCKERD ]] || bash "$REPO/scripts/private-dockerd.sh" stop "$OWN_DOCKERD"
  # Anything berthd failed to clean up is reported, then removed: it all belongs to this run.
  local left; left=$(pids_of '^conmon$' "$RUN/" | tr '\n' ' ')
  if [[ -n ${left// } ]]; then echo "bench: conmon left behind: $left" >&2; kill $left 2>/dev/null; fi
  local m
  while read -r m; do echo "bench: mount left behind: $m" >&2; umount -l "$m"; done < <(awk -v a="$RUN/" -v b="$DATA/" 'index($5,a)==1||index($5,b)==1{print $5}' /proc/self/mountinfo | sort -r)
  rm -rf "$DATA" "$RUN" "$TMP" "$WORK"
  exit "$code"
}
REFS_UP=
REGISTRY_PID=
OWN_DOCKERD=
trap teardown EXIT
trap 'exit 130' INT TERM

if curl -sf --unix-socket "$SOCK" http://berth/_ping >/dev/null 2>&1; then
  echo "bench: a daemon already answers on $SOCK (another bench run?)" >&2
  trap - EXIT; exit 2
fi
LEVEL=info
has profile && [[ ${#GROUPS_WANTED[@]} -eq 1 ]] && LEVEL=debug
daemon_start "$LEVEL" || exit 1
# A root left by an interrupted run may still hold containers: all of them are ours.
stale=$("$BERTH" ps -aq | tr '\n' ' ')
[[ -z ${stale// } ]] || "$BERTH" rm -f $stale >/dev/null
if ! "$BERTH" image inspect "$IMG" >/dev/null 2>&1; then
  BERTH=$BERTH bash "$REPO/scripts/make-busybox-image.sh" "$IMG" >/dev/null || { echo "bench: could not make $IMG" >&2; exit 1; }
fi

# ---------------------------------------------------------------- reference engines
ENGINES=(berthd)
declare -A CLIENTS=([berthd]="berth docker@berthd")
if [[ $REFS == auto ]]; then
  if command -v dockerd >/dev/null && ! docker -H "$DOCKERD_HOST" version >/dev/null 2>&1; then
    OWN_DOCKERD=$BENCH_NAME-dockerd
    DOCKERD_HOST=$(bash "$REPO/scripts/private-dockerd.sh" start "$OWN_DOCKERD") || { note "dockerd is installed but would not start: not measured"; OWN_DOCKERD=; }
    CLI_dockerd=(docker -H "$DOCKERD_HOST")
  fi
  if command -v dockerd >/dev/null && docker -H "$DOCKERD_HOST" version --format '{{.Server.Version}}' >/dev/null 2>&1; then
    ENGINES+=(dockerd); CLIENTS[dockerd]=dockerd
  fi
  if command -v podman >/dev/null && podman info >/dev/null 2>&1; then
    ENGINES+=(podman); CLIENTS[podman]=podman
  fi
fi
for e in "${ENGINES[@]:1}"; do
  if ! quiet "$e" image inspect "$IMG"; then
    # The project's image script, with the reference engine's CLI in place of berth.
    mapfile -t argv < <(cliv "$e")
    printf '#!/bin/sh\nexec %s "$@"\n' "$(printf '%q ' "${argv[@]}")" >"$TMP/cli-$e"
    chmod +x "$TMP/cli-$e"
    BERTH=$TMP/cli-$e bash "$REPO/scripts/make-busybox-image.sh" "$IMG" >/dev/null 2>&1 || { note "$e: could not import $IMG; skipped"; continue; }
  fi
  remove_bench_containers "$e"
  REFS_UP+=" $e"
done
ENGINES=(berthd $REFS_UP)

note "berth bench: groups='${GROUPS_WANTED[*]}' runs=$RUNS nctr=$NCTR engines='${ENGINES[*]}' host=$(hostname) kernel=$(uname -r) cpus=$(nproc) date=$STAMP"
note "berthd: $("$BERTH" info --format '{{.DefaultRuntime}}' 2>/dev/null || echo '?') runtime; docker CLI $(docker --version | awk '{print $3}' | tr -d ,); node $(node --version)"
la=$(cut -d' ' -f1 /proc/loadavg)
awk -v l="$la" 'BEGIN{exit !(l > 0.7)}' && note "WARNING: machine not quiet (1-min load $la): figures may be inflated"

# ---------------------------------------------------------------- groups
if has mem; then
  sleep 2
  for e in "${ENGINES[@]}"; do
    mapfile -t P < <(engine_daemon_pids "$e")
    if ((${#P[@]})); then fig daemon_idle_rss_mb "$e" "$(mb "$(rss_kb "${P[@]}")")" MB "pids ${P[*]}"
    else na daemon_idle_rss_mb "$e" MB "no daemon process"; fi
  done
fi

if has run; then
  for e in "${ENGINES[@]}"; do
    for c in ${CLIENTS[$e]}; do mapfile -t argv < <(cliv "$c"); hf run_rm_true_ms "$c" "${argv[@]}" run --rm "$IMG" true; done
  done
fi

if has exec; then
  for e in "${ENGINES[@]}"; do
    first=${CLIENTS[$e]%% *}
    if quiet "$first" run -d --name bench-x "$IMG" sleep 1000; then
      for c in ${CLIENTS[$e]}; do mapfile -t argv < <(cliv "$c"); hf exec_true_ms "$c" "${argv[@]}" exec bench-x true; done
    else na exec_true_ms "$first" ms "run -d failed"; fi
    quiet "$first" rm -f bench-x
  done
fi

# The clients' own share of `ps -a` (with the NCTR containers' listing) and of `run -d`: the same
# commands against bench/instant-engine.mjs, which answers at once with berthd's own bytes.
client_floors() {
  local sock=$TMP/instant.sock ipid c i
  if ! curl -sf --unix-socket "$SOCK" "http://berth/v1.50/containers/json?all=1" -o "$TMP/ps.json"; then
    na "ps_a_${NCTR}_client_floor_ms" - ms "could not list berthd's containers"; return
  fi
  node "$REPO/bench/instant-engine.mjs" "$sock" "$TMP/ps.json" 2>>"$TMP/err" &
  ipid=$!
  for ((i = 0; i < 100; i++)); do [[ -S $sock ]] && break; sleep 0.02; done
  for c in berth docker@berthd; do
    local -n a="CLI_${c//[@-]/_}"
    hf "ps_a_${NCTR}_client_floor_ms" "$c" "${a[0]}" -H "unix://$sock" ps -a
    hf run_d_client_floor_ms "$c" "${a[0]}" -H "unix://$sock" run -d "$IMG" sleep 1000
  done
  kill "$ipid" 2>/dev/null; wait "$ipid" 2>/dev/null
}

if has bulk; then
  for e in "${ENGINES[@]}"; do
    n=0
    for c in ${CLIENTS[$e]}; do
      names=(); ok=1
      t0=$(now_ns)
      for ((i = 1; i <= NCTR; i++)); do
        quiet "$c" run -d --name "bench-s-$i" "$IMG" sleep 1000 || { ok=0; break; }
        names+=("bench-s-$i")
      done
      t1=$(now_ns)
      if ((ok)); then fig "start${NCTR}_s" "$c" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b-a)/1e9}')" s "$NCTR x run -d, one after another"
      else na "start${NCTR}_s" "$c" s "run -d number $i failed"; fi
      if ((n++ == 0)); then
        sleep 2
        mapfile -t S < <(engine_shim_pids "$e")
        if ((${#S[@]} && ${#names[@]})); then
          fig per_ctr_rss_mb "$e" "$(awk -v t="$(rss_kb "${S[@]}")" -v n="${#names[@]}" 'BEGIN{printf "%.2f", t/n/1024}')" MB "${#S[@]} monitor processes for ${#names[@]} running"
        else na per_ctr_rss_mb "$e" MB "no monitor processes found"; fi
        mapfile -t P < <(engine_daemon_pids "$e")
        ((${#P[@]})) && fig "daemon_rss_${NCTR}ctr_mb" "$e" "$(mb "$(rss_kb "${P[@]}")")" MB "with ${#names[@]} running"
        for c2 in ${CLIENTS[$e]}; do mapfile -t argv < <(cliv "$c2"); hf "ps_a_${NCTR}_ms" "$c2" "${argv[@]}" ps -a; done
        [[ $e == berthd ]] && client_floors
      fi
      if ((${#names[@]})); then
        v=$(time_ms cli "$c" rm -f "${names[@]}") && fig "rm${NCTR}_s" "$c" "$(awk -v v="$v" 'BEGIN{printf "%.2f", v/1000}')" s "one rm -f of ${#names[@]} running" \
          || na "rm${NCTR}_s" "$c" s "rm -f failed: $(tail -1 "$TMP/err")"
      fi
      remove_bench_containers "$c"
    done
  done
fi

# ---------------------------------------------------------------- networking
# tcp_mb_s HOST PORT MB: pushes MB megabytes to HOST:PORT with a Node client; prints MB/s from the
# connect to the server's close (the container's nc exits once it has read everything).
tcp_mb_s() {
  node -e '
    const net = require("node:net");
    const [host, port, mb] = process.argv.slice(1);
    const chunk = Buffer.alloc(1 << 20);
    let left = Number(mb), t0;
    const s = net.connect(Number(port), host, () => { t0 = process.hrtime.bigint(); write(); });
    function write() { while (left > 0) { left--; if (!s.write(chunk)) return s.once("drain", write); } s.end(); }
    s.on("close", () => {
      if (left > 0) { console.error(`the server hung up with ${left} MB unsent`); process.exit(1); }
      console.log((Number(mb) / (Number(process.hrtime.bigint() - t0) / 1e9)).toFixed(0));
    });
    s.on("error", (e) => { console.error(e.message); process.exit(1); });
    s.resume();
  ' "$@"
}

if has net; then
  for e in "${ENGINES[@]}"; do
    for c in ${CLIENTS[$e]}; do
      mapfile -t argv < <(cliv "$c")
      hf net_none_run_rm_ms "$c" "${argv[@]}" run --rm --network none "$IMG" true
      hf net_bridge_run_rm_ms "$c" "${argv[@]}" run --rm "$IMG" true
      a=${R[net_bridge_run_rm_ms|$c]:-} b=${R[net_none_run_rm_ms|$c]:-}
      [[ -n $a && -n $b ]] && fig net_setup_ms "$c" "$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.1f", a-b}')" ms "run --rm: default bridge minus --network none"
    done
    first=${CLIENTS[$e]%% *}
    direct=() published=()
    for ((r = 1; r <= 3; r++)); do
      for via in direct published; do
        quiet "$first" rm -f bench-net
        # One connection per container: nc exits once the client closes. Its stdin stays open (-i):
        # at end of stdin busybox nc would hang up early.
        if ! quiet "$first" run -d -i --name bench-net -p 127.0.0.1::5001 "$IMG" sh -c 'nc -l -p 5001 >/dev/null'; then note "$first: nc container failed"; break 2; fi
        sleep 0.3
        if [[ $via == direct ]]; then
          ip=$(cli "$first" inspect --format '{{.NetworkSettings.IPAddress}}' bench-net)
          v=$(tcp_mb_s "$ip" 5001 1000) && direct+=("$v")
        else
          port=$(cli "$first" port bench-net 5001/tcp | head -1 | sed 's/.*://')
          v=$(tcp_mb_s 127.0.0.1 "$port" 1000) && published+=("$v")
        fi
      done
    done
    quiet "$first" rm -f bench-net
    if ((${#direct[@]} && ${#published[@]})); then
      d=$(printf '%s\n' "${direct[@]}" | median) p=$(printf '%s\n' "${published[@]}" | median)
      fig net_direct_mb_s "$e" "$d" MB/s "1000 MB to the container's address on the bridge, median of ${#direct[@]}"
      fig net_published_mb_s "$e" "$p" MB/s "1000 MB through -p 127.0.0.1::5001, median of ${#published[@]}"
      fig net_published_vs_direct_pct "$e" "$(awk -v p="$p" -v d="$d" 'BEGIN{printf "%.0f", 100*p/d}')" % "published / direct"
    else na net_published_vs_direct_pct "$e" % "throughput runs failed"; fi
  done
fi

# ---------------------------------------------------------------- build, commit, registry
# The anchors' build: 12 instructions on busybox, a 2,000-file context (20 dirs x 100 small files).
make_build_ctx() {
  local c=$WORK/build-ctx d f
  [[ -f $c/Dockerfile ]] && return 0
  mkdir -p "$c/ctx"
  for ((d = 0; d < 20; d++)); do
    mkdir -p "$c/ctx/d$d"
    for ((f = 0; f < 100; f++)); do printf 'file %d/%d %s\n' "$d" "$f" "$(head -c $(((f * 7) % 120 + 8)) /dev/zero | tr '\0' x)" >"$c/ctx/d$d/f$f.txt"; done
  done
  cat >"$c/Dockerfile" <<'DOCKERFILE'
FROM busybox:latest
LABEL bench=berth
ENV APP_HOME=/app BENCH=berth
WORKDIR /app
RUN mkdir -p /app/data && echo hello > /app/data/hello.txt
RUN for i in $(seq 1 200); do echo "$i" > /app/data/f$i; done
COPY ctx/ /app/ctx/
RUN find /app/ctx -type f | wc -l > /app/count.txt
ENV PATH=/app/bin:$PATH
RUN mkdir -p /app/bin && printf '#!/bin/sh\necho hi\n' > /app/bin/hi && chmod +x /app/bin/hi
EXPOSE 8080
CMD ["/bin/sh", "-c", "cat /app/count.txt"]
DOCKERFILE
}
# Every image these builds leave (the cached steps, the replaced finals) carries the bench label.
remove_bench_images() { # CLIENT
  local ids
  ids=$(cli "$1" images -aq --filter label=bench=berth 2>/dev/null | sort -u | tr '\n' ' ')
  quiet "$1" rmi -f bench-build:latest bench-bigrun:latest
  [[ -z ${ids// } ]] || quiet "$1" rmi -f $ids
}

if has build; then
  make_build_ctx
  mkdir -p "$WORK/bigrun-ctx"
  printf 'FROM busybox:latest\nLABEL bench=berth\nRUN head -c 200000000 /dev/urandom > /big\n' >"$WORK/bigrun-ctx/Dockerfile"
  for e in "${ENGINES[@]}"; do
    for c in ${CLIENTS[$e]}; do
      mapfile -t argv < <(cliv "$c")
      remove_bench_images "$c"
      cold=(); warm=()
      for ((r = 1; r <= BUILD_REPS; r++)); do
        v=$(time_ms env DOCKER_BUILDKIT=0 "${argv[@]}" build --no-cache -t bench-build:latest "$WORK/build-ctx") && cold+=("$v") || { note "$c: build --no-cache failed: $(tail -2 "$TMP/err" | tr '\n' ' ' | cut -c1-200)"; break; }
        v=$(time_ms env DOCKER_BUILDKIT=0 "${argv[@]}" build -t bench-build:latest "$WORK/build-ctx") && warm+=("$v") || { note "$c: cached build failed"; break; }
      done
      ((${#cold[@]})) && fig build_cold_s "$c" "$(awk -v v="$(printf '%s\n' "${cold[@]}" | median)" 'BEGIN{printf "%.2f", v/1000}')" s "--no-cache, 12 instructions, 2,000-file COPY, n=${#cold[@]}" || na build_cold_s "$c" s "build failed"
      ((${#warm[@]})) && fig build_cached_s "$c" "$(awk -v v="$(printf '%s\n' "${warm[@]}" | median)" 'BEGIN{printf "%.2f", v/1000}')" s "every step cached, n=${#warm[@]}" || na build_cached_s "$c" s "build failed"
      out=$(cli "$c" run --rm bench-build:latest 2>/dev/null | tr -d '\r\n'); [[ $out == 2000 ]] || note "$c: build check: expected 2000, got '$out'"
      # The layer of a RUN writing 200 MB of random data: build time minus the same command's run time.
      if r1=$(time_ms env DOCKER_BUILDKIT=0 "${argv[@]}" build --no-cache -t bench-bigrun:latest "$WORK/bigrun-ctx") &&
        r0=$(time_ms "${argv[@]}" run --rm "$IMG" sh -c 'head -c 200000000 /dev/urandom > /big'); then
        fig layer_capture_mb_s "$c" "$(awk -v a="$r1" -v b="$r0" 'BEGIN{ d=(a-b)/1000; if (d <= 0) d=0.001; printf "%.0f", 200/d }')" MB/s "200 MB RUN layer: 200 MB / (build ${r1} ms - same run ${r0} ms)"
      else na layer_capture_mb_s "$c" MB/s "big RUN build failed: $(tail -2 "$TMP/err" | tr '\n' ' ' | cut -c1-200)"; fi
      remove_bench_images "$c"
    done
  done
fi

if has commit; then
  for e in "${ENGINES[@]}"; do
    for c in ${CLIENTS[$e]}; do
      mapfile -t argv < <(cliv "$c")
      vals=()
      for ((r = 1; r <= COMMIT_REPS; r++)); do
        quiet "$c" rm -f bench-commit
        quiet "$c" run --name bench-commit "$IMG" dd if=/dev/urandom of=/data.bin bs=1048576 count=50 || { note "$c: commit preparation failed"; break; }
        v=$(time_ms "${argv[@]}" commit bench-commit "bench-commit:$r") && vals+=("$v")
        quiet "$c" rm -f bench-commit; quiet "$c" rmi -f "bench-commit:$r"
      done
      ((${#vals[@]})) && fig commit_50mb_ms "$c" "$(printf '%s\n' "${vals[@]}" | median)" ms "stopped container that wrote 50 MiB, n=${#vals[@]}" || na commit_50mb_ms "$c" ms "commit failed: $(tail -2 "$TMP/err" | tr '\n' ' ' | cut -c1-200)"
    done
  done
fi

# make_big_archive OUT.tar REF NRANDOM: a docker-archive of a small layer plus NRANDOM fresh
# 50 MiB random layers (fresh, so neither the registry nor an engine has seen the blobs).
make_big_archive() {
  local out=$1 ref=$2 n=$3 d=$TMP/big i lt sha diffs=() layers=()
  rm -rf "$d"; mkdir -p "$d"
  for ((i = 0; i <= n; i++)); do
    mkdir -p "$TMP/l$i/data"
    if ((i == 0)); then echo "bench $STAMP" >"$TMP/l$i/data/id"; else head -c $((50 * 1024 * 1024)) /dev/urandom >"$TMP/l$i/data/part$i.bin"; fi
    lt=$TMP/l$i.tar
    tar -C "$TMP/l$i" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$lt" .
    rm -rf "$TMP/l$i"
    sha=$(sha256sum "$lt" | cut -d' ' -f1)
    mkdir -p "$d/$sha"; mv "$lt" "$d/$sha/layer.tar"
    diffs+=("\"sha256:$sha\""); layers+=("\"$sha/layer.tar\"")
  done
  local IFS=,
  local cfg="{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"config\":{\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[${diffs[*]}]}}"
  local csha; csha=$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1)
  printf '%s' "$cfg" >"$d/$csha.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":[%s]}]' "$csha" "$ref" "${layers[*]}" >"$d/manifest.json"
  tar -C "$d" -cf "$out" .
  rm -rf "$d"
}

# peak_rss_kb PID CMD...: runs CMD while sampling PID's RSS every 20 ms; prints the peak.
peak_rss_kb() {
  local pid=$1 peak=0 v; shift
  "$@" >/dev/null 2>>"$TMP/err" &
  local job=$!
  while kill -0 "$job" 2>/dev/null; do
    v=$(rss_kb "$pid"); ((v > peak)) && peak=$v
    sleep 0.02
  done
  wait "$job" || return 1
  echo "$peak"
}

if has registry; then
  if ! command -v docker-registry >/dev/null; then
    na push_s - s "docker-registry is not installed (apt-get install docker-registry)"
  else
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$TMP/registry"
    printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s}, delete: {enabled: true}}\nhttp: {addr: 127.0.0.1:%s}\n' "$TMP/registry" "$port" >"$TMP/registry.yml"
    docker-registry serve "$TMP/registry.yml" >"$TMP/registry.log" 2>&1 &
    REGISTRY_PID=$!
    for ((i = 0; i < 100; i++)); do curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
    REG=127.0.0.1:$port
    for e in "${ENGINES[@]}"; do
      for c in ${CLIENTS[$e]}; do
        mapfile -t argv < <(cliv "$c")
        tls=(); [[ $c == podman ]] && tls=(--tls-verify=false)
        ref=$REG/bench/big:${c//@/-}-$RANDOM
        make_big_archive "$TMP/big.tar" "$ref" 3
        if ! quiet "$c" load -i "$TMP/big.tar"; then na push_s "$c" s "load failed"; rm -f "$TMP/big.tar"; continue; fi
        rm -f "$TMP/big.tar"
        if v=$(time_ms "${argv[@]}" push "${tls[@]}" "$ref"); then
          fig push_s "$c" "$(awk -v v="$v" 'BEGIN{printf "%.2f", v/1000}')" s "152 MB, 4 layers (3 fresh random), gzip on push"
          quiet "$c" rmi -f "$ref"
          v=$(time_ms "${argv[@]}" pull "${tls[@]}" "$ref") && fig pull_s "$c" "$(awk -v v="$v" 'BEGIN{printf "%.2f", v/1000}')" s "after rmi" \
            || na pull_s "$c" s "pull failed: $(tail -2 "$TMP/err" | tr '\n' ' ' | cut -c1-200)"
        else na push_s "$c" s "push failed: $(tail -2 "$TMP/err" | tr '\n' ' ' | cut -c1-200)"; fi
        quiet "$c" rmi -f "$ref"
      done
    done
    # The daemon's memory during a 500 MB pull (ten fresh 50 MiB layers).
    ref=$REG/bench/huge:$RANDOM
    make_big_archive "$TMP/huge.tar" "$ref" 10
    if quiet berth load -i "$TMP/huge.tar" && quiet berth push "$ref" && quiet berth rmi -f "$ref"; then
      rm -f "$TMP/huge.tar"
      # A new daemon, so that the growth counts all that the pull brings in (its code's first use
      # too), not just what earlier pulls left it short of; after its idle collection (1 s after
      # the last request), so the base is what it keeps.
      daemon_stop; daemon_start "$LEVEL" || exit 1
      quiet berth version
      sleep 2.5
      base=$(rss_kb "$DPID")
      if peak=$(peak_rss_kb "$DPID" "$BERTH" pull "$ref"); then
        fig pull_rss_growth_mb berthd "$(mb $((peak - base)))" MB "peak minus before ($(mb "$base") MB, a new daemon), pull of 500 MB in 11 layers"
      else na pull_rss_growth_mb berthd MB "pull failed: $(tail -2 "$TMP/err" | tr '\n' ' ' | cut -c1-200)"; fi
    else na pull_rss_growth_mb berthd MB "could not load and push the 500 MB image: $(tail -2 "$TMP/err" | tr '\n' ' ' | cut -c1-200)"; fi
    rm -f "$TMP/huge.tar"
    quiet berth rmi -f "$ref"
    kill "$REGISTRY_PID" 2>/dev/null; wait "$REGISTRY_PID" 2>/dev/null; REGISTRY_PID=
  fi
fi

# A bundle for a bare runtime run: busybox's `true` with runc's default spec (as the anchors).
B=$WORK/floor-bundle
make_floor_bundle() {
  [[ -f $B/config.json ]] && return 0
  mkdir -p "$B/rootfs/bin" "$B/rootfs/etc" "$B/etc"
  cp /bin/busybox "$B/rootfs/bin/busybox"
  ln -sf busybox "$B/rootfs/bin/true"
  ln -sf busybox "$B/rootfs/bin/sleep"
  touch "$B/etc/hosts" "$B/etc/hostname" "$B/etc/resolv.conf"
  (cd "$B" && runc spec) && jq '.process.terminal=false | .process.args=["/bin/true"] | .hostname="floor"' "$B/config.json" >"$B/c.json" && mv "$B/c.json" "$B/config.json"
}

if has floor; then
  make_floor_bundle
  for rt in crun runc; do
    if ! command -v $rt >/dev/null; then na "floor_${rt}_run_ms" - ms "$rt not installed"; continue; fi
    if err=$($rt --root "$RUN/floor-$rt" run --bundle "$B" "bench-floor-$rt" 2>&1); then
      hf "floor_${rt}_run_ms" - $rt --root "$RUN/floor-$rt" run --bundle "$B" "bench-floor-$rt"
    else
      na "floor_${rt}_run_ms" - ms "$rt fails here: $(echo "$err" | tail -1 | cut -c1-120)"
      $rt --root "$RUN/floor-$rt" delete -f "bench-floor-$rt" >/dev/null 2>&1
      # berthd's way round a host quirk (crun on hybrid cgroups): the wrapper it wrote, measured alike.
      w=$RUN/$rt-hybrid-cgroup
      [[ -x $w ]] && hf "floor_${rt}_wrapped_run_ms" - "$w" --root "$RUN/floor-$rt" run --bundle "$B" "bench-floor-$rt"
    fi
  done
fi

if has profile; then
  if [[ $LEVEL != debug ]]; then daemon_stop; LEVEL=debug; daemon_start debug || exit 1; fi
  # The runtime's share: runc run of berth's own spec for a busybox container (seccomp and all),
  # on the floor bundle's rootfs; and the same with seccomp filtering the native ABI only.
  make_floor_bundle
  if quiet berth run -d --name bench-spec "$IMG" sleep 1000; then
    id=$("$BERTH" inspect --format '{{.Id}}' bench-spec)
    for v in berth-spec native-arch no-seccomp; do
      mkdir -p "$WORK/spec-$v"
      case $v in
        berth-spec) sel='.' ;;
        native-arch) sel='.linux.seccomp.architectures = (.linux.seccomp.architectures[:1])' ;;
        no-seccomp) sel='del(.linux.seccomp)' ;;
      esac
      jq --arg r "$B/rootfs" --arg e "$B/etc" '.process.args = ["/bin/true"] | .process.terminal = false | .root.path = $r | del(.linux.cgroupsPath)
        | .mounts |= map(if .type == "bind" and (.destination | startswith("/etc/")) then .source = ($e + "/" + (.destination | ltrimstr("/etc/"))) else . end)
        | '"$sel" "$RUN/containers/$id/config.json" >"$WORK/spec-$v/config.json"
      hf "floor_runc_${v//-/_}_ms" - runc --root "$RUN/floor-runc" run --bundle "$WORK/spec-$v" "bench-spec-$v"
    done
  else na floor_runc_berth_spec_ms - ms "run -d failed"; fi
  quiet berth rm -f bench-spec
  note "profile: client start-up floors"
  hf node_startup_ms - node -e 0
  hf cli_startup_ms berth "$BERTH" --version
  hf cli_startup_ms docker docker --version
  for c in berth docker@berthd; do
    : >"$WORK/berthd.log"
    mapfile -t argv < <(cliv "$c")
    vals=()
    for ((i = 0; i < RUNS + 2; i++)); do v=$(time_ms "${argv[@]}" run --rm "$IMG" true) && ((i >= 2)) && vals+=("$v"); done
    fig profile_run_rm_true_ms "$c" "$(printf '%s\n' "${vals[@]}" | median)" ms "client wall time, n=${#vals[@]}"
    # Median of each daemon phase over the runs: lines `timing <op> <id> <phase>=<ms>...`.
    while read -r k rest; do
      fig "profile_${k//[.-]/_}_ms" "$c" "$(printf '%s\n' $rest | median)" ms "daemon phase $k"
    done < <(grep -o 'timing .*' "$WORK/berthd.log" | tail -n $((4 * RUNS)) | awk '{
        for (i = 4; i <= NF; i++) { split($i, kv, "="); k = $2 "." kv[1]; if (!(k in seen)) { seen[k] = 1; order[++n] = k } v[k] = v[k] " " kv[2] }
      } END { for (j = 1; j <= n; j++) print order[j], v[order[j]] }')
    daemon_ms=0
    # A --rm container's removal is reported once its exit is recorded: clean-up and files come after.
    for k in create.total start.total exit.sinceStart exit.lock exit.record; do
      daemon_ms=$(awk -v a="$daemon_ms" -v b="${R[profile_${k//[.-]/_}_ms|$c]:-0}" 'BEGIN{print a+b}')
    done
    fig profile_outside_daemon_ms "$c" "$(awk -v t="${R[profile_run_rm_true_ms|$c]}" -v d="$daemon_ms" 'BEGIN{printf "%.2f", t-d}')" ms \
      "client wall time minus create+start+exit detection+exit record (CLI start-up, HTTP, attach/wait)"
  done
fi

# ---------------------------------------------------------------- summary
# Targets from the issue (the bulk ones hold for NCTR=50); anchors: the issue's dockerd / podman medians here.
declare -A TARGET=(
  ["run_rm_true_ms|berth"]=120 ["run_rm_true_ms|docker@berthd"]=80
  ["exec_true_ms|docker@berthd"]=40 ["exec_true_ms|berth"]=90
  [start50_s|berth]=4 [start50_s|docker@berthd]=4 [rm50_s|berth]=1.5 [rm50_s|docker@berthd]=1.5
  [ps_a_50_ms|docker@berthd]=15 [ps_a_50_ms|berth]=80
  ["daemon_idle_rss_mb|berthd"]=70 ["per_ctr_rss_mb|berthd"]=2.5
  [net_setup_ms|berth]=30 [net_setup_ms|docker@berthd]=30
  [build_cold_s|berth]=1.5 [build_cold_s|docker@berthd]=1.5 [build_cached_s|berth]=0.3 [build_cached_s|docker@berthd]=0.2
  [commit_50mb_ms|berth]=150 [commit_50mb_ms|docker@berthd]=150
  [push_s|berth]=0.8 [push_s|docker@berthd]=0.8 [pull_s|berth]=0.7 [pull_s|docker@berthd]=0.7 [pull_rss_growth_mb|berthd]=50
)
# Figures where more is better: their target is a floor.
declare -A AT_LEAST=([net_published_vs_direct_pct|berthd]=80 [layer_capture_mb_s|berth]=100 [layer_capture_mb_s|docker@berthd]=100)
declare -A ANCHOR=(
  [run_rm_true_ms]="312 / 360" [exec_true_ms]="60 / 147" [ps_a_50_ms]="19 / 68"
  [start50_s]="14.8 / 7.9" [rm50_s]="3.7 / 7.4" [daemon_idle_rss_mb]="151 / —"
  [per_ctr_rss_mb]="13.2 / 2.0" [floor_crun_run_ms]="9" [floor_crun_wrapped_run_ms]="9" [floor_runc_run_ms]="27"
  [build_cold_s]="3.5 / 4.9" [build_cached_s]="0.39 / 1.3" [commit_50mb_ms]="298 / 723" [push_s]="2.37 / 1.18" [pull_s]="1.24 / 0.98"
)
ratio() { # VALUE REF -> "×r" or "—"
  [[ -n ${2:-} && $2 != NA ]] && awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "×%.2f", a/b; else print "—" }' || echo "—"
}
{
  echo
  echo "| figure | client | value | target | met | issue anchor (dockerd / podman) | vs dockerd (this run) | vs podman (this run) |"
  echo "|---|---|---|---|---|---|---|---|"
  for f in daemon_idle_rss_mb run_rm_true_ms exec_true_ms "start${NCTR}_s" "ps_a_${NCTR}_ms" "ps_a_${NCTR}_client_floor_ms" run_d_client_floor_ms "rm${NCTR}_s" per_ctr_rss_mb "daemon_rss_${NCTR}ctr_mb" floor_crun_run_ms floor_crun_wrapped_run_ms floor_runc_run_ms \
    net_setup_ms net_direct_mb_s net_published_mb_s net_published_vs_direct_pct build_cold_s build_cached_s layer_capture_mb_s commit_50mb_ms push_s pull_s pull_rss_growth_mb; do
    for c in berthd berth docker@berthd -; do
      v=${R[$f|$c]:-}
      [[ -n $v ]] || continue
      t=${TARGET[$f|$c]:-} floor=${AT_LEAST[$f|$c]:-} bound=
      met=—
      [[ -n $t ]] && bound="≤ $t" met=$(awk -v v="$v" -v t="$t" 'BEGIN{print (v <= t) ? "yes" : "**no**"}')
      [[ -n $floor ]] && bound="≥ $floor" met=$(awk -v v="$v" -v t="$floor" 'BEGIN{print (v >= t) ? "yes" : "**no**"}')
      d=${R[$f|dockerd]:-}; p=${R[$f|podman]:-}
      echo "| $f | $c | $v | $bound | $met | ${ANCHOR[$f]:-} | $(ratio "$v" "$d")${d:+ ($d)} | $(ratio "$v" "$p")${p:+ ($p)} |"
    done
  done
} | tee -a "$OUT"
note "raw results: $OUT"
