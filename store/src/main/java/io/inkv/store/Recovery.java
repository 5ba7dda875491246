package io.inkv.store;

import static io.inkv.store.RecordFormat.CLEAR;
import static io.inkv.store.RecordFormat.HEADER;
import static io.inkv.store.RecordFormat.TOMBSTONE;
import static io.inkv.store.RecordFormat.align;

import io.inkv.store.memory.MappedFile;
import io.inkv.store.memory.Region;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/*
 * Opening a store: load the index image (the index as of a log position), then replay the log
 * after that position, keeping per key the record with the highest sequence. Compaction copies
 * keep their sequence, so replaying a copy never undoes a newer write. Without a usable image the
 * whole log is replayed, and a tombstone (or an expired put, which acts as one) seen for a key
 * hides every older record of it, so a full rebuild never resurrects a removed key.
 *
 * Only the last segment can end in a torn write: a record that fails its check there ends the
 * log, and the rest of the segment is zeroed so that no later append meets a remnant. The same
 * failure in a sealed segment is damage, and fails the open.
 */
final class Recovery {
  private static final System.Logger LOG = System.getLogger(Recovery.class.getName());

  private final LogStore store;
  private final StoreFiles files;
  private final boolean readOnly;
  private final LogPosition cp;
  private final boolean full;
  private final Map<ByteBuffer, Long> tombstones = new HashMap<>();
  private final long now;
  private long maxSequence;

  private Recovery(LogStore store, LogPosition cp) {
    this.store = store;
    this.files = store.files;
    this.readOnly = store.options.readOnly();
    this.cp = cp;
    this.full = cp == null;
    this.now = store.options.clock().getAsLong();
  }

  /** Opens the store in {@code options.directory()}; see {@link Store#open}. */
  static LogStore open(StoreOptions options) {
    StoreFiles files = StoreFiles.open(options);
    try {
      return recover(options, files);
    } catch (RuntimeException | Error e) {
      files.unmapAll();
      try {
        files.unlock();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static LogStore recover(StoreOptions options, StoreFiles files) {
    long expected = files.hasImage() ? KeyIndex.declaredImageEntries(files.imageFile()) : 0;
    // An image keeps only the hash bits its index used: at most its stripe count (KeyIndex).
    int stripeBits = files.hasImage() ? KeyIndex.declaredStripeBits(files.imageFile()) : KeyIndex.MAX_STRIPE_BITS;
    KeyIndex index = KeyIndex.sized(expected, stripeBits);
    LogPosition cp = null;
    if (files.hasImage()) {
      try {
        cp = index.loadImage(files.imageFile(), files.storeId(), files.segments);
        expected = cp.entries();
      } catch (Store.CorruptedException | Store.FormatException e) {
        LOG.log(System.Logger.Level.WARNING, "index image unusable, rebuilding the index from the whole log: {0}", e.getMessage());
        index = KeyIndex.sized(0);
        cp = null;
      }
    }
    LogStore store = new LogStore(options, files, index);
    try {
      new Recovery(store, cp).run();
    } catch (RuntimeException | Error e) {
      store.abandon();
      throw e;
    }
    store.recovered();
    if (expected > 0) {
      LOG.log(System.Logger.Level.DEBUG, "opened {0} with {1} entries", options.directory(), index.size());
    }
    return store;
  }

  private void run() {
    int startSegment = 0;
    int startOffset = Segment.HEADER;
    if (cp != null) {
      files.clearFloor = cp.clearFloor();
      maxSequence = cp.nextSequence() - 1;
      startSegment = cp.segment();
      startOffset = cp.offset();
      applyImageCounters();
    }
    Segment[] all = files.segments.all();
    for (int i = 0; i < all.length; i++) {
      Segment s = all[i];
      if (s.id < startSegment) {
        continue;
      }
      int from = s.id == startSegment ? startOffset : Segment.HEADER;
      // A scan reads the segment in order: let the kernel read ahead, then back to one page a fault.
      s.file.advise(MappedFile.Access.SEQUENTIAL);
      try {
        scan(s, from, i == all.length - 1);
      } finally {
        s.file.advise(MappedFile.Access.RANDOM);
      }
    }
    files.resume(maxSequence + 1);
  }

  /** Takes each segment's end and counters from the image; drops segments it says were retired. */
  private void applyImageCounters() {
    Map<Integer, LogPosition.SegmentInfo> infos = new HashMap<>();
    for (LogPosition.SegmentInfo info : cp.segments()) {
      infos.put(info.id(), info);
    }
    for (Segment s : files.segments.all()) {
      LogPosition.SegmentInfo info = infos.get(s.id);
      if (s.id < cp.segment()) {
        if (info == null) {
          files.dropRetired(s); // retired by compaction before this image; its records live on elsewhere
          continue;
        }
        s.writePosition = info.end();
      }
      if (info != null) {
        s.liveBytes.set(info.liveBytes());
        s.garbageBytes.set(info.garbageBytes());
        s.minSequence = info.minSequence();
        s.earliestExpiry = info.earliestExpiry();
        store.liveBytes.add(info.liveBytes());
      }
    }
  }

  private void scan(Segment s, int from, boolean last) {
    Region r = s.region;
    int at = from;
    while (at + HEADER <= s.capacity) {
      long word = r.getLongAcquire(at);
      if (word >>> 32 == 0) {
        if (last) {
          clearUnpublished(s, at);
        }
        break;
      }
      String problem = RecordFormat.check(r, at, s.capacity);
      if (problem != null) {
        if (!last) {
          throw new Store.CorruptedException(s.path(), at, problem
              + " (in a sealed segment: this is damage, not a torn write)");
        }
        truncate(s, at, problem);
        break;
      }
      apply(s, at);
      at += align(RecordFormat.length(r, at));
    }
    s.writePosition = at;
  }

  /*
   * A process killed while writing a record leaves its header, key and part of its value in the
   * file, but not its length word, so the log ends here. Zero those bytes: the next appends
   * overwrite only their own length, and a remnant past the last record would read as damage
   * once this segment is sealed (CrashRecoveryTest found it: "record length ... is out of range
   * (in a sealed segment ...)"). The header fields say how far the remnant reaches (they are
   * written before the key and value); the value is cleared before the header, so a crash in
   * the middle of this leaves the header to find it again.
   */
  private void clearUnpublished(Segment s, int at) {
    Region r = s.region;
    if (r.getLong(at) == 0 && r.getLong(at + 8) == 0 && r.getLong(at + 16) == 0 && r.getLong(at + 24) == 0
        && zeroFrom(r, at + HEADER, s.capacity)) {
      return; // the usual end of data: nothing was ever written past it
    }
    if (readOnly) {
      return; // read-only: the data ends here all the same; the bytes stay as they are
    }
    // To the end of the segment, not just this record's extent: after a power loss, records
    // written after it may be on the device without it, and their sequences, higher than any
    // the store hands out next, would beat newer writes once appends reach them (StoreFuzzTest).
    int end = s.capacity;
    LOG.log(System.Logger.Level.WARNING, "{0} at offset {1}: clearing the {2} bytes from a record that was being"
        + " written when the process stopped to the end of the segment", s.path(), at, end - at);
    if (end - at > HEADER) {
      r.fill(at + HEADER, end - at - HEADER, (byte) 0);
    }
    r.fill(at, HEADER, (byte) 0);
    r.force(at, end - at);
  }

  /*
   * Whether [from, to) holds only zeros. Read once per open, in the last segment only (up to one
   * segment of reading, e.g. about 10 ms for 64 MiB in the page cache): a power loss can leave
   * records on the device after a page that never got there, and those must not survive.
   */
  private static boolean zeroFrom(Region r, int from, int to) {
    for (int at = from; at + 8 <= to; at += 8) {
      if (r.getLong(at) != 0) {
        return false;
      }
    }
    return true;
  }

  private void truncate(Segment s, int at, String problem) {
    // The whole rest of the segment: a valid record after a torn one (pages reach the device in
    // any order) must not resurface once new appends reach it (see clearUnpublished).
    int end = s.capacity;
    if (readOnly) {
      LOG.log(System.Logger.Level.WARNING, "{0} at offset {1}: {2}; the data ends there (read-only: the torn"
          + " tail is left as it is)", s.path(), at, problem);
      return;
    }
    LOG.log(System.Logger.Level.WARNING, "{0} at offset {1}: {2}; truncating the torn tail ({3} bytes)",
        s.path(), at, problem, end - at);
    s.region.fill(at, end - at, (byte) 0);
    s.region.force(at, end - at);
  }

  private void apply(Segment s, int at) {
    Region r = s.region;
    int size = align(RecordFormat.length(r, at));
    long seq = RecordFormat.sequence(r, at);
    byte kind = RecordFormat.kind(r, at);
    long expireAt = RecordFormat.expireAt(r.getLong(at + RecordFormat.OFF_EXPIRY), seq);
    maxSequence = Math.max(maxSequence, seq);
    s.noteRecord(seq, expireAt);
    if (kind == CLEAR) {
      if (seq > files.clearFloor) {
        files.clearFloor = seq;
        dropAllOlderThan(seq);
      }
      s.garbageBytes.addAndGet(size);
      return;
    }
    if (seq < files.clearFloor) {
      s.garbageBytes.addAndGet(size);
      return;
    }
    byte[] key = new byte[RecordFormat.keyLength(r, at)];
    r.getBytes(at + HEADER, key, 0, key.length);
    long hash = store.hasher.hash(key);
    long existing = store.locate(key, hash);
    long existingSeq = existing == 0 ? -1 : store.sequenceAt(existing);
    long tombstoneSeq = full ? tombstones.getOrDefault(ByteBuffer.wrap(key), -1L) : -1L;
    boolean actsAsTombstone = kind == TOMBSTONE || (expireAt != Store.NEVER && expireAt <= now);
    if (seq <= existingSeq || seq <= tombstoneSeq) {
      s.garbageBytes.addAndGet(size);
      return;
    }
    if (actsAsTombstone) {
      if (existing != 0) {
        store.index.remove(hash, key, store.matcher);
        store.markGarbage(existing);
      }
      if (full) {
        tombstones.put(ByteBuffer.wrap(key), seq);
      }
      s.garbageBytes.addAndGet(size);
      return;
    }
    long old = store.index.put(hash, key, Segment.address(s.id, at), store.matcher);
    s.liveBytes.addAndGet(size);
    store.liveBytes.add(size);
    if (old != 0) {
      store.markGarbage(old);
    }
  }

  /** Removes every index entry whose record is older than {@code sequence}; for clear's replay. */
  private void dropAllOlderThan(long sequence) {
    for (int i = 0; i < store.index.stripeCount(); i++) {
      long[] pairs = store.index.snapshot(i);
      for (int j = 0; j < pairs.length; j += 2) {
        long address = pairs[j + 1];
        if (store.sequenceAt(address) < sequence && store.index.removeAddress(pairs[j], address)) {
          store.markGarbage(address);
        }
      }
    }
  }
}
