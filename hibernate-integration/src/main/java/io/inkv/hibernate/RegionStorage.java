package io.inkv.hibernate;

import io.inkv.store.memory.ByteOutput;
import io.inkv.store.EntryUpdate;
import io.inkv.store.Store;
import io.inkv.store.codec.Codec;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hibernate.cache.spi.support.DomainDataStorageAccess;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/*
 * One Hibernate region's entries in one inkv Store: the bridge between Hibernate's cache SPI
 * (Object keys and values) and the store (bytes).
 *
 * Keys are encoded with EntryFormat; a value is a one-byte kind and a body:
 *   VALUE  0  the entry, as EntryFormat bytes                 (read-only, nonstrict, query, timestamps)
 *   ITEM   1  timestamp (8), version (tagged), entry (tagged)  (read-write and transactional)
 *   LOCK   2  see SoftLockedAccess                             (read-write and transactional)
 * so one region may even be shared by entities with different access strategies: an access reads
 * only the kinds it writes and treats the others as misses.
 *
 * Reference entries (an immutable entity's instance, hibernate.cache.use_reference_entries) are
 * kept on the heap by ReferenceEntries and stored as a marker in the entry's place (a VALUE whose
 * body is a marker, or an ITEM whose value is one): toStored turns a value into what the store
 * keeps, fromStored turns what a read decoded back into the value, the instance itself for a
 * marker, or null (a miss) when this JVM keeps none for it. See ReferenceEntries for why.
 *
 * The read path is Store.get: a lock-free index probe and a copy of the value; nothing here adds a
 * lock. Writes that must see the current entry (soft locks) go through Store.update, which holds
 * only that key's stripe lock.
 *
 * Replication: everything this class needs from its store is the Store interface (get, put,
 * remove, update, clear), so a region can be backed by a replicated store without changing the
 * access strategies; see docs/hibernate.md for the guarantees that would then hold.
 */
final class RegionStorage implements DomainDataStorageAccess {
  static final byte VALUE = 0;
  static final byte ITEM = 1;
  static final byte LOCK = 2;

  private final String name;
  private final Store store;
  private final EntryFormat format;
  private final long timeToLiveMillis;
  private final long timeToIdleMillis;
  private final Runnable onRelease;
  private final ReferenceEntries references = new ReferenceEntries(k -> markerOrNull(k, read(k)));
  private static final System.Logger LOG = System.getLogger(RegionStorage.class.getName());
  private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
  private final AtomicLong undecodable = new AtomicLong();
  private final AtomicLong undecodableLoggedAt = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

  RegionStorage(String name, Store store, EntryFormat format, long timeToLiveMillis, long timeToIdleMillis,
      Runnable onRelease) {
    this.name = name;
    this.store = store;
    this.format = format;
    this.timeToLiveMillis = timeToLiveMillis;
    this.timeToIdleMillis = timeToIdleMillis;
    this.onRelease = onRelease;
  }

  ReferenceEntries references() {
    return references;
  }

  /** Returns what the store keeps for {@code value}: a reference entry is kept on the heap and stored as a new marker. */
  Object toStored(byte[] key, Object value) {
    return ReferenceEntries.isReferenceEntry(value) ? references.keep(key, value) : value;
  }

  /** Returns the value a decoded stored form stands for: for a marker, its instance, or null if this JVM keeps none. */
  Object fromStored(byte[] key, Object stored) {
    return stored instanceof ReferenceEntries.Marker m ? references.resolve(key, m) : stored;
  }

  /** Returns the marker a stored value (VALUE or ITEM) holds, or null (none, a lock, or a by-value entry). */
  ReferenceEntries.Marker marker(byte[] v) {
    if (v == null) {
      return null;
    }
    int at;
    if (v[0] == VALUE) {
      at = 1;
    } else if (v[0] == ITEM) {
      EntryFormat.Input in = new EntryFormat.Input(v, 9, v.length); // after the kind and the timestamp
      format.read(in); // the version
      at = in.pos;
    } else {
      return null;
    }
    return at < v.length && v[at] == EntryFormat.REFERENCE
        ? (ReferenceEntries.Marker) format.read(new EntryFormat.Input(v, at, v.length)) : null;
  }

  /** Whether a stored value holds a marker this JVM keeps no instance for (a miss here, though stored). */
  boolean unresolved(byte[] key, byte[] v) {
    ReferenceEntries.Marker m = markerOrNull(key, v);
    return m != null && references.resolve(key, m) == null;
  }

  /** {@link #marker}, or null (counted, logged) if the stored value does not decode. */
  ReferenceEntries.Marker markerOrNull(byte[] key, byte[] v) {
    try {
      return marker(v);
    } catch (Codec.DecodeException e) {
      undecodable(key, e);
      return null;
    }
  }

  /*
   * A stored value this JVM cannot decode (written by another version of the application, whose
   * classes changed incompatibly, or by another tool) is a miss, as in a JCache cache: counted,
   * and logged with its key at most once every 10 s, never an exception that would fail the
   * session's load of the entity.
   */
  void undecodable(byte[] key, Codec.DecodeException e) {
    long n = undecodable.incrementAndGet();
    long now = System.nanoTime();
    long last = undecodableLoggedAt.get();
    if (now - last >= LOG_INTERVAL_NANOS && undecodableLoggedAt.compareAndSet(last, now)) {
      StringBuilder hex = new StringBuilder();
      for (int i = 0; i < Math.min(key.length, 32); i++) {
        hex.append(String.format("%02x", key[i]));
      }
      LOG.log(System.Logger.Level.WARNING, "region " + name + ": the stored entry of key 0x" + hex
          + (key.length > 32 ? "..." : "") + " does not decode (" + e.getMessage() + "); answered as a miss ("
          + n + " such reads so far, one line every 10 s at most)");
    }
  }

  /** Returns the number of reads that met a stored value they could not decode, answered as misses. */
  long undecodableValues() {
    return undecodable.get();
  }

  String name() {
    return name;
  }

  Store store() {
    return store;
  }

  EntryFormat format() {
    return format;
  }

  byte[] key(Object key) {
    ByteOutput out = EntryFormat.output();
    format.write(out, key);
    return out.toByteArray();
  }

  /** Returns the expiry time a value written now gets. */
  long expireAt() {
    return timeToLiveMillis == 0 ? Store.NEVER : System.currentTimeMillis() + timeToLiveMillis;
  }

  /** Extends the life of an entry that was just read, if the region expires idle entries. */
  void touched(byte[] key) {
    if (timeToIdleMillis != 0) {
      store.setExpiry(key, System.currentTimeMillis() + timeToIdleMillis);
    }
  }

  byte[] read(byte[] key) {
    return store.get(key);
  }

  <R> R update(byte[] key, EntryUpdate<R> update) {
    return store.update(key, update);
  }

  long size() {
    return store.size();
  }

  @Override
  public Object getFromCache(Object key, SharedSessionContractImplementor session) {
    byte[] k = key(key);
    byte[] v = store.get(k);
    if (v == null || v[0] != VALUE) {
      return null;
    }
    Object value;
    try {
      value = fromStored(k, format.decode(v, 1, v.length - 1));
    } catch (Codec.DecodeException e) {
      undecodable(k, e);
      return null;
    }
    if (value != null) {
      touched(k);
    }
    return value;
  }

  @Override
  public void putIntoCache(Object key, Object value, SharedSessionContractImplementor session) {
    byte[] k = key(key);
    if (ReferenceEntries.isReferenceEntry(value)) {
      byte[] current = store.get(k);
      ReferenceEntries.Marker existing = current != null && current[0] == VALUE ? marker(current) : null;
      if (existing != null) {
        // the immutable entity is stored already (by this node, another one, or before a restart):
        // keep this instance for that marker rather than replace it and so every other node's instance
        references.adopt(k, existing, value);
        return;
      }
    }
    Object stored = toStored(k, value);
    ByteOutput out = EntryFormat.output();
    out.writeByte(VALUE);
    format.write(out, stored);
    store.put(k, out.toByteArray(), expireAt());
  }

  @Override
  public boolean contains(Object key) {
    byte[] k = key(key);
    byte[] v = store.get(k);
    return v != null && !unresolved(k, v);
  }

  @Override
  public void evictData() {
    store.clear();
    references.clear();
  }

  @Override
  public void evictData(Object key) {
    byte[] k = key(key);
    ReferenceEntries.Marker m = markerOrNull(k, store.get(k));
    store.remove(k);
    references.forget(m);
  }

  @Override
  public void release() {
    onRelease.run();
  }

  @Override
  public String toString() {
    return "inkv region " + name + " in " + store.directory();
  }
}
