#!/usr/bin/env bash
# Two builds of the JCache provider side by side in the peer suite's JMH benchmark (PeerBenchmark:
# get of a present key and overwrite, record-100 values, 1M entries), alternating, so a change to
# the provider is compared with its base in one run on the same noisy machine, as
# run-store-ab.sh does for the store:
#
#   benchmarks/run-jcache-ab.sh base-benchmarks.jar new-benchmarks.jar
#   ROUNDS=3 THREADS="1 2" PARTS="get put" DISTS=uniform,zipf SYSTEMS=inkv-jcache benchmarks/run-jcache-ab.sh A.jar B.jar
#   SYSTEMS=inkv-reference,caffeine-reference RATIO_TO=caffeine-reference DISTS=uniform,zipf THREADS="1 2" \
#     PARTS=get BM=avgt benchmarks/run-jcache-ab.sh A.jar B.jar    # by reference, and each build against Caffeine
#
# (build a jar from a checkout of each commit, e.g. git worktree add /tmp/wt-base <commit> and
# ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests there; copy the jars out before
# building another.) Each round runs every part at every thread count for A, then for B, each in
# its own fork (one JMH invocation per jar, part and thread count; SYSTEMS and DISTS are JMH
# parameters inside it). SampleTime by default, so each run gives a mean and a median (p50); BM=avgt
# measures the mean over batches instead, with no timer per operation (its p50 column is then the
# median iteration). With RATIO_TO=<system>, a second table gives each round's ratio of every other
# system to that one, within each build's run. JMH_OPTS sets
# the iterations (default 1 fork, 3 warm-up and 3 measured iterations of 2 s). The raw JSON and
# log of every run and a summary (mean and p50 per round, and B/A of the medians over rounds of
# each) go to benchmarks/results/jcache-ab-<time>/, with the 1-minute load average before each run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ $# -eq 2 ]] || { echo "usage: $0 base.jar new.jar" >&2; exit 2; }
for j in "$1" "$2"; do
  [[ -f "$j" ]] || { echo "no such jar: $j" >&2; exit 2; }
done
jars=("$1" "$2")
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-1}"
PARTS="${PARTS:-get put}"
DISTS="${DISTS:-uniform}"
SYSTEMS="${SYSTEMS:-inkv-jcache}"
ENTRIES="${ENTRIES:-1000000}"
JMH_OPTS="${JMH_OPTS:--f 1 -wi 3 -w 2s -i 3 -r 2s}"
BM="${BM:-sample}"
RATIO_TO="${RATIO_TO:-}"
java="${JAVA:-java}"
out="${OUT_DIR:-benchmarks/results/jcache-ab-$(date -u +%Y%m%d-%H%M)}"
mkdir -p "$out"

{
  echo "== $(date -u +%FT%TZ) $(nproc) x $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $("$java" -version 2>&1 | head -1)"
  echo "A = $1"
  echo "B = $2"
  echo "systems $SYSTEMS, record-100, $ENTRIES entries, keys $DISTS, threads $THREADS, parts $PARTS, $ROUNDS rounds, $JMH_OPTS -bm $BM -prof gc"
} | tee "$out/summary.txt"
for round in $(seq "$ROUNDS"); do
  for part in $PARTS; do
    case "$part" in
      get) pattern='io.inkv.benchmarks.suite.PeerBenchmark.getPresent$' ;;
      put) pattern='io.inkv.benchmarks.suite.PeerBenchmark.put$' ;;
      *) echo "unknown part: $part (get, put)" >&2; exit 2 ;;
    esac
    for t in $THREADS; do
      for i in 0 1; do
        name=$([[ $i == 0 ]] && echo A || echo B)
        file="$out/r$round-$part-t$t-$name"
        echo "== round $round, $part, $t thread(s), $name: load $(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%H:%M:%S)" | tee -a "$out/summary.txt"
        # shellcheck disable=SC2086
        "$java" -jar "${jars[$i]}" "$pattern" -t "$t" -bm "$BM" -tu ns -prof gc $JMH_OPTS \
          -p system="$SYSTEMS" -p value=record-100 -p distribution="$DISTS" -p entries="$ENTRIES" \
          -rf json -rff "$file.json" > "$file.log" 2>&1 || echo "   failed: see $file.log" | tee -a "$out/summary.txt"
      done
    done
  done
done
echo "== end $(date -u +%FT%TZ): load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/summary.txt"

# One row per system, part, distribution and thread count: mean and p50 in every round for A and
# B, then B/A of the medians over rounds.
python3 - "$out" "$RATIO_TO" <<'EOF' | tee -a "$out/summary.txt"
import glob, json, os, re, statistics, sys
d, ratio_to = sys.argv[1], sys.argv[2]
rows = {}
for f in sorted(glob.glob(os.path.join(d, "r*-*-t*-[AB].json"))):
    m = re.match(r"r(\d+)-(\w+)-t(\d+)-([AB])\.json", os.path.basename(f))
    if not m:
        continue
    for r in json.load(open(f)):
        p = r["params"]
        key = (p["system"], m.group(2), p["distribution"], int(m.group(3)))
        pm = r["primaryMetric"]
        rows.setdefault(key, {"A": [], "B": []})[m.group(4)].append(
            (int(m.group(1)), pm["score"], pm["scorePercentiles"]["50.0"]))

def fmt(xs):
    return ", ".join(f"{x:,.0f}" for x in xs)

print()
print("| system | part | keys | threads | A mean (rounds) | B mean (rounds) | B/A mean | A p50 (rounds) | B p50 (rounds) | B/A p50 |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for key in sorted(rows):
    a = sorted(rows[key]["A"]); b = sorted(rows[key]["B"])
    if not a or not b:
        continue
    am = [x[1] for x in a]; bm = [x[1] for x in b]; ap = [x[2] for x in a]; bp = [x[2] for x in b]
    print(f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | {fmt(am)} | {fmt(bm)} | "
          f"{statistics.median(bm) / statistics.median(am):.3f} | {fmt(ap)} | {fmt(bp)} | "
          f"{statistics.median(bp) / statistics.median(ap):.3f} |")

if ratio_to:
    print()
    print(f"Each round's mean over {ratio_to}'s in the same build's run:")
    print()
    print("| system | part | keys | threads | A (rounds) | A median | B (rounds) | B median |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for key in sorted(rows):
        base = rows.get((ratio_to,) + key[1:])
        if key[0] == ratio_to or base is None:
            continue
        cells = []
        for side in "AB":
            mine = {r: m for r, m, _ in rows[key][side]}
            theirs = {r: m for r, m, _ in base[side]}
            ratios = [mine[r] / theirs[r] for r in sorted(mine) if r in theirs]
            cells.append(", ".join(f"{x:.2f}" for x in ratios))
            cells.append(f"{statistics.median(ratios):.2f}" if ratios else "n/a")
        print(f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | " + " | ".join(cells) + " |")
EOF
# SampleTime JSON carries every sample's histogram; compress it
gzip -9f "$out"/*.json
echo "raw results in $out"
