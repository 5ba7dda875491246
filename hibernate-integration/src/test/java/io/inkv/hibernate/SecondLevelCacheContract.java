package io.inkv.hibernate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.hibernate.Books.Book;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.hibernate.Session;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.stat.CacheRegionStatistics;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the second-level cache does, for each access strategy, counted through Hibernate's own
 * statistics; written once and run on every database (H2 always, PostgreSQL where it runs).
 */
abstract class SecondLevelCacheContract {

  abstract TestDatabase database();

  TestDatabase.Factory factory(Map<String, Object> extra) {
    Map<String, Object> settings = database().settings();
    settings.put("hibernate.cache.use_query_cache", "true");
    settings.putAll(extra);
    return TestDatabase.build(settings, Books.ENTITIES);
  }

  static void inTransaction(TestDatabase.Factory f, Consumer<Session> work) {
    f.sessionFactory().inTransaction(work);
  }

  static <T> T inSession(TestDatabase.Factory f, Function<Session, T> work) {
    return f.sessionFactory().fromTransaction(work);
  }

  static String entityRegion(AccessType type) {
    return Books.entity(type).getName();
  }

  static CacheRegionStatistics region(TestDatabase.Factory f, String name) {
    return f.sessionFactory().getStatistics().getDomainDataRegionStatistics(name);
  }

  static void assertCounts(CacheRegionStatistics region, long hits, long misses, long puts) {
    assertEquals(List.of(hits, misses, puts), List.of(region.getHitCount(), region.getMissCount(), region.getPutCount()),
        "hits, misses and puts of " + region.getRegionName());
  }

  @ParameterizedTest
  @EnumSource(AccessType.class)
  @SuppressWarnings("deprecation") // bySimpleNaturalId: deprecated in 7, the API both 6.6 and 7 have
  void entityCollectionAndNaturalIdReadsAreMissesThenPutsThenHits(AccessType type) {
    Class<? extends Book> entity = Books.entity(type);
    try (TestDatabase.Factory f = factory(Map.of())) {
      inTransaction(f, s -> s.persist(Books.newBook(type, 1, "isbn-1", "Dune")));
      f.sessionFactory().getCache().evictAllRegions();
      Statistics stats = f.sessionFactory().getStatistics();
      stats.clear();

      for (int round = 0; round < 2; round++) {
        inSession(f, s -> {
          Book b = s.find(entity, 1L);
          assertEquals("Dune", b.getTitle());
          assertEquals(List.of("tag-1"), List.copyOf(b.getTags()));
          return null;
        });
      }
      assertCounts(region(f, entityRegion(type)), 1, 1, 1);
      assertCounts(region(f, entityRegion(type) + ".tags"), 1, 1, 1);

      f.sessionFactory().getCache().evictAllRegions();
      stats.clear();
      for (int round = 0; round < 2; round++) {
        inSession(f, s -> {
          assertEquals("Dune", s.bySimpleNaturalId(entity).load("isbn-1").getTitle());
          return null;
        });
      }
      CacheRegionStatistics naturalIds = region(f, entityRegion(type) + "##NaturalId");
      assertEquals(1, naturalIds.getMissCount(), "natural-id misses");
      assertEquals(1, naturalIds.getHitCount(), "natural-id hits");
      assertEquals(1, naturalIds.getPutCount(), "natural-id puts");
      assertEquals(1, region(f, entityRegion(type)).getHitCount(), "entity hits through the natural id");
    }
  }

  @ParameterizedTest
  @EnumSource(value = AccessType.class, names = "READ_ONLY", mode = EnumSource.Mode.EXCLUDE)
  void updatesAndDeletesAreSeenThroughTheCache(AccessType type) {
    Class<? extends Book> entity = Books.entity(type);
    try (TestDatabase.Factory f = factory(Map.of())) {
      inTransaction(f, s -> s.persist(Books.newBook(type, 1, "isbn-1", "Dune")));
      inSession(f, s -> s.find(entity, 1L).getTitle());
      inTransaction(f, s -> {
        Book b = s.find(entity, 1L);
        b.setTitle("Dune Messiah");
        b.getTags().add("sequel");
      });
      f.sessionFactory().getStatistics().clear();
      inSession(f, s -> {
        Book b = s.find(entity, 1L);
        assertEquals("Dune Messiah", b.getTitle());
        assertEquals(List.of("tag-1", "sequel"), List.copyOf(b.getTags()));
        return null;
      });
      if (type == AccessType.READ_WRITE || type == AccessType.TRANSACTIONAL) {
        // the committed update replaced the entry under its soft lock
        assertEquals(1, region(f, entityRegion(type)).getHitCount(), "a hit after the update");
      }
      inTransaction(f, s -> s.remove(s.find(entity, 1L)));
      inSession(f, s -> {
        assertNull(s.find(entity, 1L));
        return null;
      });
      assertFalse(f.sessionFactory().getCache().containsEntity(entity, 1L));
    }
  }

  @ParameterizedTest
  @EnumSource(value = AccessType.class, names = "READ_ONLY")
  void readOnlyEntitiesCannotBeUpdated(AccessType type) {
    Class<? extends Book> entity = Books.entity(type);
    try (TestDatabase.Factory f = factory(Map.of())) {
      inTransaction(f, s -> s.persist(Books.newBook(type, 1, "isbn-1", "Dune")));
      assertThrows(RuntimeException.class, () -> inTransaction(f, s -> s.find(entity, 1L).setTitle("changed")));
    }
  }

  @ParameterizedTest
  @EnumSource(AccessType.class)
  void aCachedQueryHitsUntilItsTableChanges(AccessType type) {
    Class<? extends Book> entity = Books.entity(type);
    String hql = "select b.title from " + entity.getSimpleName() + " b where b.count < :max order by b.id";
    try (TestDatabase.Factory f = factory(Map.of())) {
      inTransaction(f, s -> {
        s.persist(Books.newBook(type, 1, "isbn-1", "Dune"));
        s.persist(Books.newBook(type, 2, "isbn-2", "Emma"));
      });
      Statistics stats = f.sessionFactory().getStatistics();
      stats.clear();
      Function<Session, List<String>> query = s -> s.createQuery(hql, String.class).setParameter("max", 10L)
          .setCacheable(true).getResultList();
      assertEquals(List.of("Dune", "Emma"), inSession(f, query));
      assertEquals(List.of("Dune", "Emma"), inSession(f, query));
      assertEquals(List.of(1L, 1L, 1L), List.of(stats.getQueryCacheMissCount(), stats.getQueryCachePutCount(),
          stats.getQueryCacheHitCount()), "query cache misses, puts, hits");

      // another row of the same table changes: the cached result is stale and not used
      inTransaction(f, s -> s.persist(Books.newBook(type, 3, "isbn-3", "Ulysses")));
      assertEquals(List.of("Dune", "Emma", "Ulysses"), inSession(f, query));
      assertEquals(2, stats.getQueryCacheMissCount(), "a miss after the table changed");
      assertEquals(List.of("Dune", "Emma", "Ulysses"), inSession(f, query));
      assertEquals(2, stats.getQueryCacheHitCount(), "a hit once cached again");
    }
  }

  @ParameterizedTest
  @EnumSource(value = AccessType.class, names = {"READ_WRITE", "NONSTRICT_READ_WRITE"})
  void theJpaCacheApiEvictsOneEntityAClassAndEverything(AccessType type) {
    Class<? extends Book> entity = Books.entity(type);
    try (TestDatabase.Factory f = factory(Map.of())) {
      inTransaction(f, s -> {
        for (long id = 1; id <= 3; id++) {
          s.persist(Books.newBook(type, id, "isbn-" + id, "title " + id));
        }
      });
      jakarta.persistence.Cache cache = f.sessionFactory().getCache();
      Runnable loadAll = () -> inSession(f, s -> {
        for (long id = 1; id <= 3; id++) {
          s.find(entity, id);
        }
        return null;
      });
      loadAll.run();
      for (long id = 1; id <= 3; id++) {
        assertTrue(cache.contains(entity, id), "cached: " + id);
      }
      cache.evict(entity, 1L);
      assertFalse(cache.contains(entity, 1L));
      assertTrue(cache.contains(entity, 2L));

      cache.evict(entity);
      assertFalse(cache.contains(entity, 2L));
      assertFalse(cache.contains(entity, 3L));

      loadAll.run();
      assertTrue(cache.contains(entity, 3L));
      cache.evictAll();
      for (long id = 1; id <= 3; id++) {
        assertFalse(cache.contains(entity, id), "evicted: " + id);
      }
      f.sessionFactory().getStatistics().clear();
      loadAll.run();
      assertEquals(3, region(f, entityRegion(type)).getMissCount(), "misses after evictAll");
    }
  }
}
