package io.inkv.store.document;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.store.StoreOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class DocumentTypeTest {

  /** A document type: each getter names a field. */
  public interface User {
    String name();

    int getAge();

    boolean isActive();

    double score();

    long visits();

    float ratio();

    byte[] avatar();

    default String greeting() {
      return "Hello, " + name();
    }
  }

  /** A getter whose return type disagrees with the schema. */
  public interface WrongUser {
    long age();
  }

  @TempDir
  Path dir;

  @Test
  void aGeneratedFlyweightReadsEachFieldInPlaceFromWhicheverDocumentItsViewHolds() {
    try (DocumentStore users = DocumentStore.open(StoreOptions.builder(dir).segmentSize(1 << 20).build())) {
      users.upsert("alice", Document.builder().put("name", "Alice").put("age", 25).put("active", true)
          .put("score", 0.75).put("visits", 12L).put("ratio", 0.5f).put("avatar", new byte[] {1, 2}).build());
      users.upsert("bob", Document.builder().put("name", "Bob").put("age", 31).build());

      DocumentType<User> type = users.typed(User.class);
      DocumentView view = new DocumentView();
      User user = type.over(view);

      assertTrue(users.read("alice".getBytes(StandardCharsets.UTF_8), view));
      assertEquals("Alice", user.name());
      assertEquals(25, user.getAge());
      assertTrue(user.isActive());
      assertEquals(0.75, user.score());
      assertEquals(12L, user.visits());
      assertEquals(0.5f, user.ratio());
      assertArrayEquals(new byte[] {1, 2}, user.avatar());
      assertEquals("Hello, Alice", user.greeting());

      assertTrue(users.read("bob".getBytes(StandardCharsets.UTF_8), view));
      assertEquals("Bob", user.name());
      assertEquals(31, user.getAge());
      assertFalse(user.isActive()); // absent reads as false
      assertEquals(0L, user.visits()); // absent reads as 0
      assertNull(user.avatar()); // absent reads as null
    }
  }

  @Test
  void aGetterThatDisagreesWithTheSchemaFailsWhenTheTypeIsCreated() {
    try (DocumentStore users = DocumentStore.open(StoreOptions.builder(dir).segmentSize(1 << 20).build())) {
      users.upsert("alice", Document.builder().put("age", 25).build());
      IllegalArgumentException wrongType = assertThrows(IllegalArgumentException.class, () -> users.typed(WrongUser.class));
      assertTrue(wrongType.getMessage().contains("returns long but field 'age' is INT32"), wrongType.getMessage());
      IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> users.typed(User.class));
      assertTrue(unknown.getMessage().contains("unknown field 'name'"), unknown.getMessage());
    }
  }
}
