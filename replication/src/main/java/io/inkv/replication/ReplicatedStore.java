package io.inkv.replication;

import io.inkv.store.Store;
import java.util.concurrent.CompletionStage;

/**
 * A {@link Store} whose writes are published to the store's topic and which applies, in log
 * order, the writes of every other replica. Open one with {@link Replication#replicate(Store, ReplicationConfig)}.
 *
 * <p>Reads are local. A write is applied to the local store first (so this JVM reads its own
 * writes at once) and its event is published under the key's replication lock, so this JVM's
 * writes of one key reach the topic in the order they were applied. {@code put}, {@code remove},
 * {@code update}, {@code clear} and the iterator's {@code remove} are published; {@code setExpiry}
 * (access-based expiry) and capacity evictions stay local. Keys starting with
 * {@link EventFormat#CONTROL_PREFIX} are refused. In a sharded replica a write of a key in a
 * partition it does not hold is published but not stored locally.
 *
 * <p>{@link #close()} stops the applier, checkpoints, closes the Kafka clients and then the store.
 */
public interface ReplicatedStore extends Store, Replica {

  /**
   * Writes like {@link #put(byte[], byte[], long)} but does not wait for Kafka: the local write is
   * done and the event is on its way when this returns, and the stage completes when Kafka
   * acknowledged the event ({@link ReplicationConfig.WriteMode#WAIT_FOR_ACK}; exceptionally with a
   * {@link ReplicationException.PublishException} when it did not), or at once in
   * {@link ReplicationConfig.WriteMode#FIRE_AND_FORGET} mode. It never blocks on Kafka (not even
   * with the broker away), so a thread that serves many writers, such as a server's network thread,
   * can call it and answer each writer from the stage; the writes in flight share produce requests.
   * Ordering is that of {@code put}: this JVM's writes of one key reach the topic in the order
   * they were applied. Dependent actions run on the producer's I/O thread: keep them short.
   *
   * @throws IllegalArgumentException if the store would refuse the entry (nothing is written or
   *     published), or the key is reserved for replication
   * @throws NullPointerException if {@code key} or {@code value} is null
   */
  CompletionStage<Void> putAsync(byte[] key, byte[] value, long expireAt);

  /** {@link #putAsync(byte[], byte[], long)} of an entry that never expires. */
  default CompletionStage<Void> putAsync(byte[] key, byte[] value) {
    return putAsync(key, value, NEVER);
  }

  /** Sets the listener of remote changes (null for none). */
  void setRemoteChangeListener(RemoteChangeListener listener);
}
