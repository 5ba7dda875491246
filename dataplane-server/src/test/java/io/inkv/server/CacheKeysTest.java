package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.store.Store;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which bytes a cache key holds: the raw rest of the path after /store/ or /get/, percent-decoded
 * once. Sent by the JDK's client over HTTP/1.1 and over h2c, each key is stored, read back through
 * the same path, and found in the store under exactly the bytes docs/server.md says.
 */
class CacheKeysTest {
  @TempDir static Path dir;
  static TestServer s;

  /** A raw key as it appears in the path, and the bytes it names. */
  private record Case(String raw, String key) {}

  private static final List<Case> ACCEPTED = List.of(
      new Case("a%2Fb", "a/b"),
      new Case("a//b", "a//b"), // an empty segment is part of the key, not collapsed
      new Case("a/b", "a/b"), // the same key as a%2Fb
      new Case("%2E%2E", ".."),
      new Case("..", ".."),
      new Case(".", "."),
      new Case("a/../b", "a/../b"), // dot segments are bytes, not resolved
      new Case("a%2F..%2F..%2Fetc%2Fpasswd", "a/../../etc/passwd"),
      new Case("%252F", "%2F"), // decoded once: %25 is '%'
      new Case("%25", "%"),
      new Case("caf%C3%A9%20%E2%9C%93%F0%9F%98%80", "caf\u00e9 \u2713\ud83d\ude00"), // UTF-8, percent-encoded
      new Case("%3F%23%3B", "?#;"),
      new Case("a;b", "a;b"),
      new Case("back%5Cslash", "back\\slash"),
      new Case("tab%09", "tab\t"),
      new Case("/lead", "/lead"),
      new Case("trail/", "trail/"));

  @BeforeAll
  static void start() {
    s = new TestServer(dir, "--max-key-bytes", "64");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  private static HttpClient client(HttpClient.Version version) throws Exception {
    HttpClient c = HttpClient.newBuilder().version(version).connectTimeout(Duration.ofSeconds(5)).build();
    // the JDK client asks for h2c by upgrade on its first request; the rest use that connection
    HttpResponse<String> warm = c.send(HttpRequest.newBuilder(s.uri("/health")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(version, warm.version());
    return c;
  }

  private static HttpResponse<String> send(HttpClient c, String method, String path, String body) throws Exception {
    // URI.create keeps the path as written: no dot-segment removal, no re-encoding
    HttpRequest r = HttpRequest.newBuilder(URI.create(s.server.uri() + path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build();
    HttpResponse<String> answer = c.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertEquals(c.version(), answer.version(), path);
    return answer;
  }

  private static Store cache() {
    return s.server.stores().find("cache").store;
  }

  private static void everyKeyRoundTrips(HttpClient.Version version) throws Exception {
    HttpClient c = client(version);
    for (Case k : ACCEPTED) {
      String value = version + " " + k.raw();
      HttpResponse<String> put = send(c, "POST", "/store/" + k.raw(), value);
      assertEquals(200, put.statusCode(), k.raw() + ": " + put.body());
      HttpResponse<String> get = send(c, "GET", "/get/" + k.raw(), null);
      assertEquals(200, get.statusCode(), k.raw() + ": " + get.body());
      assertEquals(value, get.body(), k.raw());
      assertArrayEquals(value.getBytes(StandardCharsets.UTF_8), cache().get(k.key().getBytes(StandardCharsets.UTF_8)),
          k.raw() + " is stored under the key '" + k.key() + "'");
    }
    // keys that differ in bytes are different keys: a//b is not a/b
    assertEquals(version + " a//b", send(c, "GET", "/get/a//b", null).body());
    assertEquals(version + " a/b", send(c, "GET", "/get/a%2Fb", null).body());
    assertEquals(version + " ..", send(c, "GET", "/get/%2E%2E", null).body());
  }

  @Test
  void everyKeyRoundTripsOverHttp1() throws Exception {
    everyKeyRoundTrips(HttpClient.Version.HTTP_1_1);
  }

  @Test
  void everyKeyRoundTripsOverH2c() throws Exception {
    everyKeyRoundTrips(HttpClient.Version.HTTP_2);
  }

  private static void aQueryStringIsRefusedNamingIt(HttpClient.Version version) throws Exception {
    HttpClient c = client(version);
    for (String query : List.of("?x=1", "?a=b&c", "?k%3Fv")) {
      for (String method : List.of("POST", "GET")) {
        String path = (method.equals("POST") ? "/store/q-" : "/get/q-") + version + query;
        HttpResponse<String> r = send(c, method, path, method.equals("POST") ? "v" : null);
        assertEquals(400, r.statusCode(), path);
        assertTrue(r.body().startsWith("a key route takes no query string, and a key ends at '?': " + query + ";"), r.body());
        assertTrue(r.body().endsWith("%3F\n"), r.body());
      }
    }
    assertNull(cache().get(("q-" + version).getBytes(StandardCharsets.UTF_8)), "nothing was stored");
    if (version == HttpClient.Version.HTTP_1_1) { // an empty query, which the JDK client does not send
      String[] answer = raw("POST /store/q-empty? HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\nv");
      assertEquals("HTTP/1.1 400 Bad Request", answer[0]);
      assertTrue(answer[1].startsWith("a key route takes no query string, and a key ends at '?': ?;"), answer[1]);
      assertNull(cache().get("q-empty".getBytes(StandardCharsets.UTF_8)), "nothing was stored");
    }
    // an encoded '?' is part of the key
    assertEquals(200, send(c, "POST", "/store/q-" + version + "%3Fx=1", "v").statusCode());
    assertEquals("v", new String(cache().get(("q-" + version + "?x=1").getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
  }

  @Test
  void aQueryStringIsRefusedBeforeAnythingIsStoredOverHttp1() throws Exception {
    aQueryStringIsRefusedNamingIt(HttpClient.Version.HTTP_1_1);
  }

  @Test
  void aQueryStringIsRefusedBeforeAnythingIsStoredOverH2c() throws Exception {
    aQueryStringIsRefusedNamingIt(HttpClient.Version.HTTP_2);
  }

  @Test
  void keysThatAreNotUtf8OrHoldNulAreRefusedNamingTheProblem() throws Exception {
    // Jetty refuses these in the request line already (400), as one line of text...
    for (String rawKey : List.of("%00", "a%00b", "%FF", "%C0%AF", "%ED%A0%80", "a%2", "%zz")) {
      String[] answer = raw("POST /store/" + rawKey + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\nv");
      assertEquals("HTTP/1.1 400 Bad Request", answer[0], rawKey);
      assertTrue(answer[1].endsWith("\n") && answer[1].indexOf('\n') == answer[1].length() - 1, answer[1]);
    }
    // ...and the key's own decoder, which does not rely on Jetty, says what is wrong
    assertEquals("a key cannot hold NUL (%00)", message(() -> ApiHandler.decodeKey("a%00")));
    assertEquals("the key is not UTF-8 once percent-decoded", message(() -> ApiHandler.decodeKey("%C0%AF")));
    assertEquals("the key is not UTF-8 once percent-decoded", message(() -> ApiHandler.decodeKey("%ED%A0%80")));
    assertTrue(message(() -> ApiHandler.decodeKey("a%2")).startsWith("the key has a '%' not followed by two hex digits"));
    assertTrue(message(() -> ApiHandler.decodeKey("%zz")).startsWith("the key has a '%' not followed by two hex digits"));
    assertEquals("the key is empty", message(() -> ApiHandler.decodeKey("")));
    assertArrayEquals("%2F".getBytes(StandardCharsets.UTF_8), ApiHandler.decodeKey("%252F"));
  }

  @Test
  void otherRoutesStillRefuseAnEmptySegment() throws Exception {
    HttpClient c = client(HttpClient.Version.HTTP_1_1);
    HttpResponse<String> r = send(c, "POST", "/stores/users//docs/k", "{\"a\":1}");
    assertEquals(400, r.statusCode());
    assertTrue(r.body().startsWith("the path has an empty segment (//)"), r.body());
  }

  /** Sends raw request bytes; returns the status line and the body. */
  private static String[] raw(String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      String all = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return new String[] {all.substring(0, all.indexOf("\r\n")), all.substring(all.indexOf("\r\n\r\n") + 4)};
    }
  }

  private static String message(Runnable r) {
    try {
      r.run();
    } catch (ApiHandler.HttpError e) {
      assertEquals(400, e.status);
      return e.getMessage();
    }
    throw new AssertionError("no error");
  }
}
