package io.inkv.jcache;

import io.inkv.jcache.event.EventDispatcher;
import io.inkv.store.Store;
import javax.cache.event.EventType;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.EternalExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;

/*
 * The changes a cache makes to one entry under the key's lock, inside Tier.update:
 * creating, updating and touching an entry with the expiry policy's decision, and publishing the
 * event each change means. Holding the lock fixes the order of a key's events.
 *
 * Expiry decisions are store expiry times (epoch milliseconds, Store.NEVER), or one of two
 * sentinels: UNCHANGED ("leave the expiry time as it is": the policy returned null, or threw on
 * update or access) and EXPIRED (a duration of zero: the entry goes at once and EXPIRED is
 * published, where the reference implementation leaves it to be found expired later). An
 * exception from the policy means ETERNAL on creation, as in the reference implementation. The
 * policy is asked for an access duration only when it is not one of the standard policies whose
 * answer is known to be "unchanged" (eternal, created), which keeps it off the get path.
 *
 * update() adds the expired-entry hook to every update: an entry the update finds expired is
 * published as EXPIRED under the key's lock, before the event the update itself publishes (a put
 * over an expired entry gives EXPIRED then CREATED, the reference implementation's order),
 * instead of by the store's removal listener after the lock is released. A Change carries the
 * hook itself, so put allocates one object per call for its update (a capturing lambda and a
 * wrapper before); other operations pass a lambda, which is wrapped.
 */
final class EntryChanges<K, V> {
  /** An expiry decision meaning "leave the expiry time as it is". */
  static final long UNCHANGED = Long.MIN_VALUE;
  /** An expiry decision meaning "expired now" (a duration of zero). */
  static final long EXPIRED = -1;

  private static final System.Logger LOG = System.getLogger(StoreCache.class.getName());

  private final String name;
  private final Tier<K, V> tier;
  private final ExpiryPolicy expiry;
  private final boolean askAccessExpiry;
  private final EventDispatcher<K, V> events;

  EntryChanges(String name, Tier<K, V> tier, ExpiryPolicy expiry, EventDispatcher<K, V> events) {
    this.name = name;
    this.tier = tier;
    this.expiry = expiry;
    this.askAccessExpiry = !(expiry instanceof EternalExpiryPolicy || expiry instanceof CreatedExpiryPolicy);
    this.events = events;
  }

  /**
   * An update of one key that publishes the entry it finds expired; subclasses say what the
   * update does.
   */
  abstract static class Change<K, V, R> implements Tier.Update<R> {
    final EntryChanges<K, V> changes;
    final Object k;

    Change(EntryChanges<K, V> changes, Object k) {
      this.changes = changes;
      this.k = k;
    }

    @Override
    public final void expired(Object value) {
      changes.publishExpired(k, value);
    }
  }

  private void publishExpired(Object k, Object value) {
    if (events.wants(EventType.EXPIRED)) {
      try {
        V v = tier.valueOf(k, value);
        K key = tier.keyOf(k);
        if (v == null || key == null) {
          return; // stored bytes that do not decode were no entry
        }
        events.publish(EventType.EXPIRED, key, v, v);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "cache " + name + ": cannot publish an expiry event", e);
      }
    }
  }

  /** Runs a change in Tier.update. */
  <R> R update(Change<K, V, R> change) {
    return tier.update(change.k, change);
  }

  /** Runs an update of the kept key {@code k} in Tier.update, with the expired-entry hook. */
  <R> R update(Object k, Tier.Update<R> update) {
    return tier.update(k, new Wrapped<>(this, k, update));
  }

  private static final class Wrapped<K, V, R> extends Change<K, V, R> {
    private final Tier.Update<R> update;

    Wrapped(EntryChanges<K, V> changes, Object k, Tier.Update<R> update) {
      super(changes, k);
      this.update = update;
    }

    @Override
    public R apply(Tier.Current current, Tier.Writer writer) {
      return update.apply(current, writer);
    }
  }

  // ---- expiry decisions ----

  boolean asksAccessExpiry() {
    return askAccessExpiry;
  }

  private static long expireAt(Duration duration, long now) {
    if (duration == null) {
      return UNCHANGED;
    }
    if (duration.isEternal()) {
      return Store.NEVER;
    }
    if (duration.isZero() || duration.getDurationAmount() < 0) {
      return EXPIRED;
    }
    long millis = duration.getTimeUnit().toMillis(duration.getDurationAmount());
    if (millis == 0) {
      millis = 1;
    }
    long at = now + millis;
    // A duration past the latest time a record can hold (the year 10889) cannot be told from
    // eternal; deciding it here keeps the store from refusing it after the writer and the events.
    return at < now || at > Store.MAX_EXPIRE_AT ? Store.NEVER : at;
  }

  long creationExpiry(long now) {
    Duration d;
    try {
      d = expiry.getExpiryForCreation();
    } catch (Throwable t) {
      d = Duration.ETERNAL;
    }
    long at = expireAt(d, now);
    return at == UNCHANGED ? Store.NEVER : at;
  }

  long updateExpiry(long now) {
    try {
      return expireAt(expiry.getExpiryForUpdate(), now);
    } catch (Throwable t) {
      return UNCHANGED;
    }
  }

  long accessExpiry(long now) {
    if (!askAccessExpiry) {
      return UNCHANGED;
    }
    try {
      return expireAt(expiry.getExpiryForAccess(), now);
    } catch (Throwable t) {
      return UNCHANGED;
    }
  }

  // ---- changes inside an update ----

  /** Applies an access-expiry decision to an entry that exists. */
  void applyAccess(long at, K key, Object k, Object currentValue, Tier.Writer w) {
    if (at == UNCHANGED) {
      return;
    }
    if (at == EXPIRED) {
      w.remove();
      if (events.wants(EventType.EXPIRED)) {
        V old = tier.valueOf(k, currentValue);
        events.publish(EventType.EXPIRED, key, old, old);
      }
    } else {
      w.setExpiry(at);
    }
  }

  /** Stores a new value of an existing entry, with its update expiry. */
  void applyUpdate(K key, V value, Object k, Object kept, Tier.Current current, long now, Tier.Writer w) {
    long at = updateExpiry(now);
    boolean eventsOn = events.isActive();
    V old = eventsOn && events.wantsOldValue(EventType.UPDATED) || at == EXPIRED && events.wants(EventType.EXPIRED)
        ? tier.valueOf(k, current.value()) : null;
    if (at == EXPIRED) {
      w.remove();
    } else {
      w.put(kept, at == UNCHANGED ? current.expireAt() : at);
    }
    if (eventsOn) {
      events.publish(EventType.UPDATED, key, value, old);
      if (at == EXPIRED) {
        events.publish(EventType.EXPIRED, key, value, value);
      }
    }
  }

  /** Creates an entry; returns whether it was stored (a zero duration stores nothing). */
  boolean applyCreate(K key, V value, Object kept, long now, Tier.Writer w) {
    long at = creationExpiry(now);
    if (at == EXPIRED) {
      return false;
    }
    w.put(kept, at);
    if (events.isActive()) {
      events.publish(EventType.CREATED, key, value, null);
    }
    return true;
  }

  /** Removes an entry that exists and publishes REMOVED. */
  void applyRemove(K key, Object k, Object currentValue, Tier.Writer w) {
    w.remove();
    if (events.isActive()) {
      V old = tier.valueOf(k, currentValue);
      events.publish(EventType.REMOVED, key, old, old);
    }
  }

  /** Applies the access expiry of a read that found the entry. */
  void touch(K key, Object k) {
    long at = accessExpiry(System.currentTimeMillis());
    if (at == UNCHANGED) {
      return;
    }
    if (at != EXPIRED) {
      tier.setExpiry(k, at);
      return;
    }
    update(k, (current, w) -> {
      if (current != null) {
        applyAccess(at, key, k, current.value(), w);
      }
      return null;
    });
  }

  /** Returns the value a caller sees for a kept value of {@code k}, or null for none. */
  V valueOf(Object k, Object kept) {
    return kept == null ? null : tier.valueOf(k, kept);
  }
}
