package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.store.Store;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.expiry.AccessedExpiryPolicy;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;
import javax.cache.processor.EntryProcessorResult;
import javax.management.JMX;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Caches that store by reference: on the heap only, and over a persistent store. Keys and values
 * here are neither Serializable nor of a type inkv has a codec for, unless a test says otherwise.
 */
class ByReferenceCacheTest {
  @TempDir
  Path tmp;
  private CacheManager manager;

  /**
   * A mutable object with no codec and no Serializable: what a by-value cache refuses. Its
   * constructor computes a field, so no codec may rebuild it through the constructor.
   */
  static final class Account {
    final String owner;
    long balance;
    private final int ownerLength;

    Account(String owner, long balance) {
      this.owner = owner;
      this.balance = balance;
      this.ownerLength = owner.length();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Account a && a.owner.equals(owner) && a.balance == balance;
    }

    @Override
    public int hashCode() {
      return Objects.hash(owner, balance);
    }

    @Override
    public String toString() {
      return owner + ":" + balance;
    }
  }

  /**
   * A key with no codec and no Serializable (final fields, one computed by the constructor, no
   * no-argument constructor), equal by value.
   */
  static final class Id {
    private final Object part;
    private final int hash;

    Id(Object part) {
      this.part = part;
      this.hash = part.hashCode();
    }

    Object part() {
      return part;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Id other && other.part.equals(part);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** A record inkv's codec encodes, for the persistent by-reference cache. */
  record Point(int x, int y) implements Serializable {}

  @BeforeEach
  void open() {
    manager = Providers.inkv().getCacheManager(URI.create("by-reference-" + System.nanoTime()), getClass().getClassLoader());
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private static <K, V> MutableConfiguration<K, V> byReference(Class<K> k, Class<V> v) {
    return new MutableConfiguration<K, V>().setTypes(k, v).setStoreByValue(false);
  }

  @Test
  void getReturnsTheInstanceThatWasPutAndKeysNeedNoCodec() {
    Cache<Id, Account> cache = manager.createCache("accounts", byReference(Id.class, Account.class));
    Account alice = new Account("alice", 10);
    cache.put(new Id("a"), alice);
    assertSame(alice, cache.get(new Id("a")), "the instance itself, found by an equal key");
    alice.balance = 20;
    assertEquals(20, cache.get(new Id("a")).balance, "a mutation of the instance is what the cache holds");
    assertSame(alice, cache.getAndPut(new Id("a"), new Account("alice", 30)));
    assertTrue(cache.containsKey(new Id("a")));
    assertFalse(cache.containsKey(new Id("b")));
    Account bob = new Account("bob", 1);
    assertTrue(cache.putIfAbsent(new Id("b"), bob));
    assertFalse(cache.putIfAbsent(new Id("b"), new Account("bob", 2)));
    assertSame(bob, cache.getAll(Set.of(new Id("a"), new Id("b"))).get(new Id("b")));
    assertTrue(cache.replace(new Id("b"), new Account("bob", 1), new Account("bob", 3)), "compares by equals");
    assertEquals(3, cache.get(new Id("b")).balance);
    assertTrue(cache.remove(new Id("b"), new Account("bob", 3)));
    assertNull(cache.get(new Id("b")));
    Account carol = new Account("carol", 5);
    cache.put(new Id("c"), carol);
    assertSame(carol, cache.getAndRemove(new Id("c")));
    assertEquals(1, cache.unwrap(InkvCache.class).estimatedSize());
  }

  @Test
  void theIteratorReturnsTheInstancesAndRemovesThroughTheCache() {
    Cache<Id, Account> cache = manager.createCache("iterated", byReference(Id.class, Account.class));
    Map<Id, Account> put = new HashMap<>();
    for (int i = 0; i < 50; i++) {
      Account a = new Account("o" + i, i);
      put.put(new Id(i), a);
      cache.put(new Id(i), a);
    }
    int seen = 0;
    for (var it = cache.iterator(); it.hasNext(); ) {
      Cache.Entry<Id, Account> e = it.next();
      assertSame(put.get(e.getKey()), e.getValue());
      if ((Integer) e.getKey().part() % 2 == 0) {
        it.remove();
      }
      seen++;
    }
    assertEquals(50, seen);
    assertEquals(25, cache.unwrap(InkvCache.class).estimatedSize());
    assertNull(cache.get(new Id(0)));
    assertSame(put.get(new Id(1)), cache.get(new Id(1)));
  }

  @Test
  void entryProcessorsSeeAndSetInstances() {
    Cache<Id, Account> cache = manager.createCache("processed", byReference(Id.class, Account.class));
    Account alice = new Account("alice", 10);
    cache.put(new Id("a"), alice);
    Account seen = cache.invoke(new Id("a"), (entry, args) -> entry.getValue());
    assertSame(alice, seen);
    Account replacement = new Account("alice", 11);
    cache.invoke(new Id("a"), (entry, args) -> {
      entry.setValue(replacement);
      return null;
    });
    assertSame(replacement, cache.get(new Id("a")));
    Map<Id, EntryProcessorResult<Boolean>> results = cache.invokeAll(Set.of(new Id("a"), new Id("z")),
        (entry, args) -> entry.exists());
    assertTrue(results.get(new Id("a")).get());
    assertFalse(results.get(new Id("z")).get());
    cache.invoke(new Id("a"), (entry, args) -> {
      entry.remove();
      return null;
    });
    assertFalse(cache.containsKey(new Id("a")));
  }

  /** Records every event with the identities of its values. */
  public static final class Recorder implements CacheEntryCreatedListener<Id, Account>,
      CacheEntryUpdatedListener<Id, Account>, CacheEntryRemovedListener<Id, Account>,
      CacheEntryExpiredListener<Id, Account>, Serializable {
    private static final long serialVersionUID = 1L;
    static final List<Object[]> EVENTS = new CopyOnWriteArrayList<>();

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Id, ? extends Account>> events) {
      record(events);
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends Id, ? extends Account>> events) {
      record(events);
    }

    @Override
    public void onRemoved(Iterable<CacheEntryEvent<? extends Id, ? extends Account>> events) {
      record(events);
    }

    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends Id, ? extends Account>> events) {
      record(events);
    }

    private static void record(Iterable<CacheEntryEvent<? extends Id, ? extends Account>> events) {
      for (CacheEntryEvent<? extends Id, ? extends Account> e : events) {
        EVENTS.add(new Object[] {e.getEventType(), e.getKey(), e.getValue(), e.isOldValueAvailable() ? e.getOldValue() : null});
      }
    }
  }

  @Test
  void listenersReceiveTheInstancesWithOldValuesSynchronouslyAndAsynchronously() throws Exception {
    for (boolean synchronous : new boolean[] {true, false}) {
      Recorder.EVENTS.clear();
      Cache<Id, Account> cache = manager.createCache("listened-" + synchronous, byReference(Id.class, Account.class)
          .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
              FactoryBuilder.factoryOf(Recorder.class), null, true, synchronous)));
      Account first = new Account("a", 1);
      Account second = new Account("a", 2);
      cache.put(new Id("a"), first);
      cache.put(new Id("a"), second);
      cache.remove(new Id("a"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (Recorder.EVENTS.size() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(3, Recorder.EVENTS.size(), "synchronous " + synchronous);
      assertSame(first, Recorder.EVENTS.get(0)[2]);
      assertSame(second, Recorder.EVENTS.get(1)[2]);
      assertSame(first, Recorder.EVENTS.get(1)[3], "the old value is the previous instance");
      assertSame(second, Recorder.EVENTS.get(2)[3]);
    }
  }

  @Test
  void everyExpiryPolicyWorksOnTheHeap() throws Exception {
    Duration shortly = new Duration(TimeUnit.MILLISECONDS, 80);
    Cache<Id, Account> created = manager.createCache("created", byReference(Id.class, Account.class)
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(shortly)));
    Cache<Id, Account> accessed = manager.createCache("accessed", byReference(Id.class, Account.class)
        .setExpiryPolicyFactory(AccessedExpiryPolicy.factoryOf(shortly)));
    Cache<Id, Account> modified = manager.createCache("modified", byReference(Id.class, Account.class)
        .setExpiryPolicyFactory(ModifiedExpiryPolicy.factoryOf(shortly)));
    for (Cache<Id, Account> c : List.of(created, accessed, modified)) {
      c.put(new Id("k"), new Account("k", 1));
    }
    for (int i = 0; i < 4; i++) {
      Thread.sleep(40);
      accessed.get(new Id("k")); // each access extends it
      modified.put(new Id("k"), new Account("k", i)); // each update extends it
    }
    assertNull(created.get(new Id("k")), "created 160 ms ago with an 80 ms life");
    assertTrue(accessed.containsKey(new Id("k")));
    assertTrue(modified.containsKey(new Id("k")));
    Thread.sleep(200);
    assertNull(accessed.get(new Id("k")));
    assertNull(modified.get(new Id("k")));
    Cache<Id, Account> zero = manager.createCache("zero", byReference(Id.class, Account.class)
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(Duration.ZERO)));
    zero.put(new Id("k"), new Account("k", 1));
    assertFalse(zero.containsKey(new Id("k")), "a zero duration stores nothing");
  }

  /** Eternal when written; a read gives the entry 80 ms from then (so entries turn from eternal to expiring). */
  public static final class EternalUntilRead implements ExpiryPolicy, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Duration getExpiryForCreation() {
      return Duration.ETERNAL;
    }

    @Override
    public Duration getExpiryForAccess() {
      return new Duration(TimeUnit.MILLISECONDS, 80);
    }

    @Override
    public Duration getExpiryForUpdate() {
      return null;
    }
  }

  @Test
  void entriesThatNeverExpireAndEntriesThatDoLiveSideBySide() throws Exception {
    Cache<Id, Account> cache = manager.createCache("mixed", byReference(Id.class, Account.class)
        .setExpiryPolicyFactory(FactoryBuilder.factoryOf(EternalUntilRead.class)));
    Account read = new Account("read", 1);
    Account unread = new Account("unread", 2);
    cache.put(new Id("read"), read);
    cache.put(new Id("unread"), unread);
    assertSame(read, cache.get(new Id("read")), "the first read finds the eternal entry, and gives it 80 ms");
    Account replaced = new Account("read", 3);
    assertSame(read, cache.getAndPut(new Id("read"), replaced), "an update sees the instance of an expiring entry");
    assertSame(replaced, cache.invoke(new Id("read"), (e, args) -> e.getValue()));
    Account unread2 = new Account("unread", 4);
    assertSame(unread, cache.getAndPut(new Id("unread"), unread2), "an update sees the instance of an eternal entry");
    Thread.sleep(250);
    assertFalse(cache.containsKey(new Id("read")), "read once, expired 80 ms later (an update kept its time)");
    assertTrue(cache.containsKey(new Id("unread")), "never read: still there (containsKey is no access)");
    Thread.sleep(250);
    Map<Id, Account> left = new HashMap<>();
    cache.forEach(e -> left.put(e.getKey(), e.getValue()));
    assertEquals(Map.of(new Id("unread"), new Account("unread", 4)), left,
        "the iterator skips the expired entry and returns the eternal one");
    cache.put(new Id("read"), read);
    assertSame(read, cache.get(new Id("read")), "written again after it expired: eternal until read");
  }

  /** A loader and writer over one shared map, recording what they saw. */
  public static final class Backend implements CacheLoader<Id, Account>, CacheWriter<Id, Account>, Serializable {
    private static final long serialVersionUID = 1L;
    static final Map<Id, Account> DATA = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public Account load(Id key) {
      return DATA.get(key);
    }

    @Override
    public Map<Id, Account> loadAll(Iterable<? extends Id> keys) {
      Map<Id, Account> m = new HashMap<>();
      keys.forEach(k -> {
        if (DATA.containsKey(k)) {
          m.put(k, DATA.get(k));
        }
      });
      return m;
    }

    @Override
    public void write(Cache.Entry<? extends Id, ? extends Account> entry) {
      DATA.put(entry.getKey(), entry.getValue());
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends Id, ? extends Account>> entries) {
      for (var it = entries.iterator(); it.hasNext(); ) {
        write(it.next());
        it.remove();
      }
    }

    @Override
    public void delete(Object key) {
      DATA.remove(key);
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      for (var it = keys.iterator(); it.hasNext(); ) {
        delete(it.next());
        it.remove();
      }
    }
  }

  @Test
  void readThroughAndWriteThroughPassTheInstances() {
    Backend.DATA.clear();
    Account stored = new Account("db", 7);
    Backend.DATA.put(new Id("db"), stored);
    Cache<Id, Account> cache = manager.createCache("through", byReference(Id.class, Account.class)
        .setReadThrough(true).setWriteThrough(true)
        .setCacheLoaderFactory(FactoryBuilder.factoryOf(Backend.class))
        .setCacheWriterFactory(FactoryBuilder.factoryOf(Backend.class)));
    assertSame(stored, cache.get(new Id("db")), "loaded, kept as the loader's instance");
    Account written = new Account("new", 1);
    cache.put(new Id("new"), written);
    assertSame(written, Backend.DATA.get(new Id("new")));
    cache.remove(new Id("new"));
    assertFalse(Backend.DATA.containsKey(new Id("new")));
  }

  /**
   * Long keys live in a table of their own (HeapTier), other keys in the map: one cache with both
   * behaves as one map, whatever the operation, and a Long is never confused with an equal-valued
   * Integer, which is another key.
   */
  @Test
  void longKeysAndOtherKeysInOneCacheBehaveAsOneMap() throws Exception {
    Cache<Object, Account> cache = manager.createCache("mixedKeys", new InkvConfiguration<Object, Account>()
        .setTypes(Object.class, Account.class).setStoreByValue(false).setMaxEntries(1_000)
        .setExpiryPolicyFactory(FactoryBuilder.factoryOf(new EternalUntilRead())));
    Map<Object, Account> model = new HashMap<>();
    List<Object> keys = List.of(0L, 1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 1, "1", new Id(1L), 1L << 40);
    for (Object k : keys) {
      Account a = new Account(String.valueOf(k), 1);
      cache.put(k, a);
      model.put(k, a);
    }
    for (Object k : keys) {
      assertSame(model.get(k), cache.get(k), "key " + k + " of " + k.getClass().getSimpleName());
    }
    assertSame(model.get(1L), cache.get(Long.valueOf(1L)), "an equal Long is the same key");
    assertNotSame(cache.get(1L), cache.get(1), "an Integer 1 is another key than a Long 1");
    Map<Object, Account> iterated = new HashMap<>();
    for (Cache.Entry<Object, Account> e : cache) {
      assertNull(iterated.put(e.getKey(), e.getValue()), "key " + e.getKey() + " twice");
    }
    assertEquals(model.keySet(), iterated.keySet());
    for (Object k : keys) {
      assertSame(model.get(k), iterated.get(k));
    }
    assertEquals(keys.size(), cache.unwrap(InkvCache.class).estimatedSize());
    Account other = new Account("other", 2);
    assertFalse(cache.replace(Long.MAX_VALUE, other, other), "replace of a value it does not hold");
    assertTrue(cache.replace(Long.MAX_VALUE, model.get(Long.MAX_VALUE), other));
    assertSame(other, cache.getAndRemove(Long.MAX_VALUE));
    assertFalse(cache.containsKey(Long.MAX_VALUE));
    assertTrue(cache.remove(0L, model.get(0L)));
    assertTrue(cache.containsKey(1) && cache.containsKey(1L) && cache.containsKey("1"));
    assertEquals(keys.size() - 2, cache.unwrap(InkvCache.class).estimatedSize());
    // a read gives an entry 80 ms (EternalUntilRead): a Long key's entry turns from its value held as itself to a node
    Account read = new Account("read", 5);
    Account unread = new Account("unread", 7);
    cache.put(5L, read);
    cache.put(7L, unread);
    assertSame(read, cache.get(5L));
    Thread.sleep(200);
    assertNull(cache.get(5L), "expired 80 ms after the read");
    assertSame(unread, cache.get(7L), "never read since its put: still eternal");
    cache.clear();
    for (Object k : keys) {
      assertFalse(cache.containsKey(k));
    }
    // the bound counts both kinds of key
    for (long i = 0; i < 1_500; i++) {
      cache.put(i, new Account("n", i));
      cache.put("s" + i, new Account("s", i));
    }
    assertEquals(1_000, cache.unwrap(InkvCache.class).estimatedSize());
    int longs = 0;
    for (Cache.Entry<Object, Account> e : cache) {
      if (e.getKey() instanceof Long) {
        longs++;
      }
    }
    assertTrue(longs > 0 && longs < 1_000, longs + " of the 1,000 entries kept have Long keys");
  }

  @Test
  void aBoundedHeapCacheHoldsItsBoundAndCountsEvictionsInStatisticsAndJmx() throws Exception {
    Cache<Id, Account> cache = manager.createCache("bounded",
        new InkvConfiguration<Id, Account>().setTypes(Id.class, Account.class).setStoreByValue(false)
            .setMaxEntries(100).setStatisticsEnabled(true).setManagementEnabled(true));
    for (int i = 0; i < 250; i++) {
      cache.put(new Id(i), new Account("o", i));
    }
    InkvCache<?, ?> inkv = cache.unwrap(InkvCache.class);
    assertEquals(100, inkv.estimatedSize());
    assertEquals(150, inkv.evictions());
    // Each key was written once: a newcomer past the bound ties with the entry it meets and goes
    // (the store's policy, docs/store.md), unless the frequency sketch's collisions count it
    // higher; the newest is still in the window. In FIFO order none of the first 100 would stay.
    int kept = 0;
    for (int i = 0; i < 100; i++) {
      if (cache.get(new Id(i)) != null) {
        kept++;
      }
    }
    assertTrue(kept >= 90, "of the first 100 written, " + kept + " stay");
    assertEquals(249, cache.get(new Id(249)).balance, "the newest stays");
    ObjectName name = new ObjectName("javax.cache:type=CacheStatistics,CacheManager="
        + manager.getURI().toString().replaceAll("[,:=\n]", ".") + ",Cache=bounded");
    var stats = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(), name,
        javax.cache.management.CacheStatisticsMXBean.class);
    assertEquals(150, stats.getCacheEvictions());
    assertEquals(250, stats.getCachePuts());
    assertEquals(kept + 1, stats.getCacheHits());
    assertEquals(100 - kept, stats.getCacheMisses());
    cache.clear();
    assertEquals(0, inkv.estimatedSize());
  }

  @Test
  void aBoundedHeapCacheKeepsAnEntryReadOftenAgainstNewcomersWrittenOnce() {
    Cache<String, Account> cache = manager.createCache("readOften",
        new InkvConfiguration<String, Account>().setTypes(String.class, Account.class).setStoreByValue(false)
            .setMaxEntries(3));
    cache.put("a", new Account("a", 1));
    cache.put("b", new Account("b", 1));
    cache.put("c", new Account("c", 1));
    for (int i = 0; i < 3; i++) {
      assertEquals(1, cache.get("a").balance);
    }
    for (int i = 0; i < 20; i++) {
      cache.put("n" + i, new Account("n", i)); // in FIFO order, a would go with the fourth of these
    }
    assertEquals(1, cache.get("a").balance, "read three times, a outlives twenty entries written once");
    assertEquals(3, cache.unwrap(InkvCache.class).estimatedSize());
    assertEquals(20, cache.unwrap(InkvCache.class).evictions());
    for (int i = 0; i < 1_000; i++) {
      cache.put("a", new Account("a", i)); // overwrites are accesses, not new queue entries
    }
    assertEquals(3, cache.unwrap(InkvCache.class).estimatedSize());
    assertEquals(20, cache.unwrap(InkvCache.class).evictions());
  }

  @Test
  void aHeapCacheRefusesByteBoundsAndHeapEntriesWithTheReason() {
    IllegalArgumentException bytes = assertThrows(IllegalArgumentException.class, () -> manager.createCache("bytes",
        new InkvConfiguration<Id, Account>().setStoreByValue(false).setMaxBytes(1 << 20)));
    assertTrue(bytes.getMessage().contains("bytes") && bytes.getMessage().contains("setMaxEntries"), bytes.getMessage());
    IllegalArgumentException heap = assertThrows(IllegalArgumentException.class, () -> manager.createCache("heap",
        new InkvConfiguration<Id, Account>().setStoreByValue(false).setHeapEntries(10)));
    assertTrue(heap.getMessage().contains("heapEntries"), heap.getMessage());
    IllegalArgumentException byValue = assertThrows(IllegalArgumentException.class, () -> manager.createCache("value",
        InkvConfiguration.of(String.class, String.class).setHeapEntries(10)));
    assertTrue(byValue.getMessage().contains("stores by value"), byValue.getMessage());
  }

  @Test
  void manyThreadsWritingOneBoundedHeapCacheKeepItWithinItsBound() throws Exception {
    Cache<Integer, Account> cache = manager.createCache("contended",
        new InkvConfiguration<Integer, Account>().setTypes(Integer.class, Account.class).setStoreByValue(false)
            .setMaxEntries(1_000));
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int id = t;
      Thread thread = new Thread(() -> {
        for (int i = 0; i < 20_000; i++) {
          int k = (i * 7 + id) % 5_000;
          if (i % 5 == 0) {
            cache.remove(k);
          } else {
            cache.put(k, new Account("t" + id, i));
          }
          cache.get((k + 1) % 5_000);
        }
      });
      thread.start();
      threads.add(thread);
    }
    for (Thread t : threads) {
      t.join();
    }
    long size = cache.unwrap(InkvCache.class).estimatedSize();
    assertTrue(size <= 1_000 && size > 0, "size " + size);
    int counted = 0;
    for (Cache.Entry<Integer, Account> e : cache) {
      assertEquals(e.getValue(), cache.get(e.getKey()));
      counted++;
    }
    assertEquals(size, counted);
  }

  // ---- by reference over a persistent store ----

  @Test
  void aPersistentByReferenceCacheServesInstancesAndARestartSeesTheEncodedEntries() {
    Path dir = tmp.resolve("points");
    InkvConfiguration<String, Point> config = InkvConfiguration.of(String.class, Point.class).setStoreByValue(false)
        .setPersistent(true).setDirectory(dir);
    Point p = new Point(1, 2);
    Cache<String, Point> cache = manager.createCache("points", config);
    cache.put("p", p);
    assertSame(p, cache.get("p"));
    assertSame(p, cache.invoke("p", (e, a) -> e.getValue()));
    // another writer of the same store (a replica's applier does this) changes the bytes: the
    // instance is stale, and the cache decodes the new value instead of returning it
    Store store = cache.unwrap(Store.class);
    @SuppressWarnings("unchecked")
    InkvCache<String, Point> inkv = cache.unwrap(InkvCache.class);
    store.put(inkv.keyCodec().encode("p"), inkv.valueCodec().encode(new Point(3, 4)));
    Point changed = cache.get("p");
    assertEquals(new Point(3, 4), changed);
    assertSame(changed, cache.get("p"), "the decoded instance is kept for the next get");
    manager.close();
    manager = Providers.inkv().getCacheManager(URI.create("by-reference-reopened"), getClass().getClassLoader());
    Cache<String, Point> reopened = manager.createCache("points", config);
    assertEquals(new Point(3, 4), reopened.get("p"));
  }

  @Test
  void aPersistentByReferenceCacheOfATypeItCannotEncodeFailsAtCreation() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> manager.createCache("accounts",
        InkvConfiguration.of(String.class, Account.class).setStoreByValue(false).setPersistent(true)
            .setDirectory(tmp.resolve("accounts"))));
    assertTrue(e.getMessage().contains(Account.class.getName()) && e.getMessage().contains("persistent or replicated"),
        e.getMessage());
  }

  @Test
  void thePersistentTierForgetsInstancesBeyondItsHeapEntriesButNeverAnEntry() {
    Cache<Integer, Point> cache = manager.createCache("remembered", InkvConfiguration.of(Integer.class, Point.class)
        .setStoreByValue(false).setPersistent(true).setDirectory(tmp.resolve("remembered")).setHeapEntries(10));
    List<Point> instances = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Point p = new Point(i, i);
      instances.add(p);
      cache.put(i, p);
    }
    int same = 0;
    for (int i = 0; i < 100; i++) {
      Point got = cache.get(i);
      assertEquals(instances.get(i), got, "every entry is in the store");
      same += got == instances.get(i) ? 1 : 0;
    }
    assertTrue(same <= 10 + 1, "at most heapEntries instances are remembered: " + same);
    assertTrue(same >= 5, "the memo keeps the instances the policy admits: " + same);
  }

  // ---- by value: keys and values that cannot be encoded ----

  @Test
  void aByValueCacheAnswersAbsentForAKeyItCannotEncodeAndRefusesToStoreOne() {
    Cache<Object, Object> cache = manager.createCache("any", new MutableConfiguration<>());
    Id key = new Id("x");
    assertNull(cache.get(key));
    assertFalse(cache.containsKey(key));
    assertFalse(cache.remove(key));
    assertNull(cache.getAndRemove(key));
    assertFalse(cache.remove(key, "v"));
    cache.removeAll(Set.of(key));
    assertTrue(cache.getAll(Set.of(key)).isEmpty());
    CacheException put = assertThrows(CacheException.class, () -> cache.put(key, "v"));
    assertTrue(put.getMessage().contains(Id.class.getName()) && put.getMessage().contains("setStoreByValue(false)"),
        put.getMessage());
    CacheException value = assertThrows(CacheException.class, () -> cache.put("k", new Account("a", 1)));
    assertTrue(value.getMessage().contains(Account.class.getName()), value.getMessage());
    assertFalse(cache.containsKey("k"), "the refused put left nothing");
  }

  @Test
  void aByValueCacheOfADeclaredTypeItCannotEncodeFailsAtCreationNamingTheWayOut() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> manager.createCache("accounts",
        new MutableConfiguration<String, Account>().setTypes(String.class, Account.class)));
    assertTrue(e.getMessage().contains(Account.class.getName()) && e.getMessage().contains("setStoreByValue(false)"),
        e.getMessage());
  }
}
