package io.inkv.jcache.event;

import java.io.Closeable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import javax.cache.Cache;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.Factory;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEventFilter;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.event.CacheEntryListener;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.event.EventType;

/*
 * One registered listener: its instance and filter (made once from their factories), and one
 * queue per key with events in flight. Delivery of each event is a task on the executor chained
 * after the key's previous task, so a listener sees the events of one key in the order they were
 * published (the cache publishes under the key's store lock) while events of different keys run
 * in parallel. A key's queue entry is removed when its last task completes.
 */
final class Registration<K, V> {
  private static final System.Logger LOG = System.getLogger(Registration.class.getName());

  final CacheEntryListenerConfiguration<K, V> configuration;
  private final CacheEntryListener<? super K, ? super V> listener;
  private final CacheEntryEventFilter<? super K, ? super V> filter;
  private final boolean oldValueRequired;
  final boolean synchronous;
  private final ConcurrentHashMap<Object, CompletableFuture<Void>> queues = new ConcurrentHashMap<>();

  Registration(CacheEntryListenerConfiguration<K, V> configuration) {
    this.configuration = configuration;
    Factory<? extends CacheEntryListener<? super K, ? super V>> listenerFactory = configuration.getCacheEntryListenerFactory();
    if (listenerFactory == null) {
      throw new IllegalArgumentException("the listener configuration has no listener factory");
    }
    this.listener = listenerFactory.create();
    Factory<? extends CacheEntryEventFilter<? super K, ? super V>> filterFactory = configuration.getCacheEntryEventFilterFactory();
    this.filter = filterFactory == null ? null : filterFactory.create();
    this.oldValueRequired = configuration.isOldValueRequired();
    this.synchronous = configuration.isSynchronous();
  }

  boolean accepts(EventType type) {
    return switch (type) {
      case CREATED -> listener instanceof CacheEntryCreatedListener;
      case UPDATED -> listener instanceof CacheEntryUpdatedListener;
      case REMOVED -> listener instanceof CacheEntryRemovedListener;
      case EXPIRED -> listener instanceof CacheEntryExpiredListener;
    };
  }

  boolean wantsOldValue(EventType type) {
    return type != EventType.UPDATED || oldValueRequired;
  }

  CompletableFuture<Void> enqueue(Executor executor, Cache<K, V> source, EventType type, K key, V value, V oldValue) {
    CacheEvent<K, V> event = type == EventType.UPDATED && !oldValueRequired
        ? new CacheEvent<>(source, type, key, value, null, false)
        : new CacheEvent<>(source, type, key, value, oldValue, oldValue != null);
    Runnable task = () -> deliver(event);
    CompletableFuture<Void> queued = queues.compute(key, (k, previous) -> previous == null
        ? CompletableFuture.runAsync(task, executor)
        : previous.handle((ignored, error) -> null).thenRunAsync(task, executor));
    queued.whenComplete((ignored, error) -> queues.remove(key, queued));
    return queued;
  }

  @SuppressWarnings("unchecked")
  private void deliver(CacheEvent<K, V> event) {
    if (filter != null && !filter.evaluate(event)) {
      return;
    }
    List<javax.cache.event.CacheEntryEvent<? extends K, ? extends V>> events = List.of(event);
    switch (event.getEventType()) {
      case CREATED -> ((CacheEntryCreatedListener<K, V>) listener).onCreated(events);
      case UPDATED -> ((CacheEntryUpdatedListener<K, V>) listener).onUpdated(events);
      case REMOVED -> ((CacheEntryRemovedListener<K, V>) listener).onRemoved(events);
      case EXPIRED -> ((CacheEntryExpiredListener<K, V>) listener).onExpired(events);
    }
  }

  void close() {
    for (Object o : new Object[] {listener, filter}) {
      if (o instanceof Closeable c) {
        try {
          c.close();
        } catch (Exception e) {
          LOG.log(System.Logger.Level.WARNING, "closing " + o.getClass().getName() + " failed", e);
        }
      }
    }
  }
}
