package io.inkv.hibernate;

import io.inkv.store.memory.ByteOutput;
import io.inkv.store.EntryUpdate;
import io.inkv.store.Store;
import io.inkv.store.memory.LittleEndian;
import java.util.Arrays;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.RegionFactory;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.cache.spi.support.AbstractCachedDomainDataAccess;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/*
 * Read-write (and transactional) access with per-key soft locks, the protocol of Hibernate's
 * AbstractReadWriteAccess without its region-wide ReentrantReadWriteLock.
 *
 * The stock class takes the region's read lock on every get and its write lock on every
 * putFromLoad, lockItem, unlockItem, afterInsert and afterUpdate, only to make each
 * read-decide-write of ONE key atomic. Under load every reader of the region meets every writer
 * on that one lock (and on its reader count, a cache line all readers write). Here:
 *   - get is a plain Store.get: a lock-free index probe, then a readability check on the bytes;
 *   - each read-decide-write is one Store.update of that key, which runs the decision under the
 *     store's lock for that key's stripe only (256 stripes), atomically with respect to every
 *     other write of the key;
 *   - entries are encoded outside the update, so the stripe lock is held for a compare and a copy.
 *
 * The decisions are the stock ones, decided on the stored bytes:
 *   ITEM  kind, timestamp (8), version (tagged), value (tagged)
 *         readable by a transaction that started after timestamp; replaceable by putFromLoad
 *         only with a newer version
 *   LOCK  kind, timeout (8), owner UUID (16), lock id (8), multiplicity (4), concurrent (1),
 *         unlock timestamp (8), version (tagged)
 *         never readable; lockItem on a LOCK increments its multiplicity (and marks it
 *         concurrent) and returns the same lock; unlock decrements it and stamps the unlock time;
 *         writable again after its timeout, or once unlocked by a transaction that started after
 *         the unlock (or with a newer version)
 * An unlock or afterUpdate that does not find its own lock (it timed out and was replaced, or the
 * entry was evicted) writes a fresh, already released lock, so loads that started before now
 * cannot cache what they read (the stock handleLockExpiry).
 *
 * Locks never expire by the region's time-to-live: a lock that vanished would let a load that
 * raced with the update cache stale data. A capacity bound can still evict one, as in every
 * bounded Hibernate cache.
 *
 * Reference entries (immutable entities, see ReferenceEntries) are items like any other, whose
 * value is a marker: get returns the instance behind it. An item whose marker this JVM keeps no
 * instance for (after a restart, or written by another node) is a miss; a load whose transaction
 * may read that item (it started after the item's timestamp) saw at least what the item stands
 * for, so its putFromLoad may replace the item, or, with a reference entry, attach its instance
 * to the marker already there.
 */
abstract class SoftLockedAccess extends AbstractCachedDomainDataAccess {
  private static final int TIMEOUT = 1;
  private static final int OWNER_HIGH = 9;
  private static final int OWNER_LOW = 17;
  private static final int LOCK_ID = 25;
  private static final int MULTIPLICITY = 33;
  private static final int CONCURRENT = 37;
  private static final int UNLOCK_TIMESTAMP = 38;
  private static final int LOCK_VERSION = 46;
  private static final int ITEM_VERSION = 9;

  private final RegionStorage storage;
  private final AccessType accessType;
  private final UUID owner = UUID.randomUUID();
  private final AtomicLong nextLockId = new AtomicLong();

  SoftLockedAccess(DomainDataRegion region, RegionStorage storage, AccessType accessType) {
    super(region, storage);
    this.storage = storage;
    this.accessType = accessType;
  }

  /** Returns the region's storage (Hibernate 6.6 makes getStorageAccess protected). */
  RegionStorage storage() {
    return storage;
  }

  /** Compares versions of the cached data, or returns null if it has none. */
  abstract Comparator<Object> versionComparator();

  @Override
  public AccessType getAccessType() {
    return accessType;
  }

  private RegionFactory regionFactory() {
    return getRegion().getRegionFactory();
  }

  private static long cachingTimestamp(SharedSessionContractImplementor session) {
    return session.getCacheTransactionSynchronization().getCachingTimestamp();
  }

  @Override
  public Object get(SharedSessionContractImplementor session, Object key) {
    byte[] k = storage.key(key);
    byte[] v = storage.read(k);
    if (v == null || v[0] != RegionStorage.ITEM || cachingTimestamp(session) <= LittleEndian.getLong(v, 1)) {
      return null;
    }
    EntryFormat.Input in = new EntryFormat.Input(v, ITEM_VERSION, v.length);
    EntryFormat format = storage.format();
    Object value;
    try {
      format.read(in);
      value = storage.fromStored(k, format.read(in));
    } catch (io.inkv.store.codec.Codec.DecodeException e) {
      storage.undecodable(k, e); // a miss, never an exception that fails the session's load
      return null;
    }
    if (value != null) {
      storage.touched(k);
    }
    return value;
  }

  private byte[] item(byte[] key, Object value, Object version, long timestamp) {
    Object stored = storage.toStored(key, value);
    ByteOutput out = EntryFormat.output();
    out.writeByte(RegionStorage.ITEM);
    out.writeLong(timestamp);
    storage.format().write(out, version);
    storage.format().write(out, stored);
    return out.toByteArray();
  }

  /** Whether {@code v} is an item whose marker this JVM keeps no instance for, and which the transaction may read. */
  private boolean unresolvedReadable(byte[] key, byte[] v, long txTimestamp) {
    return v[0] == RegionStorage.ITEM && txTimestamp > LittleEndian.getLong(v, 1) && storage.unresolved(key, v);
  }

  @Override
  public boolean putFromLoad(SharedSessionContractImplementor session, Object key, Object value, Object version) {
    return putFromLoad(session, key, value, version, false);
  }

  @Override
  public boolean putFromLoad(SharedSessionContractImplementor session, Object key, Object value, Object version,
      boolean minimalPutOverride) {
    long txTimestamp = cachingTimestamp(session);
    byte[] k = storage.key(key);
    byte[] existing = storage.read(k);
    if (existing != null && !loadMayReplace(k, existing, txTimestamp, version, minimalPutOverride)) {
      return false; // the common case of a concurrent load: decided without taking the key's lock
    }
    boolean reference = ReferenceEntries.isReferenceEntry(value);
    byte[] item = reference && existing != null && unresolvedReadable(k, existing, txTimestamp)
        ? null // most likely attached to the marker there (below): no new marker
        : item(k, value, version, txTimestamp);
    long expireAt = storage.expireAt();
    return storage.update(k, (current, writer) -> {
      byte[] v = current == null ? null : current.value();
      if (v != null && !loadMayReplace(k, v, txTimestamp, version, minimalPutOverride)) {
        return false;
      }
      if (reference && v != null && unresolvedReadable(k, v, txTimestamp)) {
        storage.references().adopt(k, storage.marker(v), value);
        return true;
      }
      writer.put(item != null ? item : item(k, value, version, txTimestamp), expireAt);
      return true;
    });
  }

  /** Whether a load (of {@code version}, in a transaction started at {@code txTimestamp}) may replace the entry {@code v}. */
  private boolean loadMayReplace(byte[] key, byte[] v, long txTimestamp, Object version, boolean minimalPutOverride) {
    if (unresolvedReadable(key, v, txTimestamp)) {
      return true; // an item this JVM cannot serve, and the load saw at least what it stands for
    }
    return !(minimalPutOverride && version == null) && writable(v, txTimestamp, version);
  }

  private boolean writable(byte[] v, long txTimestamp, Object newVersion) {
    try {
      return writableIfDecodes(v, txTimestamp, newVersion);
    } catch (io.inkv.store.codec.Codec.DecodeException e) {
      return true; // a stored entry this JVM cannot read is no entry: a load may replace it
    }
  }

  private boolean writableIfDecodes(byte[] v, long txTimestamp, Object newVersion) {
    switch (v[0]) {
      case RegionStorage.ITEM: {
        Object version = storage.format().read(new EntryFormat.Input(v, ITEM_VERSION, v.length));
        return version != null && versionComparator().compare(version, newVersion) < 0;
      }
      case RegionStorage.LOCK: {
        if (txTimestamp > LittleEndian.getLong(v, TIMEOUT)) {
          return true;
        }
        if (LittleEndian.getInt(v, MULTIPLICITY) > 0) {
          return false;
        }
        Object version = storage.format().read(new EntryFormat.Input(v, LOCK_VERSION, v.length));
        return version == null
            ? txTimestamp > LittleEndian.getLong(v, UNLOCK_TIMESTAMP)
            : versionComparator().compare(version, newVersion) < 0;
      }
      default:
        return true; // a plain value written by another strategy sharing the region
    }
  }

  @Override
  public SoftLock lockItem(SharedSessionContractImplementor session, Object key, Object version) {
    RegionFactory factory = regionFactory();
    long timeout = factory.nextTimestamp() + factory.getTimeout();
    long lockId = nextLockId.getAndIncrement();
    byte[] k = storage.key(key);
    byte[] fresh = newLock(timeout, owner, lockId, 1, version);
    return storage.update(k, (current, writer) -> {
      byte[] v = current == null ? null : current.value();
      if (v != null && v[0] == RegionStorage.LOCK) {
        // locked already: one more holder, and the lock is now concurrent
        LittleEndian.putLong(v, TIMEOUT, timeout);
        LittleEndian.putInt(v, MULTIPLICITY, LittleEndian.getInt(v, MULTIPLICITY) + 1);
        v[CONCURRENT] = 1;
        writer.put(v, Store.NEVER);
        return lockOf(v);
      }
      if (v != null && v[0] == RegionStorage.ITEM) {
        // lock the item, keeping its version
        int versionEnd = versionEnd(v);
        byte[] lock = Arrays.copyOf(fresh, LOCK_VERSION + versionEnd - ITEM_VERSION);
        System.arraycopy(v, ITEM_VERSION, lock, LOCK_VERSION, versionEnd - ITEM_VERSION);
        writer.put(lock, Store.NEVER);
      } else {
        writer.put(fresh, Store.NEVER);
      }
      return new Lock(owner, lockId);
    });
  }

  private int versionEnd(byte[] item) {
    EntryFormat.Input in = new EntryFormat.Input(item, ITEM_VERSION, item.length);
    storage.format().read(in);
    return in.pos;
  }

  private byte[] newLock(long timeout, UUID lockOwner, long lockId, int multiplicity, Object version) {
    ByteOutput out = EntryFormat.output();
    out.writeByte(RegionStorage.LOCK);
    out.writeLong(timeout);
    out.writeLong(lockOwner.getMostSignificantBits());
    out.writeLong(lockOwner.getLeastSignificantBits());
    out.writeLong(lockId);
    out.writeInt(multiplicity);
    out.writeByte(0);
    out.writeLong(0L);
    storage.format().write(out, version);
    return out.toByteArray();
  }

  private static Lock lockOf(byte[] v) {
    return new Lock(new UUID(LittleEndian.getLong(v, OWNER_HIGH), LittleEndian.getLong(v, OWNER_LOW)),
        LittleEndian.getLong(v, LOCK_ID));
  }

  private static boolean isLockedBy(byte[] v, SoftLock lock) {
    return v != null && v[0] == RegionStorage.LOCK && lock instanceof Lock l
        && LittleEndian.getLong(v, LOCK_ID) == l.lockId()
        && LittleEndian.getLong(v, OWNER_HIGH) == l.owner().getMostSignificantBits()
        && LittleEndian.getLong(v, OWNER_LOW) == l.owner().getLeastSignificantBits();
  }

  /** Releases one holder of the lock in {@code v} (a copy the caller owns) and writes it back. */
  private void decrement(byte[] v, EntryUpdate.Writer writer, long now) {
    int multiplicity = LittleEndian.getInt(v, MULTIPLICITY) - 1;
    LittleEndian.putInt(v, MULTIPLICITY, multiplicity);
    if (multiplicity == 0) {
      LittleEndian.putLong(v, UNLOCK_TIMESTAMP, now);
    }
    writer.put(v, Store.NEVER);
  }

  /** The lock that replaces one that expired: released at once, valid until the timeout. */
  private byte[] expiredLockReplacement() {
    RegionFactory factory = regionFactory();
    long now = factory.nextTimestamp();
    byte[] lock = newLock(now + factory.getTimeout(), owner, nextLockId.getAndIncrement(), 0, null);
    LittleEndian.putLong(lock, UNLOCK_TIMESTAMP, now);
    return lock;
  }

  @Override
  public void unlockItem(SharedSessionContractImplementor session, Object key, SoftLock lock) {
    byte[] k = storage.key(key);
    long now = regionFactory().nextTimestamp();
    byte[] replacement = expiredLockReplacement();
    storage.update(k, (current, writer) -> {
      byte[] v = current == null ? null : current.value();
      if (isLockedBy(v, lock)) {
        decrement(v, writer, now);
      } else {
        writer.put(replacement, Store.NEVER);
      }
      return null;
    });
  }

  /** Caches {@code value} if the key has no entry (after an insert committed). */
  final boolean putIfAbsentAfterInsert(Object key, Object value, Object version) {
    byte[] k = storage.key(key);
    byte[] item = item(k, value, version, regionFactory().nextTimestamp());
    long expireAt = storage.expireAt();
    return storage.update(k, (current, writer) -> {
      if (current != null && current.value()[0] != RegionStorage.VALUE) {
        return false;
      }
      writer.put(item, expireAt);
      return true;
    });
  }

  /** Replaces the entry locked by {@code lock} with {@code value} (after an update committed). */
  final boolean replaceAfterUpdate(Object key, Object value, Object version, SoftLock lock) {
    byte[] k = storage.key(key);
    RegionFactory factory = regionFactory();
    long now = factory.nextTimestamp();
    byte[] item = item(k, value, version, now);
    byte[] replacement = expiredLockReplacement();
    long expireAt = storage.expireAt();
    return storage.update(k, (current, writer) -> {
      byte[] v = current == null ? null : current.value();
      if (!isLockedBy(v, lock)) {
        writer.put(replacement, Store.NEVER);
        return false;
      }
      if (v[CONCURRENT] != 0) {
        decrement(v, writer, now);
        return false;
      }
      writer.put(item, expireAt);
      return true;
    });
  }

  @Override
  public void remove(SharedSessionContractImplementor session, Object key) {
    storage.update(storage.key(key), (current, writer) -> {
      if (current != null && current.value()[0] != RegionStorage.LOCK) {
        writer.remove(); // a lock stays: it guards an update in flight
      }
      return null;
    });
  }

  /** Whether the key has cached data; a soft lock is not data (Hibernate's own access counts it). */
  @Override
  public boolean contains(Object key) {
    byte[] k = storage.key(key);
    byte[] v = storage.read(k);
    return v != null && v[0] == RegionStorage.ITEM && !storage.unresolved(k, v);
  }

  @Override
  public void removeAll(SharedSessionContractImplementor session) {
    // as in Hibernate's read-write access: the entries stay until unlockRegion evicts them
  }

  /** The handle lockItem returns: which access locked the entry, and which lock. */
  record Lock(UUID owner, long lockId) implements SoftLock {}
}
