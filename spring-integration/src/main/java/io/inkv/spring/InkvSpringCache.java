package io.inkv.spring;

import io.inkv.jcache.InkvCache;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import javax.cache.processor.EntryProcessorException;
import org.springframework.cache.support.AbstractValueAdaptingCache;

/*
 * A Spring Cache over one inkv JCache cache (InkvCache<Object, Object>, values through
 * NullValueCodec, so a cached null is Spring's NullValue marker stored as no bytes).
 *
 * Reads: get(key) is the JCache get, no lock: by reference one hash map lookup, by value an index
 * probe and a decode from the mapped record.
 *
 * get(key, Callable) -- what @Cacheable(sync = true) calls -- first reads without a lock; on a
 * miss it runs the loader inside InkvCache.invoke, that is inside Store.update under the key's
 * write lock. Every other thread asking for the key meanwhile blocks on that lock, then finds the
 * value and returns it, so the loader runs once however many threads ask. A put or evict of the
 * key waits for the load too, so an eviction is never overtaken by a load that began before it
 * (the stale-value race of check-then-load caches). The price, as with ConcurrentHashMap's
 * computeIfAbsent and Caffeine: while a loader runs, writes to keys sharing its lock stripe (one
 * of 256) wait, and a loader must not write to this same cache (it may read it, and may use other
 * caches). Loader exceptions, and the IllegalArgumentException of a null on a cache that does not
 * allow nulls, reach Spring as ValueRetrievalException, which it unwraps for the caller; any other
 * exception is inkv's and goes to the CacheErrorHandler.
 *
 * retrieve(key, Supplier<CompletableFuture>) -- CompletableFuture and reactive @Cacheable with
 * sync = true -- cannot hold a lock across an asynchronous load, so loads in flight are kept in a
 * map of futures: the first caller starts the load, later callers get a copy of the same future,
 * and the value is stored when it completes. A put, evict or clear through this cache while the
 * load is in flight marks the load invalidated (under the load's monitor, before the store
 * changes), so its result is returned to its callers but not stored over the newer state.
 *
 * Counters for Micrometer (hits, misses, puts) are LongAdders, as in the JCache statistics: a
 * thread adds to its own cell, so the read path does not contend on one word.
 */
final class InkvSpringCache extends AbstractValueAdaptingCache {
  private final String name;
  private final InkvCache<Object, Object> cache;
  private final ConcurrentHashMap<Object, Load> loads = new ConcurrentHashMap<>();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder puts = new LongAdder();

  InkvSpringCache(String name, InkvCache<Object, Object> cache, boolean allowNullValues) {
    super(allowNullValues);
    this.name = name;
    this.cache = cache;
  }

  /** An asynchronous load in flight. */
  private static final class Load {
    final CompletableFuture<Object> future = new CompletableFuture<>();
    private boolean invalidated; // guarded by this

    synchronized void invalidate() {
      invalidated = true;
    }
  }

  @Override
  public String getName() {
    return name;
  }

  /**
   * Returns the {@link InkvCache}; {@code unwrap(io.inkv.store.Store.class)} on it gives the store
   * of a cache that has one (a by-value, persistent or replicated cache).
   */
  @Override
  public InkvCache<Object, Object> getNativeCache() {
    return cache;
  }

  @Override
  protected Object lookup(Object key) {
    Object stored = cache.get(key);
    (stored != null ? hits : misses).increment();
    return stored;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T get(Object key, Callable<T> valueLoader) {
    Object stored = cache.get(key);
    if (stored != null) {
      hits.increment();
      return (T) fromStoreValue(stored);
    }
    try {
      return (T) fromStoreValue(cache.invoke(key, (entry, arguments) -> {
        if (entry.exists()) {
          hits.increment();
          return entry.getValue();
        }
        misses.increment();
        Object value;
        try {
          value = toStoreValue(valueLoader.call());
        } catch (Exception e) {
          throw new ValueRetrievalException(key, valueLoader, e);
        }
        entry.setValue(value);
        puts.increment();
        return value;
      }));
    } catch (EntryProcessorException e) {
      if (e.getCause() instanceof ValueRetrievalException loaderFailure) {
        throw loaderFailure;
      }
      throw e;
    }
  }

  @Override
  public CompletableFuture<?> retrieve(Object key) {
    Object stored = lookup(key);
    if (stored == null) {
      return null;
    }
    return CompletableFuture.completedFuture(isAllowNullValues() ? toValueWrapper(stored) : fromStoreValue(stored));
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> retrieve(Object key, Supplier<CompletableFuture<T>> valueLoader) {
    Object stored = cache.get(key);
    if (stored != null) {
      hits.increment();
      return CompletableFuture.completedFuture((T) fromStoreValue(stored));
    }
    Load load = new Load();
    Load inFlight = loads.putIfAbsent(key, load);
    if (inFlight != null) {
      hits.increment();
      return (CompletableFuture<T>) inFlight.future.copy();
    }
    // a load that finished between the read above and putIfAbsent has stored its value by now
    stored = cache.get(key);
    if (stored != null) {
      loads.remove(key, load);
      hits.increment();
      load.future.complete(fromStoreValue(stored));
      return (CompletableFuture<T>) load.future.copy();
    }
    misses.increment();
    CompletableFuture<T> source;
    try {
      source = valueLoader.get();
    } catch (RuntimeException | Error e) {
      // the loader's failure belongs to the caller, through the future, not to the error handler
      loads.remove(key, load);
      load.future.completeExceptionally(e);
      return (CompletableFuture<T>) load.future.copy();
    }
    source.whenComplete((value, failure) -> complete(key, load, value, failure));
    return (CompletableFuture<T>) load.future.copy();
  }

  private void complete(Object key, Load load, Object value, Throwable failure) {
    if (failure == null && (value != null || isAllowNullValues())) {
      try {
        synchronized (load) {
          if (!load.invalidated) {
            cache.put(key, toStoreValue(value));
            puts.increment();
          }
        }
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    loads.remove(key, load);
    if (failure != null) {
      load.future.completeExceptionally(failure);
    } else {
      load.future.complete(value);
    }
  }

  @Override
  public void put(Object key, Object value) {
    Object stored = toStoreValue(value);
    invalidateLoad(key);
    cache.put(key, stored);
    puts.increment();
  }

  @Override
  public ValueWrapper putIfAbsent(Object key, Object value) {
    Object stored = toStoreValue(value);
    invalidateLoad(key);
    Object existing = cache.invoke(key, (entry, arguments) -> {
      if (entry.exists()) {
        return entry.getValue();
      }
      entry.setValue(stored);
      return null;
    });
    if (existing == null) {
      puts.increment();
    }
    return toValueWrapper(existing);
  }

  @Override
  public void evict(Object key) {
    invalidateLoad(key);
    cache.remove(key);
  }

  @Override
  public boolean evictIfPresent(Object key) {
    invalidateLoad(key);
    return cache.remove(key);
  }

  @Override
  public void clear() {
    loads.values().forEach(Load::invalidate);
    loads.clear();
    cache.clear();
  }

  @Override
  public boolean invalidate() {
    boolean hadEntries = cache.estimatedSize() > 0;
    clear();
    return hadEntries;
  }

  private void invalidateLoad(Object key) {
    Load load = loads.remove(key);
    if (load != null) {
      load.invalidate();
    }
  }

  long hitCount() {
    return hits.sum();
  }

  long missCount() {
    return misses.sum();
  }

  long putCount() {
    return puts.sum();
  }

  /** Returns the entries evicted by the capacity bound since the store opened. */
  long evictionCount() {
    return cache.evictions();
  }

  /** Returns the number of entries, counting expired ones not yet dropped. */
  long size() {
    return cache.estimatedSize();
  }

  boolean isClosed() {
    return cache.isClosed();
  }

  @Override
  public String toString() {
    return "InkvSpringCache[" + name + "]";
  }
}
