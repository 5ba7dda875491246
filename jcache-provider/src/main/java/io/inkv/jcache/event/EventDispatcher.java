package io.inkv.jcache.event;

import io.inkv.store.internal.SharedExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.cache.Cache;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.event.CacheEntryListenerException;
import javax.cache.event.EventType;

/**
 * Delivers one cache's entry events to its registered listeners. Support for the provider, not
 * API.
 *
 * <p>The cache publishes each event while it holds the key's store lock; publishing only queues
 * a task, so listener code never runs under that lock. Every listener sees the events of a key
 * in publication order. For synchronous listeners the publishing thread remembers the queued
 * tasks and {@link #awaitSynchronous()} waits for them before the cache operation returns,
 * rethrowing a listener's failure: an {@link Error} as it is, a {@link CacheEntryListenerException}
 * as it is, any other exception wrapped in one.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class EventDispatcher<K, V> {
  /*
   * One shared pool of daemon threads for every cache: threads start on demand and idle ones end
   * after a minute, so an application without listeners never starts one. A dedicated pool rather
   * than the common ForkJoinPool: on a 2-core machine that has one worker, and a synchronous
   * listener blocking it would stall every other cache's events. Every open cache manager holds a
   * lease on it (openExecutor); when the last one closes, the pool is shut down and its threads
   * are waited for, so no inkv thread outlives the cache managers.
   */
  private static final SharedExecutor<ExecutorService> EXECUTOR = new SharedExecutor<>(
      n -> "inkv-jcache-events-" + n, Executors::newCachedThreadPool);
  private static final ThreadLocal<List<CompletableFuture<Void>>> PENDING = ThreadLocal.withInitial(ArrayList::new);

  private final Cache<K, V> source;
  private final CopyOnWriteArrayList<Registration<K, V>> registrations = new CopyOnWriteArrayList<>();
  private volatile boolean active;

  /** Creates a dispatcher for the events of {@code source}. */
  public EventDispatcher(Cache<K, V> source) {
    this.source = source;
  }

  /**
   * Returns the executor listener tasks (and the provider's other background work) run on.
   *
   * @throws IllegalStateException if no cache manager is open
   */
  public static ExecutorService executor() {
    return EXECUTOR.executor();
  }

  /**
   * Holds the executor for a cache manager until the lease is closed; the last lease closed stops
   * the executor's threads and waits (up to 10 s) for them to end.
   */
  public static SharedExecutor.Lease<ExecutorService> openExecutor() {
    return EXECUTOR.acquire();
  }

  /**
   * Registers a listener.
   *
   * @throws IllegalArgumentException if an equal configuration is registered already
   */
  public void register(CacheEntryListenerConfiguration<K, V> configuration) {
    for (Registration<K, V> r : registrations) {
      if (r.configuration.equals(configuration)) {
        throw new IllegalArgumentException("the listener configuration is registered already: " + configuration);
      }
    }
    registrations.add(new Registration<>(configuration));
    active = true;
  }

  /** Removes a listener; returns whether it was registered. */
  public boolean deregister(CacheEntryListenerConfiguration<K, V> configuration) {
    for (Registration<K, V> r : registrations) {
      if (r.configuration.equals(configuration)) {
        registrations.remove(r);
        active = !registrations.isEmpty();
        r.close();
        return true;
      }
    }
    return false;
  }

  /** Returns whether any listener is registered; when not, publishing can be skipped. */
  public boolean isActive() {
    return active;
  }

  /** Returns whether a listener takes events of {@code type}. */
  public boolean wants(EventType type) {
    if (!active) {
      return false;
    }
    for (Registration<K, V> r : registrations) {
      if (r.accepts(type)) {
        return true;
      }
    }
    return false;
  }

  /** Returns whether a listener of events of {@code type} needs the old value. */
  public boolean wantsOldValue(EventType type) {
    if (!active) {
      return false;
    }
    for (Registration<K, V> r : registrations) {
      if (r.accepts(type) && r.wantsOldValue(type)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Queues an event for every listener of its type.
   *
   * @param value the new value (CREATED, UPDATED) or the value that went (REMOVED, EXPIRED)
   * @param oldValue the previous value (UPDATED) or the value that went (REMOVED, EXPIRED)
   */
  public void publish(EventType type, K key, V value, V oldValue) {
    publish(type, key, value, oldValue, true);
  }

  /**
   * Queues an event without making the calling thread wait for synchronous listeners: for events
   * that happen outside any cache operation, such as an expiry found by the store's background
   * thread.
   */
  public void publishUnawaited(EventType type, K key, V value, V oldValue) {
    publish(type, key, value, oldValue, false);
  }

  private void publish(EventType type, K key, V value, V oldValue, boolean awaited) {
    for (Registration<K, V> r : registrations) {
      if (r.accepts(type)) {
        CompletableFuture<Void> f = r.enqueue(EXECUTOR.executor(), source, type, key, value, oldValue);
        if (awaited && r.synchronous) {
          PENDING.get().add(f);
        }
      }
    }
  }

  /**
   * Waits for the synchronous listeners' tasks the calling thread queued.
   *
   * @throws CacheEntryListenerException if a listener failed with an exception
   * @throws Error if a listener failed with one
   */
  public static void awaitSynchronous() {
    List<CompletableFuture<Void>> pending = PENDING.get();
    if (pending.isEmpty()) {
      return;
    }
    List<CompletableFuture<Void>> waiting = new ArrayList<>(pending);
    pending.clear();
    Throwable failure = null;
    for (CompletableFuture<Void> f : waiting) {
      try {
        f.join();
      } catch (CompletionException e) {
        if (failure == null) {
          failure = e.getCause() == null ? e : e.getCause();
        }
      } catch (java.util.concurrent.CancellationException e) {
        // the cache closed under it
      }
    }
    if (failure instanceof Error error) {
      throw error;
    }
    if (failure instanceof CacheEntryListenerException e) {
      throw e;
    }
    if (failure != null) {
      throw new CacheEntryListenerException("a cache entry listener failed: " + failure, failure);
    }
  }

  /** Forgets the synchronous tasks the calling thread queued, without waiting (after a failure). */
  public static void discardSynchronous() {
    PENDING.get().clear();
  }

  /** Returns the configurations of the registered listeners. */
  public List<CacheEntryListenerConfiguration<K, V>> configurations() {
    List<CacheEntryListenerConfiguration<K, V>> list = new ArrayList<>();
    for (Registration<K, V> r : registrations) {
      list.add(r.configuration);
    }
    return list;
  }

  /** Closes every listener and filter that is {@link java.io.Closeable} and drops them. */
  public void close() {
    for (Registration<K, V> r : registrations) {
      r.close();
    }
    registrations.clear();
    active = false;
  }
}
