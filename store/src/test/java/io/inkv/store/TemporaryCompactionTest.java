package io.inkv.store;

import static io.inkv.store.StoreTesting.key;
import static io.inkv.store.StoreTesting.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction of a temporary store, which no replay of its log will ever read, drops the records
 * the index does not point at without carrying tombstones forward, where a store that may be
 * reopened carries them; both keep every live entry.
 */
@ExtendWith(StoreResourceCheck.class)
class TemporaryCompactionTest {
  @TempDir Path dir;

  /** Writes 400 keys over several 64 KiB segments, removes every other one, compacts; returns the garbage left. */
  private long garbageAfterCompaction(boolean temporary) {
    try (Store store = StoreOptions.builder(dir.resolve(temporary ? "temporary" : "persistent"))
        .segmentSize(StoreOptions.MIN_SEGMENT_SIZE).backgroundMaintenance(false).temporary(temporary).open()) {
      for (int i = 0; i < 400; i++) {
        store.put(key(i), value(i, 600));
      }
      for (int i = 0; i < 400; i += 2) {
        store.remove(key(i));
      }
      for (int i = 400; i < 520; i++) { // later segments, so the removals' segments are sealed
        store.put(key(i), value(i, 600));
      }
      assertTrue(store.compact() > 0, "some segments were past the garbage threshold");
      for (int i = 0; i < 520; i++) {
        if (i < 400 && i % 2 == 0) {
          assertNull(store.get(key(i)), "removed key " + i);
        } else {
          assertArrayEquals(value(i, 600), store.get(key(i)), "live key " + i);
        }
      }
      assertEquals(320, store.size());
      return store.stats().garbageBytes();
    }
  }

  @Test
  void aTemporaryStoreCarriesNoTombstoneThroughCompactionAndLosesNoEntry() {
    long persistent = garbageAfterCompaction(false);
    long temporary = garbageAfterCompaction(true);
    assertTrue(persistent > 0, "a store that may be replayed carries the removals forward: " + persistent);
    assertTrue(temporary < persistent, "a temporary store carries none: " + temporary + " against " + persistent);
  }
}
