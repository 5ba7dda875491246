package io.inkv.store;

import static io.inkv.store.RecordFormat.align;

import io.inkv.store.internal.DurableFiles;
import io.inkv.store.internal.SpinningLock;
import io.inkv.store.memory.MappedFile;
import io.inkv.store.memory.Region;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Every file of a store's directory, and the log appended into them. This is the one class that
 * knows the files' names:
 *
 *   inkv.lock      held (shared when read-only) while a store has the directory open
 *   inkv.manifest  what the directory is (Manifest), written once
 *   index.img      the index image (KeyIndex), replaced atomically by rename
 *   NNNNNNNNNN.seg the segments (Segment), in id order; the highest is the active one
 *   *.tmp          unfinished atomic writes and the spare segment (*.next.tmp); deleted at open
 *   *.meta         files of layers above the store (documents.meta, replication.meta); left alone
 *
 * Appending: the active segment takes records under the append lock; a record that does not fit
 * rolls to a new segment (256 KiB first, then four times larger up to the configured size), using
 * the spare segment if one of the right size is ready; the append that fills half of the active
 * segment has the spare written by a background thread. Syncing: a group commit forces the
 * active segment's unsynced range once for every writer waiting on it.
 *
 * Retired segments (compaction) are removed from the table at once, but their files are deleted
 * only after an index image that no longer refers to them is on disk; their mappings are left to
 * the garbage collector (a ValueView may still point into them) and close() unmaps what is left.
 *
 * A snapshot (Store.snapshot) runs under the store's maintenance lock, so no image is written and
 * no segment deleted meanwhile: it writes an image, hard-links it, the manifest, the sealed
 * segments and the *.meta files, and copies the active segment's prefix up to a position read
 * after the image, which covers every record the image points at. Writers are never paused: a
 * writer that would help compaction (over the disk budget) skips that help while a snapshot holds
 * the lock, instead of waiting for it.
 */
final class StoreFiles {
  private static final System.Logger LOG = System.getLogger(StoreFiles.class.getName());
  static final String LOCK_FILE = "inkv.lock";
  static final String MANIFEST_FILE = "inkv.manifest";
  static final String IMAGE_FILE = "index.img";
  static final String SEGMENT_SUFFIX = ".seg";
  static final String META_SUFFIX = ".meta";
  private static final String SPARE_SUFFIX = ".next" + DurableFiles.TEMP_SUFFIX;
  private static final AtomicLong SPARE_NAMES = new AtomicLong();
  private static final int FIRST_SEGMENT_SIZE = 256 << 10;

  private final StoreOptions options;
  private final Path directory;
  private final long storeId;
  private final FileChannel lockChannel;
  private final FileLock fileLock;
  private final boolean hasImage;
  final SegmentTable segments = new SegmentTable();
  final SpareSegment spare;
  /*
   * How this store's new segment files are written (MappedFile.Pages): 2 MiB writes, so that the
   * kernel can map them in 2 MiB pages, except for a store that forces every write, where each
   * force would write back a whole 2 MiB folio for one record.
   */
  private final MappedFile.Pages pages;

  private final ReentrantLock appendLock = new SpinningLock();
  private final Object syncLock = new Object();
  private final Object imageLock = new Object();
  // Appender state, guarded by appendLock.
  private Segment active;
  private long nextSequence = 1;
  private int nextSegmentId = 1;

  /** Records older than this sequence were removed by a clear. */
  volatile long clearFloor;
  private final AtomicLong bytesSinceImage = new AtomicLong();
  private final List<Segment> retired = new ArrayList<>(); // guarded by the store's maintenance lock
  private final List<WeakReference<MappedFile>> released = new ArrayList<>(); // guarded by imageLock
  private long bytesInPosition; // guarded by imageLock: bytesSinceImage when the last position was taken

  private StoreFiles(StoreOptions options, long storeId, FileChannel lockChannel, FileLock fileLock, boolean hasImage) {
    this.options = options;
    this.directory = options.directory();
    this.storeId = storeId;
    this.lockChannel = lockChannel;
    this.fileLock = fileLock;
    this.hasImage = hasImage;
    this.pages = options.durability() == Durability.EVERY_WRITE ? MappedFile.Pages.SMALL : MappedFile.Pages.HUGE;
    this.spare = new SpareSegment(directory, pages);
  }

  // ---------------------------------------------------------------- names

  static String segmentFileName(int id) {
    return String.format("%010d", id) + SEGMENT_SUFFIX;
  }

  /** Returns the segment id a file name denotes, or -1 if it is not a segment file name. */
  static int segmentId(String name) {
    if (name.length() != 14 || !name.endsWith(SEGMENT_SUFFIX)) {
      return -1;
    }
    try {
      long id = Long.parseLong(name.substring(0, 10));
      return id > 0 && id <= Integer.MAX_VALUE ? (int) id : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static boolean holdsStore(Path directory) {
    return Files.isRegularFile(directory.resolve(MANIFEST_FILE));
  }

  Path directory() {
    return directory;
  }

  long storeId() {
    return storeId;
  }

  Path imageFile() {
    return directory.resolve(IMAGE_FILE);
  }

  /** Whether the directory held an index image when it was opened. */
  boolean hasImage() {
    return hasImage;
  }

  // ---------------------------------------------------------------- open

  /**
   * Creates the directory if asked, takes its lock, reads or writes the manifest and maps every
   * segment; the caller recovers the index from them, and closes the files if that fails.
   */
  static StoreFiles open(StoreOptions options) {
    Path dir = options.directory();
    createDirectory(options);
    Path lockFile = dir.resolve(LOCK_FILE);
    boolean lockFileFound = options.readOnly() || Files.exists(lockFile);
    FileChannel lockChannel = openLockFile(options);
    FileLock lock = lock(options, lockChannel);
    StoreFiles files = null;
    try {
      files = list(options, lockChannel, lock);
      return files;
    } catch (RuntimeException | Error e) {
      if (files != null) {
        files.closeSegments();
      }
      if (lock != null) {
        if (!lockFileFound) {
          // A refused directory (foreign files, a damaged manifest) is left as it was found. The
          // file goes while its lock is held, so no other opener holds a lock on it.
          try {
            Files.deleteIfExists(lockFile);
          } catch (IOException suppressed) {
            e.addSuppressed(suppressed);
          }
        }
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

  private static void createDirectory(StoreOptions options) {
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
  }

  private static FileChannel openLockFile(StoreOptions options) {
    Path file = options.directory().resolve(LOCK_FILE);
    try {
      return options.readOnly()
          ? FileChannel.open(file, StandardOpenOption.READ)
          : FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (NoSuchFileException e) {
      return null; // read-only, and no writer ever opened it here: nothing to exclude
    } catch (IOException e) {
      throw new Store.StorageException(file + ": cannot open: " + MappedFile.describe(e)
          + (options.readOnly() ? "" : "; a store on a read-only directory can be opened with readOnly(true)"), e);
    }
  }

  private static FileLock lock(StoreOptions options, FileChannel lockChannel) {
    if (lockChannel == null) {
      return null;
    }
    Path dir = options.directory();
    try {
      FileLock lock = lockChannel.tryLock(0, Long.MAX_VALUE, options.readOnly());
      if (lock == null) {
        throw new Store.AlreadyOpenException(dir, "by another process");
      }
      return lock;
    } catch (OverlappingFileLockException e) {
      closeQuietly(lockChannel);
      throw new Store.AlreadyOpenException(dir, "in this process");
    } catch (IOException e) {
      closeQuietly(lockChannel);
      throw new Store.StorageException(dir.resolve(LOCK_FILE) + ": cannot lock: " + e, e);
    } catch (RuntimeException e) {
      closeQuietly(lockChannel);
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

  private static StoreFiles list(StoreOptions options, FileChannel lockChannel, FileLock lock) {
    Path dir = options.directory();
    TreeMap<Integer, Path> segmentFiles = new TreeMap<>();
    boolean hasManifest = false;
    boolean hasImage = false;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path p : files) {
        String name = p.getFileName().toString();
        if (name.startsWith(".") || name.equals(LOCK_FILE) || name.endsWith(META_SUFFIX)) {
          continue; // *.meta: owned by a layer above the store
        }
        if (name.equals(MANIFEST_FILE)) {
          hasManifest = true;
        } else if (name.equals(IMAGE_FILE)) {
          hasImage = true;
        } else if (name.endsWith(DurableFiles.TEMP_SUFFIX)) {
          if (!options.readOnly()) {
            Files.delete(p); // an atomic write that did not finish
          }
        } else if (segmentId(name) > 0 && Files.isRegularFile(p)) {
          segmentFiles.put(segmentId(name), p);
        } else {
          throw new Store.FormatException(p, "is not an inkv file; a store directory holds only "
              + MANIFEST_FILE + ", " + LOCK_FILE + ", " + IMAGE_FILE + ", segment files (0000000001.seg) and *.meta files");
        }
      }
    } catch (IOException e) {
      throw new Store.StorageException(dir + ": cannot list the store directory: " + e, e);
    }
    Manifest manifest = manifest(options, hasManifest, !segmentFiles.isEmpty() || hasImage);
    StoreFiles store = new StoreFiles(options, manifest.storeId(), lockChannel, lock, hasImage);
    try {
      store.openSegments(segmentFiles);
    } catch (RuntimeException | Error e) {
      store.closeSegments();
      throw e;
    }
    return store;
  }

  private static Manifest manifest(StoreOptions options, boolean exists, boolean holdsData) {
    Path dir = options.directory();
    Path file = dir.resolve(MANIFEST_FILE);
    KeyHasher hasher = options.keyHasher();
    if (exists) {
      Manifest manifest = Manifest.read(file);
      if (!manifest.keyHash().equals(hasher.name())) {
        throw new Store.FormatException(file, "store uses key hash " + manifest.keyHash() + ", not " + hasher.name());
      }
      return manifest;
    }
    if (holdsData) {
      throw new Store.FormatException(file, "is missing, but the directory holds segment files or an index image");
    }
    if (options.readOnly()) {
      throw new Store.StorageException(dir + ": no store here (no " + MANIFEST_FILE + ") and the store is opened read-only", null);
    }
    Manifest manifest = new Manifest(new SecureRandom().nextLong(), hasher.name());
    manifest.write(file, !options.temporary());
    return manifest;
  }

  private void openSegments(TreeMap<Integer, Path> files) {
    int last = files.isEmpty() ? 0 : files.lastKey();
    for (var e : files.entrySet()) {
      Path p = e.getValue();
      if (e.getKey() == last && unfinished(p)) {
        LOG.log(System.Logger.Level.WARNING, "{0}: " + (options.readOnly() ? "ignoring" : "deleting")
            + " a segment file whose creation did not finish", p);
        if (!options.readOnly()) {
          deleteFile(p);
        }
        continue;
      }
      segments.add(Segment.open(p, e.getKey(), storeId, !options.readOnly()));
    }
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
      ByteBuffer b = ByteBuffer.allocate(Segment.HEADER + 8).order(ByteOrder.LITTLE_ENDIAN);
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

  static void deleteFile(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new Store.StorageException(p + ": cannot delete: " + e, e);
    }
  }

  /** Drops a segment that an index image says was retired before it (recovery). */
  void dropRetired(Segment s) {
    segments.remove(s);
    s.file.close();
    if (!options.readOnly()) {
      deleteFile(s.path());
    }
  }

  /** Makes the newest segment the active one once recovery has replayed the log. */
  void resume(long nextSequence) {
    appendLock.lock();
    try {
      this.nextSequence = nextSequence;
      Segment[] all = segments.all();
      if (all.length > 0) {
        active = all[all.length - 1];
        nextSegmentId = active.id + 1;
      }
      for (Segment s : all) {
        s.syncedPosition = s.writePosition;
        s.sealed = s != active;
      }
    } finally {
      appendLock.unlock();
    }
  }

  // ---------------------------------------------------------------- appending

  /** Appends a record with the next sequence; returns its address. */
  long append(byte kind, byte[] key, byte[] value, long expireAt) {
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
  long appendCopy(Segment from, int fromAt, long expireAt, boolean asTombstone) {
    Region src = from.region;
    int length = asTombstone
        ? align(RecordFormat.recordLength(RecordFormat.keyLength(src, fromAt), 0))
        : align(RecordFormat.length(src, fromAt));
    long seq = RecordFormat.sequence(src, fromAt);
    String damage = options.verification() != Verification.NEVER && !from.checked
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
      return committed(s, at, length, seq, asTombstone ? Store.NEVER : expireAt);
    } finally {
      appendLock.unlock();
    }
  }

  private long committed(Segment s, int at, int length, long seq, long expireAt) {
    s.writePosition = at + length;
    if (at == Segment.HEADER) {
      prepareSpare(); // the segment's first record: the next file's writing starts now, not at a tick
    }
    s.noteRecord(seq, expireAt);
    s.dirtySinceImage = true;
    bytesSinceImage.addAndGet(length);
    return Segment.address(s.id, at);
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
      next = newSegment(nextSegmentId, size);
    } catch (UncheckedIOException e) {
      // Nothing was written: the partial file is gone, and the store stays readable; the same
      // roll is tried again by the next write (docs/store.md, "Disk space and read-only directories").
      throw new Store.StorageException(directory + ": cannot start segment " + segmentFileName(nextSegmentId)
          + " (" + size + " bytes), so this write was not made: " + MappedFile.describe(e.getCause()), e.getCause());
    }
    if (options.durability() != Durability.NONE && !options.temporary()) {
      // The new segment's name (a create, or the spare's rename) is a change to the directory: a
      // write forced into the segment is durable only once that change is.
      DurableFiles.forceDirectory(directory);
    }
    nextSegmentId++;
    segments.add(next);
    active = next;
    if (s != null) {
      s.sealed = true; // no append goes there any more: reads may copy its records (ColdReads)
    }
    return next;
  }

  /** Creates segment {@code id}, from the spare file if it is ready and {@code size} bytes. */
  private Segment newSegment(int id, int size) {
    Path path = directory.resolve(segmentFileName(id));
    Segment adopted = adoptSpare(size, path);
    return adopted != null ? adopted : Segment.create(path, id, size, storeId, options.clock().getAsLong(), pages);
  }

  /** The size of the segment that follows {@code s} (null: the first) for a record of {@code length} bytes. */
  private int nextSegmentSize(Segment s, int length) {
    int size = s == null ? FIRST_SEGMENT_SIZE : (int) Math.min((long) s.capacity * 4, Integer.MAX_VALUE);
    size = Math.min(size, options.segmentSize());
    int needed = (Segment.HEADER + length + 4095) & ~4095;
    return Math.max(size, needed);
  }

  /** Makes the spare file, if it is {@code size} bytes, the next segment; null if there is none or it fails. */
  private Segment adoptSpare(int size, Path path) {
    SpareSegment.Spare s = spare.take(size);
    if (s == null) {
      return null;
    }
    try {
      Segment adopted = Segment.adopt(s.file(), path, nextSegmentId, size, storeId, options.clock().getAsLong());
      spare.adopted();
      return adopted;
    } catch (UncheckedIOException e) {
      LOG.log(System.Logger.Level.WARNING, directory + ": the prepared next segment could not be used; creating one", e);
      s.delete();
      return null;
    }
  }

  /** Has the spare prepared for the active segment's successor (its first append asks; maintenance retries). */
  void prepareSpare() {
    if (!options.backgroundMaintenance() || options.readOnly()) {
      return;
    }
    int size;
    appendLock.lock();
    try {
      Segment a = active;
      if (a == null) {
        return;
      }
      size = nextSegmentSize(a, 0);
    } finally {
      appendLock.unlock();
    }
    spare.prepare(size, directory.resolve(SPARE_NAMES.incrementAndGet() + SPARE_SUFFIX));
  }

  /** Returns the active segment, or null before the first write. */
  Segment active() {
    appendLock.lock();
    try {
      return active;
    } finally {
      appendLock.unlock();
    }
  }

  // ---------------------------------------------------------------- sync

  /** Forces the log up to the end of the record at {@code address}, once for every writer waiting (group commit). */
  void syncTo(long address, int recordSize) {
    Segment s = segments.get(Segment.segmentId(address));
    if (s == null) {
      return; // compacted away: its copy was forced when the compaction's image was written
    }
    int end = Segment.offset(address) + recordSize;
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

  void syncActive() {
    Segment s = active();
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

  // ---------------------------------------------------------------- images and retired segments

  long bytesSinceImage() {
    return bytesSinceImage.get();
  }

  /** Removes a compacted segment from the table; its file goes with the next image. Holds the maintenance lock. */
  void retire(Segment s) {
    segments.remove(s);
    retired.add(s);
  }

  boolean hasRetired() {
    return !retired.isEmpty();
  }

  int retiredCount() {
    return retired.size();
  }

  /*
   * Writes the index image as of a log position taken now, after forcing every segment it may point
   * into, then deletes the files of segments retired before it. Holds the maintenance lock.
   */
  void writeImage(KeyIndex index, KeyLocks keyLocks) {
    synchronized (imageLock) {
      List<Segment> retiredNow = new ArrayList<>(retired);
      if (!options.temporary()) {
        LogPosition position = position(keyLocks);
        try {
          index.writeImage(imageFile(), directory.resolve(IMAGE_FILE + DurableFiles.TEMP_SUFFIX), storeId, position);
        } catch (RuntimeException e) {
          bytesSinceImage.addAndGet(bytesInPosition); // the previous image still stands; try again as before
          throw e;
        }
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

  /*
   * The position must lie after only records the index already holds. A write appends its record
   * and then points the index at it, both under its key's lock; holding every key lock while
   * reading the log's end means no write is between those two steps. (Reading the end under the
   * append lock alone lost writes: CrashRecoveryTest, INTERVAL, seed 5202072935902.) Forces every
   * segment written since the last image. Holds imageLock.
   */
  private LogPosition position(KeyLocks keyLocks) {
    int segment;
    int offset;
    long nextSeq;
    keyLocks.lockAll();
    try {
      appendLock.lock();
      try {
        segment = active == null ? 0 : active.id;
        offset = active == null ? Segment.HEADER : active.writePosition;
        nextSeq = nextSequence;
        bytesInPosition = bytesSinceImage.getAndSet(0);
      } finally {
        appendLock.unlock();
      }
    } finally {
      keyLocks.unlockAll();
    }
    Segment[] all = segments.all();
    LogPosition.SegmentInfo[] infos = new LogPosition.SegmentInfo[all.length];
    for (int i = 0; i < all.length; i++) {
      Segment s = all[i];
      if (s.dirtySinceImage && !options.temporary()) {
        s.dirtySinceImage = false;
        s.region.force(0, s.writePosition);
      }
      infos[i] = new LogPosition.SegmentInfo(s.id, s.writePosition, Math.max(0, s.liveBytes.get()),
          Math.max(0, s.garbageBytes.get()), s.minSequence, s.earliestExpiry);
    }
    return new LogPosition(segment, offset, nextSeq, clearFloor, infos, 0);
  }

  // ---------------------------------------------------------------- snapshot

  /** See Store.snapshot and the comment at the top of this class. Holds the maintenance lock. */
  List<Path> snapshot(Path target, KeyIndex index, KeyLocks keyLocks) throws IOException {
    Files.createDirectories(target);
    List<Path> written = new ArrayList<>();
    if (options.temporary()) {
      Path image = target.resolve(IMAGE_FILE);
      synchronized (imageLock) {
        index.writeImage(image, target.resolve(IMAGE_FILE + DurableFiles.TEMP_SUFFIX), storeId, position(keyLocks));
      }
      written.add(image);
    } else {
      syncActive();
      writeImage(index, keyLocks);
      written.add(link(imageFile(), target));
    }
    Segment last = active();
    int end = last == null ? 0 : last.writePosition;
    written.add(link(directory.resolve(MANIFEST_FILE), target));
    for (Segment s : segments.all()) {
      if (last == null || s.id > last.id) {
        break; // started after the image: nothing in the image points into it
      }
      written.add(s == last ? copyPrefix(s, end, target) : link(s.path(), target));
    }
    try (DirectoryStream<Path> metas = Files.newDirectoryStream(directory, "*" + META_SUFFIX)) {
      for (Path p : metas) {
        if (!Files.exists(target.resolve(p.getFileName()))) { // a layer above wrote its own copy first
          written.add(link(p, target));
        }
      }
    }
    return written;
  }

  private static Path link(Path file, Path targetDir) throws IOException {
    Path target = targetDir.resolve(file.getFileName());
    try {
      Files.createLink(target, file);
    } catch (UnsupportedOperationException e) {
      Files.copy(file, target); // a file system without hard links
    } catch (FileAlreadyExistsException e) {
      throw e; // the target must hold none of the store's files (Store.snapshot)
    } catch (IOException e) {
      if (!Files.exists(file)) {
        throw e;
      }
      Files.copy(file, target); // another file system
    }
    return target;
  }

  /** Copies the committed bytes [0, end) of the active segment; the rest of the copy is zeros, as in a new segment. */
  private static Path copyPrefix(Segment s, int end, Path targetDir) throws IOException {
    Path target = targetDir.resolve(s.path().getFileName());
    try (FileChannel from = FileChannel.open(s.path(), StandardOpenOption.READ);
         FileChannel to = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (long done = 0; done < end; ) {
        done += from.transferTo(done, end - done, to);
      }
      ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 16);
      for (long at = end; at < s.capacity; ) {
        zeros.clear().limit((int) Math.min(zeros.capacity(), s.capacity - at));
        at += to.write(zeros, at);
      }
      to.force(true);
    }
    return target;
  }

  // ---------------------------------------------------------------- close

  private void closeSegments() {
    for (Segment s : segments.all()) {
      s.file.close();
    }
    segments.release();
  }

  /**
   * Unmaps every segment (live, retired or released), releases the lock and deletes a temporary
   * store's directory, trying each even if one before it failed; then throws {@code failure} if
   * not null, or else the first failure here.
   */
  void close(RuntimeException failure) {
    try {
      unmapAll();
    } catch (RuntimeException e) {
      failure = failure == null ? e : failure;
    }
    try {
      unlock();
    } catch (RuntimeException e) {
      failure = failure == null ? e : failure;
    }
    try {
      if (options.temporary()) {
        DurableFiles.deleteTree(directory);
      }
    } catch (RuntimeException e) {
      failure = failure == null ? e : failure;
    }
    if (failure != null) {
      throw failure;
    }
  }

  void unmapAll() {
    synchronized (imageLock) {
      closeSegments();
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
  }

  /** Releases the directory's lock. */
  void unlock() {
    if (fileLock == null) {
      return;
    }
    try {
      fileLock.release();
      lockChannel.close();
    } catch (IOException e) {
      throw new Store.StorageException(directory.resolve(LOCK_FILE) + ": cannot release: " + e, e);
    }
  }

  List<Segment> segmentsForTest() {
    return List.of(segments.all());
  }
}
