package io.inkv.jcache.configuration;

import io.inkv.replication.ReplicationConfig;
import io.inkv.store.Durability;
import io.inkv.store.codec.Codec;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Objects;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.Factory;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;

/**
 * A JCache configuration with inkv's store settings: where the cache's files go, whether they
 * outlive the cache manager or are only read, durability, capacity, segment size and codecs.
 *
 * <p>It is a {@link MutableConfiguration}, so every standard setting works as usual, and every
 * setter returns this object, so a configuration reads as a builder:
 *
 * <pre>{@code
 * InkvConfiguration<String, User> config = InkvConfiguration.of(String.class, User.class)
 *     .setPersistent(true)
 *     .setDirectory(Path.of("/var/lib/app/users"))
 *     .setDurability(Durability.INTERVAL)
 *     .setMaxEntries(1_000_000)
 *     .setStatisticsEnabled(true);
 * Cache<String, User> users = cacheManager.createCache("users", config);
 * }</pre>
 *
 * <p>Defaults: a cache is <em>temporary</em>: its files live in the cache manager's temporary
 * directory ({@code java.io.tmpdir/inkv-<random>/<cache>}) and are deleted when the cache is
 * closed or destroyed, the manager closes, or the JVM exits. A <em>persistent</em> cache keeps its
 * files in {@link #getDirectory() its directory} (or {@code <inkv.directory>/<cache name>} from
 * the manager's configuration file) when it or its manager closes, and a later cache manager
 * reopens it with its data; only {@code destroyCache} deletes them. Settings are checked when the
 * cache is created; a wrong one fails there with its name in the message.
 *
 * <p>Store-by-value (the JCache default) keeps keys and values encoded in the cache's store, so
 * they need a codec or {@code Serializable}, and every read returns a new copy. With
 * {@link #setStoreByValue(boolean) setStoreByValue(false)} a cache stores by reference: a get
 * returns the very instance that was put. Such a cache that is neither persistent nor replicated
 * keeps its entries on the heap only, needs no codec, and is bounded by {@link #setMaxEntries};
 * one that is persistent or replicated also writes every entry, encoded, to its store, and keeps
 * up to {@link #setHeapEntries heapEntries} instances beside it.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class InkvConfiguration<K, V> extends MutableConfiguration<K, V> {
  private static final long serialVersionUID = 1L;

  /** How many instances a persistent or replicated by-reference cache keeps on the heap by default. */
  public static final long DEFAULT_HEAP_ENTRIES = 10_000;

  private String directory;
  private boolean persistent;
  private boolean readOnly;
  private Durability durability;
  private long maxEntries;
  private long maxBytes;
  private long heapEntries;
  private int segmentSize;
  private Factory<? extends Codec<K>> keyCodecFactory;
  private Factory<? extends Codec<V>> valueCodecFactory;
  private ReplicationConfig replication;
  private boolean checkReplicatedValues = true;

  /** Creates a configuration with the JCache defaults and a temporary store. */
  public InkvConfiguration() {}

  /**
   * Copies {@code configuration}: its standard settings, and its inkv settings if it is an
   * {@code InkvConfiguration}.
   */
  public InkvConfiguration(Configuration<K, V> configuration) {
    super(complete(configuration));
    if (configuration instanceof InkvConfiguration<K, V> c) {
      directory = c.directory;
      persistent = c.persistent;
      readOnly = c.readOnly;
      durability = c.durability;
      maxEntries = c.maxEntries;
      maxBytes = c.maxBytes;
      heapEntries = c.heapEntries;
      segmentSize = c.segmentSize;
      keyCodecFactory = c.keyCodecFactory;
      valueCodecFactory = c.valueCodecFactory;
      replication = c.replication;
      checkReplicatedValues = c.checkReplicatedValues;
    }
  }

  private static <K, V> CompleteConfiguration<K, V> complete(Configuration<K, V> configuration) {
    Objects.requireNonNull(configuration, "configuration");
    if (configuration instanceof CompleteConfiguration<K, V> c) {
      return c;
    }
    MutableConfiguration<K, V> m = new MutableConfiguration<>();
    m.setTypes(configuration.getKeyType(), configuration.getValueType());
    m.setStoreByValue(configuration.isStoreByValue());
    return m;
  }

  /** Returns a configuration for keys of {@code keyType} and values of {@code valueType}. */
  public static <K, V> InkvConfiguration<K, V> of(Class<K> keyType, Class<V> valueType) {
    return new InkvConfiguration<K, V>().setTypes(keyType, valueType);
  }

  /** Returns the directory set with {@link #setDirectory(Path)}, or {@code null}. */
  public Path getDirectory() {
    return directory == null ? null : Paths.get(directory);
  }

  /**
   * Sets the directory a persistent cache's store lives in (default
   * {@code <inkv.directory>/<cache name>} from the manager's configuration file). A temporary
   * cache always lives in the manager's temporary directory, so setting a directory on one fails
   * when the cache is created.
   */
  public InkvConfiguration<K, V> setDirectory(Path directory) {
    this.directory = directory == null ? null : directory.toString();
    return this;
  }

  /** Returns whether the cache's data outlives its cache manager. */
  public boolean isPersistent() {
    return persistent;
  }

  /** Sets whether the cache's data outlives its cache manager (default {@code false}). */
  public InkvConfiguration<K, V> setPersistent(boolean persistent) {
    this.persistent = persistent;
    return this;
  }

  /** Returns whether the cache only reads the files of an existing persistent cache; see {@link #setReadOnly}. */
  public boolean isReadOnly() {
    return readOnly;
  }

  /**
   * Sets whether the cache only reads the files of an existing persistent cache (default
   * {@code false}): for a directory on a read-only file system, or data built elsewhere that must
   * not change. Nothing in the directory is created, changed or deleted, not even by
   * {@code destroyCache}. Read-only caches in several processes may open the directory at once
   * (one per process), but not while a writable cache has it open.
   *
   * <p>Every write ({@code put}, {@code remove}, {@code clear}, {@code invoke} and their kin)
   * fails with a {@code CacheException} that says the cache is read-only, before any listener,
   * statistic or store change. A read-only cache must be {@linkplain #setPersistent persistent}
   * and may not have a {@code CacheLoader}, read-through, write-through, replication, or an expiry
   * policy that extends an entry's life when it is read (accessed, touched): each of these writes
   * to the store, so the cache's creation fails naming the one that is set.
   */
  public InkvConfiguration<K, V> setReadOnly(boolean readOnly) {
    this.readOnly = readOnly;
    return this;
  }

  /** Returns the durability, or {@code null} for the store's default ({@link Durability#NONE}). */
  public Durability getDurability() {
    return durability;
  }

  /** Sets when writes are forced to the storage device; see {@link Durability}. */
  public InkvConfiguration<K, V> setDurability(Durability durability) {
    this.durability = durability;
    return this;
  }

  /** Returns the most entries the cache keeps (0 for no bound). */
  public long getMaxEntries() {
    return maxEntries;
  }

  /** Sets the most entries the cache keeps before it evicts the oldest (0, the default, for no bound). */
  public InkvConfiguration<K, V> setMaxEntries(long maxEntries) {
    this.maxEntries = maxEntries;
    return this;
  }

  /** Returns the most stored bytes the cache keeps (0 for no bound). */
  public long getMaxBytes() {
    return maxBytes;
  }

  /** Sets the most stored bytes the cache keeps before it evicts the oldest (0, the default, for no bound). */
  public InkvConfiguration<K, V> setMaxBytes(long maxBytes) {
    this.maxBytes = maxBytes;
    return this;
  }

  /**
   * Returns how many instances a by-reference cache that is persistent or replicated keeps on the
   * heap beside its store, or 0 for the default ({@link #DEFAULT_HEAP_ENTRIES}, or the cache's
   * {@link #getMaxEntries() bound} when it has one).
   */
  public long getHeapEntries() {
    return heapEntries;
  }

  /**
   * Sets how many instances a by-reference cache that is persistent or replicated keeps on the
   * heap beside its store (0, the default: {@link #DEFAULT_HEAP_ENTRIES}, or the cache's entry
   * bound when it has one). Such a cache writes every entry to its store, encoded; a get of an
   * entry whose instance is on the heap returns that instance, and any other get decodes one and
   * keeps it. The store's own bounds ({@link #setMaxEntries}, {@link #setMaxBytes}) decide what the
   * cache holds; this setting only how many instances it remembers. A by-reference cache kept on
   * the heap alone (neither persistent nor replicated) is bounded by {@link #setMaxEntries} and
   * refuses this setting, as does a by-value cache, which keeps no instances.
   */
  public InkvConfiguration<K, V> setHeapEntries(long heapEntries) {
    this.heapEntries = heapEntries;
    return this;
  }

  /** Returns whether a replicated cache checks each value applied from its topic against its value codec. */
  public boolean isCheckReplicatedValues() {
    return checkReplicatedValues;
  }

  /**
   * Sets whether a replicated cache checks each value applied from its topic against its value
   * codec (default true): a value the codec cannot decode is then counted, logged and
   * dead-lettered, never stored. Turn it off only for a cache whose store is written directly, in
   * a format of its own rather than the codec's, as inkv's Hibernate regions are; the topic then
   * records the cache's value format as unchecked, and only caches that also say so share it.
   */
  public InkvConfiguration<K, V> setCheckReplicatedValues(boolean check) {
    this.checkReplicatedValues = check;
    return this;
  }

  /** Returns the segment size in bytes, or 0 for the default. */
  public int getSegmentSize() {
    return segmentSize;
  }

  /**
   * Sets the size of the store's segment files, from 64 KiB to 1 GiB and a multiple of 4 KiB
   * (0 for the default: 8 MiB for temporary caches, 64 MiB for persistent ones). It also bounds
   * the largest value.
   */
  public InkvConfiguration<K, V> setSegmentSize(int segmentSize) {
    this.segmentSize = segmentSize;
    return this;
  }

  /** Returns the factory of the key codec, or {@code null} to choose one from the key type. */
  public Factory<? extends Codec<K>> getKeyCodecFactory() {
    return keyCodecFactory;
  }

  /** Sets the factory of the key codec ({@code null} to choose one from the key type). */
  public InkvConfiguration<K, V> setKeyCodecFactory(Factory<? extends Codec<K>> factory) {
    this.keyCodecFactory = factory;
    return this;
  }

  /** Returns the factory of the value codec, or {@code null} to choose one from the value type. */
  public Factory<? extends Codec<V>> getValueCodecFactory() {
    return valueCodecFactory;
  }

  /** Sets the factory of the value codec ({@code null} to choose one from the value type). */
  public InkvConfiguration<K, V> setValueCodecFactory(Factory<? extends Codec<V>> factory) {
    this.valueCodecFactory = factory;
    return this;
  }

  /** Returns how the cache is replicated through Kafka, or {@code null} for a local cache. */
  public ReplicationConfig getReplication() {
    return replication;
  }

  /**
   * Makes the cache a replica of a store shared through Kafka (null, the default, for a local
   * cache). Its writes are applied locally and published; every replica applies them in log order.
   * Reach the replica (readiness, lag, partitions) with {@code cache.unwrap(Replica.class)}. See
   * {@code docs/replication.md}.
   */
  public InkvConfiguration<K, V> setReplication(ReplicationConfig replication) {
    this.replication = replication;
    return this;
  }

  @Override
  public InkvConfiguration<K, V> setTypes(Class<K> keyType, Class<V> valueType) {
    super.setTypes(keyType, valueType);
    return this;
  }

  @Override
  public InkvConfiguration<K, V> addCacheEntryListenerConfiguration(CacheEntryListenerConfiguration<K, V> listener) {
    super.addCacheEntryListenerConfiguration(listener);
    return this;
  }

  @Override
  public InkvConfiguration<K, V> removeCacheEntryListenerConfiguration(CacheEntryListenerConfiguration<K, V> listener) {
    super.removeCacheEntryListenerConfiguration(listener);
    return this;
  }

  @Override
  public InkvConfiguration<K, V> setCacheLoaderFactory(Factory<? extends CacheLoader<K, V>> factory) {
    super.setCacheLoaderFactory(factory);
    return this;
  }

  @Override
  public InkvConfiguration<K, V> setCacheWriterFactory(Factory<? extends CacheWriter<? super K, ? super V>> factory) {
    super.setCacheWriterFactory(factory);
    return this;
  }

  @Override
  public InkvConfiguration<K, V> setExpiryPolicyFactory(Factory<? extends ExpiryPolicy> factory) {
    super.setExpiryPolicyFactory(factory);
    return this;
  }

  @Override
  public InkvConfiguration<K, V> setReadThrough(boolean readThrough) {
    super.setReadThrough(readThrough);
    return this;
  }

  @Override
  public InkvConfiguration<K, V> setWriteThrough(boolean writeThrough) {
    super.setWriteThrough(writeThrough);
    return this;
  }

  @Override
  public InkvConfiguration<K, V> setStoreByValue(boolean storeByValue) {
    super.setStoreByValue(storeByValue);
    return this;
  }

  @Override
  public InkvConfiguration<K, V> setStatisticsEnabled(boolean enabled) {
    super.setStatisticsEnabled(enabled);
    return this;
  }

  @Override
  public InkvConfiguration<K, V> setManagementEnabled(boolean enabled) {
    super.setManagementEnabled(enabled);
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof InkvConfiguration<?, ?> c) || !super.equals(o)) {
      return false;
    }
    return Objects.equals(directory, c.directory) && persistent == c.persistent && readOnly == c.readOnly
        && durability == c.durability
        && maxEntries == c.maxEntries && maxBytes == c.maxBytes && heapEntries == c.heapEntries
        && segmentSize == c.segmentSize
        && Objects.equals(keyCodecFactory, c.keyCodecFactory) && Objects.equals(valueCodecFactory, c.valueCodecFactory)
        && Objects.equals(replication, c.replication) && checkReplicatedValues == c.checkReplicatedValues;
  }

  @Override
  public int hashCode() {
    return 31 * super.hashCode() + Objects.hash(directory, persistent, readOnly, durability, maxEntries, maxBytes,
        heapEntries,
        segmentSize);
  }
}
