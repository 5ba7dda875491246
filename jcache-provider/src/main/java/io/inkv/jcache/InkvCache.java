package io.inkv.jcache;

import io.inkv.store.Store;
import io.inkv.store.codec.Codec;
import java.util.Set;
import javax.cache.Cache;
import javax.cache.CacheException;

/**
 * An inkv cache: a JCache {@link Cache} whose entries live in an inkv {@link Store} (by value, or
 * by reference when persistent or replicated) or on the heap (by reference). Reach it with
 * {@code cache.unwrap(InkvCache.class)}; {@code cache.unwrap(Store.class)} gives the store itself.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface InkvCache<K, V> extends Cache<K, V> {

  /**
   * Returns the store that holds this cache's entries. Writing to it directly bypasses the
   * cache's listeners, writer, expiry policy and statistics.
   *
   * @throws UnsupportedOperationException if the cache stores by reference on the heap only
   *     (neither persistent nor replicated), and so has no store
   */
  Store store();

  /**
   * Returns the codec keys are stored with.
   *
   * @throws UnsupportedOperationException if the cache stores by reference on the heap only
   */
  Codec<K> keyCodec();

  /**
   * Returns the codec values are stored with.
   *
   * @throws UnsupportedOperationException if the cache stores by reference on the heap only
   */
  Codec<V> valueCodec();

  /**
   * Returns the replication partition of {@code key}: the partition of the cache's topic its
   * changes travel through, and so, in a sharded deployment, which replicas hold it (those whose
   * {@code ownedPartitions} include it). Every replica and every client computing
   * {@code murmur2(encoded key) % partitionCount} agrees (see docs/replication.md).
   *
   * @throws UnsupportedOperationException if the cache is not replicated
   * @throws IllegalArgumentException if the key cannot be encoded
   */
  int partitionOf(K key);

  /**
   * Returns the number of reads that found a stored value the value codec could not decode (a value
   * written by another version of the application or another tool) and answered it as a miss.
   */
  long undecodableValues();

  /** Returns the number of entries, counting expired ones not yet dropped. */
  long estimatedSize();

  /** Returns the number of entries evicted since the cache was created (a bounded cache's own count, not reset by clear). */
  long evictions();

  /**
   * Thrown by every keyed operation of a sharded replicated cache (one with {@code ownedPartitions})
   * on a key whose partition this replica does not hold, before any side effect: the replica holds
   * nothing of that partition, so it cannot know the answer. Send the operation to a replica that
   * owns {@link #partition()}.
   */
  final class NotOwnedException extends CacheException {
    private static final long serialVersionUID = 1L;
    private final int partition;
    @SuppressWarnings("serial") // Set.copyOf is serializable
    private final Set<Integer> ownedPartitions;

    /** Creates the exception for a key of {@code partition} on a replica holding {@code ownedPartitions}. */
    public NotOwnedException(String message, int partition, Set<Integer> ownedPartitions) {
      super(message);
      this.partition = partition;
      this.ownedPartitions = Set.copyOf(ownedPartitions);
    }

    /** Returns the partition the key belongs to. */
    public int partition() {
      return partition;
    }

    /** Returns the partitions the refusing replica holds. */
    public Set<Integer> ownedPartitions() {
      return ownedPartitions;
    }
  }
}
