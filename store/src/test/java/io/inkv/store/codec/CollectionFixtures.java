package io.inkv.store.codec;

import io.inkv.store.codec.ValueShapes.Trade;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Values of the tagged format's nested shapes, whose bytes as the encoder wrote them before it
 * encoded elements in place are kept in {@link CollectionBytesTest}: the names and the order of
 * the values here are part of those bytes.
 */
final class CollectionFixtures {
  private CollectionFixtures() {}

  /** A record whose nested fields are collections, a map of lists, an Optional and another record. */
  record Basket(long id, List<Trade> trades, Map<String, List<Integer>> bySymbol, Optional<Trade> best,
      LegacyFixtures.Book book) {}

  static Trade trade(int i) {
    return new Trade(i, 1000L + i, 10.5 * i, "SYM" + i, i % 3 == 0 ? null : "XNAS", i % 2 == 0);
  }

  static List<Trade> trades(int n) {
    List<Trade> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(trade(i));
    }
    return list;
  }

  static Basket basket() {
    Map<String, List<Integer>> bySymbol = new HashMap<>();
    bySymbol.put("a", List.of(1, 2, 3));
    bySymbol.put("b", new ArrayList<>());
    bySymbol.put("c", Arrays.asList(4, null, 5));
    return new Basket(42, trades(3), bySymbol, Optional.of(trade(7)), LegacyFixtures.book());
  }

  /** Small values, each kept as hex, by name. */
  static Map<String, Object> small() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("list of ten objects", trades(10));
    m.put("objects and nulls", new ArrayList<>(Arrays.asList(trade(1), null, trade(2), null)));
    m.put("mixed elements and nulls", new ArrayList<>(Arrays.asList("a", null, 7L, trade(4), null, List.of())));
    Map<String, List<String>> mapOfLists = new HashMap<>();
    mapOfLists.put("x", List.of("1", "2"));
    mapOfLists.put("y", new ArrayList<>(List.of("3")));
    mapOfLists.put("zz", List.of());
    m.put("hash map of lists", mapOfLists);
    Map<String, Trade> mapOfObjects = new HashMap<>();
    for (int i = 0; i < 5; i++) {
      mapOfObjects.put("k" + i, trade(i));
    }
    mapOfObjects.put("none", null);
    m.put("hash map of objects", mapOfObjects);
    List<Object> nested = new ArrayList<>();
    nested.add(new LinkedHashSet<>(List.of("b", "a")));
    nested.add(new TreeSet<>(List.of(3, 1, 2)));
    nested.add(List.of(List.of(trade(1)), List.of()));
    nested.add(new TreeMap<>(Map.of("k", new HashSet<>(List.of(1L, 2L)))));
    nested.add(Optional.of(List.of(trade(5))));
    m.put("collections in collections", nested);
    m.put("built-in elements", new ArrayList<>(Arrays.asList(true, (byte) 1, (short) 2, 'c', 3, 4L, 5f, 6d,
        new UUID(7, 8), Instant.ofEpochSecond(9, 10), Duration.ofMillis(11), LocalDate.of(2026, 12, 6),
        LocalTime.of(23, 5), LocalDateTime.of(2026, 12, 6, 23, 5), OffsetDateTime.of(2026, 12, 6, 23, 5, 0, 0,
            ZoneOffset.ofHours(1)), ZonedDateTime.of(2026, 12, 6, 23, 5, 0, 0, ZoneId.of("Europe/Paris")),
        "caf\u00e9", null)));
    m.put("a string alone", "caf\u00e9 and more");
    m.put("bytes alone", new byte[] {1, 2, 3});
    m.put("a UUID alone", new UUID(-1, 1));
    m.put("empty array list", new ArrayList<>());
    m.put("empty List.of", List.of());
    m.put("empty hash set", new HashSet<>());
    m.put("empty map", Collections.emptyMap());
    m.put("empty hash map", new HashMap<>());
    m.put("optional object", Optional.of(trade(3)));
    m.put("optional empty", Optional.empty());
    m.put("object array", new Trade[] {trade(1), null, trade(2)});
    m.put("array of arrays", new String[][] {{"a", null}, {}, null});
    m.put("int array", new int[] {1, -1, 300});
    m.put("record with nested collections", basket());
    m.put("record with nested collections, in an optional", Optional.of(basket()));
    return m;
  }

  /**
   * A list large enough to grow any buffer several times, whose elements are longer than 127 and
   * 16,383 bytes (two- and three-byte length varints), with non-ASCII text.
   */
  static List<Object> large() {
    List<Object> list = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      list.add(trade(i));
    }
    list.add(new Trade(1, 2, 3, "é".repeat(100), "long".repeat(40), true));
    list.add(new Trade(1, 2, 3, "x".repeat(20_000), "ü", false));
    Map<Integer, Object> map = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      map.put(i, i % 2 == 0 ? trades(i % 7) : "v" + i);
    }
    list.add(map);
    list.add(basket());
    return list;
  }
}
