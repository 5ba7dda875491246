package io.inkv.replication;

import io.inkv.store.Entry;
import io.inkv.store.Store;
import io.inkv.store.document.Document;
import io.inkv.store.document.DocumentStore;
import io.inkv.store.document.DocumentView;
import io.inkv.store.document.Field;
import io.inkv.store.document.Schema;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/*
 * A document store that publishes its writes and applies the topic's: the front end of
 * KafkaReplica for DocumentStore. Upserts and field deletes are merges, so while this JVM has own
 * merges of a document in flight, an earlier remote event of that document is applied only to the
 * fields the own merges did not set (see KafkaReplica).
 *
 * With a partitioning field, a document's partition is that of the field's value bytes; deletes
 * and field deletes look the value up in the local copy.
 */
final class KafkaReplicatedDocumentStore extends KafkaReplicaFrontEnd implements ReplicatedDocumentStore {
  private final DocumentStore docs;
  private final String partitionField;

  private KafkaReplicatedDocumentStore(DocumentStore docs) {
    this.docs = docs;
    this.partitionField = docs.schema().partitionKey().orElse(null);
  }

  static KafkaReplicatedDocumentStore open(DocumentStore docs, ReplicationConfig config) {
    return started(new KafkaReplicatedDocumentStore(docs), config);
  }

  // ---- Target ----

  @Override
  public Change apply(byte[] key, Event event, OwnWrites.Pending own) {
    if (event instanceof Event.DocUpsert u) {
      Document fields = u.fields();
      if (own != null) {
        Map<String, Object> rest = new LinkedHashMap<>(fields.asMap());
        rest.keySet().removeAll(own.fieldsSet());
        if (rest.isEmpty()) {
          return null;
        }
        Document.Builder b = Document.builder();
        rest.forEach(b::putObject);
        fields = b.build();
      }
      docs.upsert(key, fields);
    } else if (event instanceof Event.DocFieldDelete d) {
      deleteKnownFields(key, d.names(), own);
    } else if (event instanceof Event.Remove) {
      if (own == null) {
        docs.delete(key);
      } else {
        Document current = docs.get(key);
        if (current != null) {
          deleteKnownFields(key, new ArrayList<>(current.asMap().keySet()), own);
        }
      }
    } else {
      throw new IllegalArgumentException("a " + event.getClass().getSimpleName() + " event does not apply to a document store");
    }
    return null;
  }

  private void deleteKnownFields(byte[] key, List<String> names, OwnWrites.Pending own) {
    List<String> known = new ArrayList<>();
    for (String n : names) {
      if (docs.schema().field(n).isPresent() && (own == null || !own.fieldsSet().contains(n))) {
        known.add(n);
      }
    }
    if (!known.isEmpty()) {
      docs.deleteFields(key, known.toArray(new String[0]));
    }
  }

  @Override
  public void applyWholeStore(Event event, OwnWrites r) {
    if (event instanceof Event.DropFields d) {
      switch (d.mode()) {
        case NAMES -> docs.dropFields(d.names().toArray(new String[0]));
        case PREFIX -> docs.dropFieldsWithPrefix(d.names().get(0));
        case ALL -> docs.dropAll();
        default -> throw new IllegalArgumentException("unknown drop mode " + d.mode());
      }
    } else if (event instanceof Event.Clear) {
      for (Iterator<Entry> it = docs.store().iterator(); it.hasNext(); ) {
        Entry e = it.next();
        if (r.pendingOf(e.key()) == null) {
          docs.delete(e.key());
        }
      }
    } else {
      throw new IllegalArgumentException("a " + event.getClass().getSimpleName() + " event does not apply to a document store");
    }
  }

  @Override
  public void flush() {
    docs.store().flush();
  }

  @Override
  public List<Path> snapshot(Path target) {
    Checkpoint.copy(docs.store().directory(), target); // first: see Checkpoint.copy
    return docs.snapshot(target);
  }

  @Override
  public Path directory() {
    return docs.store().directory();
  }

  @Override
  public TopicDescriptor.Kind kind() {
    return TopicDescriptor.Kind.DOCUMENTS;
  }

  @Override
  public String valueFormat() {
    // stores partitioned by a field place a document by that field, the others by its key
    return partitionField == null ? "documents" : "documents partitioned by field '" + partitionField + "'";
  }

  // ---- writes ----

  @Override
  public int partitionOf(Document fields) {
    if (partitionField == null) {
      throw new IllegalStateException("the document store has no partitioning field; use partitionOf(key)");
    }
    Object v = fields.get(partitionField);
    if (v == null) {
      throw new IllegalArgumentException("every upsert must carry the partitioning field '" + partitionField + "'");
    }
    return Partitioner.partitionOf(EventFormat.valueBytes(v), replica.partitionCount());
  }

  /** Returns the partition of a stored document, or -1 if this replica does not hold it. */
  private int partitionOfStored(byte[] key) {
    if (partitionField == null) {
      return replica.partitionOf(key);
    }
    Document d = docs.get(key);
    return d == null ? -1 : partitionOf(d);
  }

  @Override
  public void upsert(byte[] key, Document fields) {
    replica.checkKey(key);
    int p = partitionField == null ? replica.partitionOf(key) : partitionOf(fields);
    ReentrantLock lock = replica.lockOf(key);
    CompletableFuture<?> f;
    lock.lock();
    try {
      if (replica.ownsPartition(p)) {
        docs.upsert(key, fields);
      }
      f = replica.publish(key, p, new Event.DocUpsert(replica.now(), replica.writerId(), replica.nextSequence(), fields),
          false, fields.asMap().keySet());
    } finally {
      lock.unlock();
    }
    replica.awaitAck(f);
  }

  @Override
  public boolean deleteFields(byte[] key, String... names) {
    replica.checkKey(key);
    if (partitionField != null && Arrays.asList(names).contains(partitionField)) {
      throw new IllegalArgumentException("the partitioning field '" + partitionField + "' cannot be deleted");
    }
    return deleteStored(key, () -> docs.deleteFields(key, names),
        () -> new Event.DocFieldDelete(replica.now(), replica.writerId(), replica.nextSequence(), List.of(names)),
        false, List.of(names));
  }

  @Override
  public boolean delete(byte[] key) {
    replica.checkKey(key);
    return deleteStored(key, () -> docs.delete(key),
        () -> new Event.Remove(replica.now(), replica.writerId(), replica.nextSequence()), true, null);
  }

  /*
   * A delete or field delete, routed by the partition the local copy of the document names (see
   * partitionOfStored): false, with nothing published, when this replica does not hold it.
   */
  private boolean deleteStored(byte[] key, BooleanSupplier local, Supplier<Event> event, boolean full,
      List<String> fields) {
    ReentrantLock lock = replica.lockOf(key);
    CompletableFuture<?> f;
    boolean existed;
    lock.lock();
    try {
      int p = partitionOfStored(key);
      if (p < 0) {
        return false;
      }
      existed = replica.ownsPartition(p) && local.getAsBoolean();
      f = replica.publish(key, p, event.get(), full, fields);
    } finally {
      lock.unlock();
    }
    replica.awaitAck(f);
    return existed;
  }

  private int dropWholeStore(Event.DropMode mode, List<String> names, java.util.function.IntSupplier local) {
    long seq = replica.nextSequence();
    long now = replica.now();
    CompletableFuture<?>[] f;
    int result;
    replica.lockAll();
    try {
      result = local.getAsInt();
      f = replica.publishWholeStore(p -> new Event.DropFields(now, replica.writerId(), seq, replica.partitionCount(), p, mode,
          names));
    } finally {
      replica.unlockAll();
    }
    replica.awaitAck(f);
    return result;
  }

  @Override
  public int dropFields(String... names) {
    return dropWholeStore(Event.DropMode.NAMES, List.of(names), () -> docs.dropFields(names));
  }

  @Override
  public int dropFieldsWithPrefix(String prefix) {
    return dropWholeStore(Event.DropMode.PREFIX, List.of(prefix), () -> docs.dropFieldsWithPrefix(prefix));
  }

  @Override
  public void dropAll() {
    dropWholeStore(Event.DropMode.ALL, List.of(), () -> {
      docs.dropAll();
      return 0;
    });
  }

  /*
   * A whole-document codec would let a caller put documents encoded with this replica's local
   * field ids straight into a store whose other replicas number fields differently; replicated
   * documents travel as DOC_UPSERT events with field names instead.
   */
  @Override
  public io.inkv.store.codec.Codec<io.inkv.store.document.Document> codec() {
    throw new UnsupportedOperationException("a replicated document store has no whole-document codec:"
        + " write documents with upsert, whose events carry field names to every replica");
  }

  // ---- reads ----

  @Override
  public Schema schema() {
    return docs.schema();
  }

  @Override
  public Field field(String name) {
    return docs.field(name);
  }

  @Override
  public Document get(byte[] key) {
    return docs.get(key);
  }

  @Override
  public boolean read(byte[] key, DocumentView view) {
    return docs.read(key, view);
  }

  @Override
  public Optional<Object> getField(String key, String field) {
    return docs.getField(key, field);
  }

  @Override
  public OptionalInt getInt(String key, String field) {
    return docs.getInt(key, field);
  }

  @Override
  public OptionalLong getLong(String key, String field) {
    return docs.getLong(key, field);
  }

  @Override
  public OptionalDouble getDouble(String key, String field) {
    return docs.getDouble(key, field);
  }

  @Override
  public Optional<String> getString(String key, String field) {
    return docs.getString(key, field);
  }

  @Override
  public Object[][] getAll(List<String> keys, List<String> fields) {
    return docs.getAll(keys, fields);
  }

  @Override
  public Store store() {
    return docs.store();
  }

  @Override
  boolean localClosed() {
    return docs.store().isClosed();
  }

  @Override
  void closeLocal() {
    docs.close();
  }

  // ---- Replica ----

  @Override
  public int partitionOf(byte[] key) {
    return partitionField == null ? replica.partitionOf(key) : partitionOfStored(key);
  }

  @Override
  public String toString() {
    return "ReplicatedDocumentStore[" + replica.storeName() + " in " + directory() + "]";
  }
}
