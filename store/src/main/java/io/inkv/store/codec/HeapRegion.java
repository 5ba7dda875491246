package io.inkv.store.codec;

import io.inkv.store.memory.LittleEndian;
import io.inkv.store.memory.Region;
import java.util.Arrays;
import java.util.zip.CRC32C;

/*
 * A Region over a heap byte array, so that every codec has one decoding path (Region in place)
 * and decodes the copies the store hands out elsewhere (Store.update's current value, iterator
 * entries, removal-listener values) through the same code. It is the second Region
 * implementation after MappedRegion; call sites that see both stay bimorphic, which the JIT
 * still inlines. It lives outside the memory package because it touches no off-heap memory. A
 * heap copy is never shared between threads, so the acquire, release and volatile accessors are
 * the plain ones.
 */
final class HeapRegion implements Region {
  private final byte[] array;

  HeapRegion(byte[] array) {
    this.array = array;
  }

  @Override
  public int capacity() {
    return array.length;
  }

  @Override
  public String name() {
    return "heap copy of " + array.length + " bytes";
  }

  @Override
  public byte getByte(int offset) {
    return array[offset];
  }

  @Override
  public short getShort(int offset) {
    return LittleEndian.getShort(array, offset);
  }

  @Override
  public int getInt(int offset) {
    return LittleEndian.getInt(array, offset);
  }

  @Override
  public long getLong(int offset) {
    return LittleEndian.getLong(array, offset);
  }

  @Override
  public long getLongAcquire(int offset) {
    return getLong(offset);
  }

  @Override
  public float getFloat(int offset) {
    return Float.intBitsToFloat(LittleEndian.getInt(array, offset));
  }

  @Override
  public double getDouble(int offset) {
    return Double.longBitsToDouble(LittleEndian.getLong(array, offset));
  }

  @Override
  public void putByte(int offset, byte value) {
    array[offset] = value;
  }

  @Override
  public void putShort(int offset, short value) {
    LittleEndian.putShort(array, offset, value);
  }

  @Override
  public void putInt(int offset, int value) {
    LittleEndian.putInt(array, offset, value);
  }

  @Override
  public void putLong(int offset, long value) {
    LittleEndian.putLong(array, offset, value);
  }

  @Override
  public void putLongRelease(int offset, long value) {
    putLong(offset, value);
  }

  @Override
  public void putLongVolatile(int offset, long value) {
    putLong(offset, value);
  }

  @Override
  public void getBytes(int offset, byte[] dst, int dstOffset, int length) {
    System.arraycopy(array, offset, dst, dstOffset, length);
  }

  @Override
  public void putBytes(int offset, byte[] src, int srcOffset, int length) {
    System.arraycopy(src, srcOffset, array, offset, length);
  }

  @Override
  public void copyTo(int offset, Region dst, int dstOffset, int length) {
    dst.putBytes(dstOffset, array, offset, length);
  }

  @Override
  public void fill(int offset, int length, byte value) {
    Arrays.fill(array, offset, offset + length, value);
  }

  @Override
  public boolean contentEquals(int offset, byte[] other, int otherOffset, int length) {
    return Arrays.equals(array, offset, offset + length, other, otherOffset, otherOffset + length);
  }

  @Override
  public int crc32c(int crc, int offset, int length) {
    if (crc != 0) {
      throw new UnsupportedOperationException("continuing a CRC32C over a heap region");
    }
    CRC32C c = new CRC32C();
    c.update(array, offset, length);
    return (int) c.getValue();
  }

  @Override
  public void force(int offset, int length) {}
}
