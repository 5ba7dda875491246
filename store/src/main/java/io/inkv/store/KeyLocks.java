package io.inkv.store;

import io.inkv.store.internal.StripedLocks;
import java.util.concurrent.locks.ReentrantLock;

/*
 * The store's 256 key locks, chosen by hash. Every write and every compaction move of one key
 * holds its lock, which makes per-key operations linearizable and keeps log order equal to index
 * order per key. Whoever needs every key at once (clear, the index image's log position) takes them
 * all (StripedLocks.lockAll: index order, the one order every multi-key locker uses).
 */
final class KeyLocks extends StripedLocks {
  private static final int COUNT = 256;

  KeyLocks() {
    super(COUNT);
  }

  ReentrantLock of(long hash) {
    return stripe((int) (hash >>> 21));
  }
}
