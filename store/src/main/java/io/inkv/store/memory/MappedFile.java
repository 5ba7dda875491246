package io.inkv.store.memory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file mapped into memory whole, as one {@link Region}; the one place in inkv that opens and
 * maps files.
 *
 * <p>Every error names the file. {@link #close()} unmaps the region at once (rather than when the
 * garbage collector gets to it) and closes the file; the caller guarantees that no thread reads
 * the region after that, which the store does by draining in-flight operations first.
 */
public final class MappedFile implements AutoCloseable {
  /** The largest file one mapping may cover. */
  public static final int MAX_SIZE = 1 << 30;

  private static final Unmapper UNMAPPER = Unmapper.find();

  private final Path path;
  private final FileChannel channel;
  private final MappedRegion region;
  private volatile boolean closed;

  private MappedFile(Path path, FileChannel channel, MappedByteBuffer buffer) {
    this.path = path;
    this.channel = channel;
    this.region = new MappedRegion(buffer, path.toString());
  }

  /**
   * Creates a new file of {@code size} bytes, allocates its blocks on the device (so that a full
   * disk is an {@code IOException} here, not a fault on a later write to the mapping) and maps it
   * for reading and writing.
   *
   * @throws UncheckedIOException naming the file if it exists or cannot be created or allocated
   */
  public static MappedFile create(Path path, int size) {
    checkSize(path, size);
    FileChannel channel = null;
    try {
      channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      allocate(channel, size);
      MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_WRITE, 0, size);
      return new MappedFile(path, channel, buffer);
    } catch (IOException e) {
      closeQuietly(channel);
      try {
        Files.deleteIfExists(path);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new UncheckedIOException(path + ": cannot create a mapped file of " + size + " bytes: " + e, e);
    }
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
      MappedByteBuffer buffer = channel.map(
          writable ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY, 0, size);
      return new MappedFile(path, channel, buffer);
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

  private static void allocate(FileChannel channel, int size) throws IOException {
    ByteBuffer zeros = ByteBuffer.allocateDirect(Math.min(size, 1 << 20));
    long position = 0;
    while (position < size) {
      zeros.clear();
      zeros.limit((int) Math.min(zeros.capacity(), size - position));
      position += channel.write(zeros, position);
    }
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

  /** Unmaps the region and closes the file. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      UNMAPPER.unmap(region.buffer());
    } finally {
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

  /*
   * JDK 17 has no public way to unmap a MappedByteBuffer before it is garbage collected (the
   * foreign memory API that has one is final only from JDK 22). sun.misc.Unsafe.invokeCleaner is the
   * supported escape hatch for exactly this (it is not one of the memory-access methods JEP 471
   * deprecates). Without it, a closed store would keep its files mapped until some later GC.
   */
  private static final class Unmapper {
    private final Object unsafe;
    private final Method invokeCleaner;

    private Unmapper(Object unsafe, Method invokeCleaner) {
      this.unsafe = unsafe;
      this.invokeCleaner = invokeCleaner;
    }

    static Unmapper find() {
      try {
        Class<?> type = Class.forName("sun.misc.Unsafe");
        java.lang.reflect.Field field = type.getDeclaredField("theUnsafe");
        field.setAccessible(true);
        return new Unmapper(field.get(null), type.getMethod("invokeCleaner", ByteBuffer.class));
      } catch (ReflectiveOperationException | RuntimeException e) {
        return new Unmapper(null, null);
      }
    }

    void unmap(ByteBuffer buffer) {
      if (invokeCleaner == null) {
        return; // the garbage collector unmaps it when the buffer becomes unreachable
      }
      try {
        invokeCleaner.invoke(unsafe, buffer);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot unmap " + buffer, e);
      }
    }
  }
}
