#!/usr/bin/env bash
# No Docker engine runs here, so this performs the Dockerfile's steps in a clean temporary directory:
# copy what .dockerignore allows, install and build (build stage), keep production dependencies and the
# compiled output only (runtime stage), start it as the container would, wait for ready, and predict
# with a proof that must verify.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/zkpredict-container-XXXXXX)"
server_pid=""
cleanup () {
  # Stop the server and let it finish closing before its DATA_DIR is removed.
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== build stage (in $work/build)"
mkdir -p "$work/build" "$work/runtime" "$work/data"
# --anchored: like Docker, a pattern such as `data` matches from the context's root (the top-level data/,
# not src/data). Only tracked files: what a clean checkout holds.
(cd "$repo" && git ls-files -z | tar --anchored --exclude-from=.dockerignore --null -T - -cf -) | tar -xf - -C "$work/build"
cd "$work/build"
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
npm prune --omit=dev --loglevel=error

echo "== runtime stage (in $work/runtime)"
cp -r package.json node_modules dist models "$work/runtime/"
cd "$work/runtime"
[ ! -d node_modules/typescript ] || { echo "dev dependencies leaked into the runtime stage"; exit 1; }
port=$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")
NODE_ENV=production HOST=0.0.0.0 PORT="$port" DATA_DIR="$work/data" LOG_LEVEL=warn node dist/src/server.js &
server_pid=$!
base="http://127.0.0.1:$port"

echo "== waiting for /health/ready (the default model trains on synthetic data)"
for _ in $(seq 1 300); do
  curl -sf "$base/health/ready" >/dev/null && break
  kill -0 "$server_pid" || { echo "the server exited"; exit 1; }
  sleep 1
done
curl -sf "$base/health/ready"; echo

echo "== predict with a proof"
row='{"deposits_volume":2.1e7,"borrows_volume":9.5e6,"price":1850.2,"market_cap":0,"volumes_last_24h":8.1e9,"deposits_volume_avg_7d":1.9e7,"borrows_volume_avg_7d":8.7e6,"market_cap_avg_7d":0,"volumes_last_24h_avg_7d":7.7e9,"volatility_7day":0.031}'
prediction=$(curl -sf -X POST "$base/predict" -H 'content-type: application/json' -d "{\"model\":\"aave-liquidation-7d\",\"instances\":[$row]}")
echo "$prediction"
href=$(node -e "console.log(JSON.parse(process.argv[1]).predictions[0].proof.href)" "$prediction")
for _ in $(seq 1 300); do
  state=$(curl -sf "$base$href")
  status=$(node -e "console.log(JSON.parse(process.argv[1]).status)" "$state")
  [ "$status" = succeeded ] || [ "$status" = failed ] && break
  sleep 1
done
[ "$status" = succeeded ] || { echo "proof $status: $state"; exit 1; }
verified=$(curl -sf -X POST "$base$href/verify")
echo "$verified"
node -e "process.exit(JSON.parse(process.argv[1]).verified === true ? 0 : 1)" "$verified"
echo "container smoke test passed in ${SECONDS} s"
