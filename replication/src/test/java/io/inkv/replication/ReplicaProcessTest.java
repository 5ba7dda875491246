package io.inkv.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.replication.testkit.KafkaBrokerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication across processes against a separate Kafka broker process: two replica JVMs, the
 * broker stopped and restarted in the middle of a write stream, and a replica killed with kill -9
 * and restarted. Sizes grow tenfold under -Preliability.
 */
class ReplicaProcessTest {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int N = Boolean.getBoolean("inkv.reliability") ? 200_000 : 20_000;

  @TempDir
  Path tmp;

  @Test
  void replicasInSeparateJvmsConvergeThroughABrokerRestartAndAKillMinus9() throws Exception {
    try (KafkaBrokerProcess broker = new KafkaBrokerProcess(tmp.resolve("broker"))) {
      broker.start();
      String bootstrap = broker.bootstrapServers();
      String store = "proc" + ProcessHandle.current().pid();
      ReplicaProcess a = ReplicaProcess.start(bootstrap, store, tmp.resolve("a"), tmp.resolve("a.answers"));
      a.await("ready", WAIT);
      ReplicaProcess b = ReplicaProcess.start(bootstrap, store, tmp.resolve("b"), tmp.resolve("b.answers"));
      b.await("ready", WAIT);
      try {
        // 1. writes in A, with the broker stopped and restarted mid-stream; nothing may be lost
        a.send("put 0 " + N + " one");
        a.await("progress " + (N / 4 / 1000 * 1000), WAIT);
        broker.stop();
        Thread.sleep(1_000);
        broker.start();
        assertEquals("0", a.await("put-done", WAIT)[1], "every write was acknowledged once the broker was back");
        String[] da = digest(a);
        String[] db = digest(b);
        assertEquals(String.valueOf(N), da[1]);
        assertEquals(da[1] + " " + da[2], db[1] + " " + db[2], "B read every write of A");

        // 2. writes in B are read in A
        b.send("put " + N + " " + (N + 1_000) + " two");
        assertEquals("0", b.await("put-done", WAIT)[1]);
        da = digest(a);
        db = digest(b);
        assertEquals(String.valueOf(N + 1_000), da[1]);
        assertEquals(da[1] + " " + da[2], db[1] + " " + db[2], "A read every write of B");

        // 3. B killed with kill -9 while A overwrites every key; B restarts from its checkpoint
        a.send("put 0 " + (N + 1_000) + " three");
        a.await("progress " + ((N + 1_000) / 2 / 1000 * 1000), WAIT);
        b.kill9();
        assertEquals("0", a.await("put-done", WAIT)[1]);
        long topicSize = topicSize(bootstrap, "inkv." + store);
        b = ReplicaProcess.start(bootstrap, store, tmp.resolve("b"), tmp.resolve("b2.answers"));
        String[] ready = b.await("ready", WAIT);
        long appliedAfterRestart = Long.parseLong(ready[1]);
        long resumedFrom = Long.parseLong(ready[2]);
        da = digest(a);
        db = digest(b);
        assertEquals(da[1] + " " + da[2], db[1] + " " + db[2], "B converged after kill -9");
        assertTrue(resumedFrom > 0, "B resumed from its checkpoint, not from offset 0");
        assertTrue(appliedAfterRestart < topicSize - N, "B applied " + appliedAfterRestart + " events after the restart,"
            + " not the whole topic of " + topicSize);
        System.out.printf("replica restarted after kill -9: resumed at offset sum %d, applied %d of %d events in the topic%n",
            resumedFrom, appliedAfterRestart, topicSize);

        // 4. another producer's record is counted and skipped by both replicas, which go on; a document
        //    store refuses to open on this byte store's topic
        try (var raw = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(Map.of("bootstrap.servers",
            bootstrap), new org.apache.kafka.common.serialization.ByteArraySerializer(),
            new org.apache.kafka.common.serialization.ByteArraySerializer())) {
          raw.send(new org.apache.kafka.clients.producer.ProducerRecord<>("inkv." + store, 1, "json".getBytes(),
              "{\"from\":\"another producer\"}".getBytes())).get();
        }
        a.send("put 0 10 four");
        assertEquals("0", a.await("put-done", WAIT)[1]);
        da = digest(a);
        db = digest(b);
        assertEquals(da[1] + " " + da[2], db[1] + " " + db[2], "both went on past the foreign record");
        for (ReplicaProcess r : new ReplicaProcess[] {a, b}) {
          r.send("stats");
          String[] st = r.await("stats", WAIT);
          assertEquals("1", st[3], "malformed records counted: " + String.join(" ", st));
        }
        io.inkv.store.document.DocumentStore docs = io.inkv.store.document.DocumentStore.open(
            io.inkv.store.StoreOptions.builder(tmp.resolve("docs")).build());
        ReplicationException refused = org.junit.jupiter.api.Assertions.assertThrows(ReplicationException.TopicException.class,
            () -> Replication.replicate(docs, ReplicationConfig.builder(store, bootstrap).build()));
        docs.close();
        assertTrue(refused.getMessage().contains("replicates a byte store"), refused.getMessage());
      } finally {
        a.kill9();
        b.kill9();
      }
    }
  }

  private static String[] digest(ReplicaProcess r) throws Exception {
    r.send("digest");
    String[] d = r.await("digest", WAIT);
    assertEquals("true", d[3], "caught up");
    return d;
  }

  private static long topicSize(String bootstrap, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      for (int p = 0; p < 4; p++) {
        request.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      long total = 0;
      for (var e : admin.listOffsets(request).all().get().values()) {
        total += e.offset();
      }
      return total;
    }
  }
}
