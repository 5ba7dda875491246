package io.inkv.jcache;

import io.inkv.jcache.event.EventDispatcher;
import io.inkv.jcache.management.CacheStatistics;
import io.inkv.store.Store;
import io.inkv.store.StoreException;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import javax.cache.CacheException;

/*
 * The frame every operation of one cache runs in: the steps JCache asks of all of them, written
 * once, so that each operation's method in StoreCache says only what the specification says of
 * that operation.
 *
 *   1. A closed cache refuses with IllegalStateException, before the arguments are looked at (the
 *      TCK calls a closed cache with null arguments and expects IllegalStateException).
 *   2. The arguments are checked: a null key or value is a NullPointerException, a key or value
 *      not of the configured type a ClassCastException. Then the tier's form of the key and
 *      value (Tier.key, Tier.value) refuses an entry the tier cannot hold; operations take it
 *      before the CacheWriter, any event, any statistic and any change, so a refused write
 *      leaves no trace.
 *   3. The body runs. It may call the CacheWriter and publish events under the key's store lock;
 *      publishing only queues, and the synchronous listeners' tasks wait in a per-thread list.
 *   4. On success the operation waits for those synchronous listeners; a listener's failure is
 *      the operation's failure.
 *   5. On any failure the queued synchronous tasks are forgotten (the change did not happen, or
 *      did not complete, so nobody waits for its events) and store exceptions are translated at
 *      this one boundary: Store.ClosedException to IllegalStateException (the store closed under
 *      the operation), every other StoreException to CacheException. CacheWriterException,
 *      CacheLoaderException, EntryProcessorException, NullPointerException and ClassCastException
 *      pass through as the body threw them.
 *
 * Why a template with a Body rather than a try/catch in every method: a new operation cannot
 * forget the discard of step 5, which is the bug this frame replaced (an exception that was not
 * a StoreException skipped it). The bodies are unbound method references (StoreCache::putEntry),
 * which capture nothing: the JVM creates each once, so the frame allocates nothing per call. The
 * two arguments travel as parameters; an operation with more (replace with an expected value,
 * invoke) captures them in a lambda, which is fine off the get path. get has a copy of the frame
 * of its own (onGet, see there), measured to matter.
 *
 * Statistics: the clock is read only when statistics are enabled; start() returns OFF otherwise
 * and every record method does nothing for OFF. Which counters an operation moves is its own
 * semantics (the reference implementation's choices), so the operation calls the record methods;
 * the clock, the enabled flag and the elapsed time live here.
 */
final class Operation<K, V> {
  /** The start time of an operation whose statistics are not recorded. */
  static final long OFF = Long.MIN_VALUE;

  /** One step of an operation, run inside the frame; bodies are unbound StoreCache methods. */
  @FunctionalInterface
  interface Body<K, V, A, B, R> {
    R run(StoreCache<K, V> cache, A a, B b);
  }

  private final StoreCache<K, V> cache;
  private final String name;
  private final Class<K> keyType;
  private final Class<V> valueType;
  private final boolean checkKeyType;
  private final boolean checkValueType;
  private final CacheStatistics statistics;
  private final EventDispatcher<K, V> events;
  private final Ownership ownership;

  Operation(StoreCache<K, V> cache, String name, Class<K> keyType, Class<V> valueType, CacheStatistics statistics,
      EventDispatcher<K, V> events) {
    this.cache = cache;
    this.name = name;
    this.keyType = keyType;
    this.valueType = valueType;
    this.checkKeyType = keyType != Object.class;
    this.checkValueType = valueType != Object.class;
    this.statistics = statistics;
    this.events = events;
    this.ownership = cache.ownership;
  }

  // ---- the frame ----

  /** Runs an operation on one key: open check, key check, body, events. */
  <A, R> R onKey(K key, A a, Body<K, V, K, A, R> body) {
    requireOpen();
    requireKey(key);
    return run(key, a, body);
  }

  /** Runs an operation on one key and value: open check, key and value checks, body, events. */
  <R> R onEntry(K key, V value, Body<K, V, K, V, R> body) {
    requireOpen();
    requireKey(key);
    requireValue(value);
    return run(key, value, body);
  }

  /** Runs an operation whose arguments the body checks (bulk operations): open check, body, events. */
  <A, B, R> R on(A a, B b, Body<K, V, A, B, R> body) {
    requireOpen();
    return run(a, b, body);
  }

  private <A, B, R> R run(A a, B b, Body<K, V, A, B, R> body) {
    try {
      R result = body.run(cache, a, b);
      awaitEvents();
      return result;
    } catch (RuntimeException e) {
      throw failed(e);
    } catch (Error e) {
      EventDispatcher.discardSynchronous();
      throw e;
    }
  }

  /*
   * get's frame: the same steps as onKey, with the body called directly. Every operation shares
   * run(), so its call of the body sees every operation and is a megamorphic interface call, and
   * C2 compiles run() once on its own rather than inline it into each caller; a by-reference get
   * is a few dozen nanoseconds, and the indirection was a measurable part of it. get is the one
   * operation worth its own copy of the frame.
   */
  V onGet(K key) {
    requireOpen();
    requireKey(key);
    try {
      V value = cache.getEntry(key);
      awaitEvents();
      return value;
    } catch (RuntimeException e) {
      throw failed(e);
    } catch (Error e) {
      EventDispatcher.discardSynchronous();
      throw e;
    }
  }

  /** Step 5: forgets the failed operation's synchronous events and translates its exception. */
  private RuntimeException failed(RuntimeException e) {
    EventDispatcher.discardSynchronous();
    return translate(e);
  }

  /** Waits for the synchronous listeners of the events this thread published. */
  void awaitEvents() {
    if (events.isActive()) {
      EventDispatcher.awaitSynchronous();
    }
  }

  /** Translates a store exception to the JCache exception for it; returns any other unchanged. */
  RuntimeException translate(RuntimeException e) {
    if (e instanceof Store.ClosedException) {
      return new IllegalStateException("the cache " + name + " is closed", e);
    }
    if (e instanceof Store.ReadOnlyException) {
      return new CacheException("cache " + name + " is read-only (readOnly=true), so it cannot be written; write"
          + " through a cache of the same directory opened without readOnly, while no read-only cache has it open", e);
    }
    if (e instanceof StoreException) {
      return new CacheException("cache " + name + ": " + e.getMessage(), e);
    }
    return e;
  }

  // ---- argument checks ----

  void requireOpen() {
    if (cache.isClosed()) {
      throw new IllegalStateException("the cache " + name + " is closed");
    }
  }

  K requireKey(K key) {
    requireInstance(key, "key", checkKeyType, keyType);
    if (ownership != null) {
      Object k = cache.tier.keyIfKept(key);
      if (k != null) { // a key that cannot be encoded is in no partition: reads miss it, writes refuse it
        ownership.require(key, (byte[]) k);
      }
    }
    return key;
  }

  V requireValue(V value) {
    return requireInstance(value, "value", checkValueType, valueType);
  }

  /* Refuses a null {@code x}, or one not of {@code type} when the cache {@code check}s that type. */
  private <T> T requireInstance(T x, String what, boolean check, Class<?> type) {
    if (x == null) {
      throw new NullPointerException("a " + what + " is null");
    }
    if (check && !type.isInstance(x)) {
      throw new ClassCastException("the " + what + " " + x + " is a " + x.getClass().getName()
          + ", but the cache " + name + " holds " + what + "s of " + type.getName());
    }
    return x;
  }

  void requireKeys(Collection<? extends K> keys) {
    Objects.requireNonNull(keys, "keys");
    for (K key : keys) {
      requireKey(key);
    }
  }

  void requireEntries(Map<? extends K, ? extends V> map) {
    Objects.requireNonNull(map, "map");
    for (Map.Entry<? extends K, ? extends V> e : map.entrySet()) {
      requireKey(e.getKey());
      requireValue(e.getValue());
    }
  }

  // ---- statistics ----

  /** Returns the start time of an operation, or {@link #OFF} when statistics are disabled. */
  long start() {
    return cache.statisticsEnabled() ? System.nanoTime() : OFF;
  }

  /** Returns a new start time for a later phase of the operation started at {@code start}. */
  long restart(long start) {
    return start == OFF ? OFF : System.nanoTime();
  }

  /** Records a lookup as a hit or a miss, without a time. */
  void recordLookup(long start, boolean hit) {
    if (start != OFF) {
      if (hit) {
        statistics.recordHits(1);
      } else {
        statistics.recordMisses(1);
      }
    }
  }

  /** Records a read: a hit or a miss, and the time since {@code start} as a get time. */
  void recordRead(long start, boolean hit) {
    if (start != OFF) {
      recordLookup(start, hit);
      statistics.recordGetTime(System.nanoTime() - start);
    }
  }

  /** Records the time since {@code start} as a get time, without a hit or a miss. */
  void recordGetTime(long start) {
    if (start != OFF) {
      statistics.recordGetTime(System.nanoTime() - start);
    }
  }

  /** Records {@code count} puts, if any, and the time since {@code start} as their put time. */
  void recordPuts(long start, long count) {
    if (start != OFF && count > 0) {
      statistics.recordPuts(count);
      statistics.recordPutTime(System.nanoTime() - start);
    }
  }

  /** Records {@code count} removals, if any, and the time since {@code start} as their remove time. */
  void recordRemovals(long start, long count) {
    if (start != OFF && count > 0) {
      statistics.recordRemovals(count);
      statistics.recordRemoveTime(System.nanoTime() - start);
    }
  }
}
