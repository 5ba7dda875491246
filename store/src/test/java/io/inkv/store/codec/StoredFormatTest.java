package io.inkv.store.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.inkv.store.memory.LittleEndian;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Bytes the codec wrote before values carried their schema (a record and a bean in the generated
 * layout, a record in the Object codec, an immutable class by Java serialization), taken from
 * that version's output: persistent caches filled then must still read.
 */
class StoredFormatTest {
  private static final ClassLoader LOADER = StoredFormatTest.class.getClassLoader();
  private static final String BOOK = "5390451e020700000000000000da01000000000000210000006a000000456d6d617faced0005737200116a6176612e7574696c2e436f6c6c536572578eabb63a1ba8110300014900037461677870000000017704000000027400056e6f76656c74000661757374656e78";
  private static final String BEAN = "625d451f00030000005300000058000000aced0005737200136a6176612e7574696c2e41727261794c6973747881d21d99c7619d03000149000473697a657870000000027704000000027400016174000162787468726565";
  private static final String PRICE = "aced000573720028696f2e696e6b762e73746f72652e636f6465632e4c6567616379466978747572657324507269636500000000000000010200024a000563656e74734c000863757272656e63797400124c6a6176612f6c616e672f537472696e673b787000000000000007cf740003455552";
  private static final String ANY_BOOK = "130027696f2e696e6b762e73746f72652e636f6465632e4c6567616379466978747572657324426f6f6b5390451e020700000000000000da01000000000000210000006a000000456d6d617faced0005737200116a6176612e7574696c2e436f6c6c536572578eabb63a1ba8110300014900037461677870000000017704000000027400056e6f76656c74000661757374656e78";

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  @Test
  void aRecordStoredInTheEarlierLayoutStillReads() {
    Codec<LegacyFixtures.Book> codec = Codec.forClass(LegacyFixtures.Book.class, LOADER);
    assertEquals(LegacyFixtures.book(), codec.decode(hex(BOOK)));
    byte[] now = codec.encode(LegacyFixtures.book());
    assertNotEquals(LittleEndian.getInt(hex(BOOK), 0), LittleEndian.getInt(now, 0), "new values carry the new fingerprint");
    assertEquals(LegacyFixtures.book(), codec.decode(now));
  }

  @Test
  void aBeanStoredInTheEarlierLayoutWithASerializedListFieldStillReads() {
    assertEquals(LegacyFixtures.bean(), Codec.forClass(LegacyFixtures.Bean.class, LOADER).decode(hex(BEAN)));
  }

  @Test
  void anImmutableClassStoredByJavaSerializationStillReadsNowThatItTakesTheLayout() {
    Codec<LegacyFixtures.Price> codec = Codec.forClass(LegacyFixtures.Price.class, LOADER);
    assertInstanceOf(LayoutCodec.class, codec);
    assertEquals(LegacyFixtures.price(), codec.decode(hex(PRICE)));
  }

  @Test
  void aRecordStoredUnderTag19BeforeSchemasStillReadsThroughTheObjectCodec() {
    assertEquals(LegacyFixtures.book(), Codec.anyType(LOADER).decode(hex(ANY_BOOK)));
  }
}
