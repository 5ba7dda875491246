package io.inkv.hibernate;

import io.inkv.store.EntryUpdate;
import io.inkv.store.Store;
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

  RegionStorage(String name, Store store, EntryFormat format, long timeToLiveMillis, long timeToIdleMillis,
      Runnable onRelease) {
    this.name = name;
    this.store = store;
    this.format = format;
    this.timeToLiveMillis = timeToLiveMillis;
    this.timeToIdleMillis = timeToIdleMillis;
    this.onRelease = onRelease;
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
    EntryFormat.Output out = EntryFormat.output();
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
    touched(k);
    return format.decode(v, 1, v.length - 1);
  }

  @Override
  public void putIntoCache(Object key, Object value, SharedSessionContractImplementor session) {
    byte[] k = key(key);
    EntryFormat.Output out = EntryFormat.output();
    out.writeByte(VALUE);
    format.write(out, value);
    store.put(k, out.toByteArray(), expireAt());
  }

  @Override
  public boolean contains(Object key) {
    return store.containsKey(key(key));
  }

  @Override
  public void evictData() {
    store.clear();
  }

  @Override
  public void evictData(Object key) {
    store.remove(key(key));
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
