package io.inkv.store;

import io.inkv.store.memory.LittleEndian;

/*
 * The 64-bit key hash the index is keyed by. It is persisted (in index images) and recorded in
 * the manifest, so it must be the same on every JVM and every run: never Object.hashCode.
 * XXH64 (seed 0) is fast on short keys, passes SMHasher, and has a public specification that a
 * reader in another language can implement to locate keys.
 */
interface KeyHasher {
  KeyHasher XXH64 = new KeyHasher() {
    @Override
    public long hash(byte[] key) {
      return Xxh64.hash(key);
    }

    @Override
    public String name() {
      return "xxh64";
    }
  };

  long hash(byte[] key);

  /** The name recorded in the manifest; a store opens only with the hash it was created with. */
  String name();

  /** XXH64 of a byte array with seed 0, from the xxHash specification. */
  final class Xxh64 {
    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    private Xxh64() {}

    static long hash(byte[] input) {
      int length = input.length;
      int i = 0;
      long h;
      if (length >= 32) {
        long v1 = P1 + P2;
        long v2 = P2;
        long v3 = 0;
        long v4 = -P1;
        int limit = length - 32;
        do {
          v1 = round(v1, LittleEndian.getLong(input, i));
          v2 = round(v2, LittleEndian.getLong(input, i + 8));
          v3 = round(v3, LittleEndian.getLong(input, i + 16));
          v4 = round(v4, LittleEndian.getLong(input, i + 24));
          i += 32;
        } while (i <= limit);
        h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
        h = merge(h, v1);
        h = merge(h, v2);
        h = merge(h, v3);
        h = merge(h, v4);
      } else {
        h = P5;
      }
      h += length;
      while (i + 8 <= length) {
        h ^= round(0, LittleEndian.getLong(input, i));
        h = Long.rotateLeft(h, 27) * P1 + P4;
        i += 8;
      }
      if (i + 4 <= length) {
        h ^= (LittleEndian.getInt(input, i) & 0xFFFFFFFFL) * P1;
        h = Long.rotateLeft(h, 23) * P2 + P3;
        i += 4;
      }
      while (i < length) {
        h ^= (input[i] & 0xFFL) * P5;
        h = Long.rotateLeft(h, 11) * P1;
        i++;
      }
      h ^= h >>> 33;
      h *= P2;
      h ^= h >>> 29;
      h *= P3;
      h ^= h >>> 32;
      return h;
    }

    private static long round(long acc, long input) {
      acc += input * P2;
      acc = Long.rotateLeft(acc, 31);
      return acc * P1;
    }

    private static long merge(long acc, long value) {
      acc ^= round(0, value);
      return acc * P1 + P4;
    }
  }
}
