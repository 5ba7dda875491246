package io.inkv.hibernate;

import java.util.Comparator;
import org.hibernate.cache.cfg.spi.CollectionDataCachingConfig;
import org.hibernate.cache.spi.CacheKeysFactory;
import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.access.CollectionDataAccess;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.persister.collection.CollectionPersister;

/** Read-write and transactional collection access with per-key soft locks (see SoftLockedAccess). */
final class CollectionSoftLockedAccess extends SoftLockedAccess implements CollectionDataAccess {
  private final CacheKeysFactory keysFactory;
  private final Comparator<Object> versionComparator;

  @SuppressWarnings({"unchecked", "rawtypes"}) // a raw Comparator in 6.6
  CollectionSoftLockedAccess(DomainDataRegion region, CacheKeysFactory keysFactory, RegionStorage storage,
      CollectionDataCachingConfig config, AccessType accessType) {
    super(region, storage, accessType);
    this.keysFactory = keysFactory;
    this.versionComparator = config.getOwnerVersionComparator();
  }

  @Override
  Comparator<Object> versionComparator() {
    return versionComparator;
  }

  @Override
  public Object generateCacheKey(Object id, CollectionPersister collectionDescriptor, SessionFactoryImplementor factory,
      String tenantIdentifier) {
    return keysFactory.createCollectionKey(id, collectionDescriptor, factory, tenantIdentifier);
  }

  @Override
  public Object getCacheKeyId(Object cacheKey) {
    return keysFactory.getCollectionId(cacheKey);
  }
}
