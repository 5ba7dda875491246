package io.inkv.store;

import static io.inkv.store.RecordFormat.CLEAR;
import static io.inkv.store.RecordFormat.HEADER;
import static io.inkv.store.RecordFormat.PUT;
import static io.inkv.store.RecordFormat.align;

import io.inkv.store.memory.Region;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Compaction: a sealed segment whose garbage passed the configured ratio has its live records
 * moved to the head of the log and is retired; its file is deleted once an index image that no
 * longer refers to it is on disk (StoreFiles). Most garbage first. Each move holds the record's
 * key lock, so it cannot interleave with a write of the same key: a move copies only what the
 * index points at, at that instant, and the index is redirected before the lock is released.
 * Readers that probed the old address keep reading the old, still mapped, record until they
 * finish. Copies keep their sequence, so a replay never lets a copy undo a newer write.
 *
 * A tombstone (or an expired put, which acts as one) is carried forward while any other segment
 * holds a record older than it, so a full rebuild never resurrects a removed key.
 *
 * A temporary store is never reopened, so no replay of its log can resurrect what compaction
 * drops: it carries no tombstone forward, and a record the index does not point at is passed over
 * without the lookup that asks whether it is the key's latest word (an index probe and a key
 * comparison, two cache misses, for every superseded record; half of a victim's records under
 * uniform overwrites).
 *
 * Backpressure: one background thread compacts, and writers on other cores can append faster than
 * it reclaims (CompactionUnderLoadTest measured 60 MB of segment files for 1.8 MB of live data with
 * two unthrottled writers). Once the segment files pass 4x the live bytes plus 16 segments, a
 * writer that just wrote compacts (or waits for the compaction in progress) before returning, so
 * disk use is bounded whatever the write rate. It holds no key lock then.
 */
final class Compaction {
  private static final System.Logger LOG = System.getLogger(Compaction.class.getName());
  private static final int BACKPRESSURE_SLACK_SEGMENTS = 16;
  private static final int RETIRED_BEFORE_IMAGE = 8;

  private final LogStore store;
  private final StoreFiles files;
  /** Whether a replay of the log may happen (not a temporary store), so dropped records must be remembered. */
  private final boolean replayable;
  final AtomicLong compactions = new AtomicLong();

  Compaction(LogStore store) {
    this.store = store;
    this.files = store.files;
    this.replayable = !store.options.temporary();
  }

  boolean overDiskBudget() {
    long segmentSize = store.options.segmentSize();
    long fileBytes = files.segments.fileBytes();
    return fileBytes > BACKPRESSURE_SLACK_SEGMENTS * segmentSize
        && fileBytes > 4 * store.liveBytes.sum() + BACKPRESSURE_SLACK_SEGMENTS * segmentSize;
  }

  /** Compacts on the writer's thread while the files are over their budget. */
  void help() {
    Maintenance maintenance = store.maintenance;
    ReentrantLock lock = maintenance.lock;
    if (!lock.tryLock()) {
      if (maintenance.snapshotting()) {
        return; // Store.snapshot pauses no writer: the budget is enforced again by the next write
      }
      lock.lock();
    }
    try {
      if (overDiskBudget()) {
        run();
        if (files.hasRetired()) {
          store.writeImage();
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Compacts sealed segments past the garbage threshold, most garbage first. Holds the maintenance lock. */
  int run() {
    Segment current = files.active();
    List<Segment> victims = new ArrayList<>();
    // Only segments older than the active one sampled above: a writer may have rolled to a new
    // segment since, and that one is active now (compacting it would retire it under the writers).
    for (Segment s : files.segments.all()) {
      if (current != null && s.id < current.id && s.garbageRatio() >= store.options.compactionThreshold()) {
        victims.add(s);
      }
    }
    victims.sort(Comparator.comparingDouble(Segment::garbageRatio).reversed());
    for (Segment s : victims) {
      compact(s);
      if (files.retiredCount() >= RETIRED_BEFORE_IMAGE) {
        store.writeImage(); // deletes the retired files, so a long pass does not hold them all on disk
      }
    }
    return victims.size();
  }

  private void compact(Segment victim) {
    victim.file.advise(io.inkv.store.memory.MappedFile.Access.SEQUENTIAL); // read in order, and retired after
    Region r = victim.region;
    int end = victim.writePosition;
    long now = store.options.clock().getAsLong();
    long moved = 0;
    for (int at = Segment.HEADER; at + HEADER <= end; ) {
      int length = RecordFormat.length(r, at);
      if (length == 0) {
        break;
      }
      int size = align(length);
      long seq = RecordFormat.sequence(r, at);
      if (RecordFormat.kind(r, at) == CLEAR) {
        if (replayable && seq >= files.clearFloor && olderRecordsMayExist(seq, victim)) {
          files.appendCopy(victim, at, Store.NEVER, true);
        }
      } else {
        moved += move(victim, at, size, seq, now);
      }
      at += size;
    }
    files.retire(victim);
    compactions.incrementAndGet();
    LOG.log(System.Logger.Level.DEBUG, "compacted {0}: moved {1} live bytes", victim.path(), moved);
  }

  /** Moves, drops or carries forward one keyed record under its key lock; returns the live bytes moved. */
  private long move(Segment victim, int at, int size, long seq, long now) {
    Region r = victim.region;
    if (!replayable && RecordFormat.kind(r, at) != PUT) {
      return 0; // a tombstone of a store no replay will read
    }
    byte[] key = new byte[RecordFormat.keyLength(r, at)];
    r.getBytes(at + HEADER, key, 0, key.length);
    long hash = store.hasher.hash(key);
    long address = Segment.address(victim.id, at);
    ReentrantLock lock = store.keyLocks.of(hash);
    long moved = 0;
    boolean droppedExpired = false;
    byte[] expiredValue = null;
    lock.lock();
    try {
      if (RecordFormat.kind(r, at) == PUT && store.index.holds(hash, address)) {
        long expireAt = RecordFormat.expireAt(r.getLong(at + RecordFormat.OFF_EXPIRY), seq);
        if (expireAt != Store.NEVER && expireAt <= now) {
          expiredValue = store.options.removalListener() == null ? null : store.valueAt(address, key.length);
          store.index.removeAddress(hash, address);
          store.liveBytes.add(-size);
          store.eviction.removed();
          store.expiry.expirations.increment();
          droppedExpired = true;
          if (replayable && olderRecordsMayExist(seq, victim)) {
            carryTombstone(victim, at);
          }
        } else {
          long copy = files.appendCopy(victim, at, expireAt, false);
          store.index.replaceAddress(hash, address, copy);
          files.segments.get(Segment.segmentId(copy)).liveBytes.addAndGet(size);
          moved = size;
        }
      } else if (replayable) {
        // Superseded, removed, expired or a tombstone. Carry it forward as a tombstone only if
        // it is the latest word on the key and an older record may still exist elsewhere.
        // A current record with the same sequence is this record's own copy, left by a pass
        // that failed part way (a full disk at a roll): a tombstone of it would hide it.
        long current = store.locate(key, hash);
        boolean newer = current != 0 && store.sequenceAt(current) >= seq;
        if (!newer && seq >= files.clearFloor && olderRecordsMayExist(seq, victim)) {
          carryTombstone(victim, at);
        }
      }
    } finally {
      lock.unlock();
    }
    if (droppedExpired) {
      store.notifyRemoval(key, expiredValue, RemovalListener.Cause.EXPIRED);
    }
    return moved;
  }

  private void carryTombstone(Segment victim, int at) {
    long copy = files.appendCopy(victim, at, Store.NEVER, true);
    files.segments.get(Segment.segmentId(copy)).garbageBytes.addAndGet(store.recordSizeAt(copy));
  }

  private boolean olderRecordsMayExist(long sequence, Segment victim) {
    for (Segment s : files.segments.all()) {
      if (s != victim && s.minSequence < sequence) {
        return true;
      }
    }
    return false;
  }
}
