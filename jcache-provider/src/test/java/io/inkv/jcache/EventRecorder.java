package io.inkv.jcache;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;

/** A listener of every event type that records each event as "TYPE key value oldValue". */
final class EventRecorder implements CacheEntryCreatedListener<String, String>, CacheEntryUpdatedListener<String, String>,
    CacheEntryRemovedListener<String, String>, CacheEntryExpiredListener<String, String>, Serializable {
  private static final long serialVersionUID = 1L;

  @SuppressWarnings("serial") // a synchronized ArrayList: serializable
  final List<String> events = Collections.synchronizedList(new ArrayList<>());
  private final boolean withValues;

  EventRecorder(boolean withValues) {
    this.withValues = withValues;
  }

  private void record(Iterable<CacheEntryEvent<? extends String, ? extends String>> batch) {
    for (CacheEntryEvent<? extends String, ? extends String> e : batch) {
      events.add(withValues ? e.getEventType() + " " + e.getKey() + " " + e.getValue() + " " + e.getOldValue()
          : e.getEventType() + " " + e.getKey());
    }
  }

  @Override
  public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends String>> batch) {
    record(batch);
  }

  @Override
  public void onUpdated(Iterable<CacheEntryEvent<? extends String, ? extends String>> batch) {
    record(batch);
  }

  @Override
  public void onRemoved(Iterable<CacheEntryEvent<? extends String, ? extends String>> batch) {
    record(batch);
  }

  @Override
  public void onExpired(Iterable<CacheEntryEvent<? extends String, ? extends String>> batch) {
    record(batch);
  }

  List<String> snapshot() {
    synchronized (events) {
      return new ArrayList<>(events);
    }
  }
}
