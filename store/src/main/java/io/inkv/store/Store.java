package io.inkv.store;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;

/**
 * An embedded, persistent key-value store: byte keys, byte values, kept in append-only
 * memory-mapped segment files under one directory, found through an in-memory hash index.
 *
 * <p>Open one with {@link #open(StoreOptions)}. Any number of threads may call any method.
 * Operations on one key are linearizable: each takes effect atomically at one instant between
 * its call and its return. Reads take no lock that another reader writes to.
 *
 * <p>Limits: a key is 0 to {@value #MAX_KEY_LENGTH} bytes; a value is 0 bytes up to
 * {@link #maxValueLength()} less the key's length (set by the segment size). Expiry times are epoch milliseconds;
 * {@link #NEVER} means the entry does not expire.
 *
 * <p>Every method except {@link #close()}, {@link #isClosed()}, {@link #directory()} and
 * {@link #maxValueLength()} throws {@link ClosedException} once the store is closed, and so does
 * an iterator obtained before the close.
 */
public interface Store extends AutoCloseable {

  /** The expiry time of an entry that does not expire. */
  long NEVER = 0L;

  /**
   * The latest expiry time a record can hold (epoch milliseconds, 2^48 - 1: the year 10889); a
   * later one is refused as an argument.
   */
  long MAX_EXPIRE_AT = (1L << 48) - 1;

  /** The longest key, in bytes. */
  int MAX_KEY_LENGTH = 0xFFFF;

  /**
   * Opens the store in {@code options.directory()}, creating it if it does not exist and the
   * options allow, and recovering it if it was not closed cleanly.
   *
   * @throws FormatException if a file in the directory is not an inkv file or has another format version
   * @throws CorruptedException if a file fails its checksum where a torn write cannot explain it
   * @throws AlreadyOpenException if another store object or process has the directory open
   * @throws StorageException if the directory cannot be read or written
   */
  static Store open(StoreOptions options) {
    return LogStore.open(options);
  }

  /** Returns whether {@code directory} holds a store (its manifest), without opening it. */
  static boolean exists(Path directory) {
    return StoreFiles.holdsStore(directory);
  }

  /** Returns the store's directory. */
  Path directory();

  /**
   * Returns the largest value this store accepts with an empty key, in bytes: the segment size
   * less 96. A key of {@code k} bytes lowers the limit by {@code k}.
   */
  int maxValueLength();

  /**
   * Checks, without touching the store, that it accepts an entry of {@code key} with a value of
   * {@code valueLength} bytes; a caller with side effects to make before a write (a
   * {@code CacheWriter} call, an event, a replication publish) calls it first, so that a write the
   * store would refuse makes none of them. {@link #put(byte[], byte[], long)}, {@link #update} and
   * the other writes make the same check themselves.
   *
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException naming the key's length, the value's length and the limit, if
   *     the key is longer than {@value #MAX_KEY_LENGTH} bytes or the value longer than
   *     {@link #maxValueLength()} less the key's length
   */
  default void checkEntry(byte[] key, int valueLength) {
    if (key.length > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException("key is " + key.length + " bytes; the limit is " + MAX_KEY_LENGTH);
    }
    long limit = (long) maxValueLength() - key.length;
    if (valueLength < 0 || valueLength > limit) {
      throw new IllegalArgumentException("value is " + valueLength + " bytes; with a " + key.length
          + "-byte key the limit is " + limit);
    }
  }

  /**
   * Checks that {@code expireAt} is an expiry time a record can hold: {@link #NEVER} or an epoch
   * millisecond up to {@link #MAX_EXPIRE_AT}. The writes check it themselves; a layer with side
   * effects to make first (a replication publish) calls it before them.
   *
   * @throws IllegalArgumentException naming the time, if it is out of range
   */
  static void checkExpireAt(long expireAt) {
    if (expireAt < 0 || expireAt > MAX_EXPIRE_AT) {
      throw new IllegalArgumentException("expireAt must be 0 (never) or an epoch-millisecond time up to "
          + MAX_EXPIRE_AT + ": " + expireAt);
    }
  }

  /** Returns a copy of the value of {@code key}, or {@code null} if absent or expired. */
  byte[] get(byte[] key);

  /**
   * Points {@code view} at the value of {@code key} without copying it.
   *
   * @return {@code true} if the key is present (the view is filled), {@code false} if absent or
   *     expired (the view is emptied)
   */
  boolean get(byte[] key, ValueView view);

  /** Returns the expiry time of {@code key}, {@link #NEVER}, or -1 if the key is absent or expired. */
  long expireAt(byte[] key);

  /** Returns whether {@code key} is present and not expired. */
  boolean containsKey(byte[] key);

  /**
   * Returns copies of the values of {@code keys}, in the same order, with {@code null} for each
   * key that is absent or expired. Each value is read atomically; the whole call is not a snapshot.
   */
  byte[][] getAll(List<byte[]> keys);

  /** Stores {@code value} under {@code key}, replacing any previous value; it does not expire. */
  void put(byte[] key, byte[] value);

  /**
   * Stores {@code value} under {@code key}, replacing any previous value, expiring at {@code expireAt}
   * (epoch milliseconds; {@link #NEVER} for no expiry; a time already past removes the key).
   */
  void put(byte[] key, byte[] value, long expireAt);

  /** Removes {@code key}; returns whether it was present and not expired. */
  boolean remove(byte[] key);

  /**
   * Changes the expiry time of {@code key} in place, without writing a new record; returns
   * whether the key was present. The change is made durable with the next flush, not on its own.
   */
  boolean setExpiry(byte[] key, long expireAt);

  /**
   * Atomically reads, decides and writes the entry of {@code key}; see {@link EntryUpdate}.
   *
   * <p>The key is checked before {@code update} runs, and the {@link EntryUpdate.Writer}'s methods
   * check their arguments when called: {@code put} throws {@link IllegalArgumentException} for a
   * value over the limit (see {@link #checkEntry}) or a bad expiry time, from inside
   * {@code update}'s function and before the store has changed, so the entry keeps its old value.
   *
   * @return what {@code update} returned
   * @throws IllegalArgumentException if the key is too long, or {@code update} asked for a value or
   *     expiry time the store refuses; the store is unchanged (an expired entry found on the way
   *     may have been dropped)
   */
  <R> R update(byte[] key, EntryUpdate<R> update);

  /**
   * Returns an iterator over copies of the live entries. It is weakly consistent: it never throws
   * {@link java.util.ConcurrentModificationException}, returns each entry at most once, and
   * reflects some but not necessarily all changes made after it was created. Its {@code remove}
   * removes the last returned key.
   */
  Iterator<Entry> iterator();

  /** Returns the number of live entries (expired entries not yet dropped may be counted). */
  long size();

  /** Removes every entry. */
  void clear();

  /** Forces every write so far to the storage device and writes an index image. */
  void flush();

  /**
   * Writes a consistent copy of the store into {@code target}, a directory that is created if
   * absent and must hold none of the store's files, and returns the files it wrote there. Opening
   * a copy of {@code target} finds every write that completed before this call began, and possibly
   * some made during it.
   *
   * <p>The copy is taken under the store's own coordination: the store writes an index image and
   * hard-links it, its manifest, its sealed segments and the files of layers above the store
   * ({@code *.meta}, unless {@code target} holds one of that name already: a layer that must
   * write its own copy first, as replication does, writes it before calling this), and copies the
   * committed prefix of the active segment. Compaction cannot delete a segment meanwhile, and
   * writers are not paused. Where the file system cannot link, files are copied.
   *
   * <p>Linked files share their storage with the store's: archive or copy {@code target} (as the
   * server's replica images do) rather than open it as a store that writes.
   *
   * @return the files written into {@code target}
   * @throws ReadOnlyException if the store was opened read-only
   * @throws StorageException if a file cannot be linked, copied or written
   */
  List<Path> snapshot(Path target);

  /**
   * Compacts every segment whose garbage passed the configured ratio now, on the calling thread,
   * instead of waiting for the background compactor; returns the number of segments compacted.
   */
  int compact();

  /**
   * Reads every record of every segment and checks its checksum and structure.
   *
   * @throws CorruptedException naming the file and offset of the first bad record
   */
  void verify();

  /** Returns the current counters. */
  StoreStats stats();

  /** Returns whether {@link #close()} has been called. */
  boolean isClosed();

  /**
   * Waits for in-flight operations, writes an index image so the next open is fast, forces the
   * files, and releases every mapping and file handle. Idempotent.
   */
  @Override
  void close();

  /** Thrown by an operation on a closed store. */
  final class ClosedException extends StoreException {
    private static final long serialVersionUID = 1L;

    public ClosedException(Path directory) {
      super("the store in " + directory + " is closed");
    }
  }

  /** Thrown when a file of the store fails a checksum or structural check. */
  final class CorruptedException extends StoreException {
    private static final long serialVersionUID = 1L;

    public CorruptedException(Path file, long offset, String problem) {
      super(file + " at offset " + offset + ": " + problem);
    }

    public CorruptedException(Path file, String problem) {
      super(file + ": " + problem);
    }
  }

  /** Thrown when a file in the directory is not an inkv file or has an unsupported format version. */
  final class FormatException extends StoreException {
    private static final long serialVersionUID = 1L;

    public FormatException(Path file, String problem) {
      super(file + ": " + problem);
    }
  }

  /** Thrown when the directory is open already, in this process or another. */
  final class AlreadyOpenException extends StoreException {
    private static final long serialVersionUID = 1L;

    public AlreadyOpenException(Path directory, String detail) {
      super("the store in " + directory + " is already open " + detail);
    }
  }

  /**
   * Thrown by a write (put, remove, setExpiry, update, clear, compact, flush, snapshot) to a store opened
   * with {@link StoreOptions.Builder#readOnly(boolean)}; nothing changes.
   */
  final class ReadOnlyException extends StoreException {
    private static final long serialVersionUID = 1L;

    public ReadOnlyException(Path directory) {
      super("the store in " + directory + " was opened read-only; it cannot be written");
    }
  }

  /**
   * Thrown when the file system refuses a read or write (a full disk, a read-only directory). The
   * message names the file and the file system's reason. A write that fails this way has changed
   * nothing; the store stays open and readable, and writes succeed again once the cause is gone.
   */
  final class StorageException extends StoreException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
