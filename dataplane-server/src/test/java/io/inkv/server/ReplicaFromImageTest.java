package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.replication.Replication;
import io.inkv.replication.ReplicatedDocumentStore;
import io.inkv.replication.ReplicationConfig;
import io.inkv.replication.testkit.KafkaTestBroker;
import io.inkv.server.client.ImageFetch;
import io.inkv.store.StoreOptions;
import io.inkv.store.document.DocumentStore;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a real (in-process KRaft) Kafka broker: the server runs as a replica of each store's topic,
 * serves an index image with the offsets it reflects, and a new replica bootstraps from the image,
 * resumes from those offsets and tails the topic, instead of replaying it.
 */
class ReplicaFromImageTest {
  static KafkaTestBroker kafka;

  @BeforeAll
  static void startKafka() {
    kafka = KafkaTestBroker.start();
  }

  @AfterAll
  static void stopKafka() {
    kafka.close();
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  @Test
  void aReplicaBootstrapsFromTheNewestImageAndTailsTheTopic(@TempDir Path dir) throws Exception {
    String bootstrap = kafka.bootstrapServers();
    try (TestServer s = new TestServer(dir.resolve("server"), "--kafka-bootstrap", bootstrap, "--kafka-partitions", "2")) {
      assertEquals(200, s.get("/ready").statusCode());
      for (int i = 0; i < 200; i++) {
        assertEquals(204, s.post("/stores/users/docs/u" + i, "{\"n\":" + i + "}").statusCode());
      }
      HttpResponse<String> config = s.get("/stores/users/config");
      assertTrue(config.body().contains("\"replicated\":true") && config.body().contains("\"topic\":\"inkv.users\"")
          && config.body().contains("\"bootstrapServers\":\"" + bootstrap + "\""),
          config.body());
      awaitTrue(() -> s.get("/ready").statusCode() == 200, "the server replica to catch up");
      ServedStore users = s.server.stores().find("users");
      // the applier checkpoints its offsets every few seconds; wait until they cover the 200 writes
      awaitTrue(() -> s.server.imagesWrites().appliedOffsets(users).values().stream().mapToLong(Long::longValue).sum() >= 200,
          "the replication checkpoint");
      HttpResponse<String> image = s.post("/stores/users/images", "");
      assertEquals(201, image.statusCode());
      assertTrue(image.body().contains("\"offsets\":{\"0\":"), image.body());
      assertTrue(s.get("/metrics").body().contains("inkv_replication_lag_records{store=\"users\",partition=\"0\"}"));

      for (int i = 200; i < 250; i++) {
        assertEquals(204, s.post("/stores/users/docs/u" + i, "{\"n\":" + i + "}").statusCode());
      }

      Path replicaDir = dir.resolve("replica");
      ImageFetch.Result fetched = ImageFetch.fetchLatest(s.server.uri(), "users", replicaDir, null);
      // the 200 writes and the topic's descriptor, the first record of partition 0
      assertEquals(201L, fetched.offsets().values().stream().mapToLong(Long::longValue).sum(), fetched.offsets().toString());
      ReplicationConfig config2 = ReplicationConfig.builder("users", bootstrap).partitions(2)
          .startupWait(Duration.ofSeconds(60)).build();
      try (ReplicatedDocumentStore replica = Replication.replicate(DocumentStore.open(StoreOptions.builder(replicaDir).build()), config2)) {
        assertTrue(replica.awaitCaughtUp(Duration.ofSeconds(60)));
        for (int i = 0; i < 250; i++) {
          assertEquals(i, replica.getLong("u" + i, "n").orElseThrow(), "u" + i);
        }
        long applied = replica.replicationStats().applied();
        assertTrue(applied <= 50, "the replica applied " + applied + " events; it must not replay the 200 in the image");
        assertFalse(replica.lag().values().stream().anyMatch(l -> l > 0), replica.lag().toString());
      }
    }
  }

  @Test
  void aCacheCannotShareTheServersDocumentTopicAndForeignRecordsAreCountedInMetrics(@TempDir Path dir) throws Exception {
    String bootstrap = kafka.bootstrapServers();
    try (TestServer s = new TestServer(dir.resolve("server"), "--kafka-bootstrap", bootstrap, "--kafka-partitions", "2")) {
      assertEquals(204, s.post("/stores/orders/docs/o1", "{\"n\":1}").statusCode());
      // a byte store (what a JCache cache named "orders" replicates) refuses the document store's topic at once
      io.inkv.store.Store bytes = io.inkv.store.Store.open(StoreOptions.builder(dir.resolve("cache")).build());
      io.inkv.replication.ReplicationException e = org.junit.jupiter.api.Assertions.assertThrows(
          io.inkv.replication.ReplicationException.TopicException.class,
          () -> Replication.replicate(bytes, ReplicationConfig.builder("orders", bootstrap).build()));
      bytes.close();
      assertTrue(e.getMessage().contains("topic inkv.orders replicates a document store"), e.getMessage());
      // a record of another producer is counted, and shown in /metrics
      try (var raw = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(
          java.util.Map.of("bootstrap.servers", bootstrap), new org.apache.kafka.common.serialization.ByteArraySerializer(),
          new org.apache.kafka.common.serialization.ByteArraySerializer())) {
        raw.send(new org.apache.kafka.clients.producer.ProducerRecord<>("inkv.orders", 0, "k".getBytes(),
            "{\"not\":\"inkv\"}".getBytes())).get();
      }
      awaitTrue(() -> s.get("/metrics").body().contains("inkv_replication_malformed_total{store=\"orders\"} 1"),
          "the malformed record in /metrics");
      String metrics = s.get("/metrics").body();
      assertTrue(metrics.contains("inkv_replication_refused_total{store=\"orders\"} 0"), metrics);
      assertTrue(metrics.contains("# TYPE inkv_replication_applied_total counter"), metrics);
    }
  }
}
