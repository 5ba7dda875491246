package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.jcache.management.CacheStatistics;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryListenerException;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.expiry.AccessedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.expiry.TouchedExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read-only cache opens the files of an existing persistent cache: reads work, every write fails
 * with a CacheException that says so before any listener, statistic or change, nothing in the
 * directory changes (not even on destroyCache), and the settings that would write are refused at
 * creation naming themselves.
 */
class ReadOnlyCacheTest {
  @TempDir
  Path directory;
  private Path users;
  private final List<CacheManager> managers = new ArrayList<>();

  /** Every event a listener was told of, across the caches of a test. */
  static final List<String> EVENTS = java.util.Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void aPersistentCacheWithData() {
    EVENTS.clear();
    users = directory.resolve("users");
    CacheManager writer = manager("writer");
    Cache<String, String> cache = writer.createCache("users", InkvConfiguration.of(String.class, String.class)
        .setPersistent(true).setDirectory(users));
    cache.put("ada", "Ada Lovelace");
    cache.put("alan", "Alan Turing");
    writer.close();
  }

  @AfterEach
  void closeManagers() {
    managers.forEach(CacheManager::close);
  }

  private CacheManager manager(String name) {
    CacheManager m = Providers.inkv().getCacheManager(URI.create("read-only-test-" + name), getClass().getClassLoader());
    managers.add(m);
    return m;
  }

  private InkvConfiguration<String, String> readOnly() {
    return InkvConfiguration.of(String.class, String.class).setPersistent(true).setDirectory(users).setReadOnly(true);
  }

  /** Every file of the directory and a digest of its bytes: "nothing changed" means this is equal. */
  private static Map<String, String> contents(Path dir) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        try {
          files.put(dir.relativize(p).toString(),
              HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
        } catch (java.security.NoSuchAlgorithmException e) {
          throw new AssertionError(e);
        }
      }
    }
    return files;
  }

  @Test
  void aReadOnlyCacheReadsTheDataAndEveryWriteFailsSayingSoBeforeAnyEventStatisticOrChange() throws Exception {
    Map<String, String> before = contents(users);
    InkvConfiguration<String, String> config = readOnly().setStatisticsEnabled(true);
    config.addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
        FactoryBuilder.factoryOf(Recorder.class), null, true, true));
    Cache<String, String> cache = manager("reader").createCache("users", config);
    assertEquals("Ada Lovelace", cache.get("ada"));
    assertEquals(Map.of("ada", "Ada Lovelace", "alan", "Alan Turing"), cache.getAll(Set.of("ada", "alan")));
    assertTrue(cache.containsKey("alan"));

    Map<String, Consumer<Cache<String, String>>> writes = new TreeMap<>();
    writes.put("put", c -> c.put("ada", "changed"));
    writes.put("put new", c -> c.put("grace", "Grace Hopper"));
    writes.put("putAll", c -> c.putAll(Map.of("ada", "changed", "grace", "Grace Hopper")));
    writes.put("putIfAbsent", c -> c.putIfAbsent("grace", "Grace Hopper"));
    writes.put("getAndPut", c -> c.getAndPut("ada", "changed"));
    writes.put("replace", c -> c.replace("ada", "changed"));
    writes.put("replace if", c -> c.replace("ada", "Ada Lovelace", "changed"));
    writes.put("getAndReplace", c -> c.getAndReplace("ada", "changed"));
    writes.put("remove", c -> c.remove("ada"));
    writes.put("remove if", c -> c.remove("ada", "Ada Lovelace"));
    writes.put("getAndRemove", c -> c.getAndRemove("ada"));
    writes.put("removeAll keys", c -> c.removeAll(Set.of("ada")));
    writes.put("removeAll", Cache::removeAll);
    writes.put("clear", Cache::clear);
    writes.put("invoke", c -> c.invoke("ada", (entry, args) -> {
      entry.setValue("changed");
      return null;
    }));
    writes.put("invokeAll", c -> c.invokeAll(Set.of("ada"), (entry, args) -> {
      entry.remove();
      return null;
    }));
    CacheStatistics statistics = ((StoreCache<String, String>) cache).statistics();
    long gets = statistics.getCacheGets();
    for (Map.Entry<String, Consumer<Cache<String, String>>> write : writes.entrySet()) {
      CacheException e = assertThrows(CacheException.class, () -> write.getValue().accept(cache), write.getKey());
      assertTrue(e.getMessage().startsWith("cache users is read-only (readOnly=true), so it cannot be written; write"
          + " through a cache of the same directory opened without readOnly"), write.getKey() + ": " + e.getMessage());
    }
    assertEquals(List.of(), EVENTS, "no listener heard of a refused write");
    assertEquals(0, statistics.getCachePuts(), "no put counted");
    assertEquals(0, statistics.getCacheRemovals(), "no removal counted");
    assertEquals(gets, statistics.getCacheGets(), "no hit or miss counted by a refused write");
    assertEquals("Ada Lovelace", cache.get("ada"));
    assertEquals("Alan Turing", cache.get("alan"));
    assertEquals(null, cache.get("grace"));
    cache.close();
    assertEquals(before, contents(users), "nothing in the directory changed");
  }

  @Test
  void destroyCacheClosesAReadOnlyCacheAndLeavesItsFiles() throws Exception {
    Map<String, String> before = contents(users);
    CacheManager manager = manager("reader");
    manager.createCache("users", readOnly());
    manager.destroyCache("users");
    assertEquals(before, contents(users));
    CacheManager again = manager("again");
    assertEquals("Ada Lovelace", again.createCache("users", InkvConfiguration.of(String.class, String.class)
        .setPersistent(true).setDirectory(users)).get("ada"), "a writable cache opens the data afterwards");
  }

  @Test
  void aReadOnlyCacheIsDeclaredInTheConfigurationFile() throws Exception {
    Path file = directory.resolve("inkv.properties");
    Files.writeString(file, "inkv.directory=" + directory.toString().replace("\\", "\\\\") + "\n"
        + "inkv.cache.users.persistent=true\n"
        + "inkv.cache.users.readOnly=true\n"
        + "inkv.cache.users.keyType=java.lang.String\n"
        + "inkv.cache.users.valueType=java.lang.String\n");
    CacheManager manager = Providers.inkv().getCacheManager(file.toUri(), getClass().getClassLoader());
    managers.add(manager);
    Cache<String, String> cache = manager.getCache("users", String.class, String.class);
    @SuppressWarnings("unchecked")
    InkvConfiguration<String, String> c = cache.getConfiguration(InkvConfiguration.class);
    assertTrue(c.isReadOnly());
    assertEquals("Ada Lovelace", cache.get("ada"));
    CacheException e = assertThrows(CacheException.class, () -> cache.put("ada", "changed"));
    assertTrue(e.getMessage().contains("is read-only"), e.getMessage());
  }

  @Test
  void aReadOnlyCacheWithoutFilesToReadFailsAtCreationSayingSo() {
    CacheException e = assertThrows(CacheException.class, () -> manager("reader").createCache("none",
        readOnly().setDirectory(directory.resolve("none"))));
    assertTrue(e.getMessage().contains("no store here") && e.getMessage().contains("read-only"), e.getMessage());
    assertTrue(!Files.exists(directory.resolve("none")), "nothing was created");
  }

  @Test
  void settingsThatWouldWriteAreRefusedAtCreationNamingThemselves() {
    assertRefused(InkvConfiguration.of(String.class, String.class).setReadOnly(true),
        "cache users is read-only but not persistent", "setPersistent(true)");
    assertRefused(readOnly().setCacheLoaderFactory(FactoryBuilder.factoryOf(NoLoader.class)),
        "cache users is read-only and has a CacheLoader", "remove the loader");
    assertRefused(readOnly().setReadThrough(true), "cache users is read-only and has read-through set",
        "remove the loader and read-through");
    assertRefused(readOnly().setWriteThrough(true).setCacheWriterFactory(FactoryBuilder.factoryOf(NoWriter.class)),
        "cache users is read-only and write-through", "remove write-through");
    assertRefused(readOnly().setExpiryPolicyFactory(TouchedExpiryPolicy.factoryOf(new Duration(TimeUnit.MINUTES, 1))),
        "cache users is read-only, but its expiry policy (javax.cache.expiry.TouchedExpiryPolicy) sets a new expiry"
            + " time when an entry is read", "a time to live");
    assertRefused(readOnly().setExpiryPolicyFactory(AccessedExpiryPolicy.factoryOf(new Duration(TimeUnit.MINUTES, 1))),
        "cache users is read-only, but its expiry policy (javax.cache.expiry.AccessedExpiryPolicy)", "a time to live");
    assertRefused(readOnly().setReplication(io.inkv.replication.ReplicationConfig.builder("users", "127.0.0.1:1")
        .build()), "cache users is read-only and replicated", "remove its replication settings");
    // a time to live only writes when the application writes: allowed
    Cache<String, String> ttl = manager("ttl").createCache("users",
        readOnly().setExpiryPolicyFactory(ModifiedExpiryPolicy.factoryOf(new Duration(TimeUnit.MINUTES, 10))));
    assertEquals("Ada Lovelace", ttl.get("ada"));
  }

  private void assertRefused(InkvConfiguration<String, String> config, String says, String recommends) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> manager("refused").createCache("users", config));
    assertTrue(e.getMessage().startsWith(says), e.getMessage());
    assertTrue(e.getMessage().contains(recommends), e.getMessage());
  }

  @Test
  void whenTheStoreRecommendsReadOnlyTheCacheSaysHowToSetItOnACache() throws Exception {
    // a lock file the store cannot open for writing (here a directory in its place): the store's
    // message recommends opening read-only, which for a cache is InkvConfiguration.setReadOnly
    Path blocked = directory.resolve("blocked");
    Files.createDirectories(blocked.resolve("inkv.lock"));
    CacheException e = assertThrows(CacheException.class, () -> manager("writer2").createCache("blocked",
        InkvConfiguration.of(String.class, String.class).setPersistent(true).setDirectory(blocked)));
    assertTrue(e.getMessage().contains("cannot open the store in " + blocked), e.getMessage());
    assertTrue(e.getMessage().endsWith("(for this cache: InkvConfiguration.setReadOnly(true), or"
        + " inkv.cache.blocked.readOnly=true in the configuration file)"), e.getMessage());
  }

  /** Records every event it hears in {@link #EVENTS}. */
  public static final class Recorder implements CacheEntryCreatedListener<String, String>,
      CacheEntryUpdatedListener<String, String>, CacheEntryRemovedListener<String, String> {
    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events)
        throws CacheEntryListenerException {
      events.forEach(e -> EVENTS.add(e.getEventType() + " " + e.getKey()));
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events)
        throws CacheEntryListenerException {
      events.forEach(e -> EVENTS.add(e.getEventType() + " " + e.getKey()));
    }

    @Override
    public void onRemoved(Iterable<CacheEntryEvent<? extends String, ? extends String>> events)
        throws CacheEntryListenerException {
      events.forEach(e -> EVENTS.add(e.getEventType() + " " + e.getKey()));
    }
  }

  /** A loader a read-only cache must refuse. */
  public static final class NoLoader implements CacheLoader<String, String> {
    @Override
    public String load(String key) {
      throw new AssertionError("a read-only cache called its loader");
    }

    @Override
    public Map<String, String> loadAll(Iterable<? extends String> keys) {
      throw new AssertionError("a read-only cache called its loader");
    }
  }

  /** A writer a read-only cache must refuse. */
  public static final class NoWriter implements CacheWriter<String, String> {
    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {
      throw new AssertionError("a read-only cache called its writer");
    }

    @Override
    public void writeAll(java.util.Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      throw new AssertionError("a read-only cache called its writer");
    }

    @Override
    public void delete(Object key) {
      throw new AssertionError("a read-only cache called its writer");
    }

    @Override
    public void deleteAll(java.util.Collection<?> keys) {
      throw new AssertionError("a read-only cache called its writer");
    }
  }
}
