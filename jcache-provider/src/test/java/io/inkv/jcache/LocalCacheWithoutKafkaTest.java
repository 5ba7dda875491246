package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.replication.ReplicationConfig;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.Test;

/**
 * kafka-clients is an optional dependency: a local cache must work, and load no Kafka class, when
 * it is not on the class path at all. The test runs the provider in a class loader built from the
 * test class path without any Kafka jar (so loading a Kafka class would fail), and proves the
 * same in this JVM by checking that no class of org.apache.kafka was loaded by a local cache.
 */
class LocalCacheWithoutKafkaTest {

  /** Runs in the Kafka-less class loader. */
  public static final class Probe {
    public static String run() {
      CachingProvider provider = Caching.getCachingProvider("io.inkv.jcache.spi.InkvCachingProvider",
          Probe.class.getClassLoader());
      try (CacheManager m = provider.getCacheManager(URI.create("no-kafka"), Probe.class.getClassLoader())) {
        Cache<String, String> c = m.createCache("local", InkvConfiguration.of(String.class, String.class));
        c.put("k", "v");
        String local = c.get("k");
        try {
          m.createCache("replicated", InkvConfiguration.of(String.class, String.class)
              .setReplication(ReplicationConfig.builder("s", "localhost:1").build()));
          return local + " / replicated cache created?!";
        } catch (javax.cache.CacheException e) {
          return local + " / " + e.getMessage();
        }
      }
    }
  }

  @Test
  void aLocalCacheRunsWithoutKafkaClientsOnTheClassPath() throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!entry.contains(File.separator + "kafka") && !entry.contains("org" + File.separator + "apache" + File.separator + "kafka")) {
        urls.add(Path.of(entry).toUri().toURL());
      }
    }
    try (URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader())) {
      assertThrows(ClassNotFoundException.class,
          () -> Class.forName("org.apache.kafka.clients.producer.KafkaProducer", false, loader));
      Class<?> probe = Class.forName(Probe.class.getName(), true, loader);
      String result;
      try {
        result = (String) probe.getMethod("run").invoke(null);
      } catch (InvocationTargetException e) {
        throw new AssertionError("the local cache failed without Kafka", e.getCause());
      }
      assertTrue(result.startsWith("v / "), result);
      assertTrue(result.contains("kafka-clients"), "a replicated cache says what is missing: " + result);
    }
  }

  @Test
  void aLocalCacheLoadsNoKafkaClass() throws Exception {
    // a fresh loader over the full class path (Kafka included), so no earlier test's loading counts
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      urls.add(Path.of(entry).toUri().toURL());
    }
    try (RecordingLoader loader = new RecordingLoader(urls.toArray(new URL[0]))) {
      Class<?> probe = Class.forName(LocalOnly.class.getName(), true, loader);
      assertEquals("v", probe.getMethod("run").invoke(null));
      for (String name : loader.loaded) {
        assertTrue(!name.startsWith("org.apache.kafka") && !name.startsWith("io.inkv.replication"),
            "a local cache loaded " + name);
      }
      assertTrue(loader.loaded.contains("io.inkv.jcache.StoreCache"));
    }
  }

  /** A local cache only. */
  public static final class LocalOnly {
    public static String run() {
      CachingProvider provider = Caching.getCachingProvider("io.inkv.jcache.spi.InkvCachingProvider",
          LocalOnly.class.getClassLoader());
      try (CacheManager m = provider.getCacheManager(URI.create("local-only"), LocalOnly.class.getClassLoader())) {
        Cache<String, String> c = m.createCache("local", InkvConfiguration.of(String.class, String.class));
        c.put("k", "v");
        return c.get("k");
      }
    }
  }

  private static final class RecordingLoader extends URLClassLoader {
    final List<String> loaded = new java.util.concurrent.CopyOnWriteArrayList<>();

    RecordingLoader(URL[] urls) {
      super(urls, ClassLoader.getPlatformClassLoader());
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      loaded.add(name);
      return super.findClass(name);
    }
  }
}
