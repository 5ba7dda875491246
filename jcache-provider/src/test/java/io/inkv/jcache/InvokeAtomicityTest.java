package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.processor.EntryProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Entry processors run atomically per key, as Spring's {@code @Cacheable(sync = true)} relies on. */
class InvokeAtomicityTest {
  private static final EntryProcessor<String, Long, Long> INCREMENT = (entry, args) -> {
    long next = entry.exists() ? entry.getValue() + 1 : 1;
    entry.setValue(next);
    return next;
  };

  private CacheManager manager;

  @BeforeEach
  void openManager() {
    manager = Providers.inkv().getCacheManager(URI.create("invoke-test"), getClass().getClassLoader());
  }

  @AfterEach
  void closeManager() {
    manager.close();
  }

  @Test
  void concurrentIncrementsThroughInvokeLoseNoUpdate() throws Exception {
    Cache<String, Long> cache = manager.createCache("counters",
        new MutableConfiguration<String, Long>().setTypes(String.class, Long.class));
    int threads = 4;
    int perThread = 5_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < perThread; i++) {
          cache.invoke("counter", INCREMENT);
          cache.invoke("counter-" + (i % 8), INCREMENT);
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
    assertEquals(threads * perThread, cache.get("counter"));
    long spread = 0;
    for (int i = 0; i < 8; i++) {
      spread += cache.get("counter-" + i);
    }
    assertEquals(threads * perThread, spread);
  }
}
