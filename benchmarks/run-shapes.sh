#!/usr/bin/env bash
# Value shapes side by side through the JCache API, by value (ValueShapeBenchmark: inkv, Caffeine
# and Ehcache on heap; record, bean, immutable, kotlin, list10, map10, and list10rec and map10rec,
# the same data as the List and the Map in records; get and put; one thread,
# uniform keys), then the candidate engines at the codec level (CodecEngineBenchmark: inkv's codec,
# Kryo, Fory; encode and decode), in one script run, with -prof gc for B/op.
#
#   benchmarks/run-shapes.sh                      # builds the jar; 1M entries
#   SKIP_BUILD=1 ENTRIES=100000 benchmarks/run-shapes.sh
#
# Settings: ENTRIES (1000000), JMH_OPTS (-f 1 -wi 2 -w 2s -i 3 -r 2s), SKIP_ENGINES=1 to leave the
# codec-level run out. Raw JSON, logs and the load average go to benchmarks/results/shapes-<time>/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
jar="$here/target/benchmarks.jar"
java="${JAVA:-java}"
ENTRIES="${ENTRIES:-1000000}"
JMH_OPTS="${JMH_OPTS:--f 1 -wi 2 -w 2s -i 3 -r 2s}"

if [[ -z "${SKIP_BUILD:-}" ]]; then
  (cd "$root" && ./mvnw -B -ntp -o -q -pl benchmarks -am package -DskipTests)
fi
out="${OUT_DIR:-$here/results/shapes-$(date -u +%Y%m%d-%H%M)}"
mkdir -p "$out"
{
  echo "== $(date -u +%FT%TZ) $(nproc) x $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $("$java" -version 2>&1 | head -1)"
  echo "commit $(cd "$root" && git rev-parse --short HEAD)$(cd "$root" && git diff --quiet -- store jcache-provider benchmarks || echo ' + uncommitted changes')"
  echo "load before: $(cat /proc/loadavg)"
} | tee "$out/conditions.txt"
# shellcheck disable=SC2086
"$java" -jar "$jar" 'io.inkv.benchmarks.codec.ValueShapeBenchmark' -p entries="$ENTRIES" $JMH_OPTS -prof gc \
  -rf json -rff "$out/shapes.json" 2>&1 | tee "$out/shapes.log" | grep -E '^(# (inkv|caffeine|ehcache)|Benchmark|ValueShape)' || true
echo "load after shapes: $(cat /proc/loadavg)" | tee -a "$out/conditions.txt"
if [[ -z "${SKIP_ENGINES:-}" ]]; then
  # shellcheck disable=SC2086
  "$java" -jar "$jar" 'io.inkv.benchmarks.codec.CodecEngineBenchmark' $JMH_OPTS -prof gc \
    -rf json -rff "$out/engines.json" 2>&1 | tee "$out/engines.log" | grep -E '^(Benchmark|CodecEngine)' || true
  echo "load after engines: $(cat /proc/loadavg)" | tee -a "$out/conditions.txt"
fi
echo "results in $out"
