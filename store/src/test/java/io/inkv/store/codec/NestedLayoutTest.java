package io.inkv.store.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.store.memory.LittleEndian;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A field of another generated class is written as that class's fields alone, its schema defined
 * once in the schema of the value that holds it; classes that hold themselves (directly or
 * through others) keep writing their nested values standing alone, each with its schema.
 */
class NestedLayoutTest {
  private static final ClassLoader LOADER = NestedLayoutTest.class.getClassLoader();

  record Six(int a, long b, double c, String d, String e, boolean f) {}

  record Ten(Six s0, Six s1, Six s2, Six s3, Six s4, Six s5, Six s6, Six s7, Six s8, Six s9) {}

  record Deep(String name, Ten ten, Six six) {}

  /** Holds itself: its nested values stand alone. */
  record Link(int value, Link next) {}

  /** Two classes that hold each other. */
  record Ping(int n, Pong pong) {}

  record Pong(String s, Ping ping) {}

  /** Holds an acyclic class (embedded) and one that reaches a cycle (standing alone). */
  record Mixed(Six six, Ping ping, Link link) {}

  private static Six six(int i) {
    return new Six(i, 1000L + i, i * 0.5, "d" + i, i % 3 == 0 ? null : "e", i % 2 == 0);
  }

  private static Ten ten() {
    return new Ten(six(0), six(1), six(2), six(3), six(4), six(5), six(6), six(7), six(8), six(9));
  }

  /** The bytes of a value that stands alone, without its trailer (schema and its uint16 length). */
  private static int bodyLength(byte[] standalone) {
    int schema = LittleEndian.getShort(standalone, standalone.length - 2) & 0xFFFF;
    return standalone.length - 2 - schema;
  }

  @Test
  void eachNestedValueTakesOnlyItsFields() {
    Codec<Six> sixes = Codec.forClass(Six.class, LOADER);
    Codec<Ten> tens = Codec.forClass(Ten.class, LOADER);
    Ten ten = ten();
    byte[] full = tens.encode(ten);
    byte[] empty = tens.encode(new Ten(null, null, null, null, null, null, null, null, null, null));
    int fields = 0;
    for (int i = 0; i < 10; i++) {
      fields += bodyLength(sixes.encode(six(i)));
    }
    assertEquals(fields, full.length - empty.length, "ten nested values, each its fields and nothing else");
    assertEquals(ten, tens.decode(full));
    // the schema holds the nested class's once: a record of ten is far smaller than ten values that stand alone
    int standalone = 0;
    for (int i = 0; i < 10; i++) {
      standalone += sixes.encode(six(i)).length;
    }
    assertTrue(full.length < standalone, full.length + " bytes against " + standalone);
  }

  @Test
  void nestedValuesRoundTripAtEveryDepthWithNullsAndInsideTheObjectCodec() {
    Codec<Deep> deep = Codec.forClass(Deep.class, LOADER);
    Deep d = new Deep("x", new Ten(six(1), null, six(2), null, null, null, null, null, null, six(9)), null);
    assertEquals(d, deep.decode(deep.encode(d)));
    Deep none = new Deep(null, null, null);
    assertEquals(none, deep.decode(deep.encode(none)));
    Codec<Object> any = Codec.anyType(LOADER);
    Object value = List.of(d, Optional.of(ten()), List.of(none, d));
    assertEquals(value, any.decode(any.encode(value)));
  }

  @Test
  void theSameValueGivesTheSameBytesWhicheverCodecResolvedItsSchemaFirst() {
    byte[] viaDeep = Codec.forClass(Deep.class, LOADER).encode(new Deep("k", ten(), six(3)));
    Codec<Ten> tens = Codec.forClass(Ten.class, LOADER);
    tens.encode(ten());
    Codec<Deep> later = Codec.forClass(Deep.class, LOADER);
    assertArrayEquals(viaDeep, later.encode(new Deep("k", ten(), six(3))), "keys are compared by their bytes");
  }

  @Test
  void classesThatHoldThemselvesStillRoundTrip() {
    Codec<Link> links = Codec.forClass(Link.class, LOADER);
    Link chain = new Link(1, new Link(2, new Link(3, null)));
    byte[] bytes = links.encode(chain);
    assertEquals(chain, links.decode(bytes));
    // a Link's fields take the same bytes whatever they hold, so three that each stand alone, with
    // their trailer, take three times one
    byte[] one = links.encode(new Link(3, null));
    assertEquals(3 * one.length, bytes.length);
  }

  @Test
  void mutuallyNestedClassesAndMixedGraphsRoundTrip() {
    Ping ping = new Ping(1, new Pong("a", new Ping(2, new Pong("b", null))));
    Codec<Ping> pings = Codec.forClass(Ping.class, LOADER);
    assertEquals(ping, pings.decode(pings.encode(ping)));
    Codec<Pong> pongs = Codec.forClass(Pong.class, LOADER);
    assertEquals(ping.pong(), pongs.decode(pongs.encode(ping.pong())));
    Codec<Mixed> mixed = Codec.forClass(Mixed.class, LOADER);
    Mixed m = new Mixed(six(4), ping, new Link(5, new Link(6, null)));
    byte[] bytes = mixed.encode(m);
    assertEquals(m, mixed.decode(bytes));
    Mixed onlySix = new Mixed(six(4), null, null);
    Mixed noSix = new Mixed(null, null, null);
    assertEquals(bodyLength(Codec.forClass(Six.class, LOADER).encode(six(4))),
        mixed.encode(onlySix).length - mixed.encode(noSix).length, "the acyclic field is embedded");
    assertNotEquals(0, bytes.length);
  }
}
