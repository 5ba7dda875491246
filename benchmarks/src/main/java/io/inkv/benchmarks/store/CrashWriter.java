package io.inkv.benchmarks.store;

import io.inkv.store.Durability;
import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import java.nio.file.Paths;
import java.util.SplittableRandom;

/**
 * The child process of {@link StoreOpenBenchmark#reopenAfterCrash}: opens a store, overwrites
 * random existing keys without writing an index image, and halts without closing it.
 *
 * <p>Arguments: directory, entries, tail entries, value size.
 */
public final class CrashWriter {
  static final int EXIT_CODE = 77;

  private CrashWriter() {}

  public static void main(String[] args) {
    Store store = StoreOptions.builder(Paths.get(args[0]))
        .durability(Durability.NONE)
        .backgroundMaintenance(false)
        .createIfMissing(false)
        .open();
    int entries = Integer.parseInt(args[1]);
    int tail = Integer.parseInt(args[2]);
    byte[] value = Keys.value(Integer.parseInt(args[3]), System.nanoTime());
    SplittableRandom random = new SplittableRandom();
    for (int i = 0; i < tail; i++) {
      store.put(Keys.present(random.nextInt(entries)), value);
    }
    // No close: no index image, no unmapping, no lock release. halt skips shutdown hooks, so the
    // store sees what a kill -9 leaves: records in the page cache, the image of the last close.
    Runtime.getRuntime().halt(EXIT_CODE);
  }
}
