package io.inkv.store;

import static io.inkv.store.RecordFormat.CLEAR;
import static io.inkv.store.RecordFormat.HEADER;
import static io.inkv.store.RecordFormat.PUT;
import static io.inkv.store.RecordFormat.TOMBSTONE;
import static io.inkv.store.RecordFormat.align;
import static io.inkv.store.Segment.offset;
import static io.inkv.store.Segment.segmentId;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/*
 * The store engine: a log of records in mapped segment files plus an in-memory index. This class
 * coordinates the parts; each rule lives in one of them:
 *
 *   StoreFiles   every file of the directory: lock, manifest, segments, appends and rolls, the
 *                spare segment, sync, the index image's file, snapshots
 *   KeyIndex     key hash -> record address, and its image on disk
 *   KeyLocks     the 256 key locks
 *   Recovery     open: load the image, replay the log after it
 *   Compaction   moves live records out of sealed segments with much garbage
 *   Eviction     evicts down to maxEntries / maxBytes the entries its EvictionPolicy names
 *   Expiry       drops expired entries (reads, the sweeper)
 *   Update       Store.update: read, decide, write one key, refusing before any side effect
 *   Maintenance  the background tick that runs the above
 *
 * put:   checks -> key lock -> append the record to the active segment (append lock) -> point
 *        the index at it (stripe write lock) -> account the old record as garbage -> unlock
 *        -> group-commit fsync if the durability asks -> evict if over capacity.
 * get:   read gate -> hash -> optimistic index probe -> segment table -> compare the full key in
 *        the record -> check CRC and expiry -> copy the value (or point a ValueView at it). The
 *        probe loop is written once (probe) for every read and write; it allocates nothing.
 *        Where ColdReads says so (the segments larger than the memory the process has), a
 *        read's mode carries COPY and each record of a sealed segment it meets is read from the
 *        thread's RecordCopy, made with a positional read, instead of the mapping.
 *
 * Locks, in acquisition order: clear takes every key lock; a key lock (all writes and compaction
 * moves of one key hold it); the append lock (StoreFiles); an index stripe's write lock. Readers
 * take none of them: the read gate's striped counter and the stripe's optimistic stamp are all a
 * read touches.
 */
final class LogStore implements Store {
  private static final System.Logger LOG = System.getLogger(LogStore.class.getName());
  // What probe does once it found the key's record.
  private static final int LOCATE = 0; // nothing: return its address, expired or not
  private static final int LIVE = 1; // return EXPIRED if it expired
  private static final int VERIFY = 2; // check its checksum first, where the verification asks
  private static final int DROP = 4; // drop it from the index if it expired
  private static final int READ = LIVE | VERIFY | DROP;
  private static final long EXPIRED = -1;

  final StoreOptions options;
  final StoreFiles files;
  final KeyIndex index;
  final KeyHasher hasher;
  final KeyLocks keyLocks = new KeyLocks();
  final ReadGate gate = new ReadGate();
  final KeyIndex.KeyMatcher matcher = this::keyMatches;
  final LongAdder liveBytes = new LongAdder();
  private final SegmentTable segments;
  private final LongSupplier clock;
  private final Verification verification;

  final Expiry expiry = new Expiry(this);
  final Eviction eviction;
  final Compaction compaction;
  final Maintenance maintenance;
  private volatile boolean closed;

  LogStore(StoreOptions options, StoreFiles files, KeyIndex index) {
    this.options = options;
    this.files = files;
    this.index = index;
    this.segments = files.segments;
    this.hasher = options.keyHasher();
    this.clock = options.clock();
    this.verification = options.verification();
    this.eviction = new Eviction(this);
    this.compaction = new Compaction(this);
    this.maintenance = new Maintenance(this);
  }

  static LogStore open(StoreOptions options) {
    return Recovery.open(options);
  }

  void recovered() {
    eviction.recovered();
    maintenance.start();
  }

  /*
   * Stops a store whose recovery failed before open() closes its segment files and releases the
   * lock: its maintenance task, scheduled by the constructor, must never run on unmapped files (a
   * JVM crash) or write an index image into a directory another store may open next.
   */
  void abandon() {
    closed = true;
    maintenance.release();
    gate.closeAndDrain();
  }

  // ---------------------------------------------------------------- checks and helpers

  private static void checkKey(byte[] key) {
    Objects.requireNonNull(key, "key");
    if (key.length > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException("key is " + key.length + " bytes; the limit is " + MAX_KEY_LENGTH);
    }
  }

  /*
   * A record must fit in a segment of the configured size after the 64-byte segment header:
   * align(32 + k + v) <= segmentSize - 64. segmentSize is a multiple of 4096, so this is exactly
   * 96 + k + v <= segmentSize.
   */
  @Override
  public void checkEntry(byte[] key, int valueLength) {
    checkKey(key);
    checkValue(key, valueLength);
  }

  private void checkValue(byte[] key, int valueLength) {
    long limit = (long) maxValueLength() - key.length;
    if (valueLength < 0 || valueLength > limit) {
      throw new IllegalArgumentException("value is " + valueLength + " bytes; with a " + key.length
          + "-byte key the limit is " + limit + " (set by segmentSize " + options.segmentSize() + ")");
    }
  }


  int enter() {
    int slot = gate.enter();
    if (slot < 0) {
      throw new ClosedException(directory());
    }
    return slot;
  }

  /** Enters as {@link #enter()} for an operation that writes; refuses on a read-only store. */
  private int enterToWrite() {
    if (options.readOnly()) {
      if (gate.isClosed()) {
        throw new ClosedException(directory());
      }
      throw new Store.ReadOnlyException(directory());
    }
    return enter();
  }

  private boolean keyMatches(long address, byte[] key) {
    Segment s = segments.get(segmentId(address));
    return s != null && s.holdsKey(offset(address), key);
  }

  long sequenceAt(long address) {
    Segment s = segments.get(segmentId(address));
    return s == null ? -1 : RecordFormat.sequence(s.region, offset(address));
  }

  int recordSizeAt(long address) {
    Segment s = segments.get(segmentId(address));
    return s == null ? 0 : align(RecordFormat.length(s.region, offset(address)));
  }

  void markGarbage(long address) {
    Segment s = segments.get(segmentId(address));
    if (s != null) {
      int size = align(RecordFormat.length(s.region, offset(address)));
      s.liveBytes.addAndGet(-size);
      s.garbageBytes.addAndGet(size);
      liveBytes.add(-size);
    }
  }

  /** Returns the address of {@code key}'s record, expired or not, or 0 if the index has none. */
  long locate(byte[] key, long hash) {
    return probe(key, hash, LOCATE);
  }

  /**
   * Returns the address of {@code key}'s live record as {@code mode} asks, or 0 if there is none;
   * every read starts here. A miss with checksums on tells a hash collision from damage.
   */
  private long find(byte[] key, long hash, int mode) {
    long address = probe(key, hash, mode);
    if (address == 0) {
      checkMiss(hash, mode);
    }
    return address == EXPIRED ? 0 : address;
  }

  /*
   * The one probe loop: index -> segment -> full key. Retries while a compaction retires the
   * segment the index pointed into; a colliding hash checks each address of its bucket.
   */
  private long probe(byte[] key, long hash, int mode) {
    RecordCopy copy = (mode & ColdReads.COPY) != 0 ? RecordCopy.forThread() : null;
    for (int attempt = 0; attempt < 1_000_000; attempt++) {
      long v = index.find(hash);
      if (v == 0) {
        return 0;
      }
      if (v != KeyIndex.COLLIDED) {
        Segment s = segments.get(segmentId(v));
        if (s == null) {
          Thread.onSpinWait();
          continue; // moved by compaction between the probe and here; probe again
        }
        boolean holds = copy == null ? s.holdsKey(offset(v), key) : RecordCopy.holdsKey(s, offset(v), key, copy);
        return !holds ? 0 : mode == LOCATE ? v : live(s, v, key, hash, mode);
      }
      long[] bucket = index.bucket(hash);
      if (bucket == null) {
        continue;
      }
      boolean missing = false;
      for (long a : bucket) {
        Segment s = segments.get(segmentId(a));
        if (s == null) {
          missing = true;
        } else if (copy == null ? s.holdsKey(offset(a), key) : RecordCopy.holdsKey(s, offset(a), key, copy)) {
          return mode == LOCATE ? a : live(s, a, key, hash, mode);
        }
      }
      if (!missing) {
        return 0;
      }
    }
    throw new IllegalStateException("index of " + directory() + " points at a segment that does not exist");
  }

  /** Returns {@code address}, or EXPIRED if its record expired (dropping it if {@code mode} says DROP). */
  private long live(Segment s, long address, byte[] key, long hash, int mode) {
    int at = offset(address);
    if ((mode & VERIFY) != 0 && mustCheck(s)) {
      if ((mode & ColdReads.COPY) == 0) {
        s.verify(at);
      } else {
        RecordCopy.verify(s, at);
      }
    }
    if ((mode & LIVE) == 0) {
      return address;
    }
    if (!expired((mode & ColdReads.COPY) == 0 ? s.expiry(at) : RecordCopy.expiry(s, at))) {
      return address;
    }
    if ((mode & DROP) != 0) {
      expiry.dropFoundByReader(key, hash, address);
    }
    return EXPIRED;
  }

  /*
   * A read that misses although its hash is in the index met a record of another key: a 64-bit
   * hash collision (rare) or a damaged key. With checksums on, tell the two apart, so that damage
   * is reported instead of being read as an absent key.
   */
  private void checkMiss(long hash, int mode) {
    if (verification == Verification.NEVER) {
      return;
    }
    long v = index.find(hash);
    if (v == 0) {
      return;
    }
    long[] addresses = v == KeyIndex.COLLIDED ? index.bucket(hash) : new long[] {v};
    if (addresses == null) {
      return;
    }
    for (long a : addresses) {
      Segment s = segments.get(segmentId(a));
      if (s != null && mustCheck(s)) {
        RecordCopy copy = (mode & ColdReads.COPY) != 0 && s.sealed ? RecordCopy.forThread() : null;
        if (copy != null && copy.read(s, offset(a), 0)) {
          copy.verify();
        } else {
          s.verify(offset(a));
        }
      }
    }
  }

  /** Whether a read must check the checksum of a record in {@code s} before using it (see Verification). */
  boolean mustCheck(Segment s) {
    Verification v = verification;
    return v == Verification.EVERY_READ || (v == Verification.ONCE && !s.checked);
  }

  boolean expired(long expireAt) {
    return expireAt != NEVER && expireAt <= clock.getAsLong();
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Path directory() {
    return files.directory();
  }

  @Override
  public int maxValueLength() {
    return options.segmentSize() - Segment.HEADER - HEADER;
  }

  @Override
  public byte[] get(byte[] key) {
    checkKey(key);
    int slot = enter();
    try {
      long hash = hasher.hash(key);
      int mode = READ | ColdReads.mode();
      while (true) {
        long address = find(key, hash, mode);
        if (address == 0) {
          return null;
        }
        Segment s = segments.get(segmentId(address));
        if (s != null) {
          int at = offset(address);
          byte[] value = (mode & ColdReads.COPY) == 0 ? s.value(at, key.length) : RecordCopy.value(s, at, key.length);
          eviction.read(hash);
          return value;
        }
      }
    } finally {
      gate.exit(slot);
    }
  }

  @Override
  public boolean get(byte[] key, ValueView view) {
    checkKey(key);
    Objects.requireNonNull(view, "view");
    int slot = enter();
    try {
      long hash = hasher.hash(key);
      int mode = VERIFY | ColdReads.mode();
      while (true) {
        long address = find(key, hash, mode); // expiry below: the view carries it, so it is read once
        if (address == 0) {
          view.clear();
          return false;
        }
        Segment s = segments.get(segmentId(address));
        if (s != null) {
          int at = offset(address);
          long expireAt = (mode & ColdReads.COPY) == 0 ? s.expiry(at) : RecordCopy.expiry(s, at);
          if (expired(expireAt)) {
            expiry.dropFoundByReader(key, hash, address);
            view.clear();
            return false;
          }
          RecordCopy copy = (mode & ColdReads.COPY) == 0 ? null : RecordCopy.holding(s, at);
          if (copy != null) {
            view.wrapCopy(s.file, copy.region(), RecordCopy.valueOffset(key.length), copy.valueLength(), expireAt);
          } else {
            view.wrap(s.file, at + HEADER + key.length, RecordFormat.valueLength(s.region, at), expireAt);
          }
          eviction.read(hash);
          return true;
        }
      }
    } finally {
      gate.exit(slot);
    }
  }

  @Override
  public long expireAt(byte[] key) {
    checkKey(key);
    int slot = enter();
    try {
      long hash = hasher.hash(key);
      int mode = LIVE | DROP | ColdReads.mode();
      while (true) {
        long address = find(key, hash, mode);
        if (address == 0) {
          return -1;
        }
        Segment s = segments.get(segmentId(address));
        if (s != null) {
          int at = offset(address);
          return (mode & ColdReads.COPY) == 0 ? s.expiry(at) : RecordCopy.expiry(s, at);
        }
      }
    } finally {
      gate.exit(slot);
    }
  }

  /** Returns a copy of {@code key}'s live entry, or null; for the iterator, which drops nothing. */
  Entry entryOf(byte[] key) {
    int slot = enter();
    try {
      long hash = hasher.hash(key);
      int mode = LIVE | VERIFY | ColdReads.mode();
      while (true) {
        long address = probe(key, hash, mode);
        if (address == 0 || address == EXPIRED) {
          return null;
        }
        Segment s = segments.get(segmentId(address));
        if (s != null) {
          int at = offset(address);
          return (mode & ColdReads.COPY) == 0 ? new Entry(key, s.value(at, key.length), s.expiry(at))
              : new Entry(key, RecordCopy.value(s, at, key.length), RecordCopy.expiry(s, at));
        }
      }
    } finally {
      gate.exit(slot);
    }
  }

  @Override
  public boolean containsKey(byte[] key) {
    return expireAt(key) >= 0;
  }

  @Override
  public byte[][] getAll(List<byte[]> keys) {
    byte[][] out = new byte[keys.size()][];
    int i = 0;
    for (byte[] key : keys) {
      out[i++] = get(key);
    }
    return out;
  }

  byte[] valueAt(long address, int keyLength) {
    Segment s = segments.get(segmentId(address));
    return s == null ? null : s.value(offset(address), keyLength);
  }

  void notifyRemoval(byte[] key, byte[] value, RemovalListener.Cause cause) {
    RemovalListener listener = options.removalListener();
    if (listener != null) {
      try {
        listener.onRemoval(key, value, cause);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "removal listener failed", e);
      }
    }
  }

  // ---------------------------------------------------------------- writes

  @Override
  public void put(byte[] key, byte[] value) {
    put(key, value, NEVER);
  }

  @Override
  public void put(byte[] key, byte[] value, long expireAt) {
    checkKey(key);
    Objects.requireNonNull(value, "value");
    checkValue(key, value.length);
    Store.checkExpireAt(expireAt);
    int slot = enterToWrite();
    try {
      long hash = hasher.hash(key);
      ReentrantLock lock = keyLocks.of(hash);
      long written;
      lock.lock();
      try {
        written = expired(expireAt) ? removeLocked(key, hash) : putLocked(key, hash, value, expireAt);
      } finally {
        lock.unlock();
      }
      afterWrite(written);
    } finally {
      gate.exit(slot);
    }
  }

  /** Appends a put and indexes it; returns its address. The caller holds the key lock. */
  long putLocked(byte[] key, long hash, byte[] value, long expireAt) {
    long address = files.append(PUT, key, value, expireAt);
    long old = index.put(hash, key, address, matcher);
    int size = recordSizeAt(address);
    segments.get(segmentId(address)).liveBytes.addAndGet(size);
    liveBytes.add(size);
    if (old != 0) {
      markGarbage(old);
    }
    eviction.written(hash, old == 0);
    return address;
  }

  /** Removes the key with a tombstone; returns the tombstone's address, or 0 if the key was absent. */
  long removeLocked(byte[] key, long hash) {
    long tombstone = tombstoneLocked(key, hash);
    if (tombstone != 0) {
      eviction.removed();
    }
    return tombstone;
  }

  /** Removes the key as {@link #removeLocked} does, without telling the eviction policy (the evictor's own removal). */
  long tombstoneLocked(byte[] key, long hash) {
    // The tombstone goes to the log before the index forgets the key: if the append fails (a full
    // disk at a segment roll), the key must still be there, in memory as on disk.
    if (locate(key, hash) == 0) {
      return 0;
    }
    long tombstone = files.append(TOMBSTONE, key, null, NEVER);
    Segment s = segments.get(segmentId(tombstone));
    s.garbageBytes.addAndGet(recordSizeAt(tombstone));
    long old = index.remove(hash, key, matcher);
    if (old != 0) {
      markGarbage(old);
    }
    return tombstone;
  }

  @Override
  public boolean remove(byte[] key) {
    checkKey(key);
    int slot = enterToWrite();
    try {
      long hash = hasher.hash(key);
      ReentrantLock lock = keyLocks.of(hash);
      boolean present;
      long written;
      lock.lock();
      try {
        long address = locate(key, hash);
        present = address != 0 && !expired(segments.get(segmentId(address)).expiry(offset(address)));
        written = removeLocked(key, hash);
      } finally {
        lock.unlock();
      }
      afterWrite(written);
      return present;
    } finally {
      gate.exit(slot);
    }
  }

  @Override
  public boolean setExpiry(byte[] key, long expireAt) {
    checkKey(key);
    Store.checkExpireAt(expireAt);
    int slot = enterToWrite();
    try {
      long hash = hasher.hash(key);
      ReentrantLock lock = keyLocks.of(hash);
      lock.lock();
      try {
        long address = locate(key, hash);
        if (address == 0) {
          return false;
        }
        Segment s = segments.get(segmentId(address));
        int at = offset(address);
        if (expired(s.expiry(at))) {
          return false;
        }
        if (expired(expireAt)) {
          removeLocked(key, hash);
          return true;
        }
        s.setExpiry(at, expireAt);
        return true;
      } finally {
        lock.unlock();
      }
    } finally {
      gate.exit(slot);
    }
  }

  @Override
  public <R> R update(byte[] key, EntryUpdate<R> update) {
    checkKey(key);
    Objects.requireNonNull(update, "update");
    int slot = enterToWrite();
    try {
      return Update.run(this, key, update);
    } finally {
      gate.exit(slot);
    }
  }

  /** Makes a write durable as the setting asks, then evicts if the store is over capacity. */
  void afterWrite(long address) {
    if (address != 0 && options.durability() == Durability.EVERY_WRITE && !options.temporary()) {
      files.syncTo(address, recordSizeAt(address));
    }
    if (eviction.overCapacity()) {
      eviction.evict();
    }
    if (compaction.overDiskBudget()) {
      compaction.help();
    }
  }

  @Override
  public void clear() {
    int slot = enterToWrite();
    try {
      keyLocks.lockAll();
      long address;
      try {
        address = files.append(CLEAR, null, null, NEVER);
        Segment at = segments.get(segmentId(address));
        at.garbageBytes.addAndGet(recordSizeAt(address));
        files.clearFloor = RecordFormat.sequence(at.region, offset(address));
        index.clear();
        eviction.cleared();
        for (Segment s : segments.all()) {
          long live = s.liveBytes.getAndSet(0);
          s.garbageBytes.addAndGet(live);
        }
        liveBytes.reset();
      } finally {
        keyLocks.unlockAll();
      }
      afterWrite(address);
    } finally {
      gate.exit(slot);
    }
  }

  // ---------------------------------------------------------------- iteration, size, stats

  @Override
  public Iterator<Entry> iterator() {
    if (gate.isClosed()) {
      throw new ClosedException(directory());
    }
    return new EntryIterator(this);
  }

  @Override
  public long size() {
    int slot = enter();
    try {
      return index.size();
    } finally {
      gate.exit(slot);
    }
  }

  @Override
  public StoreStats stats() {
    int slot = enter();
    try {
      long live = 0;
      long garbage = 0;
      long fileBytes = 0;
      Segment[] all = segments.all();
      for (Segment s : all) {
        live += s.liveBytes.get();
        garbage += s.garbageBytes.get();
        fileBytes += s.capacity;
      }
      return new StoreStats(index.size(), live, garbage, all.length, fileBytes, eviction.evictions.sum(),
          expiry.expirations.sum(), compaction.compactions.get());
    } finally {
      gate.exit(slot);
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  // ---------------------------------------------------------------- maintenance, images, snapshots

  /** Writes the index image and deletes the files of retired segments. Holds the maintenance lock. */
  void writeImage() {
    files.writeImage(index, keyLocks);
  }

  /** Runs {@code work} as a write (inside the read gate, refused when read-only) holding the maintenance lock. */
  private <T> T maintaining(Supplier<T> work) {
    return asWrite(() -> maintenance.locked(work));
  }

  /** Runs {@code work} inside the read gate as a write: refused when read-only or closed. */
  private <T> T asWrite(Supplier<T> work) {
    int slot = enterToWrite();
    try {
      return work.get();
    } finally {
      gate.exit(slot);
    }
  }

  @Override
  public int compact() {
    return maintaining(() -> {
      int n = compaction.run();
      if (files.hasRetired()) {
        writeImage();
      }
      return n;
    });
  }

  @Override
  public void flush() {
    maintaining(() -> {
      if (!options.temporary()) {
        files.syncActive();
      }
      writeImage();
      return null;
    });
  }

  @Override
  public List<Path> snapshot(Path target) {
    Objects.requireNonNull(target, "target");
    return asWrite(() -> maintenance.whileSnapshotting(() -> {
      try {
        return files.snapshot(target, index, keyLocks);
      } catch (IOException e) {
        throw new StorageException(target + ": cannot write a snapshot of " + directory() + ": " + e, e);
      }
    }));
  }

  @Override
  public void verify() {
    int slot = enter();
    try {
      for (Segment s : segments.all()) {
        int at = s.firstDamage();
        if (at >= 0) {
          throw new CorruptedException(s.path(), at, RecordFormat.check(s.region, at, s.writePosition));
        }
      }
    } finally {
      gate.exit(slot);
    }
  }

  // ---------------------------------------------------------------- close

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    maintenance.cancel();
    gate.closeAndDrain();
    files.spare.discard();
    RuntimeException failure = null;
    maintenance.lock.lock();
    try {
      if (!options.temporary() && !options.readOnly()) {
        files.syncActive();
        writeImage();
      }
    } catch (RuntimeException e) {
      failure = e;
    } finally {
      try {
        files.close(failure);
      } finally {
        maintenance.lock.unlock();
        maintenance.release(); // the last store's close stops the maintenance thread
      }
    }
  }

  @Override
  public String toString() {
    return "Store[" + directory() + (closed ? ", closed" : "") + "]";
  }
}
