package io.inkv.store;

import io.inkv.store.internal.DurableFiles;
import static io.inkv.store.RecordFormat.CLEAR;
import static io.inkv.store.RecordFormat.HEADER;
import static io.inkv.store.RecordFormat.PUT;
import static io.inkv.store.RecordFormat.TOMBSTONE;
import static io.inkv.store.RecordFormat.align;

import io.inkv.store.IndexImage.Checkpoint;
import io.inkv.store.IndexImage.SegmentInfo;
import io.inkv.store.memory.MappedFile;
import io.inkv.store.memory.Region;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/*
 * The store engine: a log of records in mapped segment files plus an in-memory index.
 *
 * put:   checks -> key lock -> append the record to the active segment (append lock) -> point
 *        the index at it (stripe write lock) -> account the old record as garbage -> unlock
 *        -> group-commit fsync if the durability asks -> evict if over capacity.
 * get:   read gate -> hash -> optimistic index probe -> segment table -> compare the full key in
 *        the record -> check CRC and expiry -> copy the value (or point a ValueView at it).
 *
 * Locks, in acquisition order: clear takes every key lock; a key lock (256, chosen by hash; all
 * writes and compaction moves of one key hold it, which makes per-key operations linearizable and
 * keeps log order equal to index order per key); the append lock (appending to the active
 * segment); an index stripe's write lock. Readers take none of them: the read gate's striped
 * counter and the stripe's optimistic stamp are all a read touches.
 *
 * Recovery: load index.img (the index as of a checkpoint), then replay the log after the
 * checkpoint, keeping per key the record with the highest sequence. Compaction copies keep their
 * sequence, so replaying a copy never undoes a newer write. A tombstone (or an expired put, which
 * acts as one) is carried forward by compaction while any other segment holds a record older than
 * it, so a full rebuild never resurrects a removed key. Retired segment files are deleted only after
 * an image that no longer refers to them is on disk.
 *
 * Space: retired segments are removed from the table and their files deleted; their mappings are
 * left for the garbage collector to unmap (a ValueView may still point into them), and close()
 * unmaps whatever is left. Eviction is FIFO in log order (a cursor walks the log from its oldest
 * record); see docs/store.md for why.
 */
final class LogStore implements Store {
  private static final System.Logger LOG = System.getLogger(LogStore.class.getName());
  private static final String LOCK_FILE = "inkv.lock";
  /** Files named *.meta belong to layers above the store (e.g. documents.meta); the store leaves them alone. */
  static final String META_SUFFIX = ".meta";
  private static final int KEY_LOCKS = 256;
  private static final int FIRST_SEGMENT_SIZE = 256 << 10;
  private static final ScheduledExecutorService MAINTENANCE = maintenanceExecutor();
  /*
   * The next segment's file is written (zero-filled, so that writes through its mapping cannot
   * fail for want of disk space) by this thread, shared by every store of the JVM, once the active
   * segment is half full; a roll then renames and maps it instead of writing up to 64 MiB of zeros
   * under the append lock, which stalled every write for ~300 ms on this project's test disks.
   * The file is named *.next.tmp, so an open after a crash deletes it like any unfinished file.
   */
  private static final ExecutorService SPARES = spareExecutor();
  private static final String SPARE_SUFFIX = ".next" + DurableFiles.TEMP_SUFFIX;
  private static final AtomicLong SPARE_NAMES = new AtomicLong();
  private static final long SPARE_RETRY_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final StoreOptions options;
  private final Path directory;
  private final KeyHasher hasher;
  private final LongSupplier clock;
  private final Verification verification;
  private final long storeId;
  private final FileChannel lockChannel;
  private final FileLock fileLock;

  private final ReadGate gate = new ReadGate();
  private final KeyIndex index;
  private final SegmentTable segments = new SegmentTable();
  private final ReentrantLock[] keyLocks = new ReentrantLock[KEY_LOCKS];
  private final ReentrantLock appendLock = new ReentrantLock();
  private final Object syncLock = new Object();
  private final Object imageLock = new Object();
  private final ReentrantLock maintenanceLock = new ReentrantLock();
  private final ReentrantLock evictionLock = new ReentrantLock();
  private final KeyIndex.KeyMatcher matcher = this::keyMatches;

  /** A prepared next-segment file and its size. */
  private record Spare(Path path, int size) {}

  private final Object spareLock = new Object();
  private Spare spare; // guarded by spareLock
  private Future<?> spareTask; // guarded by spareLock
  private long spareRetryAt; // guarded by spareLock: System.nanoTime() before which a failed preparation is not retried
  private final AtomicLong sparesAdopted = new AtomicLong();

  // Appender state, guarded by appendLock.
  private Segment active;
  private long nextSequence = 1;
  private int nextSegmentId = 1;

  private volatile long clearFloor;
  private final AtomicLong bytesSinceImage = new AtomicLong();
  private final LongAdder liveBytes = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder expirations = new LongAdder();
  private final AtomicLong compactions = new AtomicLong();
  private final List<Segment> retired = new ArrayList<>(); // guarded by maintenanceLock
  private final List<WeakReference<MappedFile>> released = new ArrayList<>(); // guarded by imageLock
  private long lastSyncMillis;
  // FIFO eviction cursor, guarded by evictionLock.
  private int evictSegment;
  private int evictOffset;

  private final ScheduledFuture<?> maintenanceTask;
  private volatile boolean closed;
  /** Set once recovery has finished; maintenance (scheduled by the constructor) waits for it. */
  private volatile boolean recovered;

  private LogStore(StoreOptions options, long storeId, FileChannel lockChannel, FileLock fileLock, KeyIndex index) {
    this.options = options;
    this.directory = options.directory();
    this.hasher = options.keyHasher();
    this.clock = options.clock();
    this.verification = options.verification();
    this.storeId = storeId;
    this.lockChannel = lockChannel;
    this.fileLock = fileLock;
    this.index = index;
    for (int i = 0; i < KEY_LOCKS; i++) {
      keyLocks[i] = new ReentrantLock();
    }
    this.maintenanceTask = options.backgroundMaintenance() && !options.readOnly()
        ? MAINTENANCE.scheduleWithFixedDelay(new MaintenanceTick(this),
            options.maintenanceInterval().toMillis(), options.maintenanceInterval().toMillis(), TimeUnit.MILLISECONDS)
        : null;
  }

  private static ExecutorService spareExecutor() {
    ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "inkv-segment-allocator");
      t.setDaemon(true);
      return t;
    });
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }

  private static ScheduledExecutorService maintenanceExecutor() {
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "inkv-maintenance");
      t.setDaemon(true);
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);
    return executor;
  }

  /*
   * The scheduled task holds the store weakly, so a store that was never closed can still be
   * collected (its task then cancels itself).
   */
  private static final class MaintenanceTick implements Runnable {
    private final WeakReference<LogStore> store;

    MaintenanceTick(LogStore store) {
      this.store = new WeakReference<>(store);
    }

    @Override
    public void run() {
      LogStore s = store.get();
      if (s == null) {
        throw new IllegalStateException("store collected without close; cancelling its maintenance");
      }
      s.maintain();
    }
  }

  // ---------------------------------------------------------------- addresses

  static long address(int segmentId, int offset) {
    return ((long) segmentId << 32) | (offset & 0xFFFFFFFFL);
  }

  static int segmentId(long address) {
    return (int) (address >>> 32);
  }

  static int offset(long address) {
    return (int) address;
  }

  // ---------------------------------------------------------------- open and recovery

  static LogStore open(StoreOptions options) {
    Path dir = options.directory();
    try {
      if (!Files.isDirectory(dir)) {
        if (Files.exists(dir)) {
          throw new Store.StorageException(dir + ": not a directory", null);
        }
        if (!options.createIfMissing() || options.readOnly()) {
          throw new Store.StorageException(dir + ": no store here and " + (options.readOnly()
              ? "the store is opened read-only" : "createIfMissing is false"), null);
        }
        Files.createDirectories(dir);
      }
    } catch (IOException e) {
      throw new Store.StorageException(dir + ": cannot create the store directory: " + e, e);
    }
    FileChannel lockChannel;
    FileLock lock;
    try {
      lockChannel = options.readOnly()
          ? FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.READ)
          : FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (java.nio.file.NoSuchFileException e) {
      lockChannel = null; // read-only, and no writer ever opened it here: nothing to exclude
    } catch (IOException e) {
      throw new Store.StorageException(dir.resolve(LOCK_FILE) + ": cannot open: " + MappedFile.describe(e)
          + (options.readOnly() ? "" : "; a store on a read-only directory can be opened with readOnly(true)"), e);
    }
    try {
      lock = lockChannel == null ? null : lockChannel.tryLock(0, Long.MAX_VALUE, options.readOnly());
      if (lock == null && lockChannel != null) {
        throw new Store.AlreadyOpenException(dir, "by another process");
      }
    } catch (OverlappingFileLockException e) {
      closeQuietly(lockChannel);
      throw new Store.AlreadyOpenException(dir, "in this process");
    } catch (IOException e) {
      closeQuietly(lockChannel);
      throw new Store.StorageException(dir.resolve(LOCK_FILE) + ": cannot lock: " + e, e);
    } catch (RuntimeException e) {
      if (lockChannel != null) {
        closeQuietly(lockChannel);
      }
      throw e;
    }
    List<Segment> opened = new ArrayList<>();
    try {
      return recover(options, lockChannel, lock, opened);
    } catch (RuntimeException | Error e) {
      for (Segment s : opened) {
        s.file.close();
      }
      if (lock != null) {
        try {
          lock.release();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        closeQuietly(lockChannel);
      }
      throw e;
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // reporting the original failure matters more
    }
  }

  private static LogStore recover(StoreOptions options, FileChannel lockChannel, FileLock lock, List<Segment> opened) {
    Path dir = options.directory();
    Map<Integer, Path> segmentFiles = new HashMap<>();
    boolean hasManifest = false;
    boolean hasImage = false;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path p : files) {
        String name = p.getFileName().toString();
        if (name.startsWith(".") || name.equals(LOCK_FILE)) {
          continue;
        }
        if (name.equals(Manifest.FILE)) {
          hasManifest = true;
        } else if (name.equals(IndexImage.FILE)) {
          hasImage = true;
        } else if (name.endsWith(META_SUFFIX)) {
          continue; // owned by a layer above the store (the document schema)
        } else if (name.endsWith(DurableFiles.TEMP_SUFFIX)) {
          if (!options.readOnly()) {
            Files.delete(p); // an atomic write that did not finish
          }
        } else if (Segment.parseId(name) > 0 && Files.isRegularFile(p)) {
          segmentFiles.put(Segment.parseId(name), p);
        } else {
          throw new Store.FormatException(p, "is not an inkv file; a store directory holds only "
              + Manifest.FILE + ", " + LOCK_FILE + ", " + IndexImage.FILE + ", segment files (0000000001.seg) and *.meta files");
        }
      }
    } catch (IOException e) {
      throw new Store.StorageException(dir + ": cannot list the store directory: " + e, e);
    }
    KeyHasher hasher = options.keyHasher();
    Manifest manifest;
    if (hasManifest) {
      manifest = Manifest.read(dir);
      if (!manifest.keyHash().equals(hasher.name())) {
        throw new Store.FormatException(dir.resolve(Manifest.FILE), "store uses key hash "
            + manifest.keyHash() + ", not " + hasher.name());
      }
    } else if (!segmentFiles.isEmpty() || hasImage) {
      throw new Store.FormatException(dir.resolve(Manifest.FILE),
          "is missing, but the directory holds segment files or an index image");
    } else if (options.readOnly()) {
      throw new Store.StorageException(dir + ": no store here (no " + Manifest.FILE + ") and the store is opened read-only", null);
    } else {
      manifest = new Manifest(new SecureRandom().nextLong(), hasher.name());
      manifest.write(dir, !options.temporary());
    }

    List<Integer> ids = new ArrayList<>(segmentFiles.keySet());
    ids.sort(Comparator.naturalOrder());
    SegmentTable table = new SegmentTable();
    for (int i = 0; i < ids.size(); i++) {
      int id = ids.get(i);
      Path p = segmentFiles.get(id);
      boolean last = i == ids.size() - 1;
      if (last && unfinished(p)) {
        LOG.log(System.Logger.Level.WARNING, "{0}: " + (options.readOnly() ? "ignoring" : "deleting")
            + " a segment file whose creation did not finish", p);
        if (!options.readOnly()) {
          deleteFile(p);
        }
        continue;
      }
      Segment s = Segment.open(p, id, manifest.storeId(), !options.readOnly());
      opened.add(s);
      table.add(s);
    }

    long expected = hasImage ? IndexImage.declaredEntries(dir) : 0;
    KeyIndex index = newIndex(options, expected);
    Checkpoint cp = null;
    if (hasImage) {
      try {
        cp = IndexImage.read(dir, manifest.storeId(), index, table);
        expected = cp.entries();
      } catch (Store.CorruptedException | Store.FormatException e) {
        LOG.log(System.Logger.Level.WARNING, "index image unusable, rebuilding the index from the whole log: {0}", e.getMessage());
        index = newIndex(options, 0);
        cp = null;
      }
    }
    LogStore store = new LogStore(options, manifest.storeId(), lockChannel, lock, index);
    for (Segment s : table.all()) {
      store.segments.add(s);
    }
    try {
      new Recovery(store, cp).run();
    } catch (RuntimeException | Error e) {
      store.abandon();
      throw e;
    }
    store.recovered = true;
    if (expected > 0) {
      LOG.log(System.Logger.Level.DEBUG, "opened {0} with {1} entries", dir, store.index.size());
    }
    return store;
  }

  /*
   * Stops a store whose recovery failed before open() closes its segment files and releases the
   * lock: its maintenance task, scheduled by the constructor, must never run on unmapped files (a
   * JVM crash) or write an index image into a directory another store may open next.
   */
  private void abandon() {
    closed = true;
    if (maintenanceTask != null) {
      maintenanceTask.cancel(false);
    }
    gate.closeAndDrain();
  }

  /*
   * Stripes: at least 64, and enough that one stripe holds at most about 2^20 entries, so a
   * stripe's table (2 longs per slot, load 1/2 to 2/3) stays around 32 MiB and its rehash, done
   * under the stripe's write lock, stays short.
   */
  private static KeyIndex newIndex(StoreOptions options, long expectedEntries) {
    int stripes = Math.max(64, Runtime.getRuntime().availableProcessors() * 16);
    while (stripes < (1 << 16) && expectedEntries / stripes > (1 << 20)) {
      stripes <<= 1;
    }
    return new KeyIndex(stripes, expectedEntries);
  }

  /*
   * A process killed while creating a segment leaves the newest file shorter than its size
   * (allocation writes zeros from the start), or whole but without its magic number (the header is
   * written first and the magic last). Either way its first 8 bytes are zero and no record follows.
   * Only the newest segment can be in that state; a file whose first bytes are something other than
   * the magic number is not ours and fails the open.
   */
  private static boolean unfinished(Path p) {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(Segment.HEADER + 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      while (b.hasRemaining() && ch.read(b) >= 0) {
        // fill
      }
      int n = b.position();
      if (n >= 8 && b.getLong(0) != 0) {
        return false; // a magic number, or foreign bytes: Segment.open decides
      }
      return n < Segment.HEADER + 8 || b.getLong(Segment.HEADER) == 0;
    } catch (IOException e) {
      throw new Store.StorageException(p + ": cannot read: " + e, e);
    }
  }

  private static void deleteFile(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new Store.StorageException(p + ": cannot delete: " + e, e);
    }
  }

  /*
   * Replays the log after the image's checkpoint (or the whole log when there is no usable image),
   * truncating a torn tail in the last segment.
   */
  private static final class Recovery {
    private final LogStore store;
    private final Checkpoint cp;
    private final boolean full;
    private final Map<ByteBuffer, Long> tombstones = new HashMap<>();
    private final long now;
    private long maxSequence;

    Recovery(LogStore store, Checkpoint cp) {
      this.store = store;
      this.cp = cp;
      this.full = cp == null;
      this.now = store.clock.getAsLong();
    }

    void run() {
      Segment[] all = store.segments.all();
      int startSegment = 0;
      int startOffset = Segment.HEADER;
      if (cp != null) {
        store.clearFloor = cp.clearFloor();
        maxSequence = cp.nextSequence() - 1;
        Map<Integer, SegmentInfo> infos = new HashMap<>();
        for (SegmentInfo info : cp.segments()) {
          infos.put(info.id(), info);
        }
        startSegment = cp.segment();
        startOffset = cp.offset();
        for (Segment s : all) {
          SegmentInfo info = infos.get(s.id);
          if (s.id < startSegment) {
            if (info == null) {
              // Retired by compaction before this image; its records live on elsewhere.
              store.segments.remove(s);
              s.file.close();
              if (!store.options.readOnly()) {
                deleteFile(s.path());
              }
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
      all = store.segments.all();
      for (int i = 0; i < all.length; i++) {
        Segment s = all[i];
        if (s.id < startSegment) {
          continue;
        }
        int from = s.id == startSegment ? startOffset : Segment.HEADER;
        scan(s, from, i == all.length - 1);
      }
      store.nextSequence = maxSequence + 1;
      if (all.length > 0) {
        store.active = all[all.length - 1];
        store.nextSegmentId = store.active.id + 1;
        store.evictSegment = all[0].id;
        store.evictOffset = Segment.HEADER;
      }
      for (Segment s : store.segments.all()) {
        s.syncedPosition = s.writePosition;
      }
      store.lastSyncMillis = now;
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
      if (store.options.readOnly()) {
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
      if (store.options.readOnly()) {
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
        if (seq > store.clearFloor) {
          store.clearFloor = seq;
          store.dropAllOlderThan(seq);
        }
        s.garbageBytes.addAndGet(size);
        return;
      }
      if (seq < store.clearFloor) {
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
      long old = store.index.put(hash, key, address(s.id, at), store.matcher);
      s.liveBytes.addAndGet(size);
      store.liveBytes.add(size);
      if (old != 0) {
        store.markGarbage(old);
      }
    }
  }

  /** Removes every index entry whose record is older than {@code sequence}; for clear and its replay. */
  private void dropAllOlderThan(long sequence) {
    for (int i = 0; i < index.stripeCount(); i++) {
      long[] pairs = index.snapshot(i);
      for (int j = 0; j < pairs.length; j += 2) {
        long address = pairs[j + 1];
        if (sequenceAt(address) < sequence && index.removeAddress(pairs[j], address)) {
          markGarbage(address);
        }
      }
    }
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
  private void checkValue(byte[] key, int valueLength) {
    long limit = (long) options.segmentSize() - Segment.HEADER - HEADER - key.length;
    if (valueLength > limit) {
      throw new IllegalArgumentException("value is " + valueLength + " bytes; with a " + key.length
          + "-byte key the limit is " + limit + " (set by segmentSize " + options.segmentSize() + ")");
    }
  }

  private static void checkExpiry(long expireAt) {
    if (expireAt < 0 || expireAt > RecordFormat.MAX_EXPIRY) {
      throw new IllegalArgumentException("expireAt must be 0 (never) or an epoch-millisecond time up to "
          + RecordFormat.MAX_EXPIRY + ": " + expireAt);
    }
  }

  private int enter() {
    int slot = gate.enter();
    if (slot < 0) {
      throw new ClosedException(directory);
    }
    return slot;
  }

  /** Enters as {@link #enter()} for an operation that writes; refuses on a read-only store. */
  private int enterToWrite() {
    if (options.readOnly()) {
      if (gate.isClosed()) {
        throw new ClosedException(directory);
      }
      throw new Store.ReadOnlyException(directory);
    }
    return enter();
  }

  private ReentrantLock keyLock(long hash) {
    return keyLocks[(int) (hash >>> 21) & (KEY_LOCKS - 1)];
  }

  private boolean keyMatches(long address, byte[] key) {
    Segment s = segments.get(segmentId(address));
    if (s == null) {
      return false;
    }
    int at = offset(address);
    Region r = s.region;
    return RecordFormat.keyLength(r, at) == key.length && at <= s.capacity - HEADER - key.length
        && r.contentEquals(at + HEADER, key, 0, key.length);
  }

  private long sequenceAt(long address) {
    Segment s = segments.get(segmentId(address));
    return s == null ? -1 : RecordFormat.sequence(s.region, offset(address));
  }

  private int recordSizeAt(long address) {
    Segment s = segments.get(segmentId(address));
    return s == null ? 0 : align(RecordFormat.length(s.region, offset(address)));
  }

  private void markGarbage(long address) {
    Segment s = segments.get(segmentId(address));
    if (s != null) {
      int size = align(RecordFormat.length(s.region, offset(address)));
      s.liveBytes.addAndGet(-size);
      s.garbageBytes.addAndGet(size);
      liveBytes.add(-size);
    }
  }

  /**
   * Returns the address of {@code key}'s record, or 0 if the index has none. Retries while a
   * compaction retires the segment the index pointed into.
   */
  private long locate(byte[] key, long hash) {
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
        Region r = s.region;
        int at = offset(v);
        // the bound holds for every record the store wrote; it keeps a forged index image entry
        // (an address inside another record, near the segment's end) from reading past the mapping
        return RecordFormat.keyLength(r, at) == key.length && at <= s.capacity - HEADER - key.length
            && r.contentEquals(at + HEADER, key, 0, key.length) ? v : 0;
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
        } else if (keyMatches(a, key)) {
          return a;
        }
      }
      if (!missing) {
        return 0;
      }
    }
    throw new IllegalStateException("index of " + directory + " points at a segment that does not exist");
  }

  /*
   * A read that misses although its hash is in the index met a record of another key: a 64-bit
   * hash collision (rare) or a damaged key. With checksums on, tell the two apart, so that damage
   * is reported instead of being read as an absent key.
   */
  private void checkMiss(long hash) {
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
        verifyRecord(s, offset(a));
      }
    }
  }

  /** Whether a read must check the checksum of a record in {@code s} before using it (see Verification). */
  private boolean mustCheck(Segment s) {
    Verification v = verification;
    return v == Verification.EVERY_READ || (v == Verification.ONCE && !s.checked);
  }

  private void verifyRecord(Segment s, int at) {
    String problem = RecordFormat.check(s.region, at, s.capacity);
    if (problem != null) {
      throw new CorruptedException(s.path(), at, problem);
    }
  }

  /** Returns the record's expiry time; a failed check is damage. */
  private static long expiryOf(Segment s, int at) {
    Region r = s.region;
    long seq = RecordFormat.sequence(r, at);
    long expireAt = RecordFormat.expireAt(r.getLong(at + RecordFormat.OFF_EXPIRY), seq);
    if (expireAt < 0) {
      throw new CorruptedException(s.path(), at, "record expiry field fails its check");
    }
    return expireAt;
  }

  private boolean expired(long expireAt) {
    return expireAt != NEVER && expireAt <= clock.getAsLong();
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Path directory() {
    return directory;
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
      while (true) {
        long address = locate(key, hash);
        if (address == 0) {
          checkMiss(hash);
          return null;
        }
        Segment s = segments.get(segmentId(address));
        if (s == null) {
          continue;
        }
        int at = offset(address);
        if (mustCheck(s)) {
          verifyRecord(s, at);
        }
        long expireAt = expiryOf(s, at);
        if (expired(expireAt)) {
          dropExpired(key, hash, address);
          return null;
        }
        Region r = s.region;
        byte[] value = new byte[RecordFormat.valueLength(r, at)];
        r.getBytes(at + HEADER + key.length, value, 0, value.length);
        return value;
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
      while (true) {
        long address = locate(key, hash);
        if (address == 0) {
          checkMiss(hash);
          view.clear();
          return false;
        }
        Segment s = segments.get(segmentId(address));
        if (s == null) {
          continue;
        }
        int at = offset(address);
        if (mustCheck(s)) {
          verifyRecord(s, at);
        }
        long expireAt = expiryOf(s, at);
        if (expired(expireAt)) {
          dropExpired(key, hash, address);
          view.clear();
          return false;
        }
        view.wrap(s.file, at + HEADER + key.length, RecordFormat.valueLength(s.region, at), expireAt);
        return true;
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
      while (true) {
        long address = locate(key, hash);
        if (address == 0) {
          checkMiss(hash);
          return -1;
        }
        Segment s = segments.get(segmentId(address));
        if (s == null) {
          continue;
        }
        long expireAt = expiryOf(s, offset(address));
        if (expired(expireAt)) {
          dropExpired(key, hash, address);
          return -1;
        }
        return expireAt;
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

  /** Drops an expired entry found by a reader, unless a writer holds the key (it will see it too). */
  private void dropExpired(byte[] key, long hash, long address) {
    ReentrantLock lock = keyLock(hash);
    if (!lock.tryLock()) {
      return;
    }
    byte[] value;
    try {
      value = options.removalListener() == null ? null : valueAt(address, key.length);
      if (!index.removeAddress(hash, address)) {
        return;
      }
      markGarbage(address);
    } finally {
      lock.unlock();
    }
    expirations.increment();
    notifyRemoval(key, value, RemovalListener.Cause.EXPIRED);
  }

  private byte[] valueAt(long address, int keyLength) {
    Segment s = segments.get(segmentId(address));
    if (s == null) {
      return null;
    }
    int at = offset(address);
    byte[] value = new byte[RecordFormat.valueLength(s.region, at)];
    s.region.getBytes(at + HEADER + keyLength, value, 0, value.length);
    return value;
  }

  private void notifyRemoval(byte[] key, byte[] value, RemovalListener.Cause cause) {
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
    checkExpiry(expireAt);
    int slot = enterToWrite();
    try {
      long hash = hasher.hash(key);
      ReentrantLock lock = keyLock(hash);
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
  private long putLocked(byte[] key, long hash, byte[] value, long expireAt) {
    long address = append(PUT, key, value, expireAt);
    long old = index.put(hash, key, address, matcher);
    int size = recordSizeAt(address);
    segments.get(segmentId(address)).liveBytes.addAndGet(size);
    liveBytes.add(size);
    if (old != 0) {
      markGarbage(old);
    }
    return address;
  }

  /** Removes the key with a tombstone; returns the tombstone's address, or 0 if the key was absent. */
  private long removeLocked(byte[] key, long hash) {
    // The tombstone goes to the log before the index forgets the key: if the append fails (a full
    // disk at a segment roll), the key must still be there, in memory as on disk.
    if (locate(key, hash) == 0) {
      return 0;
    }
    long tombstone = append(TOMBSTONE, key, null, NEVER);
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
      ReentrantLock lock = keyLock(hash);
      boolean present;
      long written;
      lock.lock();
      try {
        long address = locate(key, hash);
        present = address != 0 && !expired(expiryOf(segments.get(segmentId(address)), offset(address)));
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
    checkExpiry(expireAt);
    int slot = enterToWrite();
    try {
      long hash = hasher.hash(key);
      ReentrantLock lock = keyLock(hash);
      lock.lock();
      try {
        long address = locate(key, hash);
        if (address == 0) {
          return false;
        }
        Segment s = segments.get(segmentId(address));
        int at = offset(address);
        if (expired(expiryOf(s, at))) {
          return false;
        }
        if (expired(expireAt)) {
          removeLocked(key, hash);
          return true;
        }
        setExpiryInPlace(s, at, expireAt);
        return true;
      } finally {
        lock.unlock();
      }
    } finally {
      gate.exit(slot);
    }
  }

  private static void setExpiryInPlace(Segment s, int at, long expireAt) {
    long seq = RecordFormat.sequence(s.region, at);
    s.region.putLongRelease(at + RecordFormat.OFF_EXPIRY, RecordFormat.expiryWord(expireAt, seq));
    if (expireAt != NEVER && expireAt < s.earliestExpiry) {
      s.earliestExpiry = expireAt;
    }
    s.dirtySinceImage = true;
  }

  @Override
  public <R> R update(byte[] key, EntryUpdate<R> update) {
    checkKey(key);
    Objects.requireNonNull(update, "update");
    int slot = enterToWrite();
    try {
      long hash = hasher.hash(key);
      ReentrantLock lock = keyLock(hash);
      R result;
      long written = 0;
      byte[] expiredValue = null;
      boolean droppedExpired = false;
      lock.lock();
      try {
        long address = locate(key, hash);
        EntryUpdate.Current current = null;
        if (address != 0) {
          Segment s = segments.get(segmentId(address));
          int at = offset(address);
          if (mustCheck(s)) {
            verifyRecord(s, at);
          }
          long expireAt = expiryOf(s, at);
          byte[] value = valueAt(address, key.length);
          if (expired(expireAt)) {
            if (index.removeAddress(hash, address)) {
              markGarbage(address);
              expirations.increment();
              expiredValue = value;
              droppedExpired = !update.expired(value, expireAt);
            }
            address = 0;
          } else {
            current = new EntryUpdate.Current(value, expireAt);
          }
        }
        UpdateWriter writer = new UpdateWriter();
        result = update.apply(current, writer);
        switch (writer.action) {
          case UpdateWriter.PUT -> {
            checkValue(key, writer.value.length);
            checkExpiry(writer.expireAt);
            written = expired(writer.expireAt) ? removeLocked(key, hash) : putLocked(key, hash, writer.value, writer.expireAt);
          }
          case UpdateWriter.SET_EXPIRY -> {
            checkExpiry(writer.expireAt);
            if (address != 0) {
              if (expired(writer.expireAt)) {
                written = removeLocked(key, hash);
              } else {
                setExpiryInPlace(segments.get(segmentId(address)), offset(address), writer.expireAt);
              }
            }
          }
          case UpdateWriter.REMOVE -> written = removeLocked(key, hash);
          default -> { }
        }
      } finally {
        lock.unlock();
      }
      if (droppedExpired) {
        notifyRemoval(key, expiredValue, RemovalListener.Cause.EXPIRED);
      }
      afterWrite(written);
      return result;
    } finally {
      gate.exit(slot);
    }
  }

  private static final class UpdateWriter implements EntryUpdate.Writer {
    static final int NONE = 0;
    static final int PUT = 1;
    static final int SET_EXPIRY = 2;
    static final int REMOVE = 3;

    int action = NONE;
    byte[] value;
    long expireAt;

    @Override
    public void put(byte[] value, long expireAt) {
      this.value = Objects.requireNonNull(value, "value");
      this.expireAt = expireAt;
      this.action = PUT;
    }

    @Override
    public void setExpiry(long expireAt) {
      this.expireAt = expireAt;
      this.action = SET_EXPIRY;
    }

    @Override
    public void remove() {
      this.action = REMOVE;
    }
  }

  /** Makes a write durable as the setting asks, then evicts if the store is over capacity. */
  private void afterWrite(long address) {
    if (address != 0 && options.durability() == Durability.EVERY_WRITE && !options.temporary()) {
      syncTo(address);
    }
    if (overCapacity()) {
      evict();
    }
    if (overDiskBudget()) {
      helpCompact();
    }
  }

  /*
   * Write backpressure for compaction. One background thread compacts, and writers on other cores
   * can append faster than it reclaims (CompactionUnderLoadTest measured 60 MB of segment files for
   * 1.8 MB of live data with two unthrottled writers). Once the segment files pass 4x the live bytes
   * plus 16 segments, a writer that just wrote compacts (or waits for the compaction in progress)
   * before returning, so disk use is bounded whatever the write rate. It holds no key lock here.
   */
  private static final int BACKPRESSURE_SLACK_SEGMENTS = 16;
  private static final int RETIRED_BEFORE_IMAGE = 8;

  private boolean overDiskBudget() {
    long files = segments.fileBytes();
    return files > (long) BACKPRESSURE_SLACK_SEGMENTS * options.segmentSize()
        && files > 4 * liveBytes.sum() + (long) BACKPRESSURE_SLACK_SEGMENTS * options.segmentSize();
  }

  private void helpCompact() {
    maintenanceLock.lock();
    try {
      if (overDiskBudget()) {
        compactEligible();
        if (!retired.isEmpty()) {
          writeImage();
        }
      }
    } finally {
      maintenanceLock.unlock();
    }
  }

  private void syncTo(long address) {
    Segment s = segments.get(segmentId(address));
    if (s == null) {
      return; // compacted away: its copy was forced when the compaction's image was written
    }
    int end = offset(address) + recordSizeAt(address);
    synchronized (syncLock) {
      if (s.syncedPosition >= end) {
        return; // another writer's force covered it: group commit
      }
      int from = s.syncedPosition;
      int to = s.writePosition;
      s.region.force(from, to - from);
      s.syncedPosition = to;
    }
  }

  private void syncActive() {
    Segment s;
    appendLock.lock();
    try {
      s = active;
    } finally {
      appendLock.unlock();
    }
    if (s == null) {
      return;
    }
    synchronized (syncLock) {
      int from = s.syncedPosition;
      int to = s.writePosition;
      if (to > from) {
        s.region.force(from, to - from);
        s.syncedPosition = to;
      }
    }
  }

  private long append(byte kind, byte[] key, byte[] value, long expireAt) {
    int length = align(RecordFormat.recordLength(key == null ? 0 : key.length, value == null ? 0 : value.length));
    appendLock.lock();
    try {
      Segment s = reserve(length);
      int at = s.writePosition;
      long seq = nextSequence++;
      RecordFormat.write(s.region, at, kind, seq, expireAt, key, value, 0, value == null ? 0 : value.length);
      return committed(s, at, length, seq, expireAt);
    } finally {
      appendLock.unlock();
    }
  }

  /** Appends a copy of a record (compaction), keeping its sequence; as a tombstone if asked. */
  private long appendCopy(Segment from, int fromAt, long expireAt, boolean asTombstone) {
    Region src = from.region;
    int length = asTombstone
        ? align(RecordFormat.recordLength(RecordFormat.keyLength(src, fromAt), 0))
        : align(RecordFormat.length(src, fromAt));
    long seq = RecordFormat.sequence(src, fromAt);
    String damage = verification != Verification.NEVER && !from.checked
        ? RecordFormat.check(src, fromAt, from.writePosition) : null;
    appendLock.lock();
    try {
      Segment s = reserve(length);
      if (damage != null) {
        // Copied as it is, so that reads of the copy find the same damage; the segment it lands
        // in is no longer known to be whole, so its reads check again until a scrub passes it.
        s.checked = false;
        s.scrubFailed = false;
        LOG.log(System.Logger.Level.WARNING, "{0}: compaction moved a damaged record (offset {1}: {2}); reads of it report it",
            from.path(), fromAt, damage);
      }
      int at = s.writePosition;
      if (asTombstone) {
        RecordFormat.copyAsTombstone(src, fromAt, s.region, at);
      } else {
        RecordFormat.copy(src, fromAt, s.region, at, expireAt);
      }
      return committed(s, at, length, seq, asTombstone ? NEVER : expireAt);
    } finally {
      appendLock.unlock();
    }
  }

  private long committed(Segment s, int at, int length, long seq, long expireAt) {
    s.writePosition = at + length;
    s.noteRecord(seq, expireAt);
    s.dirtySinceImage = true;
    bytesSinceImage.addAndGet(length);
    return address(s.id, at);
  }

  /** Returns a segment with {@code length} free bytes, starting a new one if needed. Holds appendLock. */
  private Segment reserve(int length) {
    Segment s = active;
    if (s != null && s.writePosition + length <= s.capacity) {
      return s;
    }
    int size = nextSegmentSize(s, length);
    if (s != null && options.durability() != Durability.NONE && !options.temporary()) {
      synchronized (syncLock) {
        int from = s.syncedPosition;
        if (s.writePosition > from) {
          s.region.force(from, s.writePosition - from);
        }
        s.syncedPosition = s.writePosition;
      }
    }
    Segment next;
    try {
      Segment adopted = adoptSpare(size);
      next = adopted != null ? adopted : Segment.create(directory, nextSegmentId, size, storeId, clock.getAsLong());
    } catch (UncheckedIOException e) {
      // Nothing was written: the partial file is gone, and the store stays readable; the same
      // roll is tried again by the next write (docs/store.md, "Disk space and read-only directories").
      throw new StorageException(directory + ": cannot start segment " + Segment.fileName(nextSegmentId)
          + " (" + size + " bytes), so this write was not made: " + MappedFile.describe(e.getCause()), e.getCause());
    }
    nextSegmentId++;
    segments.add(next);
    active = next;
    return next;
  }

  /** The size of the segment that follows {@code s} (null: the first) for a record of {@code length} bytes. */
  private int nextSegmentSize(Segment s, int length) {
    int size = s == null ? FIRST_SEGMENT_SIZE : (int) Math.min((long) s.capacity * 4, Integer.MAX_VALUE);
    size = Math.min(size, options.segmentSize());
    int needed = (Segment.HEADER + length + 4095) & ~4095;
    return Math.max(size, needed);
  }

  /**
   * Makes the prepared file, if there is one of {@code size} bytes, segment nextSegmentId; null if
   * there is none or it cannot be used (then the caller creates the segment as without one). The
   * caller holds appendLock.
   */
  private Segment adoptSpare(int size) {
    Spare s;
    synchronized (spareLock) {
      s = spare;
      if (s == null || s.size != size) {
        return null;
      }
      spare = null;
    }
    try {
      Segment adopted = Segment.adopt(directory, s.path, nextSegmentId, size, storeId, clock.getAsLong());
      sparesAdopted.incrementAndGet();
      return adopted;
    } catch (UncheckedIOException e) {
      LOG.log(System.Logger.Level.WARNING, directory + ": the prepared next segment could not be used; creating one", e);
      deleteQuietly(s.path);
      return null;
    }
  }

  /**
   * Starts preparing the next segment's file in the background once the active segment is half
   * full, unless one of the right size is ready or being written. Not while less than twice its
   * size is free on the disk (it must not take the space the writes need), and not for
   * SPARE_RETRY_NANOS after a failure. Runs on the maintenance thread.
   */
  private void prepareSpare() {
    if (!options.backgroundMaintenance() || options.readOnly()) {
      return;
    }
    int size;
    appendLock.lock();
    try {
      Segment a = active;
      if (a == null || a.writePosition < a.capacity / 2) {
        return;
      }
      size = nextSegmentSize(a, 0);
    } finally {
      appendLock.unlock();
    }
    synchronized (spareLock) {
      if (closed || (spareTask != null && !spareTask.isDone()) || System.nanoTime() < spareRetryAt) {
        return;
      }
      if (spare != null) {
        if (spare.size == size) {
          return;
        }
        deleteQuietly(spare.path);
        spare = null;
      }
      Path path = directory.resolve(SPARE_NAMES.incrementAndGet() + SPARE_SUFFIX);
      spareTask = SPARES.submit(() -> writeSpare(path, size));
    }
  }

  private void writeSpare(Path path, int size) {
    if (closed) {
      return; // queued behind another store's file while this one closed
    }
    try {
      long usable = Files.getFileStore(directory).getUsableSpace();
      if (usable < 2L * size) {
        throw new IOException(usable + " bytes free, less than twice the " + size + " to prepare");
      }
      MappedFile.preallocate(path, size);
    } catch (IOException | UncheckedIOException e) {
      LOG.log(System.Logger.Level.DEBUG, () -> directory + ": not preparing the next segment: " + e.getMessage());
      synchronized (spareLock) {
        spareRetryAt = System.nanoTime() + SPARE_RETRY_NANOS;
      }
      return;
    }
    synchronized (spareLock) {
      if (closed) {
        deleteQuietly(path);
      } else {
        spare = new Spare(path, size);
      }
    }
  }

  /** Waits for a preparation in flight and deletes the prepared file; for close(). */
  private void discardSpare() {
    Future<?> pending;
    synchronized (spareLock) {
      pending = spareTask;
    }
    if (pending != null) {
      try {
        pending.get(); // it sees closed and deletes its own file
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException e) {
        LOG.log(System.Logger.Level.DEBUG, () -> directory + ": preparing the next segment failed: " + e.getCause());
      }
    }
    synchronized (spareLock) {
      if (spare != null) {
        deleteQuietly(spare.path);
        spare = null;
      }
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, () -> path + ": cannot delete: " + e);
    }
  }

  @Override
  public void clear() {
    int slot = enterToWrite();
    try {
      lockAllKeys();
      long address;
      try {
        address = append(CLEAR, null, null, NEVER);
        segments.get(segmentId(address)).garbageBytes.addAndGet(recordSizeAt(address));
        clearFloor = RecordFormat.sequence(segments.get(segmentId(address)).region, offset(address));
        index.clear();
        for (Segment s : segments.all()) {
          long live = s.liveBytes.getAndSet(0);
          s.garbageBytes.addAndGet(live);
        }
        liveBytes.reset();
      } finally {
        unlockAllKeys();
      }
      afterWrite(address);
    } finally {
      gate.exit(slot);
    }
  }

  /** Takes every key lock, in index order (the one order every multi-key locker uses). */
  private void lockAllKeys() {
    for (ReentrantLock l : keyLocks) {
      l.lock();
    }
  }

  private void unlockAllKeys() {
    for (int i = keyLocks.length - 1; i >= 0; i--) {
      keyLocks[i].unlock();
    }
  }

  // ---------------------------------------------------------------- capacity

  private boolean overCapacity() {
    long maxEntries = options.maxEntries();
    long maxBytes = options.maxBytes();
    return (maxEntries > 0 && index.size() > maxEntries) || (maxBytes > 0 && liveBytes.sum() > maxBytes);
  }

  /*
   * FIFO eviction: a cursor walks the log from its oldest record and evicts each live entry it
   * meets until the store is within bounds. It needs no per-entry access metadata, so reads stay
   * free of writes; the price is that a hot old entry is evicted like a cold one (and comes back on
   * its next load), which suits the caches this store backs (bounded Hibernate regions, read-through
   * JCache caches). One thread evicts at a time; others skip it rather than queue.
   */
  private void evict() {
    if (!evictionLock.tryLock()) {
      return;
    }
    try {
      long budget = bytesInUse() * 2 + 1;
      while (overCapacity() && budget > 0) {
        Segment s = segmentAtOrAfter(evictSegment);
        if (s == null) {
          Segment[] all = segments.all();
          if (all.length == 0) {
            return;
          }
          s = all[0];
          evictSegment = s.id;
          evictOffset = Segment.HEADER;
        }
        if (s.id != evictSegment) {
          evictSegment = s.id;
          evictOffset = Segment.HEADER;
        }
        int at = evictOffset;
        if (at + HEADER > s.writePosition || RecordFormat.length(s.region, at) == 0) {
          Segment next = segmentAtOrAfter(s.id + 1);
          if (next == null) {
            evictSegment = Integer.MAX_VALUE; // wrap to the oldest segment next round
          } else {
            evictSegment = next.id;
            evictOffset = Segment.HEADER;
          }
          budget -= HEADER;
          continue;
        }
        int size = align(RecordFormat.length(s.region, at));
        evictOffset = at + size;
        budget -= size;
        if (RecordFormat.kind(s.region, at) == PUT) {
          evictRecord(s, at);
        }
      }
    } finally {
      evictionLock.unlock();
    }
  }

  private long bytesInUse() {
    long n = 0;
    for (Segment s : segments.all()) {
      n += s.writePosition;
    }
    return n;
  }

  private Segment segmentAtOrAfter(int id) {
    for (Segment s : segments.all()) {
      if (s.id >= id) {
        return s;
      }
    }
    return null;
  }

  private void evictRecord(Segment s, int at) {
    byte[] key = new byte[RecordFormat.keyLength(s.region, at)];
    s.region.getBytes(at + HEADER, key, 0, key.length);
    long hash = hasher.hash(key);
    long address = address(s.id, at);
    ReentrantLock lock = keyLock(hash);
    if (!lock.tryLock()) {
      return;
    }
    byte[] value;
    try {
      if (!index.holds(hash, address)) {
        return;
      }
      value = options.removalListener() == null ? null : valueAt(address, key.length);
      long tombstone = removeLocked(key, hash);
      if (tombstone == 0) {
        return;
      }
    } finally {
      lock.unlock();
    }
    evictions.increment();
    notifyRemoval(key, value, RemovalListener.Cause.EVICTED);
  }

  // ---------------------------------------------------------------- iteration, size, stats

  @Override
  public Iterator<Entry> iterator() {
    if (gate.isClosed()) {
      throw new ClosedException(directory);
    }
    return new EntryIterator();
  }

  /*
   * Walks the index stripe by stripe. For each stripe it copies the keys (under the stripe's read
   * lock for the addresses, then from the records), and then reads each key's current value as it
   * is returned. A key lives in exactly one stripe, so no entry is returned twice.
   */
  private final class EntryIterator implements Iterator<Entry> {
    private int stripe;
    private List<byte[]> keys = List.of();
    private int position;
    private Entry next;
    private byte[] lastKey;

    @Override
    public boolean hasNext() {
      while (next == null) {
        if (position < keys.size()) {
          byte[] key = keys.get(position++);
          next = entryOf(key);
          continue;
        }
        if (stripe >= index.stripeCount()) {
          return false;
        }
        keys = keysOfStripe(stripe++);
        position = 0;
      }
      return true;
    }

    @Override
    public Entry next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Entry e = next;
      next = null;
      lastKey = e.key();
      return e;
    }

    @Override
    public void remove() {
      if (lastKey == null) {
        throw new IllegalStateException("next() has not returned an entry to remove");
      }
      LogStore.this.remove(lastKey);
      lastKey = null;
    }
  }

  private List<byte[]> keysOfStripe(int stripe) {
    int slot = enter();
    try {
      retry:
      while (true) {
        long[] pairs = index.snapshot(stripe);
        List<byte[]> keys = new ArrayList<>(pairs.length / 2);
        for (int j = 0; j < pairs.length; j += 2) {
          Segment s = segments.get(segmentId(pairs[j + 1]));
          if (s == null) {
            continue retry; // a compaction moved records meanwhile
          }
          int at = offset(pairs[j + 1]);
          int keyLength = RecordFormat.keyLength(s.region, at);
          if (keyLength > s.capacity - at - HEADER) { // a damaged header; the record's own read reports it
            throw new CorruptedException(s.path(), at, "record key length " + keyLength + " runs past the end of the segment");
          }
          byte[] key = new byte[keyLength];
          s.region.getBytes(at + HEADER, key, 0, key.length);
          keys.add(key);
        }
        return keys;
      }
    } finally {
      gate.exit(slot);
    }
  }

  private Entry entryOf(byte[] key) {
    int slot = enter();
    try {
      long hash = hasher.hash(key);
      while (true) {
        long address = locate(key, hash);
        if (address == 0) {
          return null;
        }
        Segment s = segments.get(segmentId(address));
        if (s == null) {
          continue;
        }
        int at = offset(address);
        if (mustCheck(s)) {
          verifyRecord(s, at);
        }
        long expireAt = expiryOf(s, at);
        if (expired(expireAt)) {
          return null;
        }
        return new Entry(key, valueAt(address, key.length), expireAt);
      }
    } finally {
      gate.exit(slot);
    }
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
      long files = 0;
      Segment[] all = segments.all();
      for (Segment s : all) {
        live += s.liveBytes.get();
        garbage += s.garbageBytes.get();
        files += s.capacity;
      }
      return new StoreStats(index.size(), live, garbage, all.length, files, evictions.sum(),
          expirations.sum(), compactions.get());
    } finally {
      gate.exit(slot);
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  // ---------------------------------------------------------------- maintenance

  private void maintain() {
    if (!recovered || closed || !maintenanceLock.tryLock()) {
      return;
    }
    try {
      int slot = gate.enter();
      if (slot < 0) {
        return;
      }
      try {
        long now = clock.getAsLong();
        if (options.durability() == Durability.INTERVAL && !options.temporary() && now - lastSyncMillis >= options.syncInterval().toMillis()) {
          syncActive();
          lastSyncMillis = now;
        }
        sweepExpired(now);
        compactEligible();
        scrubOne();
        if (!retired.isEmpty() || bytesSinceImage.get() >= options.checkpointBytes()) {
          writeImage();
        }
        prepareSpare();
      } finally {
        gate.exit(slot);
      }
    } catch (RuntimeException | Error e) {
      LOG.log(System.Logger.Level.WARNING, "maintenance of " + directory + " failed; will retry", e);
    } finally {
      maintenanceLock.unlock();
    }
  }

  /**
   * Checks every record of one segment not yet known to be whole (Verification.ONCE: a segment
   * found on disk at open) and trusts it from then on if all pass, so reads of it skip the check.
   * One segment per maintenance tick, so the lock is not held for the whole log at once. Holds
   * maintenanceLock (compaction, the only other writer of Segment.checked, runs under it too).
   */
  private void scrubOne() {
    if (verification != Verification.ONCE) {
      return;
    }
    for (Segment s : segments.all()) {
      if (s.checked || s.scrubFailed) {
        continue;
      }
      int at = firstDamage(s);
      if (at < 0) {
        s.checked = true;
      } else {
        s.scrubFailed = true;
        LOG.log(System.Logger.Level.WARNING, "{0}: record at offset {1} fails its check ({2}); reads of the segment "
            + "keep checking every record and report it", s.path(), at, RecordFormat.check(s.region, at, s.writePosition));
      }
      return;
    }
  }

  /** Returns how many segments reads still check record by record (Verification.ONCE; tests). */
  int uncheckedSegments() {
    int n = 0;
    for (Segment s : segments.all()) {
      n += s.checked ? 0 : 1;
    }
    return n;
  }

  /** Returns the offset of the first record of {@code s} that fails its check, or -1 if all pass. */
  private static int firstDamage(Segment s) {
    Region r = s.region;
    int end = s.writePosition;
    int at = Segment.HEADER;
    while (at + HEADER <= end) {
      if (RecordFormat.check(r, at, end) != null) {
        return at;
      }
      at += align(RecordFormat.length(r, at));
    }
    return -1;
  }

  /** Drops expired entries from segments whose earliest expiry has passed. Holds maintenanceLock. */
  private void sweepExpired(long now) {
    for (Segment s : segments.all()) {
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
          if (expireAt != NEVER) {
            if (expireAt <= now) {
              dropExpiredRecord(s, at);
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

  private void dropExpiredRecord(Segment s, int at) {
    byte[] key = new byte[RecordFormat.keyLength(s.region, at)];
    s.region.getBytes(at + HEADER, key, 0, key.length);
    long hash = hasher.hash(key);
    long address = address(s.id, at);
    if (index.holds(hash, address)) {
      dropExpired(key, hash, address);
    }
  }

  @Override
  public int compact() {
    int slot = enterToWrite();
    try {
      maintenanceLock.lock();
      try {
        int n = compactEligible();
        if (!retired.isEmpty()) {
          writeImage();
        }
        return n;
      } finally {
        maintenanceLock.unlock();
      }
    } finally {
      gate.exit(slot);
    }
  }

  /** Compacts sealed segments past the garbage threshold, most garbage first. Holds maintenanceLock. */
  private int compactEligible() {
    Segment current;
    appendLock.lock();
    try {
      current = active;
    } finally {
      appendLock.unlock();
    }
    List<Segment> victims = new ArrayList<>();
    // Only segments older than the active one sampled above: a writer may have rolled to a new
    // segment since, and that one is active now (compacting it would retire it under the writers).
    for (Segment s : segments.all()) {
      if (current != null && s.id < current.id && s.garbageRatio() >= options.compactionThreshold()) {
        victims.add(s);
      }
    }
    victims.sort(Comparator.comparingDouble(Segment::garbageRatio).reversed());
    for (Segment s : victims) {
      compactSegment(s);
      if (retired.size() >= RETIRED_BEFORE_IMAGE) {
        writeImage(); // deletes the retired files, so a long pass does not hold them all on disk
      }
    }
    return victims.size();
  }

  /*
   * Moves the live records of a sealed segment to the head of the log and retires it. Each move
   * holds the record's key lock, so it cannot interleave with a write of the same key: a move
   * copies only what the index points at, at that instant, and the index is redirected before the
   * lock is released. Readers that probed the old address keep reading the old, still mapped,
   * record until they finish.
   */
  private void compactSegment(Segment victim) {
    Region r = victim.region;
    int end = victim.writePosition;
    long now = clock.getAsLong();
    long moved = 0;
    for (int at = Segment.HEADER; at + HEADER <= end; ) {
      int length = RecordFormat.length(r, at);
      if (length == 0) {
        break;
      }
      int size = align(length);
      byte kind = RecordFormat.kind(r, at);
      long seq = RecordFormat.sequence(r, at);
      if (kind == CLEAR) {
        if (seq >= clearFloor && olderRecordsMayExist(seq, victim)) {
          appendCopy(victim, at, NEVER, true);
        }
      } else {
        byte[] key = new byte[RecordFormat.keyLength(r, at)];
        r.getBytes(at + HEADER, key, 0, key.length);
        long hash = hasher.hash(key);
        long address = address(victim.id, at);
        ReentrantLock lock = keyLock(hash);
        boolean droppedExpired = false;
        byte[] expiredValue = null;
        lock.lock();
        try {
          if (kind == PUT && index.holds(hash, address)) {
            long expireAt = RecordFormat.expireAt(r.getLong(at + RecordFormat.OFF_EXPIRY), seq);
            if (expireAt != NEVER && expireAt <= now) {
              expiredValue = options.removalListener() == null ? null : valueAt(address, key.length);
              index.removeAddress(hash, address);
              liveBytes.add(-size);
              expirations.increment();
              droppedExpired = true;
              if (olderRecordsMayExist(seq, victim)) {
                long copy = appendCopy(victim, at, NEVER, true);
                segments.get(segmentId(copy)).garbageBytes.addAndGet(recordSizeAt(copy));
              }
            } else {
              long copy = appendCopy(victim, at, expireAt, false);
              index.replaceAddress(hash, address, copy);
              segments.get(segmentId(copy)).liveBytes.addAndGet(size);
              moved += size;
            }
          } else {
            // Superseded, removed, expired or a tombstone. Carry it forward as a tombstone only if
            // it is the latest word on the key and an older record may still exist elsewhere.
            // A current record with the same sequence is this record's own copy, left by a pass
            // that failed part way (a full disk at a roll): a tombstone of it would hide it.
            long current = locate(key, hash);
            boolean newer = current != 0 && sequenceAt(current) >= seq;
            if (!newer && seq >= clearFloor && olderRecordsMayExist(seq, victim)) {
              long copy = appendCopy(victim, at, NEVER, true);
              segments.get(segmentId(copy)).garbageBytes.addAndGet(recordSizeAt(copy));
            }
          }
        } finally {
          lock.unlock();
        }
        if (droppedExpired) {
          notifyRemoval(key, expiredValue, RemovalListener.Cause.EXPIRED);
        }
      }
      at += size;
    }
    segments.remove(victim);
    retired.add(victim);
    compactions.incrementAndGet();
    LOG.log(System.Logger.Level.DEBUG, "compacted {0}: moved {1} live bytes", victim.path(), moved);
  }

  private boolean olderRecordsMayExist(long sequence, Segment victim) {
    for (Segment s : segments.all()) {
      if (s != victim && s.minSequence < sequence) {
        return true;
      }
    }
    return false;
  }

  /*
   * Writes index.img as of a checkpoint taken now, after forcing every segment it may point into,
   * then deletes the files of segments retired before it.
   */
  private void writeImage() {
    if (options.temporary()) {
      synchronized (imageLock) {
        releaseRetired(new ArrayList<>(retired));
      }
      return;
    }
    synchronized (imageLock) {
      int cpSegment;
      int cpOffset;
      long nextSeq;
      long sinceImage;
      List<Segment> retiredNow = new ArrayList<>(retired);
      // The checkpoint must lie after only records the index already holds. A write appends its
      // record and then points the index at it, both under its key's lock; holding every key lock
      // while reading the log's end means no write is between those two steps. (Reading the end
      // under the append lock alone lost writes: CrashRecoveryTest, INTERVAL, seed 5202072935902.)
      lockAllKeys();
      try {
        appendLock.lock();
        try {
          cpSegment = active == null ? 0 : active.id;
          cpOffset = active == null ? Segment.HEADER : active.writePosition;
          nextSeq = nextSequence;
          sinceImage = bytesSinceImage.getAndSet(0);
        } finally {
          appendLock.unlock();
        }
      } finally {
        unlockAllKeys();
      }
      Segment[] all = segments.all();
      SegmentInfo[] infos = new SegmentInfo[all.length];
      for (int i = 0; i < all.length; i++) {
        Segment s = all[i];
        if (s.dirtySinceImage) {
          s.dirtySinceImage = false;
          s.region.force(0, s.writePosition);
        }
        infos[i] = new SegmentInfo(s.id, s.writePosition, Math.max(0, s.liveBytes.get()),
            Math.max(0, s.garbageBytes.get()), s.minSequence, s.earliestExpiry);
      }
      try {
        IndexImage.write(directory, storeId, new Checkpoint(cpSegment, cpOffset, nextSeq, clearFloor, infos, 0), index);
      } catch (RuntimeException e) {
        bytesSinceImage.addAndGet(sinceImage); // the previous image still stands; try again as before
        throw e;
      }
      releaseRetired(retiredNow);
    }
  }

  /** Deletes the files of retired segments; their mappings go when unreachable, or at close. Holds imageLock. */
  private void releaseRetired(List<Segment> retiredNow) {
    for (Segment s : retiredNow) {
      deleteFile(s.path());
      released.add(new WeakReference<>(s.file));
    }
    retired.removeAll(retiredNow);
    released.removeIf(ref -> ref.get() == null);
  }

  @Override
  public void flush() {
    int slot = enterToWrite();
    try {
      maintenanceLock.lock();
      try {
        if (!options.temporary()) {
          syncActive();
        }
        writeImage();
      } finally {
        maintenanceLock.unlock();
      }
    } finally {
      gate.exit(slot);
    }
  }

  @Override
  public void verify() {
    int slot = enter();
    try {
      for (Segment s : segments.all()) {
        int at = firstDamage(s);
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
    if (maintenanceTask != null) {
      maintenanceTask.cancel(false);
    }
    gate.closeAndDrain();
    discardSpare();
    RuntimeException failure = null;
    maintenanceLock.lock();
    try {
      try {
        if (!options.temporary() && !options.readOnly()) {
          syncActive();
          writeImage();
        }
      } catch (RuntimeException e) {
        failure = e;
      }
      synchronized (imageLock) {
        for (Segment s : segments.all()) {
          s.file.close();
        }
        for (Segment s : retired) {
          s.file.close();
        }
        for (WeakReference<MappedFile> ref : released) {
          MappedFile f = ref.get();
          if (f != null) {
            f.close();
          }
        }
        released.clear();
      }
    } finally {
      maintenanceLock.unlock();
      try {
        if (fileLock != null) {
          fileLock.release();
          lockChannel.close();
        }
      } catch (IOException e) {
        if (failure == null) {
          failure = new StorageException(directory.resolve(LOCK_FILE) + ": cannot release: " + e, e);
        }
      }
    }
    if (options.temporary()) {
      try {
        deleteDirectory();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void deleteDirectory() {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
      for (Path p : files) {
        Files.deleteIfExists(p);
      }
      Files.deleteIfExists(directory);
    } catch (IOException e) {
      throw new StorageException(directory + ": cannot delete the temporary store: " + e, e);
    }
  }

  @Override
  public String toString() {
    return "Store[" + directory + (closed ? ", closed" : "") + "]";
  }

  /** Whether a prepared next-segment file is ready; for tests. */
  boolean spareReadyForTest() {
    synchronized (spareLock) {
      return spare != null;
    }
  }

  /** How many rolls used a prepared file; for tests. */
  long sparesAdoptedForTest() {
    return sparesAdopted.get();
  }

  List<Segment> segmentsForTest() {
    return Arrays.asList(segments.all());
  }
}
