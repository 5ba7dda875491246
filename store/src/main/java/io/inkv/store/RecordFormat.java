package io.inkv.store;

import io.inkv.store.memory.Region;

/*
 * The on-disk record layout (docs/store-format.md is the full specification). Little-endian;
 * every record starts at an 8-byte-aligned offset inside a segment, after the 64-byte segment
 * header.
 *
 *   0  u32  crc32c     CRC32C of bytes [16, length)
 *   4  u32  length     32 + keyLength + valueLength; 0 means "no record here" (end of data)
 *   8  u64  expiry     bits 0-47 expiry time (epoch ms, 0 = never), bits 48-63 a check of it;
 *                      the one field that changes in place (access-based expiry)
 *  16  u64  sequence   store-wide write sequence; replay keeps the highest per key
 *  24  u8   kind       1 put, 2 tombstone, 3 clear
 *  25  u8   flags      0 (reserved)
 *  26  u16  keyLength
 *  28  u32  valueLength
 *  32  key bytes, value bytes, zero padding to the next multiple of 8
 *
 * The writer fills bytes [8, length) first and then stores the word at 0 (crc | length << 32)
 * with release semantics, so a record whose length is visible is complete in the page cache: a
 * process killed mid-write leaves either no record or a whole one. After a power loss a record can
 * still be torn (pages reach the disk in any order); the CRC catches it. The expiry word carries
 * its own 16-bit check because it is excluded from the CRC (it changes after the CRC is written);
 * it is written with one aligned 8-byte store, so it is never torn.
 */
final class RecordFormat {
  static final int HEADER = 32;
  static final int OFF_CRC = 0;
  static final int OFF_LENGTH = 4;
  static final int OFF_EXPIRY = 8;
  static final int OFF_SEQUENCE = 16;
  static final int OFF_KIND = 24;
  static final int OFF_FLAGS = 25;
  static final int OFF_KEY_LENGTH = 26;
  static final int OFF_VALUE_LENGTH = 28;

  static final byte PUT = 1;
  static final byte TOMBSTONE = 2;
  static final byte CLEAR = 3;

  static final long MAX_EXPIRY = Store.MAX_EXPIRE_AT;

  private RecordFormat() {}

  static int align(int n) {
    return (n + 7) & ~7;
  }

  static int recordLength(int keyLength, int valueLength) {
    return HEADER + keyLength + valueLength;
  }

  static long expiryWord(long expireAt, long sequence) {
    long check = mix(expireAt ^ (sequence * 0x9E3779B97F4A7C15L)) >>> 48;
    return (check << 48) | expireAt;
  }

  /** Returns the expiry time, or -1 if the word fails its check. */
  static long expireAt(long word, long sequence) {
    long expireAt = word & MAX_EXPIRY;
    return expiryWord(expireAt, sequence) == word ? expireAt : -1;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  static int length(Region r, int at) {
    return r.getInt(at + OFF_LENGTH);
  }

  static long sequence(Region r, int at) {
    return r.getLong(at + OFF_SEQUENCE);
  }

  static byte kind(Region r, int at) {
    return r.getByte(at + OFF_KIND);
  }

  static int keyLength(Region r, int at) {
    return r.getShort(at + OFF_KEY_LENGTH) & 0xFFFF;
  }

  static int valueLength(Region r, int at) {
    return r.getInt(at + OFF_VALUE_LENGTH);
  }

  /**
   * Writes a record at {@code at}; the caller has checked that {@code align(length)} bytes fit.
   * Returns the aligned length.
   */
  static int write(Region r, int at, byte kind, long sequence, long expireAt,
      byte[] key, byte[] value, int valueOffset, int valueLength) {
    int keyLength = key == null ? 0 : key.length;
    int length = recordLength(keyLength, valueLength);
    r.putLong(at + OFF_EXPIRY, expiryWord(expireAt, sequence));
    r.putLong(at + OFF_SEQUENCE, sequence);
    r.putByte(at + OFF_KIND, kind);
    r.putByte(at + OFF_FLAGS, (byte) 0);
    r.putShort(at + OFF_KEY_LENGTH, (short) keyLength);
    r.putInt(at + OFF_VALUE_LENGTH, valueLength);
    if (keyLength > 0) {
      r.putBytes(at + HEADER, key, 0, keyLength);
    }
    if (valueLength > 0) {
      r.putBytes(at + HEADER + keyLength, value, valueOffset, valueLength);
    }
    int aligned = align(length);
    if (aligned > length) {
      r.fill(at + length, aligned - length, (byte) 0);
    }
    publish(r, at, length);
    return aligned;
  }

  /**
   * Copies the record at {@code from} in {@code src} to {@code at} in {@code dst}, keeping its
   * sequence and its checksum. The checksum covers only bytes copied unchanged, so it is carried
   * over, not computed again: a record damaged in the source stays detectably damaged in the copy
   * instead of being given a checksum that vouches for the damage.
   */
  static int copy(Region src, int from, Region dst, int at, long expireAt) {
    int length = length(src, from);
    long sequence = sequence(src, from);
    int crc = src.getInt(from + OFF_CRC);
    dst.putLong(at + OFF_EXPIRY, expiryWord(expireAt, sequence));
    src.copyTo(from + OFF_SEQUENCE, dst, at + OFF_SEQUENCE, length - OFF_SEQUENCE);
    int aligned = align(length);
    if (aligned > length) {
      dst.fill(at + length, aligned - length, (byte) 0);
    }
    dst.putLongRelease(at, ((long) length << 32) | (crc & 0xFFFFFFFFL));
    return aligned;
  }

  /** Writes a tombstone for the key of the record at {@code from} in {@code src}, keeping its sequence. */
  static int copyAsTombstone(Region src, int from, Region dst, int at) {
    int keyLength = keyLength(src, from);
    long sequence = sequence(src, from);
    int length = recordLength(keyLength, 0);
    dst.putLong(at + OFF_EXPIRY, expiryWord(Store.NEVER, sequence));
    dst.putLong(at + OFF_SEQUENCE, sequence);
    dst.putByte(at + OFF_KIND, kind(src, from) == CLEAR ? CLEAR : TOMBSTONE);
    dst.putByte(at + OFF_FLAGS, (byte) 0);
    dst.putShort(at + OFF_KEY_LENGTH, (short) keyLength);
    dst.putInt(at + OFF_VALUE_LENGTH, 0);
    src.copyTo(from + HEADER, dst, at + HEADER, keyLength);
    int aligned = align(length);
    if (aligned > length) {
      dst.fill(at + length, aligned - length, (byte) 0);
    }
    publish(dst, at, length);
    return aligned;
  }

  private static void publish(Region r, int at, int length) {
    int crc = r.crc32c(0, at + OFF_SEQUENCE, length - OFF_SEQUENCE);
    r.putLongRelease(at, ((long) length << 32) | (crc & 0xFFFFFFFFL));
  }

  /**
   * Checks the record at {@code at}: returns null if it is whole and its checksum matches, or
   * the problem. {@code limit} is where the segment's data ends.
   */
  static String check(Region r, int at, int limit) {
    if (at + HEADER > limit) {
      return "record header runs past the end of the segment";
    }
    long word = r.getLongAcquire(at);
    int length = (int) (word >>> 32);
    if (length < HEADER || length > limit - at) {
      return "record length " + Integer.toUnsignedString(length) + " is out of range";
    }
    int keyLength = keyLength(r, at);
    int valueLength = valueLength(r, at);
    if (valueLength < 0 || length != recordLength(keyLength, valueLength)) {
      return "record length " + length + " does not match key length " + keyLength
          + " and value length " + valueLength;
    }
    int crc = r.crc32c(0, at + OFF_SEQUENCE, length - OFF_SEQUENCE);
    if (crc != (int) word) {
      return String.format("record checksum mismatch (stored %08x, computed %08x)", (int) word, crc);
    }
    byte kind = kind(r, at);
    if (kind != PUT && kind != TOMBSTONE && kind != CLEAR) {
      return "unknown record kind " + kind;
    }
    if (expireAt(r.getLong(at + OFF_EXPIRY), sequence(r, at)) < 0) {
      return "record expiry field fails its check";
    }
    return null;
  }
}
