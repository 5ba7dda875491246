package io.inkv.jcache;

import javax.cache.Cache;

/* An entry handed to iterators and cache writers: a key and a value, both the caller's to keep. */
final class CacheEntry<K, V> implements Cache.Entry<K, V> {
  private final K key;
  private final V value;

  CacheEntry(K key, V value) {
    this.key = key;
    this.value = value;
  }

  @Override
  public K getKey() {
    return key;
  }

  @Override
  public V getValue() {
    return value;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    return Unwrap.self(this, clazz, "a cache entry");
  }

  @Override
  public String toString() {
    return "CacheEntry[" + key + "=" + value + "]";
  }
}
