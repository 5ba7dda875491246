package io.inkv.replication;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The replication side of a replicated store: readiness, which partitions it holds, lag and
 * counters. Obtained from {@link ReplicatedStore} or {@link ReplicatedDocumentStore}.
 */
public interface Replica {

  /** Returns the store's name. */
  String storeName();

  /** Returns the topic the store is replicated through. */
  String topic();

  /** Returns the topic's partition count (read from the topic when the replica opened). */
  int partitionCount();

  /** Returns the partitions this replica holds: all of them, or a subset for a sharded replica. */
  Set<Integer> ownedPartitions();

  /**
   * Returns the partition that owns {@code key} (for a document store with a partitioning field,
   * use {@link ReplicatedDocumentStore#partitionOf(io.inkv.store.document.Document)}).
   */
  int partitionOf(byte[] key);

  /** Returns whether this replica holds the partition of {@code key}. */
  default boolean owns(byte[] key) {
    return ownedPartitions().contains(partitionOf(key));
  }

  /**
   * Returns whether the replica has applied every owned partition up to at least where the topic
   * ended when the replica opened (and so holds everything written before it opened).
   */
  boolean isReady();

  /** Waits until {@link #isReady()} or the time passes; returns whether it is ready. */
  boolean awaitReady(Duration timeout) throws InterruptedException;

  /**
   * Waits until every event this replica has published so far is acknowledged or failed
   * (a producer flush); returns the number of failed publications since the replica opened.
   */
  long awaitPublished();

  /**
   * Waits until the replica has applied every owned partition up to the topic's current end;
   * returns whether it did within {@code timeout}.
   */
  boolean awaitCaughtUp(Duration timeout) throws InterruptedException;

  /** Returns the replication lag of each owned partition: records in the topic not yet applied. */
  Map<Integer, Long> lag();

  /** Returns the counters. */
  ReplicationStats replicationStats();
}
