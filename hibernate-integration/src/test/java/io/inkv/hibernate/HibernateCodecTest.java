package io.inkv.hibernate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.store.codec.Codec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.hibernate.cache.internal.BasicCacheKeyImplementation;
import org.hibernate.cache.internal.CacheKeyImplementation;
import org.hibernate.cache.internal.NaturalIdCacheKey;
import org.hibernate.cache.spi.QueryKey;
import org.hibernate.cache.spi.entry.CollectionCacheEntry;
import org.hibernate.cache.spi.entry.ReferenceCacheEntryImpl;
import org.hibernate.cache.spi.entry.StandardCacheEntryImpl;
import org.hibernate.cache.spi.access.AccessType;
import org.junit.jupiter.api.Test;

/** The codec of Hibernate's cache keys and entries: round trips, determinism, size, and bad input. */
class HibernateCodecTest {
  private final HibernateCodec codec = new HibernateCodec();

  static StandardCacheEntryImpl entityEntry(Serializable[] state, String subclass, Object version) throws Throwable {
    return (StandardCacheEntryImpl) HibernateTypes.NEW_ENTITY_ENTRY.invoke(state, subclass, version);
  }

  static Serializable[] sampleState() {
    return new Serializable[] {7L, "Ada Lovelace", 36, null, new BigDecimal("12.50"), true,
        LocalDate.of(1815, 12, 10), new Timestamp(1_700_000_000_123L), AccessType.READ_WRITE,
        new Object[] {"embedded", 3.5d}, UUID.randomUUID(), new byte[] {1, 2, 3}, "Ünïcødé ☃",
        Instant.ofEpochSecond(1, 2), LocalDateTime.of(2024, 2, 29, 12, 0), BigInteger.TEN.pow(30),
        OffsetDateTime.of(2024, 1, 1, 0, 0, 0, 0, ZoneOffset.ofHours(2)), 'x', (short) 3, (byte) 4, 1.5f,
        (Serializable) HibernateTypes.UNFETCHED_PROPERTY, new java.util.Date(5), new ArrayList<>(List.of(1L, 2L))};
  }

  private Object roundTrip(Object value) {
    byte[] bytes = codec.encode(value);
    assertArrayEquals(bytes, codec.encode(value), "encoding is deterministic");
    return codec.decode(bytes);
  }

  @Test
  void entityEntriesRoundTripFieldByField() throws Throwable {
    Serializable[] state = sampleState();
    StandardCacheEntryImpl decoded = (StandardCacheEntryImpl) roundTrip(entityEntry(state, "com.example.Book", 3));
    assertEquals("com.example.Book", decoded.getSubclass());
    assertEquals(3, decoded.getVersion());
    assertTrue(Arrays.deepEquals(state, decoded.getDisassembledState()),
        Arrays.deepToString(decoded.getDisassembledState()));
    assertSame(HibernateTypes.UNFETCHED_PROPERTY, decoded.getDisassembledState()[21]);
    assertEquals(Serializable[].class, decoded.getDisassembledState().getClass());
  }

  @Test
  void keysRoundTripAndStayEqual() {
    Object[] keys = {
        new BasicCacheKeyImplementation(42L, "com.example.Book", Long.hashCode(42L)),
        new CacheKeyImplementation(42L, "com.example.Book", "tenant-a", 31 * Long.hashCode(42L) + "tenant-a".hashCode()),
        new CacheKeyImplementation("k", "com.example.Book.tags", null, 31 * "k".hashCode()),
        new NaturalIdCacheKey(new Object[] {"isbn-1"}, "com.example.Book", null, Arrays.deepHashCode(new Object[] {"isbn-1"})),
        HibernateTypes.queryKey("select b.title from Book b where b.count<?", new Object[] {null, 10L}, 5, 20,
            new String[] {"active"}),
        "default-update-timestamps-region", 42L};
    for (Object key : keys) {
      Object decoded = roundTrip(key);
      assertEquals(key, decoded, "key " + key);
      assertEquals(key.hashCode(), decoded.hashCode(), "hash of " + key);
    }
  }

  @Test
  void collectionEntriesQueryResultsAndReadWriteItemsRoundTrip() throws Throwable {
    CollectionCacheEntry collection = (CollectionCacheEntry) HibernateTypes.NEW_COLLECTION_ENTRY.invoke(
        new Serializable[] {"a", "b", 3L});
    assertArrayEquals(collection.getState(), ((CollectionCacheEntry) roundTrip(collection)).getState());

    List<Object> rows = new ArrayList<>(List.of(new Object[] {1L, "Dune"}, new Object[] {2L, "Emma"}));
    Object results = HibernateTypes.NEW_CACHE_ITEM.invoke(123L, rows);
    Object decoded = roundTrip(results);
    assertInstanceOf(HibernateTypes.CACHE_ITEM, decoded);
    assertEquals(123L, ((Number) HibernateTypes.CACHE_ITEM_TIMESTAMP.invoke(decoded)).longValue());
    List<?> decodedRows = (List<?>) HibernateTypes.CACHE_ITEM_RESULTS.invoke(decoded);
    assertTrue(Arrays.deepEquals(rows.toArray(), decodedRows.toArray()));

    Object item = HibernateTypes.NEW_RW_ITEM.invoke("value", 4, 99L);
    Object decodedItem = roundTrip(item);
    assertEquals("value", HibernateTypes.RW_ITEM_VALUE.invoke(decodedItem));
    assertEquals(4, HibernateTypes.RW_ITEM_VERSION.invoke(decodedItem));
    assertEquals(99L, HibernateTypes.RW_ITEM_TIMESTAMP.invoke(decodedItem));
  }

  @Test
  void otherSerializableValuesFallBackToJavaSerialization() {
    java.util.TreeMap<String, Integer> map = new java.util.TreeMap<>(java.util.Map.of("a", 1));
    byte[] bytes = codec.encode(map);
    assertEquals(EntryFormat.SERIALIZED, bytes[0]);
    assertEquals(map, codec.decode(bytes));
  }

  @Test
  void aReferenceMarkerRoundTripsInSeventeenBytes() {
    ReferenceEntries.Marker marker = new ReferenceEntries.Marker(-42L, 7L);
    assertEquals(marker, roundTrip(marker));
    assertEquals(17, codec.encode(marker).length, "a tag and two longs");
  }

  @Test
  void aReferenceEntryIsRefusedNamingTheSettingAndTheWayOut() {
    Object entry = new ReferenceCacheEntryImpl(new Object(), null);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> codec.encode(entry));
    assertTrue(e.getMessage().contains("hibernate.cache.use_reference_entries"), e.getMessage());
    assertTrue(e.getMessage().contains("by-reference cache"), e.getMessage());
  }

  @Test
  void anEntityEntryIsAFractionOfItsJavaSerializedSize() throws Throwable {
    StandardCacheEntryImpl entry = entityEntry(new Serializable[] {7L, "Ada Lovelace", 36, null}, "com.example.Person", 1);
    int ours = codec.encode(entry).length;
    ByteArrayOutputStream java = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(java)) {
      out.writeObject(entry);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    assertTrue(ours * 5 < java.size(), "inkv " + ours + " bytes, Java serialization " + java.size());
  }

  @Test
  void corruptedBytesFailWithADecodeExceptionNeverWithAnythingElse() throws Throwable {
    Random random = new Random(42);
    List<byte[]> samples = List.of(codec.encode(entityEntry(sampleState(), "com.example.Book", 3)),
        codec.encode(HibernateTypes.queryKey("select 1", new Object[] {1L}, null, null, new String[0])),
        codec.encode(new BasicCacheKeyImplementation(42L, "com.example.Book", 42)));
    int decoded = 0;
    for (int trial = 0; trial < 20_000; trial++) {
      byte[] sample = samples.get(trial % samples.size());
      byte[] bad = Arrays.copyOf(sample, trial % 3 == 0 ? random.nextInt(sample.length + 1) : sample.length);
      for (int flips = 1 + random.nextInt(3); flips > 0 && bad.length > 0; flips--) {
        bad[random.nextInt(bad.length)] = (byte) random.nextInt(256);
      }
      try {
        codec.decode(bad);
        decoded++;
      } catch (Codec.DecodeException expected) {
        // the only acceptable failure
      }
    }
    assertTrue(decoded > 0, "some corruptions still decode (a changed digit), and that is fine");
  }
}
