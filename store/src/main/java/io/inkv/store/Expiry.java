package io.inkv.store;

import static io.inkv.store.RecordFormat.HEADER;
import static io.inkv.store.RecordFormat.PUT;
import static io.inkv.store.RecordFormat.align;

import io.inkv.store.memory.Region;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Expired entries leave the index three ways: a read that meets one drops it (unless a writer
 * holds the key, which will see it too); the sweeper, on the maintenance thread, walks each
 * segment whose earliest expiry has passed and drops what expired there; and compaction drops the
 * expired records it would otherwise move. Each drop tells the removal listener, outside the key
 * lock. A segment's earliest expiry is a lower bound (setExpiry may lower it, never raise it), so
 * the sweeper reads only segments that can hold something to drop.
 */
final class Expiry {
  private final LogStore store;
  final LongAdder expirations = new LongAdder();

  Expiry(LogStore store) {
    this.store = store;
  }

  /** Drops an expired entry found by a reader, unless a writer holds the key (it will see it too). */
  void dropFoundByReader(byte[] key, long hash, long address) {
    ReentrantLock lock = store.keyLocks.of(hash);
    if (!lock.tryLock()) {
      return;
    }
    byte[] value;
    try {
      value = store.options.removalListener() == null ? null : store.valueAt(address, key.length);
      if (!store.index.removeAddress(hash, address)) {
        return;
      }
      store.markGarbage(address);
      store.eviction.removed();
    } finally {
      lock.unlock();
    }
    expirations.increment();
    store.notifyRemoval(key, value, RemovalListener.Cause.EXPIRED);
  }

  /** Drops expired entries from segments whose earliest expiry has passed. Holds the maintenance lock. */
  void sweep(long now) {
    for (Segment s : store.files.segments.all()) {
      if (s.earliestExpiry > now) {
        continue;
      }
      long earliest = Long.MAX_VALUE;
      Region r = s.region;
      int end = s.writePosition;
      for (int at = Segment.HEADER; at + HEADER <= end; ) {
        int length = RecordFormat.length(r, at);
        if (length == 0) {
          break;
        }
        if (RecordFormat.kind(r, at) == PUT) {
          long expireAt = RecordFormat.expireAt(r.getLong(at + RecordFormat.OFF_EXPIRY), RecordFormat.sequence(r, at));
          if (expireAt != Store.NEVER) {
            if (expireAt <= now) {
              dropRecord(s, at);
            } else {
              earliest = Math.min(earliest, expireAt);
            }
          }
        }
        at += align(length);
      }
      s.earliestExpiry = earliest;
    }
  }

  private void dropRecord(Segment s, int at) {
    byte[] key = new byte[RecordFormat.keyLength(s.region, at)];
    s.region.getBytes(at + HEADER, key, 0, key.length);
    long hash = store.hasher.hash(key);
    long address = Segment.address(s.id, at);
    if (store.index.holds(hash, address)) {
      dropFoundByReader(key, hash, address);
    }
  }
}
