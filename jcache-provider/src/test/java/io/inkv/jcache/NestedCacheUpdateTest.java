package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.inkv.jcache.configuration.InkvConfiguration;
import java.io.Serializable;
import java.net.URI;
import java.util.Collection;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.integration.CacheWriter;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.Test;

/**
 * A CacheWriter runs inside its cache's update, on the caller's thread, and may write to another
 * cache; the by-value tier reuses its per-thread adapter and the store its per-lock writer, so the
 * inner write must get its own and leave the outer update's state (its entry, its writer) whole.
 */
class NestedCacheUpdateTest {
  private static volatile Cache<String, String> mirror;

  /** Mirrors every write and delete into {@link #mirror}. */
  static final class MirroringWriter implements CacheWriter<String, String>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {
      mirror.put(entry.getKey(), "mirror of " + entry.getValue());
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      for (Cache.Entry<? extends String, ? extends String> e : entries) {
        write(e);
      }
      entries.clear();
    }

    @Override
    public void delete(Object key) {
      mirror.remove((String) key);
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      for (Object key : keys) {
        delete(key);
      }
      keys.clear();
    }
  }

  @Test
  void aCacheWriterThatWritesToAnotherCacheLeavesBothChangesWhole() {
    CachingProvider provider = Providers.inkv();
    try (CacheManager m = provider.getCacheManager(URI.create("nested-" + System.nanoTime()),
        provider.getDefaultClassLoader())) {
      mirror = m.createCache("mirror", InkvConfiguration.of(String.class, String.class));
      InkvConfiguration<String, String> config = InkvConfiguration.of(String.class, String.class);
      config.setCacheWriterFactory(FactoryBuilder.factoryOf(new MirroringWriter()));
      config.setWriteThrough(true);
      Cache<String, String> written = m.createCache("written", config);
      mirror.put("k", "before");

      written.put("k", "one");
      assertEquals("one", written.getAndPut("k", "two"), "the outer update reads its entry after the inner write");
      assertEquals("two", written.get("k"));
      assertEquals("mirror of two", mirror.get("k"));
      assertEquals("two", written.getAndReplace("k", "three"));
      assertEquals("mirror of three", mirror.get("k"));
      assertEquals("three", written.getAndRemove("k"));
      assertNull(written.get("k"));
      assertNull(mirror.get("k"));
    } finally {
      mirror = null;
    }
  }
}
