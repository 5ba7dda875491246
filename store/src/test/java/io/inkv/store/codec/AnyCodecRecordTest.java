package io.inkv.store.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Records in a cache typed Object (as Spring's are) use the generated layout, not serialization. */
class AnyCodecRecordTest {
  record Book(long id, String title, int pages) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  record Plain(String name, double score) {}

  private final Codec<Object> codec = Codec.anyType(getClass().getClassLoader());

  @Test
  void aRecordIsStoredInItsGeneratedLayoutUnderItsClassNameAndReadBackEqual() {
    Book book = new Book(7, "Dune", 412);
    byte[] bytes = codec.encode(book);
    assertEquals(19, bytes[0], "tag 19: a record in its generated layout");
    String name = new String(bytes, 3, ((bytes[1] & 0xFF) << 8) | (bytes[2] & 0xFF), StandardCharsets.UTF_8);
    assertEquals(Book.class.getName(), name);
    assertEquals(book, codec.decode(bytes));
    assertEquals(new Plain("x", 1.5), codec.decode(codec.encode(new Plain("x", 1.5))),
        "a record that is not Serializable works too");
  }

  @Test
  void aRecordSerializedBeforeTheLayoutTagExistedStillReads() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(127);
    try (ObjectOutputStream oos = new ObjectOutputStream(out)) {
      oos.writeObject(new Book(1, "Emma", 300));
    }
    assertEquals(new Book(1, "Emma", 300), codec.decode(out.toByteArray()));
  }

  @Test
  void aStoredClassNameThatIsNotARecordIsAClearDecodeError() {
    byte[] name = "java.lang.Thread".getBytes(StandardCharsets.UTF_8);
    byte[] bytes = new byte[3 + name.length];
    bytes[0] = 19;
    bytes[2] = (byte) name.length;
    System.arraycopy(name, 0, bytes, 3, name.length);
    Codec.DecodeException e = assertThrows(Codec.DecodeException.class, () -> codec.decode(bytes));
    assertTrue(e.getMessage().contains("java.lang.Thread"), e.getMessage());
  }
}
