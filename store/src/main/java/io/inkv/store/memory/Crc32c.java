package io.inkv.store.memory;

/*
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78) computed straight from a Region with
 * slicing-by-8: eight 256-entry tables let the loop fold one little-endian long per step, about
 * one byte per cycle on x86. java.util.zip.CRC32C is faster per byte (it uses the crc32
 * instruction) but only reads byte arrays and ByteBuffers; feeding it mapped memory would need a
 * slice per call, which allocates on the read path. Records are small (a 100-byte value is a
 * 140-byte record), so the table loop costs tens of nanoseconds and allocates nothing. The result
 * equals java.util.zip.CRC32C's, which the tests check.
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

  static int update(int crc, MappedRegion region, int offset, int length) {
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
