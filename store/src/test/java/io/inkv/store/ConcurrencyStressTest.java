package io.inkv.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/*
 * Many threads on few keys, with small segments and the background compactor running every
 * millisecond, so that rolls, compactions and image writes happen under the operations checked.
 *
 * 1. Counting: threads increment shared counters with update(); no increment may be lost or
 *    applied twice, so each final count equals the increments made. Readers meanwhile check every
 *    counter they read byte for byte and that it never goes backwards in their own observations.
 *
 * 2. A history check against the sequential model of a map: every put writes a value no other put
 *    writes, and every operation is logged with System.nanoTime() before its call and after its
 *    return. Linearizability of each key then forbids, for a read R that returned the value of
 *    write W (a put, or for "absent" a remove or the initial state):
 *      - W started after R returned (a value from the future, or one nobody wrote), and
 *      - some write Q of the key began after W returned and returned before R began (a stale
 *        read: Q must linearize between W and R, so R cannot see W).
 *    This is a necessary condition only, but it is exactly what breaks if a read follows an index
 *    entry to a moved or superseded record, if a compaction resurrects an old value, or if a write
 *    is lost. The values are SelfCheckingValues, so any torn or spliced read fails on its own.
 *
 * 3. Readers never wait for a writer: an update() parks inside its function (so it holds the key's
 *    lock) while other threads read that key, in both get forms.
 *
 * Each test runs a few seconds; -Dinkv.reliability=true runs them ten times longer.
 */
@ExtendWith(StoreResourceCheck.class)
class ConcurrencyStressTest {
  private static final int KEYS = 16;
  private static final int SCALE = Boolean.getBoolean("inkv.reliability") ? 10 : 1;

  @TempDir
  Path temp;

  private Path dir;

  private Store open() {
    dir = temp.resolve("store");
    return StoreOptions.builder(dir)
        .segmentSize(StoreOptions.MIN_SEGMENT_SIZE)
        .maintenanceInterval(Duration.ofMillis(1))
        .checkpointBytes(256 << 10)
        .compactionThreshold(0.5)
        .open();
  }

  static byte[] key(int index) {
    return ("key-" + index).getBytes(StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------- 1. counting

  /* A counter value: a SelfCheckingValue whose version is the count, padded to a length that varies with it. */
  private static byte[] counter(int key, long count) {
    return SelfCheckingValues.create(key, count, SelfCheckingValues.MIN_LENGTH + (int) ((count * 37 + key) % 400));
  }

  @Test
  void concurrentIncrementsThroughUpdateAreNeitherLostNorDoubled() throws Exception {
    int writers = 4;
    int readers = 2;
    int incrementsPerWriter = 25_000 * SCALE;
    long[][] made = new long[writers][KEYS];
    AtomicBoolean done = new AtomicBoolean();
    long[] expected = new long[KEYS];
    Store store = open();
    try {
      ExecutorService pool = Executors.newFixedThreadPool(writers + readers);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> writing = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          long[] mine = made[w];
          SplittableRandom random = new SplittableRandom(w);
          writing.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < incrementsPerWriter; i++) {
              int k = random.nextInt(KEYS);
              store.update(key(k), (current, writer) -> {
                long count = current == null ? 0 : SelfCheckingValues.decode(k, current.value()).version();
                writer.put(counter(k, count + 1), Store.NEVER);
                return null;
              });
              mine[k]++;
            }
            return null;
          }));
        }
        List<Future<Long>> reading = new ArrayList<>();
        for (int r = 0; r < readers; r++) {
          boolean useView = r % 2 == 1;
          SplittableRandom random = new SplittableRandom(100 + r);
          reading.add(pool.submit(() -> {
            start.await();
            long[] seen = new long[KEYS];
            ValueView view = new ValueView();
            long reads = 0;
            while (!done.get()) {
              int k = random.nextInt(KEYS);
              long count;
              if (useView) {
                count = store.get(key(k), view) ? SelfCheckingValues.decode(k, view).version() : 0;
              } else {
                byte[] v = store.get(key(k));
                count = v == null ? 0 : SelfCheckingValues.decode(k, v).version();
              }
              if (count < seen[k]) {
                throw new AssertionError("key " + k + ": read count " + count + " after reading " + seen[k]);
              }
              seen[k] = count;
              reads++;
            }
            return reads;
          }));
        }
        start.countDown();
        try {
          for (Future<?> f : writing) {
            f.get(5, TimeUnit.MINUTES);
          }
        } finally {
          done.set(true);
        }
        long reads = 0;
        for (Future<Long> f : reading) {
          reads += f.get(1, TimeUnit.MINUTES);
        }
        assertTrue(reads > 0, "readers never read");
      } finally {
        pool.shutdownNow();
      }
      for (long[] mine : made) {
        for (int k = 0; k < KEYS; k++) {
          expected[k] += mine[k];
        }
      }
      assertArrayEquals(expected, counts(store), "counts after the run");
      StoreStats stats = store.stats();
      System.out.println("ConcurrencyStressTest counting: " + stats);
      assertTrue(stats.compactions() > 0, "no compaction ran during the test, so it proved less than it claims: " + stats);
      store.verify();
    } finally {
      store.close();
    }
    try (Store reopened = open()) {
      assertArrayEquals(expected, counts(reopened), "counts after close and reopen");
    }
  }

  private static long[] counts(Store store) {
    long[] counts = new long[KEYS];
    for (int k = 0; k < KEYS; k++) {
      byte[] v = store.get(key(k));
      counts[k] = v == null ? 0 : SelfCheckingValues.decode(k, v).version();
    }
    return counts;
  }

  private static void assertArrayEquals(long[] expected, long[] actual, String what) {
    assertEquals(Arrays.toString(expected), Arrays.toString(actual), what);
  }

  // ---------------------------------------------------------------- 2. history check

  private static final int GET = 0;
  private static final int GET_VIEW = 1;
  private static final int PUT = 2;
  private static final int REMOVE = 3;
  private static final int UPDATE = 4; // reads the current value and puts a new one, atomically
  private static final int CONTAINS = 5;

  /** One thread's log: per operation kind, key, value (version; 0 = absent), start, end. */
  private static final class Log {
    long[] events = new long[5 * 4096];
    int size;

    void add(int kind, int key, long value, long start, long end) {
      if (size + 5 > events.length) {
        events = Arrays.copyOf(events, events.length * 2);
      }
      events[size++] = kind;
      events[size++] = key;
      events[size++] = value;
      events[size++] = start;
      events[size++] = end;
    }
  }

  @Test
  void everyReadReturnsTheLatestOrAConcurrentWriteWhileCompactionMovesRecords() throws Exception {
    int threads = 6;
    long runNanos = TimeUnit.SECONDS.toNanos(4) * SCALE;
    Log[] logs = new Log[threads];
    try (Store store = open()) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          Log log = logs[t] = new Log();
          long thread = t;
          SplittableRandom random = new SplittableRandom(1000 + t);
          futures.add(pool.submit((Callable<Void>) () -> {
            start.await();
            ValueView view = new ValueView();
            long sequence = 0;
            long deadline = System.nanoTime() + runNanos;
            while (System.nanoTime() < deadline) {
              for (int batch = 0; batch < 64; batch++) {
                int k = random.nextInt(KEYS);
                byte[] key = key(k);
                int dice = random.nextInt(100);
                long version = (thread << 48) | ++sequence; // unique across threads, never 0
                if (dice < 25) {
                  long s = System.nanoTime();
                  byte[] v = store.get(key);
                  long e = System.nanoTime();
                  log.add(GET, k, v == null ? 0 : SelfCheckingValues.decode(k, v).version(), s, e);
                } else if (dice < 45) {
                  long s = System.nanoTime();
                  boolean present = store.get(key, view);
                  long e = System.nanoTime();
                  log.add(GET_VIEW, k, present ? SelfCheckingValues.decode(k, view).version() : 0, s, e);
                } else if (dice < 75) {
                  byte[] value = SelfCheckingValues.create(k, version, length(random));
                  long s = System.nanoTime();
                  store.put(key, value);
                  long e = System.nanoTime();
                  log.add(PUT, k, version, s, e);
                } else if (dice < 85) {
                  long s = System.nanoTime();
                  store.remove(key);
                  long e = System.nanoTime();
                  log.add(REMOVE, k, 0, s, e);
                } else if (dice < 95) {
                  byte[] value = SelfCheckingValues.create(k, version, length(random));
                  long[] saw = new long[1];
                  long s = System.nanoTime();
                  store.update(key, (current, writer) -> {
                    saw[0] = current == null ? 0 : SelfCheckingValues.decode(k, current.value()).version();
                    writer.put(value, Store.NEVER);
                    return null;
                  });
                  long e = System.nanoTime();
                  log.add(UPDATE, k, saw[0], s, e); // the read half
                  log.add(PUT, k, version, s, e); // the write half
                } else {
                  long s = System.nanoTime();
                  boolean present = store.containsKey(key);
                  long e = System.nanoTime();
                  log.add(CONTAINS, k, present ? 1 : 0, s, e);
                }
              }
            }
            return null;
          }));
        }
        start.countDown();
        for (Future<?> f : futures) {
          f.get(5, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      StoreStats stats = store.stats();
      long operations = Arrays.stream(logs).mapToLong(l -> l.size / 5).sum();
      System.out.println("ConcurrencyStressTest history: " + operations + " operations checked; " + stats);
      assertTrue(stats.compactions() > 0, "no compaction ran during the test: " + stats);
      checkHistory(logs);
      store.verify();
    }
  }

  private static int length(SplittableRandom random) {
    return random.nextInt(8) == 0 ? 1_000 + random.nextInt(6_000) : SelfCheckingValues.MIN_LENGTH + random.nextInt(300);
  }

  /** The writes of one key, sorted by start, with the minimum end of every suffix. */
  private static final class Writes {
    final long[] start;
    final long[] end;
    final long[] value;
    final long[] suffixMinEnd;
    final Map<Long, Integer> byValue = new HashMap<>();
    /** For "absent": the latest end among removes that started by each prefix. */
    final long[] removeStarts;
    final long[] removePrefixMaxEnd;

    Writes(List<long[]> writes) {
      writes.sort((a, b) -> Long.compare(a[0], b[0]));
      int n = writes.size();
      start = new long[n];
      end = new long[n];
      value = new long[n];
      suffixMinEnd = new long[n + 1];
      List<long[]> removes = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        long[] w = writes.get(i);
        start[i] = w[0];
        end[i] = w[1];
        value[i] = w[2];
        if (w[2] == 0) {
          removes.add(w);
        } else if (byValue.put(w[2], i) != null) {
          throw new AssertionError("test bug: version " + w[2] + " written twice");
        }
      }
      suffixMinEnd[n] = Long.MAX_VALUE;
      for (int i = n - 1; i >= 0; i--) {
        suffixMinEnd[i] = Math.min(end[i], suffixMinEnd[i + 1]);
      }
      removeStarts = new long[removes.size()];
      removePrefixMaxEnd = new long[removes.size()];
      long max = Long.MIN_VALUE;
      for (int i = 0; i < removes.size(); i++) {
        removeStarts[i] = removes.get(i)[0];
        max = Math.max(max, removes.get(i)[1]);
        removePrefixMaxEnd[i] = max;
      }
    }

    /** The earliest end of a write that started strictly after {@code time}. */
    long earliestEndOfWriteStartedAfter(long time) {
      int i = upperBound(start, time);
      return suffixMinEnd[i];
    }

    /** The latest end of a remove that started at or before {@code time}; MIN_VALUE stands for the initial absence. */
    long latestEndOfRemoveStartedBy(long time) {
      int i = upperBound(removeStarts, time);
      return i == 0 ? Long.MIN_VALUE : removePrefixMaxEnd[i - 1];
    }

    private static int upperBound(long[] sorted, long key) {
      int lo = 0;
      int hi = sorted.length;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (sorted[mid] <= key) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    }
  }

  private static void checkHistory(Log[] logs) {
    List<List<long[]>> writesPerKey = new ArrayList<>();
    for (int k = 0; k < KEYS; k++) {
      writesPerKey.add(new ArrayList<>());
    }
    for (Log log : logs) {
      for (int i = 0; i < log.size; i += 5) {
        int kind = (int) log.events[i];
        if (kind == PUT || kind == REMOVE) {
          writesPerKey.get((int) log.events[i + 1]).add(new long[] {log.events[i + 3], log.events[i + 4], log.events[i + 2]});
        }
      }
    }
    Writes[] writes = new Writes[KEYS];
    for (int k = 0; k < KEYS; k++) {
      writes[k] = new Writes(writesPerKey.get(k));
    }
    long reads = 0;
    List<String> violations = new ArrayList<>();
    for (Log log : logs) {
      for (int i = 0; i < log.size && violations.size() < 10; i += 5) {
        int kind = (int) log.events[i];
        if (kind == PUT || kind == REMOVE) {
          continue;
        }
        int k = (int) log.events[i + 1];
        long observed = log.events[i + 2];
        long start = log.events[i + 3];
        long end = log.events[i + 4];
        Writes w = writes[k];
        reads++;
        String problem;
        if (kind == CONTAINS) {
          problem = observed == 1 ? checkPresent(w, start, end) : checkAbsent(w, start, end);
        } else if (observed == 0) {
          problem = checkAbsent(w, start, end);
        } else {
          problem = checkValue(w, observed, start, end);
        }
        if (problem != null) {
          violations.add(kindName(kind) + " of key " + k + " [" + start + ", " + end + "]: " + problem);
        }
      }
    }
    assertTrue(violations.isEmpty(), "linearizability violations (" + reads + " reads checked):\n  "
        + String.join("\n  ", violations));
    assertTrue(reads > 1000, "too few reads to prove anything: " + reads);
  }

  private static String checkValue(Writes w, long version, long start, long end) {
    Integer i = w.byValue.get(version);
    if (i == null) {
      return "returned version " + version + ", which no put of this key wrote";
    }
    if (w.start[i] > end) {
      return "returned version " + version + ", written by a put that began after the read returned";
    }
    long overwrittenBy = w.earliestEndOfWriteStartedAfter(w.end[i]);
    if (overwrittenBy < start) {
      return "returned version " + version + " (put [" + w.start[i] + ", " + w.end[i]
          + "]), but a later write of the key had returned at " + overwrittenBy + ", before the read began";
    }
    return null;
  }

  private static String checkAbsent(Writes w, long start, long end) {
    long removedAt = w.latestEndOfRemoveStartedBy(end);
    long overwrittenBy = w.earliestEndOfWriteStartedAfter(removedAt);
    if (overwrittenBy < start) {
      return "returned absent, but a put that began after the last possible remove (ended " + removedAt
          + ") had returned at " + overwrittenBy + ", before the read began";
    }
    return null;
  }

  /* containsKey true: some put may be the one it saw. Checked weakly: a put began before it returned. */
  private static String checkPresent(Writes w, long start, long end) {
    for (int i = 0; i < w.start.length && w.start[i] <= end; i++) {
      if (w.value[i] != 0 && w.earliestEndOfWriteStartedAfter(w.end[i]) >= start) {
        return null;
      }
    }
    return "returned present, but every put that could explain it was overwritten before the read began";
  }

  private static String kindName(int kind) {
    return switch (kind) {
      case GET -> "get";
      case GET_VIEW -> "get(view)";
      case UPDATE -> "update (its read)";
      case CONTAINS -> "containsKey";
      default -> "op " + kind;
    };
  }

  // ---------------------------------------------------------------- 3. readers do not wait for writers

  @Test
  void readersOfAKeyDoNotWaitForAWriterHoldingIt() throws Exception {
    try (Store store = open()) {
      byte[] key = key(1);
      byte[] before = SelfCheckingValues.create(1, 1, 64);
      byte[] after = SelfCheckingValues.create(1, 2, 64);
      store.put(key, before);
      CountDownLatch inside = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread writer = new Thread(() -> {
        try {
          store.update(key, (current, w) -> {
            inside.countDown();
            try {
              assertTrue(release.await(1, TimeUnit.MINUTES), "never released");
            } catch (InterruptedException e) {
              throw new AssertionError(e);
            }
            w.put(after, Store.NEVER);
            return null;
          });
        } catch (Throwable t) {
          failure.set(t);
        }
      }, "writer-holding-the-key");
      writer.start();
      assertTrue(inside.await(1, TimeUnit.MINUTES), "the update never started");
      ExecutorService reader = Executors.newSingleThreadExecutor();
      try {
        // While the writer holds the key's lock, every read form answers with the old value.
        Future<byte[]> copy = reader.submit(() -> store.get(key));
        ByteBuffer viewed = reader.submit(() -> {
          ValueView view = new ValueView();
          assertTrue(store.get(key, view));
          return ByteBuffer.wrap(view.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        }).get(30, TimeUnit.SECONDS);
        assertNotNull(copy.get(30, TimeUnit.SECONDS));
        assertEquals(1, SelfCheckingValues.decode(1, copy.get()).version());
        assertEquals(1, SelfCheckingValues.decode(1, viewed.array()).version());
        assertTrue(reader.submit(() -> store.containsKey(key)).get(30, TimeUnit.SECONDS));
        assertEquals(1, reader.submit(() -> store.getAll(List.of(key))).get(30, TimeUnit.SECONDS).length);
        assertEquals(1, writerStillInside(writer));
      } finally {
        release.countDown();
        writer.join(TimeUnit.MINUTES.toMillis(1));
        reader.shutdownNow();
      }
      if (failure.get() != null) {
        throw new AssertionError("the update failed", failure.get());
      }
      assertEquals(2, SelfCheckingValues.decode(1, store.get(key)).version());
    }
  }

  // ---------------------------------------------------------------- 4. expiry times in place

  /*
   * setExpiry writes a record's expiry time in place, while compaction copies records to the head
   * of the log: a time set around a move must go with the record (a batched compaction that copied
   * before it took the key's lock lost such times; benchmarks/README.md, "Compaction in batches"). One thread raises the expiry times of a few keys, one time per call, always later than
   * the last; churn on other keys keeps their segments compacting; a reader checks that no key's
   * time ever goes back, and at the end (and after a reopen) each key has the last time set.
   */
  @Test
  void expiryTimesSetWhileCompactionMovesRecordsAreNeverLost() throws Exception {
    int keys = 64;
    long base = System.currentTimeMillis() + TimeUnit.DAYS.toMillis(365);
    long[] last = new long[keys];
    try (Store store = open()) {
      for (int k = 0; k < keys; k++) {
        store.put(key(k), SelfCheckingValues.create(k, 1, 100), base);
        last[k] = base;
      }
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      ExecutorService pool = Executors.newFixedThreadPool(3);
      try {
        Future<?> setter = pool.submit(() -> {
          SplittableRandom random = new SplittableRandom(7);
          while (!stop.get()) {
            int k = random.nextInt(keys);
            long t = last[k] + 1 + random.nextInt(1000);
            assertTrue(store.setExpiry(key(k), t), "key " + k + " is present");
            last[k] = t;
          }
          return null;
        });
        Future<?> churn = pool.submit(() -> {
          SplittableRandom random = new SplittableRandom(11);
          long version = 0;
          while (!stop.get()) {
            int k = keys + random.nextInt(256);
            store.put(key(k), SelfCheckingValues.create(k, ++version, 100 + random.nextInt(300)));
          }
          return null;
        });
        Future<?> reader = pool.submit(() -> {
          long[] seen = new long[keys];
          while (!stop.get()) {
            for (int k = 0; k < keys; k++) {
              long t = store.expireAt(key(k));
              if (t < seen[k]) {
                throw new AssertionError("key " + k + ": its expiry time went back from " + seen[k] + " to " + t);
              }
              seen[k] = t;
            }
          }
          return null;
        });
        long compactionsBefore = store.stats().compactions();
        Thread.sleep(2_000L * SCALE);
        stop.set(true);
        for (Future<?> f : List.of(setter, churn, reader)) {
          try {
            f.get(1, TimeUnit.MINUTES);
          } catch (java.util.concurrent.ExecutionException e) {
            failure.compareAndSet(null, e.getCause());
          }
        }
        if (failure.get() != null) {
          throw new AssertionError(failure.get());
        }
        assertTrue(store.stats().compactions() > compactionsBefore + 10,
            "compaction ran under the test: " + (store.stats().compactions() - compactionsBefore) + " passes");
      } finally {
        stop.set(true);
        pool.shutdownNow();
      }
      for (int k = 0; k < keys; k++) {
        assertEquals(last[k], store.expireAt(key(k)), "key " + k);
      }
    }
    try (Store store = open()) {
      for (int k = 0; k < keys; k++) {
        assertEquals(last[k], store.expireAt(key(k)), "key " + k + " after a reopen");
        assertEquals(1, SelfCheckingValues.decode(k, store.get(key(k))).version());
      }
    }
  }

  private static int writerStillInside(Thread writer) {
    return writer.isAlive() ? 1 : 0;
  }
}
