package io.inkv.store.document;

import io.inkv.store.Store;
import io.inkv.store.internal.DurableFiles;
import io.inkv.store.StoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The fields a document store knows: each name's id and type, and the optional partitioning
 * field. Immutable; a store publishes a new schema when a write adds a field or a drop removes one.
 *
 * <p>A field keeps its type for as long as it exists; a write of another type is rejected. A
 * dropped field's id is never reused: a later write of the same name creates a new field (which
 * may have another type), and data written under the old id is ignored from the drop on.
 */
public final class Schema {
  /** The longest field name, in UTF-8 bytes. */
  public static final int MAX_FIELD_NAME_LENGTH = 255;
  /** The most fields a store can ever create (ids are 16-bit and never reused). */
  public static final int MAX_FIELD_ID = 0xFFFF;

  static final String FILE = "documents.meta";
  private static final int FORMAT_VERSION = 1;

  private final Map<String, Field> byName;
  private final Field[] byId;
  private final List<Field> live;
  private final String partitionKey;
  private final int nextId;

  private Schema(Map<String, Field> byName, Field[] byId, String partitionKey, int nextId) {
    this.byName = byName;
    this.byId = byId;
    this.partitionKey = partitionKey;
    this.nextId = nextId;
    List<Field> fields = new ArrayList<>(byName.values());
    fields.sort((a, b) -> Integer.compare(a.id(), b.id()));
    this.live = Collections.unmodifiableList(fields);
  }

  static Schema empty(String partitionKey) {
    return new Schema(Map.of(), new Field[0], partitionKey, 1);
  }

  /** Returns the live field named {@code name}, if any. */
  public Optional<Field> field(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** Returns the live fields in id order. */
  public List<Field> fields() {
    return live;
  }

  /** Returns the partitioning field's name, fixed when the store was created, if it has one. */
  public Optional<String> partitionKey() {
    return Optional.ofNullable(partitionKey);
  }

  /** Returns the live field with {@code id}, or null if there is none or it was dropped. */
  Field byId(int id) {
    return id < byId.length ? byId[id] : null;
  }

  Field get(String name) {
    return byName.get(name);
  }

  static void checkName(String name) {
    if (name == null) {
      throw new NullPointerException("field name");
    }
    int length = name.getBytes(StandardCharsets.UTF_8).length;
    if (length == 0 || length > MAX_FIELD_NAME_LENGTH) {
      throw new IllegalArgumentException("field name must be 1 to " + MAX_FIELD_NAME_LENGTH
          + " UTF-8 bytes: '" + (name.length() > 40 ? name.substring(0, 40) + "...' (" + length + " bytes)" : name + "'"));
    }
    for (int i = 0; i < name.length(); i++) {
      if (Character.isISOControl(name.charAt(i))) {
        throw new IllegalArgumentException("field name must not contain control characters: '" + name.strip() + "'");
      }
    }
  }

  /** Returns a schema with the given new fields added (names already checked and absent). */
  Schema withAdded(List<String> names, List<FieldType> types) {
    if (nextId + names.size() - 1 > MAX_FIELD_ID) {
      throw new DocumentStore.SchemaException("the schema has created " + (nextId - 1)
          + " fields; it cannot create " + names.size() + " more (the limit is " + MAX_FIELD_ID + ")");
    }
    Map<String, Field> nameMap = new HashMap<>(byName);
    Field[] idMap = java.util.Arrays.copyOf(byId, nextId + names.size());
    int id = nextId;
    for (int i = 0; i < names.size(); i++) {
      Field f = new Field(names.get(i), id, types.get(i));
      nameMap.put(f.name(), f);
      idMap[id] = f;
      id++;
    }
    return new Schema(nameMap, idMap, partitionKey, id);
  }

  /** Returns a schema without the named fields. */
  Schema without(List<Field> dropped) {
    Map<String, Field> nameMap = new HashMap<>(byName);
    Field[] idMap = byId.clone();
    for (Field f : dropped) {
      nameMap.remove(f.name());
      idMap[f.id()] = null;
    }
    return new Schema(nameMap, idMap, partitionKey, nextId);
  }

  // ------------------------------------------------------------ persistence

  /*
   * documents.meta, a text file in the store's directory (the store leaves *.meta files to the
   * layers above it):
   *
   *   format=inkv-documents
   *   formatVersion=1
   *   nextId=<next field id>
   *   partitionKey=<field name, or empty>
   *   field=<id> <TYPE> <name>      one line per live field; the name runs to the end of the line
   *   crc32c=<8 hex digits over everything above>
   *
   * Replaced atomically (temp file, fsync, rename, fsync directory) before any document uses a
   * new field, so a document never refers to a field id the schema file lacks.
   */
  static Schema read(Path directory) {
    Path path = directory.resolve(FILE);
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new StoreException(path + ": cannot read the document schema: " + e, e);
    } catch (RuntimeException e) {
      throw new DocumentStore.SchemaException(path + ": not a document schema (not UTF-8 text)");
    }
    int crcAt = text.lastIndexOf("crc32c=");
    if (crcAt < 0 || !text.startsWith("format=inkv-documents\n")) {
      throw new DocumentStore.SchemaException(path + ": not an inkv document schema");
    }
    String body = text.substring(0, crcAt);
    CRC32C crc = new CRC32C();
    crc.update(body.getBytes(StandardCharsets.UTF_8));
    if (!String.format("%08x", crc.getValue()).equals(text.substring(crcAt + 7).trim())) {
      throw new DocumentStore.SchemaException(path + ": checksum mismatch (the file is damaged)");
    }
    String partitionKey = null;
    int nextId = -1;
    Map<String, Field> byName = new HashMap<>();
    List<Field> fields = new ArrayList<>();
    for (String line : body.split("\n")) {
      try {
        if (line.startsWith("formatVersion=")) {
          int version = Integer.parseInt(line.substring(14));
          if (version != FORMAT_VERSION) {
            throw new DocumentStore.SchemaException(path + ": document schema format version " + version
                + " is not supported (this inkv reads version " + FORMAT_VERSION + ")");
          }
        } else if (line.startsWith("nextId=")) {
          nextId = Integer.parseInt(line.substring(7));
        } else if (line.startsWith("partitionKey=")) {
          partitionKey = line.length() > 13 ? line.substring(13) : null;
        } else if (line.startsWith("field=")) {
          String[] parts = line.substring(6).split(" ", 3);
          Field f = new Field(parts[2], Integer.parseInt(parts[0]), FieldType.valueOf(parts[1]));
          byName.put(f.name(), f);
          fields.add(f);
        }
      } catch (RuntimeException e) {
        if (e instanceof DocumentStore.SchemaException) {
          throw e;
        }
        throw new DocumentStore.SchemaException(path + ": malformed line '" + line + "'");
      }
    }
    if (nextId < 1) {
      throw new DocumentStore.SchemaException(path + ": no nextId");
    }
    Field[] byId = new Field[nextId];
    for (Field f : fields) {
      if (f.id() < 1 || f.id() >= nextId || byId[f.id()] != null) {
        throw new DocumentStore.SchemaException(path + ": field id " + f.id() + " is out of range or repeated");
      }
      byId[f.id()] = f;
    }
    return new Schema(byName, byId, partitionKey, nextId);
  }

  void write(Path directory, boolean force) {
    StringBuilder body = new StringBuilder();
    body.append("format=inkv-documents\nformatVersion=").append(FORMAT_VERSION).append('\n');
    body.append("nextId=").append(nextId).append('\n');
    body.append("partitionKey=").append(partitionKey == null ? "" : partitionKey).append('\n');
    for (Field f : live) {
      body.append("field=").append(f.id()).append(' ').append(f.type().name()).append(' ').append(f.name()).append('\n');
    }
    CRC32C crc = new CRC32C();
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    crc.update(bytes);
    byte[] content = (body + "crc32c=" + String.format("%08x", crc.getValue()) + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      DurableFiles.writeAtomically(directory.resolve(FILE), content, force);
    } catch (Store.StorageException e) {
      throw new StoreException(directory.resolve(FILE) + ": cannot write the document schema: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "Schema" + live + (partitionKey == null ? "" : " partitioned by " + partitionKey);
  }
}
