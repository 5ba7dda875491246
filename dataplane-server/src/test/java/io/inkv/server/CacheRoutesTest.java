package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The routes of the small HTTP cache the server replaces, on HTTP/1.1 and h2c, and their limits. */
class CacheRoutesTest {
  @TempDir static Path dir;
  static TestServer s;

  @BeforeAll
  static void start() {
    s = new TestServer(dir, "--max-body-bytes", "1000", "--max-key-bytes", "16");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  @Test
  void rootAnswersWithAShortText() {
    HttpResponse<String> r = s.get("/");
    assertEquals(200, r.statusCode());
    assertTrue(r.body().startsWith("inkv data-plane server"), r.body());
  }

  @Test
  void aStoredBodyIsReadBackByteForByte() {
    byte[] body = {0, 1, 2, (byte) 0xff, 'x', '\n'};
    HttpResponse<String> put = s.post("/store/k-bytes", body);
    assertEquals(200, put.statusCode());
    assertEquals("", put.body());
    HttpResponse<byte[]> get = s.getBytes("/get/k-bytes");
    assertEquals(200, get.statusCode());
    assertEquals("application/octet-stream", get.headers().firstValue("content-type").orElseThrow());
    assertArrayEquals(body, get.body());
  }

  @Test
  void aLaterStoreReplacesTheValue() {
    s.post("/store/twice", "one");
    s.post("/store/twice", "two");
    assertEquals("two", s.get("/get/twice").body());
  }

  @Test
  void anEmptyBodyIsAValueToo() {
    assertEquals(200, s.post("/store/empty", new byte[0]).statusCode());
    HttpResponse<String> r = s.get("/get/empty");
    assertEquals(200, r.statusCode());
    assertEquals("", r.body());
  }

  @Test
  void anAbsentKeyIsNotFound() {
    HttpResponse<String> r = s.get("/get/never-stored");
    assertEquals(404, r.statusCode());
    assertEquals("not found\n", r.body());
  }

  @Test
  void keysArePercentDecodedUtf8() {
    assertEquals(200, s.post("/store/caf%C3%A9", "x").statusCode());
    assertEquals("x", s.get("/get/caf%C3%A9").body());
  }

  @Test
  void theWrongMethodIsRefusedWithAllow() {
    HttpResponse<String> r = s.get("/store/k");
    assertEquals(405, r.statusCode());
    assertEquals("POST", r.headers().firstValue("allow").orElseThrow());
    HttpResponse<String> r2 = s.post("/get/k", "x");
    assertEquals(405, r2.statusCode());
    assertEquals("GET", r2.headers().firstValue("allow").orElseThrow());
  }

  @Test
  void anUnknownPathIsNotFound() {
    assertEquals(404, s.get("/nothing/here").statusCode());
  }

  @Test
  void anEmptyKeyIsABadRequest() {
    HttpResponse<String> r = s.post("/store/", "x");
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("key is empty"), r.body());
  }

  @Test
  void aKeyOverTheLimitIsRefusedNamingTheLimit() {
    HttpResponse<String> r = s.post("/store/" + "k".repeat(17), "x");
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("--max-key-bytes") && r.body().contains("16"), r.body());
  }

  @Test
  void aDeclaredBodyOverTheLimitIsRefusedWith413() {
    HttpResponse<String> r = s.post("/store/big", new byte[1001]);
    assertEquals(413, r.statusCode());
    assertTrue(r.body().contains("--max-body-bytes") && r.body().contains("1000"), r.body());
    assertEquals(404, s.get("/get/big").statusCode());
  }

  @Test
  void aChunkedBodyOverTheLimitIsCutOffWith413() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /store/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      for (int i = 0; i < 3; i++) {
        out.write(("190\r\n" + "a".repeat(400) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      }
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String head = readHead(socket.getInputStream());
      assertTrue(head.startsWith("HTTP/1.1 413"), head);
    }
    assertEquals(404, s.get("/get/chunked").statusCode());
  }

  /*
   * POST /store/{key} runs on the selector thread when its body is already there; these two cover
   * the ways out of that path: a body still on the wire (read on demand) and a write gate held by an
   * index image (the put waits on a pool thread, while reads go on).
   */
  @Test
  void aBodyThatArrivesAfterItsHeadersIsStored() throws Exception {
    assertEquals(200, s.post("/store/warm", "opens the cache store").statusCode());
    try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
      socket.setSoTimeout(10_000);
      socket.setTcpNoDelay(true);
      OutputStream out = socket.getOutputStream();
      out.write("POST /store/late HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\nhello"
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Thread.sleep(300);
      out.write(", world".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String head = readHead(socket.getInputStream());
      assertTrue(head.startsWith("HTTP/1.1 200"), head);
    }
    assertEquals("hello, world", s.get("/get/late").body());
  }

  @Test
  void storesAndReadsGoOnWhileIndexImagesAreBuilt() throws Exception {
    ServedStore cache = s.server.stores().find("cache");
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicInteger built = new AtomicInteger();
    Thread images = new Thread(() -> {
      try {
        while (!stop.get()) {
          s.server.images().build(cache);
          built.incrementAndGet();
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    images.start();
    try {
      for (int i = 0; i < 300 || built.get() < 3; i++) {
        HttpResponse<String> stored = s.post("/store/img-" + i, "v" + i);
        assertEquals(200, stored.statusCode(), stored.body());
        assertEquals("v" + i, s.get("/get/img-" + i).body());
      }
    } finally {
      stop.set(true);
      images.join();
    }
    assertNull(failure.get());
  }

  @Test
  void aStoreDuringAnIndexImageIsAcknowledgedAndKept() throws Exception {
    ServedStore cache = s.server.stores().find("cache");
    assertEquals(200, s.post("/store/pre-image", "v0").statusCode());
    CompletableFuture<ReplicaImages.ImageInfo> image = CompletableFuture.supplyAsync(() -> s.server.images().build(cache));
    HttpResponse<String> during = s.post("/store/mid-image", "v1");
    assertEquals(200, during.statusCode());
    assertNotNull(image.get(30, TimeUnit.SECONDS));
    assertEquals("v0", s.get("/get/pre-image").body());
    assertEquals("v1", s.get("/get/mid-image").body());
  }

  @Test
  void malformedHttpIsRefusedByJetty() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write("GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String head = readHead(socket.getInputStream());
      assertTrue(head.startsWith("HTTP/1.1 400"), head);
    }
  }

  @Test
  void h2cWithPriorKnowledgeServesTheSameRoutes() throws Exception {
    HTTP2Client h2 = new HTTP2Client();
    org.eclipse.jetty.client.HttpClient client = new org.eclipse.jetty.client.HttpClient(new HttpClientTransportOverHTTP2(h2));
    client.start();
    try {
      ContentResponse put = client.newRequest(s.uri("/store/h2c-key")).method(HttpMethod.POST)
          .body(new BytesRequestContent("over h2c".getBytes(StandardCharsets.UTF_8))).timeout(10, TimeUnit.SECONDS).send();
      assertEquals(200, put.getStatus());
      assertEquals("HTTP/2.0", put.getVersion().asString());
      ContentResponse get = client.newRequest(s.uri("/get/h2c-key")).timeout(10, TimeUnit.SECONDS).send();
      assertEquals(200, get.getStatus());
      assertEquals("over h2c", get.getContentAsString());
      assertEquals(404, client.newRequest(s.uri("/get/h2c-absent")).timeout(10, TimeUnit.SECONDS).send().getStatus());
    } finally {
      client.stop();
    }
  }

  @Test
  void h2cByUpgradeServesTheSameRoutes() throws Exception {
    HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    s.post("/store/upgrade-key", "upgraded");
    HttpResponse<String> r = h2.send(HttpRequest.newBuilder(s.uri("/get/upgrade-key")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertEquals("upgraded", r.body());
    assertEquals(HttpClient.Version.HTTP_2, r.version());
  }

  @Test
  void healthAndReadinessAnswerWhenOpen() {
    assertEquals("ok\n", s.get("/health").body());
    HttpResponse<String> ready = s.get("/ready");
    assertEquals(200, ready.statusCode());
    assertEquals("ready\n", ready.body());
  }

  @Test
  void metricsCountRequestsByRouteAndStatus() {
    s.get("/get/metrics-absent");
    HttpResponse<String> r = s.get("/metrics");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("content-type").orElseThrow().startsWith("text/plain; version=0.0.4"));
    String m = r.body();
    assertTrue(m.contains("inkv_http_requests_total{route=\"cache_get\",status=\"404\"}"), m);
    assertTrue(m.contains("inkv_http_request_duration_seconds_bucket{route=\"cache_get\",le=\"+Inf\"}"), m);
    assertTrue(m.contains("inkv_http_requests_in_flight "), m);
    assertTrue(m.contains("inkv_store_entries{store=\"cache\"}"), m);
    assertTrue(m.contains("inkv_ready 1"), m);
  }

  static String readHead(InputStream in) throws java.io.IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      sb.append((char) c);
      if (sb.toString().endsWith("\r\n\r\n")) {
        break;
      }
    }
    return sb.toString();
  }
}
