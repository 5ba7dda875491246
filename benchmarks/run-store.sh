#!/usr/bin/env bash
# Builds benchmarks/target/benchmarks.jar and runs the store benchmarks; raw JMH results go to
# benchmarks/results/*.json and the console log beside them.
#
#   benchmarks/run-store.sh              the quick set: get, put, get percentiles, open (~20 min)
#   benchmarks/run-store.sh get|put|sample|open   one part of it
#   SKIP_BUILD=1 benchmarks/run-store.sh ...       reuse the jar
#   JMH_QUICK="-f 1 -wi 3 -w 2s -i 5 -r 2s"        the iteration settings of get/put/sample
#   QUIET_LOAD=0.5 benchmarks/run-store.sh        before each part, wait (up to QUIET_WAIT
#                                                  seconds, default 600) for the 1-minute load
#                                                  average to drop below 0.5
#
# Stores are created under -Dinkv.bench.dir (default java.io.tmpdir) and deleted after each trial;
# the open benchmark needs about 1.5 GB free there. Run on a quiet machine: check uptime first.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
jar="$here/target/benchmarks.jar"
out="$here/results"
quick="${JMH_QUICK:--f 1 -wi 3 -w 2s -i 5 -r 2s}"
java="${JAVA:-java}"

if [[ -z "${SKIP_BUILD:-}" ]]; then
  (cd "$root" && ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests)
fi
mkdir -p "$out"

wait_quiet() {
  [[ -n "${QUIET_LOAD:-}" ]] || return 0
  local waited=0
  while awk -v max="$QUIET_LOAD" '{ exit !($1 >= max) }' /proc/loadavg && (( waited < ${QUIET_WAIT:-600} )); do
    sleep 10; waited=$((waited + 10))
  done
}

jmh() { # name, then JMH arguments
  local name="$1"; shift
  wait_quiet
  echo "== $name: load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$java" -jar "$jar" -rf json -rff "$out/$name.json" "$@" 2>&1 | tee "$out/$name.log"
}

part() {
  case "$1" in
    get)
      for t in 1 2; do
        jmh "get-t$t" 'StoreGetBenchmark' -t "$t" -bm avgt -tu ns -prof gc $quick
      done ;;
    put)
      for t in 1 2; do
        jmh "put-t$t" 'StorePutBenchmark' -t "$t" -bm avgt -tu ns -prof gc $quick
      done ;;
    sample)
      jmh "sample-t1" 'StoreGetBenchmark.get(View|Copy)' -t 1 -bm sample -tu ns \
        -p verifyChecksums=true,false $quick ;;
    open)
      jmh "open" 'StoreOpenBenchmark' ;;
    *)
      echo "unknown part: $1 (get, put, sample, open)" >&2; exit 2 ;;
  esac
}

if [[ $# -eq 0 ]]; then
  set -- get put sample open
fi
for p in "$@"; do
  part "$p"
done
