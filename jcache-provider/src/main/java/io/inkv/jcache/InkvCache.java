package io.inkv.jcache;

import io.inkv.store.Store;
import io.inkv.store.codec.Codec;
import javax.cache.Cache;

/**
 * An inkv cache: a JCache {@link Cache} over an inkv {@link Store}. Reach it with
 * {@code cache.unwrap(InkvCache.class)}; {@code cache.unwrap(Store.class)} gives the store itself.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface InkvCache<K, V> extends Cache<K, V> {

  /**
   * Returns the store that holds this cache's entries. Writing to it directly bypasses the
   * cache's listeners, writer, expiry policy and statistics.
   */
  Store store();

  /** Returns the codec keys are stored with. */
  Codec<K> keyCodec();

  /** Returns the codec values are stored with. */
  Codec<V> valueCodec();

  /** Returns the number of entries, counting expired ones not yet dropped. */
  long estimatedSize();
}
