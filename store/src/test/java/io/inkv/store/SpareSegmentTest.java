package io.inkv.store;

import static io.inkv.store.StoreTesting.bytes;
import static io.inkv.store.StoreTesting.key;
import static io.inkv.store.StoreTesting.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The next segment's file is prepared in the background from the moment a segment takes its first
 * record (that write asks for it, and maintenance asks again), and
 * a roll renames it into place instead of writing a new file under the append lock. What must hold:
 * the prepared file is used, the segment made from it behaves like any other (also after a
 * reopen), a clean close leaves no prepared file behind, and one left by a crash is deleted at open.
 */
@ExtendWith(StoreResourceCheck.class)
class SpareSegmentTest {
  private static final int SEGMENT = StoreOptions.MIN_SEGMENT_SIZE;
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  private StoreOptions.Builder options() {
    return StoreOptions.builder(dir).segmentSize(SEGMENT).maintenanceInterval(Duration.ofMillis(10));
  }

  @Test
  void aRollUsesThePreparedFileAndTheSegmentMadeFromItKeepsItsRecords() throws Exception {
    int written = 0;
    try (Store store = options().open()) {
      LogStore log = (LogStore) store;
      // the first segment is the full 64 KiB here (the minimum), so the next one is that size too
      written = writeUntilSegments(store, log, 1, written);
      awaitPrepared(log);
      written = writeUntilSegments(store, log, 2, written);
      assertEquals(1, log.files.spare.adoptedForTest(), "the roll used the prepared file");
      for (int i = 0; i < 30; i++) { // and the next rolls too, each prepared once its predecessor took a record
        awaitPrepared(log);
        written = writeUntilSegments(store, log, log.files.segmentsForTest().size() + 1, written);
      }
      assertEquals(31, log.files.spare.adoptedForTest(), "every roll used the file prepared for it");
      assertAllPresent(store, written);
    }
    assertEquals(List.of(), preparedFiles(), "a clean close removes the prepared file");
    try (Store store = options().backgroundMaintenance(false).open()) {
      assertAllPresent(store, written);
      assertEquals(written, store.size());
    }
  }

  @Test
  void theFirstWriteOfASegmentStartsThePreparationWithoutWaitingForMaintenance() throws Exception {
    // A maintenance tick an hour away: only the writes themselves can have the spare prepared, as
    // they must when a fast writer fills a segment between two ticks.
    try (Store store = options().maintenanceInterval(Duration.ofHours(1)).open()) {
      LogStore log = (LogStore) store;
      int written = writeUntilSegments(store, log, 1, 0);
      for (int roll = 1; roll <= 5; roll++) {
        Segment active = log.files.segmentsForTest().get(log.files.segmentsForTest().size() - 1);
        assertTrue(active.writePosition < Segment.HEADER + 1024, "the active segment holds only the record that started it");
        awaitPrepared(log);
        written = writeUntilSegments(store, log, log.files.segmentsForTest().size() + 1, written);
        assertEquals(roll, log.files.spare.adoptedForTest(), "roll " + roll + " used the file its first write had prepared");
      }
      assertAllPresent(store, written);
    }
  }

  @Test
  void aRollWhileTheFileIsBeingWrittenWaitsForItInsteadOfWritingASecond() throws Exception {
    // 256 MiB of zeros take the allocator thread long enough that the take below comes while it
    // writes; before take waited, it answered null then, and the roll wrote a second file itself
    int size = 256 << 20;
    SpareSegment spare = new SpareSegment(dir, io.inkv.store.memory.MappedFile.Pages.HUGE);
    try {
      spare.prepare(size, dir.resolve("big.next.tmp"));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!spare.writingForTest() && !spare.readyForTest() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      SpareSegment.Spare taken = spare.take(size);
      assertEquals(dir.resolve("big.next.tmp"), taken == null ? null : taken.path(), "the file being written was waited for");
      assertEquals(size, Files.size(taken.path()));
      assertEquals(null, spare.take(size), "and taken once");
      taken.delete();
      assertEquals(null, spare.take(SEGMENT), "a size nobody prepares is not waited for");
    } finally {
      spare.discard();
    }
  }

  @Test
  void aPreparedFileLeftByACrashIsDeletedAtOpen() throws Exception {
    try (Store store = options().open()) {
      store.put(bytes("k"), bytes("v"));
    }
    Path leftOver = dir.resolve("17.next.tmp");
    Files.write(leftOver, new byte[SEGMENT]);
    try (Store store = options().backgroundMaintenance(false).open()) {
      assertArrayEquals(bytes("v"), store.get(bytes("k")));
      assertFalse(Files.exists(leftOver), "the open deleted the unfinished file");
    }
  }

  @Test
  void withoutBackgroundMaintenanceNothingIsPrepared() throws Exception {
    try (Store store = options().backgroundMaintenance(false).open()) {
      LogStore log = (LogStore) store;
      int written = writeUntilSegments(store, log, 4, 0);
      assertEquals(0, log.files.spare.adoptedForTest());
      assertEquals(List.of(), preparedFiles());
      assertAllPresent(store, written);
    }
  }

  private static int writeUntilSegments(Store store, LogStore log, long segments, int from) {
    int i = from;
    while (log.files.segmentsForTest().size() < segments) {
      store.put(key(i), value(i, 200));
      i++;
    }
    return i;
  }

  private void awaitPrepared(LogStore log) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!log.files.spare.readyForTest()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no next segment was prepared within " + WAIT);
      }
      Thread.sleep(5);
    }
    assertEquals(1, preparedFiles().size(), "one prepared file on disk");
  }

  private List<Path> preparedFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".next.tmp")).toList();
    }
  }

  private static void assertAllPresent(Store store, int written) {
    for (int i = 0; i < written; i++) {
      assertArrayEquals(value(i, 200), store.get(key(i)), "key " + i);
    }
  }
}
