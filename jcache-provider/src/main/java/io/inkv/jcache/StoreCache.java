package io.inkv.jcache;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.jcache.event.EventDispatcher;
import io.inkv.jcache.management.CacheConfigurationBean;
import io.inkv.jcache.management.CacheStatistics;
import io.inkv.jcache.management.MBeans;
import io.inkv.store.EntryUpdate;
import io.inkv.store.RemovalListener;
import io.inkv.store.Store;
import io.inkv.store.StoreException;
import io.inkv.store.ValueView;
import io.inkv.store.codec.Codec;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.event.EventType;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.EternalExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheLoaderException;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;
import javax.cache.integration.CompletionListener;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.EntryProcessorException;
import javax.cache.processor.EntryProcessorResult;

/*
 * A JCache Cache over one inkv Store.
 *
 * Keys and values are stored by value: codecs turn them into bytes on the way in and build new
 * objects on the way out, so nothing the caller holds aliases the cache. Keys are equal when
 * their encoded bytes are equal.
 *
 * The get path is: encode the key, one Store.get into a per-thread ValueView (an index probe and
 * a record read in place, no copy), decode the value straight from the mapped region. Statistics
 * (LongAdder cells, and System.nanoTime) cost nothing unless enabled. The expiry policy is asked
 * for an access duration only when it is not one of the standard policies whose answer is known
 * to be "unchanged" (eternal, created).
 *
 * Every operation that reads and then writes (put's created-or-updated decision, putIfAbsent,
 * replace, the getAnd* family, invoke) runs inside Store.update, which holds the key's write
 * lock, so it is atomic per key. Inside it the cache also asks the expiry policy, calls the
 * CacheWriter (write-through must happen before the entry changes and must stop the change when
 * it fails) and publishes events, which fixes their order per key; listener code itself runs on
 * the dispatcher's threads, and a synchronous listener is waited for after the lock is released.
 * Loaders and writers must therefore not write to this cache themselves.
 *
 * Semantics where the specification leaves room follow the reference implementation (RI 1.1.1):
 * which operations count hits, misses, puts and removals; that an exception from the expiry
 * policy means ETERNAL on creation and "unchanged" on access and update; that a loaded value is
 * not written through and not counted as a put. A duration of zero on update or access removes
 * the entry and publishes EXPIRED at once (the RI leaves it to be found expired later).
 *
 * Store exceptions are translated here and nowhere deeper: ClosedException to
 * IllegalStateException (the cache or store is closed), every other StoreException to
 * CacheException.
 */
final class StoreCache<K, V> implements InkvCache<K, V> {
  private static final System.Logger LOG = System.getLogger(StoreCache.class.getName());
  private static final ThreadLocal<ValueView> VIEWS = ThreadLocal.withInitial(ValueView::new);
  /** An expiry decision meaning "leave the expiry time as it is". */
  private static final long UNCHANGED = Long.MIN_VALUE;
  /** An expiry decision meaning "expired now" (a duration of zero). */
  private static final long EXPIRED = -1;

  private final StoreCacheManager manager;
  private final String name;
  private final InkvConfiguration<K, V> configuration;
  private final CacheSettings settings;
  private final Class<K> keyType;
  private final Class<V> valueType;
  private final boolean checkKeyType;
  private final boolean checkValueType;
  private final Codec<K> keyCodec;
  private final Codec<V> valueCodec;
  private final ExpiryPolicy expiry;
  private final boolean askAccessExpiry;
  private final CacheLoader<K, V> loader;
  private final CacheWriter<K, V> writer;
  private final EventDispatcher<K, V> events;
  private final CacheStatistics statistics = new CacheStatistics();
  private final CacheConfigurationBean configurationBean;
  private final Store store;
  /** The documents over the store when the values are Documents, else null. */
  private final io.inkv.store.document.DocumentStore documents;
  private volatile boolean statisticsEnabled;
  private volatile boolean closed;

  StoreCache(StoreCacheManager manager, String name, InkvConfiguration<K, V> configuration, CacheSettings settings) {
    this.manager = manager;
    this.name = name;
    this.configuration = configuration;
    this.settings = settings;
    this.keyType = configuration.getKeyType();
    this.valueType = configuration.getValueType();
    this.checkKeyType = keyType != Object.class;
    this.checkValueType = valueType != Object.class;
    ClassLoader classLoader = manager.getClassLoader();
    this.keyCodec = configuration.getKeyCodecFactory() != null
        ? configuration.getKeyCodecFactory().create() : Codec.forClass(keyType, classLoader);
    boolean documentValues = valueType == io.inkv.store.document.Document.class
        && configuration.getValueCodecFactory() == null;
    if (documentValues && configuration.getReplication() != null) {
      throw new CacheException("cache " + name + ": a replicated cache of Document values is not supported;"
          + " replicate a DocumentStore with io.inkv.replication.Replication.replicate(DocumentStore, config),"
          + " whose upserts carry field names to every replica");
    }
    this.expiry = configuration.getExpiryPolicyFactory().create();
    this.askAccessExpiry = !(expiry instanceof EternalExpiryPolicy || expiry instanceof CreatedExpiryPolicy);
    this.loader = configuration.getCacheLoaderFactory() == null ? null : configuration.getCacheLoaderFactory().create();
    this.writer = configuration.isWriteThrough() && configuration.getCacheWriterFactory() != null
        ? writerOf(configuration.getCacheWriterFactory().create()) : null;
    this.events = new EventDispatcher<>(this);
    for (CacheEntryListenerConfiguration<K, V> listener : configuration.getCacheEntryListenerConfigurations()) {
      events.register(listener);
    }
    this.configurationBean = new CacheConfigurationBean(() -> this.configuration);
    this.statisticsEnabled = configuration.isStatisticsEnabled();
    Store opened = settings.open(this::onStoreRemoval);
    this.store = configuration.getReplication() == null ? opened : replicate(opened);
    if (documentValues) {
      // Document values: the codec numbers fields through the store's own schema (documents.meta),
      // and unwrap(DocumentStore.class) offers upserts and typed in-place reads over the same data.
      try {
        this.documents = io.inkv.store.document.DocumentStore.over(store);
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
      @SuppressWarnings("unchecked")
      Codec<V> documentCodec = (Codec<V>) documents.codec();
      this.valueCodec = documentCodec;
    } else {
      this.documents = null;
      this.valueCodec = configuration.getValueCodecFactory() != null
          ? configuration.getValueCodecFactory().create() : Codec.forClass(valueType, classLoader);
    }
  }

  /*
   * A replicated cache: the store is wrapped by a replica that publishes its writes and applies
   * the topic's. Only this method names io.inkv.replication, so a local cache never loads the
   * replication classes or Kafka's (kafka-clients is optional). Changes from other JVMs reach
   * this cache's listeners (asynchronously, from the applier thread) unless remoteEvents is off.
   */
  private Store replicate(Store opened) {
    io.inkv.replication.ReplicationConfig rc = configuration.getReplication();
    try {
      if (!rc.remoteEvents()) {
        return io.inkv.replication.Replication.replicate(opened, rc);
      }
      return io.inkv.replication.Replication.replicate(opened, rc, this::onRemoteChange);
    } catch (RuntimeException | LinkageError e) {
      try {
        opened.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof NoClassDefFoundError) {
        throw new CacheException("cache " + name + " is replicated, which needs org.apache.kafka:kafka-clients on the"
            + " class path: " + e, e);
      }
      throw new CacheException("cache " + name + ": cannot start replication: " + e.getMessage(), e);
    }
  }

  private void onRemoteChange(byte[] key, byte[] oldValue, byte[] newValue) {
    EventDispatcher<K, V> dispatcher = events;
    EventType type = newValue == null ? EventType.REMOVED : oldValue == null ? EventType.CREATED : EventType.UPDATED;
    if (dispatcher == null || !dispatcher.wants(type)) {
      return;
    }
    try {
      K k = keyCodec.decode(key);
      V value = newValue == null ? decodeValue(oldValue) : valueCodec.decode(newValue);
      V old = type == EventType.UPDATED && dispatcher.wantsOldValue(EventType.UPDATED) ? decodeValue(oldValue)
          : type == EventType.REMOVED ? value : null;
      dispatcher.publishUnawaited(type, k, value, old);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cache " + name + ": cannot publish an event for a remote change", e);
    }
  }

  /** Registers the MXBeans the configuration asks for; called once the cache is published. */
  void registerMBeans() {
    if (configuration.isManagementEnabled()) {
      setManagementEnabled(true);
    }
    if (configuration.isStatisticsEnabled()) {
      setStatisticsEnabled(true);
    }
  }

  // ---- helpers ----

  @SuppressWarnings("unchecked")
  private static <K, V> CacheWriter<K, V> writerOf(CacheWriter<? super K, ? super V> writer) {
    // a writer of supertypes accepts our entries; the cast only drops the wildcards
    return (CacheWriter<K, V>) writer;
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the cache " + name + " is closed");
    }
  }

  private K requireKey(K key) {
    if (key == null) {
      throw new NullPointerException("a key is null");
    }
    if (checkKeyType && !keyType.isInstance(key)) {
      throw new ClassCastException("the key " + key + " is a " + key.getClass().getName()
          + ", but the cache " + name + " holds keys of " + keyType.getName());
    }
    return key;
  }

  private V requireValue(V value) {
    if (value == null) {
      throw new NullPointerException("a value is null");
    }
    if (checkValueType && !valueType.isInstance(value)) {
      throw new ClassCastException("the value " + value + " is a " + value.getClass().getName()
          + ", but the cache " + name + " holds values of " + valueType.getName());
    }
    return value;
  }

  private RuntimeException translate(RuntimeException e) {
    if (e instanceof Store.ClosedException) {
      return new IllegalStateException("the cache " + name + " is closed", e);
    }
    if (e instanceof StoreException) {
      return new CacheException("cache " + name + ": " + e.getMessage(), e);
    }
    return e;
  }

  private byte[] encodeKey(K key) {
    return keyCodec.encode(key);
  }

  private byte[] encodeValue(V value) {
    return valueCodec.encode(value);
  }

  private V decodeValue(byte[] bytes) {
    return bytes == null ? null : valueCodec.decode(bytes);
  }

  private static long expireAt(Duration duration, long now) {
    if (duration == null) {
      return UNCHANGED;
    }
    if (duration.isEternal()) {
      return Store.NEVER;
    }
    if (duration.isZero() || duration.getDurationAmount() < 0) {
      return EXPIRED;
    }
    long millis = duration.getTimeUnit().toMillis(duration.getDurationAmount());
    if (millis == 0) {
      millis = 1;
    }
    long at = now + millis;
    return at < now ? Long.MAX_VALUE : at;
  }

  private long creationExpiry(long now) {
    Duration d;
    try {
      d = expiry.getExpiryForCreation();
    } catch (Throwable t) {
      d = Duration.ETERNAL;
    }
    long at = expireAt(d, now);
    return at == UNCHANGED ? Store.NEVER : at;
  }

  private long updateExpiry(long now) {
    try {
      return expireAt(expiry.getExpiryForUpdate(), now);
    } catch (Throwable t) {
      return UNCHANGED;
    }
  }

  private long accessExpiry(long now) {
    if (!askAccessExpiry) {
      return UNCHANGED;
    }
    try {
      return expireAt(expiry.getExpiryForAccess(), now);
    } catch (Throwable t) {
      return UNCHANGED;
    }
  }

  private void afterEvents() {
    if (events.isActive()) {
      EventDispatcher.awaitSynchronous();
    }
  }

  private void publish(EventType type, K key, V value, V oldValue) {
    events.publish(type, key, value, oldValue);
  }

  private void write(K key, V value) {
    if (writer != null) {
      try {
        writer.write(new CacheEntry<>(key, value));
      } catch (CacheWriterException e) {
        throw e;
      } catch (Exception e) {
        throw new CacheWriterException("the cache writer failed to write " + key + ": " + e, e);
      }
    }
  }

  private void delete(K key) {
    if (writer != null) {
      try {
        writer.delete(key);
      } catch (CacheWriterException e) {
        throw e;
      } catch (Exception e) {
        throw new CacheWriterException("the cache writer failed to delete " + key + ": " + e, e);
      }
    }
  }

  private V load(K key) {
    try {
      return loader.load(key);
    } catch (CacheLoaderException e) {
      throw e;
    } catch (Exception e) {
      throw new CacheLoaderException("the cache loader failed to load " + key + ": " + e, e);
    }
  }

  /** Applies an access-expiry decision to an entry that exists, inside an update. */
  private void applyAccess(long at, K key, byte[] currentValue, EntryUpdate.Writer w) {
    if (at == UNCHANGED) {
      return;
    }
    if (at == EXPIRED) {
      w.remove();
      if (events.wants(EventType.EXPIRED)) {
        V old = decodeValue(currentValue);
        publish(EventType.EXPIRED, key, old, old);
      }
    } else {
      w.setExpiry(at);
    }
  }

  /** Stores a new value of an existing entry inside an update, with its update expiry. */
  private void applyUpdate(K key, V value, byte[] encoded, byte[] currentValue, long currentExpireAt, long now,
      EntryUpdate.Writer w) {
    long at = updateExpiry(now);
    boolean eventsOn = events.isActive();
    V old = eventsOn && events.wantsOldValue(EventType.UPDATED) || at == EXPIRED && events.wants(EventType.EXPIRED)
        ? decodeValue(currentValue) : null;
    if (at == EXPIRED) {
      w.remove();
    } else {
      w.put(encoded, at == UNCHANGED ? currentExpireAt : at);
    }
    if (eventsOn) {
      publish(EventType.UPDATED, key, value, old);
      if (at == EXPIRED) {
        publish(EventType.EXPIRED, key, value, value);
      }
    }
  }

  /** Creates an entry inside an update; returns whether it was stored (a zero duration stores nothing). */
  private boolean applyCreate(K key, V value, byte[] encoded, long now, EntryUpdate.Writer w) {
    long at = creationExpiry(now);
    if (at == EXPIRED) {
      return false;
    }
    w.put(encoded, at);
    if (events.isActive()) {
      publish(EventType.CREATED, key, value, null);
    }
    return true;
  }

  /*
   * Store.update with the expired-entry hook: an entry the update finds expired is published as
   * EXPIRED under the key's lock, before the event the update itself publishes (a put over an
   * expired entry gives EXPIRED then CREATED, the reference implementation's order), instead of
   * by the store's removal listener after the lock is released.
   */
  private <R> R updateEntry(byte[] k, EntryUpdate<R> update) {
    return store.update(k, new EntryUpdate<R>() {
      @Override
      public boolean expired(byte[] value, long expireAt) {
        EventDispatcher<K, V> dispatcher = events;
        if (dispatcher == null || !dispatcher.wants(EventType.EXPIRED)) {
          return true;
        }
        try {
          V v = valueCodec.decode(value);
          publish(EventType.EXPIRED, keyCodec.decode(k), v, v);
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "cache " + name + ": cannot publish an expiry event", e);
        }
        return true;
      }

      @Override
      public R apply(EntryUpdate.Current current, EntryUpdate.Writer writer) {
        return update.apply(current, writer);
      }
    });
  }

  private void onStoreRemoval(byte[] key, byte[] value, RemovalListener.Cause cause) {
    if (cause == RemovalListener.Cause.EVICTED) {
      if (statisticsEnabled) {
        statistics.recordEvictions(1);
      }
      return;
    }
    EventDispatcher<K, V> dispatcher = events;
    if (dispatcher != null && dispatcher.wants(EventType.EXPIRED)) {
      try {
        K k = keyCodec.decode(key);
        V v = valueCodec.decode(value);
        // not tracked as synchronous: expiry happens on whichever thread meets the entry, and
        // may be a background thread that no cache operation waits on
        dispatcher.publishUnawaited(EventType.EXPIRED, k, v, v);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "cache " + name + ": cannot publish an expiry event", e);
      }
    }
  }

  // ---- Cache ----

  @Override
  public V get(K key) {
    requireOpen();
    requireKey(key);
    try {
      boolean stats = statisticsEnabled;
      long start = stats ? System.nanoTime() : 0;
      byte[] k = encodeKey(key);
      V value = getValue(key, k, stats);
      if (stats) {
        statistics.recordGetTime(System.nanoTime() - start);
      }
      afterEvents();
      return value;
    } catch (StoreException e) {
      throw translate(e);
    }
  }

  private V getValue(K key, byte[] k, boolean stats) {
    ValueView view = VIEWS.get();
    if (store.get(k, view)) {
      V value = valueCodec.decode(view);
      if (askAccessExpiry) {
        touch(key, k);
      }
      if (stats) {
        statistics.recordHits(1);
      }
      return value;
    }
    if (stats) {
      statistics.recordMisses(1);
    }
    if (loader == null || !configuration.isReadThrough()) {
      return null;
    }
    V loaded = load(key);
    if (loaded == null) {
      return null;
    }
    requireValue(loaded);
    byte[] encoded = encodeValue(loaded);
    long now = System.currentTimeMillis();
    boolean stored = updateEntry(k, (current, w) -> current == null && applyCreate(key, loaded, encoded, now, w));
    return stored ? loaded : null;
  }

  /** Applies the access expiry of a read that found the entry. */
  private void touch(K key, byte[] k) {
    long at = accessExpiry(System.currentTimeMillis());
    if (at == UNCHANGED) {
      return;
    }
    if (at != EXPIRED) {
      store.setExpiry(k, at);
      return;
    }
    updateEntry(k, (current, w) -> {
      if (current != null) {
        applyAccess(at, key, current.value(), w);
      }
      return null;
    });
  }

  @Override
  public Map<K, V> getAll(Set<? extends K> keys) {
    requireOpen();
    Objects.requireNonNull(keys, "keys");
    for (K key : keys) {
      requireKey(key);
    }
    try {
      boolean stats = statisticsEnabled;
      Map<K, V> result = new LinkedHashMap<>();
      for (K key : keys) {
        long start = stats ? System.nanoTime() : 0;
        V value = getValue(key, encodeKey(key), stats);
        if (value != null) {
          result.put(key, value);
        }
        if (stats) {
          statistics.recordGetTime(System.nanoTime() - start);
        }
      }
      afterEvents();
      return result;
    } catch (StoreException e) {
      throw translate(e);
    }
  }

  @Override
  public boolean containsKey(K key) {
    requireOpen();
    requireKey(key);
    try {
      return store.containsKey(encodeKey(key));
    } catch (StoreException e) {
      throw translate(e);
    }
  }

  @Override
  public void loadAll(Set<? extends K> keys, boolean replaceExistingValues, CompletionListener completionListener) {
    requireOpen();
    Objects.requireNonNull(keys, "keys");
    for (K key : keys) {
      requireKey(key);
    }
    if (loader == null) {
      if (completionListener != null) {
        completionListener.onCompletion();
      }
      return;
    }
    List<K> requested = new ArrayList<>(keys);
    EventDispatcher.executor().execute(() -> {
      try {
        List<K> toLoad = new ArrayList<>();
        for (K key : requested) {
          if (replaceExistingValues || !containsKey(key)) {
            toLoad.add(key);
          }
        }
        Map<K, V> loaded;
        try {
          loaded = loader.loadAll(toLoad);
        } catch (CacheLoaderException e) {
          throw e;
        } catch (Exception e) {
          throw new CacheLoaderException("the cache loader failed to load " + toLoad + ": " + e, e);
        }
        if (loaded != null) {
          for (Map.Entry<K, V> e : loaded.entrySet()) {
            if (e.getKey() != null && e.getValue() != null) {
              putLoaded(e.getKey(), e.getValue(), replaceExistingValues);
            }
          }
        }
        afterEvents();
        if (completionListener != null) {
          completionListener.onCompletion();
        }
      } catch (Exception e) {
        EventDispatcher.discardSynchronous();
        if (completionListener != null) {
          completionListener.onException(e);
        }
      }
    });
  }

  private void putLoaded(K key, V value, boolean replace) {
    requireOpen();
    requireKey(key);
    requireValue(value);
    byte[] k = encodeKey(key);
    byte[] v = encodeValue(value);
    long now = System.currentTimeMillis();
    try {
      updateEntry(k, (current, w) -> {
        if (current == null) {
          applyCreate(key, value, v, now, w);
        } else if (replace) {
          applyUpdate(key, value, v, current.value(), current.expireAt(), now, w);
        }
        return null;
      });
    } catch (StoreException e) {
      throw translate(e);
    }
  }

  @Override
  public void put(K key, V value) {
    requireOpen();
    requireKey(key);
    requireValue(value);
    try {
      boolean stats = statisticsEnabled;
      long start = stats ? System.nanoTime() : 0;
      if (putValue(key, value) && stats) {
        statistics.recordPuts(1);
        statistics.recordPutTime(System.nanoTime() - start);
      }
      afterEvents();
    } catch (StoreException e) {
      EventDispatcher.discardSynchronous();
      throw translate(e);
    }
  }

  /** Puts one entry (writing it through); returns whether it counts as a put. */
  private boolean putValue(K key, V value) {
    byte[] k = encodeKey(key);
    byte[] v = encodeValue(value);
    long now = System.currentTimeMillis();
    return updateEntry(k, (current, w) -> {
      write(key, value);
      if (current == null) {
        return applyCreate(key, value, v, now, w);
      }
      applyUpdate(key, value, v, current.value(), current.expireAt(), now, w);
      return true;
    });
  }

  @Override
  public V getAndPut(K key, V value) {
    requireOpen();
    requireKey(key);
    requireValue(value);
    try {
      boolean stats = statisticsEnabled;
      long start = stats ? System.nanoTime() : 0;
      byte[] k = encodeKey(key);
      byte[] v = encodeValue(value);
      long now = System.currentTimeMillis();
      boolean[] stored = new boolean[1];
      byte[] previous = updateEntry(k, (current, w) -> {
        write(key, value);
        if (current == null) {
          stored[0] = applyCreate(key, value, v, now, w);
          return null;
        }
        applyUpdate(key, value, v, current.value(), current.expireAt(), now, w);
        stored[0] = true;
        return current.value();
      });
      V old = decodeValue(previous);
      if (stats) {
        long elapsed = System.nanoTime() - start;
        if (old == null) {
          statistics.recordMisses(1);
        } else {
          statistics.recordHits(1);
        }
        statistics.recordGetTime(elapsed);
        if (stored[0]) {
          statistics.recordPuts(1);
          statistics.recordPutTime(elapsed);
        }
      }
      afterEvents();
      return old;
    } catch (StoreException e) {
      EventDispatcher.discardSynchronous();
      throw translate(e);
    }
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> map) {
    requireOpen();
    Objects.requireNonNull(map, "map");
    for (Map.Entry<? extends K, ? extends V> e : map.entrySet()) {
      requireKey(e.getKey());
      requireValue(e.getValue());
    }
    try {
      boolean stats = statisticsEnabled;
      long start = stats ? System.nanoTime() : 0;
      Map<K, V> toPut = new LinkedHashMap<>(map);
      CacheWriterException failure = null;
      if (writer != null && !toPut.isEmpty()) {
        List<Cache.Entry<? extends K, ? extends V>> entries = new ArrayList<>();
        for (Map.Entry<K, V> e : toPut.entrySet()) {
          entries.add(new CacheEntry<>(e.getKey(), e.getValue()));
        }
        try {
          writer.writeAll(entries);
        } catch (Exception e) {
          failure = e instanceof CacheWriterException cwe ? cwe : new CacheWriterException("the cache writer failed: " + e, e);
          // what writeAll left in the collection was not written, so it is not put either
          for (Cache.Entry<? extends K, ? extends V> unwritten : entries) {
            toPut.remove(unwritten.getKey());
          }
        }
      }
      long puts = 0;
      long now = System.currentTimeMillis();
      for (Map.Entry<K, V> e : toPut.entrySet()) {
        K key = e.getKey();
        V value = e.getValue();
        byte[] v = encodeValue(value);
        boolean counted = updateEntry(encodeKey(key), (current, w) -> {
          if (current == null) {
            return applyCreate(key, value, v, now, w);
          }
          applyUpdate(key, value, v, current.value(), current.expireAt(), now, w);
          return true;
        });
        puts += counted ? 1 : 0;
      }
      if (stats && puts > 0) {
        statistics.recordPuts(puts);
        statistics.recordPutTime(System.nanoTime() - start);
      }
      afterEvents();
      if (failure != null) {
        throw failure;
      }
    } catch (StoreException e) {
      EventDispatcher.discardSynchronous();
      throw translate(e);
    }
  }

  @Override
  public boolean putIfAbsent(K key, V value) {
    requireOpen();
    requireKey(key);
    requireValue(value);
    try {
      boolean stats = statisticsEnabled;
      long start = stats ? System.nanoTime() : 0;
      byte[] k = encodeKey(key);
      byte[] v = encodeValue(value);
      long now = System.currentTimeMillis();
      boolean stored = updateEntry(k, (current, w) -> {
        if (current != null) {
          return false;
        }
        write(key, value);
        return applyCreate(key, value, v, now, w);
      });
      if (stats) {
        if (stored) {
          statistics.recordPuts(1);
          statistics.recordMisses(1);
          statistics.recordPutTime(System.nanoTime() - start);
        } else {
          statistics.recordHits(1);
        }
      }
      afterEvents();
      return stored;
    } catch (StoreException e) {
      EventDispatcher.discardSynchronous();
      throw translate(e);
    }
  }

  @Override
  public boolean remove(K key) {
    requireOpen();
    requireKey(key);
    try {
      boolean stats = statisticsEnabled;
      long start = stats ? System.nanoTime() : 0;
      delete(key);
      byte[] k = encodeKey(key);
      boolean removed;
      if (events.wants(EventType.REMOVED)) {
        removed = updateEntry(k, (current, w) -> {
          if (current == null) {
            return false;
          }
          w.remove();
          V old = decodeValue(current.value());
          publish(EventType.REMOVED, key, old, old);
          return true;
        });
      } else {
        removed = store.remove(k);
      }
      if (stats && removed) {
        statistics.recordRemovals(1);
        statistics.recordRemoveTime(System.nanoTime() - start);
      }
      afterEvents();
      return removed;
    } catch (StoreException e) {
      EventDispatcher.discardSynchronous();
      throw translate(e);
    }
  }

  @Override
  public boolean remove(K key, V oldValue) {
    requireOpen();
    requireKey(key);
    requireValue(oldValue);
    try {
      boolean stats = statisticsEnabled;
      long start = stats ? System.nanoTime() : 0;
      byte[] k = encodeKey(key);
      byte[] expected = encodeValue(oldValue);
      long now = System.currentTimeMillis();
      int[] outcome = new int[1]; // 0 absent, 1 present but different, 2 removed
      updateEntry(k, (current, w) -> {
        if (current == null) {
          return null;
        }
        if (Arrays.equals(current.value(), expected)) {
          delete(key);
          w.remove();
          if (events.isActive()) {
            V old = decodeValue(current.value());
            publish(EventType.REMOVED, key, old, old);
          }
          outcome[0] = 2;
        } else {
          applyAccess(accessExpiry(now), key, current.value(), w);
          outcome[0] = 1;
        }
        return null;
      });
      if (stats) {
        long elapsed = System.nanoTime() - start;
        if (outcome[0] == 2) {
          statistics.recordRemovals(1);
          statistics.recordRemoveTime(elapsed);
        }
        statistics.recordGetTime(elapsed);
        if (outcome[0] == 0) {
          statistics.recordMisses(1);
        } else {
          statistics.recordHits(1);
        }
      }
      afterEvents();
      return outcome[0] == 2;
    } catch (StoreException e) {
      EventDispatcher.discardSynchronous();
      throw translate(e);
    }
  }

  @Override
  public V getAndRemove(K key) {
    requireOpen();
    requireKey(key);
    try {
      boolean stats = statisticsEnabled;
      long start = stats ? System.nanoTime() : 0;
      delete(key);
      byte[] k = encodeKey(key);
      byte[] previous = updateEntry(k, (current, w) -> {
        if (current == null) {
          return null;
        }
        w.remove();
        if (events.isActive()) {
          V old = decodeValue(current.value());
          publish(EventType.REMOVED, key, old, old);
        }
        return current.value();
      });
      V old = decodeValue(previous);
      if (stats) {
        long elapsed = System.nanoTime() - start;
        statistics.recordGetTime(elapsed);
        if (old != null) {
          statistics.recordHits(1);
          statistics.recordRemovals(1);
          statistics.recordRemoveTime(elapsed);
        } else {
          statistics.recordMisses(1);
        }
      }
      afterEvents();
      return old;
    } catch (StoreException e) {
      EventDispatcher.discardSynchronous();
      throw translate(e);
    }
  }

  @Override
  public boolean replace(K key, V oldValue, V newValue) {
    requireOpen();
    requireKey(key);
    requireValue(oldValue);
    requireValue(newValue);
    try {
      boolean stats = statisticsEnabled;
      long start = stats ? System.nanoTime() : 0;
      byte[] k = encodeKey(key);
      byte[] expected = encodeValue(oldValue);
      byte[] v = encodeValue(newValue);
      long now = System.currentTimeMillis();
      int[] outcome = new int[1]; // 0 absent, 1 present but different, 2 replaced
      updateEntry(k, (current, w) -> {
        if (current == null) {
          return null;
        }
        if (Arrays.equals(current.value(), expected)) {
          write(key, newValue);
          applyUpdate(key, newValue, v, current.value(), current.expireAt(), now, w);
          outcome[0] = 2;
        } else {
          applyAccess(accessExpiry(now), key, current.value(), w);
          outcome[0] = 1;
        }
        return null;
      });
      if (stats) {
        long elapsed = System.nanoTime() - start;
        if (outcome[0] == 2) {
          statistics.recordPuts(1);
          statistics.recordPutTime(elapsed);
        }
        statistics.recordGetTime(elapsed);
        if (outcome[0] == 0) {
          statistics.recordMisses(1);
        } else {
          statistics.recordHits(1);
        }
      }
      afterEvents();
      return outcome[0] == 2;
    } catch (StoreException e) {
      EventDispatcher.discardSynchronous();
      throw translate(e);
    }
  }

  @Override
  public boolean replace(K key, V value) {
    return getAndReplace(key, value, true) != null;
  }

  @Override
  public V getAndReplace(K key, V value) {
    return getAndReplace(key, value, false);
  }

  @SuppressWarnings("unchecked")
  private V getAndReplace(K key, V value, boolean onlyPresence) {
    requireOpen();
    requireKey(key);
    requireValue(value);
    try {
      boolean stats = statisticsEnabled;
      long start = stats ? System.nanoTime() : 0;
      byte[] k = encodeKey(key);
      byte[] v = encodeValue(value);
      long now = System.currentTimeMillis();
      byte[] previous = updateEntry(k, (current, w) -> {
        if (current == null) {
          return null;
        }
        write(key, value);
        applyUpdate(key, value, v, current.value(), current.expireAt(), now, w);
        return current.value();
      });
      if (stats) {
        long elapsed = System.nanoTime() - start;
        statistics.recordGetTime(elapsed);
        if (previous != null) {
          statistics.recordHits(1);
          statistics.recordPuts(1);
          statistics.recordPutTime(elapsed);
        } else {
          statistics.recordMisses(1);
        }
      }
      afterEvents();
      if (previous == null) {
        return null;
      }
      return onlyPresence ? (V) Boolean.TRUE : decodeValue(previous);
    } catch (StoreException e) {
      EventDispatcher.discardSynchronous();
      throw translate(e);
    }
  }

  @Override
  public void removeAll(Set<? extends K> keys) {
    requireOpen();
    Objects.requireNonNull(keys, "keys");
    for (K key : keys) {
      requireKey(key);
    }
    removeKeys(new LinkedHashSet<K>(keys));
  }

  @Override
  public void removeAll() {
    requireOpen();
    try {
      Set<K> keys = new LinkedHashSet<>();
      Iterator<io.inkv.store.Entry> it = store.iterator();
      while (it.hasNext()) {
        keys.add(keyCodec.decode(it.next().key()));
      }
      removeKeys(keys);
    } catch (StoreException e) {
      throw translate(e);
    }
  }

  private void removeKeys(Set<K> keys) {
    try {
      boolean stats = statisticsEnabled;
      long start = stats ? System.nanoTime() : 0;
      CacheWriterException failure = null;
      Set<K> toRemove = keys;
      if (writer != null && !keys.isEmpty()) {
        Collection<K> unwritten = new LinkedHashSet<>(keys);
        try {
          writer.deleteAll(unwritten);
        } catch (Exception e) {
          failure = e instanceof CacheWriterException cwe ? cwe : new CacheWriterException("the cache writer failed: " + e, e);
          toRemove = new HashSet<>(keys);
          toRemove.removeAll(unwritten);
        }
      }
      long removals = 0;
      boolean publishing = events.wants(EventType.REMOVED);
      for (K key : toRemove) {
        byte[] k = encodeKey(key);
        boolean removed;
        if (publishing) {
          removed = updateEntry(k, (current, w) -> {
            if (current == null) {
              return false;
            }
            w.remove();
            V old = decodeValue(current.value());
            publish(EventType.REMOVED, key, old, old);
            return true;
          });
        } else {
          removed = store.remove(k);
        }
        removals += removed ? 1 : 0;
      }
      if (stats && removals > 0) {
        statistics.recordRemovals(removals);
        statistics.recordRemoveTime(System.nanoTime() - start);
      }
      afterEvents();
      if (failure != null) {
        throw failure;
      }
    } catch (StoreException e) {
      EventDispatcher.discardSynchronous();
      throw translate(e);
    }
  }

  @Override
  public void clear() {
    requireOpen();
    try {
      store.clear();
    } catch (StoreException e) {
      throw translate(e);
    }
  }

  @Override
  public <T> T invoke(K key, EntryProcessor<K, V, T> entryProcessor, Object... arguments) {
    requireOpen();
    requireKey(key);
    Objects.requireNonNull(entryProcessor, "entryProcessor");
    try {
      T result = process(key, entryProcessor, arguments);
      afterEvents();
      return result;
    } catch (StoreException e) {
      EventDispatcher.discardSynchronous();
      throw translate(e);
    } catch (RuntimeException | Error e) {
      EventDispatcher.discardSynchronous();
      throw e;
    }
  }

  private <T> T process(K key, EntryProcessor<K, V, T> entryProcessor, Object... arguments) {
    boolean stats = statisticsEnabled;
    long start = stats ? System.nanoTime() : 0;
    byte[] k = encodeKey(key);
    long now = System.currentTimeMillis();
    ProcessorEntry<K, V> entry = new ProcessorEntry<>(key, valueCodec, configuration.isReadThrough() ? loader : null, this::requireValue);
    return updateEntry(k, (current, w) -> {
      entry.reset(current == null ? null : current.value());
      if (stats) {
        if (current == null) {
          statistics.recordMisses(1);
        } else {
          statistics.recordHits(1);
        }
        statistics.recordGetTime(System.nanoTime() - start);
      }
      T result;
      try {
        result = entryProcessor.process(entry, arguments);
      } catch (CacheException e) {
        throw e;
      } catch (Exception e) {
        throw new EntryProcessorException("the entry processor failed on " + key + ": " + e, e);
      }
      long opStart = stats ? System.nanoTime() : 0;
      switch (entry.operation()) {
        case ACCESS -> applyAccess(accessExpiry(now), key, current.value(), w);
        case CREATE, LOAD -> {
          V value = entry.newValue();
          if (entry.operation() == ProcessorEntry.Operation.CREATE) {
            write(key, value);
          }
          if (applyCreate(key, value, encodeValue(value), now, w) && stats
              && entry.operation() == ProcessorEntry.Operation.CREATE) {
            statistics.recordPuts(1);
            statistics.recordPutTime(System.nanoTime() - opStart);
          }
        }
        case UPDATE -> {
          V value = entry.newValue();
          write(key, value);
          applyUpdate(key, value, encodeValue(value), current.value(), current.expireAt(), now, w);
          if (stats) {
            statistics.recordPuts(1);
            statistics.recordPutTime(System.nanoTime() - opStart);
          }
        }
        case REMOVE -> {
          delete(key);
          if (current != null) {
            w.remove();
            if (events.isActive()) {
              V old = decodeValue(current.value());
              publish(EventType.REMOVED, key, old, old);
            }
            if (stats) {
              statistics.recordRemovals(1);
              statistics.recordRemoveTime(System.nanoTime() - opStart);
            }
          }
        }
        default -> { }
      }
      return result;
    });
  }

  @Override
  public <T> Map<K, EntryProcessorResult<T>> invokeAll(Set<? extends K> keys, EntryProcessor<K, V, T> entryProcessor,
      Object... arguments) {
    requireOpen();
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(entryProcessor, "entryProcessor");
    for (K key : keys) {
      requireKey(key);
    }
    Map<K, EntryProcessorResult<T>> results = new HashMap<>();
    for (K key : keys) {
      try {
        T result = process(key, entryProcessor, arguments);
        if (result != null) {
          results.put(key, () -> result);
        }
      } catch (StoreException e) {
        EventDispatcher.discardSynchronous();
        throw translate(e);
      } catch (Exception e) {
        EntryProcessorException error = e instanceof EntryProcessorException epe ? epe : new EntryProcessorException(e);
        results.put(key, () -> {
          throw error;
        });
      }
    }
    afterEvents();
    return results;
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public CacheManager getCacheManager() {
    return manager;
  }

  @Override
  public void close() {
    manager.closeCache(this, false);
  }

  /** Closes the cache and its store; deletes its files if it is temporary or {@code destroy}. */
  void shutdown(boolean destroy) {
    synchronized (this) {
      if (closed) {
        if (destroy) {
          settings.delete();
        }
        return;
      }
      closed = true;
    }
    try {
      MBeans.CONFIGURATION.unregister(manager.getURI().toString(), name);
      MBeans.STATISTICS.unregister(manager.getURI().toString(), name);
    } catch (CacheException e) {
      LOG.log(System.Logger.Level.WARNING, "cache " + name + ": cannot unregister its MXBeans", e);
    }
    for (Object o : new Object[] {loader, writer, expiry}) {
      closeQuietly(o);
    }
    events.close();
    try {
      store.close();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cache " + name + ": closing its store failed", e);
    }
    if (destroy || !settings.persistent()) {
      settings.delete();
    }
  }

  private void closeQuietly(Object o) {
    if (o instanceof Closeable c) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.log(System.Logger.Level.WARNING, "cache " + name + ": closing " + o.getClass().getName() + " failed", e);
      }
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public <C extends Configuration<K, V>> C getConfiguration(Class<C> clazz) {
    InkvConfiguration<K, V> copy;
    synchronized (this) {
      copy = new InkvConfiguration<>(configuration);
    }
    if (clazz.isInstance(copy)) {
      return clazz.cast(copy);
    }
    throw new IllegalArgumentException("the configuration of an inkv cache is not a " + clazz.getName());
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    if (clazz.isInstance(store)) {
      return clazz.cast(store);
    }
    if (documents != null && clazz.isInstance(documents)) {
      return clazz.cast(documents);
    }
    throw new IllegalArgumentException("an inkv cache cannot be unwrapped to " + clazz.getName()
        + (clazz == io.inkv.store.document.DocumentStore.class ? " (only a cache whose value type is Document can)" : ""));
  }

  @Override
  public void registerCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    requireOpen();
    Objects.requireNonNull(listenerConfiguration, "listenerConfiguration");
    synchronized (this) {
      events.register(listenerConfiguration);
      configuration.addCacheEntryListenerConfiguration(listenerConfiguration);
    }
  }

  @Override
  public void deregisterCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    requireOpen();
    Objects.requireNonNull(listenerConfiguration, "listenerConfiguration");
    synchronized (this) {
      if (events.deregister(listenerConfiguration)) {
        configuration.removeCacheEntryListenerConfiguration(listenerConfiguration);
      }
    }
  }

  @Override
  public Iterator<Cache.Entry<K, V>> iterator() {
    requireOpen();
    try {
      return new EntryIterator(store.iterator());
    } catch (StoreException e) {
      throw translate(e);
    }
  }

  // ---- InkvCache ----

  @Override
  public Store store() {
    return store;
  }

  @Override
  public Codec<K> keyCodec() {
    return keyCodec;
  }

  @Override
  public Codec<V> valueCodec() {
    return valueCodec;
  }

  @Override
  public long estimatedSize() {
    requireOpen();
    try {
      return store.size();
    } catch (StoreException e) {
      throw translate(e);
    }
  }

  // ---- management ----

  CacheStatistics statistics() {
    return statistics;
  }

  synchronized void setStatisticsEnabled(boolean enabled) {
    if (enabled) {
      MBeans.STATISTICS.register(statistics, manager.getURI().toString(), name);
    } else {
      MBeans.STATISTICS.unregister(manager.getURI().toString(), name);
    }
    statisticsEnabled = enabled;
    configuration.setStatisticsEnabled(enabled);
  }

  synchronized void setManagementEnabled(boolean enabled) {
    if (enabled) {
      MBeans.CONFIGURATION.register(configurationBean, manager.getURI().toString(), name);
    } else {
      MBeans.CONFIGURATION.unregister(manager.getURI().toString(), name);
    }
    configuration.setManagementEnabled(enabled);
  }

  @Override
  public String toString() {
    return "InkvCache[" + name + " in " + store.directory() + "]";
  }

  /*
   * Iterates copies of the store's entries. Each entry returned counts as a hit and an access
   * (for the expiry policy), as in the RI; remove() removes the last key through the writer and
   * publishes REMOVED.
   */
  private final class EntryIterator implements Iterator<Cache.Entry<K, V>> {
    private final Iterator<io.inkv.store.Entry> entries;
    private CacheEntry<K, V> next;
    private CacheEntry<K, V> last;

    EntryIterator(Iterator<io.inkv.store.Entry> entries) {
      this.entries = entries;
    }

    @Override
    public boolean hasNext() {
      requireOpen();
      try {
        while (next == null && entries.hasNext()) {
          boolean stats = statisticsEnabled;
          long start = stats ? System.nanoTime() : 0;
          io.inkv.store.Entry e = entries.next();
          K key = keyCodec.decode(e.key());
          V value = valueCodec.decode(e.value());
          next = new CacheEntry<>(key, value);
          if (askAccessExpiry) {
            touch(key, e.key());
          }
          if (stats) {
            statistics.recordHits(1);
            statistics.recordGetTime(System.nanoTime() - start);
          }
        }
        afterEvents();
        return next != null;
      } catch (StoreException e) {
        throw translate(e);
      }
    }

    @Override
    public Cache.Entry<K, V> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      last = next;
      next = null;
      return last;
    }

    @Override
    public void remove() {
      requireOpen();
      if (last == null) {
        throw new IllegalStateException("next() was not called, or remove() was called after it already");
      }
      K key = last.getKey();
      last = null;
      try {
        boolean stats = statisticsEnabled;
        long start = stats ? System.nanoTime() : 0;
        delete(key);
        boolean removed = updateEntry(encodeKey(key), (current, w) -> {
          if (current == null) {
            return false;
          }
          w.remove();
          if (events.isActive()) {
            V old = decodeValue(current.value());
            publish(EventType.REMOVED, key, old, old);
          }
          return true;
        });
        if (stats && removed) {
          statistics.recordRemovals(1);
          statistics.recordRemoveTime(System.nanoTime() - start);
        }
        afterEvents();
      } catch (StoreException e) {
        EventDispatcher.discardSynchronous();
        throw translate(e);
      }
    }
  }
}
