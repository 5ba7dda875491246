package io.inkv.store.memory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A file mapped into memory whole, as one {@link Region}; the one place in inkv that opens and
 * maps files.
 *
 * <p>Every error names the file. {@link #close()} unmaps the region at once (rather than when the
 * garbage collector gets to it) and closes the file; the caller guarantees that no thread reads
 * the region after that, which the store does by draining in-flight operations first. On JDK 22
 * and later the mapping is made and unmapped through the foreign memory API ({@code Arena}); on
 * JDK 17 to 21 through {@code sun.misc.Unsafe.invokeCleaner}.
 */
public final class MappedFile implements AutoCloseable {
  /** The largest file one mapping may cover. */
  public static final int MAX_SIZE = 1 << 30;

  /** The page size the pages of a prepared mapping are touched at: Linux's smallest (x86-64, arm64). */
  static final int PAGE = 4096;

  private static final Mapper MAPPER = Mapper.forThisJdk();

  /**
   * How a mapping will be read, for the kernel's read-ahead on a page fault.
   *
   * <p>{@link #RANDOM}: a fault reads the page it needs, not the read-ahead window around it (what
   * a get of a value that is not in memory wants); {@link #SEQUENTIAL}: read well ahead (a scan:
   * recovery, compaction); {@link #NORMAL}: the kernel's default.
   */
  public enum Access { NORMAL, RANDOM, SEQUENTIAL }

  /** The system property that chooses how reads of values not in memory are made: auto, random, pread or off. */
  public static final String READ_ADVICE_PROPERTY = "inkv.store.readAdvice";

  /*
   * auto: advise where the JDK lets inkv call madvise without a warning (JDK 22+, the jar's JDK 22
   * classes, Linux, native access enabled for inkv's module), and, on every JDK, the store reads
   * records of sealed segments with positional reads once its segments outgrow memory (the store's
   * ColdReads decides); random: advise also without native access enabled (the JDK then prints one
   * warning); pread: positional reads of sealed segments always, mappings advised as under auto;
   * off: neither (every fault reads the device's read-ahead window). docs/store.md ("Reads of
   * values not in memory").
   */
  private static final String READ_ADVICE = parseReadAdvice(System.getProperty(READ_ADVICE_PROPERTY));
  private static final boolean ADVISES = !READ_ADVICE.equals("off") && MAPPER.enableAdvice(READ_ADVICE.equals("random"));

  /**
   * Returns the setting of {@link #READ_ADVICE_PROPERTY}, trimmed and in lower case ({@code auto}
   * when unset).
   *
   * @throws IllegalArgumentException naming the property and the values it takes
   */
  static String parseReadAdvice(String setting) {
    String value = setting == null ? "auto" : setting.trim().toLowerCase(java.util.Locale.ROOT);
    if (!value.equals("auto") && !value.equals("random") && !value.equals("pread") && !value.equals("off")) {
      throw new IllegalArgumentException(READ_ADVICE_PROPERTY + " must be auto, random, pread or off, not \""
          + setting + "\"");
    }
    return value;
  }

  /** Returns this JVM's {@link #READ_ADVICE_PROPERTY}: auto, random, pread or off. */
  public static String readAdvice() {
    return READ_ADVICE;
  }

  /**
   * Returns whether mappings are advised to the kernel in this JVM (see {@link Access}).
   *
   * @return {@code true} if {@link #advise} reaches the kernel
   */
  public static boolean advisesReads() {
    return ADVISES;
  }

  /*
   * Test seam (see FileFaults in the test sources): while positive, each allocation of a new file
   * (a segment's blocks, an index image) fails with faultReason, as a full or read-only file system
   * would, and the count goes down by one.
   */
  private static final java.util.concurrent.atomic.AtomicInteger FAULTS = new java.util.concurrent.atomic.AtomicInteger();
  private static volatile String faultReason = "No space left on device";

  private final Path path;
  private final FileChannel channel;
  private final Mapper.Mapping mapping;
  private final MappedRegion region;
  /** The channel positional reads go through (ReadBuffer), opened at the first; null before it. */
  private volatile FileChannel reader;
  private volatile boolean closed;

  private MappedFile(Path path, FileChannel channel, Mapper.Mapping mapping) {
    this.path = path;
    this.channel = channel;
    this.mapping = mapping;
    this.region = new MappedRegion(mapping.buffer(), path.toString());
    if (ADVISES) {
      mapping.advise(Access.RANDOM);
    }
  }

  /**
   * Tells the kernel how this file's mapping will be read from now on; every mapping starts as
   * {@link Access#RANDOM} where {@link #advisesReads()}. Does nothing where it does not, or once
   * closed.
   *
   * @param access how the mapping will be read
   */
  public void advise(Access access) {
    if (ADVISES && !closed) {
      mapping.advise(access);
    }
  }

  /** Test seam: the mapper this JVM uses. */
  static Mapper mapper() {
    return MAPPER;
  }

  /**
   * How {@link #create} and {@link #prepare} write a new file's zeros, which decides how the page
   * cache holds the file and so how the kernel maps it and writes it back (docs/store.md,
   * "Segment files written in 2 MiB writes").
   */
  public enum Pages {
    /**
     * 2 MiB writes from 2 MiB-aligned offsets. Where the kernel keeps a file's page cache in large
     * folios (Linux 6.x: ext4, XFS) each aligned 2 MiB is one folio and the mapping takes 2 MiB
     * page-table entries, a TLB miss fewer on a random read; but a force, or the kernel's own
     * writeback, writes back each dirty folio whole, 2 MiB for one changed record.
     */
    HUGE(2 << 20),
    /**
     * 4 KiB writes: page-sized folios, mapped 4 KiB at a time; a force writes back only the pages
     * written since the last. For a store that forces every write.
     */
    SMALL(4096);

    final int writeSize;

    Pages(int writeSize) {
      this.writeSize = writeSize;
    }
  }

  /** {@link #create(Path, int, Pages)} with {@link Pages#HUGE}. */
  public static MappedFile create(Path path, int size) {
    return create(path, size, Pages.HUGE);
  }

  /**
   * Creates a new file of {@code size} bytes, allocates its blocks on the device (so that a full
   * disk is an {@code IOException} here, not a fault on a later write to the mapping) and maps it
   * for reading and writing.
   *
   * <p>The blocks are allocated by writing zeros through the channel, not by extending the file:
   * a store through a mapping into a hole of a sparse file needs a block at that moment, and on a
   * full device the kernel can only answer with SIGBUS, which the JVM turns into an
   * {@code InternalError} at some later, unrelated instruction. A file system that allocates at
   * write time (ext4 and XFS reserve delayed-allocation blocks in {@code write}, tmpfs allocates
   * its pages) reports the shortage here instead. If the allocation fails, the partial file is
   * deleted.
   *
   * <p>{@code pages} says how the zeros are written: in 2 MiB or in 4 KiB writes (see
   * {@link Pages}).
   *
   * @throws UncheckedIOException naming the file if it exists or cannot be created or allocated;
   *     its cause is the file system's {@code IOException}
   */
  public static MappedFile create(Path path, int size, Pages pages) {
    checkSize(path, size);
    Objects.requireNonNull(pages, "pages");
    FileChannel channel = null;
    try {
      channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      allocate(path, channel, size, pages.writeSize);
      return new MappedFile(path, channel, MAPPER.map(channel, FileChannel.MapMode.READ_WRITE, size));
    } catch (IOException e) {
      closeQuietly(channel);
      throw removeIncomplete(path, size, e);
    }
  }

  /**
   * Creates {@code path} as {@link #create(Path, int, Pages)} does and maps it with every page
   * already in this process's page tables: a segment file prepared ahead of the write that needs
   * it, by a thread other than the writers. {@link #create} leaves the first store into each page
   * of the mapping to fault it in (a shared file page: the page-cache lookup, the file system's
   * page_mkwrite, the page-table update), several microseconds on a virtual machine; under the
   * append lock every other writer waits for it (docs/store.md, "Segments prepared ahead"). Here
   * one zero byte is stored into every page, where the file already holds zeros, so the content
   * does not change.
   * The file is removed if it cannot be completed.
   *
   * @throws UncheckedIOException naming the file, with the file system's {@code IOException} as its cause
   */
  public static MappedFile prepare(Path path, int size, Pages pages) {
    MappedFile file = create(path, size, pages);
    for (int at = 0; at < size; at += PAGE) {
      file.region.putByte(at, (byte) 0);
    }
    return file;
  }

  /**
   * Renames this mapped file to {@code target} (an atomic rename in the same directory) and returns
   * the mapping under its new name; this object is spent (its {@link #close()} does nothing), so
   * the caller closes the one returned. The mapping itself is not touched: a file keeps its pages
   * and its mapping across a rename.
   *
   * @throws UncheckedIOException naming both files if the rename fails; this object is then
   *     still the file under its old name
   */
  public synchronized MappedFile renameTo(Path target) {
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
    try {
      Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": cannot become " + target + ": " + describe(e), e);
    }
    closed = true; // the mapping and the channel now belong to the returned object
    if (reader != null) {
      closeQuietly(reader);
    }
    return new MappedFile(target, channel, mapping);
  }

  /** Deletes a file that {@code create} could not complete; returns the error to throw. */
  private static UncheckedIOException removeIncomplete(Path path, int size, IOException e) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException suppressed) {
      e.addSuppressed(suppressed);
    }
    return new UncheckedIOException(path + ": cannot create a file of " + size + " bytes: " + describe(e), e);
  }

  /**
   * Maps an existing file whole.
   *
   * @throws UncheckedIOException naming the file if it cannot be opened or mapped
   */
  public static MappedFile open(Path path, boolean writable) {
    FileChannel channel = null;
    try {
      channel = writable
          ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
          : FileChannel.open(path, StandardOpenOption.READ);
      long size = channel.size();
      if (size > MAX_SIZE) {
        throw new IOException("file is " + size + " bytes, larger than one mapping may be (" + MAX_SIZE + ")");
      }
      return new MappedFile(path, channel,
          MAPPER.map(channel, writable ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY, (int) size));
    } catch (IOException e) {
      closeQuietly(channel);
      throw new UncheckedIOException(path + ": cannot map: " + e.getMessage(), e);
    }
  }

  private static void checkSize(Path path, int size) {
    if (size <= 0 || size > MAX_SIZE) {
      throw new IllegalArgumentException(path + ": mapping size must be in (0, " + MAX_SIZE + "]: " + size);
    }
  }

  /*
   * Writes the zeros writeSize bytes at a time from offsets that are multiples of it: the page
   * cache's folios, and so the page sizes the kernel can map, follow those writes (Pages; the
   * measurements are in benchmarks/README.md, "Segment files written in 2 MiB writes"). One buffer
   * of zeros serves every file: it is only ever read, each write through a duplicate's own
   * position and limit.
   */
  private static final class Zeros {
    static final ByteBuffer BUFFER = ByteBuffer.allocateDirect(Pages.HUGE.writeSize);
  }

  private static void allocate(Path path, FileChannel channel, int size, int writeSize) throws IOException {
    ByteBuffer zeros = Zeros.BUFFER.duplicate();
    long position = 0;
    while (position < size) {
      zeros.clear();
      zeros.limit((int) Math.min(writeSize, size - position));
      position += channel.write(zeros, position);
      if (position < size) {
        injectFault(path); // after the first chunk, as a device that fills up part way would
      }
    }
    if (size <= writeSize) {
      injectFault(path);
    }
  }

  /**
   * Opens {@code path} for writing a new file from its start, creating it or truncating it: the
   * index image's temporary file. Subject to the same injected faults as {@link #create}.
   *
   * @throws IOException as the file system reports it
   */
  public static FileChannel openForWriting(Path path) throws IOException {
    injectFault(path);
    return FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
  }

  private static void injectFault(Path path) throws IOException {
    if (FAULTS.get() > 0 && FAULTS.getAndDecrement() > 0) {
      throw new FileSystemException(path.toString(), null, faultReason);
    }
  }

  /** Test seam: makes the next {@code count} file allocations fail with {@code reason}; 0 ends it. */
  static void injectFaults(int count, String reason) {
    faultReason = reason;
    FAULTS.set(count);
  }

  /** The file system's reason, without the path that FileSystemException repeats. */
  public static String describe(IOException e) {
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason() + " (" + e.getClass().getSimpleName() + ")";
    }
    return String.valueOf(e.getMessage()) + " (" + e.getClass().getSimpleName() + ")";
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // the original error is the one to report
      }
    }
  }

  /** Returns the mapped file's path. */
  public Path path() {
    return path;
  }

  /** Returns the mapped bytes. */
  public Region region() {
    return region;
  }

  /** Returns whether {@link #close()} has run. */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Writes every modified page of the mapping to the device and waits, then forces the file's
   * metadata.
   *
   * @throws UncheckedIOException naming the file if the device reports an error
   */
  public void force() {
    region.buffer().force();
    try {
      channel.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": cannot force to disk: " + e.getMessage(), e);
    }
  }

  /*
   * Positional reads, for ReadBuffer. They go through a channel of their own, opened read-only at
   * the first: a FileChannel is interruptible, and an interrupt that arrives during a read closes
   * the channel (ClosedByInterruptException), which must never take away the channel that force()
   * and close() use. A reader channel closed that way is opened again by the next read; the read
   * that met the interrupt reports false and its caller reads the mapping instead, as does a read
   * by a thread already interrupted (which would close the channel at once) and a read of a file
   * deleted meanwhile (a retired segment) before its channel was opened.
   */
  boolean readAt(ByteBuffer dst, long position) {
    if (closed || Thread.currentThread().isInterrupted()) {
      return false;
    }
    int start = dst.position();
    for (int attempt = 0; attempt < 2; attempt++) {
      FileChannel ch = reader();
      if (ch == null) {
        return false;
      }
      try {
        while (dst.hasRemaining()) {
          if (ch.read(dst, position + dst.position() - start) < 0) {
            return false; // past the end of the file: the mapping's bounds check reports it
          }
        }
        return true;
      } catch (java.nio.channels.ClosedByInterruptException e) {
        return false; // this thread was interrupted; its status stays set
      } catch (java.nio.channels.ClosedChannelException e) {
        // another thread's interrupt closed the channel under this read: open it again, once
      } catch (IOException e) {
        throw new UncheckedIOException(path + ": cannot read " + dst.remaining() + " bytes at " + position + ": "
            + describe(e), e);
      }
    }
    return false;
  }

  private FileChannel reader() {
    FileChannel ch = reader;
    return ch != null && ch.isOpen() ? ch : openReader();
  }

  private synchronized FileChannel openReader() {
    if (closed) {
      return null;
    }
    FileChannel ch = reader;
    if (ch == null || !ch.isOpen()) {
      try {
        reader = ch = FileChannel.open(path, StandardOpenOption.READ);
      } catch (IOException e) {
        return null; // deleted (a retired segment) or unreadable: read the mapping
      }
    }
    return ch;
  }

  /** Unmaps the region and closes the file. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      mapping.unmap();
    } finally {
      if (reader != null) {
        closeQuietly(reader);
      }
      try {
        channel.close();
      } catch (IOException e) {
        throw new UncheckedIOException(path + ": cannot close: " + e.getMessage(), e);
      }
    }
  }

  @Override
  public String toString() {
    return "MappedFile[" + path + "]";
  }
}
