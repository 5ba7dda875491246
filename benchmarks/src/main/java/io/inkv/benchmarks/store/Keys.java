package io.inkv.benchmarks.store;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/*
 * The keys and values every store benchmark uses, built once per trial so the measured loop only
 * indexes arrays.
 *
 * Keys are 16 ASCII bytes: "inkv-key" and the entry number in eight digits (so a 10M store still
 * has 16-byte keys). Absent keys have the same length and shape ("absent-k" and eight digits), so
 * a miss hashes and probes exactly like a hit and differs only in finding nothing.
 *
 * The measured loop does not pick one of a million key arrays (that costs a cache miss per
 * operation that a real caller, holding its key in hand, does not pay): each thread writes the
 * chosen key number into its own reusable 16-byte buffer (setNumber). The store copies what it
 * keeps, so reusing the buffer is allowed.
 *
 * The peer suite (io.inkv.benchmarks.suite) draws its key numbers from samples() too.
 *
 * Key choice: a benchmark thread walks a precomputed array of 2^22 key numbers (16 MiB) from its
 * own starting point, so drawing the next key is one array read and an add. Uniform draws are
 * SplittableRandom.nextInt(n). Zipf draws (s = 0.99, YCSB's "zipfian" constant) are made by
 * inverting the cumulative distribution over ranks 1..n with a binary search, then ranks are
 * mapped to key numbers through a random permutation, so the hot keys are spread over the log and
 * over the index stripes instead of being the first records written. With n = 1M and s = 0.99 the
 * hottest key takes 6.5% of draws and the top 1% of keys 66%.
 */
public final class Keys {
  public static final int SAMPLES = 1 << 22;
  static final double ZIPF_EXPONENT = 0.99;

  private Keys() {}

  private static final byte[] PRESENT = "inkv-key".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ABSENT = "absent-k".getBytes(StandardCharsets.US_ASCII);

  static byte[] present(int i) {
    return key(PRESENT, i);
  }

  static byte[] absent(int i) {
    return key(ABSENT, i);
  }

  private static byte[] key(byte[] prefix, int i) {
    if (i < 0 || i >= 100_000_000) {
      throw new IllegalArgumentException("key number must have at most eight digits: " + i);
    }
    byte[] key = new byte[16];
    System.arraycopy(prefix, 0, key, 0, 8);
    setNumber(key, i);
    return key;
  }

  /** Returns a reusable present key buffer; {@link #setNumber} makes it key number i. */
  static byte[] presentBuffer() {
    return present(0);
  }

  /** Returns a reusable absent key buffer; {@link #setNumber} makes it absent key number i. */
  static byte[] absentBuffer() {
    return absent(0);
  }

  /**
   * Writes {@code i} as the eight digits of a key buffer, in place: a few nanoseconds, no
   * allocation, and no cache miss, where picking one of a million key arrays would add a miss
   * (tens of nanoseconds) that no caller holding its key in hand pays.
   */
  static void setNumber(byte[] key, int i) {
    for (int d = 15; d >= 8; d--) {
      int q = i / 10;
      key[d] = (byte) ('0' + (i - q * 10));
      i = q;
    }
  }

  /** A value of {@code size} bytes whose content depends on {@code seed} (not compressible to nothing). */
  static byte[] value(int size, long seed) {
    byte[] v = new byte[size];
    new SplittableRandom(seed).nextBytes(v);
    return v;
  }

  /** Returns {@link #SAMPLES} key numbers in [0, n) drawn from {@code distribution}. */
  public static int[] samples(String distribution, int n, long seed) {
    switch (distribution) {
      case "uniform":
        return uniform(n, seed);
      case "zipf":
        return zipf(n, ZIPF_EXPONENT, seed);
      default:
        throw new IllegalArgumentException("distribution must be uniform or zipf: " + distribution);
    }
  }

  private static int[] uniform(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] out = new int[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
      out[i] = random.nextInt(n);
    }
    return out;
  }

  private static int[] zipf(int n, double s, long seed) {
    double[] cdf = new double[n];
    double sum = 0;
    for (int rank = 1; rank <= n; rank++) {
      sum += 1.0 / Math.pow(rank, s);
      cdf[rank - 1] = sum;
    }
    SplittableRandom random = new SplittableRandom(seed);
    int[] keyOfRank = permutation(n, random);
    int[] out = new int[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
      double u = random.nextDouble() * sum;
      int lo = 0;
      int hi = n - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (cdf[mid] < u) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      out[i] = keyOfRank[lo];
    }
    return out;
  }

  /** Returns [0, n) in a random order (Fisher-Yates), drawing n - 1 ints from {@code random}. */
  public static int[] permutation(int n, SplittableRandom random) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
