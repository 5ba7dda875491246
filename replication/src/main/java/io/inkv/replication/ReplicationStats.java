package io.inkv.replication;

/**
 * The counters of a replica since it opened.
 *
 * @param applied events applied to the local store (including skipped own events and duplicates)
 * @param published events handed to the producer
 * @param publishFailures publications Kafka did not acknowledge
 * @param malformed records that were not well-formed events (logged, skipped, dead-lettered)
 * @param failed well-formed events the store refused (logged, skipped, dead-lettered)
 * @param deadLettered records copied to the dead-letter topic
 * @param checkpoints checkpoints written
 * @param resumedFrom the sum over owned partitions of the offsets the replica resumed from (0 for a new replica)
 */
public record ReplicationStats(long applied, long published, long publishFailures, long malformed, long failed,
    long deadLettered, long checkpoints, long resumedFrom) {}
