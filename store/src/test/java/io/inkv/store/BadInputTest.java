package io.inkv.store;

import static io.inkv.store.StoreTesting.bytes;
import static io.inkv.store.StoreTesting.copyDirectory;
import static io.inkv.store.StoreTesting.find;
import static io.inkv.store.StoreTesting.flipByte;
import static io.inkv.store.StoreTesting.key;
import static io.inkv.store.StoreTesting.segmentFiles;
import static io.inkv.store.StoreTesting.string;
import static io.inkv.store.StoreTesting.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged files, foreign files, wrong versions, out-of-range arguments and use after close: each
 * gets an exception that names the file or the setting and the problem (or, for a torn tail, a
 * documented truncation), and the store never returns a wrong value.
 */
@ExtendWith(StoreResourceCheck.class)
class BadInputTest {
  @TempDir Path dir;

  private Store store;

  private Path storeDir() {
    return dir.resolve("store");
  }

  private StoreOptions.Builder options() {
    return StoreOptions.builder(storeDir()).segmentSize(StoreOptions.MIN_SEGMENT_SIZE).backgroundMaintenance(false);
  }

  private Store open() {
    store = options().open();
    return store;
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  /** Writes key-0 .. key-(n-1), each with a value of 200 bytes, and closes the store. */
  private void writeAndClose(int n) {
    Store s = open();
    for (int i = 0; i < n; i++) {
      s.put(key(i), value(i, 200));
    }
    s.close();
  }

  /** Returns the segment file and offset holding the first bytes of key-i's value. */
  private long[] locateValue(int i) {
    byte[] needle = ByteBuffer.allocate(key(i).length + 16).put(key(i)).put(value(i, 200), 0, 16).array();
    List<Path> files = segmentFiles(storeDir());
    for (int f = 0; f < files.size(); f++) {
      long at = find(files.get(f), needle);
      if (at >= 0) {
        return new long[] {f, at};
      }
    }
    throw new AssertionError("key-" + i + " not found in any segment");
  }

  private static void assertMessageNames(Exception e, Object... parts) {
    for (Object part : parts) {
      assertTrue(e.getMessage().contains(part.toString()), "message '" + e.getMessage() + "' lacks '" + part + "'");
    }
  }

  // ------------------------------------------------------------------ damaged records

  @Test
  void aFlippedValueByteBeforeTheCheckpointFailsReadsOfThatKeyNamingTheFile() {
    writeAndClose(100);
    long[] where = locateValue(50);
    Path file = segmentFiles(storeDir()).get((int) where[0]);
    flipByte(file, where[1] + key(50).length + 100);

    Store s = open();
    Store.CorruptedException e = assertThrows(Store.CorruptedException.class, () -> s.get(key(50)));
    assertMessageNames(e, file, "checksum");
    assertThrows(Store.CorruptedException.class, () -> s.get(key(50), new ValueView()));
    assertThrows(Store.CorruptedException.class, () -> s.getAll(List.of(key(50))));
    assertMessageNames(assertThrows(Store.CorruptedException.class, s::verify), file);
    for (int i = 0; i < 100; i++) {
      if (i != 50) {
        assertArrayEquals(value(i, 200), s.get(key(i)), "key-" + i);
      }
    }
    s.put(key(50), bytes("rewritten"));
    assertEquals("rewritten", string(s.get(key(50))), "a new write replaces the damaged record");
  }

  @Test
  void aFlippedKeyByteBeforeTheCheckpointIsReportedNotTakenForAnAbsentKey() {
    writeAndClose(100);
    long[] where = locateValue(50);
    Path file = segmentFiles(storeDir()).get((int) where[0]);
    flipByte(file, where[1] + 1);

    Store s = open();
    Store.CorruptedException e = assertThrows(Store.CorruptedException.class, () -> s.get(key(50)));
    assertMessageNames(e, file);
    assertThrows(Store.CorruptedException.class, () -> s.containsKey(key(50)));
    assertArrayEquals(value(49, 200), s.get(key(49)));
  }

  @Test
  void aTornLastRecordAfterAnUncleanStopIsTruncatedAndEarlierRecordsKept() {
    Store s = open();
    for (int i = 0; i < 100; i++) {
      s.put(key(i), value(i, 200));
    }
    Path crash = dir.resolve("crash");
    copyDirectory(storeDir(), crash); // what the disk holds if the process died now
    s.close();
    assertFalse(Files.exists(crash.resolve(StoreFiles.IMAGE_FILE)), "no image: recovery replays the log");

    byte[] needle = ByteBuffer.allocate(key(99).length + 16).put(key(99)).put(value(99, 200), 0, 16).array();
    Path last = segmentFiles(crash).get(segmentFiles(crash).size() - 1);
    long at = find(last, needle);
    assertTrue(at > 0);
    flipByte(last, at + 150);

    store = StoreOptions.builder(crash).backgroundMaintenance(false).open();
    assertNull(store.get(key(99)), "the torn record is gone");
    for (int i = 0; i < 99; i++) {
      assertArrayEquals(value(i, 200), store.get(key(i)), "key-" + i);
    }
    store.verify();
    store.put(key(99), bytes("again"));
    store.close();
    store = StoreOptions.builder(crash).backgroundMaintenance(false).open();
    assertEquals("again", string(store.get(key(99))));
    assertEquals(100, store.size());
  }

  @Test
  void aDamagedRecordInASealedSegmentFailsTheOpenNamingTheFile() throws IOException {
    writeAndClose(2000);
    long[] where = locateValue(300);
    assertTrue(where[0] > 0 && where[0] < segmentFiles(storeDir()).size() - 1, "key-300 is in a middle segment");
    Path file = segmentFiles(storeDir()).get((int) where[0]);
    flipByte(file, where[1] + key(300).length + 40);

    // With the image the store opens and only that key fails.
    Store s = open();
    assertMessageNames(assertThrows(Store.CorruptedException.class, () -> s.get(key(300))), file);
    assertArrayEquals(value(301, 200), s.get(key(301)));
    s.close();

    // Without it, the full replay meets the damage, which a torn write cannot explain.
    Files.delete(storeDir().resolve(StoreFiles.IMAGE_FILE));
    Store.CorruptedException e = assertThrows(Store.CorruptedException.class, this::open);
    assertMessageNames(e, file, "sealed segment");
  }

  @Test
  void maintenanceNeverRunsWhileTheStoreRecoversNorAfterItsOpenFailed() throws Exception {
    writeAndClose(2000);
    long[] where = locateValue(300);
    flipByte(segmentFiles(storeDir()).get((int) where[0]), where[1] + key(300).length + 40);
    Files.delete(storeDir().resolve(StoreFiles.IMAGE_FILE));
    AtomicInteger maintenanceTicks = new AtomicInteger();
    StoreOptions.Builder options = options().backgroundMaintenance(true).maintenanceInterval(Duration.ofMillis(5))
        .clock(() -> {
          if (Thread.currentThread().getName().startsWith("inkv-maintenance")) {
            maintenanceTicks.incrementAndGet();
          }
          return System.currentTimeMillis();
        });
    assertThrows(Store.CorruptedException.class, options::open);
    Thread.sleep(200);
    assertEquals(0, maintenanceTicks.get(), "maintenance ran during recovery or on a store whose open failed (whose files are unmapped)");
  }

  @Test
  void aTruncatedSegmentFileFailsTheOpenNamingTheFile() throws IOException {
    writeAndClose(2000);
    Path middle = segmentFiles(storeDir()).get(2);
    try (FileChannel ch = FileChannel.open(middle, StandardOpenOption.WRITE)) {
      ch.truncate(40_000);
    }
    assertMessageNames(assertThrows(Store.CorruptedException.class, this::open), middle, "truncated");
    try (FileChannel ch = FileChannel.open(middle, StandardOpenOption.WRITE)) {
      ch.truncate(30);
    }
    assertMessageNames(assertThrows(Store.FormatException.class, this::open), middle, "shorter than its header");
  }

  // ------------------------------------------------------------------ versions and foreign files

  @Test
  void aSegmentOfAnotherFormatVersionFailsTheOpenNamingFileAndVersions() throws IOException {
    writeAndClose(10);
    Path segment = segmentFiles(storeDir()).get(0);
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer header = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(header, 0);
      header.putInt(8, 2);
      CRC32C crc = new CRC32C();
      crc.update(header.array(), 0, 60);
      header.putInt(60, (int) crc.getValue());
      header.rewind();
      ch.write(header, 0);
    }
    Store.FormatException e = assertThrows(Store.FormatException.class, this::open);
    assertMessageNames(e, segment, "version 2", "version 1");
  }

  @Test
  void aManifestOfAnotherFormatVersionFailsTheOpenNamingFileAndVersions() throws IOException {
    writeAndClose(10);
    String body = "format=inkv-store\nformatVersion=2\nstoreId=0123456789abcdef\nkeyHash=xxh64\n";
    CRC32C crc = new CRC32C();
    crc.update(body.getBytes(StandardCharsets.UTF_8));
    Path manifest = storeDir().resolve(StoreFiles.MANIFEST_FILE);
    Files.writeString(manifest, body + "crc32c=" + String.format("%08x", crc.getValue()) + "\n");
    Store.FormatException e = assertThrows(Store.FormatException.class, this::open);
    assertMessageNames(e, manifest, "version 2", "version 1");
  }

  @Test
  void aDamagedManifestFailsTheOpenNamingIt() throws IOException {
    writeAndClose(10);
    Path manifest = storeDir().resolve(StoreFiles.MANIFEST_FILE);
    flipByte(manifest, 30);
    assertMessageNames(assertThrows(Store.CorruptedException.class, this::open), manifest, "checksum");
    Files.writeString(manifest, "hello");
    assertMessageNames(assertThrows(Store.FormatException.class, this::open), manifest, "not an inkv manifest");
  }

  @Test
  void aForeignFileInTheDirectoryFailsTheOpenNamingIt() throws IOException {
    writeAndClose(10);
    Path foreign = storeDir().resolve("notes.txt");
    Files.writeString(foreign, "not ours");
    assertMessageNames(assertThrows(Store.FormatException.class, this::open), foreign, "not an inkv file");
    Files.delete(foreign);
    Path fakeSegment = storeDir().resolve("0000000099.seg");
    Files.write(fakeSegment, new byte[4096]);
    Files.write(fakeSegment, "definitely not a segment".getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE);
    assertMessageNames(assertThrows(Store.FormatException.class, this::open), fakeSegment, "bad magic");
  }

  @Test
  void aDirectoryRefusedForAForeignFileIsLeftAsItWasFound() throws IOException {
    Path foreignDir = Files.createDirectories(dir.resolve("someone-elses"));
    Path foreign = Files.writeString(foreignDir.resolve("notes.txt"), "not ours");
    assertMessageNames(assertThrows(Store.FormatException.class, () -> StoreOptions.builder(foreignDir).open()),
        foreign, "not an inkv file");
    try (var left = Files.list(foreignDir)) {
      assertEquals(List.of(foreign), left.toList(), "the refused open left files behind");
    }
    // A store's own lock file, which was there before, stays.
    writeAndClose(10);
    Path lock = storeDir().resolve(StoreFiles.LOCK_FILE);
    assertTrue(Files.exists(lock));
    Files.writeString(storeDir().resolve("notes.txt"), "not ours");
    assertThrows(Store.FormatException.class, this::open);
    assertTrue(Files.exists(lock), "a lock file found in the directory was deleted");
  }

  @Test
  void aNewestSegmentWhoseCreationWasCutShortIsDroppedAndTheDataKept() throws IOException {
    writeAndClose(50);
    byte[] headerWithoutMagic = new byte[4096];
    headerWithoutMagic[8] = 1; // fields written, the magic number (written last) not yet
    headerWithoutMagic[24] = 99;
    for (byte[] leftover : List.of(new byte[0], new byte[100], headerWithoutMagic)) {
      Path cut = storeDir().resolve(StoreFiles.segmentFileName(99));
      Files.write(cut, leftover);
      try (Store s = open()) {
        assertFalse(Files.exists(cut), "the unfinished segment of " + leftover.length + " bytes is still there");
        for (int i = 0; i < 50; i++) {
          assertArrayEquals(value(i, 200), s.get(key(i)));
        }
        s.put(key(50), value(50, 200));
      }
      store = null;
      try (Store s = open()) {
        assertArrayEquals(value(50, 200), s.get(key(50)));
        s.remove(key(50));
      }
      store = null;
    }
  }

  @Test
  void aDirectoryWithSegmentsButNoManifestIsRefused() throws IOException {
    writeAndClose(10);
    Files.delete(storeDir().resolve(StoreFiles.MANIFEST_FILE));
    assertMessageNames(assertThrows(Store.FormatException.class, this::open), StoreFiles.MANIFEST_FILE, "missing");
  }

  @Test
  void aDamagedIndexImageIsRebuiltFromTheWholeLogLosingNothing() throws IOException {
    Store s = open();
    Map<ByteBuffer, byte[]> model = new HashMap<>();
    for (int i = 0; i < 3000; i++) {
      int k = i % 700;
      byte[] v = value(i, 100);
      s.put(key(k), v);
      model.put(ByteBuffer.wrap(key(k)), v);
      if (i % 11 == 0) {
        s.remove(key(i % 500));
        model.remove(ByteBuffer.wrap(key(i % 500)));
      }
    }
    s.compact();
    s.close();
    Path image = storeDir().resolve(StoreFiles.IMAGE_FILE);
    flipByte(image, Files.size(image) / 2);
    StoreTesting.assertMatches(model, open());
    store.close();
    Files.write(image, new byte[200]);
    StoreTesting.assertMatches(model, open());
  }

  // ------------------------------------------------------------------ arguments

  @Test
  void outOfRangeArgumentsAreRefusedNamingTheLimitAndChangeNothing() {
    Store s = open();
    s.put(bytes("k"), bytes("v"));
    StoreStats before = s.stats();
    byte[] longKey = new byte[Store.MAX_KEY_LENGTH + 1];
    assertMessageNames(assertThrows(IllegalArgumentException.class, () -> s.put(longKey, bytes("v"))), "65536", "65535");
    assertThrows(IllegalArgumentException.class, () -> s.get(longKey));
    assertThrows(IllegalArgumentException.class, () -> s.remove(longKey));
    byte[] bigValue = new byte[s.maxValueLength()];
    assertMessageNames(assertThrows(IllegalArgumentException.class, () -> s.put(bytes("k"), bigValue)),
        "value is " + bigValue.length, "limit", "segmentSize");
    assertMessageNames(assertThrows(IllegalArgumentException.class, () -> s.put(bytes("k"), bytes("w"), -1)), "expireAt");
    assertMessageNames(assertThrows(IllegalArgumentException.class, () -> s.put(bytes("k"), bytes("w"), 1L << 48)), "expireAt");
    assertMessageNames(assertThrows(IllegalArgumentException.class, () -> s.setExpiry(bytes("k"), -5)), "expireAt");
    assertThrows(IllegalArgumentException.class, () -> s.update(bytes("k"), (c, w) -> {
      w.put(bigValue, Store.NEVER);
      return null;
    }));
    assertThrows(IllegalArgumentException.class, () -> s.update(bytes("k"), (c, w) -> {
      w.setExpiry(-1);
      return null;
    }));
    assertThrows(IllegalArgumentException.class, () -> s.update(bytes("new"), (c, w) -> {
      w.put(bytes("x"), -1);
      return null;
    }));
    assertEquals("v", string(s.get(bytes("k"))));
    assertEquals(Store.NEVER, s.expireAt(bytes("k")));
    assertFalse(s.containsKey(bytes("new")));
    assertEquals(before, s.stats());
  }

  @Test
  void anOverLimitPutIsRefusedNamingKeyValueAndLimitAndTheOldValueStays() {
    Store s = open();
    s.put(bytes("k"), bytes("old"));
    byte[] big = new byte[200 * 1024];
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.put(bytes("k"), big));
    assertMessageNames(e, "value is " + big.length, "1-byte key", "limit is " + (s.maxValueLength() - 1));
    assertEquals("old", string(s.get(bytes("k"))));
    assertMessageNames(assertThrows(IllegalArgumentException.class, () -> s.checkEntry(bytes("k"), big.length)),
        "value is " + big.length, "limit");
    s.checkEntry(bytes("k"), s.maxValueLength() - 1); // the largest value with a 1-byte key passes
  }

  @Test
  void anUpdateOfAnOverLimitKeyNeverRunsItsFunction() {
    Store s = open();
    AtomicInteger runs = new AtomicInteger();
    assertMessageNames(assertThrows(IllegalArgumentException.class, () -> s.update(new byte[Store.MAX_KEY_LENGTH + 1], (c, w) -> {
      runs.incrementAndGet();
      return null;
    })), "65536", "65535");
    assertEquals(0, runs.get(), "the function never ran");
  }

  @Test
  void anOverLimitPutInsideAnUpdateThrowsFromThePutAndLeavesTheOldValue() {
    Store s = open();
    s.put(bytes("k"), bytes("old"));
    StoreStats before = s.stats();
    byte[] big = new byte[200 * 1024];
    AtomicInteger afterPut = new AtomicInteger();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.update(bytes("k"), (c, w) -> {
      w.put(big, Store.NEVER);
      afterPut.incrementAndGet(); // what a caller does after the put (an event, a CacheWriter call)
      return null;
    }));
    assertMessageNames(e, "value is " + big.length, "1-byte key", "limit");
    assertEquals(0, afterPut.get(), "the put threw inside the function, before anything after it ran");
    assertEquals("old", string(s.get(bytes("k"))));
    assertEquals(before, s.stats());
  }

  @Test
  void theLongestKeyIsStoredAndOneByteMoreIsRefused() {
    store = options().segmentSize(1 << 20).open();
    byte[] longest = value(7, Store.MAX_KEY_LENGTH);
    store.put(longest, bytes("v"));
    assertEquals("v", string(store.get(longest)));
    store.close();
    store = options().segmentSize(1 << 20).open();
    assertEquals("v", string(store.get(longest)));
    assertThrows(IllegalArgumentException.class, () -> store.put(new byte[Store.MAX_KEY_LENGTH + 1], bytes("v")));
  }

  @Test
  void nullArgumentsAreRefusedNamingTheArgument() {
    Store s = open();
    s.put(bytes("k"), bytes("v"));
    assertMessageNames(assertThrows(NullPointerException.class, () -> s.put(null, bytes("v"))), "key");
    assertMessageNames(assertThrows(NullPointerException.class, () -> s.put(bytes("k"), null)), "value");
    assertMessageNames(assertThrows(NullPointerException.class, () -> s.get(null)), "key");
    assertMessageNames(assertThrows(NullPointerException.class, () -> s.get(bytes("k"), null)), "view");
    assertMessageNames(assertThrows(NullPointerException.class, () -> s.remove(null)), "key");
    assertMessageNames(assertThrows(NullPointerException.class, () -> s.containsKey(null)), "key");
    assertMessageNames(assertThrows(NullPointerException.class, () -> s.update(bytes("k"), null)), "update");
    assertThrows(NullPointerException.class, () -> s.getAll(null));
    assertThrows(NullPointerException.class, () -> s.getAll(java.util.Arrays.asList(bytes("k"), null)));
    assertMessageNames(assertThrows(NullPointerException.class, () -> s.update(bytes("k"), (c, w) -> {
      w.put(null, Store.NEVER);
      return null;
    })), "value");
    assertEquals("v", string(s.get(bytes("k"))));
    assertEquals(1, s.size());
  }

  // ------------------------------------------------------------------ lifecycle

  @Test
  void everyOperationAfterCloseThrowsClosedException() {
    Store s = open();
    s.put(bytes("k"), bytes("v"));
    java.util.Iterator<Entry> before = s.iterator();
    s.close();
    assertTrue(s.isClosed());
    s.close(); // idempotent
    byte[] k = bytes("k");
    Map<String, Executable> calls = new java.util.LinkedHashMap<>();
    calls.put("get", () -> s.get(k));
    calls.put("get(view)", () -> s.get(k, new ValueView()));
    calls.put("expireAt", () -> s.expireAt(k));
    calls.put("containsKey", () -> s.containsKey(k));
    calls.put("getAll", () -> s.getAll(List.of(k)));
    calls.put("put", () -> s.put(k, k));
    calls.put("put with expiry", () -> s.put(k, k, Store.NEVER));
    calls.put("remove", () -> s.remove(k));
    calls.put("setExpiry", () -> s.setExpiry(k, Store.NEVER));
    calls.put("update", () -> s.update(k, (c, w) -> null));
    calls.put("iterator", s::iterator);
    calls.put("an iterator made before close", before::hasNext);
    calls.put("size", s::size);
    calls.put("clear", s::clear);
    calls.put("flush", s::flush);
    calls.put("compact", s::compact);
    calls.put("verify", s::verify);
    calls.put("stats", s::stats);
    for (Map.Entry<String, Executable> call : calls.entrySet()) {
      Store.ClosedException e = assertThrows(Store.ClosedException.class, call.getValue(), call.getKey());
      assertMessageNames(e, storeDir(), "closed");
    }
  }

  @Test
  void aSecondOpenOfTheSameDirectoryIsRefusedUntilTheFirstCloses() {
    Store s = open();
    s.put(bytes("k"), bytes("v"));
    Store.AlreadyOpenException e = assertThrows(Store.AlreadyOpenException.class, () -> options().open());
    assertMessageNames(e, storeDir());
    assertEquals("v", string(s.get(bytes("k"))), "the refused open disturbed nothing");
    s.close();
    Store again = open();
    assertEquals("v", string(again.get(bytes("k"))));
  }

  @Test
  void openingAMissingStoreWithoutCreateIfMissingFailsNamingTheDirectory() {
    Store.StorageException e = assertThrows(Store.StorageException.class, () -> options().createIfMissing(false).open());
    assertMessageNames(e, storeDir(), "createIfMissing");
    assertFalse(Files.exists(storeDir()));
  }

  @Test
  void invalidOptionsFailAtBuildNamingTheSetting() {
    Map<String, Consumer<StoreOptions.Builder>> settings = new java.util.LinkedHashMap<>();
    settings.put("segmentSize", b -> b.segmentSize(StoreOptions.MIN_SEGMENT_SIZE - 4096));
    settings.put("segmentSize ", b -> b.segmentSize(StoreOptions.MIN_SEGMENT_SIZE + 1));
    settings.put("segmentSize  ", b -> b.segmentSize(Integer.MAX_VALUE));
    settings.put("syncInterval", b -> b.syncInterval(Duration.ZERO));
    settings.put("maxEntries", b -> b.maxEntries(-1));
    settings.put("maxBytes", b -> b.maxBytes(-1));
    settings.put("compactionThreshold", b -> b.compactionThreshold(0));
    settings.put("compactionThreshold ", b -> b.compactionThreshold(1));
    settings.put("maintenanceInterval", b -> b.maintenanceInterval(Duration.ofMillis(-1)));
    settings.put("checkpointBytes", b -> b.checkpointBytes(0));
    for (Map.Entry<String, Consumer<StoreOptions.Builder>> setting : settings.entrySet()) {
      StoreOptions.Builder b = StoreOptions.builder(storeDir());
      setting.getValue().accept(b);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build, setting.getKey());
      assertMessageNames(e, setting.getKey().trim());
    }
    assertThrows(NullPointerException.class, () -> StoreOptions.builder(null));
    assertMessageNames(assertThrows(NullPointerException.class, () -> StoreOptions.builder(storeDir()).durability(null)), "durability");
    assertFalse(Files.exists(storeDir()), "nothing was created");
  }
}
