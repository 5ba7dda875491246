package io.inkv.store;

import io.inkv.store.internal.StripedLocks;
import java.util.concurrent.locks.ReentrantLock;

/*
 * The store's 256 key locks, chosen by hash. Every write and every compaction move of one key
 * holds its lock, which makes per-key operations linearizable and keeps log order equal to index
 * order per key. Whoever needs every key at once (clear, the index image's log position) takes them
 * all (StripedLocks.lockAll: index order, the one order every multi-key locker uses).
 *
 * Beside each lock, the Update that Store.update reuses under it (see Update), made on first use;
 * a slot is read and written only by the holder of its lock, which also publishes it safely.
 */
final class KeyLocks extends StripedLocks {
  private static final int COUNT = 256;

  private final Update[] updates = new Update[COUNT];

  KeyLocks() {
    super(COUNT);
  }

  ReentrantLock of(long hash) {
    return stripe(index(hash));
  }

  /** Returns the reusable Update of the lock of {@code hash}; the caller holds that lock. */
  Update update(long hash, LogStore store) {
    int i = index(hash) & (COUNT - 1);
    Update u = updates[i];
    if (u == null) {
      u = new Update(store);
      updates[i] = u;
    }
    return u;
  }

  private static int index(long hash) {
    return (int) (hash >>> 21);
  }
}
