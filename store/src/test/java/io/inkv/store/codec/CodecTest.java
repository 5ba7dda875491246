package io.inkv.store.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
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
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CodecTest {
  private static final ClassLoader LOADER = CodecTest.class.getClassLoader();

  enum Color { RED, GREEN }

  record Point(int x, int y, String label) {}

  record Everything(boolean z, byte b, short s, char c, int i, float f, long l, double d,
      Boolean bz, Byte bb, Short bs, Character bc, Integer bi, Float bf, Long bl, Double bd,
      String str, byte[] bytes, Color color, Point point, List<String> list, Instant when) {}

  private record Private(long id, String name) {}

  static final class Pojo {
    private int count;
    private String name;
    private Integer maybe;
    transient String skipped = "x";

    Pojo() {}

    Pojo(int count, String name, Integer maybe) {
      this.count = count;
      this.name = name;
      this.maybe = maybe;
    }
  }

  static final class Holder implements Serializable {
    private static final long serialVersionUID = 1L;
    final int value;

    Holder(int value) {
      this.value = value;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Holder h && h.value == value;
    }

    @Override
    public int hashCode() {
      return value;
    }
  }

  static final class NotSerializable {
    final int value = 1;
  }

  private static <T> T roundTrip(Codec<T> codec, T value) {
    byte[] bytes = codec.encode(value);
    byte[] padded = new byte[bytes.length + 7];
    System.arraycopy(bytes, 0, padded, 7, bytes.length);
    T fromHeapRegion = codec.decode(new HeapRegion(padded), 7, bytes.length);
    T fromArray = codec.decode(padded, 7, bytes.length);
    assertArrayEquals(bytes, codec.encode(fromArray), "re-encoding gives the same bytes");
    assertArrayEquals(bytes, codec.encode(fromHeapRegion));
    return fromArray;
  }

  @Test
  void builtInTypesRoundTripThroughTheirOwnCodecs() {
    List<Object> values = List.of("héllo wörld ✓", new byte[] {1, 2, 3}, true, (byte) 7, (short) -3, 'q', 42,
        3.5f, Long.MIN_VALUE, Math.PI, UUID.randomUUID(), Instant.ofEpochSecond(123, 456),
        Duration.ofMillis(1500), LocalDate.of(2024, 2, 29), LocalTime.of(13, 14, 15, 16),
        LocalDateTime.of(2020, 1, 2, 3, 4, 5, 6), OffsetDateTime.of(2020, 1, 2, 3, 4, 5, 6, ZoneOffset.ofHours(2)),
        ZonedDateTime.of(2020, 6, 1, 12, 0, 0, 0, ZoneId.of("Europe/Paris")), Color.GREEN);
    for (Object value : values) {
      @SuppressWarnings("unchecked")
      Codec<Object> codec = (Codec<Object>) Codec.forClass(value.getClass(), LOADER);
      Object back = roundTrip(codec, value);
      if (value instanceof byte[] b) {
        assertArrayEquals(b, (byte[]) back);
      } else {
        assertEquals(value, back, codec.toString());
      }
      Object any = roundTrip(Codec.anyType(LOADER), value);
      if (!(value instanceof byte[])) {
        assertEquals(value, any);
      }
    }
  }

  @Test
  void stringKeysEncodeToTheirPlainUtf8Bytes() {
    assertArrayEquals("key-1".getBytes(java.nio.charset.StandardCharsets.UTF_8),
        Codec.forClass(String.class, LOADER).encode("key-1"));
  }

  @Test
  void aRecordGetsAGeneratedLayoutCodec() {
    Codec<Point> codec = Codec.forClass(Point.class, LOADER);
    assertInstanceOf(LayoutCodec.class, codec);
    Point p = new Point(3, -4, "origin");
    assertEquals(p, roundTrip(codec, p));
    assertEquals(new Point(1, 2, null), roundTrip(codec, new Point(1, 2, null)));
  }

  @Test
  void everyFieldKindSurvivesTheGeneratedCodecIncludingNulls() {
    Codec<Everything> codec = Codec.forClass(Everything.class, LOADER);
    assertInstanceOf(LayoutCodec.class, codec);
    Everything full = new Everything(true, (byte) 1, (short) 2, 'c', 4, 5.5f, 6L, 7.25, false, (byte) 9,
        (short) 10, 'k', 12, 13f, 14L, 15.0, "str", new byte[] {1, 2}, Color.RED, new Point(1, 2, "p"),
        new ArrayList<>(List.of("a", "b")), Instant.ofEpochMilli(99));
    Everything back = roundTrip(codec, full);
    assertEquals(full.l(), back.l());
    assertEquals(full.bc(), back.bc());
    assertEquals(full.point(), back.point());
    assertEquals(full.list(), back.list());
    assertArrayEquals(full.bytes(), back.bytes());
    assertNotSame(full.bytes(), back.bytes());
    Everything sparse = new Everything(false, (byte) 0, (short) 0, '\0', 0, 0f, 0L, 0d, null, null, null, null,
        null, null, null, null, null, null, null, null, null, null);
    Everything sparseBack = roundTrip(codec, sparse);
    assertNull(sparseBack.bi());
    assertNull(sparseBack.str());
    assertNull(sparseBack.point());
  }

  @Test
  void aPrivateRecordAndAPlainObjectWithPrivateFieldsAreGenerated() {
    Codec<Private> codec = Codec.forClass(Private.class, LOADER);
    assertInstanceOf(LayoutCodec.class, codec);
    assertEquals(new Private(5, "five"), roundTrip(codec, new Private(5, "five")));

    Codec<Pojo> pojo = Codec.forClass(Pojo.class, LOADER);
    assertInstanceOf(LayoutCodec.class, pojo);
    Pojo back = roundTrip(pojo, new Pojo(3, "three", null));
    assertEquals(3, back.count);
    assertEquals("three", back.name);
    assertNull(back.maybe);
    assertEquals("x", back.skipped, "transient fields keep their initial value");
  }

  @Test
  void oneFieldCanBeReadInPlaceThroughTheLayout() {
    LayoutCodec<Point> codec = (LayoutCodec<Point>) Codec.forClass(Point.class, LOADER);
    byte[] bytes = codec.encode(new Point(11, 22, "label"));
    RecordLayout layout = codec.layout();
    HeapRegion region = new HeapRegion(bytes);
    assertEquals(22, region.getInt(layout.field("y").offset()));
    assertEquals("label", layout.readString(region, 0, bytes.length, layout.field("label").index()));
  }

  @Test
  void anImmutableSerializableClassTakesTheLayoutAndAClassWithItsOwnFormJavaSerialization() {
    Codec<Holder> codec = Codec.forClass(Holder.class, LOADER);
    assertInstanceOf(LayoutCodec.class, codec);
    assertEquals(new Holder(5), roundTrip(codec, new Holder(5)));
    Codec<Date> dates = Codec.forClass(Date.class, LOADER);
    assertInstanceOf(SerializingCodec.class, dates);
  }

  @Test
  void aTypeNoCodecCanHandleIsRejectedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Codec.forClass(NotSerializable.class, LOADER));
    assertTrue(e.getMessage().contains("NotSerializable"), e.getMessage());
    Codec<Object> any = Codec.anyType(LOADER);
    assertThrows(IllegalArgumentException.class, () -> any.encode(new NotSerializable()));
  }

  @Test
  void bytesOfAnotherLayoutAreRejectedNotMisread() {
    Codec<Point> points = Codec.forClass(Point.class, LOADER);
    Codec<Private> other = Codec.forClass(Private.class, LOADER);
    byte[] bytes = other.encode(new Private(1, "x"));
    assertThrows(Codec.DecodeException.class, () -> points.decode(bytes));
    assertThrows(Codec.DecodeException.class, () -> Codec.forClass(Long.class, LOADER).decode(new byte[3]));
    assertThrows(Codec.DecodeException.class, () -> Codec.anyType(LOADER).decode(new byte[] {99}));
  }
}
