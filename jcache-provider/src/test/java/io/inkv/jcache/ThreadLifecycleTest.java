package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.jcache.configuration.InkvConfiguration;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CompletionListenerFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No inkv thread outlives a closed cache manager: the stores' maintenance thread, the writer of the
 * next segment and the listener threads all end before {@code CacheManager.close()} returns.
 *
 * <p>The threads are shared by every store and cache manager of the JVM, so a manager another test
 * left open would keep them alive and hide a leak here. The check therefore runs in a JVM of its
 * own ({@link Probe}), which uses every kind of thread, lists the inkv threads alive, closes the
 * manager and lists them again.
 */
class ThreadLifecycleTest {
  private static final String OPEN = "open: ";
  private static final String CLOSED = "closed: ";

  @Test
  void noInkvThreadSurvivesAClosedCacheManager(@TempDir Path dir) throws Exception {
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Probe.class.getName(),
        dir.toString());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), output);
    assertEquals(0, p.exitValue(), output);

    String open = line(output, OPEN);
    assertTrue(open.contains("inkv-maintenance"), "the probe used the maintenance thread: " + output);
    assertTrue(open.contains("inkv-segment-allocator"), "the probe used the segment writer: " + output);
    assertTrue(open.contains("inkv-jcache-events-"), "the probe used the listener threads: " + output);
    assertEquals("[]", line(output, CLOSED), "inkv threads alive after CacheManager.close() returned: " + output);
  }

  private static String line(String output, String prefix) {
    return output.lines().filter(l -> l.startsWith(prefix)).findFirst()
        .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in:\n" + output)).substring(prefix.length());
  }

  /** Uses a cache manager's every kind of thread, closes it, and prints the inkv threads alive before and after. */
  public static final class Probe {
    public static void main(String[] args) throws Exception {
      CacheManager manager = Caching.getCachingProvider(Providers.INKV).getCacheManager();

      Cache<Integer, String> temporary = manager.createCache("temporary", InkvConfiguration.of(Integer.class, String.class)
          .setCacheLoaderFactory(FactoryBuilder.factoryOf(Loader.class)));
      temporary.registerCacheEntryListener(new MutableCacheEntryListenerConfiguration<>(
          FactoryBuilder.factoryOf(Created.class), null, false, false));
      CompletionListenerFuture loaded = new CompletionListenerFuture();
      temporary.loadAll(Set.of(1, 2, 3), false, loaded); // runs on the listener threads
      loaded.get(30, TimeUnit.SECONDS);
      Cache<Integer, String> persistent = manager.createCache("persistent", InkvConfiguration.of(Integer.class, String.class)
          .setPersistent(true).setDirectory(Path.of(args[0], "persistent")).setSegmentSize(64 * 1024));

      for (int i = 0; i < 100; i++) {
        temporary.put(i, "v");
      }
      Created.LATCH.await(30, TimeUnit.SECONDS);
      // until a segment is half full and maintenance has the writer prepare the next one
      String value = "v".repeat(200);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      for (int i = 0; !inkvThreads().toString().contains("inkv-segment-allocator") && System.nanoTime() < deadline; i++) {
        persistent.put(i, value);
        if (i % 20 == 19) {
          Thread.sleep(5);
        }
      }
      System.out.println(OPEN + inkvThreads());
      manager.close();
      System.out.println(CLOSED + inkvThreads());
    }

    private static Set<String> inkvThreads() {
      Set<String> names = new TreeSet<>();
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.getName().startsWith("inkv-") && t.isAlive()) {
          names.add(t.getName());
        }
      }
      return names;
    }
  }

  /** Loads "loaded-" + the key. */
  public static final class Loader implements CacheLoader<Integer, String> {
    @Override
    public String load(Integer key) {
      return "loaded-" + key;
    }

    @Override
    public Map<Integer, String> loadAll(Iterable<? extends Integer> keys) {
      Map<Integer, String> out = new java.util.HashMap<>();
      for (Integer k : keys) {
        out.put(k, load(k));
      }
      return out;
    }
  }

  /** Counts created events (asynchronous: they run on the listener threads). */
  public static final class Created implements CacheEntryCreatedListener<Integer, String>, Serializable {
    private static final long serialVersionUID = 1L;
    static final CountDownLatch LATCH = new CountDownLatch(100);

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {
      for (CacheEntryEvent<? extends Integer, ? extends String> e : events) {
        LATCH.countDown();
      }
    }
  }
}
