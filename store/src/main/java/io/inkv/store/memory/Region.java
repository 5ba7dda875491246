package io.inkv.store.memory;

/**
 * A bounded run of memory, usually one memory-mapped file, read and written at byte offsets in
 * little-endian order.
 *
 * <p>This is the only view of off-heap memory the rest of inkv has: nothing outside this package
 * touches a {@code MappedByteBuffer}, a {@code FileChannel} mapping or a buffer {@code VarHandle}.
 * Offsets are {@code int} because no single mapping passes 2 GiB. Accessors without an ordering
 * suffix are plain; {@code Acquire} and {@code Release} variants order the access against the
 * surrounding ones, as {@code VarHandle.getAcquire} and {@code setRelease} do.
 *
 * <p>Bounds are checked unless the JVM was started with {@code -Dinkv.boundsChecks=false}; the
 * flag is read once, so the JIT removes the checks when they are off.
 */
public interface Region {

  /** Returns the number of addressable bytes. */
  int capacity();

  /** Returns a name for errors: the file this region maps, or a description. */
  String name();

  byte getByte(int offset);

  short getShort(int offset);

  int getInt(int offset);

  long getLong(int offset);

  long getLongAcquire(int offset);

  float getFloat(int offset);

  double getDouble(int offset);

  void putByte(int offset, byte value);

  void putShort(int offset, short value);

  void putInt(int offset, int value);

  void putLong(int offset, long value);

  void putLongRelease(int offset, long value);

  void putLongVolatile(int offset, long value);

  /** Copies {@code length} bytes at {@code offset} into {@code dst} at {@code dstOffset}. */
  void getBytes(int offset, byte[] dst, int dstOffset, int length);

  /** Copies {@code length} bytes of {@code src} from {@code srcOffset} to {@code offset}. */
  void putBytes(int offset, byte[] src, int srcOffset, int length);

  /** Copies {@code length} bytes at {@code offset} of this region to {@code dst} at {@code dstOffset}. */
  void copyTo(int offset, Region dst, int dstOffset, int length);

  /** Sets {@code length} bytes from {@code offset} to {@code value}. */
  void fill(int offset, int length, byte value);

  /** Returns whether the bytes at {@code offset} equal {@code other[otherOffset, otherOffset + length)}. */
  boolean contentEquals(int offset, byte[] other, int otherOffset, int length);

  /**
   * Returns the CRC32C (Castagnoli) of {@code length} bytes at {@code offset}, continuing from
   * {@code crc} (start with 0), the same value {@code java.util.zip.CRC32C} gives.
   */
  int crc32c(int crc, int offset, int length);

  /** Writes the bytes in {@code [offset, offset + length)} to the storage device and waits. */
  void force(int offset, int length);
}
