#!/usr/bin/env bash
# Two builds of the data-plane server side by side under the cache workload (10,000 keys, 80%
# GET /get/{key}, 20% POST /store/{key}, 12-byte bodies), alternating, so a change to the server is
# compared with its base in one run on the same noisy machine:
#
#   benchmarks/run-server-ab.sh base.jar new.jar
#   ROUNDS=3 RATES=40000,50000,60000 benchmarks/run-server-ab.sh base.jar new.jar
#
# (build the base jar from a checkout of the base commit: ./mvnw -B -ntp -q -pl dataplane-server -am
# package -DskipTests; the jar is dataplane-server/target/inkv-server.jar.) Each round starts each
# jar on a fresh data directory and runs benchmarks/load/openloop (open loop, coordinated omission
# corrected) at every rate of RATES for DURATION s after WARMUP s, then, after a 5 s warm run,
# CPU_RATE req/s for DURATION s, reporting the server process's CPU time (user + system, from
# /proc/<pid>/stat) per request: the figure that decides how much of 2 shared cores is left to the
# load generator, and less noisy than a tail latency.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ $# -eq 2 ]] || { echo "usage: $0 base.jar new.jar" >&2; exit 2; }
jars=("$1" "$2")
RATES="${RATES:-40000,50000,60000}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-3}"
ROUNDS="${ROUNDS:-3}"
CPU_RATE="${CPU_RATE:-40000}"
PORT="${PORT:-18090}"

mkdir -p benchmarks/target
gcc -O2 -Wall -Wextra -Werror -o benchmarks/target/openloop benchmarks/load/openloop.c -lm
tck="$(getconf CLK_TCK)"
cpu_of() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

echo "== $(date -u +%FT%TZ) $(nproc) cores, $(java -version 2>&1 | head -1); A = $1, B = $2"
for round in $(seq "$ROUNDS"); do
  for i in 0 1; do
    name=$([[ $i == 0 ]] && echo A || echo B)
    data="$(mktemp -d)"
    java -Xmx1g -jar "${jars[$i]}" --port "$PORT" --data-dir "$data" --concurrency 4096 --image-interval 0 \
        > "$data.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.2; done
    echo "== $name, round $round, load average $(cut -d' ' -f1 /proc/loadavg)"
    benchmarks/target/openloop "http://127.0.0.1:$PORT" rates="$RATES" duration="$DURATION" warmup="$WARMUP" \
        connections=64 2>&1 | grep -E '^(target|http)'
    benchmarks/target/openloop "http://127.0.0.1:$PORT" rates="$CPU_RATE" duration=5 warmup=0 connections=64 >/dev/null 2>&1
    before="$(cpu_of "$pid")"
    benchmarks/target/openloop "http://127.0.0.1:$PORT" rates="$CPU_RATE" duration="$DURATION" warmup=0 \
        connections=64 >/dev/null 2>&1
    after="$(cpu_of "$pid")"
    awk -v j="$((after - before))" -v t="$tck" -v n="$((CPU_RATE * DURATION))" -v r="$CPU_RATE" \
        'BEGIN { printf "server CPU at %d req/s: %.1f us per request\n", r, j / t * 1e6 / n }'
    kill -TERM "$pid"; wait "$pid" || true
    rm -rf "$data" "$data.log"
  done
done
