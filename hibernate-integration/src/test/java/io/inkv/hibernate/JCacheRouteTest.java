package io.inkv.hibernate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inkv.hibernate.Books.Book;
import java.util.List;
import java.util.Map;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The standard route: hibernate-jcache ({@code region.factory_class=jcache}) with inkv's JCache
 * provider, with Java serialization (no configuration) and with {@link HibernateCodec}.
 */
class JCacheRouteTest {

  @ParameterizedTest
  @ValueSource(strings = {"", "inkv-jcache-route.properties"})
  void hibernateJCacheWithTheInkvProviderCachesEntitiesAndQueries(String configuration) {
    Map<String, Object> settings = TestDatabase.H2.settings();
    settings.put("hibernate.cache.region.factory_class", "jcache");
    settings.put("hibernate.javax.cache.provider", "io.inkv.jcache.spi.InkvCachingProvider");
    settings.put("hibernate.cache.use_query_cache", "true");
    if (!configuration.isEmpty()) {
      settings.put("hibernate.javax.cache.uri", configuration);
    }
    for (AccessType type : List.of(AccessType.READ_WRITE, AccessType.NONSTRICT_READ_WRITE, AccessType.READ_ONLY)) {
      Class<? extends Book> entity = Books.entity(type);
      try (TestDatabase.Factory f = TestDatabase.build(settings, Books.ENTITIES)) {
        f.sessionFactory().inTransaction(s -> s.persist(Books.newBook(type, 1, "isbn-1", "Dune")));
        f.sessionFactory().getCache().evictAllRegions();
        Statistics stats = f.sessionFactory().getStatistics();
        stats.clear();
        String hql = "select b.title from " + entity.getSimpleName() + " b";
        for (int round = 0; round < 2; round++) {
          f.sessionFactory().inTransaction(s -> {
            assertEquals("Dune", s.find(entity, 1L).getTitle());
            assertEquals(List.of("tag-1"), List.copyOf(s.find(entity, 1L).getTags()));
            assertEquals(List.of("Dune"), s.createQuery(hql, String.class).setCacheable(true).getResultList());
          });
        }
        SecondLevelCacheContract.assertCounts(stats.getDomainDataRegionStatistics(entity.getName()), 1, 1, 1);
        SecondLevelCacheContract.assertCounts(stats.getDomainDataRegionStatistics(entity.getName() + ".tags"), 1, 1, 1);
        assertEquals(List.of(1L, 1L, 1L), List.of(stats.getQueryCacheMissCount(), stats.getQueryCachePutCount(),
            stats.getQueryCacheHitCount()), type + ": query cache misses, puts, hits");
        if (!configuration.isEmpty() && type == AccessType.READ_WRITE) {
          javax.cache.CacheManager manager = ((org.hibernate.cache.jcache.internal.JCacheRegionFactory)
              f.sessionFactory().getCache().getRegionFactory()).getCacheManager();
          io.inkv.jcache.InkvCache<?, ?> cache = manager.getCache(entity.getName()).unwrap(io.inkv.jcache.InkvCache.class);
          org.junit.jupiter.api.Assertions.assertInstanceOf(HibernateCodec.class, cache.valueCodec());
        }
      }
    }
  }
}
