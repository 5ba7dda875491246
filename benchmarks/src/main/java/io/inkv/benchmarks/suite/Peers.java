package io.inkv.benchmarks.suite;

import io.inkv.benchmarks.store.TempStore;
import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.store.Durability;
import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import io.inkv.store.Verification;
import io.inkv.store.ValueView;
import io.inkv.store.codec.Codec;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;
import net.openhft.chronicle.map.ChronicleMap;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.config.units.MemoryUnit;
import org.ehcache.jsr107.Eh107Configuration;

/*
 * The systems of the suite and how each is set up. Every JCache provider is reached by class name
 * (Caching.getCachingProvider(String)): with several providers on the class path the no-argument
 * form fails.
 *
 *   inkv-jcache        inkv's JCache provider, `new MutableConfiguration<>().setTypes(Long, V)`:
 *                      store-by-value, a temporary store (8 MiB segments, Durability.NONE, the
 *                      default Verification.ONCE: records written by this process are trusted, so
 *                      reads skip the CRC32C check), values in the generated record layout or the
 *                      String codec
 *   inkv-reference     inkv's provider, inkv-jcache's MutableConfiguration with setStoreByValue(false):
 *                      neither persistent nor replicated, so the cache keeps its entries on the heap
 *                      (the caller's instances in a ConcurrentHashMap; no store, no codec)
 *   inkv-reference-persistent  inkv's provider by reference over a store (InkvConfiguration with
 *                      setStoreByValue(false), setPersistent(true), a fresh directory deleted at
 *                      close, 8 MiB segments as a temporary cache has, heapEntries = entries so every
 *                      instance is remembered): every write encoded into the store, a get reads the
 *                      store in place and returns the remembered instance while the bytes match (not
 *                      in the default list)
 *   inkv-store         inkv's Store directly, inkv-jcache's options and encoded bytes: get
 *                      returns a byte[] copy (no decoding). The floor of what JCache adds.
 *   inkv-store-view    the same, get into a reusable ValueView (zero-copy, nothing decoded)
 *   inkv-store-view-everyread  the same with Verification.EVERY_READ, the CRC32C check on every
 *                      read (not in the default list: it shows what the check costs)
 *   caffeine-value     Caffeine's JCache provider, MutableConfiguration (by value: it copies
 *                      records with Java serialization, and does not copy Strings, which are immutable)
 *   caffeine-reference the same with setStoreByValue(false)
 *   ehcache-heap       Ehcache 3 through JCache, MutableConfiguration: on heap, by value (it
 *                      serializes every value, Strings included)
 *   ehcache-reference  the same with setStoreByValue(false): Ehcache's JCache layer then adds no
 *                      copier, so its on-heap tier (unbounded, the tier a MutableConfiguration gets)
 *                      holds and returns the caller's instances
 *   ehcache-offheap    Ehcache 3 through JCache with Ehcache's own configuration (Eh107Configuration
 *                      of a cache with only an off-heap tier, sized for the data set)
 *   chronicle          Chronicle Map, in memory (off-heap, not persisted), sized with entries() and
 *                      averageValue(); Strings through its String marshaller, records through Java
 *                      serialization (what ChronicleMap.of(Long, Sample) gives a Serializable record)
 *   chm                ConcurrentHashMap<Long, V>, by reference: the on-heap floor
 *   redis              Redis on 127.0.0.1:6379 through Lettuce's sync API over one connection;
 *                      values are inkv's encoded bytes (decoded on get), keys "inkv-suite:" + 8 bytes
 *   none               no system: get returns one constant value. Not a peer: the latency
 *                      harness runs it first to show its own floor on this machine (timer, spin
 *                      wait, and the scheduler's preemptions of the client thread)
 */
final class Peers {
  static final List<String> SYSTEMS = List.of("inkv-jcache", "inkv-reference", "inkv-store", "inkv-store-view",
      "caffeine-value", "caffeine-reference", "ehcache-heap", "ehcache-reference", "ehcache-offheap", "chronicle",
      "chm", "redis");

  static final String INKV_PROVIDER = "io.inkv.jcache.spi.InkvCachingProvider";
  static final String CAFFEINE_PROVIDER = "com.github.benmanes.caffeine.jcache.spi.CaffeineCachingProvider";
  static final String EHCACHE_PROVIDER = "org.ehcache.jsr107.EhcacheCachingProvider";

  private Peers() {}

  /** Opens {@code system}, empty, sized for {@code entries} values of {@code kind}. */
  static Peer open(String system, ValueKind kind, long entries) {
    switch (system) {
      case "inkv-jcache":
        return new JCachePeer<>(system, INKV_PROVIDER, jcacheConfig(kind, true));
      case "inkv-reference":
        return new JCachePeer<>(system, INKV_PROVIDER, jcacheConfig(kind, false));
      case "inkv-reference-persistent":
        return inkvReferencePersistent(system, kind, entries);
      case "caffeine-value":
        return new JCachePeer<>(system, CAFFEINE_PROVIDER, jcacheConfig(kind, true));
      case "caffeine-reference":
        return new JCachePeer<>(system, CAFFEINE_PROVIDER, jcacheConfig(kind, false));
      case "ehcache-heap":
        return new JCachePeer<>(system, EHCACHE_PROVIDER, jcacheConfig(kind, true));
      case "ehcache-reference":
        return new JCachePeer<>(system, EHCACHE_PROVIDER, jcacheConfig(kind, false));
      case "ehcache-offheap":
        return new JCachePeer<>(system, EHCACHE_PROVIDER, ehcacheOffHeap(kind, entries));
      case "inkv-store":
        return new StorePeer(kind, false);
      case "inkv-store-view":
        return new StorePeer(kind, true);
      case "inkv-store-view-everyread":
        return new StorePeer(kind, true, Verification.EVERY_READ);
      case "chronicle":
        return new ChroniclePeer(kind, entries);
      case "chm":
        return new MapPeer((int) Math.min(entries, 1 << 30));
      case "redis":
        return new RedisPeer(kind);
      case "none":
        return new NoPeer(kind);
      default:
        throw new IllegalArgumentException("unknown system " + system + "; one of " + SYSTEMS);
    }
  }

  /** Writes entries [0, entries) with version-0 values, from the calling thread. */
  static void populate(Peer peer, ValueKind kind, long entries) {
    if (peer instanceof RedisPeer) {
      ((RedisPeer) peer).populate(kind, entries);
      return;
    }
    Peer.Client client = peer.client();
    for (long i = 0; i < entries; i++) {
      client.put(i, client.prepare(kind.value(i, 0)));
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static MutableConfiguration<Long, Object> jcacheConfig(ValueKind kind, boolean byValue) {
    return new MutableConfiguration<Long, Object>()
        .setTypes(Long.class, (Class) kind.type)
        .setStoreByValue(byValue);
  }

  /*
   * By reference over a persistent store, in a directory of its own that close() deletes (after
   * destroyCache, which deletes the store's files). heapEntries = entries: with the default
   * (10,000 instances) a uniform get at 1M entries would nearly always decode, which measures the
   * memo's turnover rather than the by-reference path.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Peer inkvReferencePersistent(String system, ValueKind kind, long entries) {
    Path dir = TempStore.create("inkv-suite-");
    try {
      InkvConfiguration<Long, Object> config = InkvConfiguration.of(Long.class, (Class) kind.type)
          .setStoreByValue(false)
          .setPersistent(true)
          .setDirectory(dir.resolve("cache"))
          .setSegmentSize(8 << 20)
          .setHeapEntries(Math.max(entries, 1));
      return new JCachePeer<>(system, INKV_PROVIDER, config, dir);
    } catch (RuntimeException e) {
      TempStore.delete(dir);
      throw e;
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Configuration<Long, Object> ehcacheOffHeap(ValueKind kind, long entries) {
    // Java-serialized size plus Ehcache's per-entry overhead, with room to spare
    long perEntry = kind.size + 400;
    long mb = Math.max(64, entries * perEntry / (1 << 20) + 64);
    return Eh107Configuration.fromEhcacheCacheConfiguration(
        CacheConfigurationBuilder.newCacheConfigurationBuilder(Long.class, (Class) kind.type,
            ResourcePoolsBuilder.newResourcePoolsBuilder().offheap(mb, MemoryUnit.MB)).build());
  }

  /** Any JCache provider, by class name. */
  static final class JCachePeer<V> implements Peer {
    private final String name;
    private final CachingProvider provider;
    private final CacheManager manager;
    private final Cache<Long, V> cache;
    /** inkv's store under the cache, or null (another provider, or an inkv cache kept on the heap only). */
    private final Store store;
    /** A directory to delete at close, or null. */
    private final Path dir;

    JCachePeer(String name, String providerClass, Configuration<Long, V> config) {
      this(name, providerClass, config, null);
    }

    JCachePeer(String name, String providerClass, Configuration<Long, V> config, Path dir) {
      this.name = name;
      this.dir = dir;
      this.provider = Caching.getCachingProvider(providerClass);
      this.manager = provider.getCacheManager();
      this.cache = manager.createCache("suite-" + name, config);
      this.store = providerClass.equals(INKV_PROVIDER) && hasStore(config) ? cache.unwrap(Store.class) : null;
    }

    /** Whether an inkv cache of this configuration keeps a store: by value, or persistent or replicated. */
    private static boolean hasStore(Configuration<?, ?> config) {
      return config.isStoreByValue() || config instanceof InkvConfiguration<?, ?> c
          && (c.isPersistent() || c.getReplication() != null);
    }

    Cache<Long, V> cache() {
      return cache;
    }

    @Override
    public long offHeapBytes() {
      if (store != null) {
        return store.stats().fileBytes();
      }
      if (name.equals("ehcache-offheap")) {
        return ehcacheOffHeapOccupied();
      }
      return -1;
    }

    /*
     * Ehcache's off-heap tier takes its whole pool from the OS up front (UpfrontAllocatingPageSource),
     * so RSS shows the configured size, not the data. Its statistics service knows the bytes the
     * entries occupy; the JCache cache manager keeps it in a private field (read reflectively: only
     * the memory benchmark asks).
     */
    private long ehcacheOffHeapOccupied() {
      try {
        Object eh107 = manager.unwrap(Class.forName("org.ehcache.jsr107.Eh107CacheManager"));
        java.lang.reflect.Field f = eh107.getClass().getDeclaredField("statisticsService");
        f.setAccessible(true);
        org.ehcache.core.spi.service.StatisticsService stats = (org.ehcache.core.spi.service.StatisticsService) f.get(eh107);
        org.ehcache.core.statistics.TierStatistics tier =
            stats.getCacheStatistics(cache.getName()).getTierStatistics().get("OffHeap");
        return tier == null ? -1 : tier.getOccupiedByteSize();
      } catch (ReflectiveOperationException | RuntimeException e) {
        System.err.println("cannot read Ehcache's off-heap statistics: " + e);
        return -1;
      }
    }

    /** The bytes of live records in inkv's store, or -1 when there is no store. */
    long liveBytes() {
      return store == null ? -1 : store.stats().liveBytes();
    }

    @Override
    public Client client() {
      return new Client() {
        @Override
        public Object get(long key) {
          return cache.get(key);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void put(long key, Object prepared) {
          cache.put(key, (V) prepared);
        }
      };
    }

    @Override
    public void close() {
      try {
        manager.destroyCache(cache.getName());
        manager.close();
      } finally {
        TempStore.delete(dir);
      }
    }
  }

  /** inkv's Store with the options of a temporary JCache cache, holding the codec's bytes. */
  static final class StorePeer implements Peer {
    private final boolean view;
    private final Path dir;
    private final Store store;
    private final Codec<Object> codec;

    StorePeer(ValueKind kind, boolean view) {
      this(kind, view, Verification.ONCE);
    }

    @SuppressWarnings("unchecked")
    StorePeer(ValueKind kind, boolean view, Verification verification) {
      this.view = view;
      this.dir = TempStore.create("inkv-suite-");
      this.store = StoreOptions.builder(dir).segmentSize(8 << 20).durability(Durability.NONE)
          .verification(verification).open();
      this.codec = (Codec<Object>) Codec.forClass(kind.type, Peers.class.getClassLoader());
    }

    @Override
    public long offHeapBytes() {
      return store.stats().fileBytes();
    }

    long liveBytes() {
      return store.stats().liveBytes();
    }

    @Override
    public Client client() {
      byte[] key = new byte[8];
      ValueView v = new ValueView();
      return new Client() {
        @Override
        public Object get(long k) {
          setLong(key, k);
          if (view) {
            return store.get(key, v) ? v : null;
          }
          return store.get(key);
        }

        @Override
        public void put(long k, Object prepared) {
          setLong(key, k);
          store.put(key, (byte[]) prepared);
        }

        @Override
        public Object prepare(Object value) {
          return codec.encode(value);
        }
      };
    }

    @Override
    public void close() {
      store.close();
      TempStore.delete(dir);
    }
  }

  /** The little-endian encoding of inkv's Long codec, written into a reusable buffer. */
  static void setLong(byte[] b, long v) {
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (v >>> (8 * i));
    }
  }

  static final class ChroniclePeer implements Peer {
    private final ChronicleMap<Long, Object> map;

    @SuppressWarnings({"unchecked", "rawtypes"})
    ChroniclePeer(ValueKind kind, long entries) {
      this.map = ChronicleMap.of(Long.class, (Class) kind.type)
          .name("suite-" + kind.label())
          .entries(Math.max(entries, 1000))
          .averageValue(kind.value(1, 0))
          .create();
    }

    @Override
    public long offHeapBytes() {
      return map.offHeapMemoryUsed();
    }

    @Override
    public Client client() {
      return new MapClient(map);
    }

    @Override
    public void close() {
      map.close();
    }
  }

  /** A client of a peer that is a Map of Long to value (Chronicle Map, ConcurrentHashMap): a get or put is the map's own, the key boxed. */
  private record MapClient(Map<Long, Object> map) implements Peer.Client {
    @Override
    public Object get(long key) {
      return map.get(key);
    }

    @Override
    public void put(long key, Object prepared) {
      map.put(key, prepared);
    }
  }

  static final class NoPeer implements Peer {
    private final Object value;

    NoPeer(ValueKind kind) {
      this.value = kind.value(0, 0);
    }

    @Override
    public Client client() {
      return new Client() {
        @Override
        public Object get(long key) {
          return value;
        }

        @Override
        public void put(long key, Object prepared) {}
      };
    }

    @Override
    public void close() {}
  }

  static final class MapPeer implements Peer {
    private final ConcurrentHashMap<Long, Object> map;

    MapPeer(int capacity) {
      this.map = new ConcurrentHashMap<>(capacity);
    }

    @Override
    public Client client() {
      return new MapClient(map);
    }

    @Override
    public void close() {
      map.clear();
    }
  }

  /**
   * Redis through Lettuce: one connection shared by every client (Lettuce connections are
   * thread-safe and pipeline concurrent commands), values in inkv's encoding, decoded on get.
   */
  static final class RedisPeer implements Peer {
    static final String HOST = System.getProperty("inkv.redis.host", "127.0.0.1");
    static final int PORT = Integer.getInteger("inkv.redis.port", 6379);
    private static final byte[] PREFIX = "inkv-suite:".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final RedisCommands<byte[], byte[]> sync;
    private final Codec<Object> codec;
    private long written;

    @SuppressWarnings("unchecked")
    RedisPeer(ValueKind kind) {
      this.client = RedisClient.create(RedisURI.builder().withHost(HOST).withPort(PORT)
          .withTimeout(Duration.ofSeconds(30)).build());
      try {
        this.connection = client.connect(ByteArrayCodec.INSTANCE);
      } catch (RedisConnectionException e) {
        client.shutdown();
        throw new IllegalStateException("Redis is not reachable on " + HOST + ":" + PORT + ": " + e.getMessage(), e);
      }
      this.sync = connection.sync();
      this.codec = (Codec<Object>) Codec.forClass(kind.type, Peers.class.getClassLoader());
    }

    /** Whether a Redis server answers on the configured address (the suite skips Redis otherwise). */
    static String unreachableReason() {
      try (java.net.Socket s = new java.net.Socket()) {
        s.connect(new java.net.InetSocketAddress(HOST, PORT), 1000);
        return null;
      } catch (IOException e) {
        return "Redis is not reachable on " + HOST + ":" + PORT + " (" + e.getMessage() + ")";
      }
    }

    static byte[] key(long k) {
      byte[] key = new byte[PREFIX.length + 8];
      System.arraycopy(PREFIX, 0, key, 0, PREFIX.length);
      for (int i = 0; i < 8; i++) {
        key[PREFIX.length + i] = (byte) (k >>> (8 * i));
      }
      return key;
    }

    void populate(ValueKind kind, long entries) {
      Map<byte[], byte[]> batch = new LinkedHashMap<>();
      for (long i = 0; i < entries; i++) {
        batch.put(key(i), codec.encode(kind.value(i, 0)));
        if (batch.size() == 1000 || i == entries - 1) {
          sync.mset(batch);
          batch.clear();
        }
      }
      written = Math.max(written, entries);
    }

    /** Bytes Redis reports in use (INFO memory used_memory), for the whole server. */
    long usedMemory() {
      String info = sync.info("memory");
      for (String line : info.split("\r?\n")) {
        if (line.startsWith("used_memory:")) {
          return Long.parseLong(line.substring("used_memory:".length()).trim());
        }
      }
      return -1;
    }

    @Override
    public Client client() {
      return new Client() {
        @Override
        public Object get(long k) {
          byte[] v = sync.get(key(k));
          return v == null ? null : codec.decode(v);
        }

        @Override
        public void put(long k, Object prepared) {
          sync.set(key(k), (byte[]) prepared);
        }

        @Override
        public Object prepare(Object value) {
          return codec.encode(value);
        }
      };
    }

    @Override
    public void close() {
      // deletes only the suite's keys: other users share this server
      byte[][] batch = new byte[1000][];
      int n = 0;
      for (long i = 0; i < written; i++) {
        batch[n++] = key(i);
        if (n == batch.length || i == written - 1) {
          sync.unlink(n == batch.length ? batch : java.util.Arrays.copyOf(batch, n));
          n = 0;
        }
      }
      connection.close();
      client.shutdown();
    }
  }
}
