package io.inkv.store;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/*
 * Values that describe themselves, for the crash, concurrency and compaction tests: a reader can
 * tell from the bytes alone which write produced them and whether they are intact.
 *
 *   0  u64 version      the writer's id of this write (unique per key in a test)
 *   8  u32 key index    the key the value was written under
 *  12  u32 length       the whole value's length
 *  16  payload          pseudo-random bytes seeded by (key index, version)
 * L-4  u32 CRC32C of [0, L-4)
 *
 * Because the payload is derived from (key index, version), decode() regenerates the exact bytes
 * the writer produced and compares all of them: a value that is torn, shifted, stale-but-relabelled
 * or spliced from two records fails, not just one with a bad checksum.
 */
final class SelfCheckingValues {
  static final int MIN_LENGTH = 20;

  record Decoded(int keyIndex, long version) {}

  private SelfCheckingValues() {}

  static byte[] create(int keyIndex, long version, int length) {
    if (length < MIN_LENGTH) {
      throw new IllegalArgumentException("length must be at least " + MIN_LENGTH + ": " + length);
    }
    byte[] value = new byte[length];
    ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, version).putInt(8, keyIndex).putInt(12, length);
    SplittableRandom random = new SplittableRandom(seed(keyIndex, version));
    for (int i = 16; i < length - 4; i++) {
      value[i] = (byte) random.nextInt();
    }
    CRC32C crc = new CRC32C();
    crc.update(value, 0, length - 4);
    b.putInt(length - 4, (int) crc.getValue());
    return value;
  }

  /**
   * Checks every byte of {@code value} against what the writer of (key, version) produced.
   *
   * @throws AssertionError describing the damage
   */
  static Decoded decode(int expectedKeyIndex, byte[] value) {
    if (value.length < MIN_LENGTH) {
      throw new AssertionError("key " + expectedKeyIndex + ": value of " + value.length
          + " bytes is shorter than any value written: " + Arrays.toString(value));
    }
    ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
    long version = b.getLong(0);
    int keyIndex = b.getInt(8);
    int length = b.getInt(12);
    if (keyIndex != expectedKeyIndex) {
      throw new AssertionError("key " + expectedKeyIndex + " returned a value written under key "
          + keyIndex + " (version " + version + ")");
    }
    if (length != value.length) {
      throw new AssertionError("key " + expectedKeyIndex + " version " + version + ": value is "
          + value.length + " bytes but says " + length);
    }
    byte[] expected = create(keyIndex, version, length);
    if (!Arrays.equals(expected, value)) {
      int at = Arrays.mismatch(expected, value);
      throw new AssertionError("key " + expectedKeyIndex + " version " + version + ": value of "
          + length + " bytes differs from what was written at byte " + at);
    }
    return new Decoded(keyIndex, version);
  }

  /** Checks a value read in place through a view, without trusting its length field first. */
  static Decoded decode(int expectedKeyIndex, ValueView view) {
    return decode(expectedKeyIndex, view.toByteArray());
  }

  private static long seed(int keyIndex, long version) {
    long z = version * 0x9E3779B97F4A7C15L + keyIndex;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
