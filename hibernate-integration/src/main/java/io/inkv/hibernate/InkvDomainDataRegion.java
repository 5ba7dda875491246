package io.inkv.hibernate;

import org.hibernate.cache.cfg.spi.CollectionDataCachingConfig;
import org.hibernate.cache.cfg.spi.DomainDataRegionBuildingContext;
import org.hibernate.cache.cfg.spi.DomainDataRegionConfig;
import org.hibernate.cache.cfg.spi.EntityDataCachingConfig;
import org.hibernate.cache.cfg.spi.NaturalIdDataCachingConfig;
import org.hibernate.cache.spi.CacheKeysFactory;
import org.hibernate.cache.spi.ExtendedStatisticsSupport;
import org.hibernate.cache.spi.RegionFactory;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.access.CollectionDataAccess;
import org.hibernate.cache.spi.access.EntityDataAccess;
import org.hibernate.cache.spi.access.NaturalIdDataAccess;
import org.hibernate.cache.spi.support.CollectionNonStrictReadWriteAccess;
import org.hibernate.cache.spi.support.CollectionReadOnlyAccess;
import org.hibernate.cache.spi.support.DomainDataRegionTemplate;

/*
 * A region of entity, collection and natural-id data. Read-only and nonstrict-read-write use
 * Hibernate's own access classes (they take no lock; each call is one store read or write).
 * Read-write and transactional use the soft-locked accesses, whose hit path takes no region-wide
 * lock (Hibernate's AbstractReadWriteAccess would take one).
 *
 * Note: the super constructor builds the accesses before this class's fields are set, so the
 * generate methods use only what the template holds (its storage access and region factory).
 */
final class InkvDomainDataRegion extends DomainDataRegionTemplate implements ExtendedStatisticsSupport {

  InkvDomainDataRegion(DomainDataRegionConfig regionConfig, RegionFactory regionFactory, RegionStorage storage,
      CacheKeysFactory defaultKeysFactory, DomainDataRegionBuildingContext buildingContext) {
    super(regionConfig, regionFactory, storage, defaultKeysFactory, buildingContext);
  }

  private RegionStorage storage() {
    return (RegionStorage) getCacheStorageAccess();
  }

  @Override
  protected EntityDataAccess generateReadWriteEntityAccess(EntityDataCachingConfig config) {
    return new EntitySoftLockedAccess(this, getEffectiveKeysFactory(), storage(), config, AccessType.READ_WRITE);
  }

  @Override
  protected EntityDataAccess generateTransactionalEntityDataAccess(EntityDataCachingConfig config) {
    return new EntitySoftLockedAccess(this, getEffectiveKeysFactory(), storage(), config, AccessType.TRANSACTIONAL);
  }

  @Override
  protected NaturalIdDataAccess generateReadWriteNaturalIdAccess(NaturalIdDataCachingConfig config) {
    return new NaturalIdSoftLockedAccess(this, getEffectiveKeysFactory(), storage(), AccessType.READ_WRITE);
  }

  @Override
  protected NaturalIdDataAccess generateTransactionalNaturalIdDataAccess(NaturalIdDataCachingConfig config) {
    return new NaturalIdSoftLockedAccess(this, getEffectiveKeysFactory(), storage(), AccessType.TRANSACTIONAL);
  }

  @Override
  public CollectionDataAccess generateCollectionAccess(CollectionDataCachingConfig config) {
    return switch (config.getAccessType()) {
      case READ_ONLY -> new CollectionReadOnlyAccess(this, getEffectiveKeysFactory(), storage(), config);
      case NONSTRICT_READ_WRITE ->
          new CollectionNonStrictReadWriteAccess(this, getEffectiveKeysFactory(), storage(), config);
      case READ_WRITE, TRANSACTIONAL ->
          new CollectionSoftLockedAccess(this, getEffectiveKeysFactory(), storage(), config, config.getAccessType());
    };
  }

  @Override
  public long getElementCountInMemory() {
    return storage().size();
  }

  @Override
  public long getElementCountOnDisk() {
    return storage().size();
  }

  @Override
  public long getSizeInMemory() {
    return -1; // the entries live in mapped files; how much of them is resident is the OS's business
  }
}
