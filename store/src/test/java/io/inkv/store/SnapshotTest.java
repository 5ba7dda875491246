package io.inkv.store;

import static io.inkv.store.StoreTesting.bytes;
import static io.inkv.store.StoreTesting.copyDirectory;
import static io.inkv.store.StoreTesting.key;
import static io.inkv.store.StoreTesting.string;
import static io.inkv.store.StoreTesting.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Store.snapshot: a copy of the target opens to every write made before the snapshot, while
 * writers and compaction go on, and the store itself is unchanged by it.
 */
@ExtendWith(StoreResourceCheck.class)
class SnapshotTest {
  @TempDir Path dir;

  private StoreOptions.Builder options(Path d) {
    return StoreOptions.builder(d).segmentSize(StoreOptions.MIN_SEGMENT_SIZE).backgroundMaintenance(false);
  }

  private static void assertHolds(Path snapshot, Path copy, int from, int to) {
    copyDirectory(snapshot, copy);
    try (Store opened = StoreOptions.builder(copy).createIfMissing(false).backgroundMaintenance(false).open()) {
      for (int i = from; i < to; i++) {
        assertArrayEquals(value(i, 100), opened.get(key(i)), "key " + i);
      }
      opened.verify();
    }
  }

  @Test
  void aCopyOfTheSnapshotOpensToEveryWriteBeforeIt() {
    try (Store s = options(dir.resolve("store")).open()) {
      for (int i = 0; i < 3000; i++) {
        s.put(key(i), value(i, 100));
      }
      s.remove(key(7));
      s.put(bytes("meta-layer"), bytes("x"));
      List<Path> written = s.snapshot(dir.resolve("snap"));
      assertTrue(written.contains(dir.resolve("snap").resolve(StoreFiles.IMAGE_FILE)), written.toString());
      assertTrue(written.contains(dir.resolve("snap").resolve(StoreFiles.MANIFEST_FILE)), written.toString());
      assertFalse(Files.exists(dir.resolve("snap").resolve(StoreFiles.LOCK_FILE)), "the lock is the store's own");
      s.put(key(5000), value(5000, 100)); // after the snapshot: the store goes on
      assertHolds(dir.resolve("snap"), dir.resolve("copy"), 8, 3000);
      try (Store copy = StoreOptions.builder(dir.resolve("copy")).backgroundMaintenance(false).open()) {
        assertNull(copy.get(key(7)), "a removal before the snapshot stays removed");
        assertNull(copy.get(key(5000)), "a write after the snapshot is not in it");
      }
      assertEquals("x", string(s.get(bytes("meta-layer"))));
    }
  }

  @Test
  void filesOfLayersAboveAreLinkedUnlessTheLayerWroteItsOwnFirst() throws IOException {
    try (Store s = options(dir.resolve("store")).open()) {
      s.put(key(1), value(1, 100));
      Files.writeString(dir.resolve("store").resolve("a.meta"), "store's");
      Files.writeString(dir.resolve("store").resolve("b.meta"), "store's");
      Files.createDirectories(dir.resolve("snap"));
      Files.writeString(dir.resolve("snap").resolve("b.meta"), "layer's");
      s.snapshot(dir.resolve("snap"));
      assertEquals("store's", Files.readString(dir.resolve("snap").resolve("a.meta")));
      assertEquals("layer's", Files.readString(dir.resolve("snap").resolve("b.meta")));
    }
  }

  @Test
  void snapshotsTakenWhileWritersAndCompactionRunAreEachConsistent() throws Exception {
    try (Store s = options(dir.resolve("store")).compactionThreshold(0.1).open()) {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger written = new AtomicInteger();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread writer = new Thread(() -> {
        try {
          for (int round = 0; !stop.get(); round++) {
            for (int i = 0; i < 500 && !stop.get(); i++) {
              s.put(key(i), value(i, 100));
              written.accumulateAndGet(i + 1, Math::max);
            }
            s.compact();
          }
        } catch (Throwable t) {
          failure.set(t);
        }
      });
      writer.start();
      try {
        for (int n = 0; n < 10; n++) {
          while (written.get() < 500) {
            Thread.onSpinWait();
          }
          s.snapshot(dir.resolve("snap" + n));
          assertHolds(dir.resolve("snap" + n), dir.resolve("copy" + n), 0, 500);
        }
      } finally {
        stop.set(true);
        writer.join();
      }
      assertNull(failure.get());
    }
  }

  @Test
  void aTemporaryStoreSnapshotsToo() {
    try (Store s = options(dir.resolve("tmp")).temporary(true).open()) {
      for (int i = 0; i < 100; i++) {
        s.put(key(i), value(i, 100));
      }
      s.snapshot(dir.resolve("snap"));
    }
    assertHolds(dir.resolve("snap"), dir.resolve("copy"), 0, 100);
  }

  @Test
  void aReadOnlyStoreRefusesASnapshot() {
    try (Store s = options(dir.resolve("store")).open()) {
      s.put(key(1), value(1, 100));
    }
    try (Store s = options(dir.resolve("store")).readOnly(true).open()) {
      assertThrows(Store.ReadOnlyException.class, () -> s.snapshot(dir.resolve("snap")));
    }
  }

  @Test
  void aTargetHoldingAFileOfTheStoresNameIsRefused() throws IOException {
    try (Store s = options(dir.resolve("store")).open()) {
      s.put(key(1), value(1, 100));
      Path target = Files.createDirectories(dir.resolve("snap"));
      Files.write(target.resolve(StoreFiles.MANIFEST_FILE), bytes("not the store's"));
      Store.StorageException e = assertThrows(Store.StorageException.class, () -> s.snapshot(target));
      assertTrue(e.getMessage().contains(StoreFiles.MANIFEST_FILE), e.getMessage());
      assertEquals("not the store's", string(Files.readAllBytes(target.resolve(StoreFiles.MANIFEST_FILE))),
          "a file already in the target is left as it was");
      assertArrayEquals(value(1, 100), s.get(key(1)));
    }
  }

  @Test
  void aWriterOverTheDiskBudgetGoesOnWhileASnapshotHoldsTheMaintenanceLock() throws Exception {
    try (LogStore s = (LogStore) options(dir.resolve("store")).open()) {
      byte[] big = new byte[1000];
      java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      Thread snapshot = new Thread(() -> s.maintenance.whileSnapshotting(() -> {
        holding.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return null;
      }));
      snapshot.start();
      holding.await();
      AtomicInteger written = new AtomicInteger();
      Thread writer = new Thread(() -> {
        // 3,000 overwrites of one key: about 3 MB of files for 1 KB of live data, far past the
        // budget (16 segments and 4x the live bytes), so every put from the first past it asks
        // compaction for help, which a snapshot holds.
        for (int i = 0; i < 3000; i++) {
          s.put(key(1), big);
          written.incrementAndGet();
        }
      });
      writer.start();
      writer.join(60_000); // a liveness bound, not a timing: the writer must not wait for the snapshot
      boolean finishedWhileHeld = !writer.isAlive();
      boolean overBudget = s.compaction.overDiskBudget();
      int doneWhileHeld = written.get();
      release.countDown();
      snapshot.join();
      writer.join();
      assertTrue(finishedWhileHeld, "the writer waited for the snapshot after " + doneWhileHeld + " puts");
      assertTrue(overBudget, "the test never reached the disk budget");
      s.put(key(2), big); // the lock is free again: this write helps compaction back under the budget
      assertFalse(s.compaction.overDiskBudget());
    }
  }
}
