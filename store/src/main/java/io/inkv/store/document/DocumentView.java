package io.inkv.store.document;

import io.inkv.store.ValueView;
import io.inkv.store.memory.Region;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;

/**
 * A reusable, allocation-free reader of one stored document, reading fields in place from the
 * mapped record. Fill it with {@link DocumentStore#read(byte[], DocumentView)}.
 *
 * <p>The numeric and boolean getters allocate nothing; {@link #getString} and {@link #getBytes}
 * return copies, while {@link #region()} with {@link #dataOffset} and {@link #dataLength} read a
 * STRING or BYTES field in place. The validity rules of {@link ValueView} apply: a view shows the
 * document as it was when filled, stays valid until refilled or its store is closed, and is not
 * thread-safe.
 *
 * <p>Every getter throws {@link IllegalArgumentException} if the field is of another type than the
 * getter reads, or if it was dropped from the schema.
 */
public final class DocumentView {
  private final ValueView value = new ValueView();
  private LocalDocumentStore store;
  private int count;

  /** Creates an empty view. */
  public DocumentView() {}

  ValueView value() {
    return value;
  }

  void filled(LocalDocumentStore store) {
    this.store = store;
    this.count = value.getShort(2) & 0xFFFF;
  }

  void cleared() {
    this.store = null;
    this.count = 0;
  }

  /** Returns whether the view holds a document. */
  public boolean isPresent() {
    return store != null && value.isPresent();
  }

  /** Returns the index of {@code field}'s entry, or -1 if the document lacks it. */
  private int entry(Field field, FieldType expected) {
    LocalDocumentStore s = store;
    if (s == null) {
      throw new IllegalStateException("the view holds no document");
    }
    if (field.type() != expected) {
      throw new IllegalArgumentException("field '" + field.name() + "' is " + field.type()
          + ", not " + expected);
    }
    if (s.schema().byId(field.id()) != field && !field.equals(s.schema().byId(field.id()))) {
      throw new IllegalArgumentException("field '" + field.name() + "' (id " + field.id()
          + ") is not in the schema; it was dropped, or belongs to another store");
    }
    int id = field.id();
    int lo = 0;
    int hi = count - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int at = DocumentFormat.HEADER + DocumentFormat.ENTRY * mid;
      int midId = value.getShort(at) & 0xFFFF;
      if (midId < id) {
        lo = mid + 1;
      } else if (midId > id) {
        hi = mid - 1;
      } else {
        return at;
      }
    }
    return -1;
  }

  private int offset(int entry) {
    return value.getInt(entry + 4);
  }

  /** Returns whether the document has {@code field}. */
  public boolean has(Field field) {
    return entry(field, field.type()) >= 0;
  }

  /** Returns the INT32 {@code field}, or {@code ifAbsent} if the document lacks it. */
  public int getInt(Field field, int ifAbsent) {
    int e = entry(field, FieldType.INT32);
    return e < 0 ? ifAbsent : value.getInt(offset(e));
  }

  /** Returns the INT64 {@code field}, or {@code ifAbsent} if the document lacks it. */
  public long getLong(Field field, long ifAbsent) {
    int e = entry(field, FieldType.INT64);
    return e < 0 ? ifAbsent : value.getLong(offset(e));
  }

  /** Returns the FLOAT32 {@code field}, or {@code ifAbsent} if the document lacks it. */
  public float getFloat(Field field, float ifAbsent) {
    int e = entry(field, FieldType.FLOAT32);
    return e < 0 ? ifAbsent : value.getFloat(offset(e));
  }

  /** Returns the FLOAT64 {@code field}, or {@code ifAbsent} if the document lacks it. */
  public double getDouble(Field field, double ifAbsent) {
    int e = entry(field, FieldType.FLOAT64);
    return e < 0 ? ifAbsent : value.getDouble(offset(e));
  }

  /** Returns the BOOLEAN {@code field}, or {@code ifAbsent} if the document lacks it. */
  public boolean getBoolean(Field field, boolean ifAbsent) {
    int e = entry(field, FieldType.BOOLEAN);
    return e < 0 ? ifAbsent : value.getByte(offset(e)) != 0;
  }

  /** Returns a copy of the STRING {@code field}, or null if the document lacks it. */
  public String getString(Field field) {
    int e = entry(field, FieldType.STRING);
    if (e < 0) {
      return null;
    }
    int at = offset(e);
    byte[] utf8 = new byte[value.getInt(at)];
    value.getBytes(at + 4, utf8, 0, utf8.length);
    return new String(utf8, StandardCharsets.UTF_8);
  }

  /** Returns a copy of the BYTES {@code field}, or null if the document lacks it. */
  public byte[] getBytes(Field field) {
    int e = entry(field, FieldType.BYTES);
    if (e < 0) {
      return null;
    }
    int at = offset(e);
    byte[] out = new byte[value.getInt(at)];
    value.getBytes(at + 4, out, 0, out.length);
    return out;
  }

  /** Returns whether the STRING or BYTES {@code field} holds exactly {@code bytes}, without copying. */
  public boolean contentEquals(Field field, byte[] bytes) {
    int e = entry(field, field.type());
    if (e < 0 || field.type().isFixedWidth()) {
      return false;
    }
    int at = offset(e);
    if (value.getInt(at) != bytes.length) {
      return false;
    }
    for (int i = 0; i < bytes.length; i++) {
      if (value.getByte(at + 4 + i) != bytes[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns where the data of the STRING or BYTES {@code field} starts in {@link #region()}, or -1
   * if the document lacks it; with {@link #dataLength} it reads the field in place.
   */
  public int dataOffset(Field field) {
    int e = entry(field, field.type());
    if (e < 0) {
      return -1;
    }
    int at = offset(e);
    return value.regionOffset() + at + (field.type().isFixedWidth() ? 0 : 4);
  }

  /** Returns the length in bytes of {@code field}'s data, or -1 if the document lacks it. */
  public int dataLength(Field field) {
    int e = entry(field, field.type());
    if (e < 0) {
      return -1;
    }
    return field.type().isFixedWidth() ? field.type().width() : value.getInt(offset(e));
  }

  /** Returns the mapped region that holds the document, for in-place reads with {@link #dataOffset}. */
  public Region region() {
    return value.region();
  }

  /** Returns a copy of every live field of the document. */
  public Document toDocument() {
    if (store == null) {
      throw new IllegalStateException("the view holds no document");
    }
    return store.decode(value.toByteArray());
  }

  static LinkedHashMap<String, Object> newMap() {
    return new LinkedHashMap<>();
  }
}
