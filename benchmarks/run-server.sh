#!/usr/bin/env bash
# The data-plane server under the small cache server's workload (10,000 keys, 80% GET /get/{key},
# 20% POST /store/{key}, 12-byte bodies), beside Redis on loopback with the same mix.
#
#   benchmarks/run-server.sh                      # build, then every part below
#   SKIP_BUILD=1 RATES=20000,50000 benchmarks/run-server.sh
#   QUIET_LOAD=1.0 benchmarks/run-server.sh       # first wait until the 1-minute load average is below 1.0
#
# Parts: (1) HttpLoad, open loop with coordinated-omission correction, at each rate of RATES for
# DURATION s after WARMUP s; (1b) openloop (benchmarks/load/openloop.c, compiled with gcc into
# benchmarks/target/), the same open-loop schedule, key sequence and correction from one C thread
# on epoll, which takes a fraction of the JVM client's CPU and so leaves the server more of the 2
# cores (skipped, saying why, when gcc is missing or the build fails); its rows add p90, whether the
# rate was held (every request done within 1% + 1 ms of the schedule's length), the status classes,
# socket errors, reconnects, the generator's own send lag (lag99) and CPU (cpu%, 100 = one core);
# (2) wrk, closed loop, 64 connections, for the peak throughput;
# (3) the same HttpLoad schedule against Redis (Lettuce) and redis-benchmark, when Redis answers on
# 127.0.0.1:6379. Client and server share the machine: on 2 cores the client's CPU is taken from
# the server, so the figures are a floor for a server with its own cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

RATES="${RATES:-10000,20000,30000,40000,50000,60000}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-3}"
CONNECTIONS="${CONNECTIONS:-64}"
PORT="${PORT:-18090}"

if [[ -z "${SKIP_BUILD:-}" ]]; then
    ./mvnw -B -ntp -q -pl dataplane-server,benchmarks -am package -DskipTests
fi
if ! command -v wrk >/dev/null; then
    echo "installing wrk (Debian package)" >&2
    (apt-get install -y -q wrk >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null)) \
        || echo "wrk is not available; skipping the closed-loop part" >&2
fi
if [[ -n "${QUIET_LOAD:-}" ]]; then
    while awk -v max="$QUIET_LOAD" '{ exit !($1 >= max) }' /proc/loadavg; do
        echo "waiting for a quiet machine: load $(cut -d' ' -f1 /proc/loadavg) >= $QUIET_LOAD" >&2
        sleep 10
    done
fi

load() { java -Xmx1g -cp benchmarks/target/benchmarks.jar io.inkv.benchmarks.server.HttpLoad "$@" 2>&1 | grep -v '^SLF4J'; }

data="$(mktemp -d)"
java -Xmx1g -jar dataplane-server/target/inkv-server.jar --port "$PORT" --data-dir "$data" \
    --concurrency 4096 --image-interval 0 > "$data.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data" "$data.log"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.2; done

echo "== $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)"
echo "== inkv server, HttpLoad (open loop, latency from the intended send time, ms)"
load http "http://127.0.0.1:$PORT" rates="$RATES" duration="$DURATION" warmup="$WARMUP" connections="$CONNECTIONS"
echo "== inkv server, openloop (C, open loop, corrected; latency from the intended send time, ms)"
if ! command -v gcc >/dev/null; then
    echo "== openloop skipped: gcc is not installed (apt-get install gcc)"
elif ! mkdir -p benchmarks/target || ! gcc -O2 -Wall -Wextra -Werror -o benchmarks/target/openloop \
        benchmarks/load/openloop.c -lm; then
    echo "== openloop skipped: benchmarks/load/openloop.c did not compile (gcc's messages above)"
else
    benchmarks/target/openloop "http://127.0.0.1:$PORT" rates="$RATES" duration="$DURATION" warmup="$WARMUP" \
        connections="$CONNECTIONS" 2>&1 || echo "== openloop failed (exit status $?); the parts below still run"
fi
if command -v wrk >/dev/null; then
    echo "== inkv server, wrk -t1 -c$CONNECTIONS -d${DURATION}s (closed loop)"
    wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s benchmarks/server-mix.lua --latency "http://127.0.0.1:$PORT/" \
        | grep -E 'Requests/sec|50%|90%|99%|Latency '
fi
if command -v redis-cli >/dev/null && [[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == "PONG" ]]; then
    echo "== Redis 127.0.0.1:6379, HttpLoad (same schedule: 80% GET, 20% SET, Lettuce, one connection)"
    load redis 127.0.0.1:6379 rates="$RATES" duration="$DURATION" warmup="$WARMUP"
    echo "== Redis, redis-benchmark -c $CONNECTIONS -r 10000 -d 12 (closed loop)"
    redis-benchmark -h 127.0.0.1 -p 6379 -q -n 500000 -r 10000 -d 12 -c "$CONNECTIONS" -t set,get \
        | tr '\r' '\n' | grep 'requests per second'
else
    echo "== Redis is not answering on 127.0.0.1:6379: skipped"
fi
