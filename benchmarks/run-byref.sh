#!/usr/bin/env bash
# By-reference caches side by side: get of a present key (PeerBenchmark.getPresent), record-100
# values, 1M entries, uniform and Zipf keys, 1 and 2 threads, in rounds: each round runs every
# system once (one fork each) at each thread count, so a burst of the machine's other work lands
# on one round of every system rather than on all forks of one; the summary takes the median of
# the rounds.
#
#   benchmarks/run-byref.sh                    # builds the jar, 3 rounds (about 17 minutes)
#   SKIP_BUILD=1 ROUNDS=1 benchmarks/run-byref.sh
#   SYSTEMS=inkv-reference,caffeine-reference OPS='getPresent|put' benchmarks/run-byref.sh
#
# Settings: SYSTEMS (default inkv-reference, caffeine-reference, ehcache-reference, chm and
# inkv-reference-persistent), DISTS (uniform,zipf), THREADS ("1 2"), OPS (getPresent), ENTRIES
# (1000000), JMH_OPTS (-f 1 -wi 2 -w 2s -i 3 -r 2s), BM (sample: a time per operation, so p50
# and a mean that includes every outlier and the timer's own cost; avgt: the mean time per
# operation over batches, no per-operation timer, its p50 column the median iteration); always
# -prof gc. Raw JSON and logs,
# the load average before each run, and the summary (p50 and mean per round, medians, and each
# system's ratio to RATIO_TO, default caffeine-reference) go to
# benchmarks/results/byref-<time>/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
jar="$here/target/benchmarks.jar"
java="${JAVA:-java}"
ROUNDS="${ROUNDS:-3}"
SYSTEMS="${SYSTEMS:-inkv-reference,caffeine-reference,ehcache-reference,chm,inkv-reference-persistent}"
DISTS="${DISTS:-uniform,zipf}"
THREADS="${THREADS:-1 2}"
OPS="${OPS:-getPresent}"
ENTRIES="${ENTRIES:-1000000}"
RATIO_TO="${RATIO_TO:-caffeine-reference}"
JMH_OPTS="${JMH_OPTS:--f 1 -wi 2 -w 2s -i 3 -r 2s}"
BM="${BM:-sample}"

if [[ -z "${SKIP_BUILD:-}" ]]; then
  (cd "$root" && ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests)
fi
out="${OUT_DIR:-$here/results/byref-$(date -u +%Y%m%d-%H%M)}"
mkdir -p "$out"
{
  echo "== $(date -u +%FT%TZ) $(nproc) x $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $("$java" -version 2>&1 | head -1)"
  echo "commit $(cd "$root" && git rev-parse --short HEAD)$(cd "$root" && git diff --quiet -- store jcache-provider || echo ' + uncommitted changes in store/ or jcache-provider/')"
  echo "systems $SYSTEMS; ops $OPS; record-100; $ENTRIES entries; keys $DISTS; threads $THREADS; $ROUNDS rounds of $JMH_OPTS -bm $BM -prof gc"
} | tee "$out/summary.txt"
for round in $(seq "$ROUNDS"); do
  for t in $THREADS; do
    file="$out/r$round-t$t"
    echo "== round $round, $t thread(s): load $(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%H:%M:%S)" | tee -a "$out/summary.txt"
    # shellcheck disable=SC2086
    "$java" -jar "$jar" "PeerBenchmark.($OPS)\$" -t "$t" -bm "$BM" -tu ns -prof gc $JMH_OPTS \
      -p system="$SYSTEMS" -p value=record-100 -p distribution="$DISTS" -p entries="$ENTRIES" \
      -foe false -rf json -rff "$file.json" > "$file.log" 2>&1 || echo "   failed: see $file.log" | tee -a "$out/summary.txt"
  done
done
echo "== end $(date -u +%FT%TZ): load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/summary.txt"

python3 - "$out" "$SYSTEMS" "$RATIO_TO" <<'EOF' | tee -a "$out/summary.txt"
import glob, json, os, re, statistics, sys
d, order, base = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
cells = {}
for f in sorted(glob.glob(os.path.join(d, "r*-t*.json"))):
    m = re.match(r"r(\d+)-t(\d+)\.json", os.path.basename(f))
    for r in json.load(open(f)):
        p = r["params"]
        pm = r["primaryMetric"]
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        key = (r["benchmark"].split(".")[-1], p["distribution"], int(m.group(2)), p["system"])
        cells.setdefault(key, []).append((int(m.group(1)), pm["scorePercentiles"]["50.0"], pm["score"], alloc))

def med(key, i):
    xs = [x[i] for x in cells.get(key, []) if x[i] is not None]
    return statistics.median(xs) if xs else float("nan")

print()
print(f"| op | keys | threads | system | p50 ns (rounds) | mean ns (rounds) | median p50 | median mean | B/op | p50 / {base} | mean / {base} |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for key in sorted(cells, key=lambda k: (k[0], k[1], k[2], order.index(k[3]) if k[3] in order else 99)):
    rs = sorted(cells[key])
    b = (key[0], key[1], key[2], base)
    p50, mean = med(key, 1), med(key, 2)
    print(f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | {', '.join(f'{x[1]:,.0f}' for x in rs)} | "
          f"{', '.join(f'{x[2]:,.0f}' for x in rs)} | {p50:,.0f} | {mean:,.0f} | {med(key, 3):.1f} | "
          f"{p50 / med(b, 1):.2f} | {mean / med(b, 2):.2f} |")
EOF
gzip -9f "$out"/*.json
echo "raw results in $out"
