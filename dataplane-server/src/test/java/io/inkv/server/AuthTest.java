package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API keys: every write needs the write scope, reads the read scope, and failures say nothing more. */
class AuthTest {
  @TempDir static Path dir;
  static TestServer s;
  static final String WRITER = "writer." + "w".repeat(43);
  static final String READER = "reader." + "r".repeat(43);
  static final String OTHER = "other." + "o".repeat(43);
  static final String CACHE = "cachekey." + "c".repeat(43);
  static final String PBKDF2 = "human.correct-horse-battery-staple";

  @BeforeAll
  static void start() throws Exception {
    Path auth = dir.resolve("auth.txt");
    Files.write(auth, List.of(
        "# id store scopes hash",
        ApiKeys.fileLine("writer", "users", "read,write", WRITER.substring(7), false),
        ApiKeys.fileLine("reader", "users", "read", READER.substring(7), false),
        ApiKeys.fileLine("other", "orders", "read,write", OTHER.substring(6), false),
        ApiKeys.fileLine("cachekey", "cache", "read,write", CACHE.substring(9), false),
        ApiKeys.fileLine("human", "*", "read", PBKDF2.substring(6), true)));
    s = new TestServer(dir.resolve("data"), "--auth-file", auth.toString());
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  private HttpResponse<String> as(String bearer, java.util.function.Supplier<HttpResponse<String>> call) {
    s.bearer = bearer;
    try {
      return call.get();
    } finally {
      s.bearer = null;
    }
  }

  @Test
  void aWriteWithoutAKeyIsUnauthorizedAndSaysNothingMore() {
    for (HttpResponse<String> r : List.of(
        s.post("/stores/users/docs/a", "{\"n\":1}"),
        s.post("/store/k", "v"),
        s.delete("/stores/users/docs/a"),
        s.put("/stores/users/docs/a/fields/f", new byte[1]),
        s.post("/stores/users/images", ""))) {
      assertEquals(401, r.statusCode(), r.uri().toString());
      assertEquals("unauthorized\n", r.body());
      assertEquals("Bearer realm=\"inkv\"", r.headers().firstValue("www-authenticate").orElseThrow());
    }
  }

  @Test
  void aWrongSecretOrUnknownIdOrMalformedHeaderIsUnauthorized() {
    assertEquals(401, as("writer.wrong", () -> s.post("/stores/users/docs/a", "{\"n\":1}")).statusCode());
    assertEquals(401, as("nobody." + "w".repeat(43), () -> s.post("/stores/users/docs/a", "{\"n\":1}")).statusCode());
    assertEquals(401, as("no-dot-at-all", () -> s.post("/stores/users/docs/a", "{\"n\":1}")).statusCode());
    assertEquals(401, as(WRITER.substring(0, WRITER.length() - 1), () -> s.get("/stores/users/docs/a")).statusCode());
  }

  @Test
  void aKeyWithTheWriteScopeWritesAndReads() {
    assertEquals(204, as(WRITER, () -> s.post("/stores/users/docs/a", "{\"n\":1}")).statusCode());
    assertEquals("{\"n\":1}", as(WRITER, () -> s.get("/stores/users/docs/a")).body());
  }

  @Test
  void aReadOnlyKeyReadsButIsForbiddenToWrite() {
    as(WRITER, () -> s.post("/stores/users/docs/b", "{\"n\":2}"));
    assertEquals(200, as(READER, () -> s.get("/stores/users/docs/b")).statusCode());
    assertEquals(200, as(READER, () -> s.get("/stores/users/config")).statusCode());
    HttpResponse<String> w = as(READER, () -> s.post("/stores/users/docs/b", "{\"n\":3}"));
    assertEquals(403, w.statusCode());
    assertEquals("forbidden\n", w.body());
    assertEquals(403, as(READER, () -> s.delete("/stores/users/docs/b")).statusCode());
    assertEquals("{\"n\":2}", as(READER, () -> s.get("/stores/users/docs/b")).body());
  }

  @Test
  void aKeyForAnotherStoreIsForbidden() {
    assertEquals(403, as(OTHER, () -> s.post("/stores/users/docs/c", "{\"n\":1}")).statusCode());
    assertEquals(403, as(OTHER, () -> s.get("/stores/users/docs/c")).statusCode());
    assertEquals(403, as(OTHER, () -> s.post("/store/k", "v")).statusCode());
    // the answer for a store that does not exist is the same: nothing is learnt about which exist
    assertEquals(403, as(READER, () -> s.get("/stores/secret-store/docs/c")).statusCode());
  }

  @Test
  void readsWithoutAKeyAreUnauthorizedUnlessAnonymousReadsAreOn() throws Exception {
    assertEquals(401, s.get("/stores/users/docs/a").statusCode());
    assertEquals(401, s.get("/get/k").statusCode());
    assertEquals(401, s.get("/stores/users/images/latest").statusCode());
    assertEquals(401, s.get("/metrics").statusCode());
    assertEquals(200, s.get("/health").statusCode());
    assertEquals(200, s.get("/ready").statusCode());
    assertEquals(200, s.get("/").statusCode());
  }

  @Test
  void theCacheRoutesNeedAKeyForTheCacheStore() {
    assertEquals(200, as(CACHE, () -> s.post("/store/ck", "v")).statusCode());
    assertEquals("v", as(CACHE, () -> s.get("/get/ck")).body());
  }

  @Test
  void aPbkdf2KeyWorksAndIsVerifiedOnlyOnce() {
    as(WRITER, () -> s.post("/stores/users/docs/h", "{\"n\":1}"));
    assertEquals(200, as(PBKDF2, () -> s.get("/stores/users/docs/h")).statusCode());
    assertEquals(200, as(PBKDF2, () -> s.get("/stores/users/docs/h")).statusCode()); // from the verified-token cache
    assertEquals(403, as(PBKDF2, () -> s.post("/stores/users/docs/h", "{\"n\":2}")).statusCode());
  }

  @Test
  void metricsNeedAnyValidKeyWhenAuthIsOn() {
    assertEquals(200, as(READER, () -> s.get("/metrics")).statusCode());
  }

  @Test
  void anonymousReadsLetReadsThroughButNeverWrites(@TempDir Path other) throws Exception {
    Path auth = other.resolve("auth.txt");
    Files.write(auth, List.of(ApiKeys.fileLine("w", "*", "write", "secret-secret", false)));
    try (TestServer open = new TestServer(other.resolve("data"), "--auth-file", auth.toString(), "--anonymous-reads")) {
      assertEquals(401, open.post("/stores/users/docs/a", "{\"n\":1}").statusCode());
      open.bearer = "w.secret-secret";
      assertEquals(204, open.post("/stores/users/docs/a", "{\"n\":1}").statusCode());
      open.bearer = null;
      assertEquals("{\"n\":1}", open.get("/stores/users/docs/a").body());
    }
  }

  @Test
  void theAuthFileIsCheckedLineByLine(@TempDir Path other) throws Exception {
    Path bad = other.resolve("bad.txt");
    Files.write(bad, List.of("k1 users read sha256:00"));
    ServerException e = assertThrows(ServerException.class, () -> ApiKeys.load(bad));
    assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("64 hex"), e.getMessage());
    Files.write(bad, List.of("k1 ../x read sha256:" + "0".repeat(64)));
    assertTrue(assertThrows(ServerException.class, () -> ApiKeys.load(bad)).getMessage().contains("store must be"));
    Files.write(bad, List.of("k1 users admin sha256:" + "0".repeat(64)));
    assertTrue(assertThrows(ServerException.class, () -> ApiKeys.load(bad)).getMessage().contains("scopes"));
    Files.write(bad, List.of("# nothing"));
    assertTrue(assertThrows(ServerException.class, () -> ApiKeys.load(bad)).getMessage().contains("holds no key"));
  }

  @Test
  void authenticationComparesHashesNotSecrets() {
    ApiKeys keys = ApiKeys.load(dir.resolve("auth.txt"));
    assertNotNull(keys.authenticate("Bearer " + WRITER));
    assertNotNull(keys.authenticate("bearer " + WRITER));
    assertNull(keys.authenticate("Basic " + WRITER));
    assertNull(keys.authenticate(null));
    assertNull(keys.authenticate("Bearer " + "x".repeat(600)));
    assertEquals(ApiKeys.Decision.FORBIDDEN, keys.authorize("Bearer " + READER, "users", ApiKeys.Scope.WRITE));
    assertEquals(ApiKeys.Decision.ALLOWED, keys.authorize("Bearer " + PBKDF2, "anything", ApiKeys.Scope.READ));
  }
}
