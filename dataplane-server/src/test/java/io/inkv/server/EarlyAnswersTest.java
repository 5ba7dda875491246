package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jetty.http2.ErrorCode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Answers the server sends before it has read the request body (401, 403, 405, 400 and 413 found
 * from the headers, 413 found as the body streams in) reach an HTTP/2 client as the status and
 * its one-line body, never as a reset stream: over h2c and over h2 with TLS, with the JDK's client,
 * 50 times each, with bodies of 7 bytes up to 10 times the body limit.
 */
class EarlyAnswersTest {
  static final int LIMIT = 1 << 20;
  static final String WRITE = "writer.write-secret-0123456789";
  static final String READ = "reader.read-secret-0123456789";
  static final int ROUNDS = 50;

  @TempDir static Path dir;
  static Path auth;
  static Path keystore;
  static Path password;
  static SSLContext trusting;
  static final byte[] HUGE = new byte[10 * LIMIT];

  @BeforeAll
  static void files() throws Exception {
    auth = dir.resolve("auth.txt");
    Files.write(auth, List.of(ApiKeys.fileLine("writer", "*", "read,write", "write-secret-0123456789", false),
        ApiKeys.fileLine("reader", "*", "read", "read-secret-0123456789", false)));
    keystore = dir.resolve("server.p12");
    password = Files.writeString(dir.resolve("password"), "changeit-123\n");
    TestKeystores.selfSigned(keystore, "changeit-123");
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit-123".toCharArray());
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    trusting = SSLContext.getInstance("TLS");
    trusting.init(null, tmf.getTrustManagers(), null);
  }

  private record Ask(String method, String path, String key, HttpRequest.BodyPublisher body) {}

  private static HttpResponse<String> send(HttpClient c, URI base, Ask a) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + a.path())).timeout(Duration.ofSeconds(60))
        .method(a.method(), a.body());
    if (a.key() != null) {
      b.header("Authorization", "Bearer " + a.key());
    }
    try {
      HttpResponse<String> r = c.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      assertEquals(HttpClient.Version.HTTP_2, r.version(), a.path());
      return r;
    } catch (IOException e) {
      throw new AssertionError(a.method() + " " + a.path() + " with a body of " + a.body().contentLength()
          + " bytes: no answer, " + e, e);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static HttpRequest.BodyPublisher bytes(int n) {
    return HttpRequest.BodyPublishers.ofByteArray(HUGE, 0, n);
  }

  /** A body without a declared length: the limit is found as it streams in. */
  private static HttpRequest.BodyPublisher streamed(int n) {
    return HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(HUGE, 0, n));
  }

  private static void expect(HttpResponse<String> r, int status, String body) {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals(body, r.body());
  }

  private static void everyEarlyAnswerArrives(HttpClient c, URI base, boolean keys) {
    assertEquals(HttpClient.Version.HTTP_2, send(c, base, new Ask("GET", "/health", null, HttpRequest.BodyPublishers.noBody())).version());
    String w = keys ? WRITE : null;
    String over = "the request body is " + HUGE.length + " bytes; the limit is " + LIMIT + " (--max-body-bytes)\n";
    for (int i = 0; i < ROUNDS; i++) {
      expect(send(c, base, new Ask("POST", "/store/huge-" + i, w, bytes(HUGE.length))), 413, over);
      expect(send(c, base, new Ask("POST", "/store/streamed-" + i, w, streamed(2 * LIMIT + 1))), 413,
          "the request body is over the limit of " + LIMIT + " bytes (--max-body-bytes)\n");
      expect(send(c, base, new Ask("POST", "/store/query-" + i + "?x=1", w, bytes(7))), 400,
          "a key route takes no query string, and a key ends at '?': ?x=1; percent-encode a '?' in a key as %3F\n");
      expect(send(c, base, new Ask("PUT", "/store/put-" + i, w, bytes(7))), 405, "method not allowed; this route takes POST\n");
      expect(send(c, base, new Ask("PUT", "/store/put-huge-" + i, w, bytes(HUGE.length))), 405,
          "method not allowed; this route takes POST\n");
      if (keys) {
        expect(send(c, base, new Ask("POST", "/store/read-only-" + i, READ, bytes(7))), 403, "forbidden\n");
        expect(send(c, base, new Ask("POST", "/store/no-key-" + i, null, bytes(7))), 401, "unauthorized\n");
        expect(send(c, base, new Ask("POST", "/stores/users/docs/read-only-" + i, READ, bytes(HUGE.length))), 403, "forbidden\n");
        expect(send(c, base, new Ask("POST", "/stores/users/docs/no-key-" + i, null, streamed(3 * LIMIT))), 401, "unauthorized\n");
      }
      // the connection goes on serving
      expect(send(c, base, new Ask("POST", "/store/ok-" + i, w, bytes(7))), 200, "");
    }
  }

  private static void nothingRefusedWasStored(TestServer s) {
    var cache = s.server.stores().find("cache").store;
    for (int i = 0; i < ROUNDS; i++) {
      for (String k : List.of("huge-", "streamed-", "query-", "put-", "put-huge-", "read-only-", "no-key-")) {
        assertNull(cache.get((k + i).getBytes(StandardCharsets.UTF_8)), k + i);
      }
      assertEquals(7, cache.get(("ok-" + i).getBytes(StandardCharsets.UTF_8)).length);
    }
    assertNull(s.server.stores().find("users"), "no document store was created");
  }

  @Test
  void earlyAnswersArriveOverH2cWhenRequestsRunInPlace() throws Exception {
    try (TestServer s = new TestServer(dir.resolve("plain"), "--max-body-bytes", Integer.toString(LIMIT))) {
      HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
      everyEarlyAnswerArrives(c, s.server.uri(), false);
      nothingRefusedWasStored(s);
    }
  }

  @Test
  void earlyAnswersArriveOverH2cWithApiKeys() throws Exception {
    try (TestServer s = new TestServer(dir.resolve("keys"), "--max-body-bytes", Integer.toString(LIMIT),
        "--auth-file", auth.toString())) {
      HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
      everyEarlyAnswerArrives(c, s.server.uri(), true);
      nothingRefusedWasStored(s);
    }
  }

  /** What a client saw of one upload refused past the drain bound. */
  private record Refused(int status, String body, int resetError, long sent, boolean resetAfterAnswer) {}

  /**
   * Sends a body of {@code length} bytes to POST /store/{key} on {@code h2}, within the server's
   * windows, until the server resets the stream. Past the drain bound it sends no more until the
   * reset comes, then the rest of the stream's window: the DATA of a client whose frames crossed
   * the reset, which reaches the server for a closed stream (a server that counted it against the
   * connection's rate control would answer a few such refusals with GOAWAY, see Http2RateControl).
   * Returns what came, as the frames showed it.
   */
  private static Refused refusedUpload(RawHttp2 h2, String key, long length) throws Exception {
    RawHttp2.RawStream stream = h2.post("/store/" + key, length);
    long sent = h2.upload(stream, HUGE, length, 16L << 20, 30);
    if (stream.reset.isDone()) {
      sent += h2.dataAfterReset(stream, HUGE);
    }
    return new Refused(stream.status.get(30, TimeUnit.SECONDS), stream.body.get(30, TimeUnit.SECONDS),
        stream.reset.get(30, TimeUnit.SECONDS), sent, stream.resetAfterAnswer);
  }

  private static void assertRefusedPastTheBound(Refused r, long length) {
    assertEquals(413, r.status());
    assertEquals("the request body is " + length + " bytes; the limit is " + LIMIT + " (--max-body-bytes)\n", r.body());
    assertEquals(ErrorCode.NO_ERROR.code, r.resetError(), "the reset's error code");
    assertTrue(r.resetAfterAnswer(), "the reset comes after the whole answer");
    assertTrue(r.sent() < length, "the client stopped sending at the reset: " + r.sent());
  }

  /** Opens a raw HTTP/2 connection, runs {@code use}, and checks the server sent no GOAWAY. */
  private static void withConnection(TestServer s, ConnectionUse use) throws Exception {
    try (RawHttp2 h2 = new RawHttp2(s.server.port())) {
      use.accept(h2);
      assertFalse(h2.goAway.isDone(), () -> "the server closed the connection: " + h2.goAway.join());
    }
  }

  private interface ConnectionUse {
    void accept(RawHttp2 h2) throws Exception;
  }

  /** GET /health on {@code h2}: the connection still serves. */
  private static int health(RawHttp2 h2) throws Exception {
    return h2.get("/health").status.get(30, TimeUnit.SECONDS);
  }

  /**
   * Past the drain bound (16 MiB here) the answer still comes first, and the stream is then reset
   * with NO_ERROR, not CANCEL: a raw HTTP/2 connection (RawHttp2) shows the frames as they come.
   */
  @Test
  void pastTheDrainBoundTheAnswerIsFollowedByAResetWithNoError() throws Exception {
    try (TestServer s = new TestServer(dir.resolve("bound"), "--max-body-bytes", Integer.toString(LIMIT))) {
      assertEquals(Math.max(ApiHandler.DRAIN_AFTER_ANSWER_MIN_BYTES, 16L * LIMIT), 16L << 20);
      long length = 24L << 20;
      withConnection(s, h2 -> {
        for (int round = 0; round < 3; round++) {
          assertRefusedPastTheBound(refusedUpload(h2, "past-bound", length), length);
        }
        assertEquals(200, health(h2));
      });
      assertNull(s.server.stores().find("cache"), "nothing was stored");
    }
  }

  /**
   * Many uploads refused past the drain bound at once on one connection: each gets its answer and
   * a NO_ERROR reset, and the connection goes on serving. The DATA the client sent before it saw
   * each reset arrives for a closed stream; counted by HTTP/2 rate control, as Jetty does, a few
   * such refusals within a second closed the whole connection with ENHANCE_YOUR_CALM
   * (Http2RateControl).
   */
  @Test
  void refusalsPastTheDrainBoundAtOnceLeaveTheConnectionServing() throws Exception {
    try (TestServer s = new TestServer(dir.resolve("bound-at-once"), "--max-body-bytes", Integer.toString(LIMIT))) {
      long length = 24L << 20;
      int uploads = 12;
      java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(uploads);
      try {
        withConnection(s, h2 -> {
          List<java.util.concurrent.Future<Refused>> refused = new java.util.ArrayList<>();
          for (int i = 0; i < uploads; i++) {
            String key = "at-once-" + i;
            refused.add(clients.submit(() -> refusedUpload(h2, key, length)));
          }
          for (var r : refused) {
            assertRefusedPastTheBound(r.get(60, TimeUnit.SECONDS), length);
          }
          assertEquals(200, health(h2));
        });
      } finally {
        clients.shutdownNow();
      }
      assertNull(s.server.stores().find("cache"), "nothing was stored");
    }
  }

  @Test
  void earlyAnswersArriveOverH2WithTls() throws Exception {
    try (TestServer s = new TestServer(dir.resolve("tls"), "--max-body-bytes", Integer.toString(LIMIT),
        "--auth-file", auth.toString(), "--tls-keystore", keystore.toString(),
        "--tls-keystore-password-file", password.toString())) {
      HttpClient c = HttpClient.newBuilder().sslContext(trusting).version(HttpClient.Version.HTTP_2)
          .connectTimeout(Duration.ofSeconds(5)).build();
      everyEarlyAnswerArrives(c, s.server.uri(), true);
      nothingRefusedWasStored(s);
    }
  }
}
