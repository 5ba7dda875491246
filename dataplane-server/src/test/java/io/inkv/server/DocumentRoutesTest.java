package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Documents over HTTP: upsert, read, field deletes, document deletes, multi-get, config, and bad input. */
class DocumentRoutesTest {
  @TempDir static Path dir;
  static TestServer s;

  @BeforeAll
  static void start() {
    s = new TestServer(dir, "--max-field-bytes", "64");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  @Test
  void anUpsertMergesFieldsAndTheLaterWriteWinsPerField() {
    assertEquals(204, s.post("/stores/users/docs/alice", "{\"name\":\"Alice\",\"age\":{\"int32\":22}}").statusCode());
    assertEquals(204, s.post("/stores/users/docs/alice", "{\"age\":25,\"city\":\"San Francisco\"}").statusCode());
    HttpResponse<String> r = s.get("/stores/users/docs/alice");
    assertEquals(200, r.statusCode());
    assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
    assertEquals("{\"name\":\"Alice\",\"age\":25,\"city\":\"San Francisco\"}", r.body());
  }

  @Test
  void everyFieldTypeRoundTripsThroughJson() {
    String doc = "{\"i\":{\"int32\":-7},\"l\":9007199254740993,\"f\":{\"float32\":1.5},\"d\":0.25,"
        + "\"b\":true,\"s\":\"text \\u00e9\",\"x\":{\"base64\":\"AAH/\"}}";
    assertEquals(204, s.post("/stores/types/docs/k", doc).statusCode());
    assertEquals("{\"i\":-7,\"l\":9007199254740993,\"f\":1.5,\"d\":0.25,\"b\":true,\"s\":\"text é\",\"x\":{\"base64\":\"AAH/\"}}",
        s.get("/stores/types/docs/k").body());
    // a document read back can be written back unchanged: plain values take the field's type
    assertEquals(204, s.post("/stores/types/docs/k2", s.get("/stores/types/docs/k").body()).statusCode());
    assertEquals(s.get("/stores/types/docs/k").body(), s.get("/stores/types/docs/k2").body());
    HttpResponse<String> config = s.get("/stores/types/config");
    assertTrue(config.body().contains("{\"name\":\"i\",\"type\":\"INT32\""), config.body());
    assertTrue(config.body().contains("{\"name\":\"x\",\"type\":\"BYTES\""), config.body());
  }

  @Test
  void readingChosenFieldsReturnsOnlyThose() {
    s.post("/stores/users/docs/bob", "{\"name\":\"Bob\",\"age\":{\"int32\":31}}");
    assertEquals("{\"age\":31}", s.get("/stores/users/docs/bob?fields=age").body());
    assertEquals("{\"name\":\"Bob\",\"age\":31}", s.get("/stores/users/docs/bob?fields=name,age").body());
  }

  @Test
  void deletingFieldsKeepsTheOthers() {
    s.post("/stores/users/docs/carol", "{\"name\":\"Carol\",\"age\":{\"int32\":40},\"city\":\"Oslo\"}");
    assertEquals(204, s.delete("/stores/users/docs/carol?fields=age,city").statusCode());
    assertEquals("{\"name\":\"Carol\"}", s.get("/stores/users/docs/carol").body());
    assertEquals(404, s.delete("/stores/users/docs/nobody?fields=age").statusCode());
  }

  @Test
  void deletingADocumentRemovesItOnce() {
    s.post("/stores/users/docs/dave", "{\"name\":\"Dave\"}");
    assertEquals(204, s.delete("/stores/users/docs/dave").statusCode());
    assertEquals(404, s.get("/stores/users/docs/dave").statusCode());
    assertEquals(404, s.delete("/stores/users/docs/dave").statusCode());
  }

  @Test
  void multiGetReturnsARowPerKeyInOrder() {
    s.post("/stores/mg/docs/a", "{\"name\":\"A\",\"n\":1}");
    s.post("/stores/mg/docs/b", "{\"n\":2}");
    assertEquals("{\"documents\":[{\"name\":\"A\"},null,{}]}",
        s.post("/stores/mg/multiget", "{\"keys\":[\"a\",\"zz\",\"b\"],\"fields\":[\"name\"]}").body());
    assertEquals("{\"documents\":[{\"name\":\"A\",\"n\":1},{\"n\":2}]}",
        s.post("/stores/mg/multiget", "{\"keys\":[\"a\",\"b\"]}").body());
  }

  @Test
  void aBytesFieldIsReadAndWrittenRaw() {
    byte[] raw = {(byte) 0x89, 'P', 'N', 'G', 0};
    assertEquals(204, s.put("/stores/raw/docs/img/fields/data", raw).statusCode());
    HttpResponse<byte[]> r = s.getBytes("/stores/raw/docs/img/fields/data");
    assertEquals(200, r.statusCode());
    assertArrayEquals(raw, r.body());
    s.post("/stores/raw/docs/img", "{\"title\":\"logo\"}");
    assertEquals("logo", s.get("/stores/raw/docs/img/fields/title").body());
    assertEquals(409, s.put("/stores/raw/docs/img/fields/title", raw).statusCode());
    assertEquals(404, s.get("/stores/raw/docs/nope/fields/data").statusCode());
  }

  @Test
  void aWriteOfAnotherTypeConflicts() {
    s.post("/stores/users/docs/erin", "{\"age\":{\"int32\":5}}");
    HttpResponse<String> r = s.post("/stores/users/docs/erin", "{\"age\":\"five\"}");
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("'age' is INT32"), r.body());
    HttpResponse<String> r2 = s.post("/stores/users/docs/erin", "{\"age\":{\"string\":\"five\"}}");
    assertEquals(409, r2.statusCode());
    assertTrue(r2.body().contains("age"), r2.body());
  }

  @Test
  void aJsonErrorSaysWhatIsWrongAndWhereWithoutTheParsersInternals() {
    for (String body : new String[] {"{\"name\":", "{\"name\" 1}", "{\"a\":tru}", "{\"a\":1,}", "{\"a\":\"x"}) {
      HttpResponse<String> r = s.post("/stores/users/docs/x", body);
      assertEquals(400, r.statusCode(), body);
      String text = r.body();
      assertTrue(text.startsWith("malformed JSON at line 1, column "), body + " -> " + text);
      assertTrue(!text.contains("Source") && !text.contains("REDACTED") && !text.contains("Feature")
          && !text.contains("jackson"), body + " -> " + text);
      assertTrue(text.endsWith("\n"), "an error body ends with a newline: " + text);
    }
  }

  @Test
  void malformedJsonIsABadRequestThatNamesTheProblem() {
    assertEquals(400, s.post("/stores/users/docs/x", "{\"name\":").statusCode());
    assertEquals(400, s.post("/stores/users/docs/x", "[1,2]").statusCode());
    assertEquals(400, s.post("/stores/users/docs/x", "").statusCode());
    assertEquals(400, s.post("/stores/users/docs/x", "{}").statusCode());
    HttpResponse<String> nul = s.post("/stores/users/docs/x", "{\"name\":null}");
    assertEquals(400, nul.statusCode());
    assertTrue(nul.body().contains("?fields=name"), nul.body());
    assertEquals(400, s.post("/stores/users/docs/x", "{\"name\":[1]}").statusCode());
    assertEquals(400, s.post("/stores/users/docs/x", "{\"n\":{\"int32\":1e40}}").statusCode());
    assertEquals(400, s.post("/stores/users/docs/x", "{\"n\":{\"weird\":1}}").statusCode());
    assertEquals(400, s.post("/stores/users/docs/x", "{\"b\":{\"base64\":\"!!!\"}}").statusCode());
    assertEquals(400, s.post("/stores/users/docs/x", "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":1}}}}}}}}}")
        .statusCode());
    assertEquals(400, s.post("/stores/users/multiget", "{\"keys\":\"a\"}").statusCode());
    assertEquals(400, s.post("/stores/users/multiget", "{\"keys\":[\"a\"],\"extra\":1}").statusCode());
    assertEquals(404, s.get("/stores/users/docs/x").statusCode());
  }

  @Test
  void aFieldOverTheLimitIsRefusedWith413() {
    HttpResponse<String> r = s.post("/stores/users/docs/big", "{\"bio\":\"" + "x".repeat(65) + "\"}");
    assertEquals(413, r.statusCode());
    assertTrue(r.body().contains("--max-field-bytes"), r.body());
    assertEquals(413, s.put("/stores/raw/docs/big/fields/data", new byte[65]).statusCode());
  }

  @Test
  void readingAnUnknownFieldIsABadRequest() {
    s.post("/stores/users/docs/frank", "{\"name\":\"Frank\"}");
    HttpResponse<String> r = s.get("/stores/users/docs/frank?fields=height");
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("height"), r.body());
  }

  @Test
  void readsOfAStoreThatDoesNotExistAreNotFound() {
    assertEquals(404, s.get("/stores/ghost/docs/a").statusCode());
    assertEquals(404, s.get("/stores/ghost/config").statusCode());
    assertEquals(404, s.post("/stores/ghost/multiget", "{\"keys\":[]}").statusCode());
    assertEquals(404, s.delete("/stores/ghost/docs/a").statusCode());
  }

  @Test
  void storeNamesOutsideTheRuleAreRefusedBeforeAnyFileIsTouched() {
    for (String bad : new String[] {"Users", "..", ".images", "a%2F..%2F..", "%2e%2e", "-x", "a%20b", "x".repeat(64)}) {
      HttpResponse<String> r = s.post("/stores/" + bad + "/docs/k", "{\"a\":1}");
      assertTrue(r.statusCode() == 400 || r.statusCode() == 404, bad + " -> " + r.statusCode() + " " + r.body());
    }
    assertEquals(400, s.post("/stores/Users/docs/k", "{\"a\":1}").statusCode());
    assertTrue(java.nio.file.Files.notExists(dir.resolve("Users")));
    assertTrue(java.nio.file.Files.notExists(dir.getParent().resolve("x")));
  }

  @Test
  void aDocumentRouteOnTheCacheStoreConflicts() {
    s.post("/store/somekey", "v");
    HttpResponse<String> r = s.post("/stores/cache/docs/k", "{\"a\":1}");
    assertEquals(409, r.statusCode());
    assertTrue(r.body().contains("holds bytes"), r.body());
  }

  @Test
  void creatingMoreStoresThanAllowedIsRefusedNamingTheLimit(@TempDir Path other) {
    try (TestServer few = new TestServer(other, "--max-stores", "2")) {
      assertEquals(204, few.post("/stores/one/docs/k", "{\"a\":1}").statusCode());
      assertEquals(204, few.post("/stores/two/docs/k", "{\"a\":1}").statusCode());
      HttpResponse<String> r = few.post("/stores/three/docs/k", "{\"a\":1}");
      assertEquals(507, r.statusCode());
      assertTrue(r.body().contains("--max-stores"), r.body());
    }
  }
}
