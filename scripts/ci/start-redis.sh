#!/usr/bin/env bash
# Starts a real Redis for the test suite: Debian's redis-server (installed when missing), on a free
# loopback port, AOF on, noeviction, data in a temporary directory. Source it from .ci/run:
#   source scripts/ci/start-redis.sh     # exports TEST_REDIS_URL and REDIS_SERVER; stops Redis at exit
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
ZK_REDIS_DIR="$(mktemp -d)"
ZK_REDIS_PORT="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
redis-server --port "$ZK_REDIS_PORT" --bind 127.0.0.1 --dir "$ZK_REDIS_DIR" --appendonly yes \
  --maxmemory-policy noeviction --save '' --daemonize yes --pidfile "$ZK_REDIS_DIR/redis.pid" --logfile "$ZK_REDIS_DIR/redis.log"
for _ in $(seq 1 100); do redis-cli -p "$ZK_REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$ZK_REDIS_PORT" ping >/dev/null
export TEST_REDIS_URL="redis://127.0.0.1:$ZK_REDIS_PORT"
export REDIS_SERVER="$(command -v redis-server)"
zk_stop_redis () {
  redis-cli -p "$ZK_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$ZK_REDIS_DIR"
}
trap zk_stop_redis EXIT
echo "Redis for the tests: $TEST_REDIS_URL ($(redis-server --version | cut -d' ' -f3))"
