#!/usr/bin/env bash
# Hit ratio of inkv (by value and by reference), Caffeine, Ehcache's heap tier, LRU and FIFO, each
# driven through its public API (JCache for the first four): every trace in $TRACES (gzip, one
# integer key per line) at 5, 20 and 40% of its distinct keys (loop.trace.gz at 500 and 1,000),
# and synthetic Zipf traces (s 0.6, 0.8, 0.99, 1.2; with and without one-time scans) at 0.5, 2, 10
# and 40% of their keys. Writes the Markdown table (with the mean and worst gap of each system to
# Caffeine), the CSV and a chart (hit ratio against cache size for three traces) to
# benchmarks/results/hit-ratio-<time>/.
#
#   benchmarks/run-hit-ratio.sh                  # builds the jar first
#   SKIP_BUILD=1 TRACES=../shared/traces/lirs benchmarks/run-hit-ratio.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TRACES="${TRACES:-../shared/traces/lirs}"
java="${JAVA:-java}"
jar=benchmarks/target/benchmarks.jar
if [[ -z "${SKIP_BUILD:-}" ]]; then
  ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests
fi
out="benchmarks/results/hit-ratio-$(date -u +%Y%m%d-%H%M)"
mkdir -p "$out"
specs=()
for f in "$TRACES"/*.gz; do
  case "$(basename "$f")" in
    loop.*) specs+=("$f:500,1000") ;;
    *) specs+=("$f:5%,20%,40%") ;;
  esac
done
for s in 0.6 0.8 0.99 1.2; do
  specs+=("zipf-$s:0.5%,2%,10%,40%" "zipf-$s-scan:0.5%,2%,10%,40%")
done
{
  echo "$(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $("$java" -version 2>&1 | head -1)"
} > "$out/conditions.txt"
"$java" -Xmx2g -cp "$jar" io.inkv.benchmarks.hitratio.HitRatio --csv "$out/results.csv" "${specs[@]}" \
  2> "$out/stderr.log" | tee "$out/table.md"
# the chart: three traces at more sizes
chart=("$TRACES/multi2.trace.gz:1%,2%,5%,10%,20%,40%" "$TRACES/loop.trace.gz:250,500,750,1000,1010" \
  "zipf-0.99-scan:0.5%,1%,2%,5%,10%,20%,40%")
"$java" -Xmx2g -cp "$jar" io.inkv.benchmarks.hitratio.HitRatio --csv "$out/chart.csv" "${chart[@]}" \
  2>> "$out/stderr.log" > "$out/chart-table.md"
"$java" -cp "$jar" io.inkv.benchmarks.hitratio.HitRatioChart "$out/chart.csv" "$out/hit-ratio.png" \
  multi2 loop zipf-0.99-scan
echo "results in $out"
