package io.inkv.store;

import java.util.SplittableRandom;

/*
 * The heap the store's index takes per entry, at a given entry count (benchmarks/README.md, "Index
 * footprint"): fills a KeyIndex sized as Recovery sizes one for an empty store (KeyIndex.sized(0),
 * so every stripe grows through its loads as a store that is filled does) with N random 64-bit
 * hashes and addresses, then prints the used heap after a full collection, less the used heap
 * before, divided by N. In the store's package because KeyIndex is package-private; it uses only
 * KeyIndex.sized and put, so the same source compiles against an older inkv-store to compare.
 *
 *   java -Xmx8g -cp benchmarks/target/benchmarks.jar io.inkv.store.IndexFootprint 10000000
 */
public final class IndexFootprint {
  private IndexFootprint() {}

  public static void main(String[] args) {
    for (String arg : args) {
      long n = Long.parseLong(arg.replace("_", ""));
      long before = usedHeap();
      KeyIndex index = KeyIndex.sized(0);
      SplittableRandom random = new SplittableRandom(n);
      long start = System.nanoTime();
      for (long i = 0; i < n; i++) {
        index.put(random.nextLong(), null, ((1 + (i >>> 20)) << 32) | (64 + 8 * (i & 0xFFFFF)), (address, key) -> false);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long after = usedHeap();
      System.out.printf("%,d entries: %.1f bytes of heap an entry (%,d MiB), %d stripes, filled in %.1f s%n", n,
          (double) (after - before) / n, (after - before) >> 20, index.stripeCount(), seconds);
      if (index.size() != n) {
        throw new IllegalStateException("index holds " + index.size() + " entries, not " + n);
      }
    }
  }

  private static long usedHeap() {
    Runtime r = Runtime.getRuntime();
    for (int i = 0; i < 4; i++) {
      System.gc();
    }
    return r.totalMemory() - r.freeMemory();
  }
}
