package io.inkv.store;

import static io.inkv.store.StoreTesting.bytes;
import static io.inkv.store.StoreTesting.key;
import static io.inkv.store.StoreTesting.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Close releases every mapping and file handle, including those of segments that compaction
 * retired and those a ValueView still pointed into. {@link StoreResourceCheck} asserts it after
 * each test; these tests also assert it inline, at the moment of close.
 */
@ExtendWith(StoreResourceCheck.class)
class ResourceReleaseTest {
  @TempDir Path dir;

  @BeforeEach
  void needsProc() {
    Assumptions.assumeTrue(StoreResourceCheck.supported(), "/proc/self is not available on this system");
  }

  private Path storeDir() {
    return dir.resolve("store");
  }

  private List<String> open() {
    return StoreResourceCheck.resourcesUnder(List.of(dir.toAbsolutePath()));
  }

  private StoreOptions.Builder options() {
    return StoreOptions.builder(storeDir()).segmentSize(StoreOptions.MIN_SEGMENT_SIZE).backgroundMaintenance(false);
  }

  @Test
  void theCheckSeesTheMappingsAndDescriptorsOfAnOpenStore() {
    Store s = options().open();
    s.put(bytes("k"), bytes("v"));
    List<String> held = open();
    assertTrue(held.stream().anyMatch(r -> r.startsWith("mapping ") && r.endsWith(".seg")), held.toString());
    assertTrue(held.stream().anyMatch(r -> r.startsWith("descriptor ") && r.endsWith("inkv.lock")), held.toString());
    s.close();
    assertEquals(List.of(), open());
  }

  @Test
  void closeReleasesTheMappingsOfSegmentsThatCompactionRetired() {
    Store s = options().open();
    for (int round = 0; round < 10; round++) {
      for (int i = 0; i < 200; i++) {
        s.put(key(i), value(round * 1000 + i, 200));
      }
    }
    List<Path> before = StoreTesting.segmentFiles(storeDir());
    assertTrue(s.compact() > 0, "the overwrites made segments worth compacting");
    List<Path> after = StoreTesting.segmentFiles(storeDir());
    assertTrue(before.stream().anyMatch(p -> !after.contains(p)), "compaction deleted retired segment files");
    for (int i = 0; i < 200; i++) {
      assertArrayEquals(value(9000 + i, 200), s.get(key(i)));
    }
    s.close();
    assertEquals(List.of(), open(), "nothing of the store, retired segments included, stays mapped or open");
  }

  @Test
  void aClosedStoresFilesCanBeDeletedAtOnceAndTheStoreCreatedAgainInTheirPlace() throws Exception {
    Store s = options().open();
    for (int i = 0; i < 2000; i++) {
      s.put(key(i), value(i, 200));
    }
    List<Path> segments = StoreTesting.segmentFiles(storeDir());
    assertTrue(segments.size() > 1, "the writes rolled segments: " + segments);
    s.close();
    assertEquals(List.of(), open(), "close unmapped every segment at once, with no garbage collection");
    try (var files = Files.list(storeDir())) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(storeDir());
    try (Store again = options().open()) {
      assertEquals(0, again.size());
      again.put(bytes("k"), value(7, 100));
      assertArrayEquals(value(7, 100), again.get(bytes("k")));
      assertTrue(open().stream().anyMatch(r -> r.endsWith(segments.get(0).toString())), "the new store maps a file of the same name");
    }
    assertEquals(List.of(), open());
  }

  @Test
  void aViewObtainedBeforeCloseNoLongerHoldsItsMappingAndSaysTheStoreIsClosed() {
    Store s = options().open();
    s.put(bytes("k"), value(1, 100));
    ValueView view = new ValueView();
    assertTrue(s.get(bytes("k"), view));
    s.close();
    assertEquals(List.of(), open());
    assertThrows(Store.ClosedException.class, () -> view.getByte(0));
    assertThrows(Store.ClosedException.class, view::toByteArray);
  }

  @Test
  void aViewIntoARetiredSegmentReadsItsValueUntilCloseAndNothingLeaksAfter() {
    Store s = options().open();
    s.put(bytes("k"), value(1, 100));
    ValueView view = new ValueView();
    assertTrue(s.get(bytes("k"), view));
    Path first = StoreTesting.segmentFiles(storeDir()).get(0);
    for (int round = 0; round < 10; round++) {
      for (int i = 0; i < 200; i++) {
        s.put(key(i), value(round * 1000 + i, 200));
      }
    }
    s.put(bytes("k"), bytes("new"));
    s.compact();
    s.flush();
    assertFalse(Files.exists(first), "the view's segment was retired and its file deleted");
    assertArrayEquals(value(1, 100), view.toByteArray(), "the view still reads the value it was filled with");
    s.close();
    assertEquals(List.of(), open());
    assertThrows(Store.ClosedException.class, view::toByteArray);
  }

  @Test
  void aFailedOpenReleasesWhatItOpened() throws Exception {
    Store s = options().open();
    for (int i = 0; i < 2000; i++) {
      s.put(key(i), value(i, 200));
    }
    s.close();
    Files.writeString(storeDir().resolve("foreign"), "x");
    assertThrows(Store.FormatException.class, () -> options().open());
    assertEquals(List.of(), open());
    Files.delete(storeDir().resolve("foreign"));
    Path last = StoreTesting.segmentFiles(storeDir()).get(StoreTesting.segmentFiles(storeDir()).size() - 1);
    try (var ch = java.nio.channels.FileChannel.open(last, java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(1000); // a segment after several mapped ones fails its header check
    }
    assertThrows(Store.CorruptedException.class, () -> options().open());
    assertEquals(List.of(), open(), "segments mapped before the bad one were unmapped");
  }

  @Test
  void aRefusedSecondOpenReleasesItsLockFileDescriptor() {
    Store s = options().open();
    List<String> held = open();
    assertThrows(Store.AlreadyOpenException.class, () -> options().open());
    assertEquals(held, open(), "the refused open left nothing behind");
    s.close();
    assertEquals(List.of(), open());
  }
}
