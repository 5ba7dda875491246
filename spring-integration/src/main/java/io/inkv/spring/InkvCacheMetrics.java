package io.inkv.spring;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinder;
import java.util.Locale;
import java.util.function.ToLongFunction;
import org.springframework.beans.factory.ListableBeanFactory;

/*
 * Binds the Micrometer cache meters (cache.gets hit/miss, cache.puts, cache.evictions,
 * cache.size) of every cache of every InkvCacheManager bean, including caches created on first
 * use after the binding. Spring Boot's meter registry post-processor calls bindTo once the
 * singletons exist.
 *
 * Tags follow Spring Boot's cache metrics, so the usual dashboards work: cache and name (the cache
 * name) and cache.manager (the bean name, less a "CacheManager" suffix, as Boot does). Boot's own
 * CacheMetricsRegistrar does not know inkv caches and leaves them alone, so nothing is bound twice.
 *
 * Hits, misses and puts are counted by the Spring cache (a get that loads is a miss and a put);
 * evictions are the cache's capacity evictions since it was created (InkvCache.evictions: the
 * store's, or the heap tier's); size counts entries that expired
 * but were not dropped yet.
 */
final class InkvCacheMetrics implements MeterBinder {
  private static final String SUFFIX = "cachemanager";
  private final ListableBeanFactory beanFactory;

  InkvCacheMetrics(ListableBeanFactory beanFactory) {
    this.beanFactory = beanFactory;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    beanFactory.getBeansOfType(InkvCacheManager.class, false, false).forEach((beanName, manager) -> {
      String managerName = beanName.length() > SUFFIX.length() && beanName.toLowerCase(Locale.ROOT).endsWith(SUFFIX)
          ? beanName.substring(0, beanName.length() - SUFFIX.length()) : beanName;
      manager.forEachCache(cache -> new CacheMeters(cache, Tags.of("cache.manager", managerName, "name", cache.getName()))
          .bindTo(registry));
    });
  }

  /** The meters of one cache. */
  static final class CacheMeters extends CacheMeterBinder<InkvSpringCache> {
    CacheMeters(InkvSpringCache cache, Iterable<Tag> tags) {
      super(cache, cache.getName(), tags);
    }

    @Override
    protected Long size() {
      return whileOpen(InkvSpringCache::size);
    }

    @Override
    protected long hitCount() {
      return counted(InkvSpringCache::hitCount);
    }

    @Override
    protected Long missCount() {
      InkvSpringCache cache = getCache();
      return cache == null ? null : cache.missCount();
    }

    @Override
    protected Long evictionCount() {
      return whileOpen(InkvSpringCache::evictionCount);
    }

    @Override
    protected long putCount() {
      return counted(InkvSpringCache::putCount);
    }

    /* Reads one of the cache's own counters, or 0 once the cache is gone (Micrometer's long counts have no "unknown"). */
    private long counted(ToLongFunction<InkvSpringCache> counter) {
      InkvSpringCache cache = getCache();
      return cache == null ? 0 : counter.applyAsLong(cache);
    }

    /* Reads a figure of the store, or null once the cache is gone or closed (also while this runs). */
    private Long whileOpen(ToLongFunction<InkvSpringCache> figure) {
      InkvSpringCache cache = getCache();
      try {
        return cache == null || cache.isClosed() ? null : figure.applyAsLong(cache);
      } catch (RuntimeException closedMeanwhile) {
        return null;
      }
    }

    @Override
    protected void bindImplementationSpecificMetrics(MeterRegistry registry) {}
  }
}
