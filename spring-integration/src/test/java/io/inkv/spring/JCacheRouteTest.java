package io.inkv.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.inkv.jcache.InkvCache;
import io.inkv.jcache.configuration.InkvConfiguration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.cache.expiry.CreatedExpiryPolicy;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.jcache.JCacheCacheManager;

/**
 * The standard route: {@code spring.cache.type=jcache} with inkv as the JCache provider, through
 * Spring Boot's own JCache configuration and Spring's {@code JCacheCacheManager}.
 */
class JCacheRouteTest {
  private static final int THREADS = 8;

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(InkvCacheAutoConfiguration.class))
      .withConfiguration(BootClasses.autoConfigurations(BootClasses.CACHE))
      .withUserConfiguration(CachingAnnotationsTest.CachingConfiguration.class)
      .withPropertyValues("spring.cache.type=jcache",
          "spring.cache.jcache.provider=io.inkv.jcache.spi.InkvCachingProvider");

  private static InkvCache<?, ?> inkv(Cache cache) {
    return ((javax.cache.Cache<?, ?>) cache.getNativeCache()).unwrap(InkvCache.class);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static InkvConfiguration<?, ?> configuration(Cache cache) {
    return (InkvConfiguration<?, ?>) ((InkvCache) inkv(cache)).getConfiguration(InkvConfiguration.class);
  }

  @Test
  void springBootsJCacheConfigurationRunsOnInkv() {
    runner.withPropertyValues("spring.cache.cache-names=books,hot").run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).getBean(CacheManager.class).isInstanceOf(JCacheCacheManager.class);
      assertThat(context).doesNotHaveBean(InkvCacheManager.class);
      Cache books = context.getBean(CacheManager.class).getCache("books");
      assertThat(inkv(books)).isNotNull();

      Library library = context.getBean(Library.class);
      library.title(1);
      library.title(1);
      library.rename(1, "Dune");
      assertThat(library.title(1)).isEqualTo("Dune");
      library.forget(1);
      library.title(1);
      library.nothing("n");
      library.nothing("n");
      assertThat(library.calls()).isEqualTo(5);
    });
  }

  @Test
  void syncTrueRunsTheMethodOnceOnTheJCacheRouteToo() {
    runner.withPropertyValues("spring.cache.cache-names=books,hot").run(context -> {
      Library library = context.getBean(Library.class);
      library.holdLoads();
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      try {
        List<Thread> askers = new ArrayList<>();
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
          results.add(pool.submit(() -> {
            synchronized (askers) {
              askers.add(Thread.currentThread());
            }
            return library.slow("k");
          }));
        }
        assertThat(library.awaitLoading()).isTrue();
        Threads.awaitParked(askers, THREADS);
        library.releaseLoads();
        for (Future<String> result : results) {
          assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("loaded-k");
        }
        assertThat(library.calls()).isEqualTo(1);
      } finally {
        pool.shutdownNow();
      }
    });
  }

  @Test
  void theProvidersConfigurationFileDeclaresTheCaches() {
    runner.withPropertyValues("spring.cache.jcache.config=classpath:inkv-spring-jcache.properties").run(context -> {
      assertThat(context).hasNotFailed();
      CacheManager manager = context.getBean(CacheManager.class);
      assertThat(manager.getCacheNames()).containsExactlyInAnyOrder("books", "hot");
      assertThat(configuration(manager.getCache("books")).getMaxEntries()).isEqualTo(100);
      assertThat(configuration(manager.getCache("hot")).getExpiryPolicyFactory().create())
          .isInstanceOf(CreatedExpiryPolicy.class);
      Library library = context.getBean(Library.class);
      library.title(7);
      library.title(7);
      assertThat(library.calls()).isEqualTo(1);
    });
  }
}
