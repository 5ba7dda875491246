package io.inkv.store;

import static io.inkv.store.RecordFormat.HEADER;
import static io.inkv.store.RecordFormat.PUT;
import static io.inkv.store.RecordFormat.align;

import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Capacity: FIFO eviction. A cursor walks the log from its oldest record and evicts each live
 * entry it meets until the store is within maxEntries and maxBytes. It needs no per-entry access
 * metadata, so reads stay free of writes; the price is that a hot old entry is evicted like a cold
 * one (and comes back on its next load), which suits the caches this store backs (bounded
 * Hibernate regions, read-through JCache caches); docs/store.md says more. One thread evicts at a
 * time; others skip it rather than queue. A pass reads at most twice the log's bytes.
 */
final class Eviction {
  private final LogStore store;
  private final ReentrantLock lock = new ReentrantLock();
  final LongAdder evictions = new LongAdder();
  // The cursor, guarded by lock; segment 0 (no such segment) means the oldest.
  private int cursorSegment;
  private int cursorOffset;

  Eviction(LogStore store) {
    this.store = store;
  }

  boolean overCapacity() {
    long maxEntries = store.options.maxEntries();
    long maxBytes = store.options.maxBytes();
    return (maxEntries > 0 && store.index.size() > maxEntries) || (maxBytes > 0 && store.liveBytes.sum() > maxBytes);
  }

  void evict() {
    if (!lock.tryLock()) {
      return;
    }
    try {
      long budget = bytesInUse() * 2 + 1;
      while (overCapacity() && budget > 0) {
        Segment s = segmentAtOrAfter(cursorSegment);
        if (s == null) {
          Segment[] all = store.files.segments.all();
          if (all.length == 0) {
            return;
          }
          s = all[0];
          cursorSegment = s.id;
          cursorOffset = Segment.HEADER;
        }
        if (s.id != cursorSegment) {
          cursorSegment = s.id;
          cursorOffset = Segment.HEADER;
        }
        int at = cursorOffset;
        if (at + HEADER > s.writePosition || RecordFormat.length(s.region, at) == 0) {
          Segment next = segmentAtOrAfter(s.id + 1);
          if (next == null) {
            cursorSegment = Integer.MAX_VALUE; // wrap to the oldest segment next round
          } else {
            cursorSegment = next.id;
            cursorOffset = Segment.HEADER;
          }
          budget -= HEADER;
          continue;
        }
        int size = align(RecordFormat.length(s.region, at));
        cursorOffset = at + size;
        budget -= size;
        if (RecordFormat.kind(s.region, at) == PUT) {
          evictRecord(s, at);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private long bytesInUse() {
    long n = 0;
    for (Segment s : store.files.segments.all()) {
      n += s.writePosition;
    }
    return n;
  }

  private Segment segmentAtOrAfter(int id) {
    for (Segment s : store.files.segments.all()) {
      if (s.id >= id) {
        return s;
      }
    }
    return null;
  }

  private void evictRecord(Segment s, int at) {
    byte[] key = new byte[RecordFormat.keyLength(s.region, at)];
    s.region.getBytes(at + HEADER, key, 0, key.length);
    long hash = store.hasher.hash(key);
    long address = Segment.address(s.id, at);
    ReentrantLock keyLock = store.keyLocks.of(hash);
    if (!keyLock.tryLock()) {
      return;
    }
    byte[] value;
    try {
      if (!store.index.holds(hash, address)) {
        return;
      }
      value = store.options.removalListener() == null ? null : store.valueAt(address, key.length);
      long tombstone = store.removeLocked(key, hash);
      if (tombstone == 0) {
        return;
      }
    } finally {
      keyLock.unlock();
    }
    evictions.increment();
    store.notifyRemoval(key, value, RemovalListener.Cause.EVICTED);
  }
}
