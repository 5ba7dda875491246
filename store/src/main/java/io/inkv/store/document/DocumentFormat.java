package io.inkv.store.document;

import io.inkv.store.memory.LittleEndian;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/*
 * The byte layout of a document (the value of its record; docs/document-format.md):
 *
 *   0  u8   format version (1)
 *   1  u8   0
 *   2  u16  field count n
 *   4  n entries of 8 bytes, in ascending field id:  u16 field id, u8 type code, u8 0,
 *                                                    u32 offset of the field's data from byte 0
 *   4 + 8n  field data: INT32/FLOAT32 4 bytes, INT64/FLOAT64 8, BOOLEAN 1 (0 or 1), all
 *           little-endian; STRING (UTF-8) and BYTES as u32 length + bytes
 *
 * A reader finds a field by binary search over the fixed-width entries and reads it where it
 * lies, so reading one field of a document never touches the others. Each entry carries its type,
 * so a document can be checked and dumped without the schema. Writers always emit entries in id
 * order and data in entry order; readers rely only on the entries.
 */
final class DocumentFormat {
  static final int VERSION = 1;
  static final int HEADER = 4;
  static final int ENTRY = 8;
  /** The largest STRING or BYTES value, in bytes. */
  static final int MAX_VARIABLE = 16 << 20;

  private DocumentFormat() {}

  /** A field's encoded data, ready to merge: id, type and its raw bytes (length prefix included). */
  record Part(int id, FieldType type, byte[] data, int offset, int length) {}

  static Part encode(Field field, Object value) {
    byte[] data;
    switch (field.type()) {
      case INT32 -> {
        data = new byte[4];
        LittleEndian.putInt(data, 0, (Integer) value);
      }
      case INT64 -> {
        data = new byte[8];
        LittleEndian.putLong(data, 0, (Long) value);
      }
      case FLOAT32 -> {
        data = new byte[4];
        LittleEndian.putInt(data, 0, Float.floatToRawIntBits((Float) value));
      }
      case FLOAT64 -> {
        data = new byte[8];
        LittleEndian.putLong(data, 0, Double.doubleToRawLongBits((Double) value));
      }
      case BOOLEAN -> data = new byte[] {(byte) ((Boolean) value ? 1 : 0)};
      case STRING, BYTES -> {
        byte[] raw = value instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : (byte[]) value;
        if (raw.length > MAX_VARIABLE) {
          throw new IllegalArgumentException("field '" + field.name() + "' is " + raw.length
              + " bytes; the limit for a STRING or BYTES field is " + MAX_VARIABLE);
        }
        data = new byte[4 + raw.length];
        LittleEndian.putInt(data, 0, raw.length);
        System.arraycopy(raw, 0, data, 4, raw.length);
      }
      default -> throw new AssertionError(field.type());
    }
    return new Part(field.id(), field.type(), data, 0, data.length);
  }

  /**
   * Splits an encoded document into its parts, in id order.
   *
   * @throws IllegalStateException if the bytes are not a well-formed document
   */
  static Part[] parse(byte[] doc) {
    if (doc.length < HEADER || (doc[0] & 0xFF) != VERSION) {
      throw new IllegalStateException("not a version " + VERSION + " document (" + doc.length + " bytes)");
    }
    int n = LittleEndian.getShort(doc, 2) & 0xFFFF;
    int dataStart = HEADER + ENTRY * n;
    if (dataStart > doc.length) {
      throw new IllegalStateException("document field table runs past its end");
    }
    Part[] parts = new Part[n];
    int previous = -1;
    for (int i = 0; i < n; i++) {
      int e = HEADER + ENTRY * i;
      int id = LittleEndian.getShort(doc, e) & 0xFFFF;
      FieldType type = FieldType.ofCode(doc[e + 2] & 0xFF);
      int offset = LittleEndian.getInt(doc, e + 4);
      if (id <= previous || type == null || offset < dataStart || offset > doc.length) {
        throw new IllegalStateException("document field entry " + i + " is malformed");
      }
      previous = id;
      int length;
      if (type.isFixedWidth()) {
        length = type.width();
      } else {
        if (offset + 4 > doc.length) {
          throw new IllegalStateException("document field " + id + " length runs past the end");
        }
        length = 4 + LittleEndian.getInt(doc, offset);
      }
      if (length < 0 || offset + (long) length > doc.length) {
        throw new IllegalStateException("document field " + id + " runs past the end");
      }
      parts[i] = new Part(id, type, doc, offset, length);
    }
    return parts;
  }

  /** Encodes parts (sorted by id, ids distinct) into a document. */
  static byte[] assemble(Part[] parts, int count) {
    int size = HEADER + ENTRY * count;
    for (int i = 0; i < count; i++) {
      size += parts[i].length();
    }
    byte[] doc = new byte[size];
    doc[0] = VERSION;
    LittleEndian.putShort(doc, 2, (short) count);
    int at = HEADER + ENTRY * count;
    for (int i = 0; i < count; i++) {
      Part p = parts[i];
      int e = HEADER + ENTRY * i;
      LittleEndian.putShort(doc, e, (short) p.id());
      doc[e + 2] = (byte) p.type().code();
      LittleEndian.putInt(doc, e + 4, at);
      System.arraycopy(p.data(), p.offset(), doc, at, p.length());
      at += p.length();
    }
    return doc;
  }

  /**
   * Merges {@code updates} (sorted by id) over the parts of {@code existing} (null for a new
   * document), dropping the ids in {@code removeIds} (sorted) and any id {@code keep} rejects.
   */
  static byte[] merge(byte[] existing, Part[] updates, int[] removeIds, java.util.function.IntPredicate keep) {
    Part[] old = existing == null ? new Part[0] : parse(existing);
    Part[] out = new Part[old.length + updates.length];
    int n = 0;
    int i = 0;
    int j = 0;
    while (i < old.length || j < updates.length) {
      Part next;
      if (j >= updates.length || (i < old.length && old[i].id() < updates[j].id())) {
        next = old[i++];
      } else if (i >= old.length || updates[j].id() < old[i].id()) {
        next = updates[j++];
      } else {
        next = updates[j++];
        i++;
      }
      if (keep.test(next.id()) && Arrays.binarySearch(removeIds, next.id()) < 0) {
        out[n++] = next;
      }
    }
    return assemble(out, n);
  }

  static Object decode(Part p) {
    byte[] d = p.data();
    int o = p.offset();
    return switch (p.type()) {
      case INT32 -> LittleEndian.getInt(d, o);
      case INT64 -> LittleEndian.getLong(d, o);
      case FLOAT32 -> Float.intBitsToFloat(LittleEndian.getInt(d, o));
      case FLOAT64 -> Double.longBitsToDouble(LittleEndian.getLong(d, o));
      case BOOLEAN -> d[o] != 0;
      case STRING -> new String(d, o + 4, p.length() - 4, StandardCharsets.UTF_8);
      case BYTES -> Arrays.copyOfRange(d, o + 4, o + p.length());
    };
  }
}
