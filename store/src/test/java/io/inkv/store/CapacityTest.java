package io.inkv.store;

import static io.inkv.store.StoreTesting.key;
import static io.inkv.store.StoreTesting.string;
import static io.inkv.store.StoreTesting.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capacity bound: with one writer, the bound holds when each put returns, the oldest-written
 * entries go first (FIFO in log order), the listener hears EVICTED, and evicted keys stay gone.
 */
@ExtendWith(StoreResourceCheck.class)
class CapacityTest {
  @TempDir Path dir;

  private final List<String> evicted = new ArrayList<>();
  private Store store;

  private StoreOptions.Builder options() {
    return StoreOptions.builder(dir.resolve("store")).segmentSize(StoreOptions.MIN_SEGMENT_SIZE)
        .backgroundMaintenance(false)
        .removalListener((k, v, cause) -> {
          assertEquals(RemovalListener.Cause.EVICTED, cause);
          evicted.add(string(k));
        });
  }

  private Store open(StoreOptions.Builder options) {
    store = options.open();
    return store;
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void maxEntriesHoldsAfterEveryPutAndTheOldestWrittenGoFirst() {
    Store s = open(options().maxEntries(100));
    for (int i = 0; i < 1000; i++) {
      s.put(key(i), value(i, 50));
      assertTrue(s.size() <= 100, "size " + s.size() + " after put " + i);
    }
    assertEquals(100, s.size());
    for (int i = 0; i < 900; i++) {
      assertNull(s.get(key(i)), "key-" + i + " is among the oldest and was evicted");
    }
    for (int i = 900; i < 1000; i++) {
      assertArrayEquals(value(i, 50), s.get(key(i)));
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 900; i++) {
      expected.add("key-" + i);
    }
    assertEquals(expected, evicted, "evicted in the order they were written, each once");
    assertEquals(900, s.stats().evictions());
  }

  @Test
  void anOverwriteMovesAKeyToTheYoungEndOfTheLog() {
    Store s = open(options().maxEntries(3));
    s.put(key(1), value(1, 10));
    s.put(key(2), value(2, 10));
    s.put(key(3), value(3, 10));
    s.put(key(1), value(11, 10)); // key-1 is now the youngest
    s.put(key(4), value(4, 10));
    assertNull(s.get(key(2)), "the oldest written entry goes first");
    assertArrayEquals(value(11, 10), s.get(key(1)));
    assertEquals(List.of("key-2"), evicted);
  }

  @Test
  void maxBytesHoldsAfterEveryPut() {
    long bound = 20_000;
    Store s = open(options().maxBytes(bound));
    for (int i = 0; i < 2000; i++) {
      s.put(key(i), value(i, i % 300));
      assertTrue(s.stats().liveBytes() <= bound, "live bytes " + s.stats().liveBytes() + " after put " + i);
    }
    assertTrue(s.stats().liveBytes() > bound / 2, "eviction stopped once within the bound: " + s.stats());
    for (int i = 1999; i >= 1990; i--) {
      assertArrayEquals(value(i, i % 300), s.get(key(i)), "the youngest entries stay");
    }
    // FIFO: what remains is a suffix of the write order.
    int firstPresent = -1;
    for (int i = 0; i < 2000; i++) {
      if (s.containsKey(key(i))) {
        if (firstPresent < 0) {
          firstPresent = i;
        }
      } else {
        assertTrue(firstPresent < 0, "key-" + i + " was evicted although the older key-" + firstPresent + " was kept");
      }
    }
  }

  @Test
  void evictedKeysDoNotComeBackAfterReopenEvenFromAFullReplay() throws Exception {
    Store s = open(options().maxEntries(50));
    for (int i = 0; i < 500; i++) {
      s.put(key(i), value(i, 100));
    }
    s.close();
    Store reopened = open(options().maxEntries(50));
    assertEquals(50, reopened.size());
    for (int i = 0; i < 450; i++) {
      assertNull(reopened.get(key(i)));
    }
    for (int i = 450; i < 500; i++) {
      assertArrayEquals(value(i, 100), reopened.get(key(i)));
    }
    reopened.put(key(1000), value(1000, 100));
    assertNull(reopened.get(key(450)), "FIFO continues across reopen");
    reopened.close();
    Files.delete(dir.resolve("store").resolve(StoreFiles.IMAGE_FILE));
    Store replayed = open(options().maxEntries(50));
    assertEquals(50, replayed.size());
    for (int i = 0; i <= 450; i++) {
      assertNull(replayed.get(key(i)), "key-" + i);
    }
  }
}
