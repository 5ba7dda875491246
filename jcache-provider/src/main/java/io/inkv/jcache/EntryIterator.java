package io.inkv.jcache;

import java.util.Iterator;
import java.util.NoSuchElementException;
import javax.cache.Cache;

/*
 * A cache's iterator over the tier's entries (by value: copies; by reference: the instances). Each entry returned counts as a hit and an
 * access (for the expiry policy), as in the RI; an entry whose stored key or value does not
 * decode is passed over, as every read misses it; remove() removes the last key through the writer
 * and publishes REMOVED. hasNext and remove run in the cache's operation frame.
 */
final class EntryIterator<K, V> implements Iterator<Cache.Entry<K, V>> {
  private final StoreCache<K, V> cache;
  private final Iterator<Tier.Kept> entries;
  private CacheEntry<K, V> next;
  private CacheEntry<K, V> last;

  EntryIterator(StoreCache<K, V> cache, Iterator<Tier.Kept> entries) {
    this.cache = cache;
    this.entries = entries;
  }

  @Override
  public boolean hasNext() {
    return cache.operation.on(this, null, (c, iterator, unused) -> iterator.advance());
  }

  private boolean advance() {
    Operation<K, V> operation = cache.operation;
    while (next == null && entries.hasNext()) {
      long start = operation.start();
      Tier.Kept e = entries.next();
      K key = cache.tier.keyOf(e.key());
      V value = key == null ? null : cache.tier.valueOf(e.key(), e.value());
      if (value == null) {
        continue; // stored bytes the codec does not decode: no entry (counted and logged by the tier)
      }
      next = new CacheEntry<>(key, value);
      if (cache.changes.asksAccessExpiry()) {
        cache.changes.touch(key, e.key());
      }
      operation.recordRead(start, true);
    }
    return next != null;
  }

  @Override
  public Cache.Entry<K, V> next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    last = next;
    next = null;
    return last;
  }

  @Override
  public void remove() {
    cache.operation.on(this, null, (c, iterator, unused) -> iterator.removeLast());
  }

  private Void removeLast() {
    if (last == null) {
      throw new IllegalStateException("next() was not called, or remove() was called after it already");
    }
    K key = last.getKey();
    last = null;
    long start = cache.operation.start();
    cache.through.delete(key);
    Object k = cache.tier.keyIfKept(key);
    boolean removed = k != null && cache.changes.update(k, (current, w) -> {
      if (current == null) {
        return false;
      }
      cache.changes.applyRemove(key, k, current.value(), w);
      return true;
    });
    cache.operation.recordRemovals(start, removed ? 1 : 0);
    return null;
  }
}
