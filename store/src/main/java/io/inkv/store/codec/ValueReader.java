package io.inkv.store.codec;

import io.inkv.store.memory.Region;

/*
 * Reads the tagged format and layout schemas from a region, in place. Every read is checked
 * against the end of the value, and every count against the bytes left (each element takes at
 * least one byte), so damaged bytes give Codec.DecodeException, never an out-of-bounds read or
 * an allocation larger than the value.
 */
final class ValueReader {
  private final Region region;
  private final int end;
  private int pos;

  ValueReader(Region region, int offset, int length) {
    this.region = region;
    this.pos = offset;
    this.end = offset + length;
  }

  Region region() {
    return region;
  }

  int position() {
    return pos;
  }

  int remaining() {
    return end - pos;
  }

  private int take(int n) {
    if (n < 0 || n > end - pos) {
      throw new Codec.DecodeException("a stored value is truncated: " + n + " bytes needed, " + (end - pos) + " left");
    }
    int at = pos;
    pos += n;
    return at;
  }

  byte readByte() {
    return region.getByte(take(1));
  }

  short readShort() {
    return region.getShort(take(2));
  }

  int readInt() {
    return region.getInt(take(4));
  }

  long readLong() {
    return region.getLong(take(8));
  }

  int readVarInt() {
    int v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      int b = readByte();
      v |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (v < 0) {
          break;
        }
        return v;
      }
    }
    throw new Codec.DecodeException("a malformed length in a stored value");
  }

  /** A count of elements that take at least {@code minBytes} bytes each. */
  int readCount(int minBytes) {
    int n = readVarInt();
    if ((long) n * minBytes > end - pos) {
      throw new Codec.DecodeException("a stored count of " + n + " is larger than the " + (end - pos) + " bytes left");
    }
    return n;
  }

  /** Skips {@code n} bytes and returns the offset where they start. */
  int skip(int n) {
    return take(n);
  }

  byte[] readSized() {
    int n = readVarInt();
    int at = take(n);
    byte[] b = new byte[n];
    region.getBytes(at, b, 0, n);
    return b;
  }

  String readString() {
    int n = readVarInt();
    int at = take(n);
    return BuiltinCodec.STRING.decode(region, at, n);
  }
}
