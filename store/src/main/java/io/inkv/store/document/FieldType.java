package io.inkv.store.document;

/** The type of a document field; fixed for a field once the schema has it. */
public enum FieldType {
  INT32(1, 4),
  INT64(2, 8),
  FLOAT32(3, 4),
  FLOAT64(4, 8),
  BOOLEAN(5, 1),
  STRING(6, -1),
  BYTES(7, -1);

  private static final FieldType[] BY_CODE = {null, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES};

  private final int code;
  private final int width;

  FieldType(int code, int width) {
    this.code = code;
    this.width = width;
  }

  /** Returns the type's code in the document format. */
  public int code() {
    return code;
  }

  /** Returns the width in bytes of a fixed-width type, or -1 for STRING and BYTES. */
  public int width() {
    return width;
  }

  /** Returns whether values of this type have a fixed width. */
  public boolean isFixedWidth() {
    return width > 0;
  }

  /** Returns the type with {@code code}, or null if none has it. */
  public static FieldType ofCode(int code) {
    return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }

  /** Returns the type of a Java value, or null if no field type holds it. */
  public static FieldType of(Object value) {
    if (value instanceof Integer) {
      return INT32;
    } else if (value instanceof Long) {
      return INT64;
    } else if (value instanceof Float) {
      return FLOAT32;
    } else if (value instanceof Double) {
      return FLOAT64;
    } else if (value instanceof Boolean) {
      return BOOLEAN;
    } else if (value instanceof String) {
      return STRING;
    } else if (value instanceof byte[]) {
      return BYTES;
    }
    return null;
  }
}
