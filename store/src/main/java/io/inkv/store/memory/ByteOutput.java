package io.inkv.store.memory;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable little-endian byte buffer: the one encoder of inkv's value formats (the codec's
 * tagged format and layout schemas, the Hibernate integration's cache entries). Counts and lengths
 * are unsigned LEB128 varints, one byte below 128; a string is its UTF-8 length as a varint and
 * then its UTF-8 bytes, written without an intermediate array when it is ASCII.
 *
 * <p>Not thread-safe; a caller that reuses one per thread calls {@link #position(int)} with 0
 * before each encoding.
 */
public final class ByteOutput {
  private byte[] buf;
  private int pos;

  /** Creates an empty buffer of at least {@code capacity} bytes (16 at the least). */
  public ByteOutput(int capacity) {
    buf = new byte[Math.max(16, capacity)];
  }

  /** Returns the number of bytes written, the position of the next write. */
  public int position() {
    return pos;
  }

  /** Moves the position of the next write (0 empties the buffer for reuse). */
  public void position(int p) {
    pos = p;
  }

  /** Returns the buffer itself, valid up to {@link #position()}, until the next write. */
  public byte[] buffer() {
    return buf;
  }

  private void ensure(int n) {
    if (pos + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(pos + n, buf.length * 2));
    }
  }

  /** Makes room for {@code n} bytes and moves the position past them; returns where they start. */
  private int claim(int n) {
    ensure(n);
    int at = pos;
    pos += n;
    return at;
  }

  public void writeByte(int b) {
    int at = claim(1);
    buf[at] = (byte) b;
  }

  public void writeShort(short v) {
    int at = claim(2);
    LittleEndian.putShort(buf, at, v);
  }

  public void writeInt(int v) {
    int at = claim(4);
    LittleEndian.putInt(buf, at, v);
  }

  public void writeLong(long v) {
    int at = claim(8);
    LittleEndian.putLong(buf, at, v);
  }

  /** Writes {@code v} as an unsigned LEB128 varint (1 to 5 bytes). */
  public void writeVarInt(int v) {
    ensure(5);
    while ((v & ~0x7F) != 0) {
      buf[pos++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[pos++] = (byte) v;
  }

  /** Writes {@code len} bytes of {@code b} from {@code off}, with no length before them. */
  public void writeBytes(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buf, pos, len);
    pos += len;
  }

  /** Writes the length of {@code b} as a varint, then its bytes. */
  public void writeSized(byte[] b) {
    writeVarInt(b.length);
    writeBytes(b, 0, b.length);
  }

  /**
   * Makes room for {@code n} zero bytes and moves the position past them; returns where they start,
   * for the caller to fill in through {@link #buffer()} (a fixed-size header written after what
   * follows it).
   */
  public int reserve(int n) {
    int at = claim(n);
    Arrays.fill(buf, at, pos, (byte) 0);
    return at;
  }

  /**
   * Starts a part whose varint length goes before it but is known only once the part is written:
   * reserves one byte for the length and returns where the part starts, to pass to
   * {@link #endSized}.
   */
  public int beginSized() {
    writeByte(0);
    return pos;
  }

  /**
   * Ends the part that started at {@code start} ({@link #beginSized}): writes its length plus
   * {@code bias} as a varint before it, moving the part up when the varint takes more than the one
   * byte reserved, so the bytes are those of writing the varint first.
   */
  public void endSized(int start, int bias) {
    int length = pos - start;
    int v = length + bias;
    int extra = varIntSize(v) - 1;
    if (extra > 0) {
      ensure(extra);
      System.arraycopy(buf, start, buf, start + extra, length);
      pos += extra;
    }
    int at = start - 1;
    while ((v & ~0x7F) != 0) {
      buf[at++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[at] = (byte) v;
  }

  private static int varIntSize(int v) {
    return v >>> 7 == 0 ? 1 : v >>> 14 == 0 ? 2 : v >>> 21 == 0 ? 3 : v >>> 28 == 0 ? 4 : 5;
  }

  /** Writes the UTF-8 bytes of {@code s}, with no length before them. */
  public void writeUtf8(String s) {
    int n = s.length();
    ensure(n);
    int p = pos;
    for (int i = 0; i < n; i++) {
      char ch = s.charAt(i);
      if (ch >= 0x80) { // not ASCII: let the JDK encode it
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeBytes(b, 0, b.length);
        return;
      }
      buf[p++] = (byte) ch;
    }
    pos = p;
  }

  /** Writes the UTF-8 length of {@code s} as a varint, then its UTF-8 bytes. */
  public void writeString(String s) {
    int n = s.length();
    ensure(n + 5);
    int start = pos;
    writeVarInt(n);
    int p = pos;
    for (int i = 0; i < n; i++) {
      char ch = s.charAt(i);
      if (ch >= 0x80) { // not ASCII: the UTF-8 length differs from the char count
        pos = start;
        writeSized(s.getBytes(StandardCharsets.UTF_8));
        return;
      }
      buf[p++] = (byte) ch;
    }
    pos = p;
  }

  /** Returns a copy of the bytes written. */
  public byte[] toByteArray() {
    return Arrays.copyOf(buf, pos);
  }
}
