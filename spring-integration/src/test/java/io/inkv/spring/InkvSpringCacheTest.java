package io.inkv.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inkv.jcache.InkvCache;
import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.cache.Cache;
import org.springframework.cache.support.NullValue;

/** The Spring {@link Cache} contract on inkv, called directly. */
class InkvSpringCacheTest {
  private static final int THREADS = 16;

  private final List<InkvCacheManager> managers = new ArrayList<>();
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void closeEverything() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    managers.forEach(InkvCacheManager::close);
  }

  private Cache cache(InkvCacheManager.Builder builder) {
    InkvCacheManager manager = builder.build();
    managers.add(manager);
    return manager.getCache("things");
  }

  private Cache cache() {
    return cache(InkvCacheManager.builder());
  }

  /** A cache that stores by value, in its store: the default configuration is by reference on the heap. */
  private Cache byValueCache() {
    return cache(InkvCacheManager.builder().defaults(new InkvConfiguration<>()));
  }

  private static Store store(Cache cache) {
    return ((InkvCache<?, ?>) cache.getNativeCache()).store();
  }

  @Test
  void putGetEvictAndClearWorkOnAnyKeyAndValue() {
    Cache cache = cache();
    cache.put("a", 1);
    cache.put(42L, List.of("x", "y"));
    cache.put(new org.springframework.cache.interceptor.SimpleKey("p", 7), "composite");

    assertThat(cache.get("a").get()).isEqualTo(1);
    assertThat(cache.get("a", Integer.class)).isEqualTo(1);
    assertThat(cache.get(42L).get()).isEqualTo(List.of("x", "y"));
    assertThat(cache.get(new org.springframework.cache.interceptor.SimpleKey("p", 7)).get()).isEqualTo("composite");
    assertThat(cache.get("missing")).isNull();
    assertThatThrownBy(() -> cache.get("a", String.class)).isInstanceOf(IllegalStateException.class);

    cache.evict("a");
    assertThat(cache.get("a")).isNull();
    assertThat(cache.evictIfPresent(42L)).isTrue();
    assertThat(cache.evictIfPresent(42L)).isFalse();
    assertThat(cache.invalidate()).isTrue();
    assertThat(cache.invalidate()).isFalse();
    cache.put("b", "x");
    cache.clear();
    assertThat(cache.get("b")).isNull();
  }

  @Test
  void putIfAbsentStoresOnlyWhenAbsentAndReturnsWhatWasThere() {
    Cache cache = cache();
    assertThat(cache.putIfAbsent("k", "first")).isNull();
    assertThat(cache.putIfAbsent("k", "second").get()).isEqualTo("first");
    assertThat(cache.get("k").get()).isEqualTo("first");

    assertThat(cache.putIfAbsent("n", null)).isNull();
    Cache.ValueWrapper existingNull = cache.putIfAbsent("n", "later");
    assertThat(existingNull).isNotNull();
    assertThat(existingNull.get()).isNull();
  }

  /**
   * A result that is neither Serializable nor of a type inkv encodes: its constructor computes a
   * field, so no codec may rebuild it through the constructor.
   */
  static final class Report {
    final String title;
    final int length;

    Report(String title) {
      this.title = title;
      this.length = title.length();
    }
  }

  @SuppressWarnings("unchecked")
  private static boolean storesByValue(Cache cache) {
    return ((InkvCache<Object, Object>) cache.getNativeCache()).getConfiguration(InkvConfiguration.class).isStoreByValue();
  }

  @Test
  void byDefaultACacheKeepsTheObjectsThemselvesSoValuesNeedNotBeSerializable() {
    Cache cache = cache();
    Report report = new Report("q3");
    cache.put("r", report);
    assertThat(cache.get("r").get()).isSameAs(report);
    assertThat(cache.get("r", Report.class)).isSameAs(report);
    assertThat(storesByValue(cache)).isFalse();
    Cache copies = byValueCache();
    copies.put("s", "text");
    assertThat(copies.get("s").get()).isEqualTo("text");
    assertThatThrownBy(() -> copies.put("r", report)).isInstanceOf(javax.cache.CacheException.class)
        .hasMessageContaining(Report.class.getName());
  }

  @Test
  void nullIsCachedAsAnEmptyValueWhenAllowed() {
    Cache cache = byValueCache();
    cache.put("nothing", null);

    Cache.ValueWrapper hit = cache.get("nothing");
    assertThat(hit).isNotNull();
    assertThat(hit.get()).isNull();
    assertThat(cache.get("nothing", String.class)).isNull();
    // the marker takes no bytes and is not Spring's serialized NullValue
    @SuppressWarnings("unchecked")
    InkvCache<Object, Object> inkv = (InkvCache<Object, Object>) cache.getNativeCache();
    assertThat(inkv.store().get(inkv.keyCodec().encode("nothing"))).isEmpty();
    assertThat(inkv.get("nothing")).isSameAs(NullValue.INSTANCE);

    AtomicInteger loads = new AtomicInteger();
    Callable<Object> loadsNull = () -> {
      loads.incrementAndGet();
      return null;
    };
    Object first = cache.get("loaded-null", loadsNull);
    Object second = cache.get("loaded-null", loadsNull);
    assertThat(first).isNull();
    assertThat(second).isNull();
    assertThat(loads).hasValue(1);
  }

  @Test
  void nullIsRefusedWhenNotAllowed() {
    Cache cache = cache(InkvCacheManager.builder().allowNullValues(false));
    assertThatThrownBy(() -> cache.put("k", null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
    // Spring unwraps a ValueRetrievalException for the caller: the loader ran once, its null refused
    assertThatThrownBy(() -> cache.get("k", () -> null))
        .isInstanceOf(Cache.ValueRetrievalException.class).cause().isInstanceOf(IllegalArgumentException.class);
    assertThat(cache.get("k")).isNull();
  }

  @Test
  void aFailingLoaderStoresNothingAndReachesTheCallerWrapped() {
    Cache cache = cache();
    IOException failure = new IOException("database down");
    assertThatThrownBy(() -> cache.get("k", () -> {
      throw failure;
    })).isInstanceOf(Cache.ValueRetrievalException.class).cause().isSameAs(failure);
    IllegalStateException unchecked = new IllegalStateException("bug");
    assertThatThrownBy(() -> cache.get("k", () -> {
      throw unchecked;
    })).isInstanceOf(Cache.ValueRetrievalException.class).cause().isSameAs(unchecked);
    assertThat(cache.get("k")).isNull();
    assertThat(cache.get("k", () -> "v")).isEqualTo("v");
  }

  @Test
  void syncLoadRunsTheLoaderOnceHoweverManyThreadsAsk() throws Exception {
    Cache cache = cache();
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Thread> askers = new ArrayList<>();
    List<Future<Object>> results = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      results.add(pool.submit(() -> {
        synchronized (askers) {
          askers.add(Thread.currentThread());
        }
        return cache.get("hot", () -> {
          loads.incrementAndGet();
          loading.countDown();
          release.await();
          return "value";
        });
      }));
    }
    assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
    // the loader waits on the latch and every other asker on the key's lock before the load may finish
    Threads.awaitParked(askers, THREADS);
    release.countDown();
    for (Future<Object> result : results) {
      assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("value");
    }
    assertThat(loads).hasValue(1);
    assertThat(cache.get("hot").get()).isEqualTo("value");
  }

  @Test
  void anEvictionDuringASyncLoadIsNotOvertakenByTheLoad() throws Exception {
    Cache cache = cache();
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<Object> load = pool.submit(() -> cache.get("k", () -> {
      loading.countDown();
      release.await();
      return "stale";
    }));
    assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
    Thread[] evictor = new Thread[1];
    Future<?> evict = pool.submit(() -> {
      evictor[0] = Thread.currentThread();
      cache.evict("k");
    });
    Threads.awaitParked(List.of(awaitThread(evictor)), 1);
    release.countDown();
    assertThat(load.get(10, TimeUnit.SECONDS)).isEqualTo("stale");
    evict.get(10, TimeUnit.SECONDS);
    assertThat(cache.get("k")).isNull();
  }

  @Test
  void retrieveAnswersAtOnceFromTheStore() throws Exception {
    Cache cache = cache();
    assertThat(cache.retrieve("missing")).isNull();
    cache.put("k", "v");
    cache.put("n", null);
    assertThat(((Cache.ValueWrapper) cache.retrieve("k").get()).get()).isEqualTo("v");
    assertThat(((Cache.ValueWrapper) cache.retrieve("n").get()).get()).isNull();

    Cache noNulls = cache(InkvCacheManager.builder().allowNullValues(false));
    noNulls.put("k", "v");
    assertThat(noNulls.retrieve("k").get()).isEqualTo("v");
  }

  @Test
  void retrieveWithALoaderLoadsOncePerKeyAndStoresTheValue() throws Exception {
    Cache cache = cache();
    AtomicInteger loads = new AtomicInteger();
    CompletableFuture<String> source = new CompletableFuture<>();
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      results.add(cache.retrieve("k", () -> {
        loads.incrementAndGet();
        return source;
      }));
    }
    assertThat(results).noneMatch(CompletableFuture::isDone);
    source.complete("v");
    for (CompletableFuture<String> result : results) {
      assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("v");
    }
    assertThat(loads).hasValue(1);
    assertThat(cache.get("k").get()).isEqualTo("v");
    assertThat(cache.retrieve("k", () -> CompletableFuture.completedFuture("other")).get()).isEqualTo("v");
  }

  @Test
  void retrieveWithALoaderCachesNullOnlyWhenAllowedAndPassesFailuresOn() throws Exception {
    Cache cache = cache();
    assertThat(cache.retrieve("n", () -> CompletableFuture.completedFuture(null)).get()).isNull();
    assertThat(cache.get("n")).isNotNull();

    Cache noNulls = cache(InkvCacheManager.builder().allowNullValues(false));
    assertThat(noNulls.retrieve("n", () -> CompletableFuture.completedFuture(null)).get()).isNull();
    assertThat(noNulls.get("n")).isNull();

    IllegalStateException failure = new IllegalStateException("down");
    CompletableFuture<Object> failed = cache.retrieve("f", () -> CompletableFuture.failedFuture(failure));
    assertThat(failed).isCompletedExceptionally();
    assertThatThrownBy(failed::join).cause().isSameAs(failure);
    CompletableFuture<Object> thrown = cache.retrieve("t", () -> {
      throw failure;
    });
    assertThatThrownBy(thrown::join).cause().isSameAs(failure);
    assertThat(cache.get("f")).isNull();
    assertThat(cache.get("t")).isNull();
  }

  @Test
  void anEvictionDuringAnAsynchronousLoadKeepsItsResultOutOfTheCache() throws Exception {
    Cache cache = cache();
    CompletableFuture<String> source = new CompletableFuture<>();
    CompletableFuture<String> result = cache.retrieve("k", () -> source);
    cache.evict("k");
    source.complete("stale");
    assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("stale");
    assertThat(cache.get("k")).isNull();

    CompletableFuture<String> source2 = new CompletableFuture<>();
    cache.retrieve("p", () -> source2);
    cache.put("p", "newer");
    source2.complete("older");
    assertThat(cache.get("p").get()).isEqualTo("newer");
  }

  @Test
  void inkvErrorsSurfaceAsRuntimeExceptions() {
    Cache cache = byValueCache();
    Object notSerializable = new Object();
    assertThatThrownBy(() -> cache.put("k", notSerializable)).isInstanceOf(javax.cache.CacheException.class)
        .hasMessageContaining("java.lang.Object").hasMessageContaining("setStoreByValue(false)");
    managers.get(0).close();
    assertThatThrownBy(() -> cache.get("k")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void undeclaredCachesAreCreatedOnFirstUseUnlessDynamicCreationIsOff() {
    InkvCacheManager dynamic = InkvCacheManager.builder().cache("declared").build();
    managers.add(dynamic);
    assertThat(dynamic.getCacheNames()).containsExactly("declared");
    assertThat(dynamic.getCache("other")).isNotNull();
    assertThat(dynamic.getCache("other")).isSameAs(dynamic.getCache("other"));
    assertThat(dynamic.getCacheNames()).containsExactly("declared", "other");

    InkvCacheManager fixed = InkvCacheManager.builder().cache("declared").dynamic(false).build();
    managers.add(fixed);
    assertThat(fixed.getCache("declared")).isNotNull();
    assertThat(fixed.getCache("other")).isNull();
  }

  @Test
  void aSpringCacheRefusesTypedConfigurations() {
    assertThatThrownBy(() -> InkvCacheManager.builder().defaults(castTyped(InkvConfiguration.of(String.class, Object.class))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.String");
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static InkvConfiguration<Object, Object> castTyped(InkvConfiguration c) {
    return c;
  }

  @Test
  void aPersistentCacheKeepsItsEntriesForTheNextManager(@TempDir Path directory) {
    InkvConfiguration<Object, Object> persistent = InkvConfiguration.of(Object.class, Object.class).setPersistent(true);
    InkvCacheManager first = InkvCacheManager.builder().directory(directory).cache("users", persistent).build();
    first.getCache("users").put("ada", "Ada Lovelace");
    first.getCache("users").put("none", null);
    first.close();

    InkvCacheManager second = InkvCacheManager.builder().directory(directory).cache("users", persistent).build();
    managers.add(second);
    assertThat(second.getCache("users").get("ada").get()).isEqualTo("Ada Lovelace");
    assertThat(second.getCache("users").get("none").get()).isNull();
    assertThat(store(second.getCache("users")).directory()).isEqualTo(directory.resolve("users"));
  }

  private static Thread awaitThread(Thread[] holder) throws InterruptedException {
    for (int i = 0; i < 10_000 && holder[0] == null; i++) {
      Thread.sleep(1);
    }
    assertThat(holder[0]).isNotNull();
    return holder[0];
  }

  @Test
  void aStoredValueThatDoesNotDecodeIsAMissThatTheValueLoaderReplaces() {
    Cache cache = byValueCache();
    InkvCache<?, ?> inkv = (InkvCache<?, ?>) cache.getNativeCache();
    cache.put("a", "cached");
    @SuppressWarnings("unchecked")
    InkvCache<Object, Object> objects = (InkvCache<Object, Object>) inkv;
    byte[] key = objects.keyCodec().encode("b");
    store(cache).put(key, new byte[] {(byte) 0xEE, 1}); // not a value of the cache's codec: another application wrote it
    assertThat(cache.get("b")).isNull();
    assertThat(cache.get("b", () -> "loaded")).isEqualTo("loaded");
    assertThat(cache.get("b").get()).isEqualTo("loaded");
    assertThat(cache.get("a").get()).isEqualTo("cached");
    assertThat(inkv.undecodableValues()).isGreaterThanOrEqualTo(2);
  }
}
