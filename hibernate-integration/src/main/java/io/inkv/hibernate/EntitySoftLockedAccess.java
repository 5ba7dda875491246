package io.inkv.hibernate;

import java.util.Comparator;
import java.util.function.Supplier;
import org.hibernate.cache.cfg.spi.EntityDataCachingConfig;
import org.hibernate.cache.spi.CacheKeysFactory;
import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.access.EntityDataAccess;
import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;

/** Read-write and transactional entity access with per-key soft locks (see SoftLockedAccess). */
final class EntitySoftLockedAccess extends SoftLockedAccess implements EntityDataAccess {
  private final CacheKeysFactory keysFactory;
  private final Supplier<?> versionComparator; // Supplier<Comparator> in 6.6, Supplier<Comparator<Object>> in 7

  EntitySoftLockedAccess(DomainDataRegion region, CacheKeysFactory keysFactory, RegionStorage storage,
      EntityDataCachingConfig config, AccessType accessType) {
    super(region, storage, accessType);
    this.keysFactory = keysFactory;
    this.versionComparator = config.getVersionComparatorAccess();
  }

  @Override
  @SuppressWarnings("unchecked")
  Comparator<Object> versionComparator() {
    return versionComparator == null ? null : (Comparator<Object>) versionComparator.get();
  }

  @Override
  public Object generateCacheKey(Object id, EntityPersister rootEntityDescriptor, SessionFactoryImplementor factory,
      String tenantIdentifier) {
    return keysFactory.createEntityKey(id, rootEntityDescriptor, factory, tenantIdentifier);
  }

  @Override
  public Object getCacheKeyId(Object cacheKey) {
    return keysFactory.getEntityId(cacheKey);
  }

  @Override
  public boolean insert(SharedSessionContractImplementor session, Object key, Object value, Object version) {
    return false;
  }

  @Override
  public boolean afterInsert(SharedSessionContractImplementor session, Object key, Object value, Object version) {
    return putIfAbsentAfterInsert(key, value, version);
  }

  @Override
  public boolean update(SharedSessionContractImplementor session, Object key, Object value, Object currentVersion,
      Object previousVersion) {
    return false;
  }

  @Override
  public boolean afterUpdate(SharedSessionContractImplementor session, Object key, Object value, Object currentVersion,
      Object previousVersion, SoftLock lock) {
    return replaceAfterUpdate(key, value, currentVersion, lock);
  }

  @Override
  public SoftLock lockRegion() {
    return null; // as Hibernate's EntityReadWriteAccess
  }
}
