package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.replication.testkit.KafkaTestBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jetty.logging.JettyLogger;
import org.eclipse.jetty.logging.StdErrAppender;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/*
 * The security review of the server (docs/server.md, "Security review"), one test per item:
 * authentication on every route the router has, scopes, failures that say nothing more, no path
 * traversal, size limits, no secret in logs or bodies (the server's log output captured), and TLS
 * that refuses plain text when it is required.
 */
class SecurityReviewTest {
  @TempDir static Path dir;
  static TestServer s;
  static final String WRITER = "writer." + "W".repeat(43);
  static final String READER = "reader." + "R".repeat(43);
  static final String OTHER = "other." + "O".repeat(43);

  @BeforeAll
  static void start() throws Exception {
    Path auth = dir.resolve("auth.txt");
    Files.write(auth, List.of(
        ApiKeys.fileLine("writer", "*", "read,write", WRITER.substring(7), false),
        ApiKeys.fileLine("reader", "*", "read", READER.substring(7), false),
        ApiKeys.fileLine("other", "orders", "read,write", OTHER.substring(6), false)));
    s = new TestServer(dir.resolve("data"), "--auth-file", auth.toString(), "--max-key-bytes", "32",
        "--max-body-bytes", "2048", "--max-field-bytes", "100");
    s.bearer = WRITER;
    assertEquals(204, s.post("/stores/users/docs/d", "{\"n\":1,\"pic\":{\"base64\":\"AAE=\"}}").statusCode());
    assertEquals(200, s.post("/store/k", "v").statusCode());
    assertEquals(201, s.post("/stores/users/images", "").statusCode());
    s.bearer = null;
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  private enum Needs { NOTHING, ANY_KEY, READ, WRITE }

  private record Call(String method, String path, String body, Needs needs) {}

  /**
   * One request per route of the router (the Route enum is what ApiHandler labels every request
   * with), and the scope docs/server.md says it needs. A route added to the router without a row
   * here fails {@link #everyRouteOfTheRouterNeedsTheScopeTheDocsSay}.
   */
  private static Map<Route, Call> routeTable() {
    Map<Route, Call> t = new EnumMap<>(Route.class);
    t.put(Route.ROOT, new Call("GET", "/", null, Needs.NOTHING));
    t.put(Route.HEALTH, new Call("GET", "/health", null, Needs.NOTHING));
    t.put(Route.READY, new Call("GET", "/ready", null, Needs.NOTHING));
    t.put(Route.METRICS, new Call("GET", "/metrics", null, Needs.ANY_KEY));
    t.put(Route.CACHE_STORE, new Call("POST", "/store/k", "v2", Needs.WRITE));
    t.put(Route.CACHE_GET, new Call("GET", "/get/k", null, Needs.READ));
    t.put(Route.DOC_UPSERT, new Call("POST", "/stores/users/docs/d", "{\"n\":2}", Needs.WRITE));
    t.put(Route.DOC_GET, new Call("GET", "/stores/users/docs/d", null, Needs.READ));
    t.put(Route.DOC_DELETE, new Call("DELETE", "/stores/users/docs/gone", null, Needs.WRITE));
    t.put(Route.DOC_DELETE_FIELDS, new Call("DELETE", "/stores/users/docs/gone?fields=n", null, Needs.WRITE));
    t.put(Route.FIELD_GET, new Call("GET", "/stores/users/docs/d/fields/n", null, Needs.READ));
    t.put(Route.FIELD_PUT, new Call("PUT", "/stores/users/docs/d/fields/pic", "xy", Needs.WRITE));
    t.put(Route.MULTI_GET, new Call("POST", "/stores/users/multiget", "{\"keys\":[\"d\"]}", Needs.READ));
    t.put(Route.STORE_CONFIG, new Call("GET", "/stores/users/config", null, Needs.READ));
    t.put(Route.IMAGE_LIST, new Call("GET", "/stores/users/images", null, Needs.READ));
    t.put(Route.IMAGE_GET, new Call("GET", "/stores/users/images/latest", null, Needs.READ));
    t.put(Route.IMAGE_CREATE, new Call("POST", "/stores/users/images", "", Needs.WRITE));
    return t;
  }

  private static HttpResponse<String> call(Call c, String bearer) {
    return call(c.method, c.path, c.body, bearer);
  }

  private static HttpResponse<String> call(String method, String path, String body, String bearer) {
    HttpRequest.Builder b = HttpRequest.newBuilder(s.uri(path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return s.send(b.build());
  }

  private static long counted(Route route, int status) {
    String m = call("GET", "/metrics", null, READER).body();
    String prefix = "inkv_http_requests_total{route=\"" + route.label + "\",status=\"" + status + "\"} ";
    return m.lines().filter(l -> l.startsWith(prefix)).mapToLong(l -> Long.parseLong(l.substring(prefix.length()).trim()))
        .findFirst().orElse(0);
  }

  /** A request is counted when its response completes, which may be just after the client has it. */
  private static void awaitCount(Route route, int status, long expected, String what) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    long now;
    while ((now = counted(route, status)) < expected && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(expected, now, what + " was not counted under route " + route.label);
  }

  @Test
  void everyRouteOfTheRouterNeedsTheScopeTheDocsSay() {
    Map<Route, Call> table = routeTable();
    Set<Route> routed = EnumSet.allOf(Route.class);
    routed.remove(Route.UNMATCHED);
    assertEquals(routed, table.keySet(), "a route of the router has no row in the security table");
    for (Map.Entry<Route, Call> e : table.entrySet()) {
      Route route = e.getKey();
      Call c = e.getValue();
      String what = route + " " + c.method + " " + c.path;
      long before = counted(route, 401);
      HttpResponse<String> none = call(c, null);
      if (c.needs == Needs.NOTHING) {
        assertEquals(200, none.statusCode(), what);
        continue;
      }
      assertEquals(401, none.statusCode(), what + " without a key");
      assertEquals("unauthorized\n", none.body(), what);
      // the request reached the route the table names (so the row tests what it claims to)
      awaitCount(route, 401, before + 1, what);
      assertEquals(401, call(c, "writer.wrong-secret").statusCode(), what + " with a wrong secret");
      HttpResponse<String> reader = call(c, READER);
      HttpResponse<String> other = call(c, OTHER);
      if (c.needs == Needs.WRITE) {
        assertEquals(403, reader.statusCode(), what + " with a read-only key");
        assertEquals("forbidden\n", reader.body(), what);
        assertEquals(403, other.statusCode(), what + " with a key for another store");
      } else if (c.needs == Needs.READ) {
        assertTrue(reader.statusCode() < 400, what + " with a read key: " + reader.statusCode() + " " + reader.body());
        assertEquals(403, other.statusCode(), what + " with a key for another store");
      } else {
        assertEquals(200, reader.statusCode(), what);
        assertEquals(200, other.statusCode(), what + ": any valid key");
      }
      int w = call(c, WRITER).statusCode();
      assertTrue(w != 401 && w != 403, what + " with the write key: " + w);
    }
  }

  @Test
  void noMethodOnAnyRoutePathWritesWithoutAKey() throws Exception {
    String before = call("GET", "/stores/users/docs/d", null, READER).body();
    String cached = call("GET", "/get/k", null, READER).body();
    int images = call("GET", "/stores/users/images", null, READER).body().split("\"id\"").length;
    for (Call c : routeTable().values()) {
      for (String method : List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")) {
        for (String bearer : new String[] {null, READER, OTHER}) {
          HttpResponse<String> r = call(method, c.path, "{\"n\":99}", bearer);
          boolean mayPass;
          if (c.needs == Needs.NOTHING) {
            mayPass = true;
          } else if (bearer == null) {
            mayPass = false;
          } else if (c.needs == Needs.ANY_KEY) {
            mayPass = true;
          } else if (bearer.equals(OTHER)) {
            mayPass = false; // a key for another store opens nothing here, whatever the method
          } else { // the read-only key: reads (multi-get is a POST) but no write
            mayPass = !Set.of("POST", "PUT", "DELETE", "PATCH").contains(method) || c.path.endsWith("/multiget");
          }
          if (!mayPass) {
            assertTrue(r.statusCode() >= 400, method + " " + c.path + " as " + bearer + ": " + r.statusCode());
          }
        }
      }
    }
    assertEquals(before, call("GET", "/stores/users/docs/d", null, READER).body());
    assertEquals(cached, call("GET", "/get/k", null, READER).body());
    assertEquals(images, call("GET", "/stores/users/images", null, READER).body().split("\"id\"").length);
  }

  @Test
  void failuresSayNothingAboutWhyTheyFailed() {
    List<HttpResponse<String>> unauthorized = new ArrayList<>();
    for (String header : new String[] {null, "", "Bearer", "Bearer ", "Bearer writer", "Bearer writer.", "Bearer .x",
        "Bearer writer.wrong", "Bearer nobody." + "W".repeat(43), "Basic d3JpdGVyOng=", "bearer reader.R",
        "Bearer " + "x".repeat(600), "Bearer writer." + "W".repeat(42)}) {
      HttpRequest.Builder b = s.request("/stores/users/docs/d");
      if (header != null && !header.isEmpty()) {
        b.header("Authorization", header);
      }
      unauthorized.add(s.send(b.GET().build()));
    }
    HttpResponse<String> first = unauthorized.get(0);
    for (HttpResponse<String> r : unauthorized) {
      assertEquals(401, r.statusCode());
      assertEquals("unauthorized\n", r.body());
      assertEquals(names(first), names(r), "the headers of a 401 differ with the cause");
      assertEquals("Bearer realm=\"inkv\"", r.headers().firstValue("www-authenticate").orElseThrow());
    }
    // a key for another store: the same 403 whether or not the store exists, or the key could write it
    List<HttpResponse<String>> forbidden = List.of(call("GET", "/stores/users/docs/d", null, OTHER),
        call("GET", "/stores/no-such-store/docs/d", null, OTHER), call("POST", "/stores/no-such/docs/d", "{}", OTHER),
        call("POST", "/stores/users/docs/d", "{\"n\":5}", READER), call("DELETE", "/stores/no-such/docs/d", null, READER));
    for (HttpResponse<String> r : forbidden) {
      assertEquals(403, r.statusCode());
      assertEquals("forbidden\n", r.body());
      assertEquals(names(forbidden.get(0)), names(r));
    }
  }

  private static Set<String> names(HttpResponse<String> r) {
    Set<String> n = new TreeSet<>(r.headers().map().keySet());
    n.remove("date");
    n.remove("connection"); // "close" when the request had a body the server did not read: says nothing of why
    return n;
  }

  @Test
  void storeNamesThatReachOutsideTheDataDirectoryAreRefusedBeforeAnyFileIsTouched() throws Exception {
    Set<String> before = allFiles(dir);
    for (String name : new String[] {"..", "%2e%2e", "%2E%2e", ".%2e", "%2e.", "..%2f..", "%2e%2e%2f%2e%2e%2ftmp", "a%2f..%2f..",
        "%00", "a%00", ".images", "..%5c..", "%c0%ae%c0%ae", "%EF%BC%A1", "x".repeat(64), "-rf", ".", "%2e"}) {
      for (String path : new String[] {"/stores/" + name + "/docs/k", "/stores/" + name + "/docs/k/fields/f",
          "/stores/" + name + "/images", "/stores/" + name + "/config", "/stores/" + name + "/multiget"}) {
        for (String method : new String[] {"POST", "PUT", "GET", "DELETE"}) {
          HttpResponse<String> r;
          try {
            r = call(method, path, "{\"keys\":[\"k\"],\"n\":1}", WRITER);
          } catch (AssertionError e) {
            throw new AssertionError(method + " " + path + ": no HTTP answer", e);
          }
          assertTrue(r.statusCode() == 400 || r.statusCode() == 404 || r.statusCode() == 405,
              method + " " + path + ": " + r.statusCode() + " " + r.body());
        }
      }
    }
    Set<String> after = allFiles(dir);
    after.removeIf(p -> p.contains("/data/users/") || p.contains("/data/cache/") || p.contains("/data/.images/"));
    before.removeIf(p -> p.contains("/data/users/") || p.contains("/data/cache/") || p.contains("/data/.images/"));
    assertEquals(before, after, "a file appeared or went away");
    try (Stream<Path> top = Files.list(dir.resolve("data"))) {
      top.forEach(p -> assertTrue(p.getFileName().toString().equals(".images") || StoreNames.isValid(p.getFileName().toString())
          || (p.getFileName().toString().equals(DataDirectoryLock.FILE) && Files.isRegularFile(p)), p.toString()));
    }
  }

  private static Set<String> allFiles(Path root) throws IOException {
    try (Stream<Path> w = Files.walk(root)) {
      return w.map(Path::toString).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
    }
  }

  @Test
  void everyLimitIsAnswered413Or400NamingTheLimit() throws Exception {
    HttpResponse<String> body = call("POST", "/stores/users/docs/big", "{\"s\":\"" + "x".repeat(2100) + "\"}", WRITER);
    assertEquals(413, body.statusCode());
    assertTrue(body.body().contains("--max-body-bytes") && body.body().contains("2048"), body.body());
    HttpResponse<String> cache = call("POST", "/store/big", "x".repeat(2049), WRITER);
    assertEquals(413, cache.statusCode());
    assertTrue(cache.body().contains("--max-body-bytes"), cache.body());
    HttpResponse<String> key = call("POST", "/stores/users/docs/" + "k".repeat(33), "{\"n\":1}", WRITER);
    assertEquals(400, key.statusCode());
    assertTrue(key.body().contains("--max-key-bytes") && key.body().contains("32"), key.body());
    HttpResponse<String> cacheKey = call("GET", "/get/" + "%C3%A9".repeat(17), null, WRITER); // 34 UTF-8 bytes
    assertEquals(400, cacheKey.statusCode());
    assertTrue(cacheKey.body().contains("--max-key-bytes"), cacheKey.body());
    HttpResponse<String> multi = call("POST", "/stores/users/multiget", "{\"keys\":[\"" + "k".repeat(33) + "\"]}", WRITER);
    assertEquals(400, multi.statusCode());
    assertTrue(multi.body().contains("--max-key-bytes"), multi.body());
    HttpResponse<String> field = call("POST", "/stores/users/docs/f", "{\"s\":\"" + "x".repeat(101) + "\"}", WRITER);
    assertEquals(413, field.statusCode());
    assertTrue(field.body().contains("--max-field-bytes") || field.body().contains("100"), field.body());
    HttpResponse<String> raw = call("PUT", "/stores/users/docs/f/fields/pic", "y".repeat(101), WRITER);
    assertEquals(413, raw.statusCode());
    // a header block over 16 KiB, from Jetty, in the API's plain-text form
    HttpResponse<String> header = s.send(s.request("/health").header("X-Big", "v".repeat(17 * 1024)).GET().build());
    assertEquals(431, header.statusCode());
    assertTrue(header.headers().firstValue("content-type").orElse("").startsWith("text/plain"), header.headers().map().toString());
    assertFalse(header.body().contains("<"), header.body());
    assertEquals(404, call("GET", "/stores/users/docs/big", null, WRITER).statusCode());
    assertEquals(404, call("GET", "/stores/users/docs/f", null, WRITER).statusCode());
  }

  // -----------------------------------------------------------------------------------------------
  // Secrets: the server's log output captured while it starts with every kind of secret, serves
  // good and bad keys, fails, and stops

  static final class LogCapture implements AutoCloseable {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final StdErrAppender appender;
    private final PrintStream original;

    LogCapture() {
      appender = (StdErrAppender) ((JettyLogger) LoggerFactory.getLogger("io.inkv.server")).getAppender();
      original = appender.getStream() != null ? appender.getStream() : System.err;
      PrintStream both = new PrintStream(new OutputStream() {
        @Override
        public synchronized void write(int b) {
          bytes.write(b);
          original.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
          bytes.write(b, off, len);
          original.write(b, off, len);
        }
      }, true, StandardCharsets.UTF_8);
      appender.setStream(both);
    }

    String text() {
      synchronized (this) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
    }

    @Override
    public void close() {
      appender.setStream(original);
    }
  }

  @Test
  void noSecretReachesTheLogsOrAnyAnswer(@TempDir Path other) throws Exception {
    String tlsPassword = "tls-Pa55word-" + System.nanoTime();
    String saslPassword = "sasl-Pa55word-" + System.nanoTime();
    String truststorePassword = "trust-Pa55word-" + System.nanoTime();
    String apiSecret = "api-Secret-" + System.nanoTime();
    String guessedSecret = "guessed-Secret-" + System.nanoTime();
    String pbkdf2Secret = "human-chosen-Secret-" + System.nanoTime();
    Path keystore = other.resolve("server.p12");
    TestKeystores.selfSigned(keystore, tlsPassword);
    Path passwordFile = Files.writeString(other.resolve("tls-password"), tlsPassword + "\n");
    Path auth = other.resolve("auth.txt");
    Files.write(auth, List.of(ApiKeys.fileLine("app", "*", "read,write", apiSecret, false),
        ApiKeys.fileLine("human", "*", "read", pbkdf2Secret, true)));
    String authFile = Files.readString(auth);
    assertFalse(authFile.contains(apiSecret) || authFile.contains(pbkdf2Secret), "the auth file holds a secret");

    List<String> bodies = new ArrayList<>();
    String log;
    KafkaTestBroker kafka = KafkaTestBroker.start();
    try (LogCapture capture = new LogCapture()) {
      // TLS, API keys and Kafka client credentials on one server (the broker is plain text: the
      // SASL and trust store settings are carried, unused, as a deployment's would be)
      try (TestServer t = new TestServer(other.resolve("data"), "--auth-file", auth.toString(),
          "--tls-keystore", keystore.toString(), "--tls-keystore-password-file", passwordFile.toString(),
          "--kafka-bootstrap", kafka.bootstrapServers(), "--kafka-partitions", "1",
          "--kafka-property", "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
              + "username=\"inkv\" password=\"" + saslPassword + "\";",
          "--kafka-property", "ssl.truststore.password=" + truststorePassword)) {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
          ks.load(in, tlsPassword.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext trusting = SSLContext.getInstance("TLS");
        trusting.init(null, tmf.getTrustManagers(), null);
        HttpClient https = HttpClient.newBuilder().sslContext(trusting).connectTimeout(Duration.ofSeconds(5)).build();
        URI base = t.server.uri();
        for (String[] c : new String[][] {
            {"POST", "/stores/users/docs/a", "{\"n\":1}", "app." + apiSecret},
            {"GET", "/stores/users/docs/a", null, "app." + apiSecret},
            {"GET", "/stores/users/docs/a", null, "human." + pbkdf2Secret},
            {"GET", "/stores/users/docs/a", null, "app." + guessedSecret},
            {"GET", "/stores/users/docs/a", null, "human." + guessedSecret},
            {"GET", "/stores/users/docs/a", null, "nobody." + guessedSecret},
            {"POST", "/stores/users/docs/a", "{\"n\":", "app." + apiSecret},
            {"POST", "/stores/users/docs/b", "{\"n\":1}", "human." + pbkdf2Secret},
            {"GET", "/stores/users/config", null, "app." + apiSecret},
            {"GET", "/metrics", null, "app." + apiSecret},
            {"GET", "/stores/%2e%2e/config", null, "app." + apiSecret},
            {"GET", "/nothing", null, guessedSecret}}) {
          HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(c[1])).timeout(Duration.ofSeconds(60))
              .method(c[0], c[2] == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(c[2]))
              .header("Authorization", "Bearer " + c[3]);
          HttpResponse<String> r = https.send(b.build(), HttpResponse.BodyHandlers.ofString());
          assertNotEquals(500, r.statusCode(), c[1] + ": " + r.body());
          bodies.add(r.statusCode() + " " + r.headers().map() + " " + r.body());
        }
        String config = bodies.get(8);
        assertTrue(config.contains("\"replicated\":true"), config);
      }
      // a start-up that fails on the TLS password says so without the password
      Path wrong = Files.writeString(other.resolve("wrong-password"), "not-" + tlsPassword);
      ServerException e = org.junit.jupiter.api.Assertions.assertThrows(ServerException.class, () -> new TestServer(
          other.resolve("data2"), "--tls-keystore", keystore.toString(), "--tls-keystore-password-file", wrong.toString()));
      assertTrue(e.getMessage().startsWith("--tls-keystore"), e.getMessage());
      bodies.add(e.getMessage());
      // a malformed --kafka-property is refused without repeating its value
      bodies.add(org.junit.jupiter.api.Assertions.assertThrows(ServerOptions.UsageException.class, () -> ServerOptions.parse(
          "--kafka-bootstrap", "h:1", "--kafka-property", "sasl.password:" + saslPassword)).getMessage());
      log = capture.text();
    } finally {
      kafka.close();
    }
    assertTrue(log.contains("inkv server listening on https://"), "the capture holds the server's log:\n" + log);
    assertTrue(log.contains("API keys from"), log);
    for (String secret : List.of(tlsPassword, saslPassword, truststorePassword, apiSecret, guessedSecret, pbkdf2Secret)) {
      assertFalse(log.contains(secret), "a secret is in the log: " + secret);
      for (String b : bodies) {
        assertFalse(b.contains(secret), "a secret is in an answer or error: " + b);
      }
    }
  }

  // -----------------------------------------------------------------------------------------------

  @Test
  void whenTlsIsRequiredAPlainTextConnectionGetsNoHttpAnswer(@TempDir Path other) throws Exception {
    Path keystore = other.resolve("server.p12");
    TestKeystores.selfSigned(keystore, "changeit-123");
    Path password = Files.writeString(other.resolve("pw"), "changeit-123");
    try (TestServer t = new TestServer(other.resolve("data"), "--tls-keystore", keystore.toString(),
        "--tls-keystore-password-file", password.toString())) {
      for (String plain : new String[] {"GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
          "POST /store/k HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nv",
          "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", // the h2c preface
          "GET /health HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: \r\n\r\n"}) {
        try (Socket socket = new Socket("127.0.0.1", t.server.port())) {
          socket.setSoTimeout(10_000);
          socket.getOutputStream().write(plain.getBytes(StandardCharsets.US_ASCII));
          byte[] answer = readAll(socket.getInputStream());
          String text = new String(answer, StandardCharsets.ISO_8859_1);
          assertFalse(text.contains("HTTP/"), "an HTTP answer in clear: " + text);
          // nothing, or a TLS alert record (content type 21), then the connection closes
          assertTrue(answer.length == 0 || answer[0] == 21, "not a TLS alert: " + text);
        }
      }
      assertEquals(null, t.server.stores().find("cache"), "a plain-text write reached a store");
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    try {
      for (int n; (n = in.read(buf)) >= 0;) {
        out.write(buf, 0, n);
      }
    } catch (java.net.SocketException e) {
      // reset by the server: what arrived stands
    }
    return out.toByteArray();
  }
}
