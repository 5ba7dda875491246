package io.inkv.spring;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.store.Durability;
import io.inkv.store.StoreOptions;
import io.inkv.store.Units;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.expiry.TouchedExpiryPolicy;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * The {@code inkv.*} properties of Spring Boot's inkv cache auto-configuration.
 *
 * <pre>
 * # the base directory of persistent caches
 * inkv.directory=/var/lib/app/caches
 * # settings of every cache ...
 * inkv.default.max-entries=100000
 * inkv.default.time-to-live=10m
 * # ... and of one cache, created at start-up
 * inkv.cache.users.persistent=true
 * inkv.cache.users.durability=interval
 * </pre>
 *
 * <p>Every setting is checked when the properties are bound, so a wrong one fails start-up
 * with its property name. Sizes ({@code 512MB}, {@code 64KB}, {@code 1048576}) and durations
 * ({@code 10m}, {@code 30s}, {@code PT10M}) are read by inkv's one parser of sizes and durations
 * ({@link Units}), so they mean what they mean in {@code inkv.properties}, Hibernate's settings and
 * the server's flags; {@code 1MB} is 1024 × 1024 bytes, as in Spring Boot. See
 * {@code docs/spring.md} for the full table.
 */
@ConfigurationProperties("inkv")
public class InkvProperties implements InitializingBean {
  // The field comments are the property descriptions Spring Boot's configuration processor puts
  // in the metadata IDEs show, which is why these private fields have Javadoc. Sizes and
  // durations are Strings, read by Units in check(): Spring's own DataSize and Duration
  // converters accept other forms than the rest of inkv does (a bare 30 as 30 ms, no 10MiB).
  private static final Pattern BOOTSTRAP_SERVER = Pattern.compile("[^\\s,:]+:\\d{1,5}|\\[[0-9A-Fa-f:.]+]:\\d{1,5}");

  /** Base directory of persistent caches: each lives in a sub-directory named after the cache. */
  private Path directory;
  /** Caches created at start-up with the default settings. */
  private List<String> cacheNames = new ArrayList<>();
  /** Whether a cache name that is not declared gets a cache with the default settings on first use. */
  private boolean dynamic = true;
  /** Whether null results are cached. */
  private boolean allowNullValues = true;
  /** Settings of every cache. */
  private final CacheSettings defaults = new CacheSettings();
  /** Settings of named caches, each over the defaults; each is created at start-up. */
  private final Map<String, CacheSettings> cache = new LinkedHashMap<>();

  /** Creates the properties with their defaults. */
  public InkvProperties() {}

  public Path getDirectory() {
    return directory;
  }

  public void setDirectory(Path directory) {
    this.directory = directory;
  }

  public List<String> getCacheNames() {
    return cacheNames;
  }

  public void setCacheNames(List<String> cacheNames) {
    this.cacheNames = cacheNames;
  }

  public boolean isDynamic() {
    return dynamic;
  }

  public void setDynamic(boolean dynamic) {
    this.dynamic = dynamic;
  }

  public boolean isAllowNullValues() {
    return allowNullValues;
  }

  public void setAllowNullValues(boolean allowNullValues) {
    this.allowNullValues = allowNullValues;
  }

  public CacheSettings getDefault() {
    return defaults;
  }

  public Map<String, CacheSettings> getCache() {
    return cache;
  }

  /**
   * Checks every setting.
   *
   * @throws InvalidConfigurationPropertyValueException naming the first wrong property
   */
  @Override
  public void afterPropertiesSet() {
    defaults.check("inkv.default", null, directory);
    cache.forEach((name, settings) -> settings.merge(defaults).check("inkv.cache." + name, name, directory));
    for (String name : cacheNames) {
      if (name == null || name.isBlank()) {
        throw new InvalidConfigurationPropertyValueException("inkv.cache-names", cacheNames, "a cache name is empty");
      }
    }
  }

  /** Returns the settings of cache {@code name}: its own over the defaults. */
  CacheSettings settingsOf(String name) {
    CacheSettings own = cache.get(name);
    return own == null ? defaults : own.merge(defaults);
  }

  /**
   * The settings of one cache, or of every cache under {@code inkv.default}. A setting left unset on
   * a named cache takes the default's value.
   */
  public static class CacheSettings {
    /**
     * Whether the cache keeps copies (encoded in its store) rather than the objects themselves.
     * Default false for a cache that is neither persistent nor replicated (kept by reference on the
     * heap, as Spring's own ConcurrentMapCacheManager does: values need not be Serializable), true
     * for a persistent or replicated one.
     */
    private Boolean storeByValue;
    /**
     * How many instances a by-reference cache that is persistent or replicated keeps beside its
     * store (store-by-value=false with persistent or replication). Default max-entries, else 10000.
     */
    private Long heapEntries;
    /** Whether the cache's entries outlive the application (needs inkv.directory). Default false. */
    private Boolean persistent;
    /**
     * Whether the cache only reads the files of an existing persistent cache: writes fail, nothing
     * in its directory changes. Needs persistent. Default false.
     */
    private Boolean readOnly;
    /** When writes are forced to the storage device: none, interval or every-write. Default none. */
    private Durability durability;
    /** Most entries kept before the store's policy evicts some (docs/store.md); 0 for no bound. Default no bound. */
    private Long maxEntries;
    /**
     * Most stored bytes kept before the store's policy evicts some, such as 512MB (1MB = 1024KB);
     * 0 for no bound. Default no bound.
     */
    private String maxBytes;
    /** How long an entry lives after it was last written (created or updated), such as 10m. Default forever. */
    private String timeToLive;
    /** How long an entry lives after it was last read or written, such as 30m. Default forever. */
    private String timeToIdle;
    /**
     * Size of the store's segment files, 64KB to 1GB, a multiple of 4KB; it bounds the largest
     * value. Default 8MB for temporary caches, 64MB for persistent ones.
     */
    private String segmentSize;
    /** Whether the cache's JCache statistics MXBean is registered. Default false. */
    private Boolean statistics;
    /** Replication of the cache through Kafka. */
    private final Replication replication = new Replication();

    /** Creates settings with nothing set. */
    public CacheSettings() {}

    public Boolean getStoreByValue() {
      return storeByValue;
    }

    public void setStoreByValue(Boolean storeByValue) {
      this.storeByValue = storeByValue;
    }

    public Long getHeapEntries() {
      return heapEntries;
    }

    public void setHeapEntries(Long heapEntries) {
      this.heapEntries = heapEntries;
    }

    public Boolean getPersistent() {
      return persistent;
    }

    public void setPersistent(Boolean persistent) {
      this.persistent = persistent;
    }

    public Boolean getReadOnly() {
      return readOnly;
    }

    public void setReadOnly(Boolean readOnly) {
      this.readOnly = readOnly;
    }

    public Durability getDurability() {
      return durability;
    }

    public void setDurability(Durability durability) {
      this.durability = durability;
    }

    public Long getMaxEntries() {
      return maxEntries;
    }

    public void setMaxEntries(Long maxEntries) {
      this.maxEntries = maxEntries;
    }

    public String getMaxBytes() {
      return maxBytes;
    }

    public void setMaxBytes(String maxBytes) {
      this.maxBytes = maxBytes;
    }

    public String getTimeToLive() {
      return timeToLive;
    }

    public void setTimeToLive(String timeToLive) {
      this.timeToLive = timeToLive;
    }

    public String getTimeToIdle() {
      return timeToIdle;
    }

    public void setTimeToIdle(String timeToIdle) {
      this.timeToIdle = timeToIdle;
    }

    public String getSegmentSize() {
      return segmentSize;
    }

    public void setSegmentSize(String segmentSize) {
      this.segmentSize = segmentSize;
    }

    public Boolean getStatistics() {
      return statistics;
    }

    public void setStatistics(Boolean statistics) {
      this.statistics = statistics;
    }

    public Replication getReplication() {
      return replication;
    }

    /** Returns these settings with every unset one taken from {@code defaults}. */
    CacheSettings merge(CacheSettings defaults) {
      CacheSettings m = new CacheSettings();
      m.storeByValue = storeByValue != null ? storeByValue : defaults.storeByValue;
      m.heapEntries = heapEntries != null ? heapEntries : defaults.heapEntries;
      m.persistent = persistent != null ? persistent : defaults.persistent;
      m.readOnly = readOnly != null ? readOnly : defaults.readOnly;
      m.durability = durability != null ? durability : defaults.durability;
      m.maxEntries = maxEntries != null ? maxEntries : defaults.maxEntries;
      m.maxBytes = maxBytes != null ? maxBytes : defaults.maxBytes;
      // expiry is one setting in two forms: a cache that sets either replaces the default's
      boolean ownExpiry = timeToLive != null || timeToIdle != null;
      m.timeToLive = ownExpiry ? timeToLive : defaults.timeToLive;
      m.timeToIdle = ownExpiry ? timeToIdle : defaults.timeToIdle;
      m.segmentSize = segmentSize != null ? segmentSize : defaults.segmentSize;
      m.statistics = statistics != null ? statistics : defaults.statistics;
      m.replication.merge(replication, defaults.replication);
      return m;
    }

    /**
     * Checks these settings, of cache {@code cacheName} ({@code null} for the defaults).
     *
     * @throws InvalidConfigurationPropertyValueException naming the first wrong property
     */
    void check(String prefix, String cacheName, Path directory) {
      if (Boolean.TRUE.equals(persistent) && directory == null) {
        throw new InvalidConfigurationPropertyValueException(prefix + ".persistent", true,
            "a persistent cache needs inkv.directory, the base directory its files live under");
      }
      if (maxEntries != null && maxEntries < 0) {
        throw new InvalidConfigurationPropertyValueException(prefix + ".max-entries", maxEntries,
            "must be 0 (no bound) or positive");
      }
      bytes(prefix + ".max-bytes", maxBytes);
      if (timeToLive != null && timeToIdle != null) {
        throw new InvalidConfigurationPropertyValueException(prefix + ".time-to-idle", timeToIdle,
            "set either time-to-live (since the last write) or time-to-idle (since the last read or write), not both");
      }
      checkPositive(prefix + ".time-to-live", timeToLive);
      checkPositive(prefix + ".time-to-idle", timeToIdle);
      if (segmentSize != null) {
        long bytes = bytes(prefix + ".segment-size", segmentSize);
        if (!StoreOptions.isSegmentSize(bytes)) {
          throw new InvalidConfigurationPropertyValueException(prefix + ".segment-size", segmentSize,
              "must be a multiple of 4KB from 64KB to 1GB");
        }
      }
      if (Boolean.TRUE.equals(readOnly) && !Boolean.TRUE.equals(persistent)) {
        throw new InvalidConfigurationPropertyValueException(prefix + ".read-only", true,
            "a read-only cache opens the files an existing persistent cache left; set " + prefix
                + ".persistent=true too (with inkv.directory), or remove read-only");
      }
      if (Boolean.TRUE.equals(readOnly) && timeToIdle != null) {
        throw new InvalidConfigurationPropertyValueException(prefix + ".time-to-idle", timeToIdle,
            "a read-only cache cannot extend an entry's life when it is read (that writes); use time-to-live,"
                + " or remove read-only");
      }
      if (Boolean.TRUE.equals(readOnly) && replication.isEnabled()) {
        throw new InvalidConfigurationPropertyValueException(prefix + ".read-only", true,
            "a replica writes every change the other replicas publish; remove read-only or the replication settings");
      }
      boolean byReference = !storesByValue();
      boolean heapOnly = byReference && !Boolean.TRUE.equals(persistent) && !replication.isEnabled();
      if (heapOnly && maxBytes != null && bytes(prefix + ".max-bytes", maxBytes) != 0) {
        throw new InvalidConfigurationPropertyValueException(prefix + ".max-bytes", maxBytes,
            "a cache kept by reference on the heap counts entries, not bytes: use max-entries, or set "
                + prefix + ".store-by-value=true to keep encoded copies bounded by bytes");
      }
      if (heapEntries != null && (heapEntries <= 0 || !byReference || heapOnly)) {
        throw new InvalidConfigurationPropertyValueException(prefix + ".heap-entries", heapEntries,
            heapEntries <= 0 ? "must be positive"
                : "only a by-reference cache that is persistent or replicated keeps instances beside its store; this"
                + " one " + (heapOnly ? "keeps every entry on the heap, bounded by max-entries" : "stores by value"));
      }
      replication.check(prefix + ".replication", cacheName);
    }

    /*
     * By reference unless persistent or replicated, when store-by-value is not set: Spring's own
     * local caches (ConcurrentMapCacheManager, Caffeine) keep the objects, @Cacheable results are
     * often not Serializable, and a persistent or replicated cache needs its entries encoded.
     */
    private boolean storesByValue() {
      return storeByValue != null ? storeByValue : Boolean.TRUE.equals(persistent) || replication.isEnabled();
    }

    private static void checkPositive(String name, String text) {
      Duration d = duration(name, text);
      if (d != null && d.isZero()) {
        throw new InvalidConfigurationPropertyValueException(name, text,
            "must be positive (a zero one would keep nothing); leave it unset for entries that never expire");
      }
    }

    /** Returns these settings as the JCache configuration of Spring cache {@code cacheName} (any key and value). */
    InkvConfiguration<Object, Object> toConfiguration(String cacheName) {
      InkvConfiguration<Object, Object> c = new InkvConfiguration<>();
      c.setStoreByValue(storesByValue());
      if (heapEntries != null) {
        c.setHeapEntries(heapEntries);
      }
      c.setPersistent(Boolean.TRUE.equals(persistent));
      c.setReadOnly(Boolean.TRUE.equals(readOnly));
      c.setDurability(durability);
      c.setMaxEntries(maxEntries == null ? 0 : maxEntries);
      c.setMaxBytes(maxBytes == null ? 0 : bytes("max-bytes", maxBytes));
      if (segmentSize != null) {
        c.setSegmentSize((int) bytes("segment-size", segmentSize));
      }
      // time to live is counted from the last write, as everywhere in inkv (docs/settings.md)
      if (timeToLive != null) {
        c.setExpiryPolicyFactory(ModifiedExpiryPolicy.factoryOf(expiry(duration("time-to-live", timeToLive))));
      } else if (timeToIdle != null) {
        c.setExpiryPolicyFactory(TouchedExpiryPolicy.factoryOf(expiry(duration("time-to-idle", timeToIdle))));
      }
      c.setStatisticsEnabled(Boolean.TRUE.equals(statistics));
      if (replication.isEnabled()) {
        replication.configure(c, cacheName);
      }
      return c;
    }

    private static javax.cache.expiry.Duration expiry(Duration d) {
      return new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, Math.max(1, d.toMillis()));
    }
  }

  /**
   * Reads size property {@code name} with inkv's one parser; an unset one (null) is 0.
   *
   * @throws InvalidConfigurationPropertyValueException naming the property and the accepted forms
   */
  static long bytes(String name, String text) {
    if (text == null) {
      return 0;
    }
    try {
      return Units.parseBytes(name, text);
    } catch (Units.FormatException e) {
      throw new InvalidConfigurationPropertyValueException(name, text, e.reason());
    }
  }

  /**
   * Reads duration property {@code name} with inkv's one parser; null stays null.
   *
   * @throws InvalidConfigurationPropertyValueException naming the property and the accepted forms
   */
  static Duration duration(String name, String text) {
    if (text == null) {
      return null;
    }
    try {
      return Units.parseDuration(name, text);
    } catch (Units.FormatException e) {
      throw new InvalidConfigurationPropertyValueException(name, text, e.reason());
    }
  }

  /** How a replica's writes are published. */
  public enum WriteMode {
    /** A write returns once Kafka has acknowledged its event. */
    WAIT_FOR_ACK,
    /** A write returns at once; failed publications are logged and counted. */
    FIRE_AND_FORGET
  }

  /**
   * Replication of a cache through Kafka ({@code inkv.default.replication.*} or
   * {@code inkv.cache.<name>.replication.*}): the cache becomes a replica of the store of its name,
   * shared by every application with the same settings. See {@code docs/replication.md}.
   */
  public static class Replication {
    /** Kafka bootstrap servers, host:port each; setting them makes the cache a replica. */
    private List<String> bootstrapServers = new ArrayList<>();
    /** Name of the replicated store (its Kafka topic is inkv.STORE). Default the cache's name; per cache only. */
    private String store;
    /** Whether a write waits for Kafka's acknowledgement. Default wait-for-ack. */
    private WriteMode writeMode;
    /** How long start-up waits for the replica to catch up with the topic, such as 30s; 0 for not at all. Default 5m. */
    private String startupWait;
    /** Partition count of a new topic (an existing topic keeps its own). Default 8. */
    private Integer partitions;
    /** Replication factor of a new topic. Default the broker's default.replication.factor. */
    private Short replicationFactor;
    /** Kafka client properties (TLS, SASL, timeouts...) passed to the producer, consumer and admin client. */
    private Map<String, String> kafka = new LinkedHashMap<>();

    /** Creates replication settings with nothing set (a local cache). */
    public Replication() {}

    public List<String> getBootstrapServers() {
      return bootstrapServers;
    }

    public void setBootstrapServers(List<String> bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
    }

    public String getStore() {
      return store;
    }

    public void setStore(String store) {
      this.store = store;
    }

    public WriteMode getWriteMode() {
      return writeMode;
    }

    public void setWriteMode(WriteMode writeMode) {
      this.writeMode = writeMode;
    }

    public String getStartupWait() {
      return startupWait;
    }

    public void setStartupWait(String startupWait) {
      this.startupWait = startupWait;
    }

    public Integer getPartitions() {
      return partitions;
    }

    public void setPartitions(Integer partitions) {
      this.partitions = partitions;
    }

    public Short getReplicationFactor() {
      return replicationFactor;
    }

    public void setReplicationFactor(Short replicationFactor) {
      this.replicationFactor = replicationFactor;
    }

    public Map<String, String> getKafka() {
      return kafka;
    }

    public void setKafka(Map<String, String> kafka) {
      this.kafka = kafka;
    }

    /** Returns whether the cache is a replica. */
    boolean isEnabled() {
      return !bootstrapServers.isEmpty();
    }

    /** Sets these settings to {@code own} over {@code defaults}; the store name is never inherited. */
    void merge(Replication own, Replication defaults) {
      bootstrapServers = !own.bootstrapServers.isEmpty() ? own.bootstrapServers : defaults.bootstrapServers;
      store = own.store;
      writeMode = own.writeMode != null ? own.writeMode : defaults.writeMode;
      startupWait = own.startupWait != null ? own.startupWait : defaults.startupWait;
      partitions = own.partitions != null ? own.partitions : defaults.partitions;
      replicationFactor = own.replicationFactor != null ? own.replicationFactor : defaults.replicationFactor;
      kafka = new LinkedHashMap<>(defaults.kafka);
      kafka.putAll(own.kafka);
    }

    void check(String prefix, String cacheName) {
      if (cacheName == null && store != null) {
        throw new InvalidConfigurationPropertyValueException(prefix + ".store", store,
            "a store belongs to one cache: set it per cache (each cache's store is named after the cache by default)");
      }
      if (!isEnabled()) {
        if (store != null || writeMode != null || startupWait != null || partitions != null || replicationFactor != null
            || !kafka.isEmpty()) {
          throw new InvalidConfigurationPropertyValueException(prefix + ".bootstrap-servers", null,
              "the other replication settings are set, so the Kafka bootstrap servers must be too");
        }
        return;
      }
      duration(prefix + ".startup-wait", startupWait);
      for (String server : bootstrapServers) {
        if (server == null || !BOOTSTRAP_SERVER.matcher(server.trim()).matches()) {
          throw new InvalidConfigurationPropertyValueException(prefix + ".bootstrap-servers", server,
              "expected host:port");
        }
      }
      try {
        // the defaults are checked as a cache named "default" would use them
        configure(new InkvConfiguration<>(), cacheName != null ? cacheName : "default");
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigurationPropertyValueException(prefix, store, e.getMessage());
      }
    }

    /*
     * The only code that names io.inkv.replication: it runs only for a replicated cache, so a
     * local one never loads the replication classes (nor Kafka's; kafka-clients is optional).
     */
    private void configure(InkvConfiguration<Object, Object> c, String cacheName) {
      io.inkv.replication.ReplicationConfig.Builder b = io.inkv.replication.ReplicationConfig.builder(
          store != null ? store : cacheName, String.join(",", bootstrapServers.stream().map(String::trim).toList()));
      if (writeMode != null) {
        b.writeMode(io.inkv.replication.ReplicationConfig.WriteMode.valueOf(writeMode.name()));
      }
      if (startupWait != null) {
        b.startupWait(duration("startup-wait", startupWait));
      }
      if (partitions != null) {
        b.partitions(partitions);
      }
      if (replicationFactor != null) {
        b.replicationFactor(replicationFactor);
      }
      b.kafkaProperties(kafka);
      c.setReplication(b.build());
    }
  }
}
