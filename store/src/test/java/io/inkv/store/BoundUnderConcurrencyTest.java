package io.inkv.store;

import static io.inkv.store.StoreTesting.key;
import static io.inkv.store.StoreTesting.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bound under concurrent writers and readers: at every instant a watcher samples, the store
 * holds at most maxEntries plus the documented slack (64 entries) plus one entry per writer in
 * flight; once the writers stop it is within maxEntries; every key written is either present or
 * was reported evicted exactly once; readers that hit get the value that was written.
 */
@ExtendWith(StoreResourceCheck.class)
class BoundUnderConcurrencyTest {
  private static final int WRITERS = 4;
  private static final int KEYS_PER_WRITER = 5_000;
  private static final long MAX = 1_000;

  @TempDir Path dir;

  @Test
  void theBoundHoldsWithinItsSlackUnderConcurrentWritersAndEachEvictionIsReportedOnce() throws Exception {
    Set<String> evicted = ConcurrentHashMap.newKeySet();
    AtomicLong duplicates = new AtomicLong();
    Store s = StoreOptions.builder(dir.resolve("store")).maxEntries(MAX)
        .segmentSize(1 << 20)
        .removalListener((k, v, cause) -> {
          if (!evicted.add(StoreTesting.string(k))) {
            duplicates.incrementAndGet();
          }
        })
        .open();
    try {
      AtomicBoolean done = new AtomicBoolean();
      AtomicLong largest = new AtomicLong();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int base = w * KEYS_PER_WRITER;
        threads.add(new Thread(() -> {
          try {
            start.await();
            for (int i = base; i < base + KEYS_PER_WRITER; i++) {
              s.put(key(i), value(i, 24));
              if (i % 3 == 0) {
                s.get(key(base + (i - base) / 2)); // reads give the policy something to count
              }
            }
          } catch (Throwable t) {
            failure.compareAndSet(null, t);
          }
        }));
      }
      Thread reader = new Thread(() -> {
        try {
          start.await();
          int i = 0;
          while (!done.get()) {
            int k = (i++ * 7919) % (WRITERS * KEYS_PER_WRITER);
            byte[] v = s.get(key(k));
            if (v != null) {
              assertArrayEquals(value(k, 24), v);
            }
            if ((i & 63) == 0) {
              LockSupport.parkNanos(100_000); // leave the writers the cores on a small machine
            }
          }
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        }
      });
      Thread watcher = new Thread(() -> {
        while (!done.get()) {
          largest.accumulateAndGet(s.size(), Math::max);
          LockSupport.parkNanos(20_000);
        }
      });
      threads.forEach(Thread::start);
      reader.start();
      watcher.start();
      start.countDown();
      for (Thread t : threads) {
        t.join();
      }
      done.set(true);
      reader.join();
      watcher.join();
      if (failure.get() != null) {
        throw new AssertionError(failure.get());
      }
      long slack = Eviction.SLACK_ENTRIES + WRITERS;
      assertTrue(largest.get() <= MAX + slack, "largest size seen " + largest.get() + " > " + MAX + " + " + slack);
      assertTrue(largest.get() >= MAX, "the watcher saw the store full: " + largest.get());
      assertTrue(s.size() <= MAX, "after the writers: " + s.size());
      assertEquals(0, duplicates.get(), "an eviction reported twice");
      long total = (long) WRITERS * KEYS_PER_WRITER;
      assertEquals(total, s.size() + evicted.size(), "every key written is present or was reported evicted");
      assertEquals(evicted.size(), s.stats().evictions());
      for (int i = 0; i < total; i++) {
        byte[] v = s.get(key(i));
        assertEquals(!evicted.contains("key-" + i), v != null, "key-" + i);
      }
    } finally {
      s.close();
    }
  }
}
