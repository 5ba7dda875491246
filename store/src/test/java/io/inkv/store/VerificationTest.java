package io.inkv.store;

import static io.inkv.store.StoreTesting.find;
import static io.inkv.store.StoreTesting.flipByte;
import static io.inkv.store.StoreTesting.key;
import static io.inkv.store.StoreTesting.segmentFiles;
import static io.inkv.store.StoreTesting.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/*
 * When reads check record checksums (Verification): ONCE trusts what this process wrote and what
 * its scrub has checked, reads of segments found on disk check until the scrub passes them, a
 * damaged segment keeps every read checking, compaction never carries damage into a trusted
 * segment; EVERY_READ checks always; verify() finds damage whatever the setting.
 */
@ExtendWith(StoreResourceCheck.class)
class VerificationTest {
  private static final int KEYS = 600; // about five minimum-size segments of 200-byte values
  private static final int DAMAGED = 50;

  @TempDir
  Path dir;

  private StoreOptions.Builder options(Verification verification, boolean maintenance) {
    return StoreOptions.builder(dir).segmentSize(StoreOptions.MIN_SEGMENT_SIZE).verification(verification)
        .backgroundMaintenance(maintenance).maintenanceInterval(Duration.ofMillis(5));
  }

  private void fill(Store s) {
    for (int i = 0; i < KEYS; i++) {
      s.put(key(i), value(i, 200));
    }
  }

  /** Flips a byte in the middle of key-i's value in its segment file; returns the file. */
  private Path damageValueOf(int i) {
    byte[] needle = ByteBuffer.allocate(key(i).length + 16).put(key(i)).put(value(i, 200), 0, 16).array();
    for (Path f : segmentFiles(dir)) {
      long at = find(f, needle);
      if (at >= 0) {
        flipByte(f, at + key(i).length + 100);
        return f;
      }
    }
    throw new AssertionError("key-" + i + " not found in any segment");
  }

  private static void assertOthersIntact(Store s) {
    for (int i = 0; i < KEYS; i++) {
      if (i != DAMAGED) {
        assertArrayEquals(value(i, 200), s.get(key(i)), "key-" + i);
      }
    }
  }

  private static void awaitUnchecked(LogStore s, int expected) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (s.maintenance.uncheckedSegmentsForTest() != expected && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(expected, s.maintenance.uncheckedSegmentsForTest(), "segments still checked record by record");
  }

  @Test
  void segmentsFoundOnDiskAreCheckedOnEveryReadUntilTheScrubPassesThem() throws InterruptedException {
    try (Store s = options(Verification.ONCE, false).open()) {
      fill(s);
    }
    Path damaged = damageValueOf(DAMAGED);
    int files = segmentFiles(dir).size();
    assertTrue(files >= 3, files + " segments");

    try (Store s = options(Verification.ONCE, false).open()) {
      assertEquals(files, ((LogStore) s).maintenance.uncheckedSegmentsForTest(), "nothing is trusted before a scrub");
      Store.CorruptedException e = assertThrows(Store.CorruptedException.class, () -> s.get(key(DAMAGED)));
      assertTrue(e.getMessage().contains(damaged.toString()), e.getMessage());
      assertOthersIntact(s);
    }
    try (Store s = options(Verification.ONCE, true).open()) {
      awaitUnchecked((LogStore) s, 1); // the scrub passes every segment but the damaged one
      assertThrows(Store.CorruptedException.class, () -> s.get(key(DAMAGED)), "reads of the damaged segment keep checking");
      assertThrows(Store.CorruptedException.class, () -> s.get(key(DAMAGED), new ValueView()));
      assertOthersIntact(s);
      assertThrows(Store.CorruptedException.class, s::verify);
    }
  }

  @Test
  void recordsThisProcessWroteAreTrustedUnderOnceAndCheckedUnderEveryRead() {
    try (Store s = options(Verification.ONCE, false).open()) {
      fill(s);
      assertEquals(0, ((LogStore) s).maintenance.uncheckedSegmentsForTest());
      damageValueOf(DAMAGED); // the mapping shares the page cache, so the store sees the flip
      byte[] read = s.get(key(DAMAGED));
      assertFalse(java.util.Arrays.equals(value(DAMAGED, 200), read), "ONCE does not check again what it wrote");
      assertThrows(Store.CorruptedException.class, s::verify, "verify() checks every record whatever the setting");
    }
    dir = dir.resolve("every-read");
    try (Store s = options(Verification.EVERY_READ, false).open()) {
      s.put(key(DAMAGED), value(DAMAGED, 200));
      damageValueOf(DAMAGED);
      assertThrows(Store.CorruptedException.class, () -> s.get(key(DAMAGED)));
    }
  }

  @Test
  void compactionCarriesADamagedRecordIntoAnUncheckedSegmentSoReadsStillReportIt() {
    try (Store s = options(Verification.ONCE, false).open()) {
      fill(s);
    }
    damageValueOf(DAMAGED);
    try (Store s = options(Verification.ONCE, false).compactionThreshold(0.1).open()) {
      // overwrite every other key so that the damaged key's segment is mostly garbage
      for (int i = 0; i < KEYS; i++) {
        if (i != DAMAGED) {
          s.put(key(i), value(i, 200));
        }
      }
      assertTrue(s.compact() > 0, "compaction ran");
      assertTrue(((LogStore) s).maintenance.uncheckedSegmentsForTest() > 0, "the segment the damaged copy went to checks its reads");
      assertThrows(Store.CorruptedException.class, () -> s.get(key(DAMAGED)), "the moved copy is still reported");
      assertOthersIntact(s);
      s.put(key(DAMAGED), value(DAMAGED, 200));
      assertArrayEquals(value(DAMAGED, 200), s.get(key(DAMAGED)), "a new write replaces the damaged record");
    }
    try (Store s = options(Verification.ONCE, false).open()) {
      assertArrayEquals(value(DAMAGED, 200), s.get(key(DAMAGED)));
      assertOthersIntact(s);
      // the damaged copy is garbage now, but still in the log until its segment is compacted
      assertThrows(Store.CorruptedException.class, s::verify);
    }
  }

  @Test
  void verificationIsRequired() {
    assertThrows(NullPointerException.class, () -> StoreOptions.builder(dir).verification(null));
    assertEquals(Verification.ONCE, StoreOptions.builder(dir).build().verification());
  }
}
