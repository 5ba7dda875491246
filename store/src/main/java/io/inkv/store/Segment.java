package io.inkv.store;

import io.inkv.store.memory.MappedFile;
import io.inkv.store.memory.Region;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/*
 * One append-only segment file, mapped whole. Layout (docs/store-format.md):
 *
 *   0  u64  magic "INKVSEG1"      12 u32 header length (64)      24 u32 segment id
 *   8  u32  format version (1)    16 u64 store id                28 u32 capacity (file size)
 *  32  u64  creation time (epoch ms)   40..59 zero   60 u32 CRC32C of bytes [0, 60)
 *  64  records, each 8-byte aligned, until a zero length word
 *
 * Only the appender (holding the store's append lock) moves writePosition; readers never need it
 * because they reach records through the index. The live/garbage counters drive compaction and
 * are heuristics: compaction decides what to keep by asking the index, never by the counters.
 */
final class Segment {
  static final long MAGIC = 0x31474553564B4E49L; // "INKVSEG1" little-endian
  static final int FORMAT_VERSION = 1;
  static final int HEADER = 64;

  final int id;
  final MappedFile file;
  final Region region;
  final int capacity;

  /** Where the next record goes; written only under the append lock. */
  volatile int writePosition;
  /** Bytes known to be on the device. */
  volatile int syncedPosition;
  volatile boolean dirtySinceImage;
  /**
   * Whether every record in the segment has passed its checksum check in this process or was
   * written by it (Verification.ONCE): true for a segment this process created, false for one
   * found on disk until the scrub has checked it. Only compaction (under the store's maintenance
   * lock) clears it, when it copies in a record that failed its check.
   */
  volatile boolean checked;
  /**
   * Whether appends have moved on to a later segment (or never will come here: a segment found on
   * disk that is not the newest): its records are then read by positional copies where
   * {@link ColdReads} says so. Only ever goes from false to true.
   */
  volatile boolean sealed;
  /** Set when a scrub found damage, so the scrub does not read the segment again. */
  volatile boolean scrubFailed;

  final AtomicLong liveBytes = new AtomicLong();
  final AtomicLong garbageBytes = new AtomicLong();
  /** The lowest record sequence in the segment (Long.MAX_VALUE when empty). */
  volatile long minSequence = Long.MAX_VALUE;
  /** The earliest expiry time of a record in the segment (Long.MAX_VALUE when none expires). */
  volatile long earliestExpiry = Long.MAX_VALUE;

  private Segment(int id, MappedFile file) {
    this.id = id;
    this.file = file;
    this.region = file.region();
    this.capacity = region.capacity();
  }

  /** Returns the address of the record at {@code offset} of segment {@code segmentId}; what the index holds. */
  static long address(int segmentId, int offset) {
    return ((long) segmentId << 32) | (offset & 0xFFFFFFFFL);
  }

  static int segmentId(long address) {
    return (int) (address >>> 32);
  }

  static int offset(long address) {
    return (int) address;
  }

  /**
   * Creates segment {@code id} at its full size with every block allocated on the device (see
   * {@link MappedFile#create}), so that no record written into it later can meet a full disk.
   *
   * @throws UncheckedIOException naming the file if the file system refuses (full, read-only)
   */
  static Segment create(Path path, int id, int capacity, long storeId, long now, MappedFile.Pages pages) {
    return initialize(MappedFile.create(path, capacity, pages), id, capacity, storeId, now);
  }

  /**
   * Makes segment {@code id} of a file of {@code capacity} zero bytes prepared and mapped ahead with
   * {@link MappedFile#prepare}: renames it to the segment's name and writes the header. The rename
   * is atomic, so the directory holds either the prepared file (a *.tmp file, deleted at open) or
   * the new segment, never a segment without its header's magic number (a header that is not whole
   * is one Segment.open refuses, as for {@link #create}).
   *
   * <p>{@code prepared} maps exactly {@code capacity} bytes: SpareSegment hands out a prepared file
   * only for the size it was made at.
   *
   * @throws UncheckedIOException if the file cannot be renamed; {@code prepared} is then still the
   *     caller's, under its old name
   */
  static Segment adopt(MappedFile prepared, Path target, int id, int capacity, long storeId, long now) {
    return initialize(prepared.renameTo(target), id, capacity, storeId, now);
  }

  private static Segment initialize(MappedFile file, int id, int capacity, long storeId, long now) {
    Region r = file.region();
    // The magic number goes last, with release semantics: a header whose magic is visible is whole.
    r.putInt(8, FORMAT_VERSION);
    r.putInt(12, HEADER);
    r.putLong(16, storeId);
    r.putInt(24, id);
    r.putInt(28, capacity);
    r.putLong(32, now);
    r.putInt(60, crc32cWithMagic(r));
    r.putLongRelease(0, MAGIC);
    Segment s = new Segment(id, file);
    s.writePosition = HEADER;
    s.syncedPosition = 0;
    s.checked = true; // every record in it will be written by this process
    return s;
  }

  /** The header CRC as it will be once the magic number is in place. */
  private static int crc32cWithMagic(Region r) {
    byte[] magic = new byte[8];
    io.inkv.store.memory.LittleEndian.putLong(magic, 0, MAGIC);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(magic);
    byte[] rest = new byte[52];
    r.getBytes(8, rest, 0, 52);
    crc.update(rest);
    return (int) crc.getValue();
  }

  /**
   * Maps an existing segment file and checks its header.
   *
   * @throws Store.FormatException if the file is not a segment of this store or has another format version
   */
  static Segment open(Path path, int id, long storeId) {
    return open(path, id, storeId, true);
  }

  /** As {@link #open(Path, int, long)}; a segment opened not {@code writable} is mapped read-only. */
  static Segment open(Path path, int id, long storeId, boolean writable) {
    MappedFile file = MappedFile.open(path, writable);
    try {
      Region r = file.region();
      if (r.capacity() < HEADER) {
        throw new Store.FormatException(path, "segment file is " + r.capacity() + " bytes, shorter than its header");
      }
      if (r.getLong(0) != MAGIC) {
        throw new Store.FormatException(path, "not an inkv segment file (bad magic number)");
      }
      if (r.crc32c(0, 0, 60) != r.getInt(60)) {
        throw new Store.CorruptedException(path, 0, "segment header checksum mismatch");
      }
      int version = r.getInt(8);
      if (version != FORMAT_VERSION) {
        throw new Store.FormatException(path, "segment format version " + version
            + " is not supported (this inkv reads version " + FORMAT_VERSION + ")");
      }
      if (r.getLong(16) != storeId) {
        throw new Store.FormatException(path, String.format(
            "segment belongs to store %016x, not to this store %016x", r.getLong(16), storeId));
      }
      if (r.getInt(24) != id) {
        throw new Store.FormatException(path, "segment header says id " + r.getInt(24) + " but the file name says " + id);
      }
      if (r.getInt(28) != r.capacity()) {
        throw new Store.CorruptedException(path, 28, "segment header says " + r.getInt(28)
            + " bytes but the file has " + r.capacity() + " (truncated?)");
      }
      Segment s = new Segment(id, file);
      s.writePosition = HEADER;
      return s;
    } catch (RuntimeException e) {
      file.close();
      throw e;
    }
  }

  Path path() {
    return file.path();
  }

  void noteRecord(long sequence, long expireAt) {
    if (sequence < minSequence) {
      minSequence = sequence;
    }
    if (expireAt != Store.NEVER && expireAt < earliestExpiry) {
      earliestExpiry = expireAt;
    }
  }

  /** Whether the record at {@code at} holds {@code key}. */
  boolean holdsKey(int at, byte[] key) {
    Region r = region;
    // the bound holds for every record the store wrote; it keeps a forged index image entry
    // (an address inside another record, near the segment's end) from reading past the mapping
    return RecordFormat.keyLength(r, at) == key.length && at <= capacity - RecordFormat.HEADER - key.length
        && r.contentEquals(at + RecordFormat.HEADER, key, 0, key.length);
  }

  /*
   * The record accessors of a read, each also as a static method over any region, limit and
   * offset, for a positional copy (RecordCopy: its buffer, the bytes it read, 0). The instance
   * methods keep bodies of their own rather than calling these: a get's calls nest deep (down
   * through the buffer's VarHandles), and one more level on the mapped path took it past what the
   * JIT inlines (getView a fifth slower in thread CPU time, JDK 17).
   */

  /** Whether the record at {@code at} of {@code r}, whose bytes end at {@code limit}, holds {@code key}. */
  static boolean holdsKey(Region r, int at, int limit, byte[] key) {
    // the bound holds for every record the store wrote; it keeps a forged index image entry
    // (an address inside another record, near the segment's end) from reading past the mapping
    return RecordFormat.keyLength(r, at) == key.length && at <= limit - RecordFormat.HEADER - key.length
        && r.contentEquals(at + RecordFormat.HEADER, key, 0, key.length);
  }

  /** Returns a copy of the value of the record at {@code at}, whose key is {@code keyLength} bytes. */
  byte[] value(int at, int keyLength) {
    Region r = region;
    byte[] value = new byte[RecordFormat.valueLength(r, at)];
    r.getBytes(at + RecordFormat.HEADER + keyLength, value, 0, value.length);
    return value;
  }

  static byte[] value(Region r, int at, int keyLength) {
    byte[] value = new byte[RecordFormat.valueLength(r, at)];
    r.getBytes(at + RecordFormat.HEADER + keyLength, value, 0, value.length);
    return value;
  }

  /** Returns the expiry time of the record at {@code at}; a failed check is damage. */
  long expiry(int at) {
    Region r = region;
    long expireAt = RecordFormat.expireAt(r.getLong(at + RecordFormat.OFF_EXPIRY), RecordFormat.sequence(r, at));
    if (expireAt < 0) {
      throw new Store.CorruptedException(path(), at, "record expiry field fails its check");
    }
    return expireAt;
  }

  /** Returns the expiry time of the record at {@code at} of {@code r}, or -1 if it fails its check. */
  static long expiry(Region r, int at) {
    return RecordFormat.expireAt(r.getLong(at + RecordFormat.OFF_EXPIRY), RecordFormat.sequence(r, at));
  }

  /** Changes the expiry time of the record at {@code at} in place. */
  void setExpiry(int at, long expireAt) {
    long seq = RecordFormat.sequence(region, at);
    region.putLongRelease(at + RecordFormat.OFF_EXPIRY, RecordFormat.expiryWord(expireAt, seq));
    if (expireAt != Store.NEVER && expireAt < earliestExpiry) {
      earliestExpiry = expireAt;
    }
    dirtySinceImage = true;
  }

  /** Checks the record at {@code at}; throws if it fails. */
  void verify(int at) {
    String problem = RecordFormat.check(region, at, capacity);
    if (problem != null) {
      throw new Store.CorruptedException(path(), at, problem);
    }
  }

  /** Returns the offset of the first record that fails its check, or -1 if all pass. */
  int firstDamage() {
    int end = writePosition;
    int at = HEADER;
    while (at + RecordFormat.HEADER <= end) {
      if (RecordFormat.check(region, at, end) != null) {
        return at;
      }
      at += RecordFormat.align(RecordFormat.length(region, at));
    }
    return -1;
  }

  double garbageRatio() {
    long used = writePosition - HEADER;
    return used <= 0 ? 0 : (double) garbageBytes.get() / used;
  }

  @Override
  public String toString() {
    return "Segment[" + id + ", " + writePosition + "/" + capacity + " bytes]";
  }
}
