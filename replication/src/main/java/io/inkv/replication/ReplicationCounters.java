package io.inkv.replication;

import java.util.concurrent.atomic.LongAdder;

/*
 * The counters of one replica, behind ReplicationStats and the MXBean: the writers count
 * publications, the applier what it applied, refused and passed over, the checkpoint thread its
 * checkpoints. LongAdders, because writers on every thread count at once.
 */
final class ReplicationCounters {
  private final LongAdder applied = new LongAdder();
  private final LongAdder published = new LongAdder();
  private final LongAdder publishFailures = new LongAdder();
  private final LongAdder malformed = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder deadLettered = new LongAdder();
  private final LongAdder checkpoints = new LongAdder();
  private volatile long resumedFrom;

  void eventApplied() {
    applied.increment();
  }

  void eventPublished() {
    published.increment();
  }

  void publishFailed() {
    publishFailures.increment();
  }

  void malformedRecord() {
    malformed.increment();
  }

  void eventRefused() {
    refused.increment();
  }

  void deadLettered() {
    deadLettered.increment();
  }

  void checkpointWritten() {
    checkpoints.increment();
  }

  /** Records where the applier resumed: the sum over owned partitions of its start offsets. */
  void resumedFrom(long offsetSum) {
    resumedFrom = offsetSum;
  }

  long applied() {
    return applied.sum();
  }

  long publishFailures() {
    return publishFailures.sum();
  }

  ReplicationStats snapshot() {
    return new ReplicationStats(applied.sum(), published.sum(), publishFailures.sum(), malformed.sum(), refused.sum(),
        deadLettered.sum(), checkpoints.sum(), resumedFrom);
  }
}
