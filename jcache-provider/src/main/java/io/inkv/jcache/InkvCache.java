package io.inkv.jcache;

import io.inkv.store.Store;
import io.inkv.store.codec.Codec;
import javax.cache.Cache;

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

  /** Returns the number of entries, counting expired ones not yet dropped. */
  long estimatedSize();

  /** Returns the number of entries evicted since the cache was created (a bounded cache's own count, not reset by clear). */
  long evictions();
}
