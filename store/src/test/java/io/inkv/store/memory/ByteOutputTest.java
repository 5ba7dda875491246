package io.inkv.store.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ByteOutputTest {

  private static byte[] part(int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (i * 31 + 7);
    }
    return b;
  }

  @Test
  void aLengthPatchedInAfterThePartGivesTheBytesOfWritingItFirst() {
    // every varint width, on both sides of each boundary, with and without the bias of a nullable element
    int[] lengths = {0, 1, 126, 127, 128, 129, 16_382, 16_383, 16_384, 2_097_150, 2_097_151, 2_097_152};
    for (int bias : new int[] {0, 1}) {
      for (int length : lengths) {
        byte[] part = part(length);
        ByteOutput first = new ByteOutput(16);
        first.writeByte(9);
        first.writeVarInt(length + bias);
        first.writeBytes(part, 0, length);
        first.writeByte(8);

        ByteOutput after = new ByteOutput(16);
        after.writeByte(9);
        int start = after.beginSized();
        after.writeBytes(part, 0, length);
        after.endSized(start, bias);
        after.writeByte(8);
        assertArrayEquals(first.toByteArray(), after.toByteArray(), "length " + length + ", bias " + bias);
      }
    }
  }

  @Test
  void reservedBytesAreZeroEvenWhereTheBufferHeldAnEarlierValue() {
    ByteOutput out = new ByteOutput(16);
    byte[] ones = new byte[40];
    Arrays.fill(ones, (byte) -1);
    out.writeBytes(ones, 0, ones.length);
    out.position(3);
    assertEquals(3, out.reserve(20));
    assertEquals(23, out.position());
    assertArrayEquals(new byte[20], Arrays.copyOfRange(out.buffer(), 3, 23));
  }

  @Test
  void utf8IsWrittenWithoutALengthForAsciiAndOtherText() {
    for (String s : new String[] {"", "plain ascii", "caf\u00e9", "\u20ac and \ud83d\ude00", "x".repeat(1000) + "\u00fc"}) {
      ByteOutput out = new ByteOutput(16);
      out.writeByte(1);
      out.writeUtf8(s);
      byte[] expected = s.getBytes(StandardCharsets.UTF_8);
      assertEquals(1 + expected.length, out.position(), s);
      assertArrayEquals(expected, Arrays.copyOfRange(out.buffer(), 1, out.position()), s);
    }
  }
}
