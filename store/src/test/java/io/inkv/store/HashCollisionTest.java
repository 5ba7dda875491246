package io.inkv.store;

import static io.inkv.store.StoreTesting.assertMatches;
import static io.inkv.store.StoreTesting.bytes;
import static io.inkv.store.StoreTesting.key;
import static io.inkv.store.StoreTesting.string;
import static io.inkv.store.StoreTesting.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys whose 64-bit hashes collide are still told apart by their bytes: a degenerate hash forces
 * every key (or every key of a few groups) onto one index slot.
 */
@ExtendWith(StoreResourceCheck.class)
class HashCollisionTest {
  /** Every key hashes to the same value. */
  static final KeyHasher CONSTANT = new KeyHasher() {
    @Override
    public long hash(byte[] key) {
      return 0x1234_5678_9ABC_DEF0L;
    }

    @Override
    public String name() {
      return "test-constant";
    }
  };

  /** Keys hash to one of three values, including 0 and the sign bit alone, which are edge cases for the index. */
  static final KeyHasher THREE_VALUES = new KeyHasher() {
    @Override
    public long hash(byte[] key) {
      int sum = 0;
      for (byte b : key) {
        sum += b;
      }
      return switch (Math.floorMod(sum, 3)) {
        case 0 -> 0L;
        case 1 -> Long.MIN_VALUE;
        default -> -1L;
      };
    }

    @Override
    public String name() {
      return "test-three-values";
    }
  };

  /**
   * Keys hash to many different 64-bit values that agree on every bit the index keeps (the top
   * 16, which choose the stripe at any stripe count, and the low 32, the fingerprint): distinct
   * hashes that still share one index slot.
   */
  static final KeyHasher SAME_INDEXED_BITS = new KeyHasher() {
    @Override
    public long hash(byte[] key) {
      long middle = KeyHasher.XXH64.hash(key) & 0x0000_FFFF_0000_0000L;
      return 0xA5A5_0000_0000_0000L | middle | 0x0000_0000_C0DE_F00DL;
    }

    @Override
    public String name() {
      return "test-same-indexed-bits";
    }
  };

  @TempDir Path dir;

  private Store store;

  private Store open(KeyHasher hasher) {
    store = StoreOptions.builder(dir.resolve("store")).segmentSize(StoreOptions.MIN_SEGMENT_SIZE)
        .backgroundMaintenance(false).keyHasher(hasher).open();
    return store;
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void keysSharingOneHashAreKeptApart() {
    Store s = open(CONSTANT);
    for (int i = 0; i < 300; i++) {
      s.put(key(i), bytes("v" + i));
    }
    for (int i = 0; i < 300; i++) {
      assertEquals("v" + i, string(s.get(key(i))));
    }
    assertNull(s.get(key(300)), "an absent key that shares the hash is absent");
    assertEquals(300, s.size());
    assertTrue(s.remove(key(150)));
    assertNull(s.get(key(150)));
    assertEquals("v149", string(s.get(key(149))));
    assertEquals("v151", string(s.get(key(151))));
    String seen = s.update(key(10), (current, writer) -> {
      writer.put(bytes("updated"), Store.NEVER);
      return string(current.value());
    });
    assertEquals("v10", seen);
    assertEquals("updated", string(s.get(key(10))));
    assertEquals("v11", string(s.get(key(11))));
    assertEquals(299, StoreTesting.contents(s).size());
  }

  @Test
  void removingAllButOneKeyOfACollidingPairLeavesTheOther() {
    Store s = open(CONSTANT);
    s.put(bytes("a"), bytes("1"));
    s.put(bytes("b"), bytes("2"));
    assertTrue(s.remove(bytes("a")));
    assertEquals("2", string(s.get(bytes("b"))));
    assertNull(s.get(bytes("a")));
    s.put(bytes("a"), bytes("3"));
    assertTrue(s.remove(bytes("b")));
    assertEquals("3", string(s.get(bytes("a"))));
    assertEquals(1, s.size());
  }

  @Test
  void randomOperationsWithOneHashMatchAModelThroughCompactionAndReopen() throws Exception {
    checkAgainstModel(CONSTANT, 400, 4000);
  }

  @Test
  void keysWhoseHashesDifferOnlyInBitsTheIndexDropsMatchAModelThroughCompactionAndReopen() throws Exception {
    checkAgainstModel(SAME_INDEXED_BITS, 600, 5000);
  }

  @Test
  void randomOperationsWithThreeHashesMatchAModelThroughCompactionAndReopen() throws Exception {
    checkAgainstModel(THREE_VALUES, 1000, 6000);
  }

  private void checkAgainstModel(KeyHasher hasher, int keys, int operations) throws Exception {
    Random random = new Random(keys);
    Store s = open(hasher);
    Map<ByteBuffer, byte[]> model = new HashMap<>();
    for (int op = 0; op < operations; op++) {
      byte[] k = key(random.nextInt(keys));
      ByteBuffer mk = ByteBuffer.wrap(k);
      int choice = random.nextInt(10);
      if (choice < 5) {
        byte[] v = value(op, random.nextInt(120));
        s.put(k, v);
        model.put(mk, v);
      } else if (choice < 7) {
        assertEquals(model.containsKey(mk), s.remove(k));
        model.remove(mk);
      } else if (choice < 8) {
        byte[] expected = model.get(mk);
        byte[] v = value(-op, 10);
        byte[] seen = s.update(k, (current, writer) -> {
          writer.put(v, Store.NEVER);
          return current == null ? null : current.value();
        });
        assertArrayEquals(expected, seen);
        model.put(mk, v);
      } else {
        assertArrayEquals(model.get(mk), s.get(k));
      }
      if (op % 500 == 499) {
        s.compact();
      }
    }
    assertMatches(model, s);
    assertTrue(s.stats().compactions() > 0, "the workload compacted some segments");
    store.close();
    assertMatches(model, open(hasher));
    store.close();
    Files.delete(dir.resolve("store").resolve(StoreFiles.IMAGE_FILE));
    assertMatches(model, open(hasher));
  }

  @Test
  void reopeningWithAnotherKeyHashFailsNamingBothHashes() {
    Store s = open(CONSTANT);
    s.put(bytes("k"), bytes("v"));
    s.close();
    Store.FormatException e = assertThrows(Store.FormatException.class,
        () -> StoreOptions.builder(dir.resolve("store")).open());
    assertTrue(e.getMessage().contains(StoreFiles.MANIFEST_FILE), e.getMessage());
    assertTrue(e.getMessage().contains("test-constant"), e.getMessage());
    assertTrue(e.getMessage().contains("xxh64"), e.getMessage());
    assertEquals("v", string(open(CONSTANT).get(bytes("k"))), "the failed open changed nothing");
  }
}
