package io.inkv.store.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.store.memory.LittleEndian;
import java.util.HexFormat;
import java.util.List;
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

  /*
   * An Order of two nested Lines (one holding a Book) as written before nested layouts were
   * embedded (2026-12-07): each nested value stood alone, its schema trailer after its fields.
   */
  private static final String ORDER = "ffa61d4a042a00000000000000e30000003e0100003e010000cf95f15d00030000001400000083000000612d31436a318702"
      + "0700000000000000da010000000000002100000035000000456d6d61141a02000201056e6f76656c010661757374656e0148"
      + "dcf69905060269640010057469746c650004057061676573000c0573636f7265001204746167730e6a6176612e7574696c2e"
      + "4c69737438000137af2aca031003736b750004087175616e74697479001204626f6f6b27696f2e696e6b762e73746f72652e"
      + "636f6465632e4c6567616379466978747572657324426f6f6b4500cf95f15d02010000001400000014000000622d320137af"
      + "2aca031003736b750004087175616e74697479001204626f6f6b27696f2e696e6b762e73746f72652e636f6465632e4c6567"
      + "616379466978747572657324426f6f6b450001472a0ac10406026964001205666972737427696f2e696e6b762e73746f7265"
      + "2e636f6465632e4c65676163794669787475726573244c696e6512067365636f6e6427696f2e696e6b762e73746f72652e63"
      + "6f6465632e4c65676163794669787475726573244c696e6512046e6f6e6527696f2e696e6b762e73746f72652e636f646563"
      + "2e4c65676163794669787475726573244c696e659800";
  /* A List of two such Orders through the Object codec, written at the same time. */
  private static final String ANY_ORDERS = "141a020128696f2e696e6b762e73746f72652e636f6465632e4c65676163794669787475726573244f72646572980101472a"
      + "0ac10406026964001205666972737427696f2e696e6b762e73746f72652e636f6465632e4c65676163794669787475726573"
      + "244c696e6512067365636f6e6427696f2e696e6b762e73746f72652e636f6465632e4c65676163794669787475726573244c"
      + "696e6512046e6f6e6527696f2e696e6b762e73746f72652e636f6465632e4c65676163794669787475726573244c696e6502"
      + "bf02ffa61d4a042a00000000000000e30000003e0100003e010000cf95f15d00030000001400000083000000612d31436a31"
      + "87020700000000000000da010000000000002100000035000000456d6d61141a02000201056e6f76656c010661757374656e"
      + "0148dcf69905060269640010057469746c650004057061676573000c0573636f7265001204746167730e6a6176612e757469"
      + "6c2e4c69737438000137af2aca031003736b750004087175616e74697479001204626f6f6b27696f2e696e6b762e73746f72"
      + "652e636f6465632e4c6567616379466978747572657324426f6f6b4500cf95f15d02010000001400000014000000622d3201"
      + "37af2aca031003736b750004087175616e74697479001204626f6f6b27696f2e696e6b762e73746f72652e636f6465632e4c"
      + "6567616379466978747572657324426f6f6b4500bf02ffa61d4a042a00000000000000e30000003e0100003e010000cf95f1"
      + "5d00030000001400000083000000612d31436a3187020700000000000000da010000000000002100000035000000456d6d61"
      + "141a02000201056e6f76656c010661757374656e0148dcf69905060269640010057469746c650004057061676573000c0573"
      + "636f7265001204746167730e6a6176612e7574696c2e4c69737438000137af2aca031003736b750004087175616e74697479"
      + "001204626f6f6b27696f2e696e6b762e73746f72652e636f6465632e4c6567616379466978747572657324426f6f6b4500cf"
      + "95f15d02010000001400000014000000622d320137af2aca031003736b750004087175616e74697479001204626f6f6b2769"
      + "6f2e696e6b762e73746f72652e636f6465632e4c6567616379466978747572657324426f6f6b4500";

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

  @Test
  void aRecordWhoseNestedRecordsEachCarriedTheirSchemaStillReads() {
    Codec<LegacyFixtures.Order> codec = Codec.forClass(LegacyFixtures.Order.class, LOADER);
    byte[] old = hex(ORDER);
    assertEquals(LegacyFixtures.order(), codec.decode(old));
    byte[] now = codec.encode(LegacyFixtures.order());
    assertNotEquals(LittleEndian.getInt(old, 0), LittleEndian.getInt(now, 0), "the schema now defines the nested layouts");
    assertTrue(now.length < old.length, "nested values no longer carry a trailer each: " + now.length + " bytes,"
        + " " + old.length + " before");
    assertEquals(LegacyFixtures.order(), codec.decode(now));
  }

  @Test
  void aListOfSuchRecordsWrittenThroughTheObjectCodecStillReads() {
    assertEquals(List.of(LegacyFixtures.order(), LegacyFixtures.order()), Codec.anyType(LOADER).decode(hex(ANY_ORDERS)));
  }
}
