#!/usr/bin/env bash
# Beyond RAM: inkv and RocksDB reading a data set larger than the memory they are given, side by
# side in one run (io.inkv.benchmarks.store.BeyondRam; figures and conditions in
# benchmarks/README.md, "Beyond RAM"). Not part of any test run. Needs root (it drops the page
# cache and makes a cgroup v1 memory cgroup), Linux, and a benchmarks jar built on JDK 22+ so that
# the store's JDK 22 classes (read advice through madvise) are in it:
#
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 ./mvnw -B -ntp -pl benchmarks -am package -DskipTests
#   benchmarks/run-beyond-ram.sh                    # 3M x 1,000 B in a 1 GiB cgroup, 30 s a run
#   N=10000000 MEMORY=3G benchmarks/run-beyond-ram.sh   # the full scale: 10.6 GB of segments
#
# Settings (environment): N entries (3000000), VALUE bytes (1000), MEMORY of the reading JVM's
# cgroup, page cache included (1G), RUN seconds per read run (30), THREADS ("1 2"), DISTRIBUTIONS
# ("uniform zipf"), SYSTEMS ("inkv inkv-noadvice rocksdb": inkv-noadvice is inkv with
# -Dinkv.store.readAdvice=off, every fault reading the device's read-ahead window; inkv-VALUE is
# inkv with -Dinkv.store.readAdvice=VALUE, e.g. inkv-pread), DATA (/work/bench-data/beyond-ram;
# loaded once and kept, KEEP=0 deletes it at the end), JAR (benchmarks/target/benchmarks.jar),
# JAVA (java of JAVA_HOME, else java: run it with a JDK 17 to measure the JDK 17 path), HEAP
# (-Xmx384m, both), CGROUP (the memory cgroup's name, inkv-beyond-ram).
#
# Each read run: sync, drop the page cache (echo 3 > /proc/sys/vm/drop_caches), then a new JVM
# started inside the cgroup opens the store and reads for RUN seconds. Its line says ops/s,
# p50/p99/p99.9, bytes read from the device per get and major faults per get. The block device's
# read-ahead is printed at the start and left as it is.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N="${N:-3000000}"
VALUE="${VALUE:-1000}"
MEMORY="${MEMORY:-1G}"
RUN="${RUN:-30}"
THREADS="${THREADS:-1 2}"
DISTRIBUTIONS="${DISTRIBUTIONS:-uniform zipf}"
SYSTEMS="${SYSTEMS:-inkv inkv-noadvice rocksdb}"
DATA="${DATA:-/work/bench-data/beyond-ram}"
JAR="${JAR:-benchmarks/target/benchmarks.jar}"
HEAP="${HEAP:--Xmx384m}"
KEEP="${KEEP:-1}"
if [[ -n "${JAVA:-}" ]]; then java="$JAVA"; elif [[ -n "${JAVA_HOME:-}" ]]; then java="$JAVA_HOME/bin/java"; else java=java; fi
cgroup=/sys/fs/cgroup/memory/${CGROUP:-inkv-beyond-ram}

[[ $(id -u) == 0 ]] || { echo "run as root: the script drops the page cache and makes a memory cgroup" >&2; exit 2; }
[[ -d /sys/fs/cgroup/memory ]] || { echo "no cgroup v1 memory controller at /sys/fs/cgroup/memory" >&2; exit 2; }
[[ -f "$JAR" ]] || { echo "no $JAR: build it first (see the top of $0)" >&2; exit 2; }
unzip -l "$JAR" 'META-INF/versions/22/io/inkv/store/memory/ArenaMapper.class' > /dev/null 2>&1 \
  || echo "warning: $JAR has no JDK 22 store classes (built on JDK 17?): inkv runs without read advice" >&2

device=$(findmnt -no SOURCE -T "$(dirname "$DATA")" 2>/dev/null || true)
ra=$(cat "/sys/class/block/$(basename "${device:-none}")/queue/read_ahead_kb" 2>/dev/null || echo "?")
echo "== $(date -u +%FT%TZ) $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $("$java" -version 2>&1 | head -1)"
echo "== N=$N VALUE=$VALUE MEMORY=$MEMORY RUN=${RUN}s HEAP=$HEAP data on $device (read-ahead $ra KiB), load $(cut -d' ' -f1-3 /proc/loadavg)"

mkdir -p "$cgroup"
echo "$MEMORY" > "$cgroup/memory.limit_in_bytes"
trap 'rmdir "$cgroup" 2>/dev/null || true' EXIT

for system in $SYSTEMS; do
  store=${system%%-*}
  dir="$DATA/$store"
  if [[ ! -f "$dir/.loaded-$N-$VALUE" ]]; then
    rm -rf "$dir"
    "$java" $HEAP -cp "$JAR" io.inkv.benchmarks.store.BeyondRam load "$store" "$dir" "$N" "$VALUE"
    touch "$dir/.loaded-$N-$VALUE"
  fi
done

for distribution in $DISTRIBUTIONS; do
  for threads in $THREADS; do
    for system in $SYSTEMS; do
      store=${system%%-*}
      flags=(--enable-native-access=ALL-UNNAMED)
      case $system in
        *-noadvice) flags+=(-Dinkv.store.readAdvice=off) ;;
        inkv-*) flags+=("-Dinkv.store.readAdvice=${system#inkv-}") ;;
      esac
      sync
      echo 3 > /proc/sys/vm/drop_caches
      echo 0 > "$cgroup/memory.max_usage_in_bytes" 2>/dev/null || true
      # The JVM joins the cgroup before it starts: its heap and its page cache count against MEMORY.
      bash -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' _ "$cgroup" \
        "$java" $HEAP "${flags[@]}" -cp "$JAR" io.inkv.benchmarks.store.BeyondRam read "$store" "$DATA/$store" "$N" "$distribution" "$threads" "$RUN" \
        | sed "s/^read $store /read $system /"
      echo "   cgroup peak $(( $(cat "$cgroup/memory.max_usage_in_bytes") >> 20 )) MiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
    done
  done
done

if [[ "$KEEP" == 0 ]]; then
  rm -rf "$DATA"
fi
