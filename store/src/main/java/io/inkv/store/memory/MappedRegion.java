package io.inkv.store.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;

/*
 * The one Region implementation: a MappedByteBuffer read and written through byte-buffer view
 * VarHandles, which give plain, acquire/release and volatile access on JDK 17 without
 * sun.misc.Unsafe. Bulk copies use the absolute ByteBuffer.get/put(int, byte[], int, int) added in
 * JDK 13, which neither move the position nor allocate. A region never changes size; closing its
 * file (MappedFiles) unmaps it, after which any access is a programming error the store prevents.
 */
final class MappedRegion implements Region {
  static final boolean BOUNDS_CHECKS =
      !"false".equalsIgnoreCase(System.getProperty("inkv.boundsChecks", "true"));

  private static final VarHandle SHORT = view(short[].class);
  private static final VarHandle INT = view(int[].class);
  private static final VarHandle LONG = view(long[].class);
  private static final VarHandle FLOAT = view(float[].class);
  private static final VarHandle DOUBLE = view(double[].class);

  private final MappedByteBuffer buffer;
  private final int capacity;
  private final String name;

  /** A little-endian view of a buffer as {@code arrayType}'s elements; held in static finals, which the JIT folds. */
  private static VarHandle view(Class<?> arrayType) {
    return MethodHandles.byteBufferViewVarHandle(arrayType, ByteOrder.LITTLE_ENDIAN);
  }

  MappedRegion(MappedByteBuffer buffer, String name) {
    this.buffer = buffer;
    this.capacity = buffer.capacity();
    this.name = name;
  }

  MappedByteBuffer buffer() {
    return buffer;
  }

  private void check(int offset, int length) {
    if (BOUNDS_CHECKS && (offset < 0 || length < 0 || offset > capacity - length)) {
      throw new IndexOutOfBoundsException(
          String.format("%s: access [%d, %d) outside [0, %d)", name, offset, (long) offset + length, capacity));
    }
  }

  @Override
  public int capacity() {
    return capacity;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public byte getByte(int offset) {
    check(offset, 1);
    return buffer.get(offset);
  }

  byte getByteUnchecked(int offset) {
    return buffer.get(offset);
  }

  @Override
  public short getShort(int offset) {
    check(offset, 2);
    return (short) SHORT.get(buffer, offset);
  }

  @Override
  public int getInt(int offset) {
    check(offset, 4);
    return (int) INT.get(buffer, offset);
  }

  @Override
  public long getLong(int offset) {
    check(offset, 8);
    return (long) LONG.get(buffer, offset);
  }

  long getLongUnchecked(int offset) {
    return (long) LONG.get(buffer, offset);
  }

  @Override
  public long getLongAcquire(int offset) {
    check(offset, 8);
    return (long) LONG.getAcquire(buffer, offset);
  }

  @Override
  public float getFloat(int offset) {
    check(offset, 4);
    return (float) FLOAT.get(buffer, offset);
  }

  @Override
  public double getDouble(int offset) {
    check(offset, 8);
    return (double) DOUBLE.get(buffer, offset);
  }

  @Override
  public void putByte(int offset, byte value) {
    check(offset, 1);
    buffer.put(offset, value);
  }

  @Override
  public void putShort(int offset, short value) {
    check(offset, 2);
    SHORT.set(buffer, offset, value);
  }

  @Override
  public void putInt(int offset, int value) {
    check(offset, 4);
    INT.set(buffer, offset, value);
  }

  @Override
  public void putLong(int offset, long value) {
    check(offset, 8);
    LONG.set(buffer, offset, value);
  }

  @Override
  public void putLongRelease(int offset, long value) {
    check(offset, 8);
    LONG.setRelease(buffer, offset, value);
  }

  @Override
  public void putLongVolatile(int offset, long value) {
    check(offset, 8);
    LONG.setVolatile(buffer, offset, value);
  }

  @Override
  public void getBytes(int offset, byte[] dst, int dstOffset, int length) {
    check(offset, length);
    buffer.get(offset, dst, dstOffset, length);
  }

  void getBytesUnchecked(int offset, byte[] dst, int length) {
    buffer.get(offset, dst, 0, length);
  }

  @Override
  public void putBytes(int offset, byte[] src, int srcOffset, int length) {
    check(offset, length);
    buffer.put(offset, src, srcOffset, length);
  }

  @Override
  public void copyTo(int offset, Region dst, int dstOffset, int length) {
    check(offset, length);
    MappedRegion target = (MappedRegion) dst;
    target.check(dstOffset, length);
    target.buffer.put(dstOffset, buffer, offset, length);
  }

  @Override
  public void fill(int offset, int length, byte value) {
    check(offset, length);
    long word = (value & 0xFFL) * 0x0101010101010101L;
    int i = offset;
    int end = offset + length;
    while (i < end && (i & 7) != 0) {
      buffer.put(i++, value);
    }
    while (i + 8 <= end) {
      LONG.set(buffer, i, word);
      i += 8;
    }
    while (i < end) {
      buffer.put(i++, value);
    }
  }

  @Override
  public boolean contentEquals(int offset, byte[] other, int otherOffset, int length) {
    check(offset, length);
    int i = 0;
    for (; i + 8 <= length; i += 8) {
      long a = (long) LONG.get(buffer, offset + i);
      long b = LittleEndian.getLong(other, otherOffset + i);
      if (a != b) {
        return false;
      }
    }
    for (; i < length; i++) {
      if (buffer.get(offset + i) != other[otherOffset + i]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int crc32c(int crc, int offset, int length) {
    check(offset, length);
    return Crc32c.update(crc, this, offset, length);
  }

  @Override
  public void force(int offset, int length) {
    check(offset, length);
    buffer.force(offset, length);
  }

  @Override
  public String toString() {
    return "Region[" + name + ", " + capacity + " bytes]";
  }
}
