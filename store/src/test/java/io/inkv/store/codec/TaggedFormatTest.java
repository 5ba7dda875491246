package io.inkv.store.codec;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TaggedFormatTest {
  private static final ClassLoader LOADER = TaggedFormatTest.class.getClassLoader();

  @Test
  void classNamesAreResolvedByTheirStoredBytesWhereverTheyStandAndWhateverSharesTheirSlot() throws Exception {
    // more names than the table has slots, so some share one; each read from a new place in a new array
    List<String> names = new ArrayList<>();
    for (int dims = 1; dims <= 150; dims++) {
      names.add("[".repeat(dims) + (dims % 2 == 0 ? "Ljava.lang.String;" : "Ljava.util.UUID;"));
    }
    names.add("io.inkv.store.codec.ValueShapes$Trade");
    TaggedFormat format = new TaggedFormat(LOADER);
    Random random = new Random(7);
    for (int round = 0; round < 3; round++) {
      Collections.shuffle(names, random);
      for (String name : names) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        int at = random.nextInt(20);
        byte[] stored = new byte[at + utf8.length + 3];
        System.arraycopy(utf8, 0, stored, at, utf8.length);
        assertSame(Class.forName(name, false, LOADER), format.loadClass(new HeapRegion(stored), at, utf8.length), name);
      }
    }
    byte[] gone = "io.inkv.NoSuchClass".getBytes(StandardCharsets.UTF_8);
    assertThrows(Codec.DecodeException.class, () -> format.loadClass(new HeapRegion(gone), 0, gone.length));
  }
}
