package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import io.inkv.store.document.Document;
import io.inkv.store.document.DocumentStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin command line: stats, verify, compact, dump, new-key and fetch-image. */
class AdminTest {
  @TempDir Path dir;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int admin(String... args) {
    out.reset();
    err.reset();
    return Admin.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private Path bytesStore() {
    Path p = dir.resolve("cache");
    try (Store s = StoreOptions.builder(p).segmentSize(64 << 10).open()) {
      for (int i = 0; i < 2000; i++) {
        s.put(("k" + (i % 100)).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8));
      }
      s.put("bin".getBytes(StandardCharsets.UTF_8), new byte[] {0, 1, 2});
    }
    return p;
  }

  @Test
  void statsPrintsEntriesAndBytes() {
    assertEquals(0, admin("stats", bytesStore().toString()));
    assertTrue(out().contains("entries:      101"), out());
    assertTrue(out().contains("kind:         bytes"), out());
  }

  @Test
  void verifyPassesAHealthyStoreAndFailsADamagedOne() throws Exception {
    Path p = bytesStore();
    assertEquals(0, admin("verify", p.toString()));
    assertTrue(out().startsWith("ok:"), out());
    try (RandomAccessFile f = new RandomAccessFile(p.resolve("0000000001.seg").toFile(), "rw")) {
      f.seek(200);
      f.write(f.read() ^ 0x55);
    }
    int code = admin("verify", p.toString());
    assertEquals(1, code, out() + err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void compactReclaimsGarbage() {
    Path p = bytesStore();
    assertEquals(0, admin("compact", p.toString()));
    assertTrue(out().startsWith("compacted "), out());
    assertEquals(0, admin("dump", p.toString(), "k7"));
    assertEquals("v1907\n", out());
  }

  @Test
  void dumpPrintsOneKeyOrEveryEntry() {
    Path p = bytesStore();
    assertEquals(0, admin("dump", p.toString(), "bin"));
    assertEquals("base64:AAEC\n", out());
    assertEquals(1, admin("dump", p.toString(), "absent"));
    assertEquals(0, admin("dump", p.toString()));
    assertEquals(101, out().lines().count());
  }

  @Test
  void dumpPrintsDocumentsAsJson() {
    Path p = dir.resolve("users");
    try (DocumentStore d = DocumentStore.open(StoreOptions.builder(p).build())) {
      d.upsert("alice", Document.builder().put("name", "Alice").put("age", 22).build());
    }
    assertEquals(0, admin("dump", p.toString(), "alice"));
    assertEquals("{\"name\":\"Alice\",\"age\":22}\n", out());
  }

  @Test
  void aStoreAServerHasOpenIsRefusedWithAClearMessage() {
    Path p = bytesStore();
    try (Store open = StoreOptions.builder(p).open()) {
      assertNotNull(open);
      assertEquals(1, admin("stats", p.toString()));
      assertTrue(err.toString(StandardCharsets.UTF_8).contains("stop the server"), err.toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void aDirectoryThatIsNotAStoreIsRefused() {
    assertEquals(1, admin("stats", dir.toString()));
    assertEquals(2, admin("explode", dir.toString()));
    assertEquals(2, admin("stats"));
  }

  @Test
  void newKeyPrintsASecretOnceAndALineTheServerAccepts() throws Exception {
    assertEquals(0, admin("new-key", "app-1", "users", "read,write"));
    List<String> lines = out().lines().toList();
    String token = lines.get(1).substring(lines.get(1).indexOf("Bearer ") + 7);
    String line = lines.get(3);
    assertTrue(line.startsWith("app-1 users read,write sha256:"), line);
    assertTrue(!line.contains(token.substring(6)), "the file line must not hold the secret");
    Path auth = dir.resolve("auth");
    Files.writeString(auth, line + "\n");
    assertEquals(ApiKeys.Decision.ALLOWED, ApiKeys.load(auth).authorize("Bearer " + token, "users", ApiKeys.Scope.WRITE));
    assertEquals(2, admin("new-key", "bad id", "users", "read"));
  }

  @Test
  void fetchImageDownloadsAndVerifies() {
    try (TestServer s = new TestServer(dir.resolve("data"))) {
      s.post("/store/a", "1");
      s.post("/stores/cache/images", "");
      assertEquals(0, admin("fetch-image", s.server.uri().toString(), "cache", dir.resolve("copy").toString()));
      assertTrue(out().contains("verified"), out());
      assertEquals(0, admin("dump", dir.resolve("copy").toString(), "a"));
      assertEquals("1\n", out());
      assertEquals(1, admin("fetch-image", s.server.uri().toString(), "ghost", dir.resolve("copy2").toString()));
    }
  }
}
