#!/usr/bin/env bash
# The peer suite: inkv against Caffeine, Ehcache, Chronicle Map, ConcurrentHashMap and Redis, in
# one run, with the same JVM flags; raw results under benchmarks/results/suite-<mode>-<date>/,
# tables and charts rendered into benchmarks/README.md (the section between the suite markers).
#
#   benchmarks/run-suite.sh quick    a check after a change, under 10 minutes: record-100 values,
#                                    uniform keys, 1 thread, getPresent and mix, short iterations;
#                                    open-loop latency at 25K/100K/1M req/s; memory at 1M; documents
#   benchmarks/run-suite.sh targets  what the targets of issues 3, 4 and 5 need, in about 25 minutes:
#                                    record-100 and string-100, uniform, 1 thread, all four
#                                    operations; latency 10K-1M req/s; memory at 1M; documents
#                                    at 10K and 1M
#   benchmarks/run-suite.sh full     every workload of issue 4: four value kinds, uniform and Zipf,
#                                    1 and 2 threads, getPresent/getAbsent/put/mix, 3x2 s warm-up
#                                    and 5x2 s measurement; latency from 1K to 1M req/s, 10 s per
#                                    rate; memory at 1M and 10M; documents at 10K and 1M (hours)
#
#   SKIP_BUILD=1          reuse benchmarks/target/benchmarks.jar
#   QUIET_LOAD=1.0        before each step, wait (up to QUIET_WAIT seconds, default 600) for the
#                         1-minute load average to drop below 1.0; the load is recorded either way
#   SYSTEMS="a b c"       only these systems (default: all of Peers.SYSTEMS)
#   STEPS="jmh latency memory documents"   only these steps (then render)
#   JMH_EXTRA="..."       more JMH options, e.g. -jvmArgsPrepend "-XX:+UseParallelGC"
#   VALUES, DISTS, THREADS, OPS, JMH_ITER, RATES, MEM_SIZES, DOCS   override the mode's choices
#                         (VALUES=record-100,string-100 THREADS="1 2" OPS='getPresent|put'
#                         JMH_ITER="-f 1 -wi 3 -w 2s -i 5 -r 2s" RATES=25000,100000 MEM_SIZES=1000000 DOCS=10000)
#   OUT_DIR=dir           add this run's results to an existing result directory (e.g. memory at
#                         10M, or 2 threads, beside a targets run) instead of a new one
#   RENDER_ONLY=dir       re-render the README section and charts from an existing result directory
#
# Redis (127.0.0.1:6379) is skipped, with the reason printed, if nothing answers there.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
jar="$here/target/benchmarks.jar"
java="${JAVA:-java}"
mode="${1:-quick}"

render() {
  local dir="$1"
  python3 "$here/results-table.py" --suite "$dir" --readme "$here/README.md"
  for c in "$dir"/chart-*.csv; do
    [[ -e "$c" ]] || continue
    local title subtitle
    title="$(sed -n 1p "${c%.csv}.title")"
    subtitle="$(sed -n 2p "${c%.csv}.title")"
    "$java" -cp "$jar" io.inkv.benchmarks.suite.SuiteChart "$c" "${c%.csv}.png" "$title" "$subtitle"
  done
}

if [[ -n "${RENDER_ONLY:-}" ]]; then
  render "$RENDER_ONLY"
  exit 0
fi

case "$mode" in
  quick|targets|full) ;;
  *) echo "usage: $0 quick|targets|full" >&2; exit 2 ;;
esac

if [[ -z "${SKIP_BUILD:-}" ]]; then
  (cd "$root" && ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests)
  # an incremental compile has twice left the jar without JMH's generated classes: build again then
  if ! unzip -l "$jar" | grep -q 'suite/jmh_generated/PeerBenchmark_getPresent_jmhTest'; then
    (cd "$root" && ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests)
  fi
fi

out="${OUT_DIR:-$here/results/suite-$mode-$(date -u +%Y%m%d-%H%M)}"
mkdir -p "$out"
echo "results: $out"

# Chronicle Map's flags (VERSIONS.md), on every JVM of the suite so all systems share the settings
# (PeerBenchmark's @Fork carries the same list)
chronicle_flags=(-Dchronicle.analytics.disable=true
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
  --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED
  --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED)

all_systems="inkv-jcache inkv-store inkv-store-view caffeine-value caffeine-reference ehcache-heap ehcache-offheap chronicle chm redis"
systems="${SYSTEMS:-$all_systems}"
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  echo "skipping redis: nothing answers on 127.0.0.1:6379" | tee -a "$out/conditions.txt"
  systems="$(echo "$systems" | tr ' ' '\n' | grep -vx redis | tr '\n' ' ')"
fi
steps="${STEPS:-jmh latency memory documents}"

{
  echo "mode: $mode"
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit: $(cd "$root" && git rev-parse --short HEAD)$(cd "$root" && git diff --quiet -- store jcache-provider || echo ' + uncommitted changes in store/ or jcache-provider/')"
  echo "jdk: $("$java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.runtime.version/ {print $2}') ($("$java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.vm.name/ {print $2}'))"
  echo "cpu: $(nproc) x $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -r)"
  echo "systems: $systems"
} >> "$out/conditions.txt"

wait_quiet() {
  [[ -n "${QUIET_LOAD:-}" ]] || return 0
  local waited=0
  while awk -v max="$QUIET_LOAD" '{ exit !($1 >= max) }' /proc/loadavg && (( waited < ${QUIET_WAIT:-600} )); do
    sleep 10; waited=$((waited + 10))
  done
}

step_start() { # name
  wait_quiet
  echo "$1 start $(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%H:%M:%S)" | tee -a "$out/load.txt"
}

step_end() {
  echo "$1 end $(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%H:%M:%S)" | tee -a "$out/load.txt"
}

comma() { echo "$1" | xargs | tr ' ' ','; }

if [[ "$mode" == quick ]]; then
  jmh_iter=(-f 1 -wi 2 -w 1s -i 3 -r 1s)
  jmh_ops='PeerBenchmark.(getPresent|mix)$'
  jmh_values=record-100
  jmh_dists=uniform
  jmh_threads="1"
  lat_rates=25000,100000,1000000; lat_seconds=2; lat_warmup=2
  mem_sizes="1000000"
  doc_sizes=10000
elif [[ "$mode" == targets ]]; then
  jmh_iter=(-f 1 -wi 2 -w 1s -i 3 -r 1s)
  jmh_ops='PeerBenchmark.(getPresent|getAbsent|put|mix)$'
  jmh_values=record-100,string-100
  jmh_dists=uniform
  jmh_threads="1"
  lat_rates=10000,25000,100000,250000,1000000; lat_seconds=3; lat_warmup=3
  mem_sizes="1000000"
  doc_sizes=10000,1000000
else
  jmh_iter=(-f 1 -wi 3 -w 2s -i 5 -r 2s)
  jmh_ops='PeerBenchmark.(getPresent|getAbsent|put|mix)$'
  jmh_values=string-100,string-1k,record-100,record-1k
  jmh_dists=uniform,zipf
  jmh_threads="1 2"
  lat_rates=1000,5000,10000,25000,100000,250000,500000,1000000; lat_seconds=10; lat_warmup=10
  mem_sizes="1000000 10000000"
  doc_sizes=10000,1000000
fi
# overrides, e.g. a targets run: VALUES=record-100,string-100 OPS='getPresent|mix' benchmarks/run-suite.sh quick
[[ -n "${JMH_ITER:-}" ]] && read -r -a jmh_iter <<< "$JMH_ITER"
[[ -n "${OPS:-}" ]] && jmh_ops="PeerBenchmark.(${OPS})\$"
jmh_values="${VALUES:-$jmh_values}"; jmh_dists="${DISTS:-$jmh_dists}"; jmh_threads="${THREADS:-$jmh_threads}"
lat_rates="${RATES:-$lat_rates}"; mem_sizes="${MEM_SIZES:-$mem_sizes}"; doc_sizes="${DOCS:-$doc_sizes}"
echo "jmh: ${jmh_iter[*]} -bm sample -prof gc; values $jmh_values; keys $jmh_dists; threads $jmh_threads" >> "$out/conditions.txt"
echo "latency: get of present record-100 keys, uniform, 1M entries; rates $lat_rates; ${lat_seconds} s per rate after ${lat_warmup} s warm-up" >> "$out/conditions.txt"
echo "memory: record-100 values at $mem_sizes entries" >> "$out/conditions.txt"

for step in $steps; do
  case "$step" in
    jmh)
      for t in $jmh_threads; do
        step_start "jmh-t$t"
        "$java" -jar "$jar" "$jmh_ops" -t "$t" -bm sample -tu ns -prof gc "${jmh_iter[@]}" \
          -p system="$(comma "$systems")" -p value="$jmh_values" -p distribution="$jmh_dists" -p entries=1000000 \
          -foe false -rf json -rff "$out/jmh-peers-t$t.json" ${JMH_EXTRA:-} 2>&1 | tee "$out/jmh-peers-t$t.log" \
          | grep -E '^# (Parameters|Benchmark:)|written in|^PeerBenchmark|Exception' || true
        step_end "jmh-t$t"
      done ;;
    latency)
      step_start latency
      for s in none $systems; do # none: the harness's own floor (timer, spin, preemption)
        [[ "$s" == inkv-store-view ]] && continue # the harness consumes the view the same way as the copy
        "$java" -Xms4g -Xmx4g -XX:+AlwaysPreTouch "${chronicle_flags[@]}" -cp "$jar" \
          io.inkv.benchmarks.suite.OpenLoopLatency system="$s" value=record-100 entries=1000000 \
          rates="$lat_rates" seconds="$lat_seconds" warmup="$lat_warmup" out="$out/latency.csv" 2>&1 \
          | grep -v '^WARNING' | tee -a "$out/latency.log" || echo "latency: $s failed" | tee -a "$out/latency.log"
      done
      step_end latency ;;
    memory)
      for n in $mem_sizes; do
        step_start "memory-$n"
        for s in $systems; do
          [[ "$s" == inkv-store-view ]] && continue # the same store as inkv-store
          heap=4g; [[ "$n" -gt 1000000 ]] && heap=10g
          "$java" -Xms$heap -Xmx$heap -XX:+AlwaysPreTouch "${chronicle_flags[@]}" -cp "$jar" \
            io.inkv.benchmarks.suite.MemoryFootprint system="$s" value=record-100 entries="$n" out="$out/memory.csv" 2>&1 \
            | grep -v '^WARNING' | tee -a "$out/memory.log" || echo "memory: $s at $n failed" | tee -a "$out/memory.log"
        done
        step_end "memory-$n"
      done ;;
    documents)
      step_start documents
      "$java" -jar "$jar" DocumentReadBenchmark -p docs="$doc_sizes" -bm sample -tu ns -prof gc "${jmh_iter[@]}" \
        -foe false -rf json -rff "$out/jmh-documents.json" ${JMH_EXTRA:-} 2>&1 | tee "$out/jmh-documents.log" \
        | grep -E '^DocumentReadBenchmark|Exception' || true
      step_end documents ;;
    *)
      echo "unknown step: $step (jmh, latency, memory, documents)" >&2; exit 2 ;;
  esac
done

render "$out"
# SampleTime JSON carries every sample's histogram: ~12 MB a run, ~1 MB gzipped (results-table.py reads either)
for j in "$out"/jmh-*.json; do [[ -e "$j" ]] && gzip -9f "$j"; done
echo "rendered into $here/README.md; raw results in $out"
