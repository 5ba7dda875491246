package io.inkv.store.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inkv.store.StoreResourceCheck;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The slicing-by-8 CRC32C read straight from a mapped region equals java.util.zip.CRC32C. */
@ExtendWith(StoreResourceCheck.class)
class Crc32cTest {
  private static final int SIZE = 1 << 16;

  @TempDir Path dir;

  private static int reference(byte[] content, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(content, offset, length);
    return (int) crc.getValue();
  }

  @Test
  void equalsTheJdkCrc32cForRandomOffsetsAndLengths() {
    Random random = new Random(32);
    byte[] content = new byte[SIZE];
    random.nextBytes(content);
    try (MappedFile file = MappedFile.create(dir.resolve("crc"), SIZE)) {
      Region r = file.region();
      r.putBytes(0, content, 0, SIZE);
      for (int length = 0; length <= 80; length++) {
        for (int offset = 0; offset < 16; offset++) {
          assertEquals(reference(content, offset, length), r.crc32c(0, offset, length),
              "offset " + offset + ", length " + length);
        }
      }
      for (int trial = 0; trial < 2000; trial++) {
        int offset = random.nextInt(SIZE);
        int length = random.nextInt(Math.min(SIZE - offset, 5000) + 1);
        assertEquals(reference(content, offset, length), r.crc32c(0, offset, length),
            "offset " + offset + ", length " + length);
      }
      assertEquals(reference(content, 0, SIZE), r.crc32c(0, 0, SIZE));
    }
  }

  @Test
  void continuesFromAPreviousCrcLikeIncrementalUpdates() {
    Random random = new Random(33);
    byte[] content = new byte[SIZE];
    random.nextBytes(content);
    try (MappedFile file = MappedFile.create(dir.resolve("crc"), SIZE)) {
      Region r = file.region();
      r.putBytes(0, content, 0, SIZE);
      for (int trial = 0; trial < 500; trial++) {
        int offset = random.nextInt(1000);
        int first = random.nextInt(300);
        int second = random.nextInt(300);
        int chained = r.crc32c(r.crc32c(0, offset, first), offset + first, second);
        assertEquals(reference(content, offset, first + second), chained);
      }
    }
  }

  @Test
  void matchesTheStandardCheckValue() {
    // The CRC catalogue's check value for CRC-32C: the CRC of the ASCII digits "123456789".
    byte[] digits = "123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    try (MappedFile file = MappedFile.create(dir.resolve("crc"), 4096)) {
      file.region().putBytes(3, digits, 0, digits.length);
      assertEquals(0xE3069283, file.region().crc32c(0, 3, digits.length));
    }
  }
}
