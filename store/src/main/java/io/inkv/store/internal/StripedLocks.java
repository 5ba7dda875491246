package io.inkv.store.internal;

import java.util.concurrent.locks.ReentrantLock;

/*
 * A fixed array of locks, one per stripe of a key space: the store's key locks and a replica's
 * publish locks. A caller picks the stripe from its own hash of the key; whoever needs every key
 * at once (a clear, the store's index image position) takes them all in index order and releases
 * them in reverse, the one order every multi-key locker uses, so two of them never deadlock.
 */
public class StripedLocks {
  private final ReentrantLock[] locks;
  private final int mask;

  /**
   * Creates {@code count} locks.
   *
   * @throws IllegalArgumentException if {@code count} is not a positive power of two
   */
  public StripedLocks(int count) {
    if (count <= 0 || Integer.bitCount(count) != 1) {
      throw new IllegalArgumentException("the lock count must be a positive power of two: " + count);
    }
    locks = new ReentrantLock[count];
    for (int i = 0; i < count; i++) {
      locks[i] = new ReentrantLock();
    }
    mask = count - 1;
  }

  /** Returns the lock of stripe {@code index} (taken modulo the count). */
  public final ReentrantLock stripe(int index) {
    return locks[index & mask];
  }

  /** Takes every lock, in index order. */
  public final void lockAll() {
    for (ReentrantLock l : locks) {
      l.lock();
    }
  }

  /** Releases every lock, in reverse index order; the caller holds them all. */
  public final void unlockAll() {
    for (int i = locks.length - 1; i >= 0; i--) {
      locks[i].unlock();
    }
  }
}
