package io.inkv.server;

import io.inkv.store.document.Document;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/*
 * The seam between the HTTP routes and where a write goes. Local mode (LocalWrites) applies a
 * write to the store and returns when the store has it. Replicated mode
 * publishes the write as an event to the store's Kafka topic, waits for the broker's
 * acknowledgement and lets the applier (io.inkv.replication) apply it to the local
 * replica in log order; it also reports the applied offsets for index images, whether the replica
 * has caught up (for /ready), and the lag per partition (for /metrics).
 */
interface Writes extends AutoCloseable {
  void put(ServedStore s, byte[] key, byte[] value);

  /**
   * Whether {@link #tryPut} can ever succeed: a caller on a thread that must not block (an HTTP
   * selector thread) asks this before it takes a write that it would then try to apply in place.
   */
  default boolean putsWithoutWaiting() {
    return false;
  }

  /**
   * Applies {@link #put} now if nothing in it can wait, and returns true; otherwise does nothing and
   * returns false, and the caller runs {@link #put} on a thread that may block. Never waits.
   */
  default boolean tryPut(ServedStore s, byte[] key, byte[] value) {
    return false;
  }

  /**
   * Whether {@link #putAsync} applies here: a put whose wait is for someone else's answer (Kafka's
   * acknowledgement) rather than for this thread's work, and which can therefore be started on a
   * thread that must not block and answered when that answer comes.
   */
  default boolean putsAsynchronously() {
    return false;
  }

  /**
   * Starts {@link #put} without waiting: the local write is done when this returns, and the stage
   * completes when the write is acknowledged (exceptionally when it is not). Never blocks. Only
   * when {@link #putsAsynchronously()}.
   */
  default CompletionStage<Void> putAsync(ServedStore s, byte[] key, byte[] value) {
    throw new UnsupportedOperationException("puts are synchronous here");
  }

  void upsert(ServedStore s, byte[] key, Document fields);

  boolean deleteFields(ServedStore s, byte[] key, String... names);

  boolean delete(ServedStore s, byte[] key);

  /**
   * The topic offsets (partition to next offset to apply) that {@code s}'s contents reflect at
   * least; read before a snapshot starts, so a replica that seeks to them re-applies some events
   * at worst (harmless: per key, the last event in log order wins).
   */
  Map<Integer, Long> appliedOffsets(ServedStore s);

  /** Whether every store has caught up with its topic (always true in local mode). */
  boolean caughtUp();

  /** Lag per store and partition; empty in local mode. */
  Map<String, Map<Integer, Long>> lag();

  /**
   * The replication counters per store, by name (applied, malformed, refused, dead_lettered,
   * publish_failures): what /metrics shows as inkv_replication_&lt;name&gt;_total. Empty in local mode.
   */
  default Map<String, Map<String, Long>> replicationCounters() {
    return Map.of();
  }

  @Override
  void close();

  /**
   * Local mode: the store is the source of truth and there are no offsets. A put is an append to a
   * mapped segment and an index update, memory-speed, so it may run in place on a thread that must
   * not block, unless a put can wait (the store syncs every write, a group-committed msync; or, in
   * KafkaWrites, the store publishes the write and waits for the broker). A replica image never
   * pauses writes: the store takes its snapshot without them (Store.snapshot).
   */
  class LocalWrites implements Writes {
    private final boolean putsMayWait;

    /** {@code putsMayWait}: whether a store put itself can wait (then tryPut always declines). */
    LocalWrites(boolean putsMayWait) {
      this.putsMayWait = putsMayWait;
    }

    @Override
    public void put(ServedStore s, byte[] key, byte[] value) {
      s.store.put(key, value);
      s.writesSinceImage.increment();
    }

    @Override
    public boolean putsWithoutWaiting() {
      return !putsMayWait;
    }

    @Override
    public boolean tryPut(ServedStore s, byte[] key, byte[] value) {
      if (putsMayWait) {
        return false;
      }
      s.store.put(key, value);
      s.writesSinceImage.increment();
      return true;
    }

    @Override
    public void upsert(ServedStore s, byte[] key, Document fields) {
      s.documents.upsert(key, fields);
      s.writesSinceImage.increment();
    }

    @Override
    public boolean deleteFields(ServedStore s, byte[] key, String... names) {
      try {
        return s.documents.deleteFields(key, names);
      } finally {
        s.writesSinceImage.increment();
      }
    }

    @Override
    public boolean delete(ServedStore s, byte[] key) {
      try {
        return s.documents.delete(key);
      } finally {
        s.writesSinceImage.increment();
      }
    }

    @Override
    public Map<Integer, Long> appliedOffsets(ServedStore s) {
      return Map.of();
    }

    @Override
    public boolean caughtUp() {
      return true;
    }

    @Override
    public Map<String, Map<Integer, Long>> lag() {
      return Map.of();
    }

    @Override
    public void close() {}
  }
}
