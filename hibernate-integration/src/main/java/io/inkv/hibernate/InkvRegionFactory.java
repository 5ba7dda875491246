package io.inkv.hibernate;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.jcache.spi.InkvCachingProvider;
import io.inkv.store.Store;
import io.inkv.store.Units;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ExpiryPolicy;
import org.hibernate.boot.spi.SessionFactoryOptions;
import org.hibernate.cache.CacheException;
import org.hibernate.cache.cfg.spi.DomainDataRegionBuildingContext;
import org.hibernate.cache.cfg.spi.DomainDataRegionConfig;
import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.RegionFactory;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.support.DomainDataStorageAccess;
import org.hibernate.cache.spi.support.RegionFactoryTemplate;
import org.hibernate.cache.spi.support.RegionNameQualifier;
import org.hibernate.cache.spi.support.StorageAccess;
import org.hibernate.engine.spi.SessionFactoryImplementor;

/**
 * Hibernate's second-level cache over inkv: select it with
 * {@code hibernate.cache.region.factory_class=inkv} (or this class's name).
 *
 * <p>Each region is an inkv store, created through inkv's JCache provider so that it is configured
 * like any inkv cache: by the class-path file {@code inkv.properties} (or the file
 * {@value #CONFIG} names), and by Hibernate properties that override it:
 *
 * <pre>
 * hibernate.cache.inkv.directory=/var/lib/app/l2                 base directory of persistent regions
 * hibernate.cache.inkv.default.max_entries=100000                every region
 * hibernate.cache.inkv.region.com.example.Book.max_entries=5000  one region (its qualified name)
 * hibernate.cache.inkv.region.com.example.Book.expiry=10m        time to live
 * hibernate.cache.inkv.region.com.example.Book.persistent=true   survives restarts
 * </pre>
 *
 * <p>Settings: {@code max_entries}, {@code max_bytes}, {@code expiry} (a duration such as
 * {@code 10m} or {@code PT10M}, meaning a time to live counted from the entry's last write, as
 * everywhere in inkv, or inkv's {@code created:}, {@code accessed:}, {@code modified:},
 * {@code touched:} forms), {@code persistent}, {@code directory}, {@code durability},
 * {@code segment_size}. Sizes ({@code 512MB}, {@code 1048576}) and durations are read by inkv's
 * one parser of them ({@link Units}), as in {@code inkv.properties} and Spring's properties.
 * There is no read-only region: Hibernate writes to a region on every load, so a region that
 * refused writes would fail every miss ({@code read_only} is refused, naming Hibernate's own
 * {@code READ_ONLY} access strategy, which is what an entity that never changes wants).
 *
 * <p>A region that neither file nor properties configure is handled as
 * {@code hibernate.javax.cache.missing_cache_strategy} says, as with hibernate-jcache:
 * {@code fail}, {@code create-warn} (the default) or {@code create}. The update-timestamps region
 * is never bounded or expired, whatever the defaults say. Every setting is checked when the
 * session factory starts; a wrong one fails then, naming it.
 *
 * <p>Read-write and transactional data take per-key soft locks; no access holds a lock over a
 * whole region.
 *
 * <p>Entries are stored by value, in inkv's format. With Hibernate's
 * {@code hibernate.cache.use_reference_entries=true}, the immutable entities Hibernate caches by
 * reference (no associations) are kept as the instances themselves on the heap, and a hit returns
 * the very instance; the region's store holds a small marker in their place, so bounds, expiry,
 * soft locks, eviction and statistics apply to them as to any entry. See
 * {@code docs/hibernate.md}.
 */
public final class InkvRegionFactory extends RegionFactoryTemplate {
  private static final long serialVersionUID = 1L;
  private static final System.Logger LOG = System.getLogger(InkvRegionFactory.class.getName());

  /** The short name that selects this factory: {@code hibernate.cache.region.factory_class=inkv}. */
  public static final String SHORT_NAME = "inkv";
  /** The prefix of inkv's Hibernate settings. */
  public static final String PREFIX = "hibernate.cache.inkv.";
  /** The inkv configuration file: a class-path resource, {@code classpath:} or {@code file:} URI. */
  public static final String CONFIG = PREFIX + "config";
  /** The base directory of persistent regions. */
  public static final String DIRECTORY = PREFIX + "directory";
  /** What to do with a region nothing configures: {@code fail}, {@code create-warn} or {@code create}. */
  public static final String MISSING_CACHE_STRATEGY = "hibernate.javax.cache.missing_cache_strategy";

  private static final Map<String, String> SETTINGS = Map.of(
      "max_entries", "maxEntries", "max_bytes", "maxBytes", "expiry", "expiry", "persistent", "persistent",
      "directory", "directory", "durability", "durability", "segment_size", "segmentSize");

  private transient InkvCachingProvider provider;
  private transient CacheManager manager;
  private transient EntryFormat format;
  private transient MissingRegion missingRegion;
  private transient RegionReplication replication;

  /** Creates the factory; Hibernate does this. */
  public InkvRegionFactory() {}

  enum MissingRegion {
    FAIL, CREATE_WARN, CREATE;

    static MissingRegion parse(Object value) {
      if (value == null) {
        return CREATE_WARN;
      }
      return switch (value.toString().trim().toLowerCase(Locale.ROOT)) {
        case "fail" -> FAIL;
        case "create-warn", "" -> CREATE_WARN;
        case "create" -> CREATE;
        default -> throw new CacheException(MISSING_CACHE_STRATEGY + " must be fail, create-warn or create, not '"
            + value + "'");
      };
    }
  }

  @Override
  protected void prepareForUse(SessionFactoryOptions settings, Map<String, Object> configValues) {
    missingRegion = MissingRegion.parse(configValues.get(MISSING_CACHE_STRATEGY));
    boolean replicated = configValues.keySet().stream().anyMatch(k -> k.startsWith(PREFIX + "replication."));
    replication = replicated ? RegionReplication.from(configValues) : null;
    ClassLoader classLoader = Thread.currentThread().getContextClassLoader();
    if (classLoader == null) {
      classLoader = InkvRegionFactory.class.getClassLoader();
    }
    Properties overrides = translate(configValues);
    if (settings.isQueryCacheEnabled()) {
      // the timestamps region must never lose an entry: no bound, no expiry, whatever the defaults say
      String timestampsRegion = RegionNameQualifier.INSTANCE.qualify(
          RegionFactory.DEFAULT_UPDATE_TIMESTAMPS_REGION_UNQUALIFIED_NAME, settings);
      String timestamps = "inkv.cache." + timestampsRegion + ".";
      if (replication != null && overrides.stringPropertyNames().stream()
          .noneMatch(k -> k.startsWith(timestamps + "replication."))) {
        replication.declare(timestampsRegion, overrides);
      }
      overrides.setProperty(timestamps + "maxEntries", "0");
      overrides.setProperty(timestamps + "maxBytes", "0");
      overrides.setProperty(timestamps + "expiry", "eternal");
    }
    // every cache of this manager is a region, written in EntryFormat by RegionStorage rather than
    // through its codec: a replicated one must not check the values it applies against that codec
    overrides.setProperty("inkv.default.checkReplicatedValues", "false");
    URI uri = configUri(configValues.get(CONFIG));
    format = new EntryFormat(classLoader);
    // a provider of its own: this factory's caches are not shared with another session factory's
    provider = new InkvCachingProvider();
    try {
      manager = provider.getCacheManager(uri, classLoader, overrides);
    } catch (RuntimeException e) {
      provider.close();
      throw new CacheException("inkv cannot start the second-level cache: " + e.getMessage(), e);
    }
  }

  private static URI configUri(Object value) {
    if (value == null || value.toString().isBlank()) {
      return null; // the provider's default: the class-path resource inkv.properties, if present
    }
    try {
      return new URI(value.toString().trim());
    } catch (URISyntaxException e) {
      throw new CacheException(CONFIG + " is not a URI: '" + value + "'", e);
    }
  }

  /** Turns {@code hibernate.cache.inkv.*} settings into the inkv configuration properties they override. */
  static Properties translate(Map<String, Object> configValues) {
    Properties p = new Properties();
    for (Map.Entry<String, Object> e : configValues.entrySet()) {
      String key = e.getKey();
      if (!key.startsWith(PREFIX) || key.equals(CONFIG) || key.startsWith(RegionReplication.PREFIX)) {
        continue;
      }
      String value = String.valueOf(e.getValue()).trim();
      String rest = key.substring(PREFIX.length());
      if (rest.equals("directory")) {
        p.setProperty("inkv.directory", value);
      } else if (rest.startsWith("default.")) {
        String setting = setting(key, rest.substring("default.".length()));
        p.setProperty("inkv.default." + setting, value(key, setting, value));
      } else if (rest.startsWith("region.") && rest.contains(".replication.")) {
        // replication settings pass through as they are (see docs/replication.md)
        p.setProperty("inkv.cache." + rest.substring("region.".length()), value);
      } else if (rest.startsWith("region.")) {
        String body = rest.substring("region.".length());
        int dot = body.lastIndexOf('.');
        if (dot <= 0) {
          throw new CacheException(key + ": expected " + PREFIX + "region.<region name>.<setting>");
        }
        String setting = setting(key, body.substring(dot + 1));
        p.setProperty("inkv.cache." + body.substring(0, dot) + "." + setting, value(key, setting, value));
      } else {
        throw new CacheException(key + ": unknown setting; expected " + CONFIG + ", " + DIRECTORY + ", "
            + PREFIX + "default.<setting> or " + PREFIX + "region.<region name>.<setting>");
      }
    }
    return p;
  }

  private static String setting(String key, String name) {
    if (name.equals("read_only") || name.equals("readOnly")) {
      throw new CacheException(key + ": a second-level cache region cannot be read-only, because Hibernate stores"
          + " every entity it loads in its region; for entities that never change, use Hibernate's read-only access"
          + " (@Cache(usage = CacheConcurrencyStrategy.READ_ONLY)), and remove this setting");
    }
    String inkvName = SETTINGS.get(name);
    if (inkvName == null) {
      inkvName = SETTINGS.values().contains(name) ? name : null;
    }
    if (inkvName == null) {
      throw new CacheException(key + ": unknown setting " + name + "; known: " + new java.util.TreeSet<>(SETTINGS.keySet()));
    }
    return inkvName;
  }

  /**
   * Checks a size or duration under the Hibernate property's own name, so that a refusal names what
   * the user wrote; the value passes through to inkv's configuration, which reads it the same way.
   * A bare duration as the expiry is a time to live counted from the last write there, as here.
   */
  private static String value(String key, String setting, String value) {
    try {
      switch (setting) {
        case "maxBytes", "segmentSize" -> Units.parseBytes(key, value);
        case "expiry" -> {
          int colon = value.indexOf(':');
          if (colon >= 0) {
            Units.parseDuration(key, value.substring(colon + 1));
          } else if (Units.isWrittenAsDuration(value)) {
            Units.parseDuration(key, value);
          }
        }
        default -> { }
      }
    } catch (Units.FormatException e) {
      throw new CacheException(e.getMessage(), e);
    }
    return value;
  }

  @Override
  protected void releaseFromUse() {
    try {
      if (provider != null) {
        provider.close();
      }
    } finally {
      provider = null;
      manager = null;
    }
  }

  @Override
  public AccessType getDefaultAccessType() {
    return AccessType.READ_WRITE;
  }

  @Override
  public DomainDataRegion buildDomainDataRegion(DomainDataRegionConfig regionConfig,
      DomainDataRegionBuildingContext buildingContext) {
    verifyStarted();
    return new InkvDomainDataRegion(regionConfig, this,
        storage(regionConfig.getRegionName(), buildingContext.getSessionFactory(), false),
        getImplicitCacheKeysFactory(), buildingContext);
  }

  @Override
  protected DomainDataStorageAccess createDomainDataStorageAccess(DomainDataRegionConfig regionConfig,
      DomainDataRegionBuildingContext buildingContext) {
    return storage(regionConfig.getRegionName(), buildingContext.getSessionFactory(), false);
  }

  @Override
  protected StorageAccess createQueryResultsRegionStorageAccess(String regionName, SessionFactoryImplementor sessionFactory) {
    return storage(regionName, sessionFactory, false);
  }

  @Override
  protected StorageAccess createTimestampsRegionStorageAccess(String regionName, SessionFactoryImplementor sessionFactory) {
    return storage(regionName, sessionFactory, true);
  }

  private RegionStorage storage(String unqualifiedName, SessionFactoryImplementor sessionFactory, boolean timestamps) {
    verifyStarted();
    String name = RegionNameQualifier.INSTANCE.qualify(unqualifiedName, sessionFactory.getSessionFactoryOptions());
    Cache<Object, Object> cache = manager.getCache(name);
    if (cache == null) {
      switch (missingRegion) {
        case FAIL -> throw new CacheException("the second-level cache region " + name + " is not configured and "
            + MISSING_CACHE_STRATEGY + " is fail: declare it in the inkv configuration (inkv.cache." + name
            + ".*) or with " + PREFIX + "region." + name + ".*");
        case CREATE_WARN -> LOG.log(System.Logger.Level.WARNING, "inkv: the second-level cache region {0} is not configured;"
            + " creating it with the defaults (set " + MISSING_CACHE_STRATEGY + "=create to create regions silently)",
            name);
        case CREATE -> { }
      }
      cache = manager.createCache(name, replication != null ? replication.configuration(name) : new InkvConfiguration<>());
    }
    @SuppressWarnings("unchecked")
    InkvConfiguration<Object, Object> configuration = cache.getConfiguration(InkvConfiguration.class);
    if (configuration.isReadOnly()) {
      cache.close();
      throw new CacheException("the second-level cache region " + name + " is declared read-only in the inkv"
          + " configuration, but Hibernate stores every entity it loads in its region; remove its readOnly setting"
          + " (for entities that never change, use @Cache(usage = CacheConcurrencyStrategy.READ_ONLY))");
    }
    long timeToLive = 0;
    long timeToIdle = 0;
    if (configuration.getExpiryPolicyFactory() != null) {
      ExpiryPolicy policy = configuration.getExpiryPolicyFactory().create();
      timeToLive = millis(policy.getExpiryForCreation(), name);
      Duration access = policy.getExpiryForAccess();
      timeToIdle = access == null ? 0 : millis(access, name);
    }
    if (timestamps && (timeToLive != 0 || timeToIdle != 0)) {
      throw new CacheException("the update-timestamps region " + name + " must never expire: remove its expiry");
    }
    Cache<Object, Object> regionCache = cache;
    return new RegionStorage(name, cache.unwrap(Store.class), format, timeToLive, timeToIdle, regionCache::close);
  }

  private static long millis(Duration duration, String region) {
    if (duration == null || duration.isEternal()) {
      return 0;
    }
    if (duration.isZero()) {
      throw new CacheException("region " + region + " has an expiry of zero: nothing could be cached");
    }
    return Math.max(1, duration.getTimeUnit().toMillis(duration.getDurationAmount()));
  }
}
