package io.inkv.store;

import io.inkv.store.internal.SharedExecutor;
import io.inkv.store.memory.MappedFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/*
 * The spare segment: the next segment's file, written and mapped ahead of need. The file is
 * written (zero-filled, so that writes through its mapping cannot fail for want of disk space),
 * mapped, and every page of the mapping touched (MappedFile.prepare) by one thread shared by every
 * store of the JVM, as soon as the active segment takes its first record (once it was half full:
 * a writer of values of about 800 bytes then filled the other half first and waited at the roll);
 * a roll then only renames it, instead of writing up to 64 MiB of zeros under the append lock
 * (which stalled every write for ~300 ms on this project's test disks) and then faulting each page
 * in under that lock, one append in every few dozen (docs/store.md, "Segments prepared ahead").
 * The file's name is one StoreFiles gives (a *.next.tmp file), so an open after a crash deletes it
 * like any unfinished file.
 *
 * Not while less than twice its size is free on the disk (it must not take the space the writes
 * need), and not for RETRY_NANOS after a failure.
 *
 * A store holds a lease on the shared writer from its first preparation until discard() at close;
 * the last store to let go stops the thread and waits for it to end (SharedExecutor). Between
 * preparations the idle thread ends after 30 s anyway.
 */
final class SpareSegment {
  private static final System.Logger LOG = System.getLogger(SpareSegment.class.getName());
  private static final SharedExecutor<ThreadPoolExecutor> WRITER = new SharedExecutor<>(
      n -> "inkv-segment-allocator", SpareSegment::writer);
  private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(30);

  /** A prepared file, mapped, and its size. */
  record Spare(MappedFile file, int size) {
    Path path() {
      return file.path();
    }

    /** Unmaps and deletes the file; for a spare nobody will use. */
    void delete() {
      file.close();
      deleteQuietly(file.path());
    }
  }

  private final Path directory;
  private final MappedFile.Pages pages;
  private final AtomicLong adopted = new AtomicLong();
  private Spare spare; // guarded by this
  private Future<?> task; // guarded by this
  private int writingSize; // guarded by this: the size of the file the allocator thread is writing now, or 0
  private SharedExecutor.Lease<ThreadPoolExecutor> writer; // guarded by this: taken by the first preparation
  private long retryAt; // guarded by this: System.nanoTime() before which a failed preparation is not retried
  private boolean closed; // guarded by this

  SpareSegment(Path directory, MappedFile.Pages pages) {
    this.directory = directory;
    this.pages = pages;
  }

  private static ThreadPoolExecutor writer(ThreadFactory threads) {
    ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads);
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }

  /**
   * Takes the prepared file if it is {@code size} bytes; null if there is none of that size. A
   * file of that size that the allocator thread is writing now is waited for: the rest of its
   * writing takes less time than a whole file written by the caller, who would otherwise write a
   * second one beside it (a writer rolling faster than the allocator thread keeps up: about one in
   * twelve of the writing thread's profile samples, at 10,000 entries overwritten as fast as one
   * thread can). A file still queued behind another store's is not waited for.
   */
  Spare take(int size) {
    Future<?> writing;
    synchronized (this) {
      if (spare != null || writingSize != size || task == null || task.isDone()) {
        return takeReady(size);
      }
      writing = task;
    }
    try {
      writing.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException e) {
      return null;
    }
    synchronized (this) {
      return takeReady(size);
    }
  }

  /** Takes the prepared file if one of {@code size} bytes is ready; null otherwise. Holds this. */
  private Spare takeReady(int size) {
    Spare s = spare;
    if (s == null || s.size != size) {
      return null;
    }
    spare = null;
    return s;
  }

  /** Counts a roll that used the prepared file. */
  void adopted() {
    adopted.incrementAndGet();
  }

  /** Starts writing a file of {@code size} bytes at {@code path} unless one is ready or being written. */
  synchronized void prepare(int size, Path path) {
    if (closed || (task != null && !task.isDone()) || System.nanoTime() < retryAt) {
      return;
    }
    if (spare != null) {
      if (spare.size == size) {
        return;
      }
      spare.delete();
      spare = null;
    }
    if (writer == null) {
      writer = WRITER.acquire();
    }
    task = writer.executor().submit(() -> write(path, size));
  }

  private void write(Path path, int size) {
    synchronized (this) {
      if (closed) {
        return; // queued behind another store's file while this one closed
      }
      writingSize = size;
    }
    MappedFile file;
    try {
      long usable = Files.getFileStore(directory).getUsableSpace();
      if (usable < 2L * size) {
        throw new IOException(usable + " bytes free, less than twice the " + size + " to prepare");
      }
      file = MappedFile.prepare(path, size, pages);
    } catch (IOException | UncheckedIOException e) {
      LOG.log(System.Logger.Level.DEBUG, () -> directory + ": not preparing the next segment: " + e.getMessage());
      synchronized (this) {
        retryAt = System.nanoTime() + RETRY_NANOS;
        writingSize = 0;
      }
      return;
    }
    synchronized (this) {
      writingSize = 0;
      if (closed) {
        new Spare(file, size).delete();
      } else {
        spare = new Spare(file, size);
      }
    }
  }

  /** Waits for a preparation in flight, deletes the prepared file and lets go of the writer; for the store's close. */
  void discard() {
    Future<?> pending;
    SharedExecutor.Lease<?> leased;
    synchronized (this) {
      closed = true;
      pending = task;
      leased = writer;
      writer = null;
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
    synchronized (this) {
      if (spare != null) {
        spare.delete();
        spare = null;
      }
    }
    if (leased != null) {
      leased.close();
    }
  }

  static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, () -> path + ": cannot delete: " + e);
    }
  }

  /** Whether the allocator thread is writing a file for this store now; for tests. */
  synchronized boolean writingForTest() {
    return writingSize != 0;
  }

  /** Whether a prepared file is ready; for tests. */
  synchronized boolean readyForTest() {
    return spare != null;
  }

  /** How many stores hold the shared writer thread; for tests. */
  static int storesUsingTheWriterForTest() {
    return WRITER.usersForTest();
  }

  /** How many rolls used a prepared file; for tests. */
  long adoptedForTest() {
    return adopted.get();
  }
}
