package io.inkv.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/** Micrometer's cache meters on the inkv caches, bound through Spring Boot's meter registry. */
class CacheMetricsTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(InkvCacheAutoConfiguration.class))
      .withConfiguration(BootClasses.autoConfigurations(BootClasses.METRICS, BootClasses.COMPOSITE_METER_REGISTRY,
          BootClasses.SIMPLE_METER_REGISTRY))
      .withPropertyValues("inkv.cache-names=books", "inkv.cache.small.max-entries=2");

  private static double counter(MeterRegistry registry, String name, String cache, String... tags) {
    return registry.get(name).tag("cache", cache).tags(tags).functionCounter().count();
  }

  @Test
  void hitsMissesPutsEvictionsAndSizeMove() {
    runner.run(context -> {
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      CacheManager manager = context.getBean(CacheManager.class);
      Cache books = manager.getCache("books");

      books.get("a");
      books.put("a", 1);
      books.get("a");
      books.get("b", () -> "loaded");
      books.get("b", () -> "again");

      assertThat(counter(registry, "cache.gets", "books", "result", "hit")).isEqualTo(2);
      assertThat(counter(registry, "cache.gets", "books", "result", "miss")).isEqualTo(2);
      assertThat(counter(registry, "cache.puts", "books")).isEqualTo(2);
      assertThat(registry.get("cache.size").tag("cache", "books").gauge().value()).isEqualTo(2);
      assertThat(registry.get("cache.size").tag("cache", "books").tag("cache.manager", "cacheManager")
          .tag("name", "books").gauge()).isNotNull();

      Cache small = manager.getCache("small");
      for (int i = 0; i < 5; i++) {
        small.put(i, i);
      }
      assertThat(counter(registry, "cache.evictions", "small")).isEqualTo(3);
      assertThat(counter(registry, "cache.evictions", "books")).isZero();
    });
  }

  @Test
  void aCacheCreatedOnFirstUseIsMeasuredToo() {
    runner.run(context -> {
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      assertThat(registry.find("cache.puts").tag("cache", "later").functionCounter()).isNull();
      context.getBean(CacheManager.class).getCache("later").put("k", "v");
      assertThat(counter(registry, "cache.puts", "later")).isEqualTo(1);
    });
  }

  @Test
  void withoutMicrometerThereAreNoMetricsAndNoFailure() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(InkvCacheAutoConfiguration.class))
        .withClassLoader(new FilteredClassLoader("io.micrometer.core"))
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).hasSingleBean(InkvCacheManager.class);
          assertThat(context).doesNotHaveBean("inkvCacheMetrics");
        });
  }
}
