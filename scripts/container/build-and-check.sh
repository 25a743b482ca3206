#!/usr/bin/env bash
# The container, really built and really run (issue 18), without a Docker engine:
#   1. the base image the Dockerfile's FROM names (make-base-image.sh),
#   2. the Dockerfile, unchanged, built with `buildah bud --isolation chroot` (each stage tagged and weighed),
#   3. the image's own Config (Entrypoint, Cmd, Env, User, WorkingDir, ExposedPorts, Volumes, Healthcheck)
#      read with `buildah inspect` and run exactly with `buildah run --isolation chroot`, a fresh data folder
#      where VOLUME says, then: the HEALTHCHECK command passes (and fails on a closed port); a prediction with a
#      proof succeeds and verifies (through the API and offline with the image's own CLI); the server runs as
#      the image's non-root user; /data is writable by it and nothing else is (but /tmp and its home); SIGTERM
#      stops it cleanly within the grace period; the worker role (issue 13) starts from the same image.
# Figures (sizes, build time, time to ready) are printed at the end, and appended to $REPORT when set.
#
#   scripts/container/build-and-check.sh        PORT (43010), GRACE (10 s, docker stop's), IMAGE (zkpredict:latest)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
image="${IMAGE:-zkpredict:latest}"
build_image="${image%%:*}-build:${image##*:}"
port="${PORT:-43010}"
grace="${GRACE:-10}"
export ONNXRUNTIME_NODE_INSTALL=skip
cd "$repo"

now () { date +%s.%N; }
since () { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
fail () { echo "build-and-check: FAILED: $*" >&2; exit 1; }
figures=()
figure () { figures+=("$1"); echo "   $1"; }

# --- tools: Debian's packages, installed when missing (CI runs as root on a clean Debian machine)
missing=()
for tool in buildah podman debootstrap; do command -v "$tool" > /dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== apt-get install ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah podman debootstrap > /dev/null
fi

work="$(mktemp -d /tmp/zkpredict-check-XXXXXX)"
ctr=""; server=""; redis_pid=""
cleanup () {
  [ -z "$server" ] || kill -KILL "$server" 2> /dev/null || true
  [ -z "$redis_pid" ] || kill "$redis_pid" 2> /dev/null || true
  jobs -p | xargs -r kill 2> /dev/null || true
  wait 2> /dev/null || true
  [ -z "$ctr" ] || buildah rm "$ctr" > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ "${BUILD:-1}" = 0 ] && podman image exists "$image"; then
  echo "== 1.-2. BUILD=0: checking the existing $image (no figures of the build)"
else
echo "== 1. base image"
t0=$(now)
"$repo/scripts/container/make-base-image.sh" "$repo/Dockerfile"
figure "base image made in $(since "$t0") s"

echo "== 2. buildah bud --isolation chroot (the Dockerfile unchanged)"
# Build-time mounts only, never in the image: where this machine reaches the registry through a TLS proxy
# (npm's cafile is set), its CA bundle and a global npmrc naming it; and the host's npm cache, which
# .ci/run's own `npm ci` filled moments before (as BuildKit's cache mounts would; npm checks every integrity).
bud=(buildah bud --isolation chroot --format docker --layers)
# buildah's chroot isolation gives each RUN 1,024 open files whatever the caller has (measured: buildah 1.28,
# `RUN ulimit -n` prints 1024 under a shell allowed 20,000), and `npm ci` against a full cache opened more:
# CI failed with EMFILE in the build stage once. A RUN gets this shell's own hard limit (it cannot be raised
# here: no CAP_SYS_RESOURCE), as `docker build` gives the daemon's.
nofile=$(ulimit -Hn)
[ "$nofile" = unlimited ] && nofile=1048576
bud+=(--ulimit "nofile=$nofile:$nofile")
echo "   RUN steps get nofile=$nofile"
cafile=$(npm config get cafile 2> /dev/null || true)
if [ -n "$cafile" ] && [ "$cafile" != null ] && [ "$cafile" != undefined ] && [ -f "$cafile" ]; then
  mkdir -p "$work/ca" && cp "$cafile" "$work/ca/ca.crt" && echo 'cafile=/run/zkpredict-build/ca.crt' > "$work/ca/npmrc"
  bud+=(-v "$work/ca:/run/zkpredict-build:ro" -v "$work/ca/npmrc:/usr/local/etc/npmrc:ro")
fi
npm_cache=$(npm config get cache 2> /dev/null || true)
[ -z "$npm_cache" ] || { mkdir -p "$npm_cache"; bud+=(-v "$npm_cache:/root/.npm"); }
# --format docker: the OCI image format has no HEALTHCHECK (buildah drops it with a warning).
t0=$(now)
"${bud[@]}" --target build -t "$build_image" . > "$work/build-stage.log" 2>&1 || { tail -40 "$work/build-stage.log"; fail "the build stage"; }
build_stage_s=$(since "$t0")
t0=$(now)
"${bud[@]}" -t "$image" . > "$work/runtime-stage.log" 2>&1 || { tail -40 "$work/runtime-stage.log"; fail "the runtime stage"; }
runtime_stage_s=$(since "$t0")
figure "build: build stage $build_stage_s s, runtime stage $runtime_stage_s s (its build stage from the layer cache of the first command)"
mib () { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }
base_name=$(awk 'toupper($1) == "FROM" { print $2; exit }' Dockerfile)
base_size=$(podman image inspect --format '{{.Size}}' "docker.io/library/$base_name")
build_size=$(podman image inspect --format '{{.Size}}' "$build_image")
image_size=$(podman image inspect --format '{{.Size}}' "$image")
figure "sizes: base $base_name $(mib "$base_size"), build stage $(mib "$build_size"), runtime image $image $(mib "$image_size") (its own layers $(mib $((image_size - base_size))))"
fi

echo "== 3. the image's Config"
# The Docker-format config (buildah 1.28's --format has no json function: the whole inspect output, parsed).
buildah inspect --type image "$image" | node -e "process.stdout.write(JSON.stringify(JSON.parse(require('fs').readFileSync(0)).Docker.config))" > "$work/config.json"
cfg () { node -e "const c = require('$work/config.json'); const v = ($1); console.log(v == null ? '' : v)"; }
user=$(cfg 'c.User'); workdir=$(cfg 'c.WorkingDir')
mapfile -t env < <(cfg "(c.Env || []).join('\n')")
mapfile -t command < <(cfg "[...(c.Entrypoint || []), ...(c.Cmd || [])].join('\n')")
mapfile -t volumes < <(cfg "Object.keys(c.Volumes || {}).join('\n')")
mapfile -t health < <(cfg "(c.Healthcheck && c.Healthcheck.Test || []).join('\n')")
exposed=$(cfg "Object.keys(c.ExposedPorts || {}).join(' ')")
echo "   User=$user WorkingDir=$workdir ExposedPorts=$exposed Volumes=${volumes[*]}"
echo "   Entrypoint+Cmd: ${command[*]}"
echo "   Env: ${env[*]}"
echo "   Healthcheck: ${health[*]}"
[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || fail "the image runs as root (User='$user')"
[ "${volumes[*]}" = /data ] || fail "VOLUME is '${volumes[*]}', not /data"
[ "${#health[@]}" -ge 2 ] && [ "${health[0]}" != NONE ] || fail "the image has no HEALTHCHECK"
[[ " ${env[*]} " == *" DATA_DIR=/data "* ]] || fail "DATA_DIR is not the volume"

# What the runtime stage holds: no dev dependencies, tests, bench or sources.
ctr=$(buildah from "$image")
root=$(buildah mount "$ctr")
for unwanted in app/src app/test app/bench app/scripts app/routes app/dist/test app/dist/bench app/dist/scripts; do
  [ ! -e "$root/$unwanted" ] || fail "the runtime image holds /$unwanted"
done
# Dev-only packages, as the lock file marks them ("dev": true: needed by no production dependency).
dev_only=$(node -p "Object.entries(require('./package-lock.json').packages).filter(([p, v]) => p !== '' && v.dev === true).map(([p]) => p).join(' ')")
[ -n "$dev_only" ] || fail "the lock file marks no dev-only package"
for dev in $dev_only; do
  [ ! -e "$root/app/$dev/package.json" ] || fail "the dev-only package $dev is in the runtime image"
done
[ -z "$(find "$root/app/node_modules" -name '*.map' -print -quit)" ] || fail "source maps in node_modules"
figure "runtime /app: $(du -sh "$root/app" | cut -f1) = node_modules $(du -sh "$root/app/node_modules" | cut -f1), dist $(du -sh "$root/app/dist" | cut -f1), models $(du -sh "$root/app/models" | cut -f1); heaviest packages: $(cd "$root/app/node_modules" && du -s ./* ./@*/* 2> /dev/null | sort -rn | head -5 | awk '{ printf "%s%s %d MiB", (NR > 1 ? ", " : ""), substr($2, 3), $1 / 1024 }')"
node_uid=$(awk -F: -v u="$user" '$1 == u || $3 == u { print $3 }' "$root/etc/passwd")
node_gid=$(awk -F: -v u="$user" '$1 == u || $3 == u { print $4 }' "$root/etc/passwd")
[ -n "$node_uid" ] && [ "$node_uid" != 0 ] || fail "user '$user' is not a non-root user of the image"
# A fresh data folder initialised as Docker initialises a new named volume: the image's /data owner and mode.
data="$work/data"
mkdir -p "$data"
chown "$(stat -c %u:%g "$root/data")" "$data"
chmod "$(stat -c %a "$root/data")" "$data"
buildah umount "$ctr" > /dev/null

# buildah run mounts an anonymous volume of its own at each VOLUME of the working container and ignores a
# --volume aimed at the same place (seen with buildah 1.28: /data was buildah-volumes/<id>, not our folder).
# `docker run -v folder:/data` makes no anonymous volume there either: drop the VOLUME from this working
# container (the image keeps it) so that our fresh folder is what the server sees at /data.
buildah config --volume /data- "$ctr"
run=(buildah run --isolation chroot --user "$user" --workingdir "$workdir")
for e in "${env[@]}"; do run+=(--env "$e"); done
# The host's network is the container's here (chroot isolation): PORT picks a free host port, as `-e PORT` would.
run+=(--env "PORT=$port" --volume "$data:/data")

echo "== run: ${command[*]} (PORT=$port, /data from $data)"
curl -s -o /dev/null "http://127.0.0.1:$port/health/live" && fail "port $port is taken"
t0=$(now)
"${run[@]}" "$ctr" -- "${command[@]}" > "$work/server.log" 2>&1 &
runner=$!
ready=""
# The HEALTHCHECK's start period is 120 s; a machine shared with other work can take several times that.
ready_deadline=$(( $(date +%s) + ${READY_TIMEOUT:-900} ))
while [ "$(date +%s)" -lt "$ready_deadline" ]; do
  if curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready"; then ready=yes; break; fi
  kill -0 "$runner" 2> /dev/null || { tail -20 "$work/server.log"; fail "the container exited"; }
  sleep 0.5
done
[ -n "$ready" ] || { tail -20 "$work/server.log"; fail "not ready within ${READY_TIMEOUT:-900} s"; }
figure "time to ready (default model trained on synthetic data, circuit built): $(since "$t0") s"
server=$(node -e "for (const l of require('fs').readFileSync('$work/server.log', 'utf8').split('\n')) { try { const j = JSON.parse(l); if (j.pid) { console.log(j.pid); break } } catch {} }")
[ -n "$server" ] && [ -e "/proc/$server" ] || fail "no server pid in its log"

echo "== the image's HEALTHCHECK command"
healthcheck=("${health[@]:1}")
[ "${health[0]}" = CMD-SHELL ] && healthcheck=(/bin/sh -c "${health[1]}")
health_timeout=$(cfg "Math.ceil((c.Healthcheck.Timeout || 30e9) / 1e9)")
# The check's own timeout, plus buildah run's start-up (a second or two on a loaded machine).
timeout $((health_timeout + 20)) "${run[@]}" "$ctr" -- "${healthcheck[@]}" || fail "the HEALTHCHECK command fails on a ready service"
closed=$((port + 1))
if "${run[@]}" --env "PORT=$closed" "$ctr" -- "${healthcheck[@]}"; then fail "the HEALTHCHECK passes with nothing listening on $closed"; fi
echo "   passes when ready, fails with nothing listening"

echo "== the server process: its user, its command"
uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$server/status")
[ "$uids" = "$node_uid $node_uid $node_uid $node_uid" ] || fail "the server runs with uids '$uids', not $user ($node_uid)"
[ -e "/proc/$server/root$workdir/dist/src/server.js" ] || fail "pid $server is not the container's server"
echo "   pid $server runs as $user (uid $node_uid, real/effective/saved/fs), command: $(tr '\0' ' ' < "/proc/$server/cmdline")"

echo "== predict with a proof; verify it through the API and offline with the image's CLI"
base="http://127.0.0.1:$port"
row='{"deposits_volume":2.1e7,"borrows_volume":9.5e6,"price":1850.2,"market_cap":0,"volumes_last_24h":8.1e9,"deposits_volume_avg_7d":1.9e7,"borrows_volume_avg_7d":8.7e6,"market_cap_avg_7d":0,"volumes_last_24h_avg_7d":7.7e9,"volatility_7day":0.031}'
prediction=$(curl -sf -X POST "$base/predict" -H 'content-type: application/json' -d "{\"model\":\"aave-liquidation-7d\",\"instances\":[$row]}") || fail "POST /predict"
echo "   $prediction"
href=$(node -e "console.log(JSON.parse(process.argv[1]).predictions[0].proof.href)" "$prediction")
status=""
for _ in $(seq 1 600); do
  state=$(curl -sf "$base$href")
  status=$(node -e "console.log(JSON.parse(process.argv[1]).status)" "$state")
  [ "$status" = succeeded ] || [ "$status" = failed ] && break
  sleep 0.5
done
[ "$status" = succeeded ] || fail "proof $status: $state"
verified=$(curl -sf -X POST "$base$href/verify")
node -e "process.exit(JSON.parse(process.argv[1]).verified === true ? 0 : 1)" "$verified" || fail "the API does not verify the proof: $verified"
mkdir -p "$work/bundle"
curl -sf -o "$work/bundle/proof.json" "$base$href/download" || fail "download the proof bundle"
"${run[@]}" --volume "$work/bundle:/bundle:ro" "$ctr" -- "${command[@]:0:${#command[@]}-1}" dist/src/cli.js proof verify /bundle/proof.json \
  || fail "the image's CLI does not verify the downloaded bundle"
echo "   proof $href succeeded; verified by the API and by the CLI in the image"

echo "== what the node user can write"
# find -writable asks the kernel (access(2)) as that user; /proc, /sys and /dev are the kernel's.
writable=$("${run[@]}" "$ctr" -- find / \( -path /proc -o -path /sys -o -path /dev \) -prune -o -writable -print 2> /dev/null \
  | grep -v -E '^/(data|tmp|var/tmp|home/node|run/lock|var/lock)(/|$)' || true)
[ -z "$writable" ] || fail "the node user can write outside /data: $(echo "$writable" | head -10 | tr '\n' ' ')"
[ -n "$(find "$data" -type f -print -quit)" ] || fail "the server wrote nothing into the folder mounted at /data"
foreign=$(find "$data" ! -uid "$node_uid" -print | head -5)
[ -z "$foreign" ] || fail "files in /data not owned by $user: $foreign"
echo "   only /data (and /tmp, /var/tmp, /run/lock = /var/lock, the base image's /home/node); $(find "$data" -type f | wc -l) files in /data, all the node user's"

echo "== SIGTERM (as docker stop sends it to PID 1) within the ${grace} s grace period"
t0=$(now)
kill -TERM "$server"
stopped=""
for _ in $(seq 1 $((grace * 10))); do
  if ! kill -0 "$runner" 2> /dev/null; then stopped=yes; break; fi
  sleep 0.1
done
[ -n "$stopped" ] || { kill -KILL "$server" 2> /dev/null || true; fail "still running ${grace} s after SIGTERM"; }
code=0; wait "$runner" || code=$?
server=""
[ "$code" = 0 ] || { tail -5 "$work/server.log"; fail "exit status $code after SIGTERM"; }
grep -q '"signal":"SIGTERM"' "$work/server.log" || fail "the server did not log its SIGTERM shutdown"
figure "stopped by SIGTERM in $(since "$t0") s, exit status 0"

echo "== the worker role (issue 13) from the same image"
worker_root=$(buildah mount "$ctr")
if [ -f "$worker_root$workdir/dist/src/worker.js" ]; then
  buildah umount "$ctr" > /dev/null
  command -v redis-server > /dev/null || { apt-get install -y -qq redis-server > /dev/null; }
  redis_port=$((port + 2))
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no > "$work/redis.log" 2>&1 &
  redis_pid=$!
  "${run[@]}" --env ROLE=worker --env "REDIS_URL=redis://127.0.0.1:$redis_port" "$ctr" -- "${command[@]}" > "$work/worker.log" 2>&1 &
  worker_runner=$!
  for _ in $(seq 1 600); do
    grep -q '"worker ready"' "$work/worker.log" && break
    kill -0 "$worker_runner" 2> /dev/null || { tail -20 "$work/worker.log"; fail "the worker exited"; }
    sleep 0.5
  done
  grep -q '"worker ready"' "$work/worker.log" || fail "the worker did not get ready"
  worker=$(node -e "for (const l of require('fs').readFileSync('$work/worker.log', 'utf8').split('\n')) { try { const j = JSON.parse(l); if (j.pid) { console.log(j.pid); break } } catch {} }")
  kill -TERM "$worker"
  code=0; wait "$worker_runner" || code=$?
  [ "$code" = 0 ] || fail "the worker's exit status after SIGTERM is $code"
  echo "   ROLE=worker started (worker ready) and stopped on SIGTERM"
else
  buildah umount "$ctr" > /dev/null
  # STEP TO EXTEND when issue 13 lands (dist/src/worker.js in the image): the branch above starts ROLE=worker.
  # Until then: the image's CLI entry point starts and knows its commands.
  "${run[@]}" "$ctr" -- "${command[@]:0:${#command[@]}-1}" dist/src/cli.js --help > "$work/cli.log" 2>&1 || fail "the image's CLI does not start"
  grep -q serve "$work/cli.log" || fail "the image's CLI help lists no commands"
  echo "   NOT YET: no worker role in this image (issue 13); the CLI entry point starts from it"
fi

echo
echo "container build and check passed in ${SECONDS} s ($(uptime | sed 's/.*load/load/'))"
for f in "${figures[@]}"; do echo "  - $f"; done
[ -z "${REPORT:-}" ] || printf '%s\n' "${figures[@]}" >> "$REPORT"
