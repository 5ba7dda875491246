package io.inkv.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.inkv.jcache.InkvCache;
import io.inkv.replication.testkit.KafkaTestBroker;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

/**
 * No inkv thread outlives a closed Spring context: the stores' maintenance thread, the writer of the
 * next segment, the listener threads and a replicated cache's applier, checkpoint and publisher
 * threads all end before {@code context.close()} returns (a {@code spring-boot:run} or
 * {@code exec:java} stops at once, and a container that undeploys the application is not left with
 * threads of it).
 *
 * <p>Some of the threads are shared by every store of the JVM, so a cache another test left open
 * would keep them alive and hide a leak here. The check therefore runs the application in a JVM of
 * its own ({@link Probe}); the Kafka broker runs in this one.
 */
class ThreadLifecycleTest {
  private static final String OPEN = "open: ";
  private static final String CLOSED = "closed: ";

  @Test
  void noInkvThreadSurvivesAClosedSpringContext(@TempDir Path dir) throws Exception {
    String output;
    int exit;
    try (KafkaTestBroker kafka = KafkaTestBroker.start()) {
      List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Probe.class.getName(),
          dir.toString(), kafka.bootstrapServers());
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(output).isTrue();
      exit = p.exitValue();
    }
    assertThat(exit).as(output).isZero();

    assertThat(line(output, OPEN)).as("the threads the application used, in: %s", output)
        .contains("inkv-maintenance", "inkv-segment-allocator", "inkv-jcache-events-",
            "inkv-applier-shared", "inkv-publisher-shared");
    assertThat(line(output, CLOSED)).as("inkv threads alive after the context closed, in: %s", output).isEqualTo("[]");
  }

  private static String line(String output, String prefix) {
    return output.lines().filter(l -> l.startsWith(prefix)).findFirst()
        .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in:\n" + output)).substring(prefix.length());
  }

  /** The application the probe runs: the inkv auto-configuration and a cached service. */
  @SpringBootConfiguration
  @ImportAutoConfiguration(InkvCacheAutoConfiguration.class)
  @Import(CachingAnnotationsTest.CachingConfiguration.class)
  static class Application {}

  /** Runs an application that uses every kind of inkv thread, closes it, and prints the inkv threads alive before and after. */
  public static final class Probe {
    public static void main(String[] args) throws Exception {
      ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
          .web(WebApplicationType.NONE)
          .run("--spring.main.banner-mode=off",
              "--inkv.directory=" + args[0],
              "--inkv.cache-names=books",
              "--inkv.cache.books.persistent=true",
              "--inkv.cache.books.segment-size=64KB",
              "--inkv.cache.shared.replication.bootstrap-servers=" + args[1],
              "--inkv.cache.shared.replication.write-mode=fire-and-forget",
              "--inkv.cache.shared.replication.partitions=1",
              "--inkv.cache.shared.replication.replication-factor=1");
      CacheManager caches = context.getBean(CacheManager.class);
      Library library = context.getBean(Library.class);
      Cache books = caches.getCache("books");
      @SuppressWarnings("unchecked")
      InkvCache<Object, Object> nativeBooks = (InkvCache<Object, Object>) books.getNativeCache();
      nativeBooks.registerCacheEntryListener(new MutableCacheEntryListenerConfiguration<>(
          FactoryBuilder.factoryOf(Created.class), null, false, false));

      for (long id = 0; id < 100; id++) {
        library.title(id);
      }
      caches.getCache("shared").put("k", "v");
      Created.LATCH.await(30, TimeUnit.SECONDS);
      // until a segment is half full and maintenance has the writer prepare the next one
      String value = "v".repeat(200);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      for (long id = 1; !inkvThreads().toString().contains("inkv-segment-allocator") && System.nanoTime() < deadline; id++) {
        books.put(-id, value);
        if (id % 20 == 0) {
          Thread.sleep(5);
        }
      }
      System.out.println(OPEN + inkvThreads());
      context.close();
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

  /** Counts created events (asynchronous: they run on the listener threads). */
  public static final class Created implements CacheEntryCreatedListener<Object, Object>, Serializable {
    private static final long serialVersionUID = 1L;
    static final CountDownLatch LATCH = new CountDownLatch(100);

    @Override
    public void onCreated(Iterable<CacheEntryEvent<?, ?>> events) {
      for (CacheEntryEvent<?, ?> e : events) {
        LATCH.countDown();
      }
    }
  }
}
