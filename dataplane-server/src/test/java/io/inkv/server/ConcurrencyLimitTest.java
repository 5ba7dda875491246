package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Past --concurrency requests in flight, the next is answered 503 at once; probes still answer. */
class ConcurrencyLimitTest {
  @Test
  void aRequestPastTheLimitIsRefusedAtOnceWithRetryAfter(@TempDir Path dir) throws Exception {
    try (TestServer s = new TestServer(dir, "--concurrency", "2")) {
      assertEquals(200, s.post("/store/warm-up", "x").statusCode()); // the cache store is open
      // The warm-up's slot is released just after its response reaches the client; wait for it, and
      // for each slow request to be counted, so the third request meets exactly two in flight.
      awaitInFlight(s, 0);
      Socket[] slow = new Socket[2];
      for (int i = 0; i < 2; i++) {
        slow[i] = new Socket("127.0.0.1", s.server.port());
        slow[i].setSoTimeout(10_000);
        OutputStream out = slow[i].getOutputStream();
        // headers and 1 of 10 body bytes: the request is in flight, waiting for the rest
        out.write(("POST /store/slow-" + i + " HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nx")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        awaitInFlight(s, i + 1);
      }
      HttpResponse<String> r = s.get("/get/anything");
      assertEquals(503, r.statusCode(), () -> s.get("/metrics").body().lines()
          .filter(l -> l.startsWith("inkv_http_requests_")).collect(java.util.stream.Collectors.joining("\n")));
      assertEquals("1", r.headers().firstValue("retry-after").orElseThrow());
      assertTrue(r.body().contains("concurrency limit reached: 2 requests in flight (--concurrency)"), r.body());
      assertEquals(200, s.get("/health").statusCode());
      assertEquals(200, s.get("/ready").statusCode());
      assertTrue(s.get("/metrics").body().contains("inkv_http_requests_rejected_total "));

      for (int i = 0; i < 2; i++) {
        slow[i].getOutputStream().write("123456789".getBytes(StandardCharsets.US_ASCII));
        slow[i].getOutputStream().flush();
        String head = CacheRoutesTest.readHead(slow[i].getInputStream());
        assertTrue(head.startsWith("HTTP/1.1 200"), head);
        slow[i].close();
      }
      assertEquals("x123456789", s.get("/get/slow-0").body());
      assertEquals(404, s.get("/get/anything").statusCode());
    }
  }

  private static void awaitInFlight(TestServer s, int n) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    String line = "\ninkv_http_requests_in_flight " + n + "\n";
    while (!s.get("/metrics").body().contains(line)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never saw " + n + " requests in flight:\n" + s.get("/metrics").body());
      }
      Thread.sleep(10);
    }
  }
}
