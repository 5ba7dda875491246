package io.inkv.store.internal;

/*
 * How often each key was seen lately, approximately: a count-min sketch of 4-bit counters, four
 * per key, in a long[] whose length is the power of two at or above the expected number of
 * entries (8 bytes, 16 counters, per entry: with four counters per key the error stays small while
 * the table is no larger than one long per entry).
 *
 * A key's four counters lie in one 64-byte block of eight longs (the block from the hash's high
 * bits, the long and the nibble in it from its low bits, two longs per row), so an increment or a
 * lookup touches one cache line. Counters stop at 15: an estimate only needs to rank a candidate
 * against a victim, and a popular key is popular at 15 as at 1,000.
 *
 * Readers increment with plain loads and stores: two threads that increment the same long at
 * once can lose one increment, and an increment racing a halving can undo part of it. Both only
 * blur an estimate; none needs a lock or an atomic on the read path. With one thread every count
 * is exact (up to the sketch's own collisions), so a trace gives the same estimates on every run.
 *
 * Ageing: the owner halves every counter after a sample of about ten accesses per entry, so the
 * estimates follow a popularity that shifts (TinyLFU's reset).
 */
final class FrequencySketch {
  private static final long HALF_MASK = 0x7777_7777_7777_7777L;

  private long[] table;
  private int blockMask;

  FrequencySketch(long expectedEntries) {
    resize(expectedEntries);
  }

  /** Replaces the table with an empty one sized for {@code expectedEntries}; the counts start over. */
  void resize(long expectedEntries) {
    long n = Math.max(8, Math.min(1L << 30, expectedEntries));
    int length = (int) Long.highestOneBit(n - 1) << 1;
    table = new long[Math.max(8, length)];
    blockMask = (table.length >>> 3) - 1;
  }

  int capacity() {
    return table.length;
  }

  private static long spread(long hash) {
    long x = hash * 0x9E37_79B9_7F4A_7C15L;
    return x ^ (x >>> 31);
  }

  /**
   * Counts one access of the key with {@code hash} (plain writes; see the class comment) and
   * returns its estimate before this access, as {@link #frequency} would have, from the counters
   * the increment reads anyway.
   */
  int increment(long hash) {
    return visit(hash, true);
  }

  /** Returns the estimated recent accesses of the key with {@code hash}, 0 to 15. */
  int frequency(long hash) {
    return visit(hash, false);
  }

  /**
   * The smallest of the key's four counters, each adding one (short of 15) when {@code add}; one
   * loop for both, since the JIT compiles each caller with its constant.
   */
  private int visit(long hash, boolean add) {
    long[] t = table;
    long x = spread(hash);
    int base = ((int) (x >>> 40) & blockMask) << 3;
    int r = (int) x;
    int min = 15;
    for (int i = 0; i < 4; i++) {
      int bits = r >>> (i << 3);
      int index = base + (i << 1) + (bits & 1);
      int shift = ((bits >>> 1) & 15) << 2;
      long word = t[index];
      int count = (int) ((word >>> shift) & 15);
      min = Math.min(min, count);
      if (add && count != 15) {
        t[index] = word + (1L << shift);
      }
    }
    return min;
  }

  /** Halves every counter. */
  void halve() {
    long[] t = table;
    for (int i = 0; i < t.length; i++) {
      t[i] = (t[i] >>> 1) & HALF_MASK;
    }
  }

  void clear() {
    java.util.Arrays.fill(table, 0);
  }
}
