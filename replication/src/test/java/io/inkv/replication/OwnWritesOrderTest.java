package io.inkv.replication;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.replication.testkit.KafkaTestBroker;
import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica's own writes against the log, on a real broker: the writer holds its own write from
 * the moment it is written (so at its acknowledgement), the applier never re-applies it and never
 * lets an older event of another writer undo it, every replica ends at the log's last event of
 * each key, and a restarted writer resumes past its own writes without losing or re-applying any.
 */
class OwnWritesOrderTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int PARTITIONS = 4;

  @TempDir
  Path tmp;

  private static String name() {
    return "own" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
  }

  private static ReplicationConfig config(String store) {
    return ReplicationConfig.builder(store, KafkaTestBroker.shared().bootstrapServers()).partitions(PARTITIONS)
        .replicationFactor((short) 1).checkpointInterval(Duration.ofMillis(200)).startupWait(WAIT).build();
  }

  private ReplicatedStore open(String dir, String store, RemoteChangeListener listener) {
    return Replication.replicate(Store.open(StoreOptions.builder(tmp.resolve(dir)).build()), config(store), listener);
  }

  /** A change the applier made to one replica: the key's value before and after (null: absent). */
  private record Applied(String key, String oldValue, String newValue) {}

  /** One key-level event of the topic: its offset in its partition and what it wrote (null: a remove). */
  private record Logged(int partition, long offset, long writerId, String value) {}

  private static String text(byte[] b) {
    return b == null ? null : new String(b, UTF_8);
  }

  @Test
  void twoWritersOfOneKeyConvergeToTheLogOrderAndAWriterNeverSeesItsOwnWriteUndoneByAnOlderOne() throws Exception {
    String store = name();
    List<Applied> appliedInA = new CopyOnWriteArrayList<>();
    Map<String, String> aHeldAtAck = new ConcurrentHashMap<>();
    int keys = 400;
    try (ReplicatedStore a = open("a", store, (k, old, v) -> appliedInA.add(new Applied(text(k), text(old), text(v))));
         ReplicatedStore b = open("b", store, null);
         ReplicatedStore reader = open("reader", store, null)) {
      long aId = ((KafkaReplicatedStore) a).replica.writerId();
      List<CompletableFuture<Void>> acks = new ArrayList<>();
      // b writes each key, then a writes it at once: the two events race to the partition through
      // two producers, and a's applier has not met b's event yet when a writes, in either log
      // order. For every other key a writes only once b's event is acknowledged, so that b's comes
      // first in the log (two producers left to race can put a's first every time)
      for (int i = 0; i < keys; i++) {
        byte[] key = ("k" + i).getBytes(UTF_8);
        CompletableFuture<Void> bAck = b.putAsync(key, ("b" + i).getBytes(UTF_8), Store.NEVER).toCompletableFuture();
        acks.add(bAck);
        if (i % 2 == 0) {
          bAck.get(60, TimeUnit.SECONDS);
        }
        acks.add(a.putAsync(key, ("a" + i).getBytes(UTF_8), Store.NEVER).toCompletableFuture()
            .thenRun(() -> aHeldAtAck.put(text(key), String.valueOf(text(a.get(key))))));
        if (i % 40 == 0) {
          Thread.sleep(3); // let the appliers run between some of the writes: more interleavings
        }
      }
      CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
      assertTrue(a.awaitCaughtUp(WAIT) && b.awaitCaughtUp(WAIT) && reader.awaitCaughtUp(WAIT));

      Map<String, List<Logged>> log = readLog(a.topic());
      Map<String, String> last = new TreeMap<>();
      int bFirst = 0;
      for (int i = 0; i < keys; i++) {
        String k = "k" + i;
        List<Logged> events = log.get(k);
        assertEquals(2, events.size(), () -> k + " has one event of each writer: " + log.get(k));
        last.put(k, events.get(1).value());
        boolean bBeforeA = events.get(0).writerId() != aId;
        if (bBeforeA) {
          bFirst++;
          assertEquals("a" + i, aHeldAtAck.get(k), "a holds its own write at its acknowledgement");
          // b's older event may reach a's store only before a's write (onto an absent key), never onto it
          for (Applied c : appliedInA) {
            assertTrue(!c.key().equals(k) || c.oldValue() == null, () -> "a applied b's older event of " + k
                + " over its own later write: " + c);
          }
        }
      }
      int bFirstCount = bFirst;
      assertTrue(bFirstCount >= keys / 2, () -> "b's event first in the log for each key a wrote after b's "
          + "acknowledgement: " + bFirstCount + " of " + keys);
      assertEquals(last, contents(a), "a ends at the log's last event of every key");
      assertEquals(last, contents(b), "b ends at the log's last event of every key");
      assertEquals(last, contents(reader), "a replica that wrote nothing ends there too");
    }
    // a's final checkpoint covers everything it met, its own events included
    assertEquals(endOffsets(store), Replication.checkpointedOffsets(tmp.resolve("a")));
  }

  @Test
  void aRestartedWriterResumesPastItsOwnWritesWithoutLosingOrReapplyingAny() throws Exception {
    String store = name();
    int n = 500;
    List<String> reapplied = new CopyOnWriteArrayList<>();
    try (ReplicatedStore a = open("a", store, (k, old, v) -> reapplied.add(new String(k, UTF_8)))) {
      for (int i = 0; i < n; i++) {
        a.put(("k" + i).getBytes(UTF_8), ("v" + i).getBytes(UTF_8));
      }
      assertTrue(a.awaitCaughtUp(WAIT));
      assertEquals(n, a.replicationStats().applied(), "the applier met each own event once");
      assertEquals(List.of(), reapplied, "and applied none of them again");
    }
    Map<Integer, Long> end = endOffsets(store);
    assertEquals(end, Replication.checkpointedOffsets(tmp.resolve("a")), "the checkpoint names the topic's end");
    long endSum = end.values().stream().mapToLong(Long::longValue).sum();
    assertEquals(n + 1, endSum, "the writes and the topic's descriptor");

    List<String> changed = new CopyOnWriteArrayList<>();
    try (ReplicatedStore a = open("a", store, (k, old, v) -> changed.add(new String(k, UTF_8)));
         ReplicatedStore b = open("b", store, null)) {
      assertEquals(endSum, a.replicationStats().resumedFrom(), "resumed past its own writes");
      assertEquals(0, a.replicationStats().applied(), "and applied none of them again");
      Map<String, String> expected = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        expected.put("k" + i, "v" + i);
      }
      assertEquals(expected, contents(a), "nothing of its own writes was lost");
      for (int i = 0; i < 20; i++) {
        b.put(("k" + (i * 25)).getBytes(UTF_8), ("b" + i).getBytes(UTF_8));
        expected.put("k" + (i * 25), "b" + i);
      }
      a.put("k1".getBytes(UTF_8), "again".getBytes(UTF_8));
      expected.put("k1", "again");
      assertTrue(a.awaitCaughtUp(WAIT) && b.awaitCaughtUp(WAIT));
      assertEquals(21, a.replicationStats().applied(), "b's twenty events and its own new one, each met once");
      assertEquals(20, changed.size(), () -> "only b's events changed the restarted writer: " + changed);
      assertEquals(expected, contents(a));
      assertEquals(expected, contents(b));
    }
    assertEquals(endOffsets(store), Replication.checkpointedOffsets(tmp.resolve("a")));
  }

  private static Map<String, String> contents(ReplicatedStore s) {
    Map<String, String> m = new TreeMap<>();
    s.iterator().forEachRemaining(e -> m.put(new String(e.key(), UTF_8), new String(e.value(), UTF_8)));
    return m;
  }

  private static KafkaConsumer<byte[], byte[]> consumer() {
    return new KafkaConsumer<>(Map.of("bootstrap.servers", KafkaTestBroker.shared().bootstrapServers()),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private static List<TopicPartition> partitions(String topic) {
    List<TopicPartition> tps = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      tps.add(new TopicPartition(topic, p));
    }
    return tps;
  }

  private static Map<Integer, Long> endOffsets(String store) {
    try (KafkaConsumer<byte[], byte[]> c = consumer()) {
      Map<Integer, Long> m = new TreeMap<>();
      c.endOffsets(partitions("inkv." + store)).forEach((tp, off) -> m.put(tp.partition(), off));
      return m;
    }
  }

  /** Every key-level event of the topic by key, in log order (one key lives in one partition). */
  private static Map<String, List<Logged>> readLog(String topic) throws Exception {
    Map<String, List<Logged>> byKey = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> c = consumer()) {
      List<TopicPartition> tps = partitions(topic);
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        assertTrue(System.nanoTime() < deadline, "the topic could not be read to its end");
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (EventFormat.isDescriptorKey(r.key())) {
            continue;
          }
          Event e = EventFormat.decode(r.value());
          String value = e instanceof Event.Put p ? new String(p.value(), UTF_8) : null;
          byKey.computeIfAbsent(new String(r.key(), UTF_8), k -> new ArrayList<>())
              .add(new Logged(r.partition(), r.offset(), e.writerId(), value));
        }
      }
    }
    return byKey;
  }
}
