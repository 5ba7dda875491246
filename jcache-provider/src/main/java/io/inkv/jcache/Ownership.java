package io.inkv.jcache;

import io.inkv.replication.Replica;
import java.util.Set;

/*
 * The partitions a sharded replicated cache holds, and the check every keyed operation makes
 * first (Operation.requireKey): a key of a partition this replica does not hold is refused with
 * InkvCache.NotOwnedException naming the partition, before any side effect.
 *
 * Why refuse rather than answer. The replica holds nothing of another partition, so a get would
 * answer a miss it cannot know, putIfAbsent would overwrite the owner's value, remove would
 * answer false and delete the owner's entry, invoke would see no entry. Even a put is not blind in
 * JCache: whether it creates or updates decides its event (CREATED or UPDATED), its statistics and
 * which expiry the policy gives (creation or update), so it too needs the entry. Routing each
 * operation to its owner through the log and waiting for the owner's answer would make every such
 * call a round trip through Kafka and another JVM, with a failure mode of its own when the owner is
 * away; an application that shards already routes by key (docs/replication.md says how), and a
 * clear refusal tells it where the key belongs.
 *
 * Only this class and CacheReplication name io.inkv.replication, so that a local cache never
 * loads it (kafka-clients is optional).
 */
final class Ownership {
  private final String cacheName;
  private final Replica replica;
  private final Set<Integer> owned;
  private final int partitionCount;

  private Ownership(String cacheName, Replica replica) {
    this.cacheName = cacheName;
    this.replica = replica;
    this.owned = replica.ownedPartitions();
    this.partitionCount = replica.partitionCount();
  }

  /** Returns the ownership of a sharded replica, or null for one that holds every partition. */
  static Ownership of(String cacheName, Object store) {
    if (!(store instanceof Replica r) || r.ownedPartitions().size() == r.partitionCount()) {
      return null;
    }
    return new Ownership(cacheName, r);
  }

  /** Returns the partition of an encoded key in the replicated store {@code store}. */
  static int partitionOf(Object store, byte[] k) {
    return ((Replica) store).partitionOf(k);
  }

  /** Throws NotOwnedException if this replica does not hold the partition of the encoded key {@code k}. */
  void require(Object key, byte[] k) {
    int p = replica.partitionOf(k);
    if (!owned.contains(p)) {
      throw new InkvCache.NotOwnedException("cache " + cacheName + " is sharded and holds partitions " + owned + " of the "
          + partitionCount + " of topic " + replica.topic() + "; the key " + key + " belongs to partition " + p
          + ", so this replica cannot answer for it: send the operation to a replica that owns partition " + p, p, owned);
    }
  }
}
