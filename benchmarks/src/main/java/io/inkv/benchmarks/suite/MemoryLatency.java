package io.inkv.benchmarks.suite;

import io.inkv.benchmarks.store.Keys;
import io.inkv.store.memory.MappedFile;
import io.inkv.store.memory.Region;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The same cycle is then walked in a file made as a segment file is (MappedFile.create: written
 * with zeros through the channel, then mapped read-write; in java.io.tmpdir), since a store's
 * record reads are loads from such a mapping, not from the heap. How the file's page cache was
 * written decides how the kernel can map it: on the test VM, with segments written in 1 MiB writes
 * the walk took 1.2-1.9x the heap's time at 256 MiB and 7x at 1 GiB; in 2 MiB writes (mapped in
 * 2 MiB pages) about the heap's (benchmarks/README.md, "Segment files written in 2 MiB writes").
 *
 * usage: java -Xms3g -Xmx3g -XX:+AlwaysPreTouch -cp benchmarks/target/benchmarks.jar \
 *          io.inkv.benchmarks.suite.MemoryLatency [MiB ...]      (default 1 16 64 256 1024)
 */
public final class MemoryLatency {
  private static final int LOADS = 5_000_000;

  private MemoryLatency() {}

  public static void main(String[] args) throws IOException {
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
      double[] mapped = new double[walks.length];
      sink += walkMapped(next, mapped);
      java.util.Arrays.sort(mapped);
      // the sum of the walks' ends is printed so that the compiler cannot drop the walks
      System.out.printf("%,6d MiB: %6.1f ns per dependent load (walks %.1f-%.1f); mapped file %6.1f ns (%.1f-%.1f; ends %d)%n",
          mib, walks[2], walks[0], walks[walks.length - 1], mapped[2], mapped[0], mapped[mapped.length - 1], sink);
    }
  }

  /** Walks {@code next}'s cycle in a copy of it in a segment-made file, once per element of {@code walks}; returns the ends' sum. */
  private static int walkMapped(int[] next, double[] walks) throws IOException {
    Path file = Files.createTempFile("inkv-memory-latency", ".seg");
    Files.delete(file); // MappedFile.create makes the file itself
    long bytes = (long) next.length * Integer.BYTES;
    if (bytes > MappedFile.MAX_SIZE) {
      java.util.Arrays.fill(walks, Double.NaN);
      return 0;
    }
    try (MappedFile mapped = MappedFile.create(file, (int) ((bytes + 4095) & ~4095L))) {
      Region region = mapped.region();
      for (int i = 0; i < next.length; i++) {
        region.putInt(i * Integer.BYTES, next[i]);
      }
      int sink = 0;
      for (int w = 0; w < walks.length; w++) {
        int p = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < LOADS; i++) {
          p = region.getInt(p * Integer.BYTES);
        }
        walks[w] = (System.nanoTime() - t0) / (double) LOADS;
        sink += p;
      }
      return sink;
    } finally {
      Files.deleteIfExists(file);
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
