package io.inkv.store;

import static io.inkv.store.Segment.offset;
import static io.inkv.store.Segment.segmentId;

import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Store.update: read, decide and write one key under its key lock. Nothing the store would refuse
 * gets as far as a side effect: the key is checked before the caller's function runs, and this
 * writer checks what the function asks for when it asks (put: the value against the store's
 * limits and the expiry time; setExpiry: the expiry time), so a refused put throws from inside the
 * function, before whatever the function does after it (a CacheWriter call, an event), and before
 * the store changes. What the function asked for is applied after it returns; the last call wins.
 *
 * An expired entry found on the way is dropped first, and the function sees the key as absent;
 * EntryUpdate.expired lets the caller report that expiry in order with its own change.
 */
final class Update implements EntryUpdate.Writer {
  private static final int NONE = 0;
  private static final int PUT = 1;
  private static final int SET_EXPIRY = 2;
  private static final int REMOVE = 3;

  private final LogStore store;
  private final byte[] key;
  private int action = NONE;
  private byte[] value;
  private long expireAt;

  private Update(LogStore store, byte[] key) {
    this.store = store;
    this.key = key;
  }

  @Override
  public void put(byte[] value, long expireAt) {
    Objects.requireNonNull(value, "value");
    store.checkEntry(key, value.length);
    Store.checkExpireAt(expireAt);
    this.value = value;
    this.expireAt = expireAt;
    this.action = PUT;
  }

  @Override
  public void setExpiry(long expireAt) {
    Store.checkExpireAt(expireAt);
    this.expireAt = expireAt;
    this.action = SET_EXPIRY;
  }

  @Override
  public void remove() {
    this.action = REMOVE;
  }

  /** Runs {@code update} on {@code key}, whose length the caller checked; the caller is inside the read gate. */
  static <R> R run(LogStore store, byte[] key, EntryUpdate<R> update) {
    long hash = store.hasher.hash(key);
    ReentrantLock lock = store.keyLocks.of(hash);
    R result;
    long written = 0;
    byte[] expiredValue = null;
    boolean droppedExpired = false;
    lock.lock();
    try {
      long address = store.locate(key, hash);
      EntryUpdate.Current current = null;
      if (address != 0) {
        Segment s = store.files.segments.get(segmentId(address));
        int at = offset(address);
        if (store.mustCheck(s)) {
          s.verify(at);
        }
        long expireAt = s.expiry(at);
        byte[] value = s.value(at, key.length);
        if (store.expired(expireAt)) {
          if (store.index.removeAddress(hash, address)) {
            store.markGarbage(address);
            store.eviction.removed();
            store.expiry.expirations.increment();
            expiredValue = value;
            droppedExpired = !update.expired(value, expireAt);
          }
          address = 0;
        } else {
          current = new EntryUpdate.Current(value, expireAt);
        }
      }
      Update writer = new Update(store, key);
      result = update.apply(current, writer);
      written = writer.apply(hash, address);
    } finally {
      lock.unlock();
    }
    if (droppedExpired) {
      store.notifyRemoval(key, expiredValue, RemovalListener.Cause.EXPIRED);
    }
    store.afterWrite(written);
    return result;
  }

  /** Makes the change asked for; returns the address of the record written, or 0. Holds the key lock. */
  private long apply(long hash, long address) {
    switch (action) {
      case PUT:
        return store.expired(expireAt) ? store.removeLocked(key, hash) : store.putLocked(key, hash, value, expireAt);
      case SET_EXPIRY:
        if (address == 0) {
          return 0;
        }
        if (store.expired(expireAt)) {
          return store.removeLocked(key, hash);
        }
        store.files.segments.get(segmentId(address)).setExpiry(offset(address), expireAt);
        return 0;
      case REMOVE:
        return store.removeLocked(key, hash);
      default:
        return 0;
    }
  }
}
