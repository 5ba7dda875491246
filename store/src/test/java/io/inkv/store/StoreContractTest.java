package io.inkv.store;

import static io.inkv.store.StoreTesting.assertMatches;
import static io.inkv.store.StoreTesting.bytes;
import static io.inkv.store.StoreTesting.contents;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every {@link Store} promises, checked operation by operation and against a model,
 * written once and run against every implementation (as Ehcache's store SPI tests are): a subclass
 * says how to open the store under test. It is in the store's test-jar
 * ({@code io.inkv:inkv-store:test-jar}), so a module with a store of its own runs it too.
 *
 * <p>The store under test keeps its data in a local store opened with the options it is given,
 * whose files the contract inspects (segment sizes, the index image): a store that wraps a local
 * store (a replicated one, for instance) passes the options on to it.
 */
@ExtendWith(StoreResourceCheck.class)
public abstract class StoreContractTest {
  /** The test's temporary directory; the store under test lives in {@code dir/store}. */
  @TempDir protected Path dir;

  private Store store;

  /**
   * Opens the store under test over a local store with {@code options}. The contract calls it again
   * with the same options after closing the store, and expects to find every entry it held.
   */
  protected abstract Store openStore(StoreOptions options);

  private StoreOptions.Builder options() {
    return StoreOptions.builder(dir.resolve("store")).segmentSize(StoreOptions.MIN_SEGMENT_SIZE)
        .backgroundMaintenance(false);
  }

  private Store open() {
    store = openStore(options().build());
    return store;
  }

  private Store reopen() {
    store.close();
    return open();
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void getReturnsACopyOfWhatPutStored() {
    Store s = open();
    byte[] v = bytes("value");
    s.put(bytes("k"), v);
    v[0] = 'X';
    byte[] got = s.get(bytes("k"));
    assertEquals("value", string(got));
    got[0] = 'Y';
    assertEquals("value", string(s.get(bytes("k"))));
    assertNull(s.get(bytes("absent")));
  }

  @Test
  void putReplacesThePreviousValue() {
    Store s = open();
    s.put(bytes("k"), bytes("one"));
    s.put(bytes("k"), bytes("two, longer"));
    assertEquals("two, longer", string(s.get(bytes("k"))));
    assertEquals(1, s.size());
  }

  @Test
  void getIntoAViewReadsTheValueInPlace() {
    Store s = open();
    byte[] v = new byte[24];
    ByteBuffer.wrap(v).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, 0x0102030405060708L).putInt(8, 42)
        .putDouble(16, 2.5);
    long future = System.currentTimeMillis() + 3_600_000;
    s.put(bytes("k"), v, future);
    ValueView view = new ValueView();
    assertTrue(s.get(bytes("k"), view));
    assertTrue(view.isPresent());
    assertEquals(24, view.length());
    assertEquals(future, view.expireAt());
    assertEquals(0x0102030405060708L, view.getLong(0));
    assertEquals(42, view.getInt(8));
    assertEquals(2.5, view.getDouble(16));
    assertEquals((byte) 0x08, view.getByte(0));
    assertTrue(view.contentEquals(v));
    assertArrayEquals(v, view.toByteArray());
    byte[] part = new byte[4];
    view.getBytes(8, part, 0, 4);
    assertArrayEquals(Arrays.copyOfRange(v, 8, 12), part);
    assertThrows(IndexOutOfBoundsException.class, () -> view.getLong(20));
    assertThrows(IndexOutOfBoundsException.class, () -> view.getByte(-1));

    assertFalse(s.get(bytes("absent"), view));
    assertFalse(view.isPresent());
    assertThrows(IllegalStateException.class, () -> view.getByte(0));
  }

  @Test
  void aViewKeepsShowingTheValueItWasFilledWithAfterAnOverwriteOrRemove() {
    Store s = open();
    s.put(bytes("k"), bytes("first"));
    ValueView view = new ValueView();
    assertTrue(s.get(bytes("k"), view));
    s.put(bytes("k"), bytes("second"));
    s.remove(bytes("k"));
    assertEquals("first", string(view.toByteArray()));
  }

  @Test
  void removeReportsWhetherTheKeyWasPresent() {
    Store s = open();
    s.put(bytes("k"), bytes("v"));
    assertTrue(s.remove(bytes("k")));
    assertFalse(s.remove(bytes("k")));
    assertFalse(s.remove(bytes("never")));
    assertNull(s.get(bytes("k")));
    assertFalse(s.containsKey(bytes("k")));
    assertEquals(0, s.size());
  }

  @Test
  void containsKeyAndExpireAtDescribeTheEntry() {
    Store s = open();
    long future = System.currentTimeMillis() + 3_600_000;
    s.put(bytes("forever"), bytes("v"));
    s.put(bytes("later"), bytes("v"), future);
    assertTrue(s.containsKey(bytes("forever")));
    assertTrue(s.containsKey(bytes("later")));
    assertFalse(s.containsKey(bytes("absent")));
    assertEquals(Store.NEVER, s.expireAt(bytes("forever")));
    assertEquals(future, s.expireAt(bytes("later")));
    assertEquals(-1, s.expireAt(bytes("absent")));
  }

  @Test
  void getAllReturnsValuesInTheOrderAskedWithNullForAbsentKeys() {
    Store s = open();
    s.put(bytes("a"), bytes("1"));
    s.put(bytes("b"), bytes("2"));
    byte[][] got = s.getAll(List.of(bytes("b"), bytes("x"), bytes("a"), bytes("b")));
    assertEquals(4, got.length);
    assertEquals("2", string(got[0]));
    assertNull(got[1]);
    assertEquals("1", string(got[2]));
    assertEquals("2", string(got[3]));
    assertEquals(0, s.getAll(List.of()).length);
  }

  @Test
  void updateSeesNullForAnAbsentKeyAndItsPutCreatesTheEntry() {
    Store s = open();
    String result = s.update(bytes("k"), (current, writer) -> {
      assertNull(current);
      writer.put(bytes("created"), Store.NEVER);
      return "made";
    });
    assertEquals("made", result);
    assertEquals("created", string(s.get(bytes("k"))));
  }

  @Test
  void updateSeesTheCurrentValueAndExpiryAndItsPutReplacesThem() {
    Store s = open();
    long future = System.currentTimeMillis() + 3_600_000;
    s.put(bytes("k"), bytes("old"), future);
    int length = s.update(bytes("k"), (current, writer) -> {
      assertEquals("old", string(current.value()));
      assertEquals(future, current.expireAt());
      writer.put(bytes("new"), Store.NEVER);
      return current.value().length;
    });
    assertEquals(3, length);
    assertEquals("new", string(s.get(bytes("k"))));
    assertEquals(Store.NEVER, s.expireAt(bytes("k")));
  }

  @Test
  void updateSetExpiryKeepsTheValueAndChangesOnlyTheExpiry() {
    Store s = open();
    long future = System.currentTimeMillis() + 3_600_000;
    s.put(bytes("k"), bytes("v"));
    s.update(bytes("k"), (current, writer) -> {
      writer.setExpiry(future);
      return null;
    });
    assertEquals("v", string(s.get(bytes("k"))));
    assertEquals(future, s.expireAt(bytes("k")));
    s.update(bytes("absent"), (current, writer) -> {
      writer.setExpiry(future);
      return null;
    });
    assertFalse(s.containsKey(bytes("absent")), "setExpiry on an absent key creates nothing");
  }

  @Test
  void updateRemoveRemovesTheEntry() {
    Store s = open();
    s.put(bytes("k"), bytes("v"));
    Boolean had = s.update(bytes("k"), (current, writer) -> {
      writer.remove();
      return current != null;
    });
    assertTrue(had);
    assertNull(s.get(bytes("k")));
    assertEquals(0, s.size());
  }

  @Test
  void updateThatCallsNoWriterMethodLeavesTheEntryAsItIs() {
    Store s = open();
    s.put(bytes("k"), bytes("v"));
    StoreStats before = s.stats();
    s.update(bytes("k"), (current, writer) -> "nothing");
    assertEquals("v", string(s.get(bytes("k"))));
    assertEquals(before, s.stats());
    s.update(bytes("absent"), (current, writer) -> null);
    assertFalse(s.containsKey(bytes("absent")));
  }

  @Test
  void updateKeepsOnlyTheLastWriterCall() {
    Store s = open();
    s.put(bytes("k"), bytes("v"));
    s.update(bytes("k"), (current, writer) -> {
      writer.remove();
      writer.put(bytes("kept"), Store.NEVER);
      return null;
    });
    assertEquals("kept", string(s.get(bytes("k"))));
    s.update(bytes("k"), (current, writer) -> {
      writer.put(bytes("dropped"), Store.NEVER);
      writer.remove();
      return null;
    });
    assertNull(s.get(bytes("k")));
  }

  @Test
  void updateHandsTheFunctionACopyItMayKeep() {
    Store s = open();
    s.put(bytes("k"), bytes("abc"));
    byte[] kept = s.update(bytes("k"), (current, writer) -> current.value());
    kept[0] = 'Z';
    assertEquals("abc", string(s.get(bytes("k"))));
  }

  @Test
  void iteratorReturnsEveryLiveEntryExactlyOnce() {
    Store s = open();
    Map<String, String> expected = new HashMap<>();
    for (int i = 0; i < 500; i++) {
      s.put(key(i), bytes("v" + i));
      expected.put("key-" + i, "v" + i);
    }
    for (int i = 0; i < 500; i += 5) {
      s.remove(key(i));
      expected.remove("key-" + i);
    }
    s.put(key(1), bytes("overwritten"));
    expected.put("key-1", "overwritten");
    Map<String, String> seen = new HashMap<>();
    for (Iterator<Entry> it = s.iterator(); it.hasNext(); ) {
      Entry e = it.next();
      assertNull(seen.put(string(e.key()), string(e.value())), "returned twice: " + string(e.key()));
      assertEquals(Store.NEVER, e.expireAt());
    }
    assertEquals(expected, seen);
  }

  @Test
  void iteratorOfAnEmptyStoreHasNothing() {
    Store s = open();
    Iterator<Entry> it = s.iterator();
    assertFalse(it.hasNext());
    assertThrows(NoSuchElementException.class, it::next);
  }

  @Test
  void iteratorRemoveRemovesTheLastReturnedEntry() {
    Store s = open();
    for (int i = 0; i < 100; i++) {
      s.put(key(i), bytes("v" + i));
    }
    Iterator<Entry> it = s.iterator();
    assertThrows(IllegalStateException.class, it::remove);
    Set<String> removed = new HashSet<>();
    while (it.hasNext()) {
      Entry e = it.next();
      if (e.key()[e.key().length - 1] % 2 == 0) {
        it.remove();
        removed.add(string(e.key()));
        assertThrows(IllegalStateException.class, it::remove, "a second remove without next");
      }
    }
    assertEquals(100 - removed.size(), s.size());
    for (int i = 0; i < 100; i++) {
      assertEquals(!removed.contains("key-" + i), s.containsKey(key(i)));
    }
  }

  @Test
  void iteratorIsWeaklyConsistentUnderConcurrentPuts() throws Exception {
    Store s = open();
    int stable = 2000;
    for (int i = 0; i < stable; i++) {
      s.put(key(i), bytes("v" + i));
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger written = new AtomicInteger();
    Thread writer = new Thread(() -> {
      int i = 0;
      while (!stop.get()) {
        s.put(bytes("new-" + i), bytes("n" + i));
        s.put(key(stable + (i % 100)), bytes("churn" + i));
        i++;
        written.set(i);
      }
    });
    writer.start();
    try {
      while (written.get() < 100) {
        Thread.onSpinWait();
      }
      for (int round = 0; round < 3; round++) {
        Set<String> seen = new HashSet<>();
        for (Iterator<Entry> it = s.iterator(); it.hasNext(); ) {
          Entry e = it.next();
          String k = string(e.key());
          assertTrue(seen.add(k), "returned twice: " + k);
          String v = string(e.value());
          if (k.startsWith("new-")) {
            assertEquals("n" + k.substring(4), v);
          } else {
            int i = Integer.parseInt(k.substring(4));
            assertTrue(i < stable ? v.equals("v" + i) : v.startsWith("churn"), k + " -> " + v);
          }
        }
        for (int i = 0; i < stable; i++) {
          assertTrue(seen.contains("key-" + i), "an entry present throughout was not returned: key-" + i);
        }
      }
    } finally {
      stop.set(true);
      writer.join();
    }
  }

  @Test
  void sizeCountsLiveEntriesAndClearRemovesThemAll() {
    Store s = open();
    assertEquals(0, s.size());
    for (int i = 0; i < 300; i++) {
      s.put(key(i), value(i, 50));
    }
    s.put(key(7), value(7, 60));
    s.remove(key(8));
    assertEquals(299, s.size());
    s.clear();
    assertEquals(0, s.size());
    assertNull(s.get(key(7)));
    assertFalse(s.iterator().hasNext());
    assertEquals(0, s.stats().entries());
    assertEquals(0, s.stats().liveBytes());
    s.put(key(7), bytes("after clear"));
    assertEquals("after clear", string(s.get(key(7))));
    assertEquals(1, s.size());
  }

  @Test
  void statsFollowLiveAndGarbageBytes() {
    Store s = open();
    StoreStats empty = s.stats();
    assertEquals(0, empty.entries());
    assertEquals(0, empty.liveBytes());
    assertEquals(0, empty.garbageBytes());

    // A record is 32 header bytes + key + value, padded to a multiple of 8.
    s.put(bytes("abc"), new byte[10]); // 45 -> 48
    StoreStats one = s.stats();
    assertEquals(1, one.entries());
    assertEquals(48, one.liveBytes());
    assertEquals(0, one.garbageBytes());
    assertTrue(one.segments() >= 1);
    assertEquals(one.fileBytes(), segmentFiles(dir.resolve("store")).stream().mapToLong(StoreContractTest::size).sum());

    s.put(bytes("abc"), new byte[20]); // 55 -> 56; the 48 become garbage
    StoreStats overwritten = s.stats();
    assertEquals(1, overwritten.entries());
    assertEquals(56, overwritten.liveBytes());
    assertEquals(48, overwritten.garbageBytes());

    s.remove(bytes("abc")); // the 56 become garbage, and so does the 35 -> 40 byte tombstone
    StoreStats removed = s.stats();
    assertEquals(0, removed.entries());
    assertEquals(0, removed.liveBytes());
    assertEquals(48 + 56 + 40, removed.garbageBytes());
  }

  @Test
  void emptyKeysAndEmptyValuesAreStoredLikeAnyOther() {
    Store s = open();
    s.put(new byte[0], bytes("value of the empty key"));
    s.put(bytes("empty"), new byte[0]);
    assertEquals("value of the empty key", string(s.get(new byte[0])));
    assertArrayEquals(new byte[0], s.get(bytes("empty")));
    ValueView view = new ValueView();
    assertTrue(s.get(bytes("empty"), view));
    assertEquals(0, view.length());
    assertEquals(2, contents(s).size());
    reopen();
    assertEquals("value of the empty key", string(store.get(new byte[0])));
    assertArrayEquals(new byte[0], store.get(bytes("empty")));
    assertTrue(store.remove(new byte[0]));
    assertNull(store.get(new byte[0]));
    assertEquals(1, store.size());
  }

  @Test
  void closeAndReopenKeepsEveryEntry() {
    Store s = open();
    Map<ByteBuffer, byte[]> model = new HashMap<>();
    long future = System.currentTimeMillis() + 3_600_000;
    for (int i = 0; i < 1000; i++) {
      byte[] v = value(i, i % 200);
      s.put(key(i), v, i % 3 == 0 ? future : Store.NEVER);
      model.put(ByteBuffer.wrap(key(i)), v);
    }
    for (int i = 0; i < 1000; i += 7) {
      s.remove(key(i));
      model.remove(ByteBuffer.wrap(key(i)));
    }
    Store reopened = reopen();
    assertMatches(model, reopened);
    assertEquals(future, reopened.expireAt(key(3)));
    assertEquals(Store.NEVER, reopened.expireAt(key(1)));
  }

  @Test
  void reopenAfterClearFindsOnlyWhatWasWrittenAfterIt() {
    Store s = open();
    for (int i = 0; i < 300; i++) {
      s.put(key(i), value(i, 100));
    }
    s.clear();
    s.put(key(5), bytes("after"));
    Store reopened = reopen();
    assertEquals(1, reopened.size());
    assertEquals("after", string(reopened.get(key(5))));
    assertNull(reopened.get(key(6)));
  }

  @Test
  void manyWritesRollToNewSegmentFilesNoneLargerThanTheSegmentSize() throws IOException {
    Store s = open();
    for (int i = 0; i < 2000; i++) {
      s.put(key(i), value(i, 200));
    }
    List<Path> files = segmentFiles(dir.resolve("store"));
    assertTrue(files.size() >= 6, "2000 records of about 240 bytes need at least 6 segments of 64 KiB: " + files);
    for (Path f : files) {
      assertTrue(Files.size(f) <= StoreOptions.MIN_SEGMENT_SIZE, f + " is " + Files.size(f) + " bytes");
    }
    assertEquals(files.size(), s.stats().segments());
    // The largest values fill a segment exactly: maxValueLength() with an empty key, one byte less per key byte.
    int biggest = s.maxValueLength();
    assertEquals(StoreOptions.MIN_SEGMENT_SIZE - 96, biggest);
    s.put(new byte[0], value(1, biggest));
    s.put(bytes("k"), value(2, biggest - 1));
    assertThrows(IllegalArgumentException.class, () -> s.put(bytes("k"), new byte[biggest]));
    for (Path f : segmentFiles(dir.resolve("store"))) {
      assertTrue(Files.size(f) <= StoreOptions.MIN_SEGMENT_SIZE, f + " is " + Files.size(f) + " bytes");
    }
    Store reopened = reopen();
    assertArrayEquals(value(1, biggest), reopened.get(new byte[0]));
    assertArrayEquals(value(2, biggest - 1), reopened.get(bytes("k")));
    for (int i = 0; i < 2000; i++) {
      assertArrayEquals(value(i, 200), reopened.get(key(i)));
    }
  }

  @Test
  void randomOperationsMatchAHashMapModelBeforeAndAfterReopen() throws IOException {
    Random random = new Random(20_240_611);
    Store s = open();
    Map<ByteBuffer, byte[]> model = new HashMap<>();
    List<byte[]> keySpace = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      keySpace.add(value(i, 1 + random.nextInt(40)));
    }
    for (int op = 0; op < 5000; op++) {
      byte[] k = keySpace.get(random.nextInt(keySpace.size()));
      ByteBuffer mk = ByteBuffer.wrap(k);
      int choice = random.nextInt(100);
      if (choice < 45) {
        byte[] v = value(op, random.nextInt(400));
        s.put(k, v);
        model.put(mk, v);
      } else if (choice < 60) {
        assertEquals(model.containsKey(mk), s.remove(k));
        model.remove(mk);
      } else if (choice < 75) {
        byte[] expected = model.get(mk);
        byte[] v = value(-op, random.nextInt(100));
        boolean remove = random.nextBoolean();
        byte[] seen = s.update(k, (current, writer) -> {
          if (remove) {
            writer.remove();
          } else {
            writer.put(v, Store.NEVER);
          }
          return current == null ? null : current.value();
        });
        assertArrayEquals(expected, seen);
        if (remove) {
          model.remove(mk);
        } else {
          model.put(mk, v);
        }
      } else if (choice < 98) {
        assertArrayEquals(model.get(mk), s.get(k));
      } else if (choice < 99) {
        s.compact();
      } else if (op % 7 == 0) {
        s.clear();
        model.clear();
      }
      if (op % 1000 == 999) {
        assertMatches(model, s);
      }
    }
    assertMatches(model, s);
    s.compact();
    assertMatches(model, s);
    assertMatches(model, reopen());
    // Again without the index image: a full replay of the log must reach the same state.
    store.close();
    Files.delete(dir.resolve("store").resolve(StoreFiles.IMAGE_FILE));
    assertMatches(model, open());
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
