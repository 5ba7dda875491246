#!/usr/bin/env bash
# Soak: DURATION s (default 1800) of steady mixed load on the data-plane server (replicated mode,
# its own Kafka broker JVM) and on a replica JVM of its stores. Every INTERVAL s (default 30) it
# samples each process's heap after a full GC, RSS, open file handles and threads, and counts
# errors; at the end it prints the table and a verdict (flatness rule in Soak.java's Javadoc:
# medians of the first and last third after WARMUP s; and zero errors).
#
#   benchmarks/run-soak.sh                              build, then 30 minutes
#   DURATION=300 WARMUP=60 benchmarks/run-soak.sh       a short run
#   SKIP_BUILD=1 RATE=800 REPLICA_RATE=5000 benchmarks/run-soak.sh
#
# Raw output (soak.log, samples.tsv, every process's log) goes to benchmarks/results/soak-<timestamp>/.
# Exit status 0 on PASS, 1 on FAIL.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cpfile="$here/target/soak.classpath"
if [[ -z "${SKIP_BUILD:-}" || ! -f "$cpfile" || ! -f "$root/dataplane-server/target/inkv-server.jar" ]]; then
  # one reactor run: a separate `-pl benchmarks dependency:build-classpath` cannot resolve the
  # project's own artifacts on a machine where they were never installed
  (cd "$root" && ./mvnw -B -ntp -q -pl dataplane-server,benchmarks -am package -DskipTests \
      dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/soak.classpath)
fi
out="$here/results/soak-$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$out"
cd "$root"
java -Xmx512m -cp "$here/target/classes:$(cat "$cpfile")" -Djava.util.logging.config.file=/dev/null \
    -Dinkv.server.jar="$root/dataplane-server/target/inkv-server.jar" \
    io.inkv.benchmarks.soak.Soak run duration="${DURATION:-1800}" interval="${INTERVAL:-30}" \
    warmup="${WARMUP:-300}" rate="${RATE:-400}" replicaRate="${REPLICA_RATE:-2000}" out="$out" \
    | tee "$out/console.txt"
grep -q '^VERDICT: PASS' "$out/console.txt"
