package io.inkv.store.document;

import io.inkv.store.Store;
import io.inkv.store.StoreException;
import io.inkv.store.StoreOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Documents over a {@link Store}: each key holds a set of named, typed fields under a schema the
 * store persists, and a write merges fields into what is there.
 *
 * <pre>{@code
 * try (DocumentStore users = DocumentStore.open(StoreOptions.builder(dir).build())) {
 *   users.upsert("alice", Document.builder().put("name", "Alice").put("age", 22).build());
 *   users.upsert("alice", Document.builder().put("age", 25).put("city", "San Francisco").build());
 *   users.getInt("alice", "age");   // OptionalInt[25]; "name" and "city" are there too
 * }
 * }</pre>
 *
 * <p>Keys are strings (stored as UTF-8) or bytes. Field names are 1 to 255 UTF-8 bytes. Writes of
 * one key are atomic and linearizable (they are {@link Store#update} calls); reads never block.
 * The schema grows as writes bring new field names; a field keeps its type, and a write of another
 * type is rejected with {@link SchemaException} and changes nothing.
 */
public interface DocumentStore extends AutoCloseable {

  /**
   * Returns whether {@code directory} holds a document store (a store with a document schema),
   * without opening it.
   */
  static boolean exists(Path directory) {
    return Store.exists(directory) && java.nio.file.Files.isRegularFile(directory.resolve(Schema.FILE));
  }

  /** Opens (or creates) the document store in {@code options.directory()}, without a partitioning field. */
  static DocumentStore open(StoreOptions options) {
    return LocalDocumentStore.open(options, null);
  }

  /**
   * Opens (or creates) the document store in {@code options.directory()}. A new store records
   * {@code partitionKey} (or none, if null) for good: replication then places each document by
   * that field's value instead of its key, and every upsert must carry the field.
   *
   * @throws SchemaException if the store exists with another partitioning field
   */
  static DocumentStore open(StoreOptions options, String partitionKey) {
    return LocalDocumentStore.open(options, partitionKey);
  }

  /**
   * Returns documents over an open {@code store}, reading (or creating) the schema in its
   * directory. Closing the document store closes {@code store}.
   *
   * @throws SchemaException if the directory's schema file is damaged
   */
  static DocumentStore over(Store store) {
    return LocalDocumentStore.over(store, null, true);
  }

  /**
   * Returns a codec for whole documents in this store's schema, for a cache whose values are
   * documents: encoding adds the fields a document brings to the schema; a put through such a
   * cache replaces the whole document, where {@link #upsert} merges.
   */
  io.inkv.store.codec.Codec<Document> codec();

  /** Returns the current schema. */
  Schema schema();

  /**
   * Returns the live field named {@code name}, to pass to the {@link DocumentView} getters.
   *
   * @throws IllegalArgumentException if the schema has no such field
   */
  Field field(String name);

  /**
   * Merges {@code fields} into the document of {@code key}, creating it if absent: each field
   * given replaces that field's value; fields not given keep theirs.
   *
   * @throws SchemaException if a field exists with another type
   * @throws IllegalArgumentException if a value or the whole document is over the size limits
   */
  void upsert(byte[] key, Document fields);

  /** Same as {@link #upsert(byte[], Document)} with the key's UTF-8 bytes. */
  default void upsert(String key, Document fields) {
    upsert(key.getBytes(StandardCharsets.UTF_8), fields);
  }

  /**
   * Removes the named fields from the document of {@code key}; returns whether the document exists.
   *
   * @throws IllegalArgumentException if a name is not a field of the schema
   */
  boolean deleteFields(byte[] key, String... names);

  /** Same as {@link #deleteFields(byte[], String...)} with the key's UTF-8 bytes. */
  default boolean deleteFields(String key, String... names) {
    return deleteFields(key.getBytes(StandardCharsets.UTF_8), names);
  }

  /** Deletes the document of {@code key}; returns whether it existed. */
  boolean delete(byte[] key);

  /** Same as {@link #delete(byte[])} with the key's UTF-8 bytes. */
  default boolean delete(String key) {
    return delete(key.getBytes(StandardCharsets.UTF_8));
  }

  /** Returns a copy of every field of the document of {@code key}, or null if there is none. */
  Document get(byte[] key);

  /** Same as {@link #get(byte[])} with the key's UTF-8 bytes. */
  default Document get(String key) {
    return get(key.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Points {@code view} at the document of {@code key}, reading nothing yet; returns whether
   * the document exists. Allocates nothing.
   */
  boolean read(byte[] key, DocumentView view);

  /**
   * Returns the value of one field of one document, boxed (a copy for BYTES), or empty if the
   * document or the field is absent.
   *
   * @throws IllegalArgumentException if {@code field} is not a field of the schema
   */
  Optional<Object> getField(String key, String field);

  /** Returns an INT32 field, or empty if the document or field is absent. */
  OptionalInt getInt(String key, String field);

  /** Returns an INT64 field, or empty if the document or field is absent. */
  OptionalLong getLong(String key, String field);

  /** Returns a FLOAT64 field, or empty if the document or field is absent. */
  OptionalDouble getDouble(String key, String field);

  /** Returns a STRING field, or empty if the document or field is absent. */
  Optional<String> getString(String key, String field);

  /**
   * Reads {@code fields} of each of {@code keys} in one call. The result has one row per key, in
   * the order of {@code keys}, and one column per field, in the order of {@code fields}; a cell is
   * the boxed value (a copy for BYTES), or null where the document or the field is absent.
   *
   * @throws IllegalArgumentException if a field is not a field of the schema
   */
  Object[][] getAll(List<String> keys, List<String> fields);

  /**
   * Returns a generated implementation of {@code iface} whose getters read this store's fields in
   * place from a {@link DocumentView}; see {@link DocumentType}.
   *
   * @throws IllegalArgumentException if a getter names no field of the schema or returns another type
   */
  default <T> DocumentType<T> typed(Class<T> iface) {
    return DocumentType.generate(iface, this);
  }

  /** Drops the named fields from the schema and so from every document; returns how many existed. */
  int dropFields(String... names);

  /** Drops every field whose name starts with {@code prefix}; returns how many there were. */
  int dropFieldsWithPrefix(String prefix);

  /** Deletes every document and drops every field. */
  void dropAll();

  /** Returns the store the documents live in. */
  Store store();

  /**
   * Writes a consistent copy of the documents (their store and schema) into {@code target}; see
   * {@link Store#snapshot(Path)}.
   *
   * @return the files written into {@code target}
   * @throws Store.ReadOnlyException if the store was opened read-only
   * @throws Store.StorageException if a file cannot be linked, copied or written
   */
  List<Path> snapshot(Path target);

  /** Closes the underlying store. */
  @Override
  void close();

  /** Thrown when a write does not fit the schema (a field of another type) or a schema file is bad. */
  final class SchemaException extends StoreException {
    private static final long serialVersionUID = 1L;

    public SchemaException(String message) {
      super(message);
    }
  }
}
