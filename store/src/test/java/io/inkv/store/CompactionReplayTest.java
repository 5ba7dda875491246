package io.inkv.store;

import static io.inkv.store.StoreTesting.copyDirectory;
import static io.inkv.store.StoreTesting.key;
import static io.inkv.store.StoreTesting.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/*
 * What a replay makes of the copies a compaction batch leaves when the process dies between the
 * copy and the redirect (Compaction.moveBatch): the batch copies records it found live without
 * their keys' locks, so a write of the key may come before the copy in the log. The disk is taken
 * as it is at that moment (a copy of the directory, as a kill -9 leaves it), and replayed from
 * the index image, and from the whole log with the image deleted.
 */
@ExtendWith(StoreResourceCheck.class)
class CompactionReplayTest {
  @TempDir
  Path temp;

  private LogStore open(Path dir) {
    return (LogStore) StoreOptions.builder(dir).segmentSize(StoreOptions.MIN_SEGMENT_SIZE)
        .backgroundMaintenance(false).open();
  }

  /** Writes {@code key}, then enough others that its segment is sealed, and an image; returns the key's address. */
  private static long writeAndSeal(LogStore store, byte[] key, byte[] value) {
    store.put(key, value);
    long address = store.locate(key, store.hasher.hash(key));
    for (int i = 1_000; store.files.active().id == Segment.segmentId(address) && i < 10_000; i++) {
      store.put(key(i), value(i, 1_000));
    }
    assertNotEquals(Segment.segmentId(address), store.files.active().id, "the key's segment is sealed");
    store.flush(); // the index image: the key at its first record
    return address;
  }

  /** Copies the record at {@code address} to the log's head as a compaction batch does, without redirecting the index. */
  private static void copyAsABatchWould(LogStore store, long address) {
    Segment victim = store.files.segments.get(Segment.segmentId(address));
    long[] copies = new long[1];
    store.files.appendCopies(victim, new int[] {Segment.offset(address)}, new long[] {Store.NEVER}, 1, copies);
    assertTrue(copies[0] != 0);
  }

  /**
   * Writes key 1 and seals its segment under an image, runs {@code between} (what came between
   * the batch's look at the record and its copy), copies the record as the batch would, and opens
   * what the disk holds at that moment: from the image, or from the whole log with it deleted.
   */
  private Store crashedAfter(String name, boolean withImage, java.util.function.Consumer<LogStore> between) throws Exception {
    Path dir = temp.resolve(name);
    Path crash = temp.resolve(name + "-crash");
    try (LogStore store = open(dir)) {
      long address = writeAndSeal(store, key(1), value(1, 200));
      between.accept(store);
      copyAsABatchWould(store, address);
      copyDirectory(dir, crash);
    }
    if (!withImage) {
      Files.delete(crash.resolve(StoreFiles.IMAGE_FILE));
    }
    return StoreOptions.builder(crash).segmentSize(StoreOptions.MIN_SEGMENT_SIZE).backgroundMaintenance(false).open();
  }

  @ParameterizedTest(name = "image: {0}")
  @ValueSource(booleans = {true, false})
  void aCopyAfterARemovalOfItsKeyDoesNotBringTheKeyBack(boolean withImage) throws Exception {
    try (Store replayed = crashedAfter("removed", withImage, store -> store.remove(key(1)))) {
      assertNull(replayed.get(key(1)), "the removed key stays removed");
      assertArrayEquals(value(1_000, 1_000), replayed.get(key(1_000)));
    }
  }

  @ParameterizedTest(name = "image: {0}")
  @ValueSource(booleans = {true, false})
  void aCopyAfterOtherWritesOfItsKeyDoesNotUndoThem(boolean withImage) throws Exception {
    try (Store replayed = crashedAfter("put-removed", withImage, store -> {
      store.put(key(1), value(2, 300));
      store.remove(key(1));
    })) {
      assertNull(replayed.get(key(1)), "the removed key stays removed");
    }
    try (Store replayed = crashedAfter("removed-put", withImage, store -> {
      store.remove(key(1));
      store.put(key(1), value(3, 300));
    })) {
      assertArrayEquals(value(3, 300), replayed.get(key(1)), "the latest put stands");
    }
  }

  @ParameterizedTest(name = "image: {0}")
  @ValueSource(booleans = {true, false})
  void aCopyNotYetRedirectedLeavesTheKeyAtItsValue(boolean withImage) throws Exception {
    try (Store replayed = crashedAfter("live", withImage, store -> { })) {
      assertArrayEquals(value(1, 200), replayed.get(key(1)));
      replayed.verify();
    }
  }
}
