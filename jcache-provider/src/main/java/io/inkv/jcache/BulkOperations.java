package io.inkv.jcache;

import io.inkv.jcache.event.EventDispatcher;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.cache.Cache;
import javax.cache.integration.CompletionListener;
import javax.cache.integration.CacheWriterException;

/*
 * The operations of a cache on many keys: getAll, putAll, removeAll and loadAll. Each runs in the
 * cache's operation frame (loadAll's background task has its own, since nobody waits for it), and
 * changes the keys one at a time under each key's store lock: a bulk operation is atomic per key,
 * not as a whole, as JCache allows.
 *
 * With a CacheWriter, putAll and removeAll call writeAll and deleteAll once for the batch, before
 * the store changes. A writer failure is thrown after the entries the writer did handle are
 * changed; the ones it left in its collection are not. putAll checks the whole batch against the
 * store's limits before the writer: one entry the store cannot hold refuses the whole batch with
 * no side effect, rather than writing through entries the cache would then partly not hold.
 */
final class BulkOperations<K, V> {
  private final StoreCache<K, V> cache;
  private final Operation<K, V> operation;

  BulkOperations(StoreCache<K, V> cache) {
    this.cache = cache;
    this.operation = cache.operation;
  }

  Map<K, V> getAll(Set<? extends K> keys) {
    operation.requireKeys(keys);
    Map<K, V> result = new LinkedHashMap<>();
    for (K key : keys) {
      long start = operation.start();
      V value = cache.read(key, cache.tier.keyIfKept(key), start);
      if (value != null) {
        result.put(key, value);
      }
      operation.recordGetTime(start);
    }
    return result;
  }

  /** One entry of a putAll batch, in the tier's forms and checked. */
  private record Encoded<K, V>(K key, V value, Object k, Object v) {}

  Void putAll(Map<? extends K, ? extends V> map) {
    operation.requireEntries(map);
    long start = operation.start();
    Map<K, Encoded<K, V>> toPut = new LinkedHashMap<>();
    for (Map.Entry<? extends K, ? extends V> e : map.entrySet()) {
      K key = e.getKey();
      V value = e.getValue();
      Object k = cache.tier.key(key);
      Object v = cache.tier.value(key, k, value);
      toPut.put(key, new Encoded<>(key, value, k, v));
    }
    CacheWriterException failure = null;
    if (cache.through.writer() != null) {
      List<Cache.Entry<? extends K, ? extends V>> entries = new ArrayList<>();
      for (Encoded<K, V> e : toPut.values()) {
        entries.add(new CacheEntry<>(e.key(), e.value()));
      }
      failure = cache.through.writeAll(entries);
      if (failure != null) {
        // what writeAll left in the collection was not written, so it is not put either
        for (Cache.Entry<? extends K, ? extends V> unwritten : entries) {
          toPut.remove(unwritten.getKey());
        }
      }
    }
    EntryChanges<K, V> changes = cache.changes;
    long puts = 0;
    long now = System.currentTimeMillis();
    for (Encoded<K, V> e : toPut.values()) {
      boolean counted = changes.update(e.k(), (current, w) -> {
        if (current == null) {
          return changes.applyCreate(e.key(), e.value(), e.v(), now, w);
        }
        changes.applyUpdate(e.key(), e.value(), e.k(), e.v(), current, now, w);
        return true;
      });
      puts += counted ? 1 : 0;
    }
    operation.recordPuts(start, puts);
    if (failure != null) {
      throw failure;
    }
    return null;
  }

  Void removeAll(Set<? extends K> keys) {
    operation.requireKeys(keys);
    return removeKeys(new LinkedHashSet<K>(keys));
  }

  Void removeAll() {
    Set<K> keys = new LinkedHashSet<>();
    Iterator<Tier.Kept> it = cache.tier.iterator();
    while (it.hasNext()) {
      Object k = it.next().key();
      K key = cache.tier.keyOf(k);
      if (key != null) {
        keys.add(key);
      } else {
        cache.tier.remove(k); // a stored key that does not decode: no entry, so no writer call and no event, but removed
      }
    }
    return removeKeys(keys);
  }

  private Void removeKeys(Set<K> keys) {
    long start = operation.start();
    Collection<K> unwritten = new LinkedHashSet<>(keys);
    CacheWriterException failure = cache.through.deleteAll(unwritten);
    Set<K> toRemove = keys;
    if (failure != null) {
      toRemove = new HashSet<>(keys);
      toRemove.removeAll(unwritten);
    }
    long removals = 0;
    for (K key : toRemove) {
      removals += cache.removeStored(key, cache.tier.keyIfKept(key)) ? 1 : 0;
    }
    operation.recordRemovals(start, removals);
    if (failure != null) {
      throw failure;
    }
    return null;
  }

  void loadAll(Set<? extends K> keys, boolean replaceExistingValues, CompletionListener completionListener) {
    if (cache.through.loader() == null) {
      if (completionListener != null) {
        completionListener.onCompletion();
      }
      return;
    }
    List<K> requested = new ArrayList<>(keys);
    EventDispatcher.executor().execute(() -> {
      try {
        List<K> toLoad = new ArrayList<>();
        for (K key : requested) {
          if (replaceExistingValues || !cache.containsKey(key)) {
            toLoad.add(key);
          }
        }
        Map<K, V> loaded = cache.through.loadAll(toLoad);
        if (loaded != null) {
          for (Map.Entry<K, V> e : loaded.entrySet()) {
            if (e.getKey() != null && e.getValue() != null) {
              putLoaded(e.getKey(), e.getValue(), replaceExistingValues);
            }
          }
        }
        operation.awaitEvents();
        if (completionListener != null) {
          completionListener.onCompletion();
        }
      } catch (Exception e) {
        EventDispatcher.discardSynchronous();
        if (completionListener != null) {
          completionListener.onException(e);
        }
      }
    });
  }

  /** Stores a loaded value: not written through, not counted as a put. */
  private void putLoaded(K key, V value, boolean replace) {
    operation.requireOpen();
    operation.requireKey(key);
    operation.requireValue(value);
    Object k = cache.tier.key(key);
    Object v = cache.tier.value(key, k, value);
    long now = System.currentTimeMillis();
    EntryChanges<K, V> changes = cache.changes;
    try {
      changes.update(k, (current, w) -> {
        if (current == null) {
          changes.applyCreate(key, value, v, now, w);
        } else if (replace) {
          changes.applyUpdate(key, value, k, v, current, now, w);
        }
        return null;
      });
    } catch (RuntimeException e) {
      throw operation.translate(e);
    }
  }
}
