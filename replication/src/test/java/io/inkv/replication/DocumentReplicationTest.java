package io.inkv.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.replication.testkit.KafkaTestBroker;
import io.inkv.store.StoreOptions;
import io.inkv.store.document.Document;
import io.inkv.store.document.DocumentStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replication of document stores: merges, field deletes, drops and partitioning by a field. */
class DocumentReplicationTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path tmp;
  private final List<ReplicatedDocumentStore> open = new ArrayList<>();

  @AfterEach
  void closeReplicas() {
    for (ReplicatedDocumentStore s : open) {
      s.close();
    }
  }

  ReplicatedDocumentStore replica(String dir, String name, String partitionField, Set<Integer> owned) {
    DocumentStore local = DocumentStore.open(StoreOptions.builder(tmp.resolve(dir)).build(), partitionField);
    ReplicatedDocumentStore r = Replication.replicate(local, ReplicationConfig.builder(name, KafkaTestBroker.shared().bootstrapServers())
        .partitions(4).replicationFactor((short) 1).ownedPartitions(owned).build());
    open.add(r);
    return r;
  }

  @Test
  void upsertsFieldDeletesDeletesAndDropsReachEveryReplica() throws Exception {
    String name = ReplicationTest.newStoreName();
    ReplicatedDocumentStore a = replica("a", name, null, null);
    ReplicatedDocumentStore b = replica("b", name, null, null);
    a.upsert("alice", Document.builder().put("name", "Alice").put("age", 22).build());
    assertEquals(OptionalInt.of(22), a.getInt("alice", "age"), "read-your-writes in the writer");
    b.upsert("alice", Document.builder().put("age", 25).put("city", "Paris").put("tmp_x", 1).build());
    a.upsert("bob", Document.builder().put("name", "Bob").put("age", 31).build());
    assertTrue(a.awaitCaughtUp(WAIT) && b.awaitCaughtUp(WAIT));
    for (ReplicatedDocumentStore r : List.of(a, b)) {
      assertEquals(Document.builder().put("name", "Alice").put("age", 25).put("city", "Paris").put("tmp_x", 1).build(),
          r.get("alice"));
    }
    b.deleteFields("alice", "city");
    a.delete("bob");
    a.dropFieldsWithPrefix("tmp_");
    b.upsert("carol", Document.builder().put("name", "Carol").build());
    assertTrue(a.awaitCaughtUp(WAIT) && b.awaitCaughtUp(WAIT));
    for (ReplicatedDocumentStore r : List.of(a, b)) {
      assertEquals(Document.builder().put("name", "Alice").put("age", 25).build(), r.get("alice"));
      assertNull(r.get("bob"));
      assertTrue(r.schema().field("tmp_x").isEmpty());
      assertEquals("Carol", r.getString("carol", "name").orElseThrow());
    }
    b.dropAll();
    a.upsert("dave", Document.builder().put("age", 40).build());
    assertTrue(a.awaitCaughtUp(WAIT) && b.awaitCaughtUp(WAIT));
    for (ReplicatedDocumentStore r : List.of(a, b)) {
      assertNull(r.get("alice"));
      assertEquals(OptionalInt.of(40), r.getInt("dave", "age"));
      assertEquals(1, r.store().size());
    }
  }

  @Test
  void documentsArePlacedByTheirPartitioningFieldAndAShardHoldsOnlyItsOwn() throws Exception {
    String name = ReplicationTest.newStoreName();
    ReplicatedDocumentStore full = replica("full", name, "region", null);
    ReplicatedDocumentStore shard = replica("shard", name, "region", Set.of(1));
    assertThrows(IllegalArgumentException.class, () -> full.upsert("x", Document.builder().put("a", 1).build()));
    int inShard = 0;
    for (int i = 0; i < 200; i++) {
      Document d = Document.builder().put("region", "r" + (i % 50)).put("n", i).build();
      full.upsert("doc" + i, d);
      int p = full.partitionOf(d);
      assertEquals(Partitioner.partitionOf(("r" + (i % 50)).getBytes(StandardCharsets.UTF_8), 4), p);
      assertEquals(p, full.partitionOf(("doc" + i).getBytes(StandardCharsets.UTF_8)));
      inShard += p == 1 ? 1 : 0;
    }
    assertTrue(full.awaitCaughtUp(WAIT) && shard.awaitCaughtUp(WAIT));
    assertEquals(inShard, shard.store().size());
    assertFalse(inShard == 0 || inShard == 200);
  }
}
