#!/usr/bin/env bash
# The peer suite: inkv against Caffeine, Ehcache, Chronicle Map, ConcurrentHashMap and Redis, in
# one run, with the same JVM flags; raw results under benchmarks/results/suite-<mode>-<date>/,
# tables and charts rendered into benchmarks/README.md (the section between the suite markers).
#
#   benchmarks/run-suite.sh quick    a check after a change, under 10 minutes: record-100 values,
#                                    uniform keys, 1 thread, getPresent and mix, short iterations;
#                                    open-loop latency at 25K/100K/1M req/s; memory at 1M; documents
#   benchmarks/run-suite.sh targets  what the suite's targets need, in about 25 minutes:
#                                    record-100 and string-100, uniform, 1 thread, all four
#                                    operations; latency 10K-1M req/s; memory at 1M; documents
#                                    at 10K and 1M
#   benchmarks/run-suite.sh full     every workload of the suite, in about an hour on an idle
#                                    2-core machine (longer under load): four value kinds, uniform
#                                    and Zipf, 1 and 2 threads, getPresent/getAbsent/put/mix, 1M
#                                    entries: 768 benchmarks in 96 JVMs, one per system, value kind
#                                    and distribution, each populated once and running its 8
#                                    benchmarks unforked (SuiteDriver: getPresent, getAbsent, mix,
#                                    put, each at 1 then 2 threads; warm-up 2x1 s for the first run,
#                                    1x500 ms for the rest; measurement 3x500 ms), 22-37 s a JVM,
#                                    about 44 minutes; latency 10K-1M req/s, 5 s per rate after 3 s
#                                    warm-up (about 6 min); memory at 1M and 10M (about 7 min);
#                                    documents at 10K and 1M with the targets settings (2 min)
#
#   SKIP_BUILD=1          reuse benchmarks/target/benchmarks.jar
#   QUIET_LOAD=1.0        before each step, wait (up to QUIET_WAIT seconds, default 600) for the
#                         1-minute load average to drop below 1.0; the load is recorded either way
#   SYSTEMS="a b c"       only these systems (default: all of Peers.SYSTEMS)
#   STEPS="jmh latency memory documents"   only these steps (then render)
#   JMH_EXTRA="..."       more JMH options, e.g. -jvmArgsPrepend "-XX:+UseParallelGC" (full mode:
#                         documents step only; its peer step does not run JMH's command line)
#   ENTRIES=20000         entries in the jmh step's systems (default 1000000), for test runs
#   SUITE_ITER="..."      full mode's SuiteDriver iterations (default
#                         "first-warmup=2x1s warmup=1x500ms measurement=3x500ms")
#   VALUES, DISTS, THREADS, OPS, JMH_ITER, RATES, MEM_SIZES, DOCS   override the mode's choices
#                         (VALUES=record-100,string-100 THREADS="1 2" OPS='getPresent|put'
#                         JMH_ITER="-f 1 -wi 3 -w 2s -i 5 -r 2s" RATES=25000,100000 MEM_SIZES=1000000 DOCS=10000;
#                         in full mode JMH_ITER is the documents step's)
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

all_systems="inkv-jcache inkv-reference inkv-store inkv-store-view caffeine-value caffeine-reference ehcache-heap ehcache-reference ehcache-offheap chronicle chm redis"
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
  # the peers run through SuiteDriver (suite_iter), not JMH's command line: jmh_iter is the documents'
  jmh_iter=(-f 1 -wi 2 -w 1s -i 3 -r 1s)
  suite_iter=(first-warmup=2x1s warmup=1x500ms measurement=3x500ms)
  jmh_ops='PeerBenchmark.(getPresent|getAbsent|put|mix)$'
  jmh_values=string-100,string-1k,record-100,record-1k
  jmh_dists=uniform,zipf
  jmh_threads="1 2"
  lat_rates=10000,25000,100000,250000,1000000; lat_seconds=5; lat_warmup=3
  mem_sizes="1000000 10000000"
  doc_sizes=10000,1000000
fi
# overrides, e.g. a targets run: VALUES=record-100,string-100 OPS='getPresent|mix' benchmarks/run-suite.sh quick
[[ -n "${JMH_ITER:-}" ]] && read -r -a jmh_iter <<< "$JMH_ITER"
[[ -n "${OPS:-}" ]] && jmh_ops="PeerBenchmark.(${OPS})\$"
[[ -n "${SUITE_ITER:-}" ]] && read -r -a suite_iter <<< "$SUITE_ITER"
entries="${ENTRIES:-1000000}"
jmh_values="${VALUES:-$jmh_values}"; jmh_dists="${DISTS:-$jmh_dists}"; jmh_threads="${THREADS:-$jmh_threads}"
lat_rates="${RATES:-$lat_rates}"; mem_sizes="${MEM_SIZES:-$mem_sizes}"; doc_sizes="${DOCS:-$doc_sizes}"
if [[ "$mode" == full ]]; then
  echo "jmh: one JVM per system, value kind and distribution (SuiteDriver), its runs not forked and sharing one populated system, in the order getPresent, getAbsent, mix, put, each at threads $(comma "$jmh_threads"); ${suite_iter[*]} -bm sample -prof gc; values $jmh_values; keys $jmh_dists${ENTRIES:+; $entries entries}" >> "$out/conditions.txt"
  echo "jmh: documents ${jmh_iter[*]} -bm sample -prof gc" >> "$out/conditions.txt"
else
  echo "jmh: ${jmh_iter[*]} -bm sample -prof gc; values $jmh_values; keys $jmh_dists; threads $jmh_threads${ENTRIES:+; $entries entries}" >> "$out/conditions.txt"
fi
echo "latency: get of present record-100 keys, uniform, 1M entries; rates $lat_rates; ${lat_seconds} s per rate after ${lat_warmup} s warm-up" >> "$out/conditions.txt"
echo "memory: record-100 values at $mem_sizes entries" >> "$out/conditions.txt"

# full mode's JMH step: one JVM per (system, value kind, distribution) runs that combination's
# operations at every thread count, not forked, on one populated system (SuiteDriver, which says
# why and in what order), instead of one fork per benchmark that populates 1M entries for a few
# seconds of measurement (640 forks, about 2 hours). The JVM gets exactly the flags JMH gives a
# forked PeerBenchmark (SuiteDriver jvm-flags prints them: @Fork's heap and Chronicle Map flags,
# then JMH's compiler-blackhole and compiler-hint flags), so its figures compare with quick and
# targets runs. Each JVM writes jmh/<system>-<value>-<distribution>-t<threads>.json; they are
# merged into jmh-peers-t<threads>.json, the files quick and targets runs write.
full_jmh() {
  step_start jmh
  mkdir -p "$out/jmh"
  local flags
  mapfile -t flags < <("$java" -cp "$jar" io.inkv.benchmarks.suite.SuiteDriver jvm-flags hints="$out/jmh-compilecommand")
  if [[ "${flags[*]}" != *-Xmx4g*CompileCommandFile* ]]; then
    echo "jmh: SuiteDriver jvm-flags gave no usable flags: ${flags[*]}" >&2; exit 1
  fi
  echo "jmh jvm: ${flags[*]} -Dinkv.suite.shared=true" >> "$out/conditions.txt"
  local ops
  ops="$(echo "${OPS:-getPresent|getAbsent|mix|put}" | tr '|' ',')"
  for s in $systems; do
    for v in ${jmh_values//,/ }; do
      for d in ${jmh_dists//,/ }; do
        "$java" "${flags[@]}" -Dinkv.suite.shared=true -cp "$jar" io.inkv.benchmarks.suite.SuiteDriver \
          system="$s" value="$v" distribution="$d" entries="$entries" threads="$(comma "$jmh_threads")" ops="$ops" \
          "${suite_iter[@]}" out="$out/jmh" 2>&1 | tee -a "$out/jmh-peers.log" \
          | grep -E '^# suite: .*(runs|FAILED)|Exception' \
          || echo "jmh: $s $v $d failed (see jmh-peers.log)" | tee -a "$out/jmh-peers.log"
      done
    done
  done
  for t in $jmh_threads; do
    python3 - "$out/jmh" "$t" "$out/jmh-peers-t$t.json" <<'EOF'
import glob, json, os, sys
runs = []
for f in sorted(glob.glob(os.path.join(sys.argv[1], f"*-t{sys.argv[2]}.json"))):
    runs += json.load(open(f))
if runs:
    json.dump(runs, open(sys.argv[3], "w"))
print(f"jmh: {len(runs)} runs at {sys.argv[2]} thread(s) merged into {sys.argv[3]}")
EOF
  done
  rm -f "$out"/jmh/*.json && rmdir "$out/jmh" 2>/dev/null || true
  step_end jmh
}

for step in $steps; do
  case "$step" in
    jmh)
      if [[ "$mode" == full ]]; then
        full_jmh
        continue
      fi
      for t in $jmh_threads; do
        step_start "jmh-t$t"
        "$java" -jar "$jar" "$jmh_ops" -t "$t" -bm sample -tu ns -prof gc "${jmh_iter[@]}" \
          -p system="$(comma "$systems")" -p value="$jmh_values" -p distribution="$jmh_dists" -p entries="$entries" \
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
