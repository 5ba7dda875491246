package io.inkv.benchmarks.suite;

import io.inkv.benchmarks.store.Keys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/*
 * Latency at a fixed request rate, the way IKV reports it: one system (Peers), populated, then gets
 * of present keys (uniform) issued on a schedule at each target rate in turn; avg / p50 / p99 /
 * p99.9 of each rate, written as one CSV row per rate.
 *
 * Open loop, corrected for coordinated omission: request i is due at start + i / rate. The
 * generator thread waits (spinning) until a request is due, issues it, and records
 * completion - due time, not completion - issue time. A system that stalls therefore pays for
 * every request that was due during the stall, as a real client population would see it, instead
 * of the stall delaying the later requests' start and hiding them (closed-loop benchmarks,
 * JMH included, have that bias).
 *
 * A rate is "held" when the requests finished no later than 1% plus 1 ms after the schedule's
 * end, that is, the system completed them as fast as they were due. A rate that is not held has
 * an unbounded queue: its percentiles grow with the run's length and are reported only to show
 * that. To keep a slow system (Redis at 1M/s) from running for minutes, the schedule is cut at
 * twice its length; the row then says how many requests completed. Rates are run in the order
 * given (ascending), and the first rate not held ends the run: a higher one cannot be held either.
 *
 * One generator thread issues every request, so a rate above 1 / (service time + ~50 ns of
 * timing) cannot be held by construction: this is one client's view, as in IKV's figures.
 *
 * usage: OpenLoopLatency system=inkv-jcache value=record-100 entries=1000000
 *            rates=25000,100000,1000000 seconds=5 warmup=5 out=latency.csv
 */
public final class OpenLoopLatency {
  private OpenLoopLatency() {}

  public static void main(String[] args) throws Exception {
    Args a = new Args(args);
    String system = a.get("system", "inkv-jcache");
    ValueKind kind = ValueKind.of(a.get("value", "record-100"));
    int entries = Integer.parseInt(a.get("entries", "1000000"));
    List<Long> rates = new ArrayList<>();
    for (String r : a.get("rates", "25000,100000,1000000").split(",")) {
      rates.add(Long.parseLong(r.trim()));
    }
    double seconds = Double.parseDouble(a.get("seconds", "5"));
    double warmup = Double.parseDouble(a.get("warmup", "5"));
    Path out = Paths.get(a.get("out", "latency.csv"));

    if (system.equals("redis") && Peers.RedisPeer.unreachableReason() != null) {
      System.out.println("skipping redis: " + Peers.RedisPeer.unreachableReason());
      return;
    }
    Peer peer = Peers.open(system, kind, entries);
    try {
      long t0 = System.nanoTime();
      Peers.populate(peer, kind, entries);
      System.out.printf(Locale.ROOT, "%s: %,d %s values written in %.1f s%n", system, entries, kind.label(),
          (System.nanoTime() - t0) / 1e9);
      int[] samples = Keys.samples("uniform", entries, 7);
      Peer.Client client = peer.client();

      // warm-up, closed loop: compile the get path before any rate is measured
      long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
      long n = 0;
      while (System.nanoTime() < warmEnd) {
        if (client.get(samples[(int) (n++ & (Keys.SAMPLES - 1))]) == null) {
          throw new IllegalStateException(system + ": a present key was not found");
        }
      }
      if (!Files.exists(out)) {
        Files.writeString(out, "system,value,entries,op,rate,seconds,scheduled,completed,achieved_per_s,held,"
            + "avg_ns,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,load1\n", StandardCharsets.UTF_8);
      }
      for (long rate : rates) {
        // a short unrecorded lead-in at the rate, then the measured schedule
        run(client, samples, rate, Math.min(1.0, seconds / 4), null);
        Histogram h = new Histogram(3_600_000_000_000L, 3);
        Result r = run(client, samples, rate, seconds, h);
        String row = String.format(Locale.ROOT, "%s,%s,%d,get,%d,%.1f,%d,%d,%.0f,%s,%.0f,%d,%d,%d,%d,%d,%s%n",
            system, kind.label(), entries, rate, seconds, r.scheduled, r.completed, r.achieved, r.held ? "yes" : "no",
            h.getMean(), h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99),
            h.getValueAtPercentile(99.9), h.getMaxValue(), load());
        System.out.print(row);
        Files.writeString(out, row, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        if (!r.held) {
          System.out.println(system + ": " + rate + "/s not held; higher rates skipped");
          break;
        }
      }
    } finally {
      peer.close();
    }
  }

  private record Result(long scheduled, long completed, double achieved, boolean held) {}

  private static Result run(Peer.Client client, int[] samples, long rate, double seconds, Histogram h) {
    long scheduled = (long) (rate * seconds);
    long length = (long) (seconds * 1e9);
    long start = System.nanoTime() + 1_000_000;
    long cutoff = start + 2 * length + 1_000_000_000L;
    int next = 17;
    long i = 0;
    long end = start;
    for (; i < scheduled; i++) {
      long due = start + i * 1_000_000_000L / rate;
      while (System.nanoTime() < due) {
        Thread.onSpinWait();
      }
      Object v = client.get(samples[next++ & (Keys.SAMPLES - 1)]);
      end = System.nanoTime();
      if (v == null) {
        throw new IllegalStateException("a present key was not found");
      }
      if (h != null) {
        h.recordValue(end - due);
      }
      if (end > cutoff) {
        i++;
        break;
      }
    }
    double elapsed = (end - start) / 1e9;
    boolean held = i == scheduled && end - start <= length * 1.01 + 1_000_000;
    return new Result(scheduled, i, i / Math.max(elapsed, 1e-9), held);
  }

  static String load() {
    try {
      return Files.readString(Paths.get("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "";
    }
  }

  /** key=value arguments. */
  static final class Args {
    private final java.util.Map<String, String> values = new java.util.HashMap<>();

    Args(String[] args) {
      for (String arg : args) {
        int eq = arg.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("arguments are key=value: " + arg);
        }
        values.put(arg.substring(0, eq), arg.substring(eq + 1));
      }
    }

    String get(String key, String otherwise) {
      return values.getOrDefault(key, otherwise);
    }
  }

  static void appendLine(Path out, String header, String row) {
    try {
      if (!Files.exists(out)) {
        Files.writeString(out, header + "\n", StandardCharsets.UTF_8);
      }
      Files.writeString(out, row + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out, e);
    }
  }
}
