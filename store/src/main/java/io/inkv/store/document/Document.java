package io.inkv.store.document;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A set of named, typed field values: what an upsert writes and what a get returns. Immutable.
 *
 * <p>Values are {@code Integer} (INT32), {@code Long} (INT64), {@code Float} (FLOAT32),
 * {@code Double} (FLOAT64), {@code Boolean}, {@code String} or {@code byte[]} (BYTES; copied in
 * and out).
 */
public final class Document {
  private static final Document EMPTY = new Document(new LinkedHashMap<>());

  private final Map<String, Object> fields;

  private Document(LinkedHashMap<String, Object> fields) {
    this.fields = fields;
  }

  /** Returns a document with no fields. */
  public static Document empty() {
    return EMPTY;
  }

  /** Starts a document. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the field names and values, in the order they were added (or in id order when read). */
  public Map<String, Object> asMap() {
    return Collections.unmodifiableMap(fields);
  }

  /** Returns the number of fields. */
  public int size() {
    return fields.size();
  }

  /** Returns whether the document has field {@code name}. */
  public boolean has(String name) {
    return fields.containsKey(name);
  }

  /** Returns the value of {@code name} (a copy for BYTES), or null if the document lacks it. */
  public Object get(String name) {
    Object v = fields.get(name);
    return v instanceof byte[] b ? b.clone() : v;
  }

  Object raw(String name) {
    return fields.get(name);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Document other) || other.fields.size() != fields.size()) {
      return false;
    }
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      Object mine = e.getValue();
      Object theirs = other.fields.get(e.getKey());
      if (mine instanceof byte[] a) {
        if (!(theirs instanceof byte[] b) || !Arrays.equals(a, b)) {
          return false;
        }
      } else if (!mine.equals(theirs)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      Object v = e.getValue();
      h += e.getKey().hashCode() ^ (v instanceof byte[] b ? Arrays.hashCode(b) : v.hashCode());
    }
    return h;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      Object v = e.getValue();
      sb.append(e.getKey()).append('=');
      if (v instanceof byte[] b) {
        sb.append("bytes[").append(b.length).append(']');
      } else if (v instanceof String s) {
        sb.append('"').append(s).append('"');
      } else {
        sb.append(v);
      }
    }
    return sb.append('}').toString();
  }

  /** Collects field values; a later value for the same name replaces the earlier one. */
  public static final class Builder {
    private final LinkedHashMap<String, Object> fields = new LinkedHashMap<>();

    private Builder() {}

    private Builder add(String name, Object value) {
      Schema.checkName(name);
      fields.put(name, value);
      return this;
    }

    /** Sets an INT32 field. */
    public Builder put(String name, int value) {
      return add(name, value);
    }

    /** Sets an INT64 field. */
    public Builder put(String name, long value) {
      return add(name, value);
    }

    /** Sets a FLOAT32 field. */
    public Builder put(String name, float value) {
      return add(name, value);
    }

    /** Sets a FLOAT64 field. */
    public Builder put(String name, double value) {
      return add(name, value);
    }

    /** Sets a BOOLEAN field. */
    public Builder put(String name, boolean value) {
      return add(name, value);
    }

    /** Sets a STRING field. */
    public Builder put(String name, String value) {
      return add(name, Objects.requireNonNull(value, name));
    }

    /** Sets a BYTES field (the array is copied). */
    public Builder put(String name, byte[] value) {
      return add(name, Objects.requireNonNull(value, name).clone());
    }

    /**
     * Sets a field from a value of one of the field types' Java classes.
     *
     * @throws IllegalArgumentException if no field type holds {@code value}
     */
    public Builder putObject(String name, Object value) {
      FieldType type = FieldType.of(Objects.requireNonNull(value, name));
      if (type == null) {
        throw new IllegalArgumentException("field '" + name + "': " + value.getClass().getName()
            + " is not a field type (int, long, float, double, boolean, String, byte[])");
      }
      return add(name, value instanceof byte[] b ? b.clone() : value);
    }

    /** Returns the document. */
    public Document build() {
      return fields.isEmpty() ? EMPTY : new Document(new LinkedHashMap<>(fields));
    }
  }

  static Document of(LinkedHashMap<String, Object> fields) {
    return fields.isEmpty() ? EMPTY : new Document(fields);
  }
}
