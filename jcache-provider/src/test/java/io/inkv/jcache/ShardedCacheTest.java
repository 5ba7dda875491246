package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.replication.Replica;
import io.inkv.replication.ReplicationConfig;
import io.inkv.replication.testkit.KafkaTestBroker;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.Test;

/**
 * A sharded replicated cache (ownedPartitions) refuses every keyed operation on a key of a partition
 * it does not hold, before any side effect, naming the partition; against a real (in-process) broker.
 */
class ShardedCacheTest {

  private static CachingProvider provider() {
    return javax.cache.Caching.getCachingProvider(io.inkv.jcache.spi.InkvCachingProvider.class.getName());
  }

  private static InkvConfiguration<String, String> sharded(ReplicationConfig.Builder rc, Set<Integer> owned) {
    return InkvConfiguration.of(String.class, String.class).setReplication(rc.ownedPartitions(owned).build());
  }

  @Test
  void everyKeyedOperationOnAKeyOfAnotherShardIsRefusedNamingItsPartitionAndChangesNothing() throws Exception {
    String store = "shard" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    ReplicationConfig.Builder rc = ReplicationConfig.builder(store, KafkaTestBroker.shared().bootstrapServers())
        .partitions(4).replicationFactor((short) 1);
    CachingProvider provider = provider();
    try (CacheManager m1 = provider.getCacheManager(URI.create("one-" + store), getClass().getClassLoader());
         CacheManager m2 = provider.getCacheManager(URI.create("two-" + store), getClass().getClassLoader())) {
      Cache<String, String> one = m1.createCache("users", sharded(rc, Set.of(0, 1)));
      Cache<String, String> two = m2.createCache("users", sharded(rc, Set.of(2, 3)));
      @SuppressWarnings("unchecked")
      InkvCache<String, String> inkv = one.unwrap(InkvCache.class);
      String mine = null;
      String theirs = null;
      for (int i = 0; mine == null || theirs == null; i++) {
        String k = "user" + i;
        if (inkv.partitionOf(k) < 2) {
          mine = mine == null ? k : mine;
        } else {
          theirs = theirs == null ? k : theirs;
        }
      }
      int p = inkv.partitionOf(theirs);
      @SuppressWarnings("unchecked")
      InkvCache<String, String> inkvTwo = two.unwrap(InkvCache.class);
      assertEquals(p, inkvTwo.partitionOf(theirs), "every replica computes the same partition");
      two.put(theirs, "the owner's");
      Replica replica = one.unwrap(Replica.class);
      String t = theirs;
      String mk = mine;
      Map<String, Consumer<Cache<String, String>>> operations = new LinkedHashMap<>();
      operations.put("get", c -> c.get(t));
      operations.put("getAll", c -> c.getAll(Set.of(mk, t)));
      operations.put("containsKey", c -> c.containsKey(t));
      operations.put("put", c -> c.put(t, "x"));
      operations.put("putAll", c -> c.putAll(Map.of(mk, "x", t, "x")));
      operations.put("putIfAbsent", c -> c.putIfAbsent(t, "x"));
      operations.put("getAndPut", c -> c.getAndPut(t, "x"));
      operations.put("remove", c -> c.remove(t));
      operations.put("remove(k, v)", c -> c.remove(t, "the owner's"));
      operations.put("getAndRemove", c -> c.getAndRemove(t));
      operations.put("replace(k, v)", c -> c.replace(t, "x"));
      operations.put("replace(k, old, new)", c -> c.replace(t, "the owner's", "x"));
      operations.put("getAndReplace", c -> c.getAndReplace(t, "x"));
      operations.put("invoke", c -> c.invoke(t, (e, args) -> {
        e.setValue("x");
        return null;
      }));
      operations.put("invokeAll", c -> c.invokeAll(Set.of(mk, t), (e, args) -> {
        e.setValue("x");
        return null;
      }));
      operations.put("removeAll(keys)", c -> c.removeAll(Set.of(mk, t)));
      operations.put("loadAll", c -> c.loadAll(Set.of(t), true, null));
      for (Map.Entry<String, Consumer<Cache<String, String>>> op : operations.entrySet()) {
        InkvCache.NotOwnedException e = assertThrows(InkvCache.NotOwnedException.class, () -> op.getValue().accept(one),
            op.getKey());
        assertEquals(p, e.partition(), op.getKey());
        assertEquals(Set.of(0, 1), e.ownedPartitions(), op.getKey());
        assertTrue(e.getMessage().contains("belongs to partition " + p) && e.getMessage().contains(t), e.getMessage());
      }
      assertEquals(0, replica.replicationStats().published(), "nothing was published for a refused operation");
      assertEquals(0, inkv.estimatedSize(), "nothing was stored");
      // the owner's entry is untouched, and a key of this shard works as in any cache
      one.put(mk, "mine");
      assertEquals("mine", one.get(mk));
      assertTrue(replica.awaitCaughtUp(Duration.ofSeconds(30)));
      Replica owner = two.unwrap(Replica.class);
      assertTrue(owner.awaitCaughtUp(Duration.ofSeconds(30)));
      assertEquals("the owner's", two.get(theirs));
      assertEquals(1, replica.replicationStats().published());
      // whole-cache operations cover this shard: the iterator sees its entries only
      List<String> keys = new java.util.ArrayList<>();
      one.forEach(e -> keys.add(e.getKey()));
      assertEquals(List.of(mk), keys);
    }
  }

  @Test
  void aCacheHoldingEveryPartitionRefusesNothing() throws Exception {
    String store = "unsharded" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    ReplicationConfig.Builder rc = ReplicationConfig.builder(store, KafkaTestBroker.shared().bootstrapServers())
        .partitions(2).replicationFactor((short) 1);
    try (CacheManager m = provider().getCacheManager(URI.create("all-" + store), getClass().getClassLoader())) {
      Cache<String, String> all = m.createCache("users", sharded(rc, Set.of(0, 1)));
      for (int i = 0; i < 20; i++) {
        assertTrue(all.putIfAbsent("k" + i, "v"));
      }
      assertEquals(20, all.getAll(new java.util.HashSet<>(List.of("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8",
          "k9", "k10", "k11", "k12", "k13", "k14", "k15", "k16", "k17", "k18", "k19"))).size());
    }
  }
}
