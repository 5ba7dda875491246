package io.inkv.hibernate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.hibernate.Books.NonstrictBook;
import io.inkv.hibernate.Books.ReadWriteBook;
import org.hibernate.cache.spi.access.EntityDataAccess;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;
import org.junit.jupiter.api.Test;

/**
 * A region entry whose bytes do not decode (written by another version of the application, or
 * another tool) is a miss, counted, never an exception that fails the session's load; a load
 * replaces it.
 */
class UndecodableRegionEntryTest {

  private static EntityPersister persister(TestDatabase.Factory f, Class<?> type) {
    return f.sessionFactory().getMappingMetamodel().getEntityDescriptor(type);
  }

  private static RegionStorage storage(EntityDataAccess access) {
    return (RegionStorage) ((InkvDomainDataRegion) access.getRegion()).getCacheStorageAccess();
  }

  private static SharedSessionContractImplementor session(TestDatabase.Factory f) {
    return (SharedSessionContractImplementor) f.sessionFactory().openSession();
  }

  @Test
  void aReadWriteItemThatDoesNotDecodeIsAMissAndALoadReplacesIt() throws InterruptedException {
    try (TestDatabase.Factory f = TestDatabase.build(TestDatabase.H2.settings(), Books.ENTITIES)) {
      EntityPersister persister = persister(f, ReadWriteBook.class);
      EntityDataAccess access = persister.getCacheAccessStrategy();
      Object key = access.generateCacheKey(1L, persister, f.sessionFactory(), null);
      RegionStorage storage = storage(access);
      byte[] k = storage.key(key);
      // an ITEM (kind 1), timestamp 0, then a tag no version of the format has
      storage.store().put(k, new byte[] {RegionStorage.ITEM, 0, 0, 0, 0, 0, 0, 0, 0, 99, 1, 2});
      Thread.sleep(2);
      assertNull(access.get(session(f), key));
      assertTrue(storage.undecodableValues() >= 1);
      assertTrue(access.putFromLoad(session(f), key, new Object[] {"Dune"}, 1), "a load replaces what cannot be read");
      Thread.sleep(2);
      assertEquals("Dune", ((Object[]) access.get(session(f), key))[0]);
    }
  }

  @Test
  void aPlainEntryThatDoesNotDecodeIsAMiss() {
    try (TestDatabase.Factory f = TestDatabase.build(TestDatabase.H2.settings(), Books.ENTITIES)) {
      EntityPersister persister = persister(f, NonstrictBook.class);
      EntityDataAccess access = persister.getCacheAccessStrategy();
      Object key = access.generateCacheKey(2L, persister, f.sessionFactory(), null);
      RegionStorage storage = storage(access);
      storage.store().put(storage.key(key), new byte[] {RegionStorage.VALUE, 99, 1, 2});
      assertNull(access.get(session(f), key));
      assertFalse(access.contains(key) && access.get(session(f), key) != null);
      assertTrue(storage.undecodableValues() >= 1);
    }
  }
}
