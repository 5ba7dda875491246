package io.inkv.replication;

import java.util.Map;

/* The MXBean of one replica; reads the replica's counters and the applier's lag. */
final class ReplicationBean implements ReplicationMXBean {
  private final KafkaReplica replica;

  ReplicationBean(KafkaReplica replica) {
    this.replica = replica;
  }

  @Override
  public String getStoreName() {
    return replica.storeName();
  }

  @Override
  public String getTopic() {
    return replica.topic();
  }

  @Override
  public boolean isReady() {
    return replica.isReady();
  }

  @Override
  public int[] getOwnedPartitions() {
    return replica.ownedPartitions().stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public Map<Integer, Long> getLagByPartition() {
    return replica.lag();
  }

  @Override
  public long getTotalLag() {
    return replica.lag().values().stream().mapToLong(Long::longValue).sum();
  }

  @Override
  public long getAppliedEvents() {
    return replica.replicationStats().applied();
  }

  @Override
  public long getPublishedEvents() {
    return replica.replicationStats().published();
  }

  @Override
  public long getPublishFailures() {
    return replica.replicationStats().publishFailures();
  }

  @Override
  public long getMalformedEvents() {
    return replica.replicationStats().malformed();
  }

  @Override
  public long getFailedEvents() {
    return replica.replicationStats().failed();
  }
}
