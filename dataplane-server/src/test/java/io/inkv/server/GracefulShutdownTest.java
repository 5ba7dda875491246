package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a server JVM under write load: requests in flight complete, every write that was
 * answered 200 is in the store afterwards, and the store closes cleanly.
 */
class GracefulShutdownTest {
  private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)");

  private static String readLog(Path file) {
    try {
      Thread.sleep(2000);
      return Files.readString(file);
    } catch (Exception e) {
      return e.toString();
    }
  }

  @Test
  void sigtermUnderLoadFinishesRequestsInFlightAndLosesNoAcknowledgedWrite(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    Path logFile = dir.resolve("server.log");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "--port", "0", "--data-dir", data.toString(), "--shutdown-timeout", "20s")
        .redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try {
        for (int i = 0; i < 600 && !port.isDone(); i++) {
          Matcher m = LISTENING.matcher(Files.readString(logFile));
          if (m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
          Thread.sleep(100);
        }
      } catch (Exception e) {
        port.completeExceptionally(e);
      }
      port.completeExceptionally(new AssertionError("the server did not start"));
    });
    reader.start();
    try {
      int serverPort = port.get(60, TimeUnit.SECONDS);
      URI base = URI.create("http://127.0.0.1:" + serverPort);
      Map<String, String> acknowledged = new ConcurrentHashMap<>();
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> writers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int id = t;
        Thread w = new Thread(() -> {
          HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
          for (int i = 0; !stop.get() && i < 1_000_000; i++) {
            String key = "t" + id + "-" + i;
            String value = "value of " + key;
            try {
              HttpResponse<String> r = c.send(HttpRequest.newBuilder(base.resolve("/store/" + key))
                  .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(value)).build(),
                  HttpResponse.BodyHandlers.ofString());
              if (r.statusCode() == 200) {
                acknowledged.put(key, value);
              }
            } catch (java.io.IOException e) {
              if (!p.isAlive()) {
                return;
              }
            } catch (InterruptedException e) {
              return;
            }
          }
        });
        w.start();
        writers.add(w);
      }
      while (acknowledged.size() < 2000) {
        Thread.sleep(10);
      }
      // a request in flight when the signal comes: headers and half its body sent
      try (Socket slow = new Socket("127.0.0.1", serverPort)) {
        slow.setSoTimeout(30_000);
        OutputStream out = slow.getOutputStream();
        out.write("POST /store/in-flight HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf-".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        Thread.sleep(200);
        p.destroy(); // SIGTERM
        Thread.sleep(300); // well under the 1 s a connection may stay silent while the server stops
        assertTrue(p.isAlive(), "the server waits for the request in flight");
        out.write("done!".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String head = CacheRoutesTest.readHead(slow.getInputStream());
        assertTrue(head.startsWith("HTTP/1.1 200"), () -> head + readLog(logFile));
      }
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the server exits");
      stop.set(true);
      for (Thread w : writers) {
        w.join(30_000);
      }
      String all = Files.readString(logFile);
      assertTrue(all.contains("store 'cache' flushed and closed"), all);
      assertTrue(acknowledged.size() >= 2000);
      try (Store store = StoreOptions.builder(data.resolve("cache")).open()) {
        store.verify();
        for (Map.Entry<String, String> e : acknowledged.entrySet()) {
          assertArrayEquals(e.getValue().getBytes(StandardCharsets.UTF_8),
              store.get(e.getKey().getBytes(StandardCharsets.UTF_8)), e.getKey());
        }
        assertEquals("half-done!", new String(store.get("in-flight".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
      }
    } finally {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
