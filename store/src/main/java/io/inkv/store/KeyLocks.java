package io.inkv.store;

import java.util.concurrent.locks.ReentrantLock;

/*
 * The store's 256 key locks, chosen by hash. Every write and every compaction move of one key
 * holds its lock, which makes per-key operations linearizable and keeps log order equal to index
 * order per key. Whoever needs every key at once (clear, the index image's log position) takes them
 * all in index order, the one order every multi-key locker uses.
 */
final class KeyLocks {
  private static final int COUNT = 256;

  private final ReentrantLock[] locks = new ReentrantLock[COUNT];

  KeyLocks() {
    for (int i = 0; i < COUNT; i++) {
      locks[i] = new ReentrantLock();
    }
  }

  ReentrantLock of(long hash) {
    return locks[(int) (hash >>> 21) & (COUNT - 1)];
  }

  void lockAll() {
    for (ReentrantLock l : locks) {
      l.lock();
    }
  }

  void unlockAll() {
    for (int i = locks.length - 1; i >= 0; i--) {
      locks[i].unlock();
    }
  }
}
