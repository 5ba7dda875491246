package io.inkv.store.document;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.store.StoreOptions;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DocumentStoreTest {

  @TempDir
  Path dir;

  private DocumentStore open() {
    return DocumentStore.open(StoreOptions.builder(dir.resolve("docs")).segmentSize(1 << 20).build());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void everyFieldTypeRoundTripsThroughGetAndTheView() {
    try (DocumentStore docs = open()) {
      byte[] blob = {0, 1, 2, (byte) 0xFF};
      docs.upsert("k", Document.builder().put("i", -7).put("l", Long.MIN_VALUE).put("f", 1.5f)
          .put("d", Math.PI).put("b", true).put("s", "héllo").put("y", blob).build());
      Document d = docs.get("k");
      assertEquals(-7, d.get("i"));
      assertEquals(Long.MIN_VALUE, d.get("l"));
      assertEquals(1.5f, d.get("f"));
      assertEquals(Math.PI, d.get("d"));
      assertEquals(true, d.get("b"));
      assertEquals("héllo", d.get("s"));
      assertArrayEquals(blob, (byte[]) d.get("y"));

      DocumentView v = new DocumentView();
      assertTrue(docs.read(utf8("k"), v));
      assertEquals(-7, v.getInt(docs.field("i"), 0));
      assertEquals(Long.MIN_VALUE, v.getLong(docs.field("l"), 0));
      assertEquals(1.5f, v.getFloat(docs.field("f"), 0));
      assertEquals(Math.PI, v.getDouble(docs.field("d"), 0));
      assertTrue(v.getBoolean(docs.field("b"), false));
      assertEquals("héllo", v.getString(docs.field("s")));
      assertArrayEquals(blob, v.getBytes(docs.field("y")));
      assertTrue(v.contentEquals(docs.field("y"), blob));
      assertEquals(blob.length, v.dataLength(docs.field("y")));
      assertEquals(blob[3], v.region().getByte(v.dataOffset(docs.field("y")) + 3));
      assertEquals(d, v.toDocument());
    }
  }

  @Test
  void upsertMergesFieldsAndTheLastWritePerFieldWins() {
    try (DocumentStore docs = open()) {
      docs.upsert("u", Document.builder().put("a", 1).put("b", "x").build());
      docs.upsert("u", Document.builder().put("b", "y").put("c", 3L).build());
      docs.upsert("u", Document.builder().put("a", 2).build());
      assertEquals(Document.builder().put("a", 2).put("b", "y").put("c", 3L).build(), docs.get("u"));
    }
  }

  @Test
  void absentDocumentsAndFieldsReadAsEmptyNotAsErrors() {
    try (DocumentStore docs = open()) {
      docs.upsert("u", Document.builder().put("a", 1).build());
      docs.upsert("v", Document.builder().put("b", 2).build());
      assertEquals(OptionalInt.empty(), docs.getInt("missing", "a"));
      assertEquals(OptionalInt.empty(), docs.getInt("v", "a"));
      assertEquals(Optional.empty(), docs.getField("v", "a"));
      DocumentView view = new DocumentView();
      assertFalse(docs.read(utf8("missing"), view));
      assertFalse(view.isPresent());
      assertTrue(docs.read(utf8("v"), view));
      assertEquals(-1, view.getInt(docs.field("a"), -1));
      assertFalse(view.has(docs.field("a")));
    }
  }

  @Test
  void badInputIsRejectedWithAClearErrorAndChangesNothing() {
    try (DocumentStore docs = open()) {
      docs.upsert("u", Document.builder().put("age", 22).put("name", "Alice").build());
      Document before = docs.get("u");

      DocumentStore.SchemaException conflict = assertThrows(DocumentStore.SchemaException.class,
          () -> docs.upsert("u", Document.builder().put("name", "Alice B").put("age", 23L).build()));
      assertTrue(conflict.getMessage().contains("'age' is INT32"), conflict.getMessage());
      assertEquals(before, docs.get("u"));

      IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> docs.getInt("u", "height"));
      assertTrue(unknown.getMessage().contains("unknown field 'height'"), unknown.getMessage());

      DocumentView view = new DocumentView();
      docs.read(utf8("u"), view);
      IllegalArgumentException wrongGetter = assertThrows(IllegalArgumentException.class,
          () -> view.getLong(docs.field("age"), 0));
      assertTrue(wrongGetter.getMessage().contains("'age' is INT32, not INT64"), wrongGetter.getMessage());

      String longName = "f".repeat(Schema.MAX_FIELD_NAME_LENGTH + 1);
      IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
          () -> Document.builder().put(longName, 1));
      assertTrue(name.getMessage().contains("1 to 255 UTF-8 bytes"), name.getMessage());

      byte[] huge = new byte[(1 << 20)];
      IllegalArgumentException oversized = assertThrows(IllegalArgumentException.class,
          () -> docs.upsert("u", Document.builder().put("blob", huge).put("age", 30).build()));
      assertTrue(oversized.getMessage().contains("the limit"), oversized.getMessage());
      assertEquals(before, docs.get("u"));

      assertThrows(IllegalArgumentException.class, () -> docs.deleteFields("u", "nope"));
      assertEquals(before, docs.get("u"));
    }
  }

  @Test
  void droppedFieldsVanishFromEveryDocumentAndTheirNamesCanBeReusedWithAnotherType() {
    try (DocumentStore docs = open()) {
      for (int i = 0; i < 50; i++) {
        docs.upsert("k" + i, Document.builder().put("score", i).put("tmp_a", "a").put("tmp_b", 2.0).put("keep", true).build());
      }
      Field oldScore = docs.field("score");
      assertEquals(1, docs.dropFields("score", "absent"));
      assertEquals(2, docs.dropFieldsWithPrefix("tmp_"));
      assertEquals(Document.builder().put("keep", true).build(), docs.get("k7"));
      DocumentView view = new DocumentView();
      docs.read(utf8("k7"), view);
      assertThrows(IllegalArgumentException.class, () -> view.getInt(oldScore, 0));

      docs.upsert("k7", Document.builder().put("score", "high").build());
      assertEquals(FieldType.STRING, docs.field("score").type());
      assertNotEquals(oldScore.id(), docs.field("score").id());
      assertEquals(Optional.of("high"), docs.getString("k7", "score"));
      assertEquals(Optional.empty(), docs.getString("k8", "score"));
    }
    try (DocumentStore docs = open()) {
      assertEquals(Optional.of("high"), docs.getString("k7", "score"));
      assertEquals(List.of("keep", "score"), docs.schema().fields().stream().map(Field::name).toList());
      docs.dropAll();
      assertNull(docs.get("k7"));
      assertTrue(docs.schema().fields().isEmpty());
      assertEquals(0, docs.store().size());
    }
  }

  @Test
  void thePartitioningFieldIsFixedAtCreationAndRequiredOnEveryUpsert() {
    StoreOptions options = StoreOptions.builder(dir.resolve("p")).segmentSize(1 << 20).build();
    try (DocumentStore docs = DocumentStore.open(options, "region")) {
      assertEquals(Optional.of("region"), docs.schema().partitionKey());
      assertThrows(IllegalArgumentException.class, () -> docs.upsert("u", Document.builder().put("a", 1).build()));
      assertNull(docs.get("u"));
      docs.upsert("u", Document.builder().put("region", "eu").put("a", 1).build());
    }
    assertThrows(DocumentStore.SchemaException.class, () -> DocumentStore.open(options, "zone"));
    try (DocumentStore docs = DocumentStore.open(options)) {
      assertEquals(Optional.of("region"), docs.schema().partitionKey());
    }
  }

  @Test
  void concurrentUpsertsOfOneDocumentNeverLoseAField() throws Exception {
    try (DocumentStore docs = open()) {
      int threads = 4;
      int perThread = 300;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            docs.upsert("shared", Document.builder().put("t" + id, (long) i).build());
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      for (int t = 0; t < threads; t++) {
        assertEquals(OptionalLong.of(perThread - 1), docs.getLong("shared", "t" + t));
      }
    }
  }

  @Test
  void readingANumericFieldInPlaceAllocatesNothing() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    if (!(bean instanceof com.sun.management.ThreadMXBean threads) || !threads.isThreadAllocatedMemorySupported()) {
      System.out.println("skipped: this JVM cannot count allocated bytes per thread");
      return;
    }
    try (DocumentStore docs = open()) {
      for (int i = 0; i < 10; i++) {
        docs.upsert("k", Document.builder().put("f" + i, i).put("s" + i, "value " + i).build());
      }
      Field f7 = docs.field("f7");
      byte[] key = utf8("k");
      DocumentView view = new DocumentView();
      long sum = 0;
      for (int i = 0; i < 200_000; i++) { // warm up so the JIT compiles the path
        docs.read(key, view);
        sum += view.getInt(f7, 0);
      }
      long id = Thread.currentThread().getId();
      long before = threads.getThreadAllocatedBytes(id);
      for (int i = 0; i < 100_000; i++) {
        docs.read(key, view);
        sum += view.getInt(f7, 0);
      }
      long allocated = threads.getThreadAllocatedBytes(id) - before;
      assertEquals(7L * 300_000, sum);
      assertTrue(allocated < 100_000, "100,000 reads allocated " + allocated + " bytes");
    }
  }

  @Test
  void aDamagedSchemaFileIsReportedByName() throws Exception {
    try (DocumentStore docs = open()) {
      docs.upsert("u", Document.builder().put("a", 1).build());
    }
    Path schema = dir.resolve("docs").resolve(Schema.FILE);
    String text = Files.readString(schema);
    Files.writeString(schema, text.replace("field=1 INT32 a", "field=1 INT64 a"));
    DocumentStore.SchemaException e = assertThrows(DocumentStore.SchemaException.class, this::open);
    assertTrue(e.getMessage().contains(Schema.FILE) && e.getMessage().contains("checksum"), e.getMessage());
  }
}
