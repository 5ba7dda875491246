package io.inkv.store.internal;

import java.util.Arrays;

/*
 * A map key over a byte array (encoded keys in the JCache provider's memo of instances, raw keys in
 * replication's record of its own writes in flight), equal by content, with its hash computed
 * once. The hash mixes every bit of every byte: Arrays.hashCode does not (the eight little-endian
 * bytes of a million Long keys give it 130,386 distinct values, and a ConcurrentHashMap then
 * searches tree bins of colliding keys on every lookup). The array is kept, not copied: the caller
 * must not change it while the key is in a map.
 */
public final class ByteKey {
  private final byte[] bytes;
  private final int hash;

  private ByteKey(byte[] bytes, int hash) {
    this.bytes = bytes;
    this.hash = hash;
  }

  /** The key over {@code bytes}. */
  public static ByteKey of(byte[] bytes) {
    long h = 0x9E3779B97F4A7C15L ^ bytes.length;
    int i = 0;
    for (; i + 8 <= bytes.length; i += 8) {
      long word = 0;
      for (int j = 7; j >= 0; j--) {
        word = word << 8 | (bytes[i + j] & 0xFFL);
      }
      h = mix(h ^ word);
    }
    long tail = 0;
    for (int shift = 0; i < bytes.length; i++, shift += 8) {
      tail |= (bytes[i] & 0xFFL) << shift;
    }
    h = mix(h ^ tail);
    return new ByteKey(bytes, (int) (h ^ h >>> 32));
  }

  /** The finalizer of MurmurHash3's 64-bit variant: every input bit affects every output bit. */
  private static long mix(long z) {
    z = (z ^ z >>> 33) * 0xFF51AFD7ED558CCDL;
    z = (z ^ z >>> 33) * 0xC4CEB9FE1A85EC53L;
    return z ^ z >>> 33;
  }

  /** The hash, also usable as the key's hash for an EvictionPolicy. */
  public int hash() {
    return hash;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ByteKey other && hash == other.hash && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return "ByteKey[" + bytes.length + " bytes]";
  }
}
