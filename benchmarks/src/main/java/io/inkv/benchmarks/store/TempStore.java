package io.inkv.benchmarks.store;

import io.inkv.store.internal.DurableFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/*
 * Where benchmark stores live: a fresh directory under -Dinkv.bench.dir (default java.io.tmpdir),
 * deleted with everything in it when the trial ends. Put it on the disk you mean to measure.
 */
public final class TempStore {
  private TempStore() {}

  /** A fresh directory for a benchmark's store, named with {@code prefix}. */
  public static Path create(String prefix) {
    try {
      Path parent = Paths.get(System.getProperty("inkv.bench.dir", System.getProperty("java.io.tmpdir")));
      Files.createDirectories(parent);
      return Files.createTempDirectory(parent, prefix);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a benchmark store directory", e);
    }
  }

  /** Deletes {@code dir} and everything in it; nothing if it does not exist. */
  public static void delete(Path dir) {
    if (dir != null) {
      DurableFiles.deleteTree(dir);
    }
  }

  static long sizeOf(Path dir) {
    try (var files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot measure " + dir, e);
    }
  }
}
