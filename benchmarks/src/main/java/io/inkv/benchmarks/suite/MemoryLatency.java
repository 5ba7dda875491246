package io.inkv.benchmarks.suite;

import io.inkv.benchmarks.store.Keys;
import java.util.SplittableRandom;

/*
 * The machine's memory latency, to read the other figures against: a walk of one random cycle
 * through an int[] (each element holds the index of the next, so every load waits for the one
 * before, and no prefetcher can guess the next address), for arrays from cache-sized to larger
 * than any cache. Nanoseconds per load, the median of five walks of 5M loads each.
 *
 * A get of a present key at 1M entries is two to four such loads in a row (index, record or node,
 * key), so hosts whose last line differs by 3x give gets that differ by nearly as much; compare
 * systems within one run, and carry this figure with any absolute time.
 *
 * usage: java -Xms3g -Xmx3g -XX:+AlwaysPreTouch -cp benchmarks/target/benchmarks.jar \
 *          io.inkv.benchmarks.suite.MemoryLatency [MiB ...]      (default 1 16 64 256 1024)
 */
public final class MemoryLatency {
  private static final int LOADS = 5_000_000;

  private MemoryLatency() {}

  public static void main(String[] args) {
    int[] sizes = args.length == 0 ? new int[] {1, 16, 64, 256, 1024} : new int[args.length];
    for (int i = 0; i < args.length; i++) {
      sizes[i] = Integer.parseInt(args[i]);
    }
    for (int mib : sizes) {
      int n = (int) Math.min((long) mib << 18, Integer.MAX_VALUE - 8); // ints in mib MiB
      int[] next = cycle(n, new SplittableRandom(42));
      double[] walks = new double[5];
      int sink = 0;
      for (int w = 0; w < walks.length; w++) {
        int p = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < LOADS; i++) {
          p = next[p];
        }
        walks[w] = (System.nanoTime() - t0) / (double) LOADS;
        sink += p;
      }
      java.util.Arrays.sort(walks);
      // the sum of the walks' ends is printed so that the compiler cannot drop the walks
      System.out.printf("%,6d MiB: %6.1f ns per dependent load (walks %.1f-%.1f; ends %d)%n", mib, walks[2], walks[0],
          walks[walks.length - 1], sink);
    }
  }

  /** An array whose elements form one cycle through every index, in random order. */
  private static int[] cycle(int n, SplittableRandom random) {
    int[] order = Keys.permutation(n, random);
    int[] next = new int[n];
    for (int i = 0; i < n; i++) {
      next[order[i]] = order[(i + 1) % n];
    }
    return next;
  }
}
