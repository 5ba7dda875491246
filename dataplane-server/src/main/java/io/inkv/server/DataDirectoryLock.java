package io.inkv.server;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/*
 * One server per data directory. Each store already locks its own directory when it opens, but a
 * data directory holds more than the stores open at start-up: the stores its writes will create,
 * the kind files, and .images/. Two servers on one directory would race on all of them, and the
 * second would learn of the first only at its first write to a store the first holds (a 500), or
 * at start-up with a store's lock error deep in the stack. So the server takes an exclusive OS
 * file lock on <data-dir>/.inkv-server.lock before it touches anything else (Kafka included) and
 * holds it until it has closed every store. The OS releases the lock when the process dies, so a
 * crash or kill -9 leaves nothing to clean up; the file itself stays and is harmless (its name is
 * not a store name, so the server never mistakes it for a store).
 */
final class DataDirectoryLock implements AutoCloseable {
  static final String FILE = ".inkv-server.lock";

  /** Thrown when another process, or another server in this one, holds the data directory. */
  static final class InUseException extends ServerException {
    private static final long serialVersionUID = 1L;

    InUseException(Path dataDir, String holder) {
      super("--data-dir " + dataDir + " is in use by " + holder + " (it holds the lock on "
          + dataDir.resolve(FILE) + "); stop that server first, or choose another --data-dir");
    }
  }

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirectoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Creates {@code dataDir} if needed and locks it for this server.
   *
   * @throws InUseException if another inkv server holds it
   * @throws ServerException if the directory cannot be created or the lock file opened
   */
  static DataDirectoryLock acquire(Path dataDir) {
    Path dir = dataDir.toAbsolutePath().normalize();
    FileChannel channel;
    try {
      Files.createDirectories(dir);
      channel = FileChannel.open(dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new ServerException("--data-dir " + dir + ": cannot create or lock: " + e.getMessage(), e);
    }
    boolean locked = false;
    try {
      FileLock lock = channel.tryLock();
      if (lock == null) {
        throw new InUseException(dir, "another inkv process");
      }
      locked = true;
      return new DataDirectoryLock(channel, lock);
    } catch (OverlappingFileLockException e) {
      throw new InUseException(dir, "another inkv server in this process");
    } catch (IOException e) {
      throw new ServerException("--data-dir " + dir + ": cannot lock " + dir.resolve(FILE) + ": " + e.getMessage(), e);
    } finally {
      if (!locked) {
        closeQuietly(channel); // whatever failed, the channel must not outlive it
      }
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing was locked
    }
  }

  /** Releases the lock; idempotent. */
  @Override
  public void close() {
    try {
      if (lock.isValid()) {
        lock.release();
      }
      channel.close();
    } catch (IOException ignored) {
      // the OS releases the lock with the process anyway
    }
  }
}
