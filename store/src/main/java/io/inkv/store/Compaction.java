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
 * longer refers to it is on disk (StoreFiles). Most garbage first. Live records are copied in
 * batches, under one hold of the append lock, and each key's index entry is then redirected to
 * its copy, under the key's lock, only if it still points at the record copied (moveBatch): a
 * write of the key in between wins, and the copy is garbage. Readers that probed the old address
 * keep reading the old, still mapped, record until they finish. Copies keep their sequence, so a
 * replay never lets a copy undo a newer write, nor a removal (Recovery).
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
      byte kind = RecordFormat.kind(r, at);
      if (kind == CLEAR) {
        if (replayable && seq >= files.clearFloor && olderRecordsMayExist(seq, victim)) {
          files.appendCopy(victim, at, Store.NEVER, true);
        }
      } else if (kind == PUT || replayable) { // a tombstone of a store no replay will read is dropped
        byte[] key = new byte[RecordFormat.keyLength(r, at)];
        r.getBytes(at + HEADER, key, 0, key.length);
        long hash = store.hasher.hash(key);
        boolean held = kind == PUT && store.index.holds(hash, Segment.address(victim.id, at));
        long expireAt = held ? RecordFormat.expireAt(r.getLong(at + RecordFormat.OFF_EXPIRY), seq) : 0;
        if (held && (expireAt == Store.NEVER || expireAt > now)) {
          batch.add(at, size, hash, expireAt, seq);
          if (batch.full()) {
            moved += moveBatch(victim);
          }
        } else if (held || replayable) {
          moved += move(victim, at, size, seq, now, key, hash);
        } // else superseded in a store no replay reads: nothing to carry, and the index never points back at it
      }
      at += size;
    }
    moved += moveBatch(victim);
    files.retire(victim);
    compactions.incrementAndGet();
    LOG.log(System.Logger.Level.DEBUG, "compacted {0}: moved {1} live bytes", victim.path(), moved);
  }

  /*
   * The live records of a victim move in batches: copied to the head of the log under one hold of
   * the append lock, then each key's index entry redirected to its copy under the key's lock, if
   * it still points at the record copied. A record is batched when, looked at without its key's
   * lock, the index points at it and it has not expired. A write, removal, eviction or expiry of
   * the key between that look and the redirect leaves the copy unreferenced, counted as garbage in
   * its segment from the start. A replay never prefers it: it keeps its sequence, older than that
   * of any write after the look, and a replay from an index image takes no copy at all (Recovery).
   * An expiry time set in place since the copy (setExpiry, and JCache's expiry on access, write
   * it under the key's lock) is carried to the copy before the index points at it. Expired
   * records, and superseded ones a replay may need as tombstones, go one at a time under the key's
   * lock (move).
   */
  private static final int BATCH_RECORDS = 32;
  private static final int BATCH_BYTES = 16 * 1024;

  private final Batch batch = new Batch();

  /** Records of the victim to be moved together; used by the one thread that holds the maintenance lock. */
  private static final class Batch {
    final int[] ats = new int[BATCH_RECORDS];
    final int[] sizes = new int[BATCH_RECORDS];
    final long[] hashes = new long[BATCH_RECORDS];
    final long[] expireAts = new long[BATCH_RECORDS];
    final long[] sequences = new long[BATCH_RECORDS];
    final long[] copies = new long[BATCH_RECORDS];
    int count;
    int bytes;

    void add(int at, int size, long hash, long expireAt, long seq) {
      ats[count] = at;
      sizes[count] = size;
      hashes[count] = hash;
      expireAts[count] = expireAt;
      sequences[count] = seq;
      count++;
      bytes += size;
    }

    boolean full() {
      return count == BATCH_RECORDS || bytes >= BATCH_BYTES;
    }
  }

  /** Moves the batch (see above); returns the live bytes moved. */
  private long moveBatch(Segment victim) {
    Batch b = batch;
    int n = b.count;
    if (n == 0) {
      return 0;
    }
    b.count = 0;
    b.bytes = 0;
    java.util.Arrays.fill(b.copies, 0, n, 0L);
    RuntimeException failed = null;
    try {
      files.appendCopies(victim, b.ats, b.expireAts, n, b.copies);
    } catch (RuntimeException e) {
      failed = e; // a roll that found the disk full: the copies made so far are still redirected
    }
    Region r = victim.region;
    long moved = 0;
    for (int i = 0; i < n && b.copies[i] != 0; i++) { // a record not copied stays where it is, and the victim is not retired
      long address = Segment.address(victim.id, b.ats[i]);
      long copy = b.copies[i];
      Segment to = files.segments.get(Segment.segmentId(copy));
      ReentrantLock lock = store.keyLocks.of(b.hashes[i]);
      lock.lock();
      try {
        long expireAt = RecordFormat.expireAt(r.getLong(b.ats[i] + RecordFormat.OFF_EXPIRY), b.sequences[i]);
        if (expireAt != b.expireAts[i] && expireAt != -1) {
          to.setExpiry(Segment.offset(copy), expireAt);
        }
        if (store.index.replaceAddress(b.hashes[i], address, copy)) {
          to.liveBytes.addAndGet(b.sizes[i]);
          moved += b.sizes[i];
        } else {
          to.garbageBytes.addAndGet(b.sizes[i]);
        }
      } finally {
        lock.unlock();
      }
    }
    if (failed != null) {
      throw failed;
    }
    return moved;
  }

  /** Moves, drops or carries forward one keyed record under its key lock; returns the live bytes moved. */
  private long move(Segment victim, int at, int size, long seq, long now, byte[] key, long hash) {
    Region r = victim.region;
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
