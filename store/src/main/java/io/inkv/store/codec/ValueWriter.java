package io.inkv.store.codec;

import io.inkv.store.memory.LittleEndian;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/*
 * A growable little-endian byte buffer for the tagged format and layout schemas. Counts and
 * lengths are unsigned LEB128 varints (one byte below 128).
 */
final class ValueWriter {
  private byte[] buf;
  private int pos;

  ValueWriter(int capacity) {
    buf = new byte[Math.max(16, capacity)];
  }

  int position() {
    return pos;
  }

  byte[] buffer() {
    return buf;
  }

  void position(int p) {
    pos = p;
  }

  private void ensure(int n) {
    if (pos + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(pos + n, buf.length * 2));
    }
  }

  void writeByte(int b) {
    ensure(1);
    buf[pos++] = (byte) b;
  }

  void writeShort(short v) {
    ensure(2);
    LittleEndian.putShort(buf, pos, v);
    pos += 2;
  }

  void writeInt(int v) {
    ensure(4);
    LittleEndian.putInt(buf, pos, v);
    pos += 4;
  }

  void writeLong(long v) {
    ensure(8);
    LittleEndian.putLong(buf, pos, v);
    pos += 8;
  }

  void writeVarInt(int v) {
    ensure(5);
    while ((v & ~0x7F) != 0) {
      buf[pos++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[pos++] = (byte) v;
  }

  void writeBytes(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buf, pos, len);
    pos += len;
  }

  /** A varint length, then the bytes. */
  void writeSized(byte[] b) {
    writeVarInt(b.length);
    writeBytes(b, 0, b.length);
  }

  void writeString(String s) {
    writeSized(s.getBytes(StandardCharsets.UTF_8));
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, pos);
  }
}
