package io.inkv.store.document;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.store.StoreOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The users example from IKV, in inkv: the README's documents section mirrors this test.
 */
class DocumentTutorialTest {

  @TempDir
  Path dir;

  @Test
  void usersAliceAndBobMergeFieldsAndReadThemOneAtATime() {
    try (DocumentStore users = DocumentStore.open(StoreOptions.builder(dir.resolve("users")).build())) {
      // Alice arrives with a name and an age.
      users.upsert("alice", Document.builder().put("name", "Alice").put("age", 22).build());
      // A later upsert changes her age and adds a city; the name stays.
      users.upsert("alice", Document.builder().put("name", "Alice").put("age", 25).put("city", "San Francisco").build());
      users.upsert("bob", Document.builder().put("name", "Bob").put("age", 31).build());

      assertEquals(OptionalInt.of(25), users.getInt("alice", "age"));
      assertEquals(Optional.of("San Francisco"), users.getString("alice", "city"));
      assertEquals(Optional.empty(), users.getString("bob", "city")); // Bob has no city
      assertEquals(Document.builder().put("name", "Alice").put("age", 25).put("city", "San Francisco").build(),
          users.get("alice"));

      // Hot paths resolve a field once and read it in place, allocating nothing.
      Field age = users.field("age");
      DocumentView view = new DocumentView();
      assertTrue(users.read("bob".getBytes(StandardCharsets.UTF_8), view));
      assertEquals(31, view.getInt(age, -1));

      // Many keys times many fields in one call: a row per key, a column per field, null where absent.
      Object[][] rows = users.getAll(List.of("alice", "bob", "carol"), List.of("name", "city"));
      assertEquals(List.of("Alice", "San Francisco"), List.of(rows[0]));
      assertEquals("Bob", rows[1][0]);
      assertNull(rows[1][1]);
      assertNull(rows[2][0]);

      // Delete a field of one document, then a whole document.
      users.deleteFields("alice", "city");
      assertFalse(users.get("alice").has("city"));
      assertTrue(users.delete("bob"));
      assertNull(users.get("bob"));
    }
    // The schema and the documents are on disk.
    try (DocumentStore users = DocumentStore.open(StoreOptions.builder(dir.resolve("users")).build())) {
      assertEquals(OptionalInt.of(25), users.getInt("alice", "age"));
      assertEquals(FieldType.INT32, users.field("age").type());
    }
  }
}
