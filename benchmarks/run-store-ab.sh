#!/usr/bin/env bash
# Two builds of the store side by side in the store's JMH set (StoreGetBenchmark and
# StorePutBenchmark: 1M entries, 100-byte values, uniform and Zipf keys, 1 and 2 threads),
# alternating, so a change to the store is compared with its base in one run on the same noisy
# machine:
#
#   benchmarks/run-store-ab.sh base-benchmarks.jar new-benchmarks.jar
#   ROUNDS=3 THREADS="1 2" PARTS="get put" benchmarks/run-store-ab.sh base.jar new.jar
#
# (build a jar from a checkout of each commit: ./mvnw -B -ntp -q -pl benchmarks -am package
# -DskipTests; the jar is benchmarks/target/benchmarks.jar, copy it out before building the
# other.) Each round runs every part at every thread count for A, then for B, each in its own fork
# with the benchmark's own heap; JMH_OPTS sets the iterations (default: 3 warm-up and 5 measured
# iterations of 2 s). The raw JSON of every run and a summary table (ns/op per round, and B/A of
# the medians) go to benchmarks/results/store-ab-<time>/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ $# -eq 2 ]] || { echo "usage: $0 base.jar new.jar" >&2; exit 2; }
jars=("$1" "$2")
ROUNDS="${ROUNDS:-2}"
THREADS="${THREADS:-1 2}"
PARTS="${PARTS:-get put}"
JMH_OPTS="${JMH_OPTS:--f 1 -wi 3 -w 2s -i 5 -r 2s}"
java="${JAVA:-java}"
out="benchmarks/results/store-ab-$(date -u +%Y%m%d-%H%M)"
mkdir -p "$out"

echo "== $(date -u +%FT%TZ) $(nproc) cores, $("$java" -version 2>&1 | head -1); A = $1, B = $2" | tee "$out/summary.txt"
for round in $(seq "$ROUNDS"); do
  for part in $PARTS; do
    case "$part" in
      get) pattern='io.inkv.benchmarks.store.StoreGetBenchmark' ;;
      put) pattern='io.inkv.benchmarks.store.StorePutBenchmark' ;;
      *) echo "unknown part: $part (get, put)" >&2; exit 2 ;;
    esac
    for t in $THREADS; do
      for i in 0 1; do
        name=$([[ $i == 0 ]] && echo A || echo B)
        file="$out/r$round-$part-t$t-$name"
        echo "== round $round, $part, $t thread(s), $name: load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/summary.txt"
        # shellcheck disable=SC2086
        "$java" -jar "${jars[$i]}" "$pattern" -t "$t" -bm avgt -tu ns $JMH_OPTS -rf json -rff "$file.json" > "$file.log" 2>&1
      done
    done
  done
done

# One row per benchmark, distribution and thread count: A and B in every round, then B/A of the medians.
summary="$(mktemp -d)/Summary.java"
cat > "$summary" <<'JAVA'
import java.nio.file.*;
import java.util.*;
import java.util.regex.*;

public class Summary {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Pattern file = Pattern.compile("r(\\d+)-(\\w+)-t(\\d+)-([AB])\\.json");
    Pattern row = Pattern.compile("\"benchmark\"\\s*:\\s*\"[^\"]*\\.(\\w+)\".*?\"distribution\"\\s*:\\s*\"(\\w+)\".*?\"primaryMetric\"\\s*:\\s*\\{\\s*\"score\"\\s*:\\s*([0-9.Ee+-]+)", Pattern.DOTALL);
    Map<String, Map<String, List<Double>>> scores = new TreeMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
      for (Path p : files) {
        Matcher f = file.matcher(p.getFileName().toString());
        if (!f.matches()) continue;
        String json = Files.readString(p);
        // split the JSON array into one chunk per benchmark result
        for (String chunk : json.split("\\{\\s*\"jmhVersion\"")) {
          Matcher m = row.matcher(chunk);
          if (m.find()) {
            String key = String.format("%-10s %-8s t%s", m.group(1), m.group(2), f.group(3));
            scores.computeIfAbsent(key, k -> new TreeMap<>()).computeIfAbsent(f.group(4), k -> new ArrayList<>())
                .add(Double.parseDouble(m.group(3)));
          }
        }
      }
    }
    System.out.printf("%-23s %-28s %-28s %s%n", "benchmark", "A ns/op (rounds)", "B ns/op (rounds)", "B/A (medians)");
    for (var e : scores.entrySet()) {
      List<Double> a = e.getValue().getOrDefault("A", List.of());
      List<Double> b = e.getValue().getOrDefault("B", List.of());
      System.out.printf("%-23s %-28s %-28s %.3f%n", e.getKey(), fmt(a), fmt(b), median(b) / median(a));
    }
  }

  static String fmt(List<Double> xs) {
    StringJoiner j = new StringJoiner(", ");
    for (double x : xs) j.add(String.format("%.1f", x));
    return j.toString();
  }

  static double median(List<Double> xs) {
    if (xs.isEmpty()) return Double.NaN;
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }
}
JAVA
"$java" "$summary" "$out" | tee -a "$out/summary.txt"
rm -r "$(dirname "$summary")"
