package io.inkv.store.memory;

/*
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78) of bytes in a Region.
 *
 * The fast path copies the bytes, 64 KiB at a time, into a per-thread heap scratch array and runs
 * java.util.zip.CRC32C over it: the JDK intrinsifies that with the crc32 instruction, and a bulk
 * copy of a record is a few nanoseconds, so a 132-byte record costs about 20 ns instead of the
 * ~90 ns of the table loop below (benchmarks/README.md, RecordChecksumBenchmark). Feeding CRC32C
 * the mapped buffer directly would need a slice per call (an allocation on the read path) or a
 * cached duplicate per thread and region, which would keep retired segments mapped, and their
 * deleted files' disk space held, for as long as the cache held it; the scratch array holds no
 * reference into any mapping.
 *
 * java.util.zip.CRC32C cannot start from a given CRC, so continuing a CRC (crc != 0) uses
 * slicing-by-8: eight 256-entry tables fold one little-endian long per step. Both give
 * java.util.zip.CRC32C's values, which the tests check.
 */
final class Crc32c {
  private static final int[][] TABLES = tables();

  private Crc32c() {}

  private static int[][] tables() {
    int[][] t = new int[8][256];
    for (int i = 0; i < 256; i++) {
      int c = i;
      for (int k = 0; k < 8; k++) {
        c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
      }
      t[0][i] = c;
    }
    for (int i = 0; i < 256; i++) {
      for (int s = 1; s < 8; s++) {
        int prev = t[s - 1][i];
        t[s][i] = (prev >>> 8) ^ t[0][prev & 0xFF];
      }
    }
    return t;
  }

  private static final int SCRATCH = 64 << 10;
  private static final ThreadLocal<Scratch> SCRATCHES = ThreadLocal.withInitial(Scratch::new);

  private static final class Scratch {
    final byte[] bytes = new byte[SCRATCH];
    final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
  }

  static int update(int crc, MappedRegion region, int offset, int length) {
    if (crc != 0) {
      return updateTables(crc, region, offset, length);
    }
    Scratch s = SCRATCHES.get();
    java.util.zip.CRC32C c = s.crc;
    c.reset();
    for (int done = 0; done < length; ) {
      int n = Math.min(SCRATCH, length - done);
      region.getBytesUnchecked(offset + done, s.bytes, n);
      c.update(s.bytes, 0, n);
      done += n;
    }
    return (int) c.getValue();
  }

  static int updateTables(int crc, MappedRegion region, int offset, int length) {
    int[] t0 = TABLES[0];
    int[] t1 = TABLES[1];
    int[] t2 = TABLES[2];
    int[] t3 = TABLES[3];
    int[] t4 = TABLES[4];
    int[] t5 = TABLES[5];
    int[] t6 = TABLES[6];
    int[] t7 = TABLES[7];
    int c = ~crc;
    int i = offset;
    int end = offset + length;
    while (i + 8 <= end) {
      long v = region.getLongUnchecked(i);
      int lo = (int) v ^ c;
      int hi = (int) (v >>> 32);
      c = t7[lo & 0xFF] ^ t6[(lo >>> 8) & 0xFF] ^ t5[(lo >>> 16) & 0xFF] ^ t4[lo >>> 24]
          ^ t3[hi & 0xFF] ^ t2[(hi >>> 8) & 0xFF] ^ t1[(hi >>> 16) & 0xFF] ^ t0[hi >>> 24];
      i += 8;
    }
    while (i < end) {
      c = (c >>> 8) ^ t0[(c ^ region.getByteUnchecked(i)) & 0xFF];
      i++;
    }
    return ~c;
  }
}
