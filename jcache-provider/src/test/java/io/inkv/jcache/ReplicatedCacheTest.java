package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.replication.Replica;
import io.inkv.replication.ReplicationConfig;
import io.inkv.replication.testkit.KafkaTestBroker;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JCache caches replicated through Kafka: two cache managers stand for two JVMs. */
class ReplicatedCacheTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  static final List<String> SEEN = new CopyOnWriteArrayList<>();

  @TempDir
  Path tmp;

  /** Records every event it sees as "TYPE key=value". */
  public static final class Recorder implements CacheEntryCreatedListener<String, String>,
      CacheEntryUpdatedListener<String, String>, CacheEntryRemovedListener<String, String>, Serializable {
    private static final long serialVersionUID = 1L;

    private static void record(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      for (CacheEntryEvent<? extends String, ? extends String> e : events) {
        SEEN.add(e.getEventType() + " " + e.getKey() + "=" + e.getValue());
      }
    }

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      record(events);
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      record(events);
    }

    @Override
    public void onRemoved(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      record(events);
    }
  }

  private static CachingProvider provider() {
    return javax.cache.Caching.getCachingProvider(io.inkv.jcache.spi.InkvCachingProvider.class.getName());
  }

  @Test
  void aPutInOneCacheManagerReachesTheOtherAndItsListenersSeeTheRemoteChanges() throws Exception {
    String store = "cache" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
    ReplicationConfig rc = ReplicationConfig.builder(store, KafkaTestBroker.shared().bootstrapServers()).partitions(2)
        .replicationFactor((short) 1).build();
    CachingProvider provider = provider();
    try (CacheManager one = provider.getCacheManager(URI.create("one-" + store), getClass().getClassLoader());
         CacheManager two = provider.getCacheManager(URI.create("two-" + store), getClass().getClassLoader())) {
      Cache<String, String> writer = one.createCache("users", InkvConfiguration.of(String.class, String.class)
          .setReplication(rc));
      Cache<String, String> reader = two.createCache("users", InkvConfiguration.of(String.class, String.class)
          .setReplication(rc).addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
              FactoryBuilder.factoryOf(Recorder.class), null, false, false)));
      SEEN.clear();
      writer.put("ada", "Lovelace");
      assertEquals("Lovelace", writer.get("ada"));
      writer.put("ada", "Byron");
      writer.remove("ada");
      writer.put("alan", "Turing");
      Replica replica = reader.unwrap(Replica.class);
      assertTrue(replica.awaitCaughtUp(Duration.ofSeconds(30)));
      assertEquals("Turing", reader.get("alan"));
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (SEEN.size() < 4 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      // Order is guaranteed per key (one key, one partition), not across keys in other partitions.
      List<String> seen = List.copyOf(SEEN);
      assertEquals(List.of("CREATED ada=Lovelace", "UPDATED ada=Byron", "REMOVED ada=Byron"),
          seen.stream().filter(e -> e.contains(" ada=")).toList());
      assertEquals(List.of("CREATED alan=Turing"), seen.stream().filter(e -> e.contains(" alan=")).toList());
      assertEquals(4, seen.size(), seen.toString());
      assertEquals(0, writer.unwrap(Replica.class).replicationStats().publishFailures());
    }
  }

  /** A value the record codec encodes, compared by identity in the by-reference test. */
  record Profile(String name, int visits) {}

  @Test
  void aByReferenceReplicatedCacheServesItsOwnInstancesAndEveryReplicaSeesTheWrite() throws Exception {
    String store = "byref" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
    ReplicationConfig rc = ReplicationConfig.builder(store, KafkaTestBroker.shared().bootstrapServers()).partitions(2)
        .replicationFactor((short) 1).build();
    CachingProvider provider = provider();
    try (CacheManager one = provider.getCacheManager(URI.create("one-" + store), getClass().getClassLoader());
         CacheManager two = provider.getCacheManager(URI.create("two-" + store), getClass().getClassLoader())) {
      Cache<String, Profile> a = one.createCache("profiles", InkvConfiguration.of(String.class, Profile.class)
          .setStoreByValue(false).setReplication(rc));
      Cache<String, Profile> b = two.createCache("profiles", InkvConfiguration.of(String.class, Profile.class)
          .setStoreByValue(false).setReplication(rc));
      Profile ada = new Profile("ada", 1);
      a.put("ada", ada);
      assertSame(ada, a.get("ada"), "a hit in the writing JVM is the instance it put");
      assertTrue(b.unwrap(Replica.class).awaitCaughtUp(Duration.ofSeconds(30)));
      Profile seen = b.get("ada");
      assertEquals(ada, seen, "the other replica decodes what the topic carried");
      assertSame(seen, b.get("ada"), "and then serves that instance by reference");
      Profile updated = new Profile("ada", 2);
      b.put("ada", updated);
      assertTrue(a.unwrap(Replica.class).awaitCaughtUp(Duration.ofSeconds(30)));
      assertEquals(updated, a.get("ada"), "a remote write replaces the instance this JVM put: never a stale hit");
      assertNotSame(ada, a.get("ada"));
    }
  }

  @Test
  void aReplicatedCacheIsDeclaredInInkvProperties() throws Exception {
    String store = "decl" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
    Path file = tmp.resolve("inkv.properties");
    Files.writeString(file, String.join("\n",
        "inkv.cache.users.keyType=java.lang.String",
        "inkv.cache.users.valueType=java.lang.String",
        "inkv.cache.users.replication.store=" + store,
        "inkv.cache.users.replication.bootstrapServers=" + KafkaTestBroker.shared().bootstrapServers(),
        "inkv.cache.users.replication.partitions=3",
        "inkv.cache.users.replication.replicationFactor=1",
        "inkv.cache.users.replication.writeMode=fire_and_forget",
        "inkv.cache.users.replication.remoteEvents=false",
        "inkv.cache.users.replication.kafka.client.dns.lookup=use_all_dns_ips",
        ""));
    try (CacheManager m = provider().getCacheManager(file.toUri(), getClass().getClassLoader())) {
      Cache<String, String> users = m.getCache("users", String.class, String.class);
      @SuppressWarnings("unchecked")
      ReplicationConfig rc = users.getConfiguration(InkvConfiguration.class).getReplication();
      assertEquals(store, rc.storeName());
      assertEquals(ReplicationConfig.WriteMode.FIRE_AND_FORGET, rc.writeMode());
      assertEquals("use_all_dns_ips", rc.kafkaProperties().get("client.dns.lookup"));
      users.put("k", "v");
      Replica replica = users.unwrap(Replica.class);
      assertEquals(3, replica.partitionCount());
      assertEquals(0, replica.awaitPublished());
    }
  }

  @Test
  void aWrongReplicationSettingFailsAtStartUpNamingIt() throws IOException {
    Path file = tmp.resolve("bad.properties");
    Files.writeString(file, "inkv.cache.c.replication.bootstrapServers=localhost:1\ninkv.cache.c.replication.partitons=3\n");
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(javax.cache.CacheException.class,
        () -> provider().getCacheManager(file.toUri(), getClass().getClassLoader()));
    assertTrue(e.getMessage().contains("inkv.cache.c.replication.partitons"), e.getMessage());
  }
}
