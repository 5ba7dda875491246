package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.FuturePromise;
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
   * What Jetty's low-level HTTP/2 client sees of one stream's answer: its status, its body, and a
   * reset if one comes (and whether it came after the whole body). A failed connection (a GOAWAY,
   * a close) fails whatever still waits, with the reason.
   */
  private static final class Answer implements Stream.Listener {
    final CompletableFuture<Integer> status = new CompletableFuture<>();
    final CompletableFuture<String> body = new CompletableFuture<>();
    final CompletableFuture<Integer> reset = new CompletableFuture<>();
    volatile boolean resetAfterAnswer;
    private final String what;
    private final StringBuilder text = new StringBuilder();

    Answer(String what) {
      this.what = what;
    }

    @Override
    public void onHeaders(Stream stream, HeadersFrame frame) {
      status.complete(((MetaData.Response) frame.getMetaData()).getStatus());
      stream.demand();
    }

    @Override
    public void onDataAvailable(Stream stream) {
      Stream.Data data = stream.readData();
      if (data != null) {
        text.append(StandardCharsets.UTF_8.decode(data.frame().getByteBuffer()));
        boolean end = data.frame().isEndStream();
        data.release();
        if (end) {
          body.complete(text.toString());
          return;
        }
      }
      stream.demand();
    }

    @Override
    public void onReset(Stream stream, ResetFrame frame, Callback callback) {
      resetAfterAnswer = body.isDone();
      reset.complete(frame.getError());
      callback.succeeded();
    }

    @Override
    public void onFailure(Stream stream, int error, String reason, Throwable failure, Callback callback) {
      AssertionError e = new AssertionError(what + " failed with error " + error + " (" + reason + ")", failure);
      status.completeExceptionally(e);
      body.completeExceptionally(e);
      reset.completeExceptionally(e);
      callback.succeeded();
    }
  }

  /**
   * Sends a body of {@code length} bytes to POST /store/{key} on {@code session}, as Jetty's
   * low-level HTTP/2 client shows the frames, until the server resets the stream; returns what came.
   */
  private static Refused refusedUpload(Session session, URI base, String key, long length) throws Exception {
    Answer answer = new Answer("the stream");
    CompletableFuture<Integer> reset = answer.reset;
    MetaData.Request request = new MetaData.Request("POST", HttpURI.from(base + "/store/" + key),
        HttpVersion.HTTP_2, HttpFields.build().put(HttpHeader.CONTENT_LENGTH, length), length);
    Stream stream = session.newStream(new HeadersFrame(request, null, false), answer).get(10, TimeUnit.SECONDS);
    long sent = 0;
    while (sent < length && !reset.isDone()) {
      int n = (int) Math.min(256 * 1024, length - sent);
      CompletableFuture<Stream> frame =
          stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap(HUGE, 0, n), sent + n == length));
      try {
        // the reset may leave a frame that waits for a window neither sent nor failed: wait
        // for whichever comes first (a machine under load let the reset come in between)
        CompletableFuture.anyOf(frame, reset).get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        break; // the stream was reset while this frame waited for a window
      }
      if (!frame.isDone()) {
        break;
      }
      sent += n;
    }
    return new Refused(answer.status.get(30, TimeUnit.SECONDS), answer.body.get(30, TimeUnit.SECONDS),
        reset.get(30, TimeUnit.SECONDS), sent, answer.resetAfterAnswer);
  }

  private static void assertRefusedPastTheBound(Refused r, long length) {
    assertEquals(413, r.status());
    assertEquals("the request body is " + length + " bytes; the limit is " + LIMIT + " (--max-body-bytes)\n", r.body());
    assertEquals(ErrorCode.NO_ERROR.code, r.resetError(), "the reset's error code");
    assertTrue(r.resetAfterAnswer(), "the reset comes after the whole answer");
    assertTrue(r.sent() < length, "the client stopped sending at the reset: " + r.sent());
  }

  /** Opens a session with Jetty's low-level HTTP/2 client, runs {@code use}, and says whether the server sent GOAWAY. */
  private static void withSession(TestServer s, SessionUse use) throws Exception {
    HTTP2Client h2 = new HTTP2Client();
    h2.start();
    try {
      CompletableFuture<String> goAway = new CompletableFuture<>();
      FuturePromise<Session> connected = new FuturePromise<>();
      h2.connect(new InetSocketAddress("127.0.0.1", s.server.port()), new Session.Listener() {
        @Override
        public void onGoAway(Session session, GoAwayFrame frame) {
          goAway.complete(frame.toString());
        }
      }, connected);
      use.accept(connected.get(10, TimeUnit.SECONDS));
      assertFalse(goAway.isDone(), () -> "the server closed the connection: " + goAway.join());
    } finally {
      h2.stop();
    }
  }

  private interface SessionUse {
    void accept(Session session) throws Exception;
  }

  /** GET /health on {@code session}: the connection still serves. */
  private static int health(Session session, URI base) throws Exception {
    Answer answer = new Answer("GET /health");
    MetaData.Request request = new MetaData.Request("GET", HttpURI.from(base + "/health"), HttpVersion.HTTP_2, HttpFields.EMPTY);
    session.newStream(new HeadersFrame(request, null, true), answer).get(10, TimeUnit.SECONDS);
    return answer.status.get(30, TimeUnit.SECONDS);
  }

  /**
   * Past the drain bound (16 MiB here) the answer still comes first, and the stream is then reset
   * with NO_ERROR, not CANCEL: Jetty's low-level HTTP/2 client shows the frames as they come.
   */
  @Test
  void pastTheDrainBoundTheAnswerIsFollowedByAResetWithNoError() throws Exception {
    try (TestServer s = new TestServer(dir.resolve("bound"), "--max-body-bytes", Integer.toString(LIMIT))) {
      assertEquals(Math.max(ApiHandler.DRAIN_AFTER_ANSWER_MIN_BYTES, 16L * LIMIT), 16L << 20);
      long length = 24L << 20;
      withSession(s, session -> {
        for (int round = 0; round < 3; round++) {
          assertRefusedPastTheBound(refusedUpload(session, s.server.uri(), "past-bound", length), length);
        }
        assertEquals(200, health(session, s.server.uri()));
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
        withSession(s, session -> {
          List<java.util.concurrent.Future<Refused>> refused = new java.util.ArrayList<>();
          for (int i = 0; i < uploads; i++) {
            String key = "at-once-" + i;
            refused.add(clients.submit(() -> refusedUpload(session, s.server.uri(), key, length)));
          }
          for (var r : refused) {
            assertRefusedPastTheBound(r.get(60, TimeUnit.SECONDS), length);
          }
          assertEquals(200, health(session, s.server.uri()));
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
