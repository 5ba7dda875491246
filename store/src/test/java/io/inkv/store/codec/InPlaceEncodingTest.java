package io.inkv.store.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inkv.store.codec.CollectionFixtures.Basket;
import io.inkv.store.codec.ValueShapes.Trade;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Values whose nested parts (records in collections, collections in records and in each other)
 * the codec writes in place into the one buffer of the value: they read back equal, through the
 * Object codec and the typed one, whatever the buffer held before and however large it grows.
 */
class InPlaceEncodingTest {
  private static final ClassLoader LOADER = InPlaceEncodingTest.class.getClassLoader();
  private final Codec<Object> any = Codec.anyType(LOADER);

  private Object roundTrip(Object value) {
    byte[] bytes = any.encode(value);
    Object back = any.decode(bytes);
    assertEquals(value, back);
    assertArrayEquals(bytes, any.encode(back), "re-encoding gives the same bytes");
    return back;
  }

  @Test
  void collectionsNestedInCollectionsReadBack() {
    List<Object> outer = new ArrayList<>();
    outer.add(List.of(List.of(List.of(CollectionFixtures.trade(1))), Set.of("a", "b")));
    outer.add(new TreeMap<>(Map.of("k", new LinkedList<>(List.of(Map.of(1, List.of(2L, 3L)))))));
    outer.add(new HashSet<>(List.of(List.of(1, 2), List.of(3))));
    outer.add(Optional.of(Map.of("t", CollectionFixtures.trades(3))));
    outer.add(Arrays.asList(new ArrayList<>(), null, Collections.emptySet()));
    roundTrip(outer);
  }

  @Test
  void mapsOfListsOfObjectsReadBackAsTheirKinds() {
    Map<String, List<Trade>> byVenue = new HashMap<>();
    Map<Trade, List<String>> byTrade = new LinkedHashMap<>();
    for (int i = 0; i < 40; i++) {
      byVenue.computeIfAbsent("venue" + (i % 7), k -> new ArrayList<>()).add(CollectionFixtures.trade(i));
      byTrade.put(CollectionFixtures.trade(i), i % 5 == 0 ? List.of() : List.of("n" + i, "m" + i));
    }
    assertEquals(HashMap.class, roundTrip(byVenue).getClass());
    assertEquals(LinkedHashMap.class, roundTrip(byTrade).getClass());
  }

  @Test
  void emptyCollectionsReadBackEmptyOfTheirKind() {
    List<Object> empties = List.of(new ArrayList<>(), new LinkedList<>(), List.of(), Set.of(), Map.of(),
        new HashSet<>(), new TreeSet<>(), new HashMap<>(), new TreeMap<>(), Collections.emptyList(),
        Optional.empty(), new Trade[0], new int[0]);
    for (Object e : empties) {
      Object back = any.decode(any.encode(e));
      assertEquals(e.getClass(), back.getClass(), e.getClass().getName());
    }
    roundTrip(new ArrayList<>(empties.subList(0, 11)));
  }

  @Test
  void nullElementsKeysAndValuesReadBack() {
    List<Trade> trades = new ArrayList<>(Arrays.asList(null, CollectionFixtures.trade(1), null, null,
        CollectionFixtures.trade(2), null));
    roundTrip(trades);
    Map<String, Trade> withNulls = new HashMap<>();
    withNulls.put(null, CollectionFixtures.trade(3));
    withNulls.put("none", null);
    withNulls.put("some", CollectionFixtures.trade(4));
    roundTrip(withNulls);
    roundTrip(new ArrayList<>(Arrays.asList(null, null)));
  }

  @Test
  void aRecordWhoseFieldsAreCollectionsReadsBackThroughBothCodecs() {
    Codec<Basket> typed = Codec.forClass(Basket.class, LOADER);
    Basket basket = CollectionFixtures.basket();
    assertEquals(basket, typed.decode(typed.encode(basket)));
    Basket empty = new Basket(0, List.of(), Map.of(), Optional.empty(), null);
    assertEquals(empty, typed.decode(typed.encode(empty)));
    roundTrip(List.of(basket, empty, basket));
  }

  @Test
  void aValueLargeEnoughToGrowTheBufferManyTimesReadsBackAndTheNextSmallOneIsExact() {
    List<Object> large = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      int n = i % 400; // element bodies on both sides of the one- and two-byte length boundaries
      large.add(new Trade(i, i, i, "s".repeat(n), i % 2 == 0 ? null : "\u00e9".repeat(n / 3), true));
    }
    large.add(Map.of("big", "x".repeat(300_000)));
    byte[] bytes = any.encode(large);
    assertEquals(large, any.decode(bytes));
    List<Trade> small = CollectionFixtures.trades(2);
    byte[] alone = new byte[0];
    for (int i = 0; i < 2; i++) {
      alone = any.encode(small);
    }
    assertEquals(small, any.decode(alone));
    assertArrayEquals(alone, any.encode(small));
  }

  /** A class with its own writeObject that encodes with inkv while inkv is encoding it. */
  static final class SelfEncoding implements Serializable {
    private static final long serialVersionUID = 1L;
    private final ArrayList<Trade> trades;
    private byte[] innerBytes;

    SelfEncoding(List<Trade> trades) {
      this.trades = new ArrayList<>(trades);
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
      innerBytes = Codec.anyType(LOADER).encode(trades);
      out.defaultWriteObject();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof SelfEncoding s && s.trades.equals(trades);
    }

    @Override
    public int hashCode() {
      return trades.hashCode();
    }
  }

  @Test
  void anEncodeThatBeginsInsideAnotherWritesIntoABufferOfItsOwn() {
    List<Trade> trades = CollectionFixtures.trades(4);
    SelfEncoding inner = new SelfEncoding(trades);
    List<Object> outer = new ArrayList<>(List.of(CollectionFixtures.trade(9), inner, CollectionFixtures.trade(8)));
    byte[] bytes = any.encode(outer);
    assertEquals(outer, any.decode(bytes));
    assertArrayEquals(any.encode(trades), inner.innerBytes);
    assertArrayEquals(bytes, any.encode(outer));
  }

  @Test
  void aFailedEncodeLeavesTheBufferFitForTheNext() {
    List<Object> bad = new ArrayList<>(List.of(CollectionFixtures.trade(1), new Object()));
    assertThrows(IllegalArgumentException.class, () -> any.encode(bad));
    List<Trade> good = CollectionFixtures.trades(3);
    byte[] bytes = any.encode(good);
    assertEquals(good, any.decode(bytes));
  }

  @Test
  void threadsEncodingAtOnceEachGetTheirOwnValuesBytes() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int seed = t;
        results.add(pool.submit(() -> {
          for (int i = 0; i < 500; i++) {
            List<Trade> value = CollectionFixtures.trades((seed + i) % 13);
            if (!value.equals(any.decode(any.encode(value)))) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> r : results) {
        assertEquals(true, r.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
