package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.store.Durability;
import io.inkv.store.Store;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a cache's files live, and which of them outlive what. */
class PersistentCacheTest {
  record User(long id, String name, int age) {}

  @TempDir
  Path directory;

  @Test
  void aPersistentCacheIsReopenedWithItsDataByANewCacheManager() {
    CachingProvider provider = Providers.inkv();
    URI uri = URI.create("persistent-test");
    InkvConfiguration<String, User> config = InkvConfiguration.of(String.class, User.class)
        .setPersistent(true).setDirectory(directory.resolve("users")).setDurability(Durability.EVERY_WRITE);

    CacheManager first = provider.getCacheManager(uri, getClass().getClassLoader());
    Cache<String, User> users = first.createCache("users", config);
    users.put("ada", new User(1, "Ada", 36));
    users.put("alan", new User(2, "Alan", 41));
    users.remove("alan");
    first.close();
    assertTrue(Files.isDirectory(directory.resolve("users")), "the files stay when the manager closes");
    assertTrue(Files.exists(directory.resolve("users").resolve("index.img")), "with the index image a reopen loads");

    CacheManager second = provider.getCacheManager(uri, getClass().getClassLoader());
    Cache<String, User> reopened = second.createCache("users", config);
    assertEquals(new User(1, "Ada", 36), reopened.get("ada"));
    assertNull(reopened.get("alan"));
    second.destroyCache("users");
    assertFalse(Files.exists(directory.resolve("users")), "destroyCache deletes the files");
    second.close();
  }

  @Test
  void aTemporaryCacheLivesInTheManagersTemporaryDirectoryUntilItCloses() {
    CacheManager manager = Providers.inkv().getCacheManager(URI.create("temporary-test"), getClass().getClassLoader());
    Cache<String, String> cache = manager.createCache("scratch", new MutableConfiguration<String, String>());
    cache.put("k", "v");
    Path storeDirectory = cache.unwrap(Store.class).directory();
    assertTrue(storeDirectory.startsWith(Path.of(System.getProperty("java.io.tmpdir"))), storeDirectory.toString());
    assertTrue(storeDirectory.getParent().getFileName().toString().startsWith("inkv-"), storeDirectory.toString());
    assertTrue(Files.isDirectory(storeDirectory));
    cache.unwrap(Store.class).flush(); // a persistent store writes its index image here
    assertFalse(Files.exists(storeDirectory.resolve("index.img")),
        "a temporary cache's store writes no index image: nothing of it outlives the cache");
    cache.close();
    assertFalse(Files.exists(storeDirectory), "a temporary cache's files go when it closes");
    manager.close();
    assertFalse(Files.exists(storeDirectory.getParent()), "the manager's temporary directory goes when it closes");
  }

  @Test
  void aReturnedValueIsACopyTheCallerMayChange() {
    CacheManager manager = Providers.inkv().getCacheManager(URI.create("copy-test"), getClass().getClassLoader());
    Cache<String, byte[]> cache = manager.createCache("bytes", new MutableConfiguration<String, byte[]>()
        .setTypes(String.class, byte[].class));
    byte[] value = {1, 2, 3};
    cache.put("k", value);
    value[0] = 9;
    byte[] read = cache.get("k");
    assertEquals(1, read[0], "the cache kept its own copy");
    read[1] = 9;
    assertEquals(2, cache.get("k")[1], "changing a returned value changes nothing stored");
    manager.close();
  }
}
