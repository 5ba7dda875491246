package io.inkv.replication;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/*
 * What the byte-store and document-store front ends of a KafkaReplica share: they answer every
 * Replica question by asking their KafkaReplica, and close it before the local store, so the
 * applier's last checkpoint is written while the store can still flush. A front end is what the
 * applier applies to (Target) and what the application writes through; it opens its replica once
 * it is constructed (started). The replica's applier starts only after the front end holds the
 * replica: apply() reads it (the remote change listener), and an applier that started first applied
 * events before the field was set, or before the applier's thread could see it, and refused them
 * (ReplicationTest found 97 of 1,000 events skipped on an empty replica catching up); the
 * assignment before Thread.start() is what publishes it to that thread.
 */
abstract class KafkaReplicaFrontEnd implements Replica, Target {
  KafkaReplica replica;

  /** Opens the Kafka side over {@code frontEnd} and starts applying to it; returns the front end. */
  static <F extends KafkaReplicaFrontEnd> F started(F frontEnd, ReplicationConfig config) {
    frontEnd.replica = KafkaReplica.open(config, frontEnd);
    frontEnd.replica.start();
    return frontEnd;
  }

  /** Waits for the start-up catch-up, as configured. */
  final void awaitStartup() {
    replica.awaitStartup();
  }

  /** Whether the local store is closed (then so is the replica). */
  abstract boolean localClosed();

  /** Closes the local store, after the replica. */
  abstract void closeLocal();

  public final void close() {
    if (localClosed()) {
      return;
    }
    try {
      replica.close();
    } finally {
      closeLocal();
    }
  }

  @Override
  public final String storeName() {
    return replica.storeName();
  }

  @Override
  public final String topic() {
    return replica.topic();
  }

  @Override
  public final int partitionCount() {
    return replica.partitionCount();
  }

  @Override
  public final Set<Integer> ownedPartitions() {
    return replica.ownedPartitions();
  }

  @Override
  public int partitionOf(byte[] key) {
    return replica.partitionOf(key);
  }

  @Override
  public final boolean isReady() {
    return replica.isReady();
  }

  @Override
  public final boolean awaitReady(Duration timeout) throws InterruptedException {
    return replica.awaitReady(timeout);
  }

  @Override
  public final long awaitPublished() {
    return replica.awaitPublished();
  }

  @Override
  public final boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return replica.awaitCaughtUp(timeout);
  }

  @Override
  public final Map<Integer, Long> lag() {
    return replica.lag();
  }

  @Override
  public final ReplicationStats replicationStats() {
    return replica.replicationStats();
  }
}
