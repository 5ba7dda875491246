package io.inkv.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.store.document.Document;
import io.inkv.store.document.DocumentStore;
import io.inkv.store.document.DocumentView;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/*
 * Reads of sealed segments by positional copies (ColdReads, RecordCopy; docs/store.md, "Reads of
 * values not in memory"): forced on, every read path returns the bytes the mapping returns, for
 * values of every size (one page, across pages, larger than the first read), in the active segment
 * (read through the mapping), after a roll, after compaction moved records, from several threads
 * at once; and the automatic decision follows the segment bytes against an injected memory limit.
 */
@ExtendWith(StoreResourceCheck.class)
class ColdReadsTest {
  @TempDir Path dir;

  @AfterEach
  void asConfigured() {
    ColdReads.force(null, 0);
  }

  private static StoreOptions.Builder options(Path dir) {
    return StoreOptions.builder(dir).segmentSize(StoreOptions.MIN_SEGMENT_SIZE * 4).backgroundMaintenance(false)
        .verification(Verification.EVERY_READ);
  }

  private static byte[] key(int i) {
    return ("key-" + i + "-" + "k".repeat(i % 37)).getBytes(StandardCharsets.UTF_8);
  }

  /** A value of a length that varies from 0 to past two pages, whose bytes say its key and version. */
  private static byte[] value(int i, int version) {
    int length = (int) ((i * 2654435761L + version * 97L) % 9_500);
    byte[] v = new byte[length];
    new SplittableRandom(i * 31L + version).nextBytes(v);
    return v;
  }

  /** Everything a reader can see of {@code key}, by every read path; compared between the mapped reads and the copies. */
  private static List<Object> readAll(Store s, byte[] key, ValueView view) {
    List<Object> seen = new ArrayList<>();
    seen.add(s.get(key) == null ? "absent" : Arrays.toString(s.get(key)));
    seen.add(s.containsKey(key));
    seen.add(s.expireAt(key));
    boolean present = s.get(key, view);
    seen.add(present);
    if (present) {
      seen.add(Arrays.toString(view.toByteArray()));
      seen.add(view.length());
      seen.add(view.expireAt());
      if (view.length() >= 8) {
        int last = view.length() - 8;
        seen.add(view.getLong(last));
        seen.add(view.getInt(last / 2));
        seen.add(view.getByte(view.length() - 1));
        seen.add(view.region().getLong(view.regionOffset() + last));
        byte[] part = new byte[5];
        view.getBytes(3, part, 0, 5);
        seen.add(Arrays.toString(part));
      }
      seen.add(view.contentEquals(s.get(key)));
    }
    return seen;
  }

  private static Map<String, List<Object>> readEverything(Store s, int keys) {
    Map<String, List<Object>> all = new TreeMap<>();
    ValueView view = new ValueView();
    for (int i = 0; i < keys + 5; i++) { // a few absent keys too
      all.put(new String(key(i), StandardCharsets.UTF_8), readAll(s, key(i), view));
    }
    Iterator<Entry> it = s.iterator();
    while (it.hasNext()) {
      Entry e = it.next();
      all.put("iterated " + new String(e.key(), StandardCharsets.UTF_8), List.of(Arrays.toString(e.value()), e.expireAt()));
    }
    return all;
  }

  /** Reads everything with the mapping, then with copies (which must be used), and compares. */
  private static void assertCopiesReadAsTheMapping(Store s, int keys, String when) {
    ColdReads.force(ColdReads.Setting.NEVER, 0);
    assertEquals(0, ColdReads.mode());
    long before = RecordCopy.COPIES.sum();
    Map<String, List<Object>> mapped = readEverything(s, keys);
    assertEquals(before, RecordCopy.COPIES.sum(), when + ": reads copied records with copies off");
    ColdReads.force(ColdReads.Setting.ALWAYS, 0);
    Map<String, List<Object>> copied = readEverything(s, keys);
    assertTrue(RecordCopy.COPIES.sum() - before > keys, when + ": copies on, but reads did not copy");
    assertEquals(mapped.keySet(), copied.keySet(), when);
    for (String k : mapped.keySet()) {
      assertEquals(mapped.get(k), copied.get(k), when + ": " + k);
    }
  }

  @Test
  void everyReadPathReturnsTheMappedBytesBeforeAndAfterRollsAndCompaction() {
    int keys = 400;
    long now = System.currentTimeMillis();
    try (Store s = options(dir.resolve("store")).open()) {
      for (int i = 0; i < keys; i++) {
        s.put(key(i), value(i, 0), i % 5 == 0 ? now + 3_600_000L + i : Store.NEVER);
      }
      assertCopiesReadAsTheMapping(s, keys, "after the first puts");

      // a value just written is in the active segment: read through the mapping even with copies on
      ColdReads.force(ColdReads.Setting.ALWAYS, 0);
      byte[] fresh = value(7, 9);
      s.put(key(7), fresh);
      ValueView view = new ValueView();
      long before = RecordCopy.COPIES.sum();
      assertTrue(s.get(key(7), view));
      assertArrayEquals(fresh, view.toByteArray());
      assertArrayEquals(fresh, s.get(key(7)));
      assertEquals(before, RecordCopy.COPIES.sum(), "a record of the active segment was copied");

      // a roll seals that segment: the same record is now read by a copy
      LogStore log = (LogStore) s;
      Segment active = log.files.active();
      while (log.files.active() == active) {
        s.put("filler".getBytes(StandardCharsets.UTF_8), new byte[4000]);
      }
      assertTrue(active.sealed);
      assertTrue(s.get(key(7), view));
      assertArrayEquals(fresh, view.toByteArray());
      assertTrue(RecordCopy.COPIES.sum() > before, "the sealed record was not copied");

      // overwrite and remove half, then compact: records move into new segments
      for (int i = 0; i < keys; i += 2) {
        s.put(key(i), value(i, 1));
      }
      for (int i = 1; i < keys; i += 6) {
        s.remove(key(i));
      }
      s.setExpiry(key(3), now + 7_200_000L);
      assertCopiesReadAsTheMapping(s, keys, "after overwrites");
      ColdReads.force(ColdReads.Setting.ALWAYS, 0);
      assertTrue(s.compact() > 0, "nothing compacted");
      assertCopiesReadAsTheMapping(s, keys, "after compaction");
    }
    // found on disk: every segment but the newest is sealed
    try (Store s = options(dir.resolve("store")).open()) {
      assertCopiesReadAsTheMapping(s, keys, "after reopening");
    }
  }

  @Test
  void aViewKeepsItsOwnCopyUntilRefilledAndAnInterruptedReaderReadsTheMapping() {
    ColdReads.force(ColdReads.Setting.ALWAYS, 0);
    Store s = options(dir.resolve("store")).open();
    try {
      for (int i = 0; i < 200; i++) {
        s.put(key(i), value(i, 0));
      }
      ((LogStore) s).files.segmentsForTest().forEach(x -> assertTrue(x.sealed || x == ((LogStore) s).files.active()));
      ValueView a = new ValueView();
      ValueView b = new ValueView();
      assertTrue(s.get(key(1), a));
      assertTrue(s.get(key(2), b));
      assertEquals(null, s.get(key(100_000)));
      assertArrayEquals(value(1, 0), a.toByteArray(), "another read on the thread changed a view");
      assertArrayEquals(value(2, 0), b.toByteArray());

      Thread.currentThread().interrupt();
      try {
        long before = RecordCopy.COPIES.sum();
        assertArrayEquals(value(3, 0), s.get(key(3)));
        assertEquals(before, RecordCopy.COPIES.sum(), "an interrupted thread's read went through its channel");
        assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status was lost");
      } finally {
        Thread.interrupted();
      }
      long before = RecordCopy.COPIES.sum();
      assertArrayEquals(value(4, 0), s.get(key(4)));
      assertEquals(before + 1, RecordCopy.COPIES.sum(), "copies stopped after an interrupt");
    } finally {
      s.close();
    }
    ValueView closed = new ValueView();
    try (Store s2 = options(dir.resolve("store")).open()) {
      assertTrue(s2.get(key(5), closed));
    }
    assertThrows(Store.ClosedException.class, () -> closed.getByte(0), "a copied view read after close");
  }

  @Test
  void concurrentReadersSeeWholeValuesWhileWritesRollAndCompactionMovesRecords() throws Exception {
    ColdReads.force(ColdReads.Setting.ALWAYS, 0);
    int keys = 300;
    try (Store s = options(dir.resolve("store")).open()) {
      for (int i = 0; i < keys; i++) {
        s.put(key(i), versioned(i, 0));
      }
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<Long>> readers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
          int seed = t;
          readers.add(pool.submit(() -> {
            SplittableRandom random = new SplittableRandom(seed);
            ValueView view = new ValueView();
            long reads = 0;
            while (!stop.get()) {
              int i = random.nextInt(keys);
              byte[] v = random.nextBoolean() ? s.get(key(i)) : (s.get(key(i), view) ? view.toByteArray() : null);
              checkVersioned(i, v);
              reads++;
            }
            return reads;
          }));
        }
        Future<?> writer = pool.submit(() -> {
          SplittableRandom random = new SplittableRandom(99);
          for (int round = 1; round <= 6; round++) {
            for (int n = 0; n < keys; n++) {
              int i = random.nextInt(keys);
              s.put(key(i), versioned(i, round));
            }
            s.compact();
          }
          return null;
        });
        writer.get(60, TimeUnit.SECONDS);
        stop.set(true);
        for (Future<Long> r : readers) {
          assertTrue(r.get(60, TimeUnit.SECONDS) > 0);
        }
      } finally {
        stop.set(true);
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
      }
      assertTrue(s.stats().compactions() > 0, "no compaction ran");
    }
  }

  /** A value whose length and bytes follow from its key and version, so a reader can check it whole. */
  private static byte[] versioned(int i, int version) {
    byte[] v = new byte[100 + (i * 37 + version * 1013) % 6000];
    new SplittableRandom(i * 1_000_003L + version).nextBytes(v);
    v[0] = (byte) version;
    return v;
  }

  private static void checkVersioned(int i, byte[] v) {
    if (v == null || !Arrays.equals(versioned(i, v[0]), v)) {
      throw new AssertionError("key " + i + ": not a whole value of any version");
    }
  }

  @Test
  void documentFieldsReadFromCopiesAsFromTheMapping() {
    Map<String, Object> mapped = new HashMap<>();
    Map<String, Object> copied = new HashMap<>();
    try (DocumentStore docs = DocumentStore.open(options(dir.resolve("docs")).build())) {
      for (int i = 0; i < 300; i++) {
        docs.upsert("d" + i, Document.builder().put("n", i).put("s", "x".repeat(i * 13)).put("y", value(i, 2)).build());
      }
      for (Map<String, Object> into : List.of(mapped, copied)) {
        ColdReads.force(into == mapped ? ColdReads.Setting.NEVER : ColdReads.Setting.ALWAYS, 0);
        DocumentView v = new DocumentView();
        for (int i = 0; i < 300; i++) {
          assertTrue(docs.read(("d" + i).getBytes(StandardCharsets.UTF_8), v));
          into.put("d" + i, List.of(v.getInt(docs.field("n"), -1), v.getString(docs.field("s")),
              Arrays.toString(v.getBytes(docs.field("y"))), v.toDocument(), docs.get("d" + i)));
        }
      }
    }
    assertEquals(mapped, copied);
    assertEquals(List.of(5, "x".repeat(65)), ((List<?>) mapped.get("d5")).subList(0, 2));
  }

  // ------------------------------------------------------------------ the automatic decision

  @Test
  void autoCopiesOnceTheSegmentsOutgrowTheRoomAndStopsWhenTheyShrink() {
    long base = ColdReads.segmentBytes(); // stores other tests left open, if any
    ColdReads.force(ColdReads.Setting.AUTO, base + 3L * StoreOptions.MIN_SEGMENT_SIZE * 4);
    assertEquals(0, ColdReads.mode(), "copies with no store open");
    try (Store s = options(dir.resolve("store")).open()) {
      byte[] v = new byte[3000];
      int i = 0;
      while (ColdReads.segmentBytes() - base <= 3L * StoreOptions.MIN_SEGMENT_SIZE * 4) {
        assertEquals(0, ColdReads.mode(), "copies at " + ColdReads.segmentBytes() + " bytes of segments");
        s.put(key(i++), v);
      }
      assertEquals(ColdReads.COPY, ColdReads.mode(), "no copies at " + ColdReads.segmentBytes() + " bytes");
      long before = RecordCopy.COPIES.sum();
      assertEquals(3000, s.get(key(0)).length);
      assertEquals(before + 1, RecordCopy.COPIES.sum(), "a get of a sealed record past the room was not a copy");
      for (int k = 0; k < i; k++) {
        s.remove(key(k));
      }
      s.compact(); // drops the emptied segments
      assertEquals(0, ColdReads.mode(), "still copying at " + ColdReads.segmentBytes() + " bytes");
    }
    assertEquals(base, ColdReads.segmentBytes(), "a closed store's segments still count");
  }

  @Test
  void theSettingMapsToADecision() {
    assertEquals(ColdReads.Setting.ALWAYS, ColdReads.setting("pread"));
    assertEquals(ColdReads.Setting.AUTO, ColdReads.setting("auto"), "auto copies beyond memory, with or without madvise");
    assertEquals(ColdReads.Setting.NEVER, ColdReads.setting("off"));
    assertEquals(ColdReads.Setting.NEVER, ColdReads.setting("random"), "random keeps to the advised mapping");
    assertTrue(ColdReads.copies(3L << 30, 640L << 20));
    assertFalse(ColdReads.copies(600L << 20, 640L << 20));
    assertFalse(ColdReads.copies(3L << 30, -1), "copies with the memory unknown");
    assertEquals(640L << 20, ColdReads.room(1L << 30, 384L << 20));
    assertEquals(128L << 20, ColdReads.room(1L << 30, 2L << 30), "a heap over the limit leaves an eighth");
    assertEquals(-1, ColdReads.room(-1, 384L << 20));
  }

  @Test
  void theMemoryLimitIsTheLowestOnTheCgroupPathElseMemTotal() throws Exception {
    Path root = dir.resolve("sys");
    Path meminfo = write(dir.resolve("meminfo"), "MemTotal:       24000000 kB\nMemFree: 1 kB\n");
    // cgroup v1: the process in /a/b, a limit on /a lower than on /a/b, the root unlimited
    Path v1 = write(dir.resolve("cgroup-v1"), "12:cpu,cpuacct:/a/b\n7:memory:/a/b\n0::/\n");
    write(root.resolve("memory/memory.limit_in_bytes"), "9223372036854771712\n");
    write(root.resolve("memory/a/memory.limit_in_bytes"), "1073741824\n");
    write(root.resolve("memory/a/b/memory.limit_in_bytes"), "2147483648\n");
    assertEquals(1L << 30, ColdReads.memoryLimit(v1, root, meminfo));
    // cgroup v2: "max" at the top, a limit below
    Path root2 = dir.resolve("sys2");
    Path v2 = write(dir.resolve("cgroup-v2"), "0::/svc/job\n");
    write(root2.resolve("svc/memory.max"), "max\n");
    write(root2.resolve("svc/job/memory.max"), "536870912\n");
    assertEquals(512L << 20, ColdReads.memoryLimit(v2, root2, meminfo));
    // no limit anywhere: MemTotal
    write(root2.resolve("svc/job/memory.max"), "max\n");
    assertEquals(24_000_000L * 1024, ColdReads.memoryLimit(v2, root2, meminfo));
    // a limit above MemTotal is MemTotal
    write(root2.resolve("svc/job/memory.max"), Long.toString(1L << 40));
    assertEquals(24_000_000L * 1024, ColdReads.memoryLimit(v2, root2, meminfo));
    // nothing readable: unknown
    assertEquals(-1, ColdReads.memoryLimit(dir.resolve("none"), dir.resolve("none"), dir.resolve("none")));
    assertNotEquals(0, ColdReads.memoryLimit(dir.resolve("none"), dir.resolve("none"), meminfo));
  }

  private static Path write(Path file, String text) throws Exception {
    Files.createDirectories(file.getParent());
    return Files.writeString(file, text);
  }

  @Test
  void aReadOfAnAbsentOrForgedAddressIsNoCopy() {
    ColdReads.force(ColdReads.Setting.ALWAYS, 0);
    try (Store s = options(dir.resolve("store")).open()) {
      for (int i = 0; i < 100; i++) {
        s.put(key(i), value(i, 0));
      }
      assertNull(s.get("absent".getBytes(StandardCharsets.UTF_8)));
      LogStore log = (LogStore) s;
      Segment sealed = log.files.segmentsForTest().get(0);
      assertTrue(sealed.sealed);
      RecordCopy copy = RecordCopy.forThread();
      assertFalse(copy.read(sealed, sealed.capacity - 8, 0), "a copy of a record past the segment's end");
      assertNull(RecordCopy.holding(sealed, sealed.capacity - 8));
      assertTrue(copy.read(sealed, Segment.HEADER, key(0).length));
      assertTrue(copy.holdsKey(key(0)));
      assertArrayEquals(value(0, 0), copy.value(key(0).length));
    }
  }
}
