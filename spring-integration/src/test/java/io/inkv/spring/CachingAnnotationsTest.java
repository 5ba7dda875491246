package io.inkv.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.CachingConfigurer;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.interceptor.CacheErrorHandler;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** {@code @Cacheable}, {@code @CachePut} and {@code @CacheEvict} on the auto-configured inkv cache manager. */
class CachingAnnotationsTest {
  private static final int THREADS = 16;

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(InkvCacheAutoConfiguration.class))
      .withUserConfiguration(CachingConfiguration.class);

  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  static class CachingConfiguration {
    @Bean
    Library library() {
      return new Library();
    }
  }

  /** Routes cache errors to a handler that records them and lets the method run. */
  @Configuration(proxyBeanMethods = false)
  static class ErrorHandling implements CachingConfigurer {
    private final RecordingErrorHandler handler = new RecordingErrorHandler();

    @Override
    public CacheErrorHandler errorHandler() {
      return handler;
    }

    @Bean
    RecordingErrorHandler recordingErrorHandler() {
      return handler;
    }
  }

  static final class RecordingErrorHandler implements CacheErrorHandler {
    final List<String> errors = new CopyOnWriteArrayList<>();

    @Override
    public void handleCacheGetError(RuntimeException e, Cache cache, Object key) {
      errors.add("get " + cache.getName() + " " + key + " " + e.getClass().getSimpleName());
    }

    @Override
    public void handleCachePutError(RuntimeException e, Cache cache, Object key, Object value) {
      errors.add("put " + cache.getName() + " " + key + " " + e.getClass().getSimpleName());
    }

    @Override
    public void handleCacheEvictError(RuntimeException e, Cache cache, Object key) {
      errors.add("evict " + cache.getName() + " " + key + " " + e.getClass().getSimpleName());
    }

    @Override
    public void handleCacheClearError(RuntimeException e, Cache cache) {
      errors.add("clear " + cache.getName() + " " + e.getClass().getSimpleName());
    }
  }

  @Test
  void cacheableCachesCachePutReplacesAndCacheEvictRemoves() {
    runner.run(context -> {
      assertThat(context).getBean(CacheManager.class).isInstanceOf(InkvCacheManager.class);
      Library library = context.getBean(Library.class);

      assertThat(library.title(1)).isEqualTo("title-1");
      assertThat(library.title(1)).isEqualTo("title-1");
      assertThat(library.calls()).isEqualTo(1);

      assertThat(library.rename(1, "Dune")).isEqualTo("Dune");
      assertThat(library.title(1)).isEqualTo("Dune");
      assertThat(library.calls()).isEqualTo(2);

      library.forget(1);
      assertThat(library.title(1)).isEqualTo("title-1");
      assertThat(library.calls()).isEqualTo(4);

      library.title(2);
      library.forgetAll();
      library.title(1);
      library.title(2);
      assertThat(library.calls()).isEqualTo(8);
    });
  }

  @Test
  void aNullResultIsCachedWhenNullValuesAreAllowed() {
    runner.run(context -> {
      Library library = context.getBean(Library.class);
      assertThat(library.nothing("isbn-1")).isNull();
      assertThat(library.nothing("isbn-1")).isNull();
      assertThat(library.calls()).isEqualTo(1);
    });
  }

  @Test
  void aNullResultIsNotCachedWhenNullValuesAreNotAllowed() {
    runner.withUserConfiguration(ErrorHandling.class).withPropertyValues("inkv.allow-null-values=false").run(context -> {
      Library library = context.getBean(Library.class);
      assertThat(library.nothing("isbn-1")).isNull();
      assertThat(library.nothing("isbn-1")).isNull();
      assertThat(library.calls()).isEqualTo(2);
      // Spring reports the refused null as a put error, like every cache that disallows nulls
      assertThat(context.getBean(RecordingErrorHandler.class).errors)
          .containsExactly("put books isbn-1 IllegalArgumentException", "put books isbn-1 IllegalArgumentException");
    });
  }

  @Test
  void syncTrueRunsTheMethodOnceWhenManyThreadsAskForOneMissingKey() {
    runner.run(context -> {
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
        // one thread runs the method (waiting on the latch); the others wait on the key's lock
        Threads.awaitParked(askers, THREADS);
        library.releaseLoads();
        for (Future<String> result : results) {
          assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("loaded-k");
        }
        assertThat(library.calls()).isEqualTo(1);
        assertThat(library.slow("k")).isEqualTo("loaded-k");
        assertThat(library.calls()).isEqualTo(1);
      } finally {
        pool.shutdownNow();
      }
    });
  }

  @Test
  void completableFutureResultsAreCachedWithAndWithoutSync() {
    runner.run(context -> {
      Library library = context.getBean(Library.class);
      assertThat(library.async("a").get(10, TimeUnit.SECONDS)).isEqualTo("async-a");
      assertThat(library.async("a").get(10, TimeUnit.SECONDS)).isEqualTo("async-a");
      assertThat(library.calls()).isEqualTo(1);

      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      try {
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
          results.add(pool.submit(() -> library.asyncSync("b").get(10, TimeUnit.SECONDS)));
        }
        for (Future<String> result : results) {
          assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("async-sync-b");
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(library.calls()).isEqualTo(2);
      assertThat(context.getBean(CacheManager.class).getCache("async").get("b").get()).isEqualTo("async-sync-b");
    });
  }

  @Test
  void reactiveResultsAreCached() {
    runner.run(context -> {
      Library library = context.getBean(Library.class);
      assertThat(library.mono("m").block()).isEqualTo("mono-m");
      assertThat(library.mono("m").block()).isEqualTo("mono-m");
      assertThat(library.flux("f").collectList().block()).containsExactly("f-1", "f-2");
      assertThat(library.flux("f").collectList().block()).containsExactly("f-1", "f-2");
      assertThat(library.monoSync("s").block()).isEqualTo("mono-sync-s");
      assertThat(library.monoSync("s").block()).isEqualTo("mono-sync-s");
      assertThat(library.calls()).isEqualTo(3);
    });
  }

  @Test
  void byDefaultAResultThatIsNotSerializableIsCachedAsItself() {
    runner.run(context -> {
      Library library = context.getBean(Library.class);
      Object first = library.unstorable("x");
      assertThat(library.unstorable("x")).isSameAs(first);
      assertThat(library.calls()).isEqualTo(1);
    });
  }

  @Test
  void inkvErrorsGoToTheCacheErrorHandlerAndTheMethodStillAnswers() {
    runner.withUserConfiguration(ErrorHandling.class).withPropertyValues("inkv.default.store-by-value=true").run(context -> {
      Library library = context.getBean(Library.class);
      RecordingErrorHandler handler = context.getBean(RecordingErrorHandler.class);

      // by value, a value inkv cannot encode (not Serializable): a put error, and the result is returned
      assertThat(library.unstorable("x")).isNotNull();
      assertThat(library.unstorable("x")).isNotNull();
      assertThat(library.calls()).isEqualTo(2);
      assertThat(handler.errors).containsExactly("put books x CacheException", "put books x CacheException");

      // a closed store: every operation fails, the handler sees each, and the method runs
      handler.errors.clear();
      context.getBean(InkvCacheManager.class).close();
      assertThat(library.title(5)).isEqualTo("title-5");
      library.forget(5);
      library.forgetAll();
      assertThat(handler.errors).containsExactly("get books 5 IllegalStateException",
          "put books 5 IllegalStateException", "evict books 5 IllegalStateException",
          "clear books IllegalStateException");
    });
  }
}
