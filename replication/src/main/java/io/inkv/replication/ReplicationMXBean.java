package io.inkv.replication;

import java.util.Map;

/**
 * The management view of one replica, registered on the platform MBean server as
 * {@code io.inkv:type=Replication,store=<store name>,replica=<n>} while the replica is open.
 */
public interface ReplicationMXBean {

  /** Returns the store's name. */
  String getStoreName();

  /** Returns the topic. */
  String getTopic();

  /** Returns whether the replica caught up with the topic as it was when the replica opened. */
  boolean isReady();

  /** Returns the owned partitions. */
  int[] getOwnedPartitions();

  /** Returns, per owned partition, the records in the topic not yet applied. */
  Map<Integer, Long> getLagByPartition();

  /** Returns the sum of {@link #getLagByPartition()}. */
  long getTotalLag();

  /** Returns the events applied since the replica opened. */
  long getAppliedEvents();

  /** Returns the events published since the replica opened. */
  long getPublishedEvents();

  /** Returns the failed publications since the replica opened. */
  long getPublishFailures();

  /** Returns the malformed records met since the replica opened. */
  long getMalformedEvents();

  /** Returns the events the store refused since the replica opened. */
  long getFailedEvents();
}
