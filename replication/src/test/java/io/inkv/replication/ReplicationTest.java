package io.inkv.replication;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.replication.testkit.KafkaTestBroker;
import io.inkv.store.Entry;
import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.TabularData;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replication of byte stores against a real (in-process KRaft) Kafka broker. */
class ReplicationTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path tmp;
  private final List<Store> open = new ArrayList<>();

  @AfterEach
  void closeReplicas() {
    for (Store s : open) {
      s.close();
    }
  }

  static String newStoreName() {
    return "rt" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
  }

  ReplicationConfig.Builder config(String store) {
    return ReplicationConfig.builder(store, KafkaTestBroker.shared().bootstrapServers()).partitions(4)
        .replicationFactor((short) 1).checkpointInterval(Duration.ofMillis(200));
  }

  ReplicatedStore replica(String dirName, ReplicationConfig config) {
    Store local = Store.open(StoreOptions.builder(tmp.resolve(dirName)).build());
    ReplicatedStore r = Replication.replicate(local, config);
    open.add(r);
    return r;
  }

  static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  static Map<String, String> contents(Store s) {
    Map<String, String> m = new TreeMap<>();
    for (Iterator<Entry> it = s.iterator(); it.hasNext(); ) {
      Entry e = it.next();
      m.put(new String(e.key(), UTF_8), new String(e.value(), UTF_8));
    }
    return m;
  }

  @Test
  void writesInOneReplicaAreReadInAnotherAndTheWriterReadsItsOwnAtOnce() throws Exception {
    String name = newStoreName();
    ReplicatedStore a = replica("a", config(name).build());
    ReplicatedStore b = replica("b", config(name).build());
    a.put(b("k1"), b("v1"));
    assertArrayEquals(b("v1"), a.get(b("k1")), "read-your-writes in the writing replica");
    b.put(b("k2"), b("v2"));
    a.update(b("k3"), (cur, w) -> {
      w.put(b("v3"), Store.NEVER);
      return null;
    });
    a.put(b("gone"), b("x"));
    assertTrue(a.remove(b("gone")));
    assertTrue(a.awaitCaughtUp(WAIT) && b.awaitCaughtUp(WAIT));
    Map<String, String> expected = Map.of("k1", "v1", "k2", "v2", "k3", "v3");
    assertEquals(expected, contents(a));
    assertEquals(expected, contents(b));
    assertEquals(0, a.replicationStats().publishFailures());
  }

  @Test
  void concurrentWritersOfTheSameKeysConvergeToTheSameContents() throws Exception {
    String name = newStoreName();
    ReplicatedStore a = replica("a", config(name).writeMode(ReplicationConfig.WriteMode.FIRE_AND_FORGET).build());
    ReplicatedStore b = replica("b", config(name).writeMode(ReplicationConfig.WriteMode.FIRE_AND_FORGET).build());
    Thread[] writers = new Thread[4];
    for (int t = 0; t < writers.length; t++) {
      ReplicatedStore target = t % 2 == 0 ? a : b;
      int id = t;
      writers[t] = new Thread(() -> {
        for (int i = 0; i < 2_000; i++) {
          byte[] key = b("key" + (i % 50));
          if (i % 7 == 0) {
            target.remove(key);
          } else {
            target.put(key, b("w" + id + "-" + i));
          }
        }
      });
      writers[t].start();
    }
    for (Thread w : writers) {
      w.join();
    }
    assertEquals(0, a.awaitPublished());
    assertEquals(0, b.awaitPublished());
    assertTrue(a.awaitCaughtUp(WAIT) && b.awaitCaughtUp(WAIT));
    assertEquals(contents(a), contents(b));
  }

  @Test
  void aClearReachesEveryReplicaAndKeepsWhatWasWrittenAfterIt() throws Exception {
    String name = newStoreName();
    ReplicatedStore a = replica("a", config(name).build());
    ReplicatedStore b = replica("b", config(name).build());
    for (int i = 0; i < 100; i++) {
      a.put(b("old" + i), b("x"));
    }
    b.clear();
    b.put(b("new"), b("y"));
    assertTrue(a.awaitCaughtUp(WAIT) && b.awaitCaughtUp(WAIT));
    assertEquals(Map.of("new", "y"), contents(a));
    assertEquals(Map.of("new", "y"), contents(b));
  }

  @Test
  void expiryComesFromTheEventSoReplicasExpireAnEntryTogether() throws Exception {
    String name = newStoreName();
    ReplicatedStore a = replica("a", config(name).build());
    ReplicatedStore b = replica("b", config(name).build());
    long at = System.currentTimeMillis() + 60_000;
    a.put(b("ttl"), b("v"), at);
    a.put(b("past"), b("v"), System.currentTimeMillis() + 300);
    assertTrue(b.awaitCaughtUp(WAIT));
    assertEquals(at, b.expireAt(b("ttl")));
    assertEquals(a.expireAt(b("ttl")), b.expireAt(b("ttl")));
    Thread.sleep(400);
    assertNull(a.get(b("past")));
    assertNull(b.get(b("past")));
  }

  @Test
  void aRestartedReplicaResumesFromItsCheckpointAndAnEmptyOneCatchesUpFromTheBeginning() throws Exception {
    String name = newStoreName();
    ReplicatedStore a = replica("a", config(name).writeMode(ReplicationConfig.WriteMode.FIRE_AND_FORGET).build());
    for (int i = 0; i < 1_000; i++) {
      a.put(b("k" + i), b("v" + i));
    }
    assertEquals(0, a.awaitPublished());
    // which side would be short if the next assertions ever fail: the writer's topic, or the reader
    // the topic holds the thousand writes and its descriptor (the first record of partition 0: TopicDescriptor)
    assertEquals(1_001, endOffsetsSum(a.topic(), 4), "every acknowledged write is on the topic");
    ReplicatedStore b = replica("b", config(name).build());
    assertTrue(b.isReady(), "opening waited until caught up");
    assertEquals(1_000, b.size(), () -> "ready with " + b.size() + " entries: " + b.replicationStats() + ", lag "
        + b.lag());
    assertEquals(0, b.replicationStats().resumedFrom(), "an empty directory starts from the beginning");
    b.close();
    assertTrue(Files.exists(tmp.resolve("b").resolve(Checkpoint.FILE)));
    for (int i = 0; i < 10; i++) {
      a.put(b("more" + i), b("x"));
    }
    // fire-and-forget: "caught up" means up to the topic's end, so the ten must be on the topic first
    assertEquals(0, a.awaitPublished());
    ReplicatedStore b2 = replica("b", config(name).build());
    assertTrue(b2.awaitCaughtUp(WAIT));
    assertEquals(1_010, b2.size());
    assertEquals(1_001, b2.replicationStats().resumedFrom(), "resumed at the checkpointed offsets (past the descriptor)");
    assertEquals(10, b2.replicationStats().applied(), "applied only what came after the checkpoint");
  }

  @Test
  void startUpCanReturnAtOnceAndTheReadinessCallTellsWhenItCaughtUp() throws Exception {
    String name = newStoreName();
    ReplicatedStore a = replica("a", config(name).writeMode(ReplicationConfig.WriteMode.FIRE_AND_FORGET).build());
    for (int i = 0; i < 20_000; i++) {
      a.put(b("k" + i), b("v"));
    }
    a.awaitPublished();
    ReplicatedStore b = replica("b", config(name).startupWait(Duration.ZERO).build());
    assertTrue(b.awaitReady(WAIT));
    assertTrue(b.isReady());
    assertEquals(20_000, b.size());
  }

  @Test
  void malformedEventsAreCountedSkippedAndSentToTheDeadLetterTopicAndReplicationGoesOn() throws Exception {
    String name = newStoreName();
    String dlt = name + ".dead";
    ReplicatedStore a = replica("a", config(name).deadLetterTopic(dlt).build());
    Map<String, Object> props = Map.of("bootstrap.servers", KafkaTestBroker.shared().bootstrapServers());
    try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      raw.send(new ProducerRecord<>(a.topic(), 0, b("bad"), b("{\"json\":\"from another producer\"}"))).get();
      byte[] future = EventFormat.encode(new Event.Remove(1, 2, 3));
      future[2] = 9;
      raw.send(new ProducerRecord<>(a.topic(), 0, b("bad2"), future)).get();
      raw.send(new ProducerRecord<>(a.topic(), 0, b("bad3"), null)).get();
    }
    a.put(b("good"), b("after"));
    ReplicatedStore b = replica("b", config(name).deadLetterTopic(dlt).build());
    assertTrue(a.awaitCaughtUp(WAIT) && b.awaitCaughtUp(WAIT));
    assertArrayEquals(b("after"), b.get(b("good")));
    assertEquals(3, b.replicationStats().malformed());
    assertEquals(3, a.replicationStats().malformed());
    a.awaitPublished();
    List<ConsumerRecord<byte[], byte[]>> dead = readAll(dlt, 6);
    assertEquals(6, dead.size(), "both replicas dead-lettered the three records");
    ConsumerRecord<byte[], byte[]> first = dead.get(0);
    assertEquals(a.topic(), new String(first.headers().lastHeader("inkv.topic").value(), UTF_8));
    assertTrue(new String(first.headers().lastHeader("inkv.error").value(), UTF_8).startsWith("not an inkv event"));
    assertTrue(new String(dead.get(1).headers().lastHeader("inkv.error").value(), UTF_8).startsWith("malformed event"));
  }

  @Test
  void aForeignProducersRecordsAreLoggedInOneLineAndASummaryNotOneLinePerRecord() throws Exception {
    String name = newStoreName();
    java.util.logging.Logger jul = java.util.logging.Logger.getLogger(Applier.class.getName());
    List<String> warnings = new CopyOnWriteArrayList<>();
    java.util.logging.Handler handler = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord r) {
        if (r.getLevel() == java.util.logging.Level.WARNING && r.getMessage().contains("replica of " + name + ":")) {
          warnings.add(r.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    jul.addHandler(handler);
    try {
      ReplicatedStore a = replica("a", config(name).build());
      Map<String, Object> props = Map.of("bootstrap.servers", KafkaTestBroker.shared().bootstrapServers());
      try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
        for (int i = 0; i < 100; i++) {
          raw.send(new ProducerRecord<>(a.topic(), 1, b("j" + i), b("{\"n\":" + i + "}")));
        }
        raw.flush();
      }
      a.put(b("good"), b("after"));
      assertTrue(a.awaitCaughtUp(WAIT));
      assertEquals(100, a.replicationStats().malformed());
      assertTrue(warnings.size() <= 2, "at most the first record and one summary: " + warnings);
      String first = warnings.get(0);
      assertTrue(first.contains("not an inkv event") && first.contains(a.topic() + "/1 offset 0"), first);
      a.close();
      String last = warnings.get(warnings.size() - 1);
      assertTrue(last.contains("more bad records") && last.contains("so far 100 malformed"), warnings.toString());
    } finally {
      jul.removeHandler(handler);
    }
  }

  @Test
  void aByteStoreAndADocumentStoreOfOneNameCannotShareItsTopic() throws Exception {
    String name = newStoreName();
    ReplicatedStore bytes = replica("bytes", config(name).build());
    bytes.put(b("k"), b("v"));
    io.inkv.store.document.DocumentStore local = io.inkv.store.document.DocumentStore.open(
        StoreOptions.builder(tmp.resolve("docs")).build());
    long publishers = publisherThreads(name);
    ReplicationException e = assertThrows(ReplicationException.TopicException.class,
        () -> Replication.replicate(local, config(name).build()));
    local.close();
    assertEquals(publishers, publisherThreads(name), "a refused open leaves no publisher thread behind");
    assertTrue(e.getMessage().contains("replicates a byte store") && e.getMessage().contains("is a document store"),
        e.getMessage());
    assertTrue(e.getMessage().contains("inkv." + name), e.getMessage());
    // and the other way round: a topic created by a document store refuses a byte store
    String other = newStoreName();
    io.inkv.store.document.DocumentStore docs = io.inkv.store.document.DocumentStore.open(
        StoreOptions.builder(tmp.resolve("docs2")).build());
    try (ReplicatedDocumentStore d = Replication.replicate(docs, config(other).build())) {
      d.upsert(b("alice"), io.inkv.store.document.Document.builder().put("age", 22).build());
      long otherPublishers = publisherThreads(other);
      ReplicationException e2 = assertThrows(ReplicationException.TopicException.class, () -> replica("b2", config(other).build()));
      assertEquals(otherPublishers, publisherThreads(other), "a refused open leaves no publisher thread behind");
      assertTrue(e2.getMessage().contains("replicates a document store"), e2.getMessage());
      assertEquals(0, d.replicationStats().malformed() + d.replicationStats().failed());
    }
  }

  @Test
  void replicasOfDifferentValueFormatsRefuseToShareATopicAndAnyBytesMayJoinEither() throws Exception {
    String name = newStoreName();
    ValueFormat digits = ValueFormat.of("digits", v -> {
      for (byte x : v) {
        if (x < '0' || x > '9') {
          throw new IllegalArgumentException("not a digit: " + (char) x);
        }
      }
    });
    ReplicatedStore a = Replication.replicate(Store.open(StoreOptions.builder(tmp.resolve("a")).build()),
        config(name).build(), null, digits);
    open.add(a);
    Store localB = Store.open(StoreOptions.builder(tmp.resolve("b")).build());
    ReplicationException e = assertThrows(ReplicationException.TopicException.class, () -> Replication.replicate(localB,
        config(name).build(), null, ValueFormat.of("letters", v -> {})));
    localB.close();
    assertTrue(e.getMessage().contains("'digits'") && e.getMessage().contains("'letters'"), e.getMessage());
    // a replica of any bytes (a tool) may join, and what it writes that is not a value of the format is refused
    ReplicatedStore tool = replica("tool", config(name).build());
    tool.put(b("bad"), b("xyz"));
    tool.put(b("good"), b("123"));
    assertTrue(a.awaitCaughtUp(WAIT));
    assertArrayEquals(b("123"), a.get(b("good")));
    assertNull(a.get(b("bad")), "a value that fails the replica's format is never stored");
    assertEquals(1, a.replicationStats().failed());
    assertArrayEquals(b("xyz"), tool.get(b("bad")), "the tool itself holds any bytes");
  }

  /** The live publisher threads of replicas of store {@code name}: one per open replica. */
  static long publisherThreads(String name) {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("inkv-publisher-" + name)).count();
  }

  /** The sum of the end offsets of the topic's first {@code partitions} partitions, as a new reader sees them. */
  static long endOffsetsSum(String topic, int partitions) {
    Map<String, Object> props = Map.of("bootstrap.servers", KafkaTestBroker.shared().bootstrapServers());
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        tps.add(new TopicPartition(topic, p));
      }
      return c.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum();
    }
  }

  static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int atLeast) {
    Map<String, Object> props = Map.of("bootstrap.servers", KafkaTestBroker.shared().bootstrapServers(),
        "auto.offset.reset", "earliest");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.assign(List.of(new TopicPartition(topic, 0)));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (out.size() < atLeast && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  @Test
  void anExistingTopicIsValidatedAndItsPartitionCountIsUsed() throws Exception {
    String name = newStoreName();
    try (Admin admin = KafkaTestBroker.shared().admin()) {
      admin.createTopics(List.of(new NewTopic("inkv." + name, 3, (short) 1))).all().get();
      admin.createTopics(List.of(new NewTopic("inkv." + name + "c", 5, (short) 1)
          .configs(Map.of("cleanup.policy", "compact")))).all().get();
    }
    ReplicationException e = assertThrows(ReplicationException.TopicException.class, () -> replica("a", config(name).build()));
    assertTrue(e.getMessage().contains("cleanup.policy=compact"), e.getMessage());
    ReplicatedStore c = replica("c", config(name + "c").partitions(8).build());
    assertEquals(5, c.partitionCount());
  }

  @Test
  void aShardedReplicaHoldsOnlyItsPartitionsAndTellsWhichPartitionOwnsAKey() throws Exception {
    String name = newStoreName();
    ReplicatedStore full = replica("full", config(name).build());
    ReplicatedStore shard = replica("shard", config(name).ownedPartitions(Set.of(0, 1)).build());
    assertEquals(Set.of(0, 1), shard.ownedPartitions());
    Map<Integer, Integer> perPartition = new HashMap<>();
    for (int i = 0; i < 400; i++) {
      byte[] key = b("k" + i);
      full.put(key, b("v"));
      perPartition.merge(full.partitionOf(key), 1, Integer::sum);
      assertEquals(Partitioner.partitionOf(key, 4), shard.partitionOf(key));
    }
    byte[] foreign = null;
    for (int i = 0; foreign == null; i++) {
      if (!shard.owns(b("s" + i))) {
        foreign = b("s" + i);
      }
    }
    shard.put(foreign, b("published, not held"));
    assertTrue(full.awaitCaughtUp(WAIT) && shard.awaitCaughtUp(WAIT));
    assertEquals(perPartition.getOrDefault(0, 0) + perPartition.getOrDefault(1, 0), shard.size());
    for (Iterator<Entry> it = shard.iterator(); it.hasNext(); ) {
      assertTrue(shard.owns(it.next().key()));
    }
    assertNull(shard.get(foreign));
    assertArrayEquals(b("published, not held"), full.get(foreign));
  }

  @Test
  void lagIsExposedPerPartitionAndThroughJmx() throws Exception {
    String name = newStoreName();
    ReplicatedStore a = replica("a", config(name).build());
    a.put(b("x"), b("y"));
    assertTrue(a.awaitCaughtUp(WAIT));
    assertEquals(Set.of(0, 1, 2, 3), a.lag().keySet());
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    Set<ObjectName> names = server.queryNames(new ObjectName("io.inkv:type=Replication,store=\"" + name + "\",*"), null);
    assertEquals(1, names.size());
    ObjectName bean = names.iterator().next();
    TabularData lag = (TabularData) server.getAttribute(bean, "LagByPartition");
    assertEquals(4, lag.size());
    assertEquals(0L, server.getAttribute(bean, "TotalLag"));
    assertEquals(true, server.getAttribute(bean, "Ready"));
    assertEquals(1L, server.getAttribute(bean, "PublishedEvents"));
    a.close();
    assertTrue(server.queryNames(bean, null).isEmpty(), "unregistered on close");
  }

  @Test
  void aWriteThatKafkaRefusesFailsWhenWaitingAndIsReportedWhenNot() throws Exception {
    String name = newStoreName();
    ReplicatedStore waiting = replica("a", config(name).kafkaProperty("max.request.size", "2000").build());
    byte[] big = new byte[5_000];
    assertThrows(ReplicationException.PublishException.class, () -> waiting.put(b("big"), big));
    assertArrayEquals(big, waiting.get(b("big")), "the local write stands");
    List<byte[]> failures = new CopyOnWriteArrayList<>();
    ReplicatedStore fireAndForget = replica("b", config(name).kafkaProperty("max.request.size", "2000")
        .writeMode(ReplicationConfig.WriteMode.FIRE_AND_FORGET).onPublishFailure((key, cause) -> failures.add(key)).build());
    fireAndForget.put(b("big2"), big);
    assertEquals(1, fireAndForget.awaitPublished());
    assertEquals(1, failures.size());
    assertArrayEquals(b("big2"), failures.get(0));
    assertEquals(1, fireAndForget.replicationStats().publishFailures());
  }

  @Test
  void reservedControlKeysAreRefused() {
    ReplicatedStore a = replica("a", config(newStoreName()).build());
    assertThrows(IllegalArgumentException.class, () -> a.put(EventFormat.controlKey(0), b("x")));
  }

  @Test
  void aCheckpointOfAnotherTopicIsRefused() {
    ReplicatedStore a = replica("a", config(newStoreName()).build());
    a.put(b("k"), b("v"));
    a.close();
    ReplicationException e = assertThrows(ReplicationException.class, () -> replica("a", config(newStoreName()).build()));
    assertTrue(e.getMessage().contains("holds a replica of topic"), e.getMessage());
  }
}
