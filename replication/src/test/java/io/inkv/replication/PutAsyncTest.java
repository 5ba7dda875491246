package io.inkv.replication;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.replication.testkit.KafkaTestBroker;
import io.inkv.store.StoreOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ReplicatedStore#putAsync}: the write is local at once, its stage completes when Kafka
 * acknowledged it, a key's writes keep their order whether they were written with put or putAsync
 * and from however many writers, a write Kafka never acknowledges fails its stage (never blocks the
 * caller), and bad input is refused before anything is written or published.
 */
class PutAsyncTest {
  private static final AtomicInteger NAMES = new AtomicInteger();

  @TempDir
  Path dir;

  private static ReplicationConfig.Builder config(String bootstrap, String store) {
    return ReplicationConfig.builder(store, bootstrap).partitions(4).replicationFactor((short) 1)
        .startupWait(Duration.ofSeconds(60));
  }

  private static String name() {
    return "async" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
  }

  @Test
  void everyStageCompletesOnItsAcknowledgementAndAnotherReplicaSeesEachKeysWritesInOrder() throws Exception {
    String bootstrap = KafkaTestBroker.shared().bootstrapServers();
    String store = name();
    int threads = 8;
    int keysPerThread = 16;
    int writesPerThread = 800;
    Map<String, List<String>> seen = new ConcurrentHashMap<>();
    try (ReplicatedStore writer = Replication.replicate(StoreOptions.builder(dir.resolve("writer")).open(),
             config(bootstrap, store).build());
         ReplicatedStore reader = Replication.replicate(StoreOptions.builder(dir.resolve("reader")).open(),
             config(bootstrap, store).build(), (key, old, value) -> seen.computeIfAbsent(new String(key, UTF_8),
                 k -> new CopyOnWriteArrayList<>()).add(value == null ? null : new String(value, UTF_8)))) {
      List<CompletableFuture<Void>> stages = new CopyOnWriteArrayList<>();
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        Thread w = new Thread(() -> {
          for (int n = 0; n < writesPerThread; n++) {
            byte[] key = ("t" + thread + "-k" + (n % keysPerThread)).getBytes(UTF_8);
            byte[] value = ("v" + n).getBytes(UTF_8);
            if (n % 5 == 4) {
              writer.put(key, value); // a synchronous put among asynchronous ones keeps its place
            } else {
              CompletableFuture<Void> stage = writer.putAsync(key, value).toCompletableFuture();
              assertArrayEquals(value, writer.get(key), "the local write is done when putAsync returns");
              stages.add(stage);
            }
          }
        });
        w.start();
        workers.add(w);
      }
      for (Thread w : workers) {
        w.join();
      }
      CompletableFuture.allOf(stages.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      assertEquals(threads * writesPerThread * 4 / 5, stages.size());
      for (CompletableFuture<Void> s : stages) {
        assertFalse(s.isCompletedExceptionally());
      }
      assertEquals(0, writer.replicationStats().publishFailures());
      assertTrue(reader.awaitCaughtUp(Duration.ofSeconds(60)));
      for (int t = 0; t < threads; t++) {
        for (int k = 0; k < keysPerThread; k++) {
          String key = "t" + t + "-k" + k;
          List<String> expected = new ArrayList<>();
          for (int n = k; n < writesPerThread; n += keysPerThread) {
            expected.add("v" + n);
          }
          assertEquals(expected, seen.get(key), "the reader's changes of " + key + ", in log order");
          assertEquals(expected.get(expected.size() - 1), new String(reader.get(key.getBytes(UTF_8)), UTF_8));
          assertEquals(expected.get(expected.size() - 1), new String(writer.get(key.getBytes(UTF_8)), UTF_8));
        }
      }
    }
  }

  @Test
  void withTheBrokerGoneAPutAsyncReturnsAndItsStageFailsWithAPublishExceptionWhileTheLocalWriteStands() throws Exception {
    KafkaTestBroker broker = KafkaTestBroker.start();
    ReplicatedStore writer;
    try {
      writer = Replication.replicate(StoreOptions.builder(dir.resolve("writer")).open(), config(broker.bootstrapServers(), name())
          .kafkaProperty("delivery.timeout.ms", "2000").kafkaProperty("request.timeout.ms", "1000")
          .kafkaProperty("max.block.ms", "1000").kafkaProperty("linger.ms", "0").build());
      writer.put(bytes("before"), bytes("acknowledged"));
    } finally {
      broker.close();
    }
    try (writer) {
      CompletableFuture<Void> stage = writer.putAsync(bytes("during"), bytes("not acknowledged")).toCompletableFuture();
      assertArrayEquals(bytes("not acknowledged"), writer.get(bytes("during")), "the local write stands");
      ExecutionException failed = assertThrows(ExecutionException.class, () -> stage.get(60, TimeUnit.SECONDS));
      assertInstanceOf(ReplicationException.PublishException.class, failed.getCause());
      assertTrue(failed.getCause().getMessage().contains("did not acknowledge"), failed.getCause().getMessage());
      assertTrue(writer.replicationStats().publishFailures() >= 1);
      ReplicationException.PublishException sync = assertThrows(ReplicationException.PublishException.class,
          () -> writer.put(bytes("during"), bytes("again")));
      assertTrue(sync.getMessage().contains("did not acknowledge"), sync.getMessage());
    }
  }

  @Test
  void badInputIsRefusedBeforeAnythingIsWrittenOrPublished() {
    try (ReplicatedStore writer = Replication.replicate(StoreOptions.builder(dir.resolve("writer")).segmentSize(64 * 1024).open(),
        config(KafkaTestBroker.shared().bootstrapServers(), name()).build())) {
      writer.put(bytes("small"), bytes("value"));
      writer.awaitPublished();
      long published = writer.replicationStats().published();
      IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class,
          () -> writer.putAsync(bytes("big"), new byte[200_000]));
      assertTrue(tooLarge.getMessage().contains("200000"), tooLarge.getMessage());
      assertThrows(IllegalArgumentException.class, () -> writer.putAsync(EventFormat.controlKey(0), bytes("v")));
      assertThrows(IllegalArgumentException.class, () -> writer.putAsync(bytes("k"), bytes("v"), -5));
      assertThrows(NullPointerException.class, () -> writer.putAsync(bytes("k"), null));
      writer.awaitPublished();
      assertEquals(published, writer.replicationStats().published(), "a refused write was published");
      assertNull(writer.get(bytes("big")));
      assertNull(writer.get(bytes("k")));
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }
}
