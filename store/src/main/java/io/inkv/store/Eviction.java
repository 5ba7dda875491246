package io.inkv.store;

import static io.inkv.store.RecordFormat.HEADER;
import static io.inkv.store.RecordFormat.PUT;
import static io.inkv.store.RecordFormat.align;

import io.inkv.store.internal.EvictionPolicy;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Capacity: a bounded store (maxEntries and/or maxBytes) evicts the entries its EvictionPolicy
 * names, a frequency-admitted FIFO (W-TinyLFU's admission over queues that reads never reorder;
 * the policy's own comment and docs/store.md, "Capacity and eviction", give the design and the
 * measured alternatives). The policy's state (a frequency sketch, two queues of key hashes, about
 * 16 bytes per entry) lives beside the index, not in it: the index's entries are unchanged.
 *
 * The store tells the policy what happens: a read that finds a key counts it (LogStore.get: plain
 * writes to the sketch, no lock, no atomic), a put of a new key queues it, an overwrite counts it,
 * a removal or an expiry is noted (the queues forget lazily). Eviction removes the chosen key with
 * a tombstone, as a delete does, so the space is reclaimed by compaction as before and the key
 * stays gone after a reopen; the listener hears EVICTED.
 *
 * Threads: one thread evicts at a time, the writer whose write took the store over a bound. A
 * writer that finds another evicting returns at once unless the store is over a bound by more than
 * the slack (64 entries, or 1/64 of maxBytes): then it waits for the evictor, so the bound holds
 * within the slack plus one entry per writer thread in flight. The evictor holds no key lock while
 * it asks the policy, and only tries the victim's key lock: if a writer holds it (a writer inside
 * Store.update may be waiting for the evictor), the victim is queued again and another one taken.
 * Readers take no lock at all, so eviction never blocks them.
 *
 * At open the queues are rebuilt from the log, oldest record first, with every key the index holds:
 * the policy starts as FIFO in write order and learns frequencies from the reads that follow.
 */
final class Eviction {
  static final int SLACK_ENTRIES = 64;
  private static final int MAX_BUSY = 16;
  private static final int DONE = 0;
  private static final int AGAIN = 1;
  private static final int BUSY = 2;

  private final LogStore store;
  private final ReentrantLock lock = new ReentrantLock();
  private final EvictionPolicy.Victim victim = new EvictionPolicy.Victim();
  final LongAdder evictions = new LongAdder();
  final EvictionPolicy policy;
  private final long maxEntries;
  private final long maxBytes;

  Eviction(LogStore store) {
    this.store = store;
    this.maxEntries = store.options.maxEntries();
    this.maxBytes = store.options.maxBytes();
    boolean bounded = maxEntries > 0 || maxBytes > 0;
    long expected = maxEntries > 0 ? maxEntries : Math.max(1024, Math.min(1L << 24, maxBytes / 128));
    this.policy = bounded ? new EvictionPolicy(expected, false) : null;
  }

  /** Counts a read that found the key with {@code hash}; no lock, no atomic. */
  void read(long hash) {
    EvictionPolicy p = policy;
    if (p != null) {
      p.recordAccess(hash);
    }
  }

  /** A put of the key with {@code hash}: a new key if {@code fresh}, an overwrite otherwise. Holds the key lock. */
  void written(long hash, boolean fresh) {
    EvictionPolicy p = policy;
    if (p != null) {
      if (fresh) {
        p.recordInsert(hash, null, overCapacity());
      } else {
        p.recordAccess(hash);
      }
    }
  }

  /** An entry removed other than by eviction (a delete, an expiry). */
  void removed() {
    EvictionPolicy p = policy;
    if (p != null) {
      p.recordRemoval();
    }
  }

  void cleared() {
    EvictionPolicy p = policy;
    if (p != null) {
      p.clear();
    }
  }

  /** Queues every key the index holds, in log order; at open, before any other thread uses the store. */
  void recovered() {
    if (policy == null) {
      return;
    }
    for (Segment s : store.files.segments.all()) {
      int end = s.writePosition;
      for (int at = Segment.HEADER; at + HEADER <= end; ) {
        int length = RecordFormat.length(s.region, at);
        if (length == 0) {
          break;
        }
        if (RecordFormat.kind(s.region, at) == PUT) {
          byte[] key = new byte[RecordFormat.keyLength(s.region, at)];
          s.region.getBytes(at + HEADER, key, 0, key.length);
          long hash = store.hasher.hash(key);
          if (store.index.holds(hash, Segment.address(s.id, at))) {
            policy.recordInsert(hash, null, false);
          }
        }
        at += align(length);
      }
    }
  }

  boolean overCapacity() {
    return (maxEntries > 0 && store.index.size() > maxEntries) || (maxBytes > 0 && store.liveBytes.sum() > maxBytes);
  }

  private boolean overSlack() {
    return (maxEntries > 0 && store.index.size() > maxEntries + SLACK_ENTRIES)
        || (maxBytes > 0 && store.liveBytes.sum() > maxBytes + maxBytes / 64);
  }

  /**
   * Evicts until the store is within its bounds; see the class comment for who waits. Holds no
   * key lock. The evictor checks the bound again after it lets go of the lock, so a write that
   * found it busy just before it finished is not left over the bound.
   */
  void evict() {
    if (!lock.tryLock()) {
      if (!overSlack()) {
        return;
      }
      lock.lock();
    }
    while (true) {
      int busy = 0;
      try {
        while (overCapacity() && busy < MAX_BUSY && policy.nextVictim(victim)) {
          if (!evict(victim.hash())) {
            policy.requeue(victim);
            busy++;
          }
        }
        policy.sweepIfNeeded(v -> store.index.find(v.hash()) != 0);
      } finally {
        lock.unlock();
      }
      if (busy >= MAX_BUSY || !overCapacity() || !lock.tryLock()) {
        return;
      }
    }
  }

  /**
   * Removes the entry whose key has {@code hash}, if there is one (removals reach the policy
   * lazily); false if its key lock was busy (the policy queues it again).
   */
  private boolean evict(long hash) {
    for (int attempt = 0; attempt < 100; attempt++) {
      long address = store.index.find(hash);
      if (address == KeyIndex.COLLIDED) {
        long[] bucket = store.index.bucket(hash);
        address = bucket == null || bucket.length == 0 ? 0 : bucket[0];
      }
      if (address == 0) {
        return true;
      }
      Segment s = store.files.segments.get(Segment.segmentId(address));
      if (s == null) {
        Thread.onSpinWait(); // moved by compaction since the lookup
        continue;
      }
      int at = Segment.offset(address);
      byte[] key = new byte[RecordFormat.keyLength(s.region, at)];
      s.region.getBytes(at + HEADER, key, 0, key.length);
      int done = evictKey(key, hash);
      if (done != AGAIN) {
        return done == DONE;
      }
    }
    return true;
  }

  /*
   * Removes {@code key} with a tombstone under its lock: DONE, AGAIN if it is gone but another key
   * of its hash may be there, BUSY if a writer holds its lock. The evictor never waits for a key
   * lock: a writer inside Store.update may itself be waiting for the evictor (see evict()).
   */
  private int evictKey(byte[] key, long hash) {
    ReentrantLock keyLock = store.keyLocks.of(hash);
    byte[] value;
    if (!keyLock.tryLock()) {
      return BUSY;
    }
    try {
      long address = store.locate(key, hash);
      if (address == 0) {
        return store.index.find(hash) == 0 ? DONE : AGAIN;
      }
      value = store.options.removalListener() == null ? null : store.valueAt(address, key.length);
      if (store.tombstoneLocked(key, hash) == 0) {
        return DONE;
      }
    } finally {
      keyLock.unlock();
    }
    evictions.increment();
    store.notifyRemoval(key, value, RemovalListener.Cause.EVICTED);
    return DONE;
  }
}
