package io.inkv.store.internal;

import io.inkv.store.Store;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/*
 * The one home of inkv's file discipline outside the segments themselves.
 *
 * A file that replaces another must survive a power loss whole or not at all: write a temporary
 * sibling, force it, rename it over the target (atomic on every POSIX file system and on NTFS), then
 * force the directory, because the rename is a change to the directory and is not durable until the
 * directory's own metadata is on disk (ext4 with data=ordered usually gets this right by accident;
 * XFS and ext4 with delalloc do not). Every module that renames a file into place goes through
 * moveAtomically, so the directory force is never forgotten.
 *
 * deleteTree removes a directory and everything below it, tolerating files that vanish while it
 * walks (a store closing, a compaction finishing).
 */
public final class DurableFiles {
  /** The suffix of every temporary file inkv writes before renaming it into place. */
  public static final String TEMP_SUFFIX = ".tmp";

  private DurableFiles() {}

  /**
   * Replaces {@code target} with {@code content}: a temporary sibling, forced when {@code force},
   * renamed over the target, and the directory forced.
   *
   * @throws Store.StorageException if the file cannot be written or renamed
   */
  public static void writeAtomically(Path target, byte[] content, boolean force) {
    Path temp = target.resolveSibling(target.getFileName() + TEMP_SUFFIX);
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
    moveAtomically(temp, target, force);
  }

  /**
   * Renames {@code source} (already written and, if it must be durable, forced) over
   * {@code target}, then forces the target's directory when {@code force}.
   *
   * @throws Store.StorageException if the rename fails
   */
  public static void moveAtomically(Path source, Path target, boolean force) {
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new Store.StorageException(target + ": cannot replace with " + source.getFileName() + ": " + e, e);
    }
    if (force) {
      forceDirectory(target.toAbsolutePath().getParent());
    }
  }

  /** Forces a directory's entries to disk; a file system that cannot open a directory is left as it is. */
  public static void forceDirectory(Path directory) {
    try (FileChannel ch = FileChannel.open(directory, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems cannot open or force a directory; the rename is then as durable as it gets.
    }
  }

  /**
   * Deletes {@code root} and everything below it; a missing root or a file that disappears meanwhile
   * is not an error.
   *
   * @throws Store.StorageException if a file that exists cannot be deleted
   */
  public static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          if (e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE;
          }
          throw e;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          if (e != null && !(e instanceof NoSuchFileException)) {
            throw e;
          }
          Files.deleteIfExists(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (NoSuchFileException e) {
      // gone already
    } catch (IOException e) {
      throw new Store.StorageException(root + ": cannot delete: " + e, e);
    }
  }
}
