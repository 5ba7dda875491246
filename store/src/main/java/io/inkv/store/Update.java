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
 *
 * One object is both the Writer and the Current the function sees, and there is one per key lock
 * (KeyLocks.update), reused by every update under that lock: only the lock's holder touches it, so
 * it needs no synchronization of its own. The current value is copied when the function first asks
 * for it (the record cannot move or change while the key lock is held, and its segment stays
 * mapped while the caller is inside the read gate), so a function that does not read it (a cache's
 * plain put with no listener) costs no copy. An update thus allocates nothing of its own. Before,
 * each allocated a writer (40 bytes), a current state (24 bytes) and the copy of the value (the
 * value's length plus 16), and only C2's escape analysis, when it inlined the whole update into its
 * caller, removed the first two; a JCache by-value put through the provider's Tier was too big for
 * that (benchmarks/README.md, "Allocation per operation").
 *
 * A function that runs another update under its own lock (which EntryUpdate forbids, but which
 * must not corrupt the outer update) finds the object in use and gets a fresh one. After the
 * function returns the object forgets the key, the record and the values, and its methods refuse a
 * caller that kept it (owner is the thread running the function, null between updates).
 */
final class Update implements EntryUpdate.Writer, EntryUpdate.Current {
  private static final int NONE = 0;
  private static final int PUT = 1;
  private static final int SET_EXPIRY = 2;
  private static final int REMOVE = 3;

  private final LogStore store;
  private Thread owner;
  private byte[] key;
  private Segment currentSegment;
  private int currentAt;
  private byte[] currentValue;
  private long currentExpireAt;
  private int action = NONE;
  private byte[] value;
  private long expireAt;

  Update(LogStore store) {
    this.store = store;
  }

  @Override
  public byte[] value() {
    checkOwner();
    if (currentValue == null) {
      currentValue = currentSegment.value(currentAt, key.length);
    }
    return currentValue;
  }

  @Override
  public long expireAt() {
    checkOwner();
    return currentExpireAt;
  }

  @Override
  public void put(byte[] value, long expireAt) {
    checkOwner();
    Objects.requireNonNull(value, "value");
    store.checkEntry(key, value.length);
    Store.checkExpireAt(expireAt);
    this.value = value;
    this.expireAt = expireAt;
    this.action = PUT;
  }

  @Override
  public void setExpiry(long expireAt) {
    checkOwner();
    Store.checkExpireAt(expireAt);
    this.expireAt = expireAt;
    this.action = SET_EXPIRY;
  }

  @Override
  public void remove() {
    checkOwner();
    this.action = REMOVE;
  }

  private void checkOwner() {
    if (owner != Thread.currentThread()) {
      throw new IllegalStateException("an update's Current and Writer answer only while its EntryUpdate.apply runs,"
          + " on its thread; the store reuses them afterwards");
    }
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
      Segment present = null;
      int at = 0;
      long currentExpireAt = 0;
      if (address != 0) {
        Segment s = store.files.segments.get(segmentId(address));
        at = offset(address);
        if (store.mustCheck(s)) {
          s.verify(at);
        }
        long expireAt = s.expiry(at);
        if (store.expired(expireAt)) {
          if (store.index.removeAddress(hash, address)) {
            byte[] value = s.value(at, key.length);
            store.markGarbage(address);
            store.eviction.removed();
            store.expiry.expirations.increment();
            expiredValue = value;
            droppedExpired = !update.expired(value, expireAt);
          }
          address = 0;
        } else {
          present = s;
          currentExpireAt = expireAt;
        }
      }
      Update writer = store.keyLocks.update(hash, store);
      if (writer.owner != null) {
        writer = new Update(store); // the function of an update under this lock runs another one under it
      }
      writer.begin(key, present, at, currentExpireAt);
      try {
        result = update.apply(present != null ? writer : null, writer);
        written = writer.apply(hash, address);
      } finally {
        writer.end();
      }
    } finally {
      lock.unlock();
    }
    if (droppedExpired) {
      store.notifyRemoval(key, expiredValue, RemovalListener.Cause.EXPIRED);
    }
    store.afterWrite(written);
    return result;
  }

  private void begin(byte[] key, Segment currentSegment, int currentAt, long currentExpireAt) {
    this.owner = Thread.currentThread();
    this.key = key;
    this.currentSegment = currentSegment;
    this.currentAt = currentAt;
    this.currentExpireAt = currentExpireAt;
  }

  private void end() {
    owner = null;
    key = null;
    currentSegment = null;
    currentValue = null;
    value = null;
    action = NONE;
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

  /** A state a caller makes itself (EntryUpdate.Current.of). */
  record State(byte[] value, long expireAt) implements EntryUpdate.Current {}
}
