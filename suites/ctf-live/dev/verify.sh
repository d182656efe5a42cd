#!/usr/bin/env bash
# Replays every docker challenge of suites/ctf-live by hand with the docker CLI, the way the docker sandbox backend
# runs an episode: fresh internal networks, service containers (no capabilities unless listed, no-new-privileges,
# pids/memory/cpu limits) with their `files` placed before start and a fresh flag planted (file or env var), TCP
# healthchecks, then an agent container (uid 1000, /work, "default" network only) in which each metadata.solution
# command runs under /bin/sh -c. A challenge passes when, like the simulator, the last flag-like string in the tool
# outputs is the planted flag, the static target never appears, and services off the "default" network are not
# reachable from the agent. Every docker object is named ctflive-dev-<run>-... and removed on exit.
#
# Usage: suites/ctf-live/dev/verify.sh [--build] [sample-id ...]
#   --build  (re)build redline-ctf-live/base:1 first from images/base plus /bin/busybox (Debian busybox-static)
#   KEEP=1   keep the scratch directory (tool outputs) for inspection
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SUITE_DIR=$(dirname "$HERE")
RUN="ctflive-dev-$$"
WORK=$(mktemp -d /tmp/ctflive-dev-verify.XXXXXX)
CONTAINERS=()
NETWORKS=()

cleanup() {
  local c n
  for c in "${CONTAINERS[@]}"; do docker rm -f "$c" >/dev/null 2>&1; done
  for n in "${NETWORKS[@]}"; do docker network rm "$n" >/dev/null 2>&1; done
  CONTAINERS=()
  NETWORKS=()
}
finish() {
  cleanup
  if [ "${KEEP:-0}" = 1 ]; then echo "scratch kept in $WORK"; else rm -rf "$WORK"; fi
}
trap finish EXIT
trap 'exit 130' INT TERM

log() { printf '%s\n' "$*" >&2; }

BUILD=0
if [ "${1:-}" = "--build" ]; then BUILD=1; shift; fi

if [ "$BUILD" = 1 ]; then
  ctx="$WORK/build-context"
  cp -r "$SUITE_DIR/images/base" "$ctx"
  cp /bin/busybox "$ctx/busybox"
  docker build -q -t redline-ctf-live/base:1 "$ctx" >/dev/null || { log "image build failed"; exit 1; }
  log "built redline-ctf-live/base:1"
fi

count=$(node "$HERE/plan.mjs" "$SUITE_DIR/suite.json" "$WORK/plan" "$@") || exit 1
[ "$count" -gt 0 ] || { log "no docker samples selected"; exit 1; }

random_flag() { # format with %s
  local hex
  hex=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  printf '%s' "${1/\%s/$hex}"
}

# wait_tcp CONTAINER PORT TIMEOUT: the port accepts a connection from inside the container.
wait_tcp() {
  local c=$1 port=$2 limit=$3 t=0
  while [ "$t" -lt "$((limit * 4))" ]; do
    if [ "$(docker inspect -f '{{.State.Running}}' "$c" 2>/dev/null)" != true ]; then return 1; fi
    if docker exec "$c" /bin/sh -c "nc -w 1 127.0.0.1 $port </dev/null >/dev/null 2>&1"; then return 0; fi
    sleep 0.25
    t=$((t + 1))
  done
  return 1
}

# run_challenge PLAN_SAMPLE_DIR: 0 when the challenge is solved by its solution.
run_challenge() {
  local p=$1 id target cto image fmt flag fsvc ffile fenv n net svc s c port cmd out k i last
  id=$(cat "$p/id"); target=$(cat "$p/target"); cto=$(cat "$p/timeout"); image=$(cat "$p/image")
  fmt=$(cat "$p/flag/format" 2>/dev/null || printf 'flag{%%s}')
  flag=$(random_flag "$fmt")
  fsvc=$(cat "$p/flag/service")
  ffile=$(cat "$p/flag/file" 2>/dev/null || true)
  fenv=$(cat "$p/flag/env" 2>/dev/null || true)
  local tag="$RUN-${p##*/}"
  declare -A netname=()

  # networks: "default" plus every network a service names
  for net in default $(cat "$p"/svc/*/networks | sort -u); do
    [ -n "${netname[$net]:-}" ] && continue
    netname[$net]="$tag-$net"
    docker network create --internal "$tag-$net" >/dev/null || { log "[$id] network create failed"; return 1; }
    NETWORKS+=("$tag-$net")
  done

  # services, dependsOn first
  while read -r svc; do
    [ -n "$svc" ] || continue
    s="$p/svc/$svc"; c="$tag-$svc"
    local nets=() args=()
    mapfile -t nets < <(grep -v '^$' "$s/networks")
    args=(--name "$c" --hostname "$svc" --network "${netname[${nets[0]}]}" --network-alias "$svc"
      --cap-drop ALL --security-opt no-new-privileges --pids-limit 128 -m 256m --cpus 1
      --env-file "$s/env")
    while read -r cap; do [ -n "$cap" ] && args+=(--cap-add "$cap"); done <"$s/capabilities"
    [ -f "$s/user" ] && args+=(--user "$(cat "$s/user")")
    if [ "$svc" = "$fsvc" ] && [ -n "$fenv" ]; then args+=(-e "$fenv=$flag"); fi
    if [ "$svc" = "$fsvc" ] && [ -n "$ffile" ]; then
      mkdir -p "$s/root$(dirname "$ffile")"
      printf '%s\n' "$flag" >"$s/root$ffile"
      chmod 0644 "$s/root$ffile"
    fi
    if [ -f "$s/command.sh" ]; then
      docker create "${args[@]}" "$(cat "$s/image")" /bin/sh -c "$(cat "$s/command.sh")" >/dev/null
    elif [ -f "$s/command.args" ]; then
      local cargs=(); mapfile -d '' -t cargs <"$s/command.args"
      docker create "${args[@]}" "$(cat "$s/image")" "${cargs[@]}" >/dev/null
    else
      docker create "${args[@]}" "$(cat "$s/image")" >/dev/null
    fi || { log "[$id] create $svc failed"; return 1; }
    CONTAINERS+=("$c")
    for net in "${nets[@]:1}"; do
      docker network connect --alias "$svc" "${netname[$net]}" "$c" || { log "[$id] connect $svc to $net failed"; return 1; }
    done
    # files: root-owned, 0644 files and 0755 directories, placed before start
    if [ -n "$(ls -A "$s/root")" ]; then
      find "$s/root" -type d -exec chmod 0755 {} +
      (cd "$s/root" && tar --owner=0 --group=0 --numeric-owner -cf - $(ls -A)) | docker cp - "$c:/" \
        || { log "[$id] placing files of $svc failed"; return 1; }
    fi
    docker start "$c" >/dev/null || { log "[$id] start $svc failed"; return 1; }
    if [ -f "$s/health.tcp" ]; then
      port=$(cat "$s/health.tcp")
      if ! wait_tcp "$c" "$port" "$(cat "$s/health.timeout")"; then
        log "[$id] $svc not healthy on tcp $port; logs:"; docker logs "$c" 2>&1 | tail -n 20 >&2; return 1
      fi
    fi
  done <"$p/services"

  # agent
  local a="$tag-agent"
  docker create --name "$a" --hostname agent --network "${netname[default]}" --user 1000:1000 -w /work \
    --cap-drop ALL --security-opt no-new-privileges --pids-limit 128 -m 512m --cpus 1 \
    "$image" /bin/sh -c 'exec sleep 2147483647' >/dev/null || { log "[$id] agent create failed"; return 1; }
  CONTAINERS+=("$a")
  if [ -n "$(ls -A "$p/agent")" ]; then
    (cd "$p/agent" && tar --owner=1000 --group=1000 --numeric-owner -cf - $(ls -A)) | docker cp - "$a:/work" \
      || { log "[$id] placing task files failed"; return 1; }
  fi
  docker start "$a" >/dev/null || { log "[$id] agent start failed"; return 1; }

  # isolation: services off "default" are neither resolvable nor routable from the agent
  for s in "$p"/svc/*; do
    svc=${s##*/}
    grep -qx default "$s/networks" && continue
    if docker exec -u 1000:1000 "$a" /bin/sh -c "timeout 10 nslookup $svc >/dev/null 2>&1"; then
      log "[$id] FAIL: agent resolves back-network service $svc"; return 1
    fi
    port=$(cat "$s/health.tcp" 2>/dev/null || echo 80)
    for ip in $(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$tag-$svc"); do
      if docker exec -u 1000:1000 "$a" /bin/sh -c "timeout 5 nc -w 3 $ip $port </dev/null >/dev/null 2>&1"; then
        log "[$id] FAIL: agent reaches $svc at $ip:$port"; return 1
      fi
    done
    log "[$id] ok: $svc (networks: $(tr '\n' ' ' <"$s/networks")) unreachable from the agent"
  done

  # the solution, one command per bash call
  k=0
  : >"$p/outputs"
  for cmd in "$p"/solution/*; do
    out="$p/out.$k"
    local t0=$SECONDS rc
    timeout "$((cto + 10))" docker exec -u 1000:1000 -w /work "$a" /bin/sh -c "$(cat "$cmd")" >"$out" 2>&1
    rc=$?
    log "[$id] \$ $(head -c 150 "$cmd")  (exit $rc, $(wc -c <"$out") bytes, $((SECONDS - t0))s)"
    cat "$out" >>"$p/outputs"; printf '\n' >>"$p/outputs"
    k=$((k + 1))
  done
  last=$(tr -d '\r' <"$p/outputs" | grep -oE '[A-Za-z][A-Za-z0-9_]*\{[^{}]+\}' | tail -n 1)
  if grep -qF -- "$target" "$p/outputs"; then
    log "[$id] FAIL: the static target $target appears in the outputs"; return 1
  fi
  if ! grep -qF -- "$flag" "$out"; then
    log "[$id] FAIL: the planted flag is not in the last output; it was:"; tail -n 15 "$out" >&2; return 1
  fi
  if [ "$last" != "$flag" ]; then
    log "[$id] FAIL: the last flag-like string is $last, not the planted $flag"; return 1
  fi
  log "[$id] PASS: planted $flag found"
  return 0
}

failed=()
passed=0
for p in $(ls -d "$WORK"/plan/* | sort -t/ -k1 -V); do
  id=$(cat "$p/id")
  start=$SECONDS
  if run_challenge "$p"; then passed=$((passed + 1)); else failed+=("$id"); fi
  log "[$id] took $((SECONDS - start))s"
  cleanup
done

echo "ctf-live verify: $passed passed, ${#failed[@]} failed${failed:+ (${failed[*]})}"
[ "${#failed[@]}" -eq 0 ]
