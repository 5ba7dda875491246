package io.inkv.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.replication.testkit.KafkaTestBroker;
import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replicated store refuses what its local store would refuse before it publishes, also for keys
 * of partitions this replica does not hold (whose writes never reach its local store): an event
 * every replica would refuse must not enter the topic.
 */
class PublishOnlyWhatReplicasAcceptTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final int SEGMENT = 64 * 1024;

  @TempDir
  Path dir;
  private ReplicatedStore store;
  private byte[] notHeld;
  private byte[] held;

  @BeforeEach
  void open() {
    ReplicationConfig config = ReplicationConfig.builder("limits" + ProcessHandle.current().pid() + "-"
            + NAMES.incrementAndGet(), KafkaTestBroker.shared().bootstrapServers())
        .partitions(2).replicationFactor((short) 1).ownedPartitions(Set.of(0))
        .startupWait(Duration.ofSeconds(60))
        .build();
    store = Replication.replicate(StoreOptions.builder(dir).segmentSize(SEGMENT).open(), config);
    notHeld = keyOfPartition(1);
    held = keyOfPartition(0);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static byte[] keyOfPartition(int partition) {
    for (int i = 0; ; i++) {
      byte[] k = ("k" + i).getBytes(StandardCharsets.UTF_8);
      if (Partitioner.partitionOf(k, 2) == partition) {
        return k;
      }
    }
  }

  private long published() {
    return store.replicationStats().published();
  }

  @Test
  void anOverLimitPutIsRefusedBeforePublishingWhetherOrNotThisReplicaHoldsTheKey() {
    store.put(notHeld, new byte[10]); // a small one is published
    store.awaitPublished();
    long before = published();
    assertNotEquals(0, before);
    for (byte[] key : new byte[][] {notHeld, held}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.put(key, new byte[200_000]));
      assertTrue(e.getMessage().contains("200000"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> store.put(notHeld, new byte[1], Store.MAX_EXPIRE_AT + 1));
    store.awaitPublished();
    assertEquals(before, published(), "a refused put was published");
  }

  @Test
  void anOverLimitPutInsideUpdateIsRefusedBeforePublishing() {
    store.awaitPublished();
    long before = published();
    for (byte[] key : new byte[][] {notHeld, held}) {
      assertThrows(IllegalArgumentException.class, () -> store.update(key, (current, w) -> {
        w.put(new byte[200_000], Store.NEVER);
        return null;
      }));
    }
    store.awaitPublished();
    assertEquals(before, published(), "a refused update was published");
  }
}
