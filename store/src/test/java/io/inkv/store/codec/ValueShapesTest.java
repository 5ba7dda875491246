package io.inkv.store.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.store.codec.ValueShapes.Bean;
import io.inkv.store.codec.ValueShapes.Circle;
import io.inkv.store.codec.ValueShapes.Custom;
import io.inkv.store.codec.ValueShapes.KotlinAccount;
import io.inkv.store.codec.ValueShapes.LombokPrice;
import io.inkv.store.codec.ValueShapes.Node;
import io.inkv.store.codec.ValueShapes.Order;
import io.inkv.store.codec.ValueShapes.Square;
import io.inkv.store.codec.ValueShapes.Status;
import io.inkv.store.codec.ValueShapes.Swapped;
import io.inkv.store.codec.ValueShapes.Total;
import io.inkv.store.codec.ValueShapes.Trade;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ValueShapesTest {
  private static final ClassLoader LOADER = ValueShapesTest.class.getClassLoader();

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(Codec<T> codec, T value) {
    byte[] bytes = codec.encode(value);
    assertFalse(bytes.length > 4 && (bytes[0] & 0xFF) == 0xAC && (bytes[1] & 0xFF) == 0xED, "not Java serialization");
    byte[] padded = new byte[bytes.length + 5];
    System.arraycopy(bytes, 0, padded, 5, bytes.length);
    T fromRegion = codec.decode(new HeapRegion(padded), 5, bytes.length);
    T fromArray = codec.decode(padded, 5, bytes.length);
    assertArrayEquals(bytes, codec.encode(fromArray), "re-encoding gives the same bytes");
    assertArrayEquals(bytes, codec.encode(fromRegion));
    return fromArray;
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) {
    Codec<T> typed = Codec.forClass((Class<T>) value.getClass(), LOADER);
    T back = roundTrip(typed, value);
    Object any = roundTrip(Codec.anyType(LOADER), value);
    if (!value.getClass().isArray()) {
      assertEquals(value, any, "through the Object codec");
    }
    return back;
  }

  @Test
  void anImmutableClassWithFinalFieldsIsBuiltThroughItsConstructorNotSerialized() {
    Codec<Trade> codec = Codec.forClass(Trade.class, LOADER);
    assertInstanceOf(LayoutCodec.class, codec);
    Trade t = new Trade(100, 42L, 99.5, "ACME", "XNYS", true);
    assertEquals(t, roundTrip(t));
    Trade nulls = new Trade(0, 0, 0, null, null, false);
    Trade back = roundTrip(nulls);
    assertNull(back.symbol());
    assertNull(back.venue());
  }

  @Test
  void kotlinDataClassAndLombokValueShapesTakeTheGeneratedLayout() {
    assertInstanceOf(LayoutCodec.class, Codec.forClass(KotlinAccount.class, LOADER));
    assertInstanceOf(LayoutCodec.class, Codec.forClass(LombokPrice.class, LOADER));
    assertEquals(new KotlinAccount(1, "ann", null, true), roundTrip(new KotlinAccount(1, "ann", null, true)));
    assertEquals(new LombokPrice("EUR", 1999, List.of("a", "b")), roundTrip(new LombokPrice("EUR", 1999, List.of("a", "b"))));
  }

  @Test
  void parametersOfTheSameTypeInAnotherOrderThanTheFieldsAreNotSwapped() {
    Swapped back = roundTrip(Codec.forClass(Swapped.class, LOADER), new Swapped("two", "one"));
    assertEquals("one", back.first());
    assertEquals("two", back.second());
  }

  @Test
  void aConstructorThatComputesAFieldIsNotCalledAndTheClassIsSerializedAndCounted() {
    Codec<Total> codec = Codec.forClass(Total.class, LOADER);
    assertInstanceOf(SerializingCodec.class, codec);
    long before = Codec.javaSerializedValues().getOrDefault(Total.class.getName(), 0L);
    assertEquals(3, codec.decode(codec.encode(new Total(1, 2))).sum());
    assertEquals(before + 1, Codec.javaSerializedValues().get(Total.class.getName()));
  }

  @Test
  void aClassWithItsOwnSerializedFormKeepsJavaSerializationAndIsCounted() {
    assertInstanceOf(SerializingCodec.class, Codec.forClass(Custom.class, LOADER));
    Codec<Object> any = Codec.anyType(LOADER);
    byte[] bytes = any.encode(List.of(new Custom("x")));
    assertEquals(List.of(new Custom("x")), any.decode(bytes));
    assertTrue(Codec.javaSerializedValues().get(Custom.class.getName()) >= 1);
    assertFalse(Codec.javaSerializedValues().containsKey(ArrayList.class.getName()));
    assertFalse(Codec.javaSerializedValues().containsKey(Trade.class.getName()));
  }

  @Test
  void jdkCollectionsAndMapsRoundTripAsTheirOwnKindWithoutSerialization() {
    List<Object> values = List.of(
        new ArrayList<>(List.of("a", "b")), new LinkedList<>(List.of(1, 2)), List.of(1L, 2L, 3L), List.of(),
        List.of("one"), Collections.unmodifiableList(new ArrayList<>(List.of("x"))), Arrays.asList("p", "q"),
        Collections.emptyList(), Collections.singletonList(5), new HashSet<>(Set.of("s", "t")),
        new LinkedHashSet<>(List.of("z", "a")), new TreeSet<>(Set.of(3, 1, 2)), Set.of("only"), Set.of(1, 2, 3),
        Collections.unmodifiableSet(new LinkedHashSet<>(List.of(1))), Collections.emptySet(), Collections.singleton('c'),
        new HashMap<>(Map.of("k", 1L)), new LinkedHashMap<>(Map.of("k", List.of(1))), new TreeMap<>(Map.of("b", 2, "a", 1)),
        Map.of("a", 1, "b", 2), Map.of(), Map.of(1, "x"), Collections.unmodifiableMap(new HashMap<>(Map.of(1, 2))),
        Collections.emptyMap(), Collections.singletonMap("k", "v"), new ConcurrentHashMap<>(Map.of("c", 3)),
        new CopyOnWriteArrayList<>(List.of(9)), EnumSet.of(Status.CLOSED), EnumSet.noneOf(Status.class),
        Optional.of("x"), Optional.empty(), new BigDecimal("12345678901234567890.0012"), new BigInteger("-98765432109876543210"),
        Status.ACTIVE, new ArrayList<>(Arrays.asList(null, "n", null)), new HashMap<>(Collections.singletonMap(null, null)));
    for (Object value : values) {
      Object back = roundTrip(value);
      assertEquals(value, back, value.getClass().getName());
      assertSame(value.getClass(), back.getClass(), "the same kind of collection comes back for " + value.getClass());
    }
    ArrayDeque<String> deque = new ArrayDeque<>(List.of("d", "e"));
    @SuppressWarnings({"unchecked", "rawtypes"})
    Codec<ArrayDeque<String>> deques = (Codec) Codec.forClass(ArrayDeque.class, LOADER);
    ArrayDeque<String> dequeBack = roundTrip(deques, deque);
    assertEquals(List.copyOf(deque), List.copyOf(dequeBack), "ArrayDeque has no equals: compare the elements");
    List<Integer> immutable = roundTrip(List.of(1));
    assertThrows(UnsupportedOperationException.class, () -> immutable.add(2));
    List<Integer> view = roundTrip(Collections.unmodifiableList(new ArrayList<>(List.of(1))));
    assertThrows(UnsupportedOperationException.class, () -> view.add(2));
  }

  @Test
  void arraysOfPrimitivesAndObjectsRoundTrip() {
    assertArrayEquals(new int[] {1, -2, 3}, roundTrip(new int[] {1, -2, 3}));
    assertArrayEquals(new long[] {Long.MAX_VALUE}, roundTrip(new long[] {Long.MAX_VALUE}));
    assertArrayEquals(new double[] {0.5, Double.NaN}, roundTrip(new double[] {0.5, Double.NaN}));
    assertArrayEquals(new boolean[] {true, false}, roundTrip(new boolean[] {true, false}));
    assertArrayEquals(new char[] {'a', 'é'}, roundTrip(new char[] {'a', 'é'}));
    assertArrayEquals(new String[] {"a", null}, roundTrip(new String[] {"a", null}));
    Trade[] trades = {new Trade(1, 2, 3, "s", "v", true), null};
    assertArrayEquals(trades, roundTrip(trades));
    assertArrayEquals(new int[0][], roundTrip(new int[0][]));
  }

  @Test
  void nestedValuesPolymorphicFieldsAndNullsRoundTripInOneRecord() {
    Order full = new Order(7, new Trade(1, 2, 3.5, "s", null, false),
        List.of(new LombokPrice("EUR", 5, List.of()), new LombokPrice("USD", 6, null)), new HashMap<>(Map.of("a", 1L)),
        new Circle(2), List.of(new Circle(1), new Square(2)), new Square(3), Optional.of("note"),
        new BigDecimal("1.50"), BigInteger.TEN, Status.CLOSED, new int[] {4, 5}, new String[] {"x"},
        EnumSet.of(Status.ACTIVE));
    Order back = roundTrip(Codec.forClass(Order.class, LOADER), full);
    assertEquals(full.trade(), back.trade());
    assertEquals(full.prices(), back.prices());
    assertEquals(full.counts(), back.counts());
    assertEquals(full.shape(), back.shape());
    assertEquals(full.shapes(), back.shapes());
    assertEquals(full.anything(), back.anything());
    assertEquals(full.note(), back.note());
    assertEquals(full.total(), back.total());
    assertEquals(full.big(), back.big());
    assertEquals(full.status(), back.status());
    assertArrayEquals(full.codes(), back.codes());
    assertArrayEquals(full.labels(), back.labels());
    assertEquals(full.flags(), back.flags());

    Order empty = new Order(0, null, List.of(), new HashMap<>(), null, new ArrayList<>(), null, Optional.empty(),
        null, null, null, new int[0], null, EnumSet.noneOf(Status.class));
    Order emptyBack = roundTrip(Codec.forClass(Order.class, LOADER), empty);
    assertNull(emptyBack.trade());
    assertEquals(List.of(), emptyBack.prices());
    assertEquals(Optional.empty(), emptyBack.note());
    assertNull(emptyBack.status());
  }

  @Test
  void aBeanWithAMapFieldRoundTrips() {
    Bean b = new Bean();
    b.setName("n");
    b.setAge(3);
    b.setScores(new LinkedHashMap<>(Map.of("x", 1L)));
    assertInstanceOf(LayoutCodec.class, Codec.forClass(Bean.class, LOADER));
    assertEquals(b, roundTrip(b));
  }

  @Test
  void nestedCollectionsRoundTrip() {
    Map<String, List<Set<Integer>>> nested = new TreeMap<>();
    nested.put("a", List.of(Set.of(1, 2), Set.of()));
    nested.put("b", new ArrayList<>());
    assertEquals(nested, roundTrip(nested));
    List<Map<String, Trade>> trades = List.of(Map.of("t", new Trade(1, 1, 1, "a", "b", true)), Map.of());
    assertEquals(trades, roundTrip(trades));
  }

  @Test
  void aValueThatHoldsItselfIsRefusedWithAClearError() {
    Node n = new Node();
    n.name = "loop";
    n.next = n;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Codec.forClass(Node.class, LOADER).encode(n));
    assertTrue(e.getMessage().contains("cycle"), e.getMessage());
    List<Object> self = new ArrayList<>();
    self.add(self);
    IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> Codec.anyType(LOADER).encode(self));
    assertTrue(e2.getMessage().contains("cycle"), e2.getMessage());
    Node chain = new Node();
    chain.next = new Node();
    chain.next.name = "tail";
    assertEquals("tail", Codec.forClass(Node.class, LOADER).decode(Codec.forClass(Node.class, LOADER).encode(chain)).next.name);
  }

  @Test
  void aSubclassGivenToATypedGeneratedCodecIsRefusedRatherThanTruncated() {
    class Sub extends ValueShapes.Node {}
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Codec.forClass(Node.class, LOADER).encode(new Sub()));
    assertTrue(e.getMessage().contains("subclass"), e.getMessage());
  }

  // ---------------------------------------------------------------- keys

  private static void assertSameBytes(Codec<Object> codec, Object a, Object b) {
    assertEquals(a, b);
    assertArrayEquals(codec.encode(a), codec.encode(b), "equal keys give equal bytes: " + a.getClass());
  }

  @Test
  void equalKeysOfEveryShapeGiveEqualBytes() {
    @SuppressWarnings("unchecked")
    Codec<Object> any = Codec.anyType(LOADER);
    List<String> letters = new ArrayList<>();
    for (char c = 'a'; c <= 'z'; c++) {
      letters.add(c + "key" + c);
    }
    Set<String> small = new HashSet<>(2);
    Set<String> large = new HashSet<>(4096);
    List<String> reversed = new ArrayList<>(letters);
    Collections.reverse(reversed);
    small.addAll(letters);
    large.addAll(reversed);
    assertNotEquals(new ArrayList<>(small), new ArrayList<>(large), "the two sets iterate in different orders");
    assertSameBytes(any, small, large);
    @SuppressWarnings({"unchecked", "rawtypes"})
    Codec<Object> hashSets = (Codec) Codec.forClass(HashSet.class, LOADER);
    assertSameBytes(hashSets, small, large);

    Map<String, Long> m1 = new HashMap<>(2);
    Map<String, Long> m2 = new HashMap<>(4096);
    for (int i = 0; i < letters.size(); i++) {
      m1.put(letters.get(i), (long) i);
      m2.put(letters.get(letters.size() - 1 - i), (long) (letters.size() - 1 - i));
    }
    assertSameBytes(any, m1, m2);
    assertSameBytes(any, Set.copyOf(small), Set.copyOf(large));
    assertSameBytes(any, Map.copyOf(m1), Map.copyOf(m2));
    assertSameBytes(any, new TreeSet<>(small), new TreeSet<>(large));
    assertSameBytes(any, List.of(1, 2), List.of(1, 2));
    assertSameBytes(any, new Trade(1, 2, 3, "a", "b", true), new Trade(1, 2, 3, "a", "b", true));
    assertSameBytes(any, new KotlinAccount(1, "a", null, false), new KotlinAccount(1, "a", null, false));
    assertSameBytes(any, new Circle(1), new Circle(1));
    assertSameBytes(any, Status.ACTIVE, Status.ACTIVE);
    assertSameBytes(any, Optional.of(5L), Optional.of(5L));
    assertSameBytes(any, new BigDecimal("1.0"), new BigDecimal("1.0"));
    @SuppressWarnings({"unchecked", "rawtypes"})
    Codec<Object> trades = (Codec) Codec.forClass(Trade.class, LOADER);
    assertSameBytes(trades, new Trade(1, 2, 3, "a", "b", true), new Trade(1, 2, 3, "a", "b", true));
    record Key(String tenant, Set<String> roles) {}
    @SuppressWarnings({"unchecked", "rawtypes"})
    Codec<Object> keys = (Codec) Codec.forClass(Key.class, LOADER);
    assertSameBytes(keys, new Key("t", small), new Key("t", large));
  }
}
