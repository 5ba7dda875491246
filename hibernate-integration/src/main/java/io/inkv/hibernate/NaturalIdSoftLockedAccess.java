package io.inkv.hibernate;

import java.util.Comparator;
import org.hibernate.cache.spi.CacheKeysFactory;
import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.access.NaturalIdDataAccess;
import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;

/** Read-write and transactional natural-id access with per-key soft locks (see SoftLockedAccess). */
final class NaturalIdSoftLockedAccess extends SoftLockedAccess implements NaturalIdDataAccess {
  private final CacheKeysFactory keysFactory;

  NaturalIdSoftLockedAccess(DomainDataRegion region, CacheKeysFactory keysFactory, RegionStorage storage,
      AccessType accessType) {
    super(region, storage, accessType);
    this.keysFactory = keysFactory;
  }

  @Override
  Comparator<Object> versionComparator() {
    return null; // natural ids have no version
  }

  @Override
  public Object generateCacheKey(Object naturalIdValues, EntityPersister rootEntityDescriptor,
      SharedSessionContractImplementor session) {
    return keysFactory.createNaturalIdKey(naturalIdValues, rootEntityDescriptor, session);
  }

  @Override
  public Object getNaturalIdValues(Object cacheKey) {
    return keysFactory.getNaturalIdValues(cacheKey);
  }

  @Override
  public boolean insert(SharedSessionContractImplementor session, Object key, Object value) {
    return false;
  }

  @Override
  public boolean afterInsert(SharedSessionContractImplementor session, Object key, Object value) {
    return putIfAbsentAfterInsert(key, value, null);
  }

  @Override
  public boolean update(SharedSessionContractImplementor session, Object key, Object value) {
    return false;
  }

  @Override
  public boolean afterUpdate(SharedSessionContractImplementor session, Object key, Object value, SoftLock lock) {
    return replaceAfterUpdate(key, value, null, lock);
  }
}
