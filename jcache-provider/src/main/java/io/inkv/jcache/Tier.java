package io.inkv.jcache;

import java.util.Iterator;

/*
 * Where a cache keeps its entries, and in what form. The cache's semantics (StoreCache, the
 * operation frame, EntryChanges, bulk operations, entry processors, the iterator) are written once
 * against this interface; three tiers keep the entries:
 *
 *   StoreTier      by value: keys and values encoded by their codecs into the mapped store, which
 *                  gives persistence, replication, size beyond the heap and copies on every read
 *   HeapTier       by reference: the caller's own key and value objects in a concurrent hash map
 *                  on the heap; no codec, no Serializable, get returns the instance that was put
 *   ReferenceTier  by reference over a persistent or replicated store: every change is written,
 *                  encoded, to the store (so a restart or another replica sees it), and the
 *                  instances this JVM put or read are kept beside it so that a hit returns the
 *                  very instance, as long as the stored bytes are still the ones it came from
 *
 * A tier keeps a key and a value in a form of its own (encoded bytes, or the objects themselves)
 * that the cache never looks inside: it asks the tier for the form of a key or value, hands the
 * form back to the tier's operations, and asks the tier for the object a caller sees. Two kept
 * keys are the same key when the tier says so (encoded bytes equal, or equals()).
 *
 * The change protocol is the store's (Store.update): an Update runs under the key's lock with the
 * entry's Current state, or null when there is none, and says what becomes of the entry through
 * the Writer; expired() lets the cache publish an entry the update finds expired before the
 * update's own event.
 */
interface Tier<K, V> {

  /** What a tier reports when it drops an entry by itself. */
  interface Removals {
    /** An entry expired (found on a read, by a sweep) or was evicted; forms as the tier keeps them. */
    void removed(Object k, Object v, boolean evicted);
  }

  /**
   * An entry's state inside an update: its kept value and its expiry time. An interface, so that a
   * tier can hand over an object it already has (the heap tier's entry state, the store tier's
   * adapter over the store's own) instead of allocating one per update.
   */
  interface Current {
    Object value();

    long expireAt();
  }

  /** What an update does to its entry; each call replaces the previous decision. */
  interface Writer {
    void put(Object value, long expireAt);

    void setExpiry(long expireAt);

    void remove();
  }

  /** A change of one entry under its key's lock. */
  @FunctionalInterface
  interface Update<R> {
    R apply(Current current, Writer writer);

    /** Called with an entry the update finds expired, before apply (which then sees none). */
    default void expired(Object value) {}

    /**
     * Whether the update's answer depends on the entry's value: then a stored value the tier
     * cannot read (bytes the codec does not decode) is handed to it as no entry, as a get answers
     * it. A plain put, which replaces whatever is there, says false and is spared the check.
     */
    default boolean readsCurrent() {
      return true;
    }
  }

  /** One entry as the iterator sees it, in kept forms. */
  record Kept(Object key, Object value) {}

  // ---- forms ----

  /** Returns the form {@code key} is kept in; throws if it cannot be kept (a write must refuse). */
  Object key(K key);

  /** Returns the form {@code key} is kept in, or null if no entry can have it (a read answers absent). */
  Object keyIfKept(K key);

  /** Returns the key a caller sees for a kept key. */
  K keyOf(Object k);

  /**
   * Returns the form {@code value} is kept in under {@code key}, refused before any side effect
   * (a CacheException naming the key and the reason) if the tier cannot hold it.
   */
  Object value(K key, Object k, V value);

  /** Returns the form to compare kept values with (replace and remove with an expected value), or null if none equals. */
  Object comparand(V value);

  /** Returns whether a kept value equals a comparand. */
  boolean same(Object kept, Object comparand);

  /** Returns the value a caller sees for a kept value of the kept key {@code k}. */
  V valueOf(Object k, Object v);

  // ---- operations ----

  /** Returns the value a caller sees for {@code k} (a kept key), or null if there is none. */
  V get(Object k);

  boolean containsKey(Object k);

  <R> R update(Object k, Update<R> update);

  /** Removes an entry; returns whether there was one. */
  boolean remove(Object k);

  void setExpiry(Object k, long expireAt);

  /** Removes every entry, with no removal reports. */
  void clear();

  /** The number of entries, counting expired ones not yet dropped. */
  long size();

  /** The number of entries evicted so far. */
  long evictions();

  Iterator<Kept> iterator();

  void close();
}
