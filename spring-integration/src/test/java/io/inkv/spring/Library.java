package io.inkv.spring;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A service with cached methods that counts the calls that reach it. Tests reach its state through
 * methods: the bean they get is a caching proxy, whose own fields are not the service's.
 */
class Library {
  private final AtomicInteger calls = new AtomicInteger();
  private volatile CountDownLatch loading = new CountDownLatch(1);
  private volatile CountDownLatch release = new CountDownLatch(0);

  /** Returns how many calls reached the service. */
  public int calls() {
    return calls.get();
  }

  /** Makes the next {@link #slow} calls wait until {@link #releaseLoads()}. */
  public void holdLoads() {
    loading = new CountDownLatch(1);
    release = new CountDownLatch(1);
  }

  /** Waits until a {@link #slow} call is running. */
  public boolean awaitLoading() throws InterruptedException {
    return loading.await(10, TimeUnit.SECONDS);
  }

  /** Lets held {@link #slow} calls finish. */
  public void releaseLoads() {
    release.countDown();
  }

  @Cacheable("books")
  public String title(long id) {
    calls.incrementAndGet();
    return "title-" + id;
  }

  @Cacheable("books")
  public String nothing(String isbn) {
    calls.incrementAndGet();
    return null;
  }

  @CachePut(cacheNames = "books", key = "#id")
  public String rename(long id, String title) {
    calls.incrementAndGet();
    return title;
  }

  @CacheEvict(cacheNames = "books", key = "#id")
  public void forget(long id) {
    calls.incrementAndGet();
  }

  @CacheEvict(cacheNames = "books", allEntries = true)
  public void forgetAll() {
    calls.incrementAndGet();
  }

  @Cacheable(cacheNames = "hot", sync = true)
  public String slow(String key) throws InterruptedException {
    calls.incrementAndGet();
    loading.countDown();
    if (!release.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("never released");
    }
    return "loaded-" + key;
  }

  @Cacheable("async")
  public CompletableFuture<String> async(String key) {
    calls.incrementAndGet();
    return CompletableFuture.supplyAsync(() -> "async-" + key);
  }

  @Cacheable(cacheNames = "async", sync = true)
  public CompletableFuture<String> asyncSync(String key) {
    calls.incrementAndGet();
    return CompletableFuture.supplyAsync(() -> "async-sync-" + key);
  }

  @Cacheable("reactive")
  public Mono<String> mono(String key) {
    return Mono.fromSupplier(() -> {
      calls.incrementAndGet();
      return "mono-" + key;
    });
  }

  @Cacheable("reactive")
  public Flux<String> flux(String key) {
    return Flux.defer(() -> {
      calls.incrementAndGet();
      return Flux.just(key + "-1", key + "-2");
    });
  }

  @Cacheable(cacheNames = "reactive", sync = true)
  public Mono<String> monoSync(String key) {
    return Mono.fromSupplier(() -> {
      calls.incrementAndGet();
      return "mono-sync-" + key;
    });
  }

  @Cacheable("books")
  public Object unstorable(String key) {
    calls.incrementAndGet();
    return new Object(); // not Serializable: only a by-reference cache can hold it
  }
}
