package io.inkv.store;

import static io.inkv.store.StoreTesting.bytes;
import static io.inkv.store.StoreTesting.string;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index's layout: a stripe and a 32-bit fingerprint per key, the 64-bit address whole, at most
 * 16 bytes an entry, and images of both formats.
 */
@ExtendWith(StoreResourceCheck.class)
class KeyIndexTest {
  @TempDir Path dir;

  /** Matches by a model of which key each address holds, as LogStore does by reading the record. */
  private static final class Records implements KeyIndex.KeyMatcher {
    final Map<Long, String> keyAt = new HashMap<>();

    @Override
    public boolean matches(long address, byte[] key) {
      return key != null && string(key).equals(keyAt.get(address));
    }
  }

  @Test
  void addressesPastTwoToTheThirtyOneKeepEveryBit() {
    KeyIndex index = new KeyIndex(64, 16);
    Records records = new Records();
    long[] addresses = {
        Segment.address(1, Segment.HEADER),
        Segment.address(Integer.MAX_VALUE, 0x7FFF_FFF8),
        Segment.address(0x8000_0001, 0x8000_0008), // segment and offset both past 2^31, unsigned
        Segment.address(-2, -8),                   // the largest segment id and offset there are
    };
    for (int i = 0; i < addresses.length; i++) {
      assertEquals(0, index.put(hashOf(i), bytes("k" + i), addresses[i], records));
      records.keyAt.put(addresses[i], "k" + i);
    }
    for (int i = 0; i < addresses.length; i++) {
      assertEquals(addresses[i], index.find(hashOf(i)));
      assertEquals(0x8000_0001, Segment.segmentId(addresses[2]));
      assertTrue(index.holds(hashOf(i), addresses[i]));
    }
    long moved = Segment.address(0xFFFF_FFF0, 0xFFFF_FF00);
    assertTrue(index.replaceAddress(hashOf(2), addresses[2], moved));
    assertEquals(moved, index.find(hashOf(2)));
    assertEquals(0xFFFF_FFF0, Segment.segmentId(index.find(hashOf(2))));
    assertEquals(0xFFFF_FF00, Segment.offset(index.find(hashOf(2))));
    assertTrue(index.removeAddress(hashOf(3), addresses[3]));
    assertEquals(0, index.find(hashOf(3)));
    assertEquals(3, index.size());
  }

  /**
   * holds() of a key is never false while another key joins and leaves its bucket: the bucket
   * shrinking back to a slot between holds' two reads once hid the address (compaction would then
   * have left a live record behind in a segment it retires).
   */
  @Test
  void holdsSeesAKeyWhileAnotherJoinsAndLeavesItsBucket() throws Exception {
    KeyIndex index = new KeyIndex(64, 16);
    Map<Long, String> keyAt = new java.util.concurrent.ConcurrentHashMap<>();
    KeyIndex.KeyMatcher records = (address, key) -> key != null && string(key).equals(keyAt.get(address));
    long stays = 0x1200_0001_dead_beefL;
    long comes = 0x1200_0002_dead_beefL; // the same stripe and fingerprint
    long staysAt = Segment.address(1, Segment.HEADER);
    long comesAt = Segment.address(1, Segment.HEADER + 64);
    keyAt.put(staysAt, "stays");
    keyAt.put(comesAt, "comes");
    assertEquals(0, index.put(stays, bytes("stays"), staysAt, records));
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread churn = new Thread(() -> {
      while (!stop.get()) {
        index.put(comes, bytes("comes"), comesAt, records);
        index.remove(comes, bytes("comes"), records);
      }
    }, "bucket-churn");
    churn.start();
    try {
      long checks = 0;
      long end = System.nanoTime() + 1_000_000_000L;
      while (System.nanoTime() < end) {
        for (int i = 0; i < 1_000; i++, checks++) {
          if (!index.holds(stays, staysAt)) {
            throw new AssertionError("holds() missed a present key after " + checks + " checks");
          }
        }
      }
    } finally {
      stop.set(true);
      churn.join();
    }
    assertEquals(staysAt, index.find(stays));
  }

  @Test
  void keysSharingStripeAndFingerprintAreABucketThatShrinksBackToASlot() {
    KeyIndex index = new KeyIndex(64, 16);
    Records records = new Records();
    // Three hashes that differ only in bits 32 to 47, which the index does not keep.
    long[] hashes = {0x1200_0001_dead_beefL, 0x1200_0002_dead_beefL, 0x1200_ff00_dead_beefL};
    for (int i = 0; i < hashes.length; i++) {
      long address = Segment.address(1, Segment.HEADER + 64 * i);
      records.keyAt.put(address, "k" + i);
      assertEquals(0, index.put(hashes[i], bytes("k" + i), address, records));
    }
    assertEquals(KeyIndex.COLLIDED, index.find(hashes[0]));
    assertEquals(3, index.bucket(hashes[2]).length);
    assertEquals(3, index.size());
    // Overwriting one key replaces its own address only.
    long newer = Segment.address(2, Segment.HEADER);
    records.keyAt.put(newer, "k1");
    assertEquals(Segment.address(1, Segment.HEADER + 64), index.put(hashes[1], bytes("k1"), newer, records));
    assertEquals(3, index.size());
    assertEquals(Segment.address(1, Segment.HEADER), index.remove(hashes[0], bytes("k0"), records));
    assertEquals(Segment.address(1, Segment.HEADER + 128), index.remove(hashes[2], bytes("k2"), records));
    assertEquals(newer, index.find(hashes[1]), "a bucket of one is a plain slot again");
    assertNull(index.bucket(hashes[1]));
    // A snapshot's hashes hold only the kept bits, and still address the entry.
    long[] pairs = snapshotOf(index, hashes[1]);
    long stripeMask = -1L << (64 - index.stripeBits());
    assertEquals((hashes[1] & stripeMask) | 0xdead_beefL, pairs[0]);
    assertTrue(index.removeAddress(pairs[0], newer));
    assertEquals(0, index.size());
  }

  @Test
  void anEntryCostsAtMostSixteenBytesOfTableAtEverySize() {
    KeyIndex index = KeyIndex.sized(0);
    Records none = new Records();
    SplittableRandom random = new SplittableRandom(19);
    int n = 3_000_000;
    for (int i = 1; i <= n; i++) {
      index.put(random.nextLong(), null, Segment.address(1 + (i >>> 20), Segment.HEADER + 8 * (i & 0xFFFFF)), none);
      if (i % 50_000 == 0 && i >= 200_000) {
        double perEntry = (double) index.tableBytes() / index.size();
        assertTrue(perEntry <= 16.0, i + " entries: " + perEntry + " bytes each");
      }
    }
    assertEquals(n, index.size(), "random 64-bit hashes; a collision of the kept bits is still counted once per key");
  }

  @Test
  void anImageKeepsTheStripeBitsAndReopensIntoAnIndexNoLargerThanIt() throws IOException {
    Path store = dir.resolve("store");
    Map<String, String> model = new HashMap<>();
    try (Store s = StoreOptions.builder(store).segmentSize(StoreOptions.MIN_SEGMENT_SIZE).backgroundMaintenance(false).open()) {
      for (int i = 0; i < 2000; i++) {
        s.put(bytes("key-" + i), bytes("v" + i));
        model.put("key-" + i, "v" + i);
      }
    }
    Path image = store.resolve(StoreFiles.IMAGE_FILE);
    ByteBuffer header = header(image);
    assertEquals(2, header.getInt(8), "format version");
    assertEquals(72, header.getInt(12), "header length");
    int bits = header.getInt(60);
    assertTrue(bits >= 6 && bits <= KeyIndex.MAX_STRIPE_BITS, "stripe bits " + bits);
    assertEquals(bits, KeyIndex.declaredStripeBits(image));
    assertEquals(2000, KeyIndex.declaredImageEntries(image));
    assertEquals(1 << bits, KeyIndex.sized(100_000_000, bits).stripeCount(), "capped at the image's stripes");
    try (Store s = StoreOptions.builder(store).backgroundMaintenance(false).open()) {
      for (Map.Entry<String, String> e : model.entrySet()) {
        assertEquals(e.getValue(), string(s.get(bytes(e.getKey()))));
      }
      assertNull(s.get(bytes("key-2000")));
    }
  }

  /*
   * image-v1 is a store directory written by inkv before the index kept fingerprints (its index
   * image is format version 1, with whole 64-bit hashes): 300 keys key-i -> value-i, every tenth
   * overwritten with second-i, key-5, key-55, ... key-255 removed. It must open with every key,
   * and its next image must be version 2.
   */
  @Test
  void aStoreWhoseImageWasWrittenBeforeTheFingerprintLayoutOpensWithEveryKey() throws IOException {
    Path store = dir.resolve("v1");
    Files.createDirectories(store);
    for (String name : new String[] {"0000000001.seg", "index.img", "inkv.manifest"}) {
      try (InputStream in = KeyIndexTest.class.getResourceAsStream("image-v1/" + name)) {
        Files.copy(in, store.resolve(name));
      }
    }
    Path image = store.resolve(StoreFiles.IMAGE_FILE);
    assertEquals(1, header(image).getInt(8), "the fixture is a version 1 image");
    assertEquals(294, KeyIndex.declaredImageEntries(image));
    assertEquals(KeyIndex.MAX_STRIPE_BITS, KeyIndex.declaredStripeBits(image), "whole hashes fit any stripe count");
    try (Store s = StoreOptions.builder(store).backgroundMaintenance(false).open()) {
      assertEquals(294, s.size());
      for (int i = 0; i < 300; i++) {
        byte[] v = s.get(bytes("key-" + i));
        if (i % 50 == 5) {
          assertNull(v, "key-" + i);
        } else {
          assertEquals((i % 10 == 0 ? "second-" : "value-") + i, string(v), "key-" + i);
        }
      }
      s.put(bytes("key-300"), bytes("new"));
    }
    assertEquals(2, header(image).getInt(8), "rewritten in the current format on close");
    try (Store s = StoreOptions.builder(store).backgroundMaintenance(false).open()) {
      assertEquals(295, s.size());
      assertEquals("new", string(s.get(bytes("key-300"))));
      assertEquals("second-290", string(s.get(bytes("key-290"))));
    }
  }

  @Test
  void anImageOfAnUnknownFormatVersionIsRebuiltFromTheLogNamingTheVersion() throws IOException {
    Path store = dir.resolve("store");
    try (Store s = StoreOptions.builder(store).segmentSize(StoreOptions.MIN_SEGMENT_SIZE).backgroundMaintenance(false).open()) {
      s.put(bytes("a"), bytes("1"));
    }
    Path image = store.resolve(StoreFiles.IMAGE_FILE);
    byte[] bytes = Files.readAllBytes(image);
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 3);
    Files.write(image, bytes);
    Store.FormatException refused = org.junit.jupiter.api.Assertions.assertThrows(Store.FormatException.class,
        () -> KeyIndex.sized(0).loadImage(image, 0, null));
    assertTrue(refused.getMessage().contains("version 3"), refused.getMessage());
    try (Store s = StoreOptions.builder(store).backgroundMaintenance(false).open()) {
      assertArrayEquals(bytes("1"), s.get(bytes("a")));
    }
    assertFalse(header(image).getInt(8) == 3, "a new image replaced it");
  }

  private static long[] snapshotOf(KeyIndex index, long hash) {
    for (int i = 0; i < index.stripeCount(); i++) {
      long[] pairs = index.snapshot(i);
      if (pairs.length > 0) {
        return pairs;
      }
    }
    throw new AssertionError("no entry for " + Long.toHexString(hash));
  }

  private static long hashOf(int i) {
    return KeyHasher.XXH64.hash(bytes("k" + i));
  }

  private static ByteBuffer header(Path image) throws IOException {
    byte[] all = Files.readAllBytes(image);
    return ByteBuffer.wrap(all, 0, 72).order(ByteOrder.LITTLE_ENDIAN);
  }
}
