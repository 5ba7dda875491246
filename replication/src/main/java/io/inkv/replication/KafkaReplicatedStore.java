package io.inkv.replication;

import io.inkv.store.Entry;
import io.inkv.store.EntryUpdate;
import io.inkv.store.Store;
import io.inkv.store.StoreStats;
import io.inkv.store.ValueView;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;

/*
 * A byte store that publishes its writes and applies the topic's: the front end of KafkaReplica
 * for Store. Reads go straight to the local store. A write takes the key's replication lock,
 * writes locally (if this replica holds the key's partition), publishes (appends its event to the
 * Outbox), releases the lock and then, in WAIT_FOR_ACK mode, waits for Kafka's acknowledgement,
 * so concurrent writers pipeline and share produce requests; putAsync returns instead of waiting.
 */
final class KafkaReplicatedStore extends KafkaReplicaFrontEnd implements ReplicatedStore {
  private final Store store;
  private final ValueFormat format;

  private KafkaReplicatedStore(Store store, ValueFormat format) {
    this.store = store;
    this.format = format;
  }

  static KafkaReplicatedStore open(Store store, ReplicationConfig config, ValueFormat format) {
    return started(new KafkaReplicatedStore(store, format), config);
  }

  // ---- Target ----

  @Override
  public Change apply(byte[] key, Event event, OwnWrites.Pending own) {
    boolean report = replica.listener() != null;
    if (event instanceof Event.Put put) {
      try {
        format.check(put.value());
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("its value (" + put.value().length + " bytes) is not a value of this"
            + " replica's format '" + format.name() + "': " + e.getMessage(), e);
      }
      if (!report) {
        store.put(key, put.value(), put.expireAt());
        return null;
      }
      byte[] old = store.update(key, (current, w) -> {
        w.put(put.value(), put.expireAt());
        return current == null ? null : current.value();
      });
      return new Change(key, old, put.value());
    }
    if (event instanceof Event.Remove) {
      if (!report) {
        store.remove(key);
        return null;
      }
      byte[] old = store.update(key, (current, w) -> {
        if (current == null) {
          return null;
        }
        w.remove();
        return current.value();
      });
      return old == null ? null : new Change(key, old, null);
    }
    throw new IllegalArgumentException("a " + event.getClass().getSimpleName() + " event does not apply to a byte store");
  }

  @Override
  public void applyWholeStore(Event event, OwnWrites r) {
    if (!(event instanceof Event.Clear)) {
      throw new IllegalArgumentException("a " + event.getClass().getSimpleName() + " event does not apply to a byte store");
    }
    if (!r.hasPending()) {
      store.clear();
      return;
    }
    for (Iterator<Entry> it = store.iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (r.pendingOf(e.key()) == null) {
        store.remove(e.key());
      }
    }
  }

  @Override
  public void flush() {
    store.flush();
  }

  @Override
  public TopicDescriptor.Kind kind() {
    return TopicDescriptor.Kind.STORE;
  }

  @Override
  public String valueFormat() {
    return format.name();
  }

  @Override
  public List<Path> snapshot(Path target) {
    Checkpoint.copy(store.directory(), target); // first: see Checkpoint.copy
    return store.snapshot(target);
  }

  // ---- writes ----

  @Override
  public void put(byte[] key, byte[] value) {
    put(key, value, NEVER);
  }

  @Override
  public void put(byte[] key, byte[] value, long expireAt) {
    replica.awaitAck(write(key, value, expireAt));
  }

  @Override
  public CompletionStage<Void> putAsync(byte[] key, byte[] value, long expireAt) {
    CompletableFuture<Void> ack = write(key, value, expireAt);
    return ack.isDone() && !ack.isCompletedExceptionally() ? CompletableFuture.completedStage(null) : ack.minimalCompletionStage();
  }

  /** The local write and its publication, under the key's lock; returns what the write waits for. */
  private CompletableFuture<Void> write(byte[] key, byte[] value, long expireAt) {
    replica.checkKey(key);
    checkPut(store, key, value, expireAt);
    int p = replica.partitionOf(key);
    ReentrantLock lock = replica.lockOf(key);
    lock.lock();
    try {
      if (replica.ownsPartition(p)) {
        store.put(key, value, expireAt);
      }
      return replica.publish(key, p, new Event.Put(replica.now(), replica.writerId(), replica.nextSequence(), value, expireAt),
          true, null);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean remove(byte[] key) {
    replica.checkKey(key);
    int p = replica.partitionOf(key);
    ReentrantLock lock = replica.lockOf(key);
    CompletableFuture<?> f;
    boolean removed;
    lock.lock();
    try {
      removed = replica.ownsPartition(p) && store.remove(key);
      f = replica.publish(key, p, new Event.Remove(replica.now(), replica.writerId(), replica.nextSequence()), true, null);
    } finally {
      lock.unlock();
    }
    replica.awaitAck(f);
    return removed;
  }

  @Override
  public <R> R update(byte[] key, EntryUpdate<R> update) {
    replica.checkKey(key);
    int p = replica.partitionOf(key);
    ReentrantLock lock = replica.lockOf(key);
    CompletableFuture<?> f = null;
    R result;
    lock.lock();
    try {
      Capture capture = new Capture(store, key);
      if (replica.ownsPartition(p)) {
        result = store.update(key, (current, w) -> {
          capture.delegate = w;
          return update.apply(current, capture);
        });
      } else {
        result = update.apply(null, capture);
      }
      if (capture.op == Capture.PUT) {
        f = replica.publish(key, p, new Event.Put(replica.now(), replica.writerId(), replica.nextSequence(), capture.value,
            capture.expireAt), true, null);
      } else if (capture.op == Capture.REMOVE) {
        f = replica.publish(key, p, new Event.Remove(replica.now(), replica.writerId(), replica.nextSequence()), true, null);
      }
    } finally {
      lock.unlock();
    }
    if (f != null) {
      replica.awaitAck(f);
    }
    return result;
  }

  /*
   * The local store's refusals, made before anything is published: a partition this replica does
   * not hold never reaches the local store, and an event every replica would refuse must not
   * enter the topic.
   */
  private static void checkPut(Store store, byte[] key, byte[] value, long expireAt) {
    Objects.requireNonNull(value, "value");
    store.checkEntry(key, value.length);
    Store.checkExpireAt(expireAt);
  }

  /* Records the last change an update made (only the last takes effect) and passes it on. */
  private static final class Capture implements EntryUpdate.Writer {
    static final int NONE = 0;
    static final int PUT = 1;
    static final int REMOVE = 2;
    private final Store store;
    private final byte[] key;
    EntryUpdate.Writer delegate;
    int op = NONE;
    byte[] value;
    long expireAt;

    Capture(Store store, byte[] key) {
      this.store = store;
      this.key = key;
    }

    @Override
    public void put(byte[] value, long expireAt) {
      if (delegate != null) {
        delegate.put(value, expireAt); // the local store checks, before it changes
      } else {
        checkPut(store, key, value, expireAt); // a partition this replica does not hold: check before publishing
      }
      this.op = PUT;
      this.value = value;
      this.expireAt = expireAt;
    }

    @Override
    public void setExpiry(long expireAt) {
      if (delegate != null) {
        delegate.setExpiry(expireAt); // access-based expiry stays local
      }
      if (op != NONE) {
        op = NONE; // a later call replaces an earlier put or remove
      }
    }

    @Override
    public void remove() {
      if (delegate != null) {
        delegate.remove();
      }
      this.op = REMOVE;
    }
  }

  @Override
  public void clear() {
    long seq = replica.nextSequence();
    long now = replica.now();
    CompletableFuture<?>[] f;
    replica.lockAll();
    try {
      store.clear();
      f = replica.publishWholeStore(p -> new Event.Clear(now, replica.writerId(), seq, replica.partitionCount(), p));
    } finally {
      replica.unlockAll();
    }
    replica.awaitAck(f);
  }

  @Override
  public boolean setExpiry(byte[] key, long expireAt) {
    return store.setExpiry(key, expireAt);
  }

  @Override
  public Iterator<Entry> iterator() {
    Iterator<Entry> it = store.iterator();
    return new Iterator<>() {
      private Entry last;

      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public Entry next() {
        last = it.next();
        return last;
      }

      @Override
      public void remove() {
        if (last == null) {
          throw new IllegalStateException("next() was not called, or remove() was called after it already");
        }
        KafkaReplicatedStore.this.remove(last.key());
        last = null;
      }
    };
  }

  // ---- reads and housekeeping ----

  @Override
  public Path directory() {
    return store.directory();
  }

  @Override
  public int maxValueLength() {
    return store.maxValueLength();
  }

  @Override
  public byte[] get(byte[] key) {
    return store.get(key);
  }

  @Override
  public boolean get(byte[] key, ValueView view) {
    return store.get(key, view);
  }

  @Override
  public long expireAt(byte[] key) {
    return store.expireAt(key);
  }

  @Override
  public boolean containsKey(byte[] key) {
    return store.containsKey(key);
  }

  @Override
  public byte[][] getAll(List<byte[]> keys) {
    return store.getAll(keys);
  }

  @Override
  public long size() {
    return store.size();
  }

  @Override
  public int compact() {
    return store.compact();
  }

  @Override
  public void verify() {
    store.verify();
  }

  @Override
  public StoreStats stats() {
    return store.stats();
  }

  @Override
  public boolean isClosed() {
    return store.isClosed();
  }

  @Override
  boolean localClosed() {
    return store.isClosed();
  }

  @Override
  void closeLocal() {
    store.close();
  }

  // ---- Replica ----

  @Override
  public void setRemoteChangeListener(RemoteChangeListener listener) {
    replica.setListener(listener);
  }

  @Override
  public String toString() {
    return "ReplicatedStore[" + replica.storeName() + " in " + store.directory() + "]";
  }
}
