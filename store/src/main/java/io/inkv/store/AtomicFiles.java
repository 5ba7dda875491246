package io.inkv.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Atomic replacement of small files: write a temp file, force it, rename it, force the directory. */
final class AtomicFiles {
  static final String TEMP_SUFFIX = ".tmp";

  private AtomicFiles() {}

  static void writeAtomically(Path directory, String name, byte[] content, boolean force) {
    Path temp = directory.resolve(name + TEMP_SUFFIX);
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(content);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      if (force) {
        ch.force(true);
      }
    } catch (IOException e) {
      throw new Store.StorageException(temp + ": cannot write: " + e, e);
    }
    commit(directory, temp, name, force);
  }

  /** Renames a forced temp file over {@code name} and forces the directory entry. */
  static void commit(Path directory, Path temp, String name, boolean force) {
    Path target = directory.resolve(name);
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new Store.StorageException(target + ": cannot replace: " + e, e);
    }
    if (force) {
      forceDirectory(directory);
    }
  }

  static void forceDirectory(Path directory) {
    try (FileChannel ch = FileChannel.open(directory, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems cannot open or force a directory; the rename is then as durable as it gets.
    }
  }
}
