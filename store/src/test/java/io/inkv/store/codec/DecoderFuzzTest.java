package io.inkv.store.codec;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.inkv.store.codec.ValueShapes.Circle;
import io.inkv.store.codec.ValueShapes.KotlinAccount;
import io.inkv.store.codec.ValueShapes.LombokPrice;
import io.inkv.store.codec.ValueShapes.Order;
import io.inkv.store.codec.ValueShapes.Square;
import io.inkv.store.codec.ValueShapes.Status;
import io.inkv.store.codec.ValueShapes.Trade;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Damaged bytes (bits flipped, bytes replaced, values cut short or grown, lengths and counts
 * made huge) given to every codec kind: each decode either returns a value or throws
 * {@link Codec.DecodeException}, never another exception, an error or an allocation beyond the
 * value's size. The seed is fixed and printed, so a failure can be replayed.
 */
class DecoderFuzzTest {
  private static final ClassLoader LOADER = DecoderFuzzTest.class.getClassLoader();
  private static final long SEED = 0x1EAF5EEDL;
  private static final int ROUNDS = 3000;

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void fuzz(Codec codec, Object value, Random random) {
    byte[] good = codec.encode(value);
    for (int round = 0; round < ROUNDS; round++) {
      byte[] bad = damage(good, random);
      try {
        codec.decode(bad);
      } catch (Codec.DecodeException expected) {
        assertTrue(expected.getMessage() != null && !expected.getMessage().isEmpty());
      } catch (Throwable t) {
        fail("seed " + SEED + ", " + codec + ", round " + round + ": " + t + " for "
            + java.util.HexFormat.of().formatHex(bad), t);
      }
    }
  }

  private static byte[] damage(byte[] good, Random random) {
    byte[] b = good.clone();
    switch (random.nextInt(6)) {
      case 0 -> {
        int i = random.nextInt(b.length);
        b[i] ^= (byte) (1 << random.nextInt(8));
      }
      case 1 -> {
        for (int n = 1 + random.nextInt(4); n > 0; n--) {
          b[random.nextInt(b.length)] = (byte) random.nextInt(256);
        }
      }
      case 2 -> b = java.util.Arrays.copyOf(b, random.nextInt(b.length));
      case 3 -> {
        byte[] longer = java.util.Arrays.copyOf(b, b.length + 1 + random.nextInt(8));
        for (int i = b.length; i < longer.length; i++) {
          longer[i] = (byte) random.nextInt(256);
        }
        b = longer;
      }
      case 4 -> {
        int i = random.nextInt(b.length);
        b[i] = (byte) 0xFF;
        if (i + 1 < b.length) {
          b[i + 1] = (byte) 0xFF;
        }
      }
      default -> {
        int i = random.nextInt(b.length);
        b[i] = (byte) random.nextInt(32);
      }
    }
    return b;
  }

  @Test
  void damagedBytesOfEveryCodecKindGiveOnlyDecodeException() {
    Random random = new Random(SEED);
    Order order = new Order(7, new Trade(1, 2, 3.5, "s", null, false),
        List.of(new LombokPrice("EUR", 5, List.of("x")), new LombokPrice("USD", 6, null)), new HashMap<>(Map.of("a", 1L)),
        new Circle(2), List.of(new Circle(1), new Square(2)), new Square(3), Optional.of("note"),
        new BigDecimal("1.50"), BigInteger.TEN, Status.CLOSED, new int[] {4, 5}, new String[] {"x"},
        EnumSet.of(Status.ACTIVE));
    fuzz(Codec.forClass(Order.class, LOADER), order, random);
    fuzz(Codec.forClass(Trade.class, LOADER), new Trade(100, 42L, 99.5, "ACME", "XNYS", true), random);
    fuzz(Codec.forClass(KotlinAccount.class, LOADER), new KotlinAccount(1, "ann", "a@x", true), random);
    Codec<Object> any = Codec.anyType(LOADER);
    fuzz(any, order, random);
    fuzz(any, new ArrayList<>(List.of(new Trade(1, 1, 1, "a", "b", true), new Trade(2, 2, 2, "c", null, false))), random);
    fuzz(any, new TreeMap<>(Map.of("a", List.of(1, 2), "b", Set.of("x"))), random);
    fuzz(any, Map.of("k", 1L, "l", 2L), random);
    fuzz(any, new long[] {1, 2, 3}, random);
    fuzz(any, Optional.of(new BigDecimal("3.14")), random);
    fuzz(Codec.forClass(LegacyFixtures.Book.class, LOADER), LegacyFixtures.book(), random);
    fuzz(Codec.forClass(LegacyFixtures.Order.class, LOADER), LegacyFixtures.order(), random);
    fuzz(any, List.of(LegacyFixtures.order(), LegacyFixtures.order()), random);
  }
}
