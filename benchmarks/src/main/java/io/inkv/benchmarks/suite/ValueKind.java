package io.inkv.benchmarks.suite;

import java.util.Locale;

/*
 * The four kinds of value of the suite: 100-byte and 1 KB Strings (ASCII, so 100 and 1000 bytes
 * in UTF-8 and in a compact String), and the small record Sample whose fields take 100 bytes or
 * 1 KB in inkv's layout (the name field pads it; the fixed part and the layout's header take 33
 * bytes). Since stored values carry their layout's schema (docs/codec-format.md), inkv stores 43
 * bytes more per Sample; the names keep their length so that figures stay comparable with
 * earlier runs and with the peers, whose Java serialization of the same record is unchanged.
 *
 * Values are a function of (entry number, version), so that population, puts and the memory
 * benchmark can make them on the fly without keeping a million of them alive in the benchmark;
 * version 0 is what population writes, other versions are what puts write.
 */
enum ValueKind {
  STRING_100(String.class, 100),
  STRING_1K(String.class, 1000),
  RECORD_100(Sample.class, 100),
  RECORD_1K(Sample.class, 1000);

  /** Bytes a Sample takes in inkv's record layout besides its name: 4 fingerprint, 1 bitmap, 21 fixed, 4 offset table, and slack. */
  private static final int RECORD_OVERHEAD = 33;

  final Class<?> type;
  final int size;

  ValueKind(Class<?> type, int size) {
    this.type = type;
    this.size = size;
  }

  /** The name used in JMH parameters and result tables: string-100, string-1k, record-100, record-1k. */
  String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  static ValueKind of(String label) {
    for (ValueKind k : values()) {
      if (k.label().equals(label)) {
        return k;
      }
    }
    throw new IllegalArgumentException("value must be string-100, string-1k, record-100 or record-1k: " + label);
  }

  boolean isRecord() {
    return type == Sample.class;
  }

  Object value(long entry, int version) {
    if (isRecord()) {
      return new Sample(entry, (int) (entry % 90) + 10, entry * 0.5 + version, (entry & 1) == 0,
          text(entry, version, size - RECORD_OVERHEAD));
    }
    return text(entry, version, size);
  }

  /** ASCII text of {@code length} chars that depends on the entry and version (so values differ). */
  private static String text(long entry, int version, int length) {
    byte[] chars = new byte[length];
    long x = entry * 0x9E3779B97F4A7C15L + version * 0xC2B2AE3D27D4EB4FL + 1;
    for (int i = 0; i < length; i++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      chars[i] = (byte) ('a' + (int) ((x >>> 33) % 26));
    }
    return new String(chars, java.nio.charset.StandardCharsets.ISO_8859_1);
  }
}
