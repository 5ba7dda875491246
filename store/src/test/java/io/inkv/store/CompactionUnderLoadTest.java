package io.inkv.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/*
 * Online compaction under an overwrite-heavy load: a few thousand keys rewritten again and again
 * with 100-1000-byte values by two writers, while two readers read at random and the background
 * compactor runs. A sampler sums the sizes of the *.seg files throughout.
 *
 * Claims checked:
 *  - disk use stays bounded: at every sample (every 10 ms), the segment files hold at most
 *    BOUND_FACTOR x the live data plus SLACK_SEGMENTS segments, while the bytes written in total
 *    are many times that. Unthrottled writers outrun a single background compactor, so this holds
 *    only because writers help compact once past the budget (without that, 60 MB for 1.8 MB live);
 *  - compaction happened (stats().compactions() > 0) and moved records that readers were reading;
 *  - no read sees a moved record half-written: every value is a SelfCheckingValue checked byte
 *    for byte, and every read returns a version at least as new as the one its key's writer had
 *    finished writing before the read began (writers own disjoint keys and publish what they
 *    finished);
 *  - close and reopen give back exactly the model.
 */
@ExtendWith(StoreResourceCheck.class)
class CompactionUnderLoadTest {
  private static final int KEYS = 3_000;
  private static final int WRITERS = 2;
  private static final int READERS = 2;
  private static final int SEGMENT_SIZE = 256 << 10;
  // The engine makes writers help compact past 4x live + 16 segments (Compaction.overDiskBudget) and
  // deletes retired files at least every 8 compactions; 4 more cover the active segment, the one
  // compaction copies into and writes in flight while a writer waits to help.
  private static final double BOUND_FACTOR = 4.0;
  private static final int SLACK_SEGMENTS = 16 + 8 + 4;
  private static final int SCALE = Boolean.getBoolean("inkv.reliability") ? 10 : 1;

  @TempDir
  Path temp;

  private Path dir;

  private Store open() {
    return StoreOptions.builder(dir)
        .segmentSize(SEGMENT_SIZE)
        .maintenanceInterval(Duration.ofMillis(5))
        .checkpointBytes(1 << 20)
        .open();
  }

  static byte[] key(int index) {
    return ("compaction-key-" + index).getBytes(StandardCharsets.UTF_8);
  }

  private static int recordBytes(int keyIndex, int valueLength) {
    return RecordFormat.align(RecordFormat.recordLength(key(keyIndex).length, valueLength));
  }

  @Test
  void diskUseStaysBoundedAndReadsStayIntactWhileCompactionMovesLiveRecords() throws Exception {
    dir = temp.resolve("store");
    long runNanos = TimeUnit.SECONDS.toNanos(6) * SCALE;
    AtomicLongArray finished = new AtomicLongArray(KEYS); // version each key's writer finished last
    int[] lengths = new int[KEYS];
    AtomicBoolean done = new AtomicBoolean();
    long maxDisk = 0;
    long maxBound = 0;
    long samples = 0;
    long written;
    long reads = 0;
    String overBound = null;
    try (Store store = open()) {
      // Fill every key once, so the live set is known from the start.
      for (int k = 0; k < KEYS; k++) {
        lengths[k] = 100 + (k * 7919) % 901;
        store.put(key(k), SelfCheckingValues.create(k, 1, lengths[k]));
        finished.set(k, 1);
      }
      ExecutorService pool = Executors.newFixedThreadPool(WRITERS + READERS);
      try {
        CountDownLatch start = new CountDownLatch(1);
        AtomicLong progress = new AtomicLong();
        List<Future<Long>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
          int me = w;
          writers.add(pool.submit(() -> {
            start.await();
            SplittableRandom random = new SplittableRandom(me);
            long bytes = 0;
            while (!done.get()) {
              int k = random.nextInt(KEYS / WRITERS) * WRITERS + me;
              long version = finished.get(k) + 1;
              int length = 100 + random.nextInt(901);
              store.put(key(k), SelfCheckingValues.create(k, version, length));
              lengths[k] = length; // only this writer touches key k
              finished.set(k, version);
              bytes += recordBytes(k, length);
              progress.addAndGet(recordBytes(k, length));
            }
            return bytes;
          }));
        }
        List<Future<Long>> readers = new ArrayList<>();
        for (int r = 0; r < READERS; r++) {
          int me = r;
          readers.add(pool.submit(() -> {
            start.await();
            SplittableRandom random = new SplittableRandom(100 + me);
            ValueView view = new ValueView();
            long n = 0;
            while (!done.get()) {
              int k = random.nextInt(KEYS);
              long floor = finished.get(k);
              long version;
              if ((n & 1) == 0) {
                byte[] v = store.get(key(k));
                if (v == null) {
                  throw new AssertionError("key " + k + " vanished");
                }
                version = SelfCheckingValues.decode(k, v).version();
              } else {
                if (!store.get(key(k), view)) {
                  throw new AssertionError("key " + k + " vanished");
                }
                version = SelfCheckingValues.decode(k, view).version();
              }
              if (version < floor) {
                throw new AssertionError("key " + k + ": read version " + version
                    + " after its writer had finished version " + floor);
              }
              n++;
            }
            return n;
          }));
        }
        start.countDown();
        // Runs for runNanos, and on a slow or busy machine on until the writers have written
        // enough to show the bound (five times the most disk seen), for at most four times as long.
        long begin = System.nanoTime();
        try {
          while (System.nanoTime() - begin < runNanos
              || (progress.get() <= 5 * maxDisk && System.nanoTime() - begin < 4 * runNanos)) {
            Thread.sleep(10);
            long disk = segmentFileBytes(dir);
            long live = 0;
            for (int k = 0; k < KEYS; k++) {
              live += recordBytes(k, lengths[k]);
            }
            long bound = (long) (BOUND_FACTOR * live) + (long) SLACK_SEGMENTS * SEGMENT_SIZE;
            samples++;

            maxDisk = Math.max(maxDisk, disk);
            maxBound = Math.max(maxBound, bound);
            if (disk > bound && overBound == null) {
              overBound = "segment files held " + disk + " bytes with " + live + " live bytes (bound " + bound
                  + ") after " + samples + " samples; " + store.stats();
            }
            for (Future<Long> f : readers) {
              if (f.isDone()) {
                f.get(); // a reader failed: report it now
              }
            }
          }
        } finally {
          done.set(true);
        }
        written = 0;
        for (Future<Long> f : writers) {
          written += f.get(1, TimeUnit.MINUTES);
        }
        for (Future<Long> f : readers) {
          reads += f.get(1, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      StoreStats stats = store.stats();
      System.out.printf("CompactionUnderLoadTest: wrote %d bytes, %d reads, %d samples, max segment files %d bytes"
          + " (bound %d); %s%n", written, reads, samples, maxDisk, maxBound, stats);
      assertTrue(overBound == null, overBound);
      assertTrue(stats.compactions() > 0, "no compaction ran: " + stats);
      assertTrue(written > 4 * maxDisk, "the test wrote too little (" + written
          + " bytes) to show that compaction bounds disk use (max " + maxDisk + ")");
      assertEquals(KEYS, store.size());
      store.verify();
      checkModel(store, finished);
    }
    try (Store store = open()) {
      store.verify();
      checkModel(store, finished);
      assertEquals(KEYS, store.size());
    }
  }

  private static void checkModel(Store store, AtomicLongArray finished) {
    for (int k = 0; k < KEYS; k++) {
      byte[] v = store.get(key(k));
      if (v == null) {
        throw new AssertionError("key " + k + " is missing");
      }
      assertEquals(finished.get(k), SelfCheckingValues.decode(k, v).version(), "key " + k);
    }
  }

  static long segmentFileBytes(Path dir) {
    long total = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.seg")) {
      for (Path p : files) {
        try {
          total += Files.size(p);
        } catch (NoSuchFileException deletedMeanwhile) {
          // retired and deleted between the listing and now
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return total;
  }
}
