package io.inkv.replication;

import io.inkv.store.Store;

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

  /** Sets the listener of remote changes (null for none). */
  void setRemoteChangeListener(RemoteChangeListener listener);
}
