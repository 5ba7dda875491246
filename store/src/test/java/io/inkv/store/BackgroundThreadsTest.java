package io.inkv.store;

import static io.inkv.store.StoreTesting.key;
import static io.inkv.store.StoreTesting.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's background threads (maintenance, and the writer of the next segment) are shared by
 * every store of the JVM and live only while a store uses them: the close of the last store stops
 * them and returns once they have ended. Threads of stores that other tests left open are not
 * blamed on this one: the assertions count this test's stores and look only for threads that were
 * not there before it began.
 */
@ExtendWith(StoreResourceCheck.class)
class BackgroundThreadsTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  private Store open(String name) {
    return StoreOptions.builder(dir.resolve(name)).segmentSize(StoreOptions.MIN_SEGMENT_SIZE)
        .maintenanceInterval(Duration.ofMillis(10)).open();
  }

  private static Set<Thread> inkvThreads() {
    Set<Thread> threads = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("inkv-") && t.isAlive()) {
        threads.add(t);
      }
    }
    return threads;
  }

  /** Writes until the maintenance thread has prepared the store's next segment on the writer thread. */
  private static void untilTheNextSegmentIsPrepared(Store store) throws InterruptedException {
    LogStore log = (LogStore) store;
    long deadline = System.nanoTime() + WAIT.toNanos();
    for (int i = 0; !log.files.spare.readyForTest(); i++) {
      assertTrue(System.nanoTime() < deadline, "no next segment was prepared within " + WAIT);
      store.put(key(i), value(i, 200));
      if (i % 100 == 99) {
        Thread.sleep(5);
      }
    }
  }

  @Test
  void theLastStoreToCloseStopsTheBackgroundThreadsAndWaitsForThem() throws Exception {
    Set<Thread> before = inkvThreads();
    int maintained = Maintenance.storesUsingTheThreadForTest();
    int preparing = SpareSegment.storesUsingTheWriterForTest();

    Store first = open("first");
    Store second = open("second");
    untilTheNextSegmentIsPrepared(first);
    untilTheNextSegmentIsPrepared(second);
    assertEquals(maintained + 2, Maintenance.storesUsingTheThreadForTest());
    assertEquals(preparing + 2, SpareSegment.storesUsingTheWriterForTest());
    assertTrue(inkvThreads().stream().anyMatch(t -> t.getName().equals("inkv-maintenance")), inkvThreads().toString());

    first.close();
    assertEquals(maintained + 1, Maintenance.storesUsingTheThreadForTest());
    assertEquals(preparing + 1, SpareSegment.storesUsingTheWriterForTest());
    assertTrue(inkvThreads().stream().anyMatch(t -> t.getName().equals("inkv-maintenance")),
        "the second store still uses the maintenance thread: " + inkvThreads());

    second.close();
    assertEquals(maintained, Maintenance.storesUsingTheThreadForTest());
    assertEquals(preparing, SpareSegment.storesUsingTheWriterForTest());
    Set<Thread> left = inkvThreads();
    left.removeAll(before);
    assertEquals(Set.of(), left, "threads still alive when the last store's close returned");
  }

  @Test
  void aStoreOpenedAfterTheThreadsStoppedStartsThemAgain() throws Exception {
    try (Store store = open("first")) {
      untilTheNextSegmentIsPrepared(store);
    }
    try (Store store = open("second")) {
      untilTheNextSegmentIsPrepared(store); // needs both threads: the maintenance tick and the writer
      assertTrue(inkvThreads().stream().anyMatch(t -> t.getName().equals("inkv-maintenance")), inkvThreads().toString());
    }
  }

  @Test
  void aStoreWithoutBackgroundMaintenanceHoldsNoThread() {
    int maintained = Maintenance.storesUsingTheThreadForTest();
    try (Store store = StoreOptions.builder(dir.resolve("quiet")).backgroundMaintenance(false).open()) {
      store.put(key(1), value(1, 10));
      assertEquals(maintained, Maintenance.storesUsingTheThreadForTest());
    }
  }
}
