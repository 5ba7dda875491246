package io.inkv.replication;

import io.inkv.store.Store;
import io.inkv.store.document.DocumentStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;

/**
 * Opens replicas. A replica is a local store plus the Kafka clients that publish its writes and
 * apply everyone's: usable on its own (as here) or under a JCache cache
 * ({@code InkvConfiguration.setReplication}).
 *
 * <pre>{@code
 * Store local = Store.open(StoreOptions.builder(Path.of("/var/lib/app/users")).build());
 * try (ReplicatedStore users = Replication.replicate(local, ReplicationConfig.builder("users", "kafka:9092").build())) {
 *   users.put(key, value);        // applied here at once, published, applied by every replica
 *   users.get(otherKey);          // a local read
 * }
 * }</pre>
 *
 * <p>Opening creates the topic (compacted, with the configured partitions and replication factor)
 * or validates an existing one, resumes from the checkpoint in the store's directory (or applies
 * the topic from the beginning), and waits for the replica to catch up as configured.
 */
public final class Replication {
  private Replication() {}

  /**
   * Replicates {@code store}; the returned store owns it (closing it closes {@code store}).
   *
   * @throws ReplicationException.TopicException if the topic cannot be created, does not fit, or
   *     replicates a document store
   * @throws ReplicationException if the store's checkpoint belongs to another topic
   */
  public static ReplicatedStore replicate(Store store, ReplicationConfig config) {
    KafkaReplicatedStore s = KafkaReplicatedStore.open(store, config, ValueFormat.bytes());
    s.awaitStartup();
    return s;
  }

  /**
   * Replicates {@code store} and sets {@code listener} before the applier starts waiting, so the
   * listener sees every change applied while catching up.
   */
  public static ReplicatedStore replicate(Store store, ReplicationConfig config, RemoteChangeListener listener) {
    KafkaReplicatedStore s = KafkaReplicatedStore.open(store, config, ValueFormat.bytes());
    s.setRemoteChangeListener(listener);
    s.awaitStartup();
    return s;
  }

  /**
   * Replicates {@code store}, whose values are of {@code format}: the format's name is recorded in
   * a new topic (and a replica of another format refuses to open), and every value applied from
   * the topic must pass its check (one that fails is counted in {@link ReplicationStats#failed()},
   * logged and dead-lettered, never stored). {@code listener} may be null.
   *
   * @throws ReplicationException.TopicException if the topic cannot be created, does not fit, or
   *     replicates another kind of store or another format
   */
  public static ReplicatedStore replicate(Store store, ReplicationConfig config, RemoteChangeListener listener,
      ValueFormat format) {
    KafkaReplicatedStore s = KafkaReplicatedStore.open(store, config, java.util.Objects.requireNonNull(format, "format"));
    if (listener != null) {
      s.setRemoteChangeListener(listener);
    }
    s.awaitStartup();
    return s;
  }

  /**
   * Replicates a document store; the returned store owns it.
   *
   * @throws ReplicationException.TopicException if the topic cannot be created, does not fit, or
   *     replicates a byte store (a cache, say)
   */
  public static ReplicatedDocumentStore replicate(DocumentStore store, ReplicationConfig config) {
    KafkaReplicatedDocumentStore s = KafkaReplicatedDocumentStore.open(store, config);
    s.awaitStartup();
    return s;
  }

  /**
   * Returns the offsets in the replication checkpoint of the store in {@code storeDirectory}: for
   * each partition the replica holds, the next offset to apply. The store's durable contents reflect
   * every event before them, so a replica that starts from a copy of the store and seeks to them
   * re-applies some events at worst, which is harmless.
   *
   * <p>The checkpoint is checked as a replica checks it when it opens (format, version, checksum).
   *
   * @param storeDirectory the directory of a replicated store
   * @return partition to next offset to apply, in partition order; empty if the directory holds no checkpoint
   * @throws ReplicationException if the checkpoint cannot be read or is damaged
   */
  public static Map<Integer, Long> checkpointedOffsets(Path storeDirectory) {
    try {
      Checkpoint c = Checkpoint.read(storeDirectory);
      return c == null ? Map.of() : Collections.unmodifiableMap(c.offsets());
    } catch (IOException e) {
      throw new ReplicationException("cannot read the replication checkpoint: " + e.getMessage(), e);
    }
  }
}
