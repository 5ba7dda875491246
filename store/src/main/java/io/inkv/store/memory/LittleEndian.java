package io.inkv.store.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Little-endian reads and writes of primitives in byte arrays, matching {@link Region}'s layout. */
public final class LittleEndian {
  private static final VarHandle SHORT = view(short[].class);
  private static final VarHandle INT = view(int[].class);
  private static final VarHandle LONG = view(long[].class);

  private LittleEndian() {}

  private static VarHandle view(Class<?> arrayType) {
    return MethodHandles.byteArrayViewVarHandle(arrayType, ByteOrder.LITTLE_ENDIAN);
  }

  public static short getShort(byte[] a, int i) {
    return (short) SHORT.get(a, i);
  }

  public static int getInt(byte[] a, int i) {
    return (int) INT.get(a, i);
  }

  public static long getLong(byte[] a, int i) {
    return (long) LONG.get(a, i);
  }

  public static void putShort(byte[] a, int i, short v) {
    SHORT.set(a, i, v);
  }

  public static void putInt(byte[] a, int i, int v) {
    INT.set(a, i, v);
  }

  public static void putLong(byte[] a, int i, long v) {
    LONG.set(a, i, v);
  }
}
