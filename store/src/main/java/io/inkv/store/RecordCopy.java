package io.inkv.store;

import static io.inkv.store.RecordFormat.HEADER;

import io.inkv.store.memory.ReadBuffer;
import io.inkv.store.memory.Region;

/*
 * A thread's copy of one record of a sealed segment, read with positional reads instead of through
 * the mapping, for the reads ColdReads sends this way (LogStore: get, a ValueView get, expireAt,
 * containsKey, the iterator). Every check a read makes of the record (its key, its checksum, its
 * expiry) and the value it returns come from the copy, so the mapping is not touched and no page
 * fault reads the device's read-ahead window.
 *
 * One read of the record's bytes as this thread's last record was long (at least the header and
 * the key), and a second for the rest when it is longer: for values of one size, one pread a get.
 * The page cache is the one the mapping reads, so the copy shows what the mapping would (a write
 * through the mapping is in the page cache when it returns). The one field that changes in place,
 * the expiry word, could in principle be copied torn by a read racing setExpiry: a copy whose
 * expiry (or checksum) fails its check is therefore asked again of the mapping before it is
 * reported as damage. A record longer than MAX_RECORD is read through the mapping (its read-ahead
 * is then small beside it), so no thread keeps a buffer larger than that; so is one that the
 * positional read cannot reach (MappedFile.readAt says when).
 *
 * A read that copies forgets the thread's previous copy first (LogStore.probe), so a copy is only
 * ever used by the read that made it.
 */
final class RecordCopy {
  static final int MAX_RECORD = 1 << 20;
  private static final int MAX_HINT = 64 << 10;
  /** The key bytes the iterator's first read of a record takes with its header. */
  private static final int KEY_HINT = 64;
  private static final ThreadLocal<RecordCopy> OF_THREAD = ThreadLocal.withInitial(RecordCopy::new);
  /** Test seam: records copied in this JVM. */
  static final java.util.concurrent.atomic.LongAdder COPIES = new java.util.concurrent.atomic.LongAdder();

  private final ReadBuffer buffer = new ReadBuffer(8192);
  /** How much the first read takes: the last record's length. */
  private int hint = 1024;
  private Segment segment;
  private int at;
  /** The bytes of the record read into the buffer from its start. */
  private int limit;

  private RecordCopy() {}

  // ------------------------------------------------------------------ a read's accessors (LogStore)

  /**
   * Whether the record at {@code at} of {@code s} holds {@code key}: read from {@code copy}, the
   * thread's RecordCopy, when {@code s} is sealed, else from the mapping. The rest of the read
   * then finds the record in the copy (holding).
   */
  static boolean holdsKey(Segment s, int at, byte[] key, RecordCopy copy) {
    if (s.sealed && copy.read(s, at, key.length)) {
      return copy.holdsKey(key);
    }
    return s.holdsKey(at, key);
  }

  /*
   * The record's expiry, value and check for a read that copies (LogStore calls these only then;
   * a read that does not calls the Segment's own, so its calls nest no deeper): from the thread's
   * copy if the read made one of this record, else from the mapping (the active segment, a
   * record too long to copy, a positional read that could not be made).
   */

  static long expiry(Segment s, int at) {
    RecordCopy c = holding(s, at);
    return c != null ? c.expiry() : s.expiry(at);
  }

  static byte[] value(Segment s, int at, int keyLength) {
    RecordCopy c = holding(s, at);
    return c != null ? c.value(keyLength) : s.value(at, keyLength);
  }

  static void verify(Segment s, int at) {
    RecordCopy c = holding(s, at);
    if (c != null) {
      c.verify();
    } else {
      s.verify(at);
    }
  }

  /** Returns the key of the record at {@code at} of {@code s}, read as a get would (ColdReads); for the iterator. */
  static byte[] keyAt(Segment s, int at) {
    if (s.sealed && ColdReads.mode() != 0) {
      byte[] key = OF_THREAD.get().readKey(s, at);
      if (key != null) {
        return key;
      }
    }
    byte[] key = new byte[checkedKeyLength(s, at, RecordFormat.keyLength(s.region, at))];
    s.region.getBytes(at + HEADER, key, 0, key.length);
    return key;
  }

  /**
   * Reads the header and key of the record at {@code at} of {@code s}, not its value (the entry's
   * own read copies the record after: the iterator), and returns the key; null if the positional
   * read cannot be made. Forgets the record the copy held.
   */
  private byte[] readKey(Segment s, int at) {
    segment = null;
    int available = s.capacity - at;
    int first = Math.min(available, HEADER + KEY_HINT);
    if (at < 0 || available < HEADER || !buffer.read(s.file, at, 0, first)) {
      return null;
    }
    int keyLength = checkedKeyLength(s, at, RecordFormat.keyLength(buffer.region(), 0));
    if (HEADER + keyLength > first && !buffer.read(s.file, at + first, first, HEADER + keyLength - first)) {
      return null;
    }
    byte[] key = new byte[keyLength];
    buffer.region().getBytes(HEADER, key, 0, keyLength);
    return key;
  }

  /** Returns {@code keyLength}, the key length the header of the record at {@code at} of {@code s} gives, if it fits the segment. */
  private static int checkedKeyLength(Segment s, int at, int keyLength) {
    if (keyLength > s.capacity - at - HEADER) { // a damaged header; the record's own read reports it
      throw new Store.CorruptedException(s.path(), at, "record key length " + keyLength + " runs past the end of the segment");
    }
    return keyLength;
  }

  // ------------------------------------------------------------------ the copy

  /** Returns this thread's copy, forgetting what it held. */
  static RecordCopy forThread() {
    RecordCopy c = OF_THREAD.get();
    c.segment = null;
    return c;
  }

  /** Returns this thread's copy if it holds the record at {@code at} of {@code s}, else null. */
  static RecordCopy holding(Segment s, int at) {
    RecordCopy c = OF_THREAD.get();
    return c.segment == s && c.at == at ? c : null;
  }

  /**
   * Reads the record at {@code at} of {@code s}, whose key should be {@code keyLength} bytes;
   * returns whether it did (if not, read the mapping).
   */
  boolean read(Segment s, int at, int keyLength) {
    segment = null;
    int available = s.capacity - at;
    if (at < 0 || available < HEADER) {
      return false;
    }
    int first = Math.min(available, Math.max(HEADER + keyLength, hint));
    if (!buffer.read(s.file, at, 0, first)) {
      return false;
    }
    int length = RecordFormat.length(buffer.region(), 0);
    if (length > first) {
      if (length > MAX_RECORD || length > available || !buffer.read(s.file, at + first, first, length - first)) {
        return false;
      }
      limit = length;
    } else {
      limit = first;
    }
    if (length >= HEADER) {
      hint = Math.min(RecordFormat.align(length), MAX_HINT);
    }
    segment = s;
    this.at = at;
    COPIES.increment();
    return true;
  }

  Region region() {
    return buffer.region();
  }

  boolean holdsKey(byte[] key) {
    return Segment.holdsKey(buffer.region(), 0, limit, key);
  }

  /** The offset in {@link #region()} of the value of the record, whose key is {@code keyLength} bytes. */
  static int valueOffset(int keyLength) {
    return HEADER + keyLength;
  }

  int valueLength() {
    return RecordFormat.valueLength(buffer.region(), 0);
  }

  byte[] value(int keyLength) {
    return Segment.value(buffer.region(), 0, keyLength);
  }

  long expiry() {
    long expireAt = Segment.expiry(buffer.region(), 0);
    return expireAt >= 0 ? expireAt : segment.expiry(at); // the mapping's word decides (see the top)
  }

  void verify() {
    if (RecordFormat.check(buffer.region(), 0, limit) != null) {
      segment.verify(at); // the mapping's bytes decide (see the top)
    }
  }
}
