package io.inkv.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.replication.Replication;
import io.inkv.replication.ReplicatedStore;
import io.inkv.replication.ReplicationConfig;
import io.inkv.replication.testkit.KafkaTestBroker;
import io.inkv.store.StoreOptions;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * POST /store/{key} in replicated mode, against a real (in-process KRaft) broker: the route is
 * answered from Kafka's acknowledgement rather than by a waiting thread, and keeps the durability
 * contract: a 200 means the topic has the write (another replica opened afterwards holds every
 * acknowledged write), and a write Kafka does not acknowledge is answered 503, never 200.
 */
class ReplicatedWritesTest {
  @Test
  void everyWriteAnswered200IsInTheTopicWhenManyArriveAtOnce(@TempDir Path dir) throws Exception {
    String bootstrap = KafkaTestBroker.shared().bootstrapServers();
    String prefix = "inkv.rw" + ProcessHandle.current().pid() + ".";
    int writes = 600;
    try (TestServer s = new TestServer(dir.resolve("server"), "--kafka-bootstrap", bootstrap, "--kafka-partitions", "2",
        "--kafka-topic-prefix", prefix,
        // every write is in flight at once, waiting for Kafka: the limit must not refuse any of them
        "--concurrency", String.valueOf(writes + 16))) {
      assertEquals(200, s.post("/store/first", "opens the store").statusCode());
      List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
      for (int i = 0; i < writes; i++) {
        answers.add(s.http.sendAsync(s.request("/store/k" + i)
            .POST(HttpRequest.BodyPublishers.ofString("v" + i, UTF_8)).build(), HttpResponse.BodyHandlers.ofString(UTF_8)));
      }
      for (int i = 0; i < writes; i++) {
        HttpResponse<String> answer = answers.get(i).get(60, TimeUnit.SECONDS);
        assertEquals(200, answer.statusCode(), "write " + i + ": " + answer.body());
      }
      ReplicationConfig config = ReplicationConfig.builder("cache", bootstrap).topic(prefix + "cache")
          .startupWait(Duration.ofSeconds(60)).build();
      // opened after every 200: it is ready once it applied the topic as it was when it opened
      try (ReplicatedStore replica = Replication.replicate(StoreOptions.builder(dir.resolve("replica")).open(), config)) {
        assertTrue(replica.isReady());
        for (int i = 0; i < writes; i++) {
          byte[] v = replica.get(("k" + i).getBytes(UTF_8));
          assertEquals("v" + i, v == null ? null : new String(v, UTF_8), "acknowledged write " + i + " in the topic");
          assertEquals("v" + i, s.get("/get/k" + i).body());
        }
      }
    }
  }

  @Test
  void aWriteKafkaDoesNotAcknowledgeIsAnswered503AndTheServerReadsItsOwnWrite(@TempDir Path dir) throws Exception {
    KafkaTestBroker broker = KafkaTestBroker.start();
    TestServer s;
    try {
      s = new TestServer(dir.resolve("server"), "--kafka-bootstrap", broker.bootstrapServers(),
          "--kafka-property", "delivery.timeout.ms=3000", "--kafka-property", "request.timeout.ms=1000",
          "--kafka-property", "max.block.ms=3000");
      assertEquals(200, s.post("/store/before", "acknowledged").statusCode());
    } finally {
      broker.close();
    }
    try (s) {
      HttpResponse<String> refused = s.post("/store/during", "not acknowledged");
      assertEquals(503, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("Kafka did not acknowledge the write"), refused.body());
      assertEquals("1", refused.headers().firstValue("Retry-After").orElse(null));
      assertEquals("not acknowledged", s.get("/get/during").body(), "the local write stands (docs/replication.md)");
      assertEquals("acknowledged", s.get("/get/before").body());
    }
  }
}
