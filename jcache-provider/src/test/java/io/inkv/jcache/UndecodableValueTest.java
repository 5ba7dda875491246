package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.replication.Replica;
import io.inkv.replication.ReplicatedStore;
import io.inkv.replication.Replication;
import io.inkv.replication.ReplicationConfig;
import io.inkv.replication.testkit.KafkaTestBroker;
import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stored bytes the value codec cannot decode are no entry: every read is a counted miss, never an
 * exception, and writes replace them; a replica refuses such a value from the topic.
 */
class UndecodableValueTest {
  @TempDir
  Path tmp;

  private static CachingProvider provider() {
    return javax.cache.Caching.getCachingProvider(io.inkv.jcache.spi.InkvCachingProvider.class.getName());
  }

  /** A value of the generated record codec; two bytes are not one. */
  record Profile(String name, long visits) {}

  @ParameterizedTest(name = "storeByValue={0}")
  @ValueSource(booleans = {true, false})
  void everyReadOfAValueThatDoesNotDecodeIsACountedMissAndWritesReplaceIt(boolean byValue) {
    try (CacheManager m = provider().getCacheManager(URI.create("undecodable-" + byValue + System.nanoTime()),
        getClass().getClassLoader())) {
      Cache<String, Profile> cache = m.createCache("profiles", InkvConfiguration.of(String.class, Profile.class)
          .setStoreByValue(byValue).setPersistent(true).setDirectory(tmp.resolve("p" + byValue)));
      @SuppressWarnings("unchecked")
      InkvCache<String, Profile> inkv = cache.unwrap(InkvCache.class);
      Store store = inkv.store();
      cache.put("good", new Profile("Ada", 1));
      for (String k : List.of("a", "b", "c", "d", "e", "f", "g", "h")) {
        store.put(inkv.keyCodec().encode(k), new byte[] {1, 2}); // written by "another application", bypassing the cache
      }
      assertNull(cache.get("a"));
      assertFalse(cache.containsKey("a"));
      assertEquals(Map.of("good", new Profile("Ada", 1)), cache.getAll(Set.of("a", "good")));
      List<String> seen = new ArrayList<>();
      cache.forEach(e -> seen.add(e.getKey()));
      assertEquals(List.of("good"), seen, "the iterator passes over the entries it cannot decode");
      String seenByProcessor = cache.invoke("b", (e, args) -> e.exists() ? "exists" : "absent");
      assertEquals("absent", seenByProcessor);
      assertFalse(cache.replace("b", new Profile("x", 0)));
      assertNull(cache.getAndReplace("b", new Profile("x", 0)));
      assertFalse(cache.remove("b", new Profile("x", 0)));
      assertNull(cache.getAndRemove("c"));
      assertNull(cache.getAndPut("d", new Profile("Grace", 2)));
      assertEquals(new Profile("Grace", 2), cache.get("d"));
      assertTrue(cache.putIfAbsent("e", new Profile("Alan", 3)), "an undecodable value is no entry: it is replaced");
      assertEquals(new Profile("Alan", 3), cache.get("e"));
      cache.put("f", new Profile("Edsger", 4));
      assertEquals(new Profile("Edsger", 4), cache.get("f"));
      assertTrue(inkv.undecodableValues() >= 9, "each miss was counted: " + inkv.undecodableValues());
      cache.removeAll();
      assertEquals(0, store.size(), "removeAll removes the undecodable entries too");
    }
  }

  @Test
  void aReplicaRefusesAPutFromTheTopicThatItsCodecCannotDecodeAndCountsIt() throws Exception {
    String name = "undecodable" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    ReplicationConfig rc = ReplicationConfig.builder(name, KafkaTestBroker.shared().bootstrapServers()).partitions(2)
        .replicationFactor((short) 1).build();
    try (CacheManager m = provider().getCacheManager(URI.create("r-" + name), getClass().getClassLoader())) {
      Cache<String, Profile> cache = m.createCache("profiles", InkvConfiguration.of(String.class, Profile.class)
          .setReplication(rc));
      @SuppressWarnings("unchecked")
      InkvCache<String, Profile> inkv = cache.unwrap(InkvCache.class);
      // a tool that writes raw bytes to the cache's store: it may join the topic, its values are checked
      try (ReplicatedStore tool = Replication.replicate(Store.open(StoreOptions.builder(tmp.resolve("tool")).build()),
          rc)) {
        tool.put(inkv.keyCodec().encode("bad"), new byte[] {1, 2});
        tool.put(inkv.keyCodec().encode("good"), inkv.valueCodec().encode(new Profile("Ada", 1)));
      }
      Replica replica = cache.unwrap(Replica.class);
      assertTrue(replica.awaitCaughtUp(Duration.ofSeconds(30)));
      assertEquals(new Profile("Ada", 1), cache.get("good"));
      assertNull(cache.get("bad"));
      assertFalse(inkv.store().containsKey(inkv.keyCodec().encode("bad")), "never stored");
      assertEquals(1, replica.replicationStats().failed());
      assertEquals(0, inkv.undecodableValues(), "refused when applied, so no read ever meets it");
    }
  }

  @Test
  void aCacheOfAnotherValueTypeCannotShareTheTopic() throws Exception {
    String name = "formats" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    ReplicationConfig rc = ReplicationConfig.builder(name, KafkaTestBroker.shared().bootstrapServers()).partitions(2)
        .replicationFactor((short) 1).build();
    try (CacheManager one = provider().getCacheManager(URI.create("f1-" + name), getClass().getClassLoader());
         CacheManager two = provider().getCacheManager(URI.create("f2-" + name), getClass().getClassLoader())) {
      one.createCache("profiles", InkvConfiguration.of(String.class, Profile.class).setReplication(rc));
      javax.cache.CacheException e = org.junit.jupiter.api.Assertions.assertThrows(javax.cache.CacheException.class,
          () -> two.createCache("profiles", InkvConfiguration.of(String.class, Long.class).setReplication(rc)));
      assertTrue(e.getMessage().contains(Profile.class.getName()) && e.getMessage().contains("java.lang.Long"),
          e.getMessage());
    }
  }
}
