package io.inkv.store;

import io.inkv.store.memory.MappedFile;
import io.inkv.store.memory.ReadBuffer;
import io.inkv.store.memory.Region;
import java.util.Objects;

/**
 * A reusable, allocation-free window onto one stored value, read in place from the mapped file
 * (or, see below, from a copy of it).
 *
 * <p>Fill it with {@link Store#get(byte[], ValueView)}. Records never change once written, so the
 * bytes a view shows never change under it: a later put, remove or compaction makes the store
 * point elsewhere but leaves this record (and its mapping) intact while the view refers to it.
 * The rules:
 *
 * <ul>
 *   <li>A view is valid until it is filled again or its store is closed. Reading a view after
 *       close throws {@link Store.ClosedException}; reading one <em>while</em> another thread
 *       closes the store is not allowed.
 *   <li>A view shows the value as it was when the view was filled, not the current value.
 *   <li>A view is not thread-safe; give each thread its own.
 * </ul>
 *
 * <p>Offsets passed to the accessors are relative to the start of the value and are checked
 * against its length.
 *
 * <p>Where the store reads records of values not in memory with positional reads instead of the
 * mapping (docs/store.md, "Reads of values not in memory"), a view filled from such a record holds
 * a copy of the value in a buffer of its own, kept and reused by later fills; the rules above are
 * the same, and {@link #region()} is then that copy.
 */
public final class ValueView {
  private Region region;
  private MappedFile file;
  private int offset;
  private int length;
  private long expireAt;
  /** The view's own copy of a value read by a positional read (docs/store.md, "Reads of values not in memory"). */
  private ReadBuffer copy;

  /** Creates an empty view. */
  public ValueView() {}

  void wrap(MappedFile file, int offset, int length, long expireAt) {
    this.file = file;
    this.region = file.region();
    this.offset = offset;
    this.length = length;
    this.expireAt = expireAt;
  }

  /**
   * Fills the view with a copy of {@code length} bytes of {@code from} at {@code offset}, a
   * positional read's copy of a record of {@code file}; the view keeps its own copy, so the rules
   * above hold as for a value read in place.
   */
  void wrapCopy(MappedFile file, Region from, int offset, int length, long expireAt) {
    if (copy == null) {
      copy = new ReadBuffer(Math.max(length, 1024));
    }
    copy.ensure(length, 0);
    from.copyTo(offset, copy.region(), 0, length);
    wrap(file, 0, length, expireAt);
    this.region = copy.region();
  }

  void clear() {
    this.file = null;
    this.region = null;
    this.length = 0;
  }

  private Region region(int index, int size) {
    MappedFile f = file;
    if (f == null) {
      throw new IllegalStateException("the view is empty");
    }
    if (f.isClosed()) {
      throw new Store.ClosedException(f.path().getParent());
    }
    Objects.checkFromIndexSize(index, size, length);
    return region;
  }

  /** Returns whether the view holds a value. */
  public boolean isPresent() {
    return file != null;
  }

  /** Returns the value's length in bytes. */
  public int length() {
    return length;
  }

  /** Returns the entry's expiry time in epoch milliseconds, or {@link Store#NEVER}. */
  public long expireAt() {
    return expireAt;
  }

  public byte getByte(int index) {
    return region(index, 1).getByte(offset + index);
  }

  public short getShort(int index) {
    return region(index, 2).getShort(offset + index);
  }

  public int getInt(int index) {
    return region(index, 4).getInt(offset + index);
  }

  public long getLong(int index) {
    return region(index, 8).getLong(offset + index);
  }

  public float getFloat(int index) {
    return region(index, 4).getFloat(offset + index);
  }

  public double getDouble(int index) {
    return region(index, 8).getDouble(offset + index);
  }

  /** Copies {@code count} bytes from {@code index} into {@code dst} at {@code dstOffset}. */
  public void getBytes(int index, byte[] dst, int dstOffset, int count) {
    region(index, count).getBytes(offset + index, dst, dstOffset, count);
  }

  /** Returns a copy of the whole value. */
  public byte[] toByteArray() {
    byte[] copy = new byte[length];
    region(0, length).getBytes(offset, copy, 0, length);
    return copy;
  }

  /** Returns whether the value's bytes equal {@code other}. */
  public boolean contentEquals(byte[] other) {
    return other.length == length && region(0, length).contentEquals(offset, other, 0, length);
  }

  /**
   * Returns the region that holds the value and, through {@link #regionOffset()}, where in it the
   * value starts, for decoders that read fields in place. The same validity rules apply.
   */
  public Region region() {
    return region(0, 0);
  }

  /** Returns the offset of the value's first byte in {@link #region()}. */
  public int regionOffset() {
    return offset;
  }

  @Override
  public String toString() {
    return file == null ? "ValueView[empty]" : "ValueView[" + length + " bytes in " + file.path() + "@" + offset + "]";
  }
}
