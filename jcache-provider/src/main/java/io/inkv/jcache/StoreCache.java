package io.inkv.jcache;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.jcache.event.EventDispatcher;
import io.inkv.jcache.management.CacheConfigurationBean;
import io.inkv.jcache.management.CacheStatistics;
import io.inkv.jcache.management.MBeans;
import io.inkv.store.Store;
import io.inkv.store.codec.Codec;
import java.io.Closeable;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.event.EventType;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CompletionListener;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.EntryProcessorResult;

/*
 * A JCache Cache, by value over one inkv Store or by reference on the heap. Each operation's
 * method says what JCache specifies for it; the rest lives beside it, package-private:
 *
 *   Operation         the frame of every operation: open and argument checks, the store's size
 *                     limits, the statistics clock, the wait for synchronous listeners, and on
 *                     failure the discard of pending events and the translation of exceptions
 *   EntryChanges      the changes to one entry under the key's store lock: expiry decisions,
 *                     create, update, access, remove, and the events they publish
 *   ReadWriteThrough  the CacheLoader and CacheWriter, and their exceptions
 *   BulkOperations    getAll, putAll, removeAll, loadAll
 *   EntryProcessing   invoke and invokeAll (with ProcessorEntry, the processor's MutableEntry)
 *   EntryIterator     the iterator
 *   CacheStorage      what the configuration asks for: codecs, the store, its replica
 *                     (CacheReplication) and shards (Ownership), and the tier over them
 *   Tier              where the entries are kept, and in what form: StoreTier (by value, encoded
 *                     into the mapped store), HeapTier (by reference, on the heap), ReferenceTier
 *                     (by reference over a persistent or replicated store)
 *
 * The semantics are written once against Tier, so a by-reference cache behaves exactly as a
 * by-value one does, but for what "by reference" means: get returns the instance that was put.
 * A tier keeps keys and values in a form of its own that this class never looks inside (Tier).
 *
 * The get path is: the tier's form of the key, one Tier.get (by value: a store read in place,
 * decoded straight from the mapped region; by reference: one hash map lookup). The frame adds no
 * allocation (its bodies are non-capturing method references), statistics cost nothing unless
 * enabled, and the expiry policy is asked for an access duration only when its answer is not
 * known to be "unchanged".
 *
 * Every operation that reads and then writes (put's created-or-updated decision, putIfAbsent,
 * replace, the getAnd* family, invoke) runs inside Tier.update, which holds the key's write
 * lock, so it is atomic per key. Inside it the cache also asks the expiry policy, calls the
 * CacheWriter (write-through must happen before the entry changes and must stop the change when
 * it fails) and publishes events, which fixes their order per key; listener code itself runs on
 * the dispatcher's threads, and a synchronous listener is waited for after the lock is released.
 * Loaders and writers must therefore not write to this cache themselves.
 *
 * Validate before any side effect: every write takes the tier's form of its key and value (by
 * value: encodes them and checks them against the store's limits) before the CacheWriter, an
 * event, a statistic, a replication publish or the store sees it; a write the tier would refuse
 * leaves no trace. A key the tier cannot keep cannot be in the cache: reads and removals of it
 * answer "absent".
 *
 * Semantics where the specification leaves room follow the reference implementation (RI 1.1.1):
 * which operations count hits, misses, puts and removals; that an exception from the expiry
 * policy means ETERNAL on creation and "unchanged" on access and update; that a loaded value is
 * not written through and not counted as a put. A duration of zero on update or access removes
 * the entry and publishes EXPIRED at once (the RI leaves it to be found expired later).
 */
final class StoreCache<K, V> implements InkvCache<K, V> {
  private static final System.Logger LOG = System.getLogger(StoreCache.class.getName());

  /** How a conditional operation (remove or replace with an expected value) found its entry. */
  enum Comparison {
    /** There was no entry. */
    ABSENT,
    /** The entry held another value; it was only accessed. */
    DIFFERENT,
    /** The entry held the expected value, and the operation changed it. */
    EQUAL
  }

  /** What getAndPut found and did: the previous kept value (or null), and whether it stored. */
  record Exchange(Object previous, boolean stored) {}

  private final StoreCacheManager manager;
  private final String name;
  private final InkvConfiguration<K, V> configuration;
  private final CacheSettings settings;
  final Codec<K> keyCodec;
  final Codec<V> valueCodec;
  private final ExpiryPolicy expiry;
  final ReadWriteThrough<K, V> through;
  final EventDispatcher<K, V> events;
  private final CacheStatistics statistics = new CacheStatistics();
  private final CacheConfigurationBean configurationBean;
  /** The store of a by-value or persistent cache, or null for a cache kept on the heap only. */
  final Store store;
  final Tier<K, V> tier;
  /** The partitions a sharded replicated cache holds, or null (every key is this cache's): see Ownership. */
  final Ownership ownership;
  /** The by-value tier under the cache's tier, or null for a cache on the heap. */
  private final StoreTier<K, V> stored;
  /** The documents over the store when the values are Documents, else null. */
  private final io.inkv.store.document.DocumentStore documents;
  final Operation<K, V> operation;
  final EntryChanges<K, V> changes;
  private final BulkOperations<K, V> bulk;
  private final EntryProcessing<K, V> processing;
  private volatile boolean statisticsEnabled;
  private volatile boolean closed;

  StoreCache(StoreCacheManager manager, String name, InkvConfiguration<K, V> configuration, CacheSettings settings) {
    this.manager = manager;
    this.name = name;
    this.configuration = configuration;
    this.settings = settings;
    Class<K> keyType = configuration.getKeyType();
    Class<V> valueType = configuration.getValueType();
    this.expiry = configuration.getExpiryPolicyFactory().create();
    CacheLoader<K, V> loader = configuration.getCacheLoaderFactory() == null ? null
        : configuration.getCacheLoaderFactory().create();
    CacheWriter<K, V> writer = configuration.isWriteThrough() && configuration.getCacheWriterFactory() != null
        ? writerOf(configuration.getCacheWriterFactory().create()) : null;
    this.through = new ReadWriteThrough<>(loader, writer, configuration.isReadThrough());
    this.events = new EventDispatcher<>(this);
    for (CacheEntryListenerConfiguration<K, V> listener : configuration.getCacheEntryListenerConfigurations()) {
      events.register(listener);
    }
    this.configurationBean = new CacheConfigurationBean(() -> this.configuration);
    this.statisticsEnabled = configuration.isStatisticsEnabled();
    // last: a replicated store starts applying the topic, and publishing to the listeners above
    CacheStorage<K, V> storage = CacheStorage.open(this, configuration, settings, manager.getClassLoader(),
        this::onRemoval);
    this.keyCodec = storage.keys();
    this.valueCodec = storage.values();
    this.store = storage.store();
    this.ownership = storage.ownership();
    this.stored = storage.stored();
    this.documents = storage.documents();
    this.tier = storage.tier();
    this.operation = new Operation<>(this, name, keyType, valueType, statistics, events);
    this.changes = new EntryChanges<>(name, tier, expiry, events);
    this.bulk = new BulkOperations<>(this);
    this.processing = new EntryProcessing<>(this);
  }

  /** An entry the tier dropped by itself: evicted (counted), or expired (published as EXPIRED). */
  private void onRemoval(Object key, Object value, boolean evicted) {
    if (evicted) {
      if (statisticsEnabled) {
        statistics.recordEvictions(1);
      }
      return;
    }
    EventDispatcher<K, V> dispatcher = events;
    if (dispatcher != null && dispatcher.wants(EventType.EXPIRED)) {
      try {
        Tier<K, V> t = tier;
        if (t == null) {
          return; // found while the store opened, before the cache could publish anything
        }
        K k = t.keyOf(key);
        V v = k == null ? null : t.valueOf(key, value);
        if (v == null) {
          return; // stored bytes that do not decode were no entry
        }
        // not tracked as synchronous: expiry happens on whichever thread meets the entry, and
        // may be a background thread that no cache operation waits on
        dispatcher.publishUnawaited(EventType.EXPIRED, k, v, v);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "cache " + name + ": cannot publish an expiry event", e);
      }
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

  @SuppressWarnings("unchecked")
  private static <K, V> CacheWriter<K, V> writerOf(CacheWriter<? super K, ? super V> writer) {
    // a writer of supertypes accepts our entries; the cast only drops the wildcards
    return (CacheWriter<K, V>) writer;
  }


  boolean statisticsEnabled() {
    return statisticsEnabled;
  }

  // ---- Cache: reads ----

  @Override
  public V get(K key) {
    return operation.onGet(key);
  }

  /** get's body, run in its own copy of the frame (Operation.onGet). */
  V getEntry(K key) {
    long start = operation.start();
    V value = read(key, tier.keyIfKept(key), start);
    operation.recordGetTime(start);
    return value;
  }

  /**
   * Reads one entry: a hit applies the access expiry; a miss loads through the loader when the
   * cache is read-through, and stores what it loaded unless another thread stored a value first.
   * Records the hit or the miss. {@code k} is the kept form of the key, or null for a key the
   * tier cannot keep (a miss, and a loaded value for it is refused).
   */
  V read(K key, Object k, long start) {
    V value = k == null ? null : tier.get(k);
    if (value != null) {
      if (changes.asksAccessExpiry()) {
        changes.touch(key, k);
      }
      operation.recordLookup(start, true);
      return value;
    }
    operation.recordLookup(start, false);
    if (!through.readThrough()) {
      return null;
    }
    V loaded = through.load(key);
    if (loaded == null) {
      return null;
    }
    operation.requireValue(loaded);
    if (k == null) {
      k = tier.key(key); // throws: the cache cannot keep what was loaded for this key
    }
    Object v = tier.value(key, k, loaded);
    long now = System.currentTimeMillis();
    boolean stored = changes.update(k, (current, w) -> current == null && changes.applyCreate(key, loaded, v, now, w));
    return stored ? loaded : null;
  }

  @Override
  public Map<K, V> getAll(Set<? extends K> keys) {
    return operation.on(keys, null, (cache, ks, unused) -> cache.bulk.getAll(ks));
  }

  @Override
  public boolean containsKey(K key) {
    return operation.onKey(key, null, (cache, k, unused) -> {
      Object kept = cache.tier.keyIfKept(k);
      return kept != null && cache.tier.containsKey(kept);
    });
  }

  @Override
  public void loadAll(Set<? extends K> keys, boolean replaceExistingValues, CompletionListener completionListener) {
    operation.requireOpen();
    operation.requireKeys(keys);
    bulk.loadAll(keys, replaceExistingValues, completionListener);
  }

  // ---- Cache: writes ----

  @Override
  public void put(K key, V value) {
    operation.onEntry(key, value, StoreCache::putEntry);
  }

  private Void putEntry(K key, V value) {
    long start = operation.start();
    Object k = tier.key(key);
    Object v = tier.value(key, k, value);
    if (changes.update(new Put<>(this, key, value, k, v, System.currentTimeMillis()))) {
      operation.recordPuts(start, 1);
    }
    return null;
  }

  /*
   * put's update: write through, then create or update the entry. Returns whether it counts as a
   * put (a creation with a zero duration stores nothing and does not). A named class rather than
   * a lambda so that put allocates one object for its update, which also carries the expired-entry
   * hook.
   */
  private static final class Put<K, V> extends EntryChanges.Change<K, V, Boolean> {
    private final ReadWriteThrough<K, V> through;
    private final K key;
    private final V value;
    private final Object v;
    private final long now;

    Put(StoreCache<K, V> cache, K key, V value, Object k, Object v, long now) {
      super(cache.changes, k);
      this.through = cache.through;
      this.key = key;
      this.value = value;
      this.v = v;
      this.now = now;
    }

    @Override
    public boolean readsCurrent() {
      return false; // a put replaces whatever is stored; a value that does not decode is only its old value, null
    }

    @Override
    public Boolean apply(Tier.Current current, Tier.Writer w) {
      through.write(key, value);
      if (current == null) {
        return changes.applyCreate(key, value, v, now, w);
      }
      changes.applyUpdate(key, value, k, v, current, now, w);
      return true;
    }
  }

  @Override
  public V getAndPut(K key, V value) {
    return operation.onEntry(key, value, StoreCache::getAndPutEntry);
  }

  private V getAndPutEntry(K key, V value) {
    long start = operation.start();
    Object k = tier.key(key);
    Object v = tier.value(key, k, value);
    long now = System.currentTimeMillis();
    Exchange exchange = changes.update(k, (current, w) -> {
      through.write(key, value);
      if (current == null) {
        return new Exchange(null, changes.applyCreate(key, value, v, now, w));
      }
      changes.applyUpdate(key, value, k, v, current, now, w);
      return new Exchange(current.value(), true);
    });
    V old = changes.valueOf(k, exchange.previous());
    operation.recordRead(start, old != null);
    if (exchange.stored()) {
      operation.recordPuts(start, 1);
    }
    return old;
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> map) {
    operation.on(map, null, (cache, m, unused) -> cache.bulk.putAll(m));
  }

  @Override
  public boolean putIfAbsent(K key, V value) {
    return operation.onEntry(key, value, StoreCache::putIfAbsentEntry);
  }

  private boolean putIfAbsentEntry(K key, V value) {
    long start = operation.start();
    Object k = tier.key(key);
    Object v = tier.value(key, k, value);
    long now = System.currentTimeMillis();
    boolean stored = changes.update(k, (current, w) -> {
      if (current != null) {
        return false;
      }
      through.write(key, value);
      return changes.applyCreate(key, value, v, now, w);
    });
    if (stored) {
      operation.recordPuts(start, 1);
    }
    operation.recordLookup(start, !stored);
    return stored;
  }

  @Override
  public boolean replace(K key, V oldValue, V newValue) {
    return operation.onEntry(key, oldValue, (cache, k, expected) -> cache.replaceEntry(k, expected, newValue));
  }

  private boolean replaceEntry(K key, V oldValue, V newValue) {
    operation.requireValue(newValue);
    long start = operation.start();
    Object k = tier.key(key);
    Object expected = tier.comparand(oldValue);
    Object v = tier.value(key, k, newValue);
    long now = System.currentTimeMillis();
    Comparison found = changes.update(k, (current, w) -> {
      if (current == null) {
        return Comparison.ABSENT;
      }
      if (!tier.same(current.value(), expected)) {
        changes.applyAccess(changes.accessExpiry(now), key, k, current.value(), w);
        return Comparison.DIFFERENT;
      }
      through.write(key, newValue);
      changes.applyUpdate(key, newValue, k, v, current, now, w);
      return Comparison.EQUAL;
    });
    if (found == Comparison.EQUAL) {
      operation.recordPuts(start, 1);
    }
    operation.recordRead(start, found != Comparison.ABSENT);
    return found == Comparison.EQUAL;
  }

  @Override
  public boolean replace(K key, V value) {
    return operation.onEntry(key, value, StoreCache::getAndReplaceEntry) != null;
  }

  @Override
  public V getAndReplace(K key, V value) {
    Replaced previous = operation.onEntry(key, value, StoreCache::getAndReplaceEntry);
    return previous == null ? null : tier.valueOf(previous.key(), previous.previous());
  }

  /** What getAndReplace found: the kept key and its previous kept value. */
  private record Replaced(Object key, Object previous) {}

  /** Replaces the value of an existing entry; returns what it replaced, or null if absent. */
  private Replaced getAndReplaceEntry(K key, V value) {
    long start = operation.start();
    Object k = tier.key(key);
    Object v = tier.value(key, k, value);
    long now = System.currentTimeMillis();
    Object previous = changes.update(k, (current, w) -> {
      if (current == null) {
        return null;
      }
      through.write(key, value);
      changes.applyUpdate(key, value, k, v, current, now, w);
      return current.value();
    });
    if (previous != null) {
      operation.recordPuts(start, 1);
    }
    operation.recordRead(start, previous != null);
    return previous == null ? null : new Replaced(k, previous);
  }

  // ---- Cache: removals ----

  @Override
  public boolean remove(K key) {
    return operation.onKey(key, null, StoreCache::removeEntry);
  }

  private boolean removeEntry(K key, Object unused) {
    long start = operation.start();
    through.delete(key);
    boolean removed = removeStored(key, tier.keyIfKept(key));
    operation.recordRemovals(start, removed ? 1 : 0);
    return removed;
  }

  /**
   * Removes a kept entry, publishing REMOVED when a listener wants it; returns whether there was
   * one. {@code k} is the kept key, or null for a key the tier cannot keep (never present).
   */
  boolean removeStored(K key, Object k) {
    if (k == null) {
      return false;
    }
    if (!events.wants(EventType.REMOVED)) {
      return tier.remove(k);
    }
    return changes.update(k, (current, w) -> {
      if (current == null) {
        return false;
      }
      changes.applyRemove(key, k, current.value(), w);
      return true;
    });
  }

  @Override
  public boolean remove(K key, V oldValue) {
    return operation.onEntry(key, oldValue, StoreCache::removeIfEqual);
  }

  private boolean removeIfEqual(K key, V oldValue) {
    long start = operation.start();
    Object k = tier.keyIfKept(key);
    Object expected = tier.comparand(oldValue);
    long now = System.currentTimeMillis();
    Comparison found = k == null ? Comparison.ABSENT : changes.update(k, (current, w) -> {
      if (current == null) {
        return Comparison.ABSENT;
      }
      if (!tier.same(current.value(), expected)) {
        changes.applyAccess(changes.accessExpiry(now), key, k, current.value(), w);
        return Comparison.DIFFERENT;
      }
      through.delete(key);
      changes.applyRemove(key, k, current.value(), w);
      return Comparison.EQUAL;
    });
    operation.recordRemovals(start, found == Comparison.EQUAL ? 1 : 0);
    operation.recordRead(start, found != Comparison.ABSENT);
    return found == Comparison.EQUAL;
  }

  @Override
  public V getAndRemove(K key) {
    return operation.onKey(key, null, StoreCache::getAndRemoveEntry);
  }

  private V getAndRemoveEntry(K key, Object unused) {
    long start = operation.start();
    through.delete(key);
    Object k = tier.keyIfKept(key);
    Object previous = k == null ? null : changes.update(k, (current, w) -> {
      if (current == null) {
        return null;
      }
      changes.applyRemove(key, k, current.value(), w);
      return current.value();
    });
    V old = changes.valueOf(k, previous);
    operation.recordRead(start, old != null);
    operation.recordRemovals(start, old != null ? 1 : 0);
    return old;
  }

  @Override
  public void removeAll(Set<? extends K> keys) {
    operation.on(keys, null, (cache, ks, unused) -> cache.bulk.removeAll(ks));
  }

  @Override
  public void removeAll() {
    operation.on(null, null, (cache, a, b) -> cache.bulk.removeAll());
  }

  @Override
  public void clear() {
    operation.on(null, null, (cache, a, b) -> {
      cache.tier.clear();
      return null;
    });
  }

  // ---- Cache: entry processors ----

  @Override
  public <T> T invoke(K key, EntryProcessor<K, V, T> entryProcessor, Object... arguments) {
    return operation.onKey(key, entryProcessor, (cache, k, processor) -> cache.processing.invoke(k, processor, arguments));
  }

  @Override
  public <T> Map<K, EntryProcessorResult<T>> invokeAll(Set<? extends K> keys, EntryProcessor<K, V, T> entryProcessor,
      Object... arguments) {
    return operation.on(keys, entryProcessor,
        (cache, ks, processor) -> cache.processing.invokeAll(ks, processor, arguments));
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
    for (Object o : new Object[] {through.loader(), through.writer(), expiry}) {
      closeQuietly(o);
    }
    events.close();
    try {
      tier.close();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cache " + name + ": closing its store failed", e);
    }
    if (store != null && (destroy || !settings.persistent())) {
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
    if (store != null && clazz.isInstance(store)) {
      return clazz.cast(store);
    }
    if (documents != null && clazz.isInstance(documents)) {
      return clazz.cast(documents);
    }
    throw new IllegalArgumentException("an inkv cache cannot be unwrapped to " + clazz.getName()
        + (clazz == io.inkv.store.document.DocumentStore.class ? " (only a cache whose value type is Document can)"
        : store == null && clazz.isAssignableFrom(Store.class) ? " (cache " + name + " stores by reference on the"
        + " heap and has no store; a persistent or replicated cache has one)" : ""));
  }

  @Override
  public void registerCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    operation.requireOpen();
    Objects.requireNonNull(listenerConfiguration, "listenerConfiguration");
    synchronized (this) {
      events.register(listenerConfiguration);
      configuration.addCacheEntryListenerConfiguration(listenerConfiguration);
    }
  }

  @Override
  public void deregisterCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    operation.requireOpen();
    Objects.requireNonNull(listenerConfiguration, "listenerConfiguration");
    synchronized (this) {
      if (events.deregister(listenerConfiguration)) {
        configuration.removeCacheEntryListenerConfiguration(listenerConfiguration);
      }
    }
  }

  @Override
  public Iterator<Cache.Entry<K, V>> iterator() {
    return operation.on(null, null, (cache, a, b) -> new EntryIterator<>(cache, cache.tier.iterator()));
  }

  // ---- InkvCache ----

  @Override
  public Store store() {
    if (store == null) {
      throw new UnsupportedOperationException(heapOnly());
    }
    return store;
  }

  @Override
  public Codec<K> keyCodec() {
    if (keyCodec == null) {
      throw new UnsupportedOperationException(heapOnly());
    }
    return keyCodec;
  }

  @Override
  public Codec<V> valueCodec() {
    if (valueCodec == null) {
      throw new UnsupportedOperationException(heapOnly());
    }
    return valueCodec;
  }

  private String heapOnly() {
    return "cache " + name + " stores by reference on the heap: it has no store and encodes nothing";
  }

  @Override
  public int partitionOf(K key) {
    Objects.requireNonNull(key, "key"); // not requireKey: it refuses the keys of other partitions, which is what is asked
    if (configuration.getReplication() == null) {
      throw new UnsupportedOperationException("cache " + name + " is not replicated: it has no partitions");
    }
    return Ownership.partitionOf(store, (byte[]) tier.key(key));
  }

  @Override
  public long undecodableValues() {
    return stored == null ? 0 : stored.undecodableValues();
  }

  @Override
  public long estimatedSize() {
    return operation.on(null, null, (cache, a, b) -> cache.tier.size());
  }

  @Override
  public long evictions() {
    return tier.evictions();
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
    return "InkvCache[" + name + (store == null ? " on the heap" : " in " + store.directory()) + "]";
  }
}
