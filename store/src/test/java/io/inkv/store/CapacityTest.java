package io.inkv.store;

import static io.inkv.store.StoreTesting.key;
import static io.inkv.store.StoreTesting.string;
import static io.inkv.store.StoreTesting.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capacity bound: with one writer, the bound holds when each put returns; the store evicts
 * what its EvictionPolicy names (a frequency-admitted FIFO: a key seen once does not displace a
 * key seen more often); the listener hears EVICTED once per evicted key; evicted keys stay gone,
 * also after a reopen; and the same writes and reads evict the same keys on every run.
 */
@ExtendWith(StoreResourceCheck.class)
class CapacityTest {
  @TempDir Path dir;

  private final List<String> evicted = new ArrayList<>();
  private Store store;

  private StoreOptions.Builder options() {
    return options("store", evicted);
  }

  private StoreOptions.Builder options(String name, List<String> sink) {
    return StoreOptions.builder(dir.resolve(name)).segmentSize(StoreOptions.MIN_SEGMENT_SIZE)
        .backgroundMaintenance(false)
        .removalListener((k, v, cause) -> {
          assertEquals(RemovalListener.Cause.EVICTED, cause);
          sink.add(string(k));
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
  void maxEntriesHoldsAfterEveryPutAndEachEvictedKeyIsReportedOnceAndGone() {
    Store s = open(options().maxEntries(100));
    for (int i = 0; i < 1000; i++) {
      s.put(key(i), value(i, 50));
      assertTrue(s.size() <= 100, "size " + s.size() + " after put " + i);
    }
    assertEquals(100, s.size());
    assertEquals(900, evicted.size());
    assertEquals(900, new HashSet<>(evicted).size(), "each evicted key is reported once");
    assertEquals(900, s.stats().evictions());
    int present = 0;
    for (int i = 0; i < 1000; i++) {
      byte[] v = s.get(key(i));
      if (evicted.contains("key-" + i)) {
        assertNull(v, "key-" + i + " was reported evicted");
      } else {
        assertArrayEquals(value(i, 50), v, "key-" + i + " was not reported evicted");
        present++;
      }
    }
    assertEquals(100, present);
  }

  @Test
  void keysReadOftenSurviveAScanOfKeysWrittenOnce() {
    // In log order (FIFO) the scan would evict every one of keys 0-99.
    Store s = open(options().maxEntries(100));
    for (int i = 0; i < 100; i++) {
      s.put(key(i), value(i, 20));
    }
    for (int round = 0; round < 5; round++) {
      for (int i = 0; i < 10; i++) {
        assertArrayEquals(value(i, 20), s.get(key(i)));
      }
    }
    for (int i = 1000; i < 3000; i++) {
      s.put(key(i), value(i, 20));
      assertTrue(s.size() <= 100);
    }
    for (int i = 0; i < 10; i++) {
      assertArrayEquals(value(i, 20), s.get(key(i)), "key-" + i + ", read five times, outlived the scan");
    }
    assertTrue(evicted.size() >= 2000, "the scan's own keys went: " + evicted.size());
  }

  @Test
  void anOverwriteCountsAsAnAccessOfItsKey() {
    Store s = open(options().maxEntries(3));
    s.put(key(1), value(1, 10));
    s.put(key(2), value(2, 10));
    s.put(key(3), value(3, 10));
    s.put(key(1), value(11, 10));
    s.put(key(1), value(12, 10)); // key-1: written three times
    s.put(key(4), value(4, 10)); // seen once: loses to key-1, the oldest entry
    s.put(key(5), value(5, 10)); // seen once: ties with key-2, the next oldest, and the newcomer goes
    assertEquals(List.of("key-4", "key-5"), evicted);
    assertArrayEquals(value(12, 10), s.get(key(1)));
    assertArrayEquals(value(2, 10), s.get(key(2)));
    assertArrayEquals(value(3, 10), s.get(key(3)));
  }

  @Test
  void theSameWritesAndReadsEvictTheSameKeysOnEveryRun() {
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    replay(options("a", first).maxEntries(200));
    replay(options("b", second).maxEntries(200));
    assertTrue(first.size() > 1000, "the workload evicts: " + first.size());
    assertEquals(first, second);
  }

  private static void replay(StoreOptions.Builder options) {
    SplittableRandom random = new SplittableRandom(3);
    try (Store s = options.open()) {
      for (int i = 0; i < 20_000; i++) {
        int k = (int) Math.floor(Math.pow(5_000, random.nextDouble())); // skewed over 1..5,000
        if (s.get(key(k)) == null) {
          s.put(key(k), value(k, 30));
        }
      }
    }
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
    long present = 0;
    for (int i = 0; i < 2000; i++) {
      if (s.containsKey(key(i))) {
        present++;
        assertFalse(evicted.contains("key-" + i), "key-" + i);
      }
    }
    assertEquals(s.size(), present);
    assertEquals(2000, present + evicted.size(), "every key written is either present or reported evicted");
  }

  @Test
  void evictedKeysDoNotComeBackAfterReopenEvenFromAFullReplay() throws Exception {
    Store s = open(options().maxEntries(50));
    for (int i = 0; i < 500; i++) {
      s.put(key(i), value(i, 100));
    }
    Set<Integer> kept = new HashSet<>();
    for (int i = 0; i < 500; i++) {
      if (s.containsKey(key(i))) {
        kept.add(i);
      }
    }
    assertEquals(50, kept.size());
    s.close();
    Store reopened = open(options().maxEntries(50));
    assertEquals(50, reopened.size());
    for (int i = 0; i < 500; i++) {
      assertEquals(kept.contains(i), reopened.containsKey(key(i)), "key-" + i);
    }
    reopened.put(key(1000), value(1000, 100));
    assertEquals(50, reopened.size(), "the bound holds across a reopen");
    reopened.close();
    Files.delete(dir.resolve("store").resolve(StoreFiles.IMAGE_FILE));
    Store replayed = open(options().maxEntries(50));
    assertEquals(50, replayed.size());
    for (int i = 0; i < 500; i++) {
      if (!kept.contains(i)) {
        assertNull(replayed.get(key(i)), "key-" + i);
      }
    }
  }
}
