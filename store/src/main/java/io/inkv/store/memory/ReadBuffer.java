package io.inkv.store.memory;

import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;

/**
 * Memory of the caller's own that bytes of a {@link MappedFile} are copied into with positional
 * reads ({@code pread(2)}) instead of being read through the mapping; a {@link Region} over it
 * reads them as the mapping's region would.
 *
 * <p>What it is for: a page fault on a mapping makes the kernel read the device's read-ahead window
 * around the page, while a small positional read of a page that is not cached reads only the pages
 * asked for. Both go through the same page cache, so a copy shows what the mapping shows. Not
 * thread-safe: one per thread (or per {@code ValueView}).
 */
public final class ReadBuffer {
  private ByteBuffer buffer;
  private MappedRegion region;

  /** Creates a buffer of {@code capacity} bytes; it grows when a read needs more. */
  public ReadBuffer(int capacity) {
    allocate(capacity);
  }

  private void allocate(int capacity) {
    // A direct buffer is a MappedByteBuffer (one not backed by a file), so MappedRegion, the one
    // Region class of the store's read paths, reads it and the JIT still sees a single type there.
    buffer = ByteBuffer.allocateDirect(capacity);
    region = new MappedRegion((MappedByteBuffer) buffer, "copy");
  }

  /** Returns the region over the buffer; a read that grows the buffer replaces it. */
  public Region region() {
    return region;
  }

  /** Returns the buffer's size in bytes. */
  public int capacity() {
    return buffer.capacity();
  }

  /** Makes the buffer at least {@code capacity} bytes, keeping its first {@code keep} bytes. */
  public void ensure(int capacity, int keep) {
    if (capacity > buffer.capacity()) {
      ByteBuffer old = buffer;
      allocate(Math.max(capacity, Math.min(Integer.MAX_VALUE / 2, old.capacity()) * 2));
      buffer.put(0, old, 0, keep);
    }
  }

  /**
   * Reads {@code length} bytes of {@code file} from {@code position} into the buffer at
   * {@code at}, growing it if needed (its bytes before {@code at} are kept).
   *
   * @return whether the bytes were read; if not (the thread was interrupted, the file is closed or
   *     gone, the range passes the file's end), the caller reads the mapping instead
   * @throws java.io.UncheckedIOException naming the file if the device reports an error
   */
  public boolean read(MappedFile file, int position, int at, int length) {
    ensure(at + length, at);
    ByteBuffer b = buffer;
    b.limit(at + length).position(at);
    try {
      return file.readAt(b, position);
    } finally {
      b.clear();
    }
  }
}
