package io.inkv.hibernate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.hibernate.Countries.Capital;
import io.inkv.hibernate.Countries.City;
import io.inkv.hibernate.Countries.Country;
import io.inkv.hibernate.Countries.ReadOnlyCountry;
import io.inkv.hibernate.Countries.ReadWriteCountry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hibernate.Session;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.access.EntityDataAccess;
import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.cache.spi.entry.ReferenceCacheEntryImpl;
import org.hibernate.cache.spi.support.DomainDataRegionTemplate;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.stat.CacheRegionStatistics;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Reference entries ({@code hibernate.cache.use_reference_entries}): an immutable entity without
 * associations is cached as the instance itself, and a hit returns that very instance with no SQL,
 * for each access strategy, under every rule a region applies to its entries; with the setting
 * off, or for other entities, entries stay by value. Written once and run on every database.
 */
abstract class ReferenceEntriesContract {

  abstract TestDatabase database();

  TestDatabase.Factory factory(boolean referenceEntries, Map<String, Object> extra) {
    return TestDatabase.build(settings(referenceEntries, extra), Countries.ENTITIES);
  }

  Map<String, Object> settings(boolean referenceEntries, Map<String, Object> extra) {
    Map<String, Object> settings = database().settings();
    settings.put("hibernate.cache.use_reference_entries", String.valueOf(referenceEntries));
    settings.putAll(extra);
    return settings;
  }

  static void persist(TestDatabase.Factory f, AccessType type, long... ids) {
    f.sessionFactory().inTransaction(s -> {
      for (long id : ids) {
        s.persist(Countries.newCountry(type, id, "country " + id));
      }
    });
  }

  /** Finds an entity in a new session, checking how many SQL statements that took. */
  static <T> T load(TestDatabase.Factory f, Class<T> entity, long id, long statements) {
    Statistics stats = f.sessionFactory().getStatistics();
    long before = stats.getPrepareStatementCount();
    T found = f.sessionFactory().fromTransaction(s -> s.find(entity, id));
    assertEquals(statements, stats.getPrepareStatementCount() - before,
        "SQL statements to find " + entity.getSimpleName() + " " + id);
    return found;
  }

  static EntityPersister persister(TestDatabase.Factory f, Class<?> entity) {
    return f.sessionFactory().getMappingMetamodel().getEntityDescriptor(entity);
  }

  static RegionStorage storage(TestDatabase.Factory f, Class<?> entity) {
    DomainDataRegionTemplate region = (DomainDataRegionTemplate) f.sessionFactory().getCache().getRegion(entity.getName());
    return (RegionStorage) region.getCacheStorageAccess();
  }

  static Object cacheKey(TestDatabase.Factory f, Class<?> entity, long id) {
    EntityPersister p = persister(f, entity);
    return p.getCacheAccessStrategy().generateCacheKey(id, p, f.sessionFactory(), null);
  }

  /** The bytes the region's store holds for an entity, or null. */
  static byte[] stored(TestDatabase.Factory f, Class<?> entity, long id) {
    RegionStorage storage = storage(f, entity);
    return storage.read(storage.key(cacheKey(f, entity, id)));
  }

  static CacheRegionStatistics region(TestDatabase.Factory f, Class<?> entity) {
    return f.sessionFactory().getStatistics().getDomainDataRegionStatistics(entity.getName());
  }

  static void assertCounts(CacheRegionStatistics region, long hits, long misses, long puts) {
    assertEquals(List.of(hits, misses, puts), List.of(region.getHitCount(), region.getMissCount(), region.getPutCount()),
        "hits, misses and puts of " + region.getRegionName());
  }

  @ParameterizedTest
  @EnumSource(AccessType.class)
  void aHitReturnsTheVeryInstanceThatWasCachedAndRunsNoSql(AccessType type) {
    Class<? extends Country> entity = Countries.entity(type);
    try (TestDatabase.Factory f = factory(true, Map.of())) {
      assertTrue(persister(f, entity).canUseReferenceCacheEntries(), "Hibernate caches " + entity.getSimpleName()
          + " by reference");
      persist(f, type, 1);
      f.sessionFactory().getCache().evictAllRegions();
      f.sessionFactory().getStatistics().clear();

      Country loaded = load(f, entity, 1, 1);
      assertSame(loaded, load(f, entity, 1, 0), "a hit is the instance the first session loaded");
      assertSame(loaded, load(f, entity, 1, 0));
      assertEquals("country 1", loaded.getName());
      // two misses for one load: for an entity it may cache by reference, Hibernate looks in the cache
      // again while it reads the row (EntityInitializerImpl.resolveInstanceFromCache)
      assertCounts(region(f, entity), 2, 2, 1);
      assertEquals(1, region(f, entity).getElementCountInMemory());
      assertNotNull(storage(f, entity).marker(stored(f, entity, 1)), "the store holds a marker, not the entity's state");
    }
  }

  @ParameterizedTest
  @EnumSource(value = AccessType.class, names = "NONSTRICT_READ_WRITE", mode = EnumSource.Mode.EXCLUDE)
  void anInsertCachesThePersistedInstanceItself(AccessType type) {
    Class<? extends Country> entity = Countries.entity(type);
    try (TestDatabase.Factory f = factory(true, Map.of())) {
      Country persisted = Countries.newCountry(type, 1, "country 1");
      f.sessionFactory().inTransaction(s -> s.persist(persisted));
      assertSame(persisted, load(f, entity, 1, 0));
    }
  }

  @ParameterizedTest
  @EnumSource(AccessType.class)
  void evictingTheEntityItsClassOrEverythingDropsTheInstance(AccessType type) {
    Class<? extends Country> entity = Countries.entity(type);
    try (TestDatabase.Factory f = factory(true, Map.of())) {
      persist(f, type, 1, 2, 3);
      jakarta.persistence.Cache cache = f.sessionFactory().getCache();
      cache.evictAll();
      List<Country> first = new ArrayList<>();
      for (long id = 1; id <= 3; id++) {
        first.add(load(f, entity, id, 1));
        assertTrue(cache.contains(entity, id), "cached: " + id);
      }

      cache.evict(entity, 1L);
      assertFalse(cache.contains(entity, 1L));
      assertNotSame(first.get(0), load(f, entity, 1, 1), "loaded again after evict(class, id)");
      assertSame(first.get(1), load(f, entity, 2, 0), "the others stay");

      cache.evict(entity);
      assertFalse(cache.contains(entity, 2L));
      assertNotSame(first.get(1), load(f, entity, 2, 1), "loaded again after evict(class)");

      cache.evictAll();
      assertEquals(0, storage(f, entity).references().size(), "evictAll drops every instance at once");
      assertNotSame(first.get(2), load(f, entity, 3, 1), "loaded again after evictAll");
    }
  }

  @ParameterizedTest
  @EnumSource(AccessType.class)
  void deletingTheEntityRemovesItFromTheCache(AccessType type) {
    Class<? extends Country> entity = Countries.entity(type);
    try (TestDatabase.Factory f = factory(true, Map.of())) {
      persist(f, type, 1);
      Country cached = load(f, entity, 1, type == AccessType.NONSTRICT_READ_WRITE ? 1 : 0);
      assertSame(cached, load(f, entity, 1, 0));
      f.sessionFactory().inTransaction(s -> s.remove(s.find(entity, 1L)));
      assertFalse(f.sessionFactory().getCache().contains(entity, 1L));
      assertNull(load(f, entity, 1, 1), "the deleted entity is gone, from the database and the cache");
    }
  }

  @ParameterizedTest
  @EnumSource(AccessType.class)
  void aBoundedRegionEvictsInstancesAndDoesNotHoldOnToThem(AccessType type) {
    Class<? extends Country> entity = Countries.entity(type);
    int count = 150;
    int bound = 5;
    try (TestDatabase.Factory f = factory(true, Map.of("hibernate.cache.inkv.region." + entity.getName() + ".max_entries",
        String.valueOf(bound)))) {
      long[] ids = new long[count];
      for (int i = 0; i < count; i++) {
        ids[i] = i + 1;
      }
      persist(f, type, ids);
      f.sessionFactory().getCache().evictAllRegions();
      List<Country> loaded = f.sessionFactory().fromTransaction(s -> {
        List<Country> all = new ArrayList<>();
        for (long id : ids) {
          all.add(s.find(entity, id));
        }
        return all;
      });
      assertEquals(bound, region(f, entity).getElementCountInMemory(), "entries in a region bounded to " + bound);
      int held = storage(f, entity).references().size();
      assertTrue(held <= 64, "instances held on the heap for a region bounded to " + bound + ": " + held);
      // Every entry was put as often as every other, so each newcomer lost its tie with the
      // entry it met (the store's policy, docs/store.md): the first five stay, the last went.
      assertSame(loaded.get(0), load(f, entity, 1, 0), "the first entry stays");
      assertNotSame(loaded.get(count - 1), load(f, entity, count, 1), "the newest was evicted: loaded again");
    }
  }

  @Test
  void anInstanceExpiresWithTheRegionsTimeToLive() throws InterruptedException {
    try (TestDatabase.Factory f = factory(true, Map.of("hibernate.cache.inkv.region." + ReadOnlyCountry.class.getName()
        + ".expiry", "PT0.3S"))) {
      persist(f, AccessType.READ_ONLY, 1);
      Country cached = load(f, ReadOnlyCountry.class, 1, 0);
      Thread.sleep(600);
      assertFalse(f.sessionFactory().getCache().contains(ReadOnlyCountry.class, 1L));
      assertNotSame(cached, load(f, ReadOnlyCountry.class, 1, 1), "loaded again after the time to live");
    }
  }

  @Test
  void aMutableEntityAndAnImmutableOneWithAnAssociationAreStillCachedByValue() {
    try (TestDatabase.Factory f = factory(true, Map.of())) {
      assertFalse(persister(f, City.class).canUseReferenceCacheEntries(), "mutable");
      assertFalse(persister(f, Capital.class).canUseReferenceCacheEntries(), "refers to another entity");
      persist(f, AccessType.READ_ONLY, 1);
      f.sessionFactory().inTransaction(s -> {
        City city = new City(1L, "Paris");
        s.persist(city);
        s.persist(new Capital(1L, "Paris", city));
      });
      f.sessionFactory().getCache().evictAllRegions();

      City city = load(f, City.class, 1, 1);
      City again = load(f, City.class, 1, 0);
      assertNotSame(city, again, "each hit assembles a new instance from the stored state");
      assertEquals("Paris", again.getName());
      assertNull(storage(f, City.class).marker(stored(f, City.class, 1)), "the city's state is in the store");

      load(f, Capital.class, 1, 1);
      Capital capital = load(f, Capital.class, 1, 0);
      assertNotSame(load(f, Capital.class, 1, 0), capital);
      assertEquals("Paris", capital.getCity().getName());
      assertNull(storage(f, Capital.class).marker(stored(f, Capital.class, 1)));

      // in the same factory, the country is cached by reference
      Country country = load(f, ReadOnlyCountry.class, 1, 1);
      assertSame(country, load(f, ReadOnlyCountry.class, 1, 0));
    }
  }

  @ParameterizedTest
  @EnumSource(AccessType.class)
  void withReferenceEntriesOffAnImmutableEntityIsCachedByValue(AccessType type) {
    Class<? extends Country> entity = Countries.entity(type);
    try (TestDatabase.Factory f = factory(false, Map.of())) {
      assertFalse(persister(f, entity).canUseReferenceCacheEntries());
      persist(f, type, 1);
      f.sessionFactory().getCache().evictAllRegions();
      f.sessionFactory().getStatistics().clear();
      Country loaded = load(f, entity, 1, 1);
      Country hit = load(f, entity, 1, 0);
      assertNotSame(loaded, hit, "a hit assembles a new instance");
      assertEquals("country 1", hit.getName());
      assertCounts(region(f, entity), 1, 1, 1);
      assertNull(storage(f, entity).marker(stored(f, entity, 1)), "the entity's state is in the store");
      assertEquals(0, storage(f, entity).references().size());
    }
  }

  @ParameterizedTest
  @EnumSource(AccessType.class)
  void aPersistentRegionLosesItsInstancesOnRestartAndTheFirstLoadAttachesToTheStoredMarker(AccessType type,
      @TempDir Path directory) {
    Class<? extends Country> entity = Countries.entity(type);
    Map<String, Object> settings = settings(true, Map.of("hibernate.cache.inkv.directory", directory.toString(),
        "hibernate.cache.inkv.region." + entity.getName() + ".persistent", "true"));
    byte[] marker;
    try (TestDatabase.Factory f = TestDatabase.build(settings, Countries.ENTITIES)) {
      persist(f, type, 1);
      f.sessionFactory().getCache().evictAllRegions();
      Country first = load(f, entity, 1, 1);
      assertSame(first, load(f, entity, 1, 0));
      marker = stored(f, entity, 1);
    }
    Map<String, Object> restart = new HashMap<>(settings);
    restart.put("hibernate.hbm2ddl.auto", "none");
    try (TestDatabase.Factory f = TestDatabase.build(restart, Countries.ENTITIES)) {
      assertArrayEquals(marker, stored(f, entity, 1), "the marker survived the restart");
      assertFalse(f.sessionFactory().getCache().contains(entity, 1L), "but not the instance");
      f.sessionFactory().getStatistics().clear();
      Country reloaded = load(f, entity, 1, 1);
      assertSame(reloaded, load(f, entity, 1, 0));
      assertArrayEquals(marker, stored(f, entity, 1), "the reloaded instance stands behind the stored marker");
      assertCounts(region(f, entity), 1, 2, 1); // two misses for one load, as above
    }
  }

  @ParameterizedTest
  @EnumSource(value = AccessType.class, names = {"READ_WRITE", "TRANSACTIONAL"})
  void aReferenceItemKeepsTheSoftLockRules(AccessType type) throws InterruptedException {
    Class<? extends Country> entity = Countries.entity(type);
    try (TestDatabase.Factory f = factory(true, Map.of())) {
      persist(f, type, 1);
      f.sessionFactory().getCache().evictAllRegions();
      EntityDataAccess access = persister(f, entity).getCacheAccessStrategy();
      Object key = cacheKey(f, entity, 1);
      try (Session before = f.sessionFactory().openSession()) {
        Thread.sleep(2); // the caching timestamp has millisecond resolution
        Country cached = load(f, entity, 1, 1);
        assertNull(access.get((SharedSessionContractImplementor) before, key),
            "an item cached after the transaction started is not read by it");
        Thread.sleep(2);
        try (Session after = f.sessionFactory().openSession()) {
          Object entry = access.get((SharedSessionContractImplementor) after, key);
          assertSame(cached, assertInstanceOf(ReferenceCacheEntryImpl.class, entry).getReference());
        }
      }

      SoftLock lock;
      try (Session s = f.sessionFactory().openSession()) {
        lock = access.lockItem((SharedSessionContractImplementor) s, key, null);
      }
      assertFalse(access.contains(key), "a locked entry is not cached data");
      try (Session during = f.sessionFactory().openSession()) {
        Country other = Countries.newCountry(type, 1, "country 1");
        Object entry = persister(f, entity).buildCacheEntry(other, new Object[] {"country 1"}, null,
            (SharedSessionContractImplementor) during);
        assertFalse(access.putFromLoad((SharedSessionContractImplementor) during, key, entry, null),
            "a load while the entry is locked is refused");
        access.unlockItem((SharedSessionContractImplementor) during, key, lock);
      }
      Thread.sleep(2);
      Country reloaded = load(f, entity, 1, 1);
      assertSame(reloaded, load(f, entity, 1, 0), "cached again by a load after the release");
    }
  }

  @Test
  void aReadWriteLoadAttachesToAStoredMarkerOnlyIfItsTransactionMayReadTheItem() throws InterruptedException {
    try (TestDatabase.Factory f = factory(true, Map.of())) {
      persist(f, AccessType.READ_WRITE, 1);
      f.sessionFactory().getCache().evictAllRegions();
      EntityDataAccess access = persister(f, ReadWriteCountry.class).getCacheAccessStrategy();
      Object key = cacheKey(f, ReadWriteCountry.class, 1);
      RegionStorage storage = storage(f, ReadWriteCountry.class);
      try (Session before = f.sessionFactory().openSession()) {
        Thread.sleep(2);
        load(f, ReadWriteCountry.class, 1, 1);
        storage.references().clear(); // as after a restart, or for a marker another node wrote
        byte[] marker = stored(f, ReadWriteCountry.class, 1);
        Country mine = Countries.newCountry(AccessType.READ_WRITE, 1, "country 1");
        Object entry = persister(f, ReadWriteCountry.class).buildCacheEntry(mine, new Object[] {"country 1"}, null,
            (SharedSessionContractImplementor) before);
        assertFalse(access.putFromLoad((SharedSessionContractImplementor) before, key, entry, null),
            "a load from before the item was cached does not attach to it");
        Thread.sleep(2);
        try (Session after = f.sessionFactory().openSession()) {
          assertTrue(access.putFromLoad((SharedSessionContractImplementor) after, key, entry, null));
        }
        assertArrayEquals(marker, stored(f, ReadWriteCountry.class, 1), "attached, not stored anew");
        Thread.sleep(2);
        assertSame(mine, load(f, ReadWriteCountry.class, 1, 0));
      }
    }
  }
}
