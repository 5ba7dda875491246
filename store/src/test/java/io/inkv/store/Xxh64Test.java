package io.inkv.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The key hash is XXH64 with seed 0, bit for bit, since index images persist it. */
class Xxh64Test {
  private static final long PRIME32 = 2654435761L;
  // 11400714785074694797: the sanity buffer's multiplier, which is not XXH64's PRIME64_1 (...791).
  private static final long PRIME64 = 0x9E3779B185EBCA8DL;

  /** xxHash's sanity buffer (cli/xsum_sanity_check.c, XSUM_fillTestBuffer). */
  private static byte[] sanityBuffer(int length) {
    byte[] b = new byte[length];
    long gen = PRIME32;
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (gen >>> 56);
      gen *= PRIME64;
    }
    return b;
  }

  @Test
  void matchesTheVectorsOfXxHashsOwnSanityCheck() {
    // Seed-0 XXH64 vectors from Cyan4973/xxHash cli/xsum_sanity_check.c (XSUM_XXH64_testdata).
    byte[] buffer = sanityBuffer(222);
    assertEquals(0xEF46DB3751D8E999L, hash(buffer, 0));
    assertEquals(0xE934A84ADB052768L, hash(buffer, 1));
    assertEquals(0x9136A0DCA57457EEL, hash(buffer, 4));
    assertEquals(0x8282DCC4994E35C8L, hash(buffer, 14));
    assertEquals(0xB641AE8CB691C174L, hash(buffer, 222));
  }

  @Test
  void isTheHashTheStoreUsesByDefault() {
    byte[] key = sanityBuffer(14);
    assertEquals(0x8282DCC4994E35C8L, KeyHasher.XXH64.hash(key));
    assertEquals("xxh64", KeyHasher.XXH64.name());
  }

  @Test
  void agreesWithAByteAtATimeReferenceForEveryLengthUpTo100() {
    // Lengths 0..100 cross every path: the 32-byte stripes, 8-byte and 4-byte tails and single bytes.
    Random random = new Random(64);
    for (int length = 0; length <= 100; length++) {
      for (int trial = 0; trial < 20; trial++) {
        byte[] input = new byte[length];
        random.nextBytes(input);
        assertEquals(Reference.xxh64(input), KeyHasher.Xxh64.hash(input), "length " + length);
      }
    }
    byte[] sanity = sanityBuffer(222);
    for (int length = 0; length <= 222; length++) {
      assertEquals(Reference.xxh64(java.util.Arrays.copyOf(sanity, length)), hash(sanity, length), "length " + length);
    }
  }

  @Test
  void theReferenceItselfMatchesTheSanityVectors() {
    byte[] buffer = sanityBuffer(222);
    assertEquals(0xE934A84ADB052768L, Reference.xxh64(java.util.Arrays.copyOf(buffer, 1)));
    assertEquals(0xB641AE8CB691C174L, Reference.xxh64(buffer));
  }

  private static long hash(byte[] buffer, int length) {
    return KeyHasher.Xxh64.hash(java.util.Arrays.copyOf(buffer, length));
  }

  /**
   * A deliberately plain XXH64 written from the specification (xxHash doc/xxhash_spec.md): bytes
   * assembled into lanes one at a time, no shared code with the store's version.
   */
  private static final class Reference {
    static final long P1 = 0x9E3779B185EBCA87L;
    static final long P2 = 0xC2B2AE3D27D4EB4FL;
    static final long P3 = 0x165667B19E3779F9L;
    static final long P4 = 0x85EBCA77C2B2AE63L;
    static final long P5 = 0x27D4EB2F165667C5L;

    static long lane(byte[] b, int at, int size) {
      long v = 0;
      for (int i = size - 1; i >= 0; i--) {
        v = (v << 8) | (b[at + i] & 0xFF);
      }
      return v;
    }

    static long round(long acc, long lane) {
      return Long.rotateLeft(acc + lane * P2, 31) * P1;
    }

    static long xxh64(byte[] b) {
      int n = b.length;
      int p = 0;
      long acc;
      if (n >= 32) {
        long[] v = {P1 + P2, P2, 0, -P1};
        while (n - p >= 32) {
          for (int i = 0; i < 4; i++) {
            v[i] = round(v[i], lane(b, p + 8 * i, 8));
          }
          p += 32;
        }
        acc = Long.rotateLeft(v[0], 1) + Long.rotateLeft(v[1], 7) + Long.rotateLeft(v[2], 12) + Long.rotateLeft(v[3], 18);
        for (int i = 0; i < 4; i++) {
          acc = (acc ^ round(0, v[i])) * P1 + P4;
        }
      } else {
        acc = P5;
      }
      acc += n;
      while (n - p >= 8) {
        acc = Long.rotateLeft(acc ^ round(0, lane(b, p, 8)), 27) * P1 + P4;
        p += 8;
      }
      if (n - p >= 4) {
        acc = Long.rotateLeft(acc ^ (lane(b, p, 4) * P1), 23) * P2 + P3;
        p += 4;
      }
      while (p < n) {
        acc = Long.rotateLeft(acc ^ ((b[p] & 0xFF) * P5), 11) * P1;
        p++;
      }
      acc ^= acc >>> 33;
      acc *= P2;
      acc ^= acc >>> 29;
      acc *= P3;
      acc ^= acc >>> 32;
      return acc;
    }
  }
}
