package io.inkv.store.document;

import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.BiFunction;

/*
 * DocumentStore over a Store. The schema is an immutable object in a volatile field; adding or
 * dropping fields happens under schemaLock and writes documents.meta before the new schema is
 * published, so no document on disk ever names a field id the schema file lacks. An upsert
 * resolves its field names first (adding new ones), encodes its values, and then merges them into
 * the stored bytes inside Store.update, which runs under the key's lock: two upserts of one key
 * never lose each other's fields. Dropped field ids are filtered out on every read and stripped
 * from a document the next time it is written.
 */
final class LocalDocumentStore implements DocumentStore {
  private final Store store;
  private final boolean force;
  private final Object schemaLock = new Object();
  private volatile Schema schema;

  private LocalDocumentStore(Store store, Schema schema, boolean force) {
    this.store = store;
    this.schema = schema;
    this.force = force;
  }

  static LocalDocumentStore open(StoreOptions options, String partitionKey) {
    if (partitionKey != null) {
      Schema.checkName(partitionKey);
    }
    Store store = Store.open(options);
    try {
      return over(store, partitionKey, !options.temporary());
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  static LocalDocumentStore over(Store store, String partitionKey, boolean force) {
    Schema schema = Schema.read(store.directory());
    if (schema == null) {
      schema = Schema.empty(partitionKey);
      schema.write(store.directory(), force);
    } else if (partitionKey != null && !partitionKey.equals(schema.partitionKey().orElse(null))) {
      throw new SchemaException(store.directory() + ": the store was created "
          + schema.partitionKey().map(k -> "partitioned by '" + k + "'").orElse("without a partitioning field")
          + "; it cannot be opened partitioned by '" + partitionKey + "'");
    }
    return new LocalDocumentStore(store, schema, force);
  }

  /** Encodes a whole document in this store's schema, adding fields it brings. */
  byte[] encodeWhole(Document doc) {
    DocumentFormat.Part[] parts = encodeFields(doc);
    return DocumentFormat.assemble(parts, parts.length);
  }

  /** Encodes each field of {@code doc} in this store's schema, adding fields it brings; the parts in field id order. */
  private DocumentFormat.Part[] encodeFields(Document doc) {
    Field[] resolved = resolve(doc);
    DocumentFormat.Part[] parts = new DocumentFormat.Part[resolved.length];
    int i = 0;
    for (Field f : resolved) {
      parts[i++] = DocumentFormat.encode(f, doc.raw(f.name()));
    }
    Arrays.sort(parts, (a, b) -> Integer.compare(a.id(), b.id()));
    return parts;
  }

  @Override
  public io.inkv.store.codec.Codec<Document> codec() {
    return new DocumentCodec(this);
  }

  @Override
  public Schema schema() {
    return schema;
  }

  @Override
  public Field field(String name) {
    Field f = schema.get(Objects.requireNonNull(name, "name"));
    if (f == null) {
      throw new IllegalArgumentException("unknown field '" + name + "'; the schema has " + fieldNames());
    }
    return f;
  }

  private String fieldNames() {
    List<String> names = new ArrayList<>();
    for (Field f : schema.fields()) {
      names.add(f.name());
    }
    return names.toString();
  }

  /** Returns the fields for {@code doc}'s names, adding new ones to the schema; checks types. */
  private Field[] resolve(Document doc) {
    Map<String, Object> values = doc.asMap();
    Field[] fields = new Field[values.size()];
    Schema current = schema;
    List<String> missing = null;
    int i = 0;
    for (Map.Entry<String, Object> e : values.entrySet()) {
      Field f = current.get(e.getKey());
      if (f == null) {
        if (missing == null) {
          missing = new ArrayList<>();
        }
        missing.add(e.getKey());
      } else {
        checkType(f, e.getValue());
      }
      fields[i++] = f;
    }
    if (missing != null) {
      synchronized (schemaLock) {
        Schema latest = schema;
        List<String> names = new ArrayList<>();
        List<FieldType> types = new ArrayList<>();
        for (String name : missing) {
          Field f = latest.get(name);
          if (f == null) {
            names.add(name);
            types.add(FieldType.of(values.get(name)));
          } else {
            checkType(f, values.get(name));
          }
        }
        if (!names.isEmpty()) {
          Schema next = latest.withAdded(names, types);
          next.write(store.directory(), force);
          schema = next;
        }
        current = schema;
      }
      i = 0;
      for (String name : values.keySet()) {
        fields[i++] = current.get(name);
      }
    }
    return fields;
  }

  private static void checkType(Field f, Object value) {
    FieldType given = FieldType.of(value);
    if (given != f.type()) {
      throw new SchemaException("field '" + f.name() + "' is " + f.type() + "; a " + given
          + " value (" + value.getClass().getSimpleName() + ") cannot be written to it");
    }
  }

  @Override
  public void upsert(byte[] key, Document fields) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(fields, "fields");
    Schema current = schema;
    current.partitionKey().ifPresent(pk -> {
      if (!fields.has(pk)) {
        throw new IllegalArgumentException("every upsert must carry the partitioning field '" + pk + "'");
      }
    });
    DocumentFormat.Part[] parts = encodeFields(fields);
    store.update(key, (cur, writer) -> {
      Schema now = schema;
      byte[] merged = DocumentFormat.merge(cur == null ? null : cur.value(), parts, new int[0], id -> now.byId(id) != null);
      checkSize(key, merged);
      writer.put(merged, cur == null ? Store.NEVER : cur.expireAt());
      return null;
    });
  }

  private void checkSize(byte[] key, byte[] doc) {
    int limit = store.maxValueLength() - key.length;
    if (doc.length > limit) {
      throw new IllegalArgumentException("the document would be " + doc.length + " bytes; the limit with a "
          + key.length + "-byte key is " + limit + " (set by the store's segmentSize)");
    }
  }

  @Override
  public boolean deleteFields(byte[] key, String... names) {
    Objects.requireNonNull(key, "key");
    int[] ids = new int[names.length];
    for (int i = 0; i < names.length; i++) {
      ids[i] = field(names[i]).id();
    }
    Arrays.sort(ids);
    return store.update(key, (cur, writer) -> {
      if (cur == null) {
        return false;
      }
      Schema now = schema;
      writer.put(DocumentFormat.merge(cur.value(), new DocumentFormat.Part[0], ids, id -> now.byId(id) != null),
          cur.expireAt());
      return true;
    });
  }

  @Override
  public boolean delete(byte[] key) {
    return store.remove(key);
  }

  @Override
  public Document get(byte[] key) {
    byte[] doc = store.get(key);
    return doc == null ? null : decode(doc);
  }

  Document decode(byte[] doc) {
    Schema now = schema;
    LinkedHashMap<String, Object> fields = new LinkedHashMap<>();
    for (DocumentFormat.Part p : DocumentFormat.parse(doc)) {
      Field f = now.byId(p.id());
      if (f != null) {
        fields.put(f.name(), DocumentFormat.decode(p));
      }
    }
    return Document.of(fields);
  }

  @Override
  public boolean read(byte[] key, DocumentView view) {
    if (store.get(key, view.value())) {
      view.filled(this);
      return true;
    }
    view.cleared();
    return false;
  }

  @Override
  public Optional<Object> getField(String key, String field) {
    return readField(key, field, (view, f) -> Optional.of(boxed(view, f)), Optional.empty());
  }

  private static Object boxed(DocumentView view, Field f) {
    return switch (f.type()) {
      case INT32 -> view.getInt(f, 0);
      case INT64 -> view.getLong(f, 0);
      case FLOAT32 -> view.getFloat(f, 0);
      case FLOAT64 -> view.getDouble(f, 0);
      case BOOLEAN -> view.getBoolean(f, false);
      case STRING -> view.getString(f);
      case BYTES -> view.getBytes(f);
    };
  }

  /**
   * The single-field reads: what {@code reader} makes of {@code key}'s document and its field
   * {@code field} if the document is stored and has the field, else {@code absent}.
   */
  private <T> T readField(String key, String field, BiFunction<DocumentView, Field, T> reader, T absent) {
    Field f = field(field);
    DocumentView view = new DocumentView();
    return read(key.getBytes(StandardCharsets.UTF_8), view) && view.has(f) ? reader.apply(view, f) : absent;
  }

  @Override
  public OptionalInt getInt(String key, String field) {
    return readField(key, field, (view, f) -> OptionalInt.of(view.getInt(f, 0)), OptionalInt.empty());
  }

  @Override
  public OptionalLong getLong(String key, String field) {
    return readField(key, field, (view, f) -> OptionalLong.of(view.getLong(f, 0)), OptionalLong.empty());
  }

  @Override
  public OptionalDouble getDouble(String key, String field) {
    return readField(key, field, (view, f) -> OptionalDouble.of(view.getDouble(f, 0)), OptionalDouble.empty());
  }

  @Override
  public Optional<String> getString(String key, String field) {
    Field f = field(field);
    DocumentView view = new DocumentView(); // getString checks the field's type even if the document lacks it
    return read(key.getBytes(StandardCharsets.UTF_8), view) ? Optional.ofNullable(view.getString(f)) : Optional.empty();
  }

  @Override
  public Object[][] getAll(List<String> keys, List<String> fields) {
    Field[] resolved = new Field[fields.size()];
    for (int i = 0; i < resolved.length; i++) {
      resolved[i] = field(fields.get(i));
    }
    Object[][] out = new Object[keys.size()][resolved.length];
    DocumentView view = new DocumentView();
    for (int k = 0; k < out.length; k++) {
      if (read(keys.get(k).getBytes(StandardCharsets.UTF_8), view)) {
        for (int j = 0; j < resolved.length; j++) {
          out[k][j] = view.has(resolved[j]) ? boxed(view, resolved[j]) : null;
        }
      }
    }
    return out;
  }

  @Override
  public int dropFields(String... names) {
    synchronized (schemaLock) {
      List<Field> dropped = new ArrayList<>();
      for (String name : names) {
        Field f = schema.get(name);
        if (f != null) {
          dropped.add(f);
        }
      }
      return drop(dropped);
    }
  }

  @Override
  public int dropFieldsWithPrefix(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    synchronized (schemaLock) {
      List<Field> dropped = new ArrayList<>();
      for (Field f : schema.fields()) {
        if (f.name().startsWith(prefix)) {
          dropped.add(f);
        }
      }
      return drop(dropped);
    }
  }

  private int drop(List<Field> dropped) {
    if (!dropped.isEmpty()) {
      Schema next = schema.without(dropped);
      next.write(store.directory(), force);
      schema = next;
    }
    return dropped.size();
  }

  @Override
  public void dropAll() {
    synchronized (schemaLock) {
      store.clear();
      drop(new ArrayList<>(schema.fields()));
    }
  }

  @Override
  public List<Path> snapshot(Path target) {
    return store.snapshot(target); // the schema is a *.meta file: the store links it
  }

  @Override
  public Store store() {
    return store;
  }

  @Override
  public void close() {
    store.close();
  }

  @Override
  public String toString() {
    return "DocumentStore[" + store.directory() + ", " + schema + "]";
  }
}
