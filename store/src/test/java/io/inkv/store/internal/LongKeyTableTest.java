package io.inkv.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The table against a HashMap model on long random operation sequences (a small key space, so that
 * removals shift long probe runs back, and keys at the edges of the long range), then under
 * concurrent writers: a reader never sees another key's value, a key that is never removed is
 * never missed, and an iteration returns every entry present throughout exactly once.
 */
class LongKeyTableTest {
  /** A value that names its key, so a reader can tell whether it got the right one. */
  private record Value(long key, long version) {}

  private static final long[] EDGES = {0, -1, 1, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MIN_VALUE, 1L << 32, 1L << 63 >>> 1};

  private static long key(SplittableRandom random, int space) {
    int r = random.nextInt(space + EDGES.length);
    // multiples of a power of two as well: their low bits are all zero, which a weak hash would crowd into one slot
    return r < space ? (random.nextBoolean() ? r : (long) r << 20) : EDGES[r - space];
  }

  @Test
  void randomOperationsAgreeWithAHashMap() {
    for (int space : new int[] {8, 300, 20_000}) {
      SplittableRandom random = new SplittableRandom(space);
      LongKeyTable table = new LongKeyTable();
      Map<Long, Value> model = new HashMap<>();
      for (int op = 0; op < 400_000; op++) {
        long k = key(random, space);
        int kind = random.nextInt(10);
        if (kind < 4) {
          Value v = new Value(k, op);
          assertSame(model.put(k, v), table.put(k, v), "put " + k);
        } else if (kind < 6) {
          assertSame(model.remove(k), table.remove(k), "remove " + k);
        } else if (kind < 7) {
          Value held = model.get(k);
          Value equal = held == null ? new Value(k, -1) : new Value(k, held.version());
          boolean removes = held != null && random.nextBoolean();
          Value asked = removes ? equal : new Value(k, -2);
          assertEquals(model.remove(k, asked), table.remove(k, asked), "remove " + k + " if " + asked);
        } else {
          assertSame(model.get(k), table.get(k), "get " + k);
          assertEquals(model.containsKey(k), table.containsKey(k));
        }
        if (op % 50_000 == 0) {
          assertContents(model, table);
        }
      }
      assertContents(model, table);
      table.clear();
      assertEquals(0, table.size());
      for (long k : model.keySet()) {
        assertNull(table.get(k));
      }
    }
  }

  private static void assertContents(Map<Long, Value> model, LongKeyTable table) {
    assertEquals(model.size(), table.size());
    Map<Long, Object> seen = new HashMap<>();
    for (Iterator<LongKeyTable.Entry> it = table.iterator(); it.hasNext(); ) {
      LongKeyTable.Entry e = it.next();
      assertNull(seen.put(e.key(), e.value()), "key " + e.key() + " twice");
    }
    assertEquals(model, seen);
    for (Map.Entry<Long, Value> e : model.entrySet()) {
      assertSame(e.getValue(), table.get(e.getKey()));
    }
  }

  @Test
  void aNullValueIsRefusedAndChangesNothing() {
    LongKeyTable table = new LongKeyTable();
    table.put(7, "seven");
    NullPointerException e = assertThrows(NullPointerException.class, () -> table.put(7, null));
    assertTrue(e.getMessage().contains("value"), e.getMessage());
    assertEquals("seven", table.get(7));
    assertFalse(table.remove(7, null));
    assertEquals(1, table.size());
  }

  @Test
  void aTableGrowsToAMillionKeysAndShrinksToNothing() {
    LongKeyTable table = new LongKeyTable();
    int n = 1_000_000;
    for (long k = 0; k < n; k++) {
      table.put(k * 31, k);
    }
    assertEquals(n, table.size());
    // at most three quarters full after growing, so at least 4/3 of the entries in slots
    assertTrue(table.capacity() >= n * 4L / 3 && table.capacity() <= n * 4L, "capacity " + table.capacity());
    for (long k = 0; k < n; k += 2) {
      assertEquals(k, table.remove(k * 31));
    }
    for (long k = 0; k < n; k++) {
      assertEquals(k % 2 == 0 ? null : (Object) k, table.get(k * 31));
    }
    assertEquals(n / 2, table.size());
  }

  @Test
  void concurrentReadersSeeOnlyTheirKeysValuesAndNeverMissAStableKey() throws Exception {
    LongKeyTable table = new LongKeyTable();
    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    AtomicLong reads = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    CountDownLatch started = new CountDownLatch(4);
    for (int w = 0; w < 2; w++) {
      int seed = w;
      threads.add(new Thread(() -> {
        SplittableRandom random = new SplittableRandom(seed);
        started.countDown();
        long version = 0;
        while (!stop.get()) {
          // a churn of 3,000 keys: small, dense stripes, so removals shift long probe runs under the readers
          long k = random.nextInt(3_000);
          if (random.nextInt(3) == 0) {
            table.remove(k);
          } else {
            table.put(k, new Value(k, ++version));
          }
          if (random.nextInt(20_000) == 0) {
            table.clear();
          }
        }
      }));
    }
    // keys written once before the race and never removed or replaced, in a table whose other keys churn (below)
    int stable = 1_000;
    LongKeyTable stableTable = new LongKeyTable();
    for (long k = 0; k < stable; k++) {
      stableTable.put(k, new Value(k, 0));
    }
    for (int r = 0; r < 2; r++) {
      int seed = 100 + r;
      threads.add(new Thread(() -> {
        SplittableRandom random = new SplittableRandom(seed);
        started.countDown();
        while (!stop.get()) {
          long k = random.nextInt(3_000);
          Object v = table.get(k);
          if (v != null && ((Value) v).key() != k) {
            failures.add("get " + k + " returned " + v);
          }
          long s = random.nextInt(stable);
          Object sv = stableTable.get(s);
          if (sv == null || ((Value) sv).key() != s) {
            failures.add("stable key " + s + " read as " + sv);
          }
          reads.incrementAndGet();
        }
      }));
    }
    // a third writer churns the stable keys' table with other keys, so its stripes grow and shift under the readers
    threads.add(new Thread(() -> {
      SplittableRandom random = new SplittableRandom(7);
      while (!stop.get()) {
        // as many churning keys as stable ones: the stripes stay small and dense, so probe runs are long and a
        // removal shifts stable keys back under the readers
        long k = stable + random.nextInt(stable);
        if (random.nextBoolean()) {
          stableTable.put(k, new Value(k, 1));
        } else {
          stableTable.remove(k);
        }
      }
    }));
    threads.forEach(Thread::start);
    started.await();
    Thread.sleep(3_000);
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    assertTrue(failures.isEmpty(), failures.size() + " wrong reads, first: " + failures.peek());
    assertTrue(reads.get() > 10_000, "only " + reads.get() + " reads ran");
  }

  @Test
  void anIterationDuringChurnReturnsEveryStableEntryExactlyOnce() throws Exception {
    LongKeyTable table = new LongKeyTable();
    int stable = 30_000;
    for (long k = 0; k < stable; k++) {
      table.put(k, new Value(k, 0));
    }
    AtomicBoolean stop = new AtomicBoolean();
    Thread churn = new Thread(() -> {
      SplittableRandom random = new SplittableRandom(3);
      while (!stop.get()) {
        long k = stable + random.nextInt(200_000);
        if (random.nextBoolean()) {
          table.put(k, new Value(k, 1));
        } else {
          table.remove(k);
        }
      }
    });
    churn.start();
    try {
      for (int round = 0; round < 20; round++) {
        Set<Long> seen = new HashSet<>();
        for (Iterator<LongKeyTable.Entry> it = table.iterator(); it.hasNext(); ) {
          LongKeyTable.Entry e = it.next();
          assertTrue(seen.add(e.key()), "key " + e.key() + " returned twice");
          assertEquals(e.key(), ((Value) e.value()).key());
        }
        for (long k = 0; k < stable; k++) {
          assertTrue(seen.contains(k), "stable key " + k + " missed in round " + round);
        }
      }
    } finally {
      stop.set(true);
      churn.join();
    }
  }
}
