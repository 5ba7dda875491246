package io.inkv.jcache;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.jcache.event.EventDispatcher;
import io.inkv.store.internal.SharedExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.Configuration;
import javax.cache.spi.CachingProvider;

/*
 * A JCache CacheManager: the caches of one URI and class loader, and the files behind them.
 *
 * Files: persistent caches live where their configuration says; temporary caches live in one
 * directory per manager, <inkv.temporaryDirectory or java.io.tmpdir>/inkv-<random>/, created on
 * the first temporary cache. It is deleted when the manager closes, and (in case the manager is
 * never closed) by a shutdown hook at JVM exit; a cache's own directory goes when the cache is
 * closed or destroyed.
 *
 * The caches a configuration file declares are created when the manager is created, so a wrong
 * setting fails then, and getCacheNames lists them from the start.
 *
 * Threads: the manager holds the listener threads (EventDispatcher's shared pool) from creation to
 * close, and each cache's store holds the store's background thread. Closing the manager closes
 * every cache and then lets go of the listener threads, so once the last manager and store of the
 * JVM are closed no inkv thread is left running.
 */
final class StoreCacheManager implements CacheManager {
  private static final System.Logger LOG = System.getLogger(StoreCacheManager.class.getName());
  private static final Set<Path> TEMPORARY_ROOTS = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (Path root : TEMPORARY_ROOTS) {
        try {
          CacheSettings.deleteTree(root);
        } catch (RuntimeException e) {
          // best effort at exit
        }
      }
    }, "inkv-jcache-cleanup"));
  }

  private final CachingProvider provider;
  private final URI uri;
  private final ClassLoader classLoader;
  private final Properties properties;
  private final ConfigFile config;
  private final Runnable onClose;
  private final SharedExecutor.Lease<ExecutorService> eventThreads = EventDispatcher.openExecutor();
  private final Map<String, StoreCache<?, ?>> caches = new ConcurrentHashMap<>();
  private final AtomicLong cacheNumbers = new AtomicLong();
  private Path temporaryRoot;
  private volatile boolean closed;

  StoreCacheManager(CachingProvider provider, URI uri, ClassLoader classLoader, Properties properties, Runnable onClose) {
    this.provider = provider;
    this.uri = uri;
    this.classLoader = classLoader;
    this.properties = properties;
    this.onClose = onClose;
    try {
      this.config = ConfigFile.load(uri, classLoader, properties);
      for (String name : config.declaredCaches()) {
        createCache(name, config.declared(name, classLoader), false);
      }
    } catch (RuntimeException e) {
      closeCaches();
      eventThreads.close();
      if (e instanceof IllegalArgumentException) {
        throw new CacheException("invalid inkv configuration: " + e.getMessage(), e);
      }
      throw e;
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the cache manager " + uri + " is closed");
    }
  }

  Path persistentBaseDirectory() {
    if (config.directory() != null) {
      return config.directory();
    }
    String fromSystem = System.getProperty("inkv.directory");
    return fromSystem == null ? null : Paths.get(fromSystem);
  }

  synchronized Path temporaryDirectory() {
    if (temporaryRoot == null) {
      try {
        Path parent = config.temporaryDirectory() != null ? config.temporaryDirectory()
            : Paths.get(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(parent);
        temporaryRoot = Files.createTempDirectory(parent, "inkv-");
        TEMPORARY_ROOTS.add(temporaryRoot);
      } catch (IOException e) {
        throw new CacheException("cannot create a temporary directory for the caches of " + uri + ": " + e, e);
      }
    }
    return temporaryRoot;
  }

  long nextCacheNumber() {
    return cacheNumbers.incrementAndGet();
  }

  @Override
  public CachingProvider getCachingProvider() {
    return provider;
  }

  @Override
  public URI getURI() {
    return uri;
  }

  @Override
  public ClassLoader getClassLoader() {
    return classLoader;
  }

  @Override
  public Properties getProperties() {
    return properties;
  }

  @Override
  public <K, V, C extends Configuration<K, V>> Cache<K, V> createCache(String cacheName, C configuration) {
    requireOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    Objects.requireNonNull(configuration, "configuration");
    InkvConfiguration<K, V> copy = new InkvConfiguration<>(configuration);
    config.applyDefaults(copy, classLoader);
    return createCache(cacheName, copy, true);
  }

  /**
   * What to do when a cache of Object keys or values is asked for with types: declare them (every
   * missing one, so that one edit of the file is enough), or ask without.
   */
  private String untyped(String cacheName, InkvConfiguration<?, ?> c, Class<?> keyType, Class<?> valueType) {
    List<String> settings = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    if (c.getKeyType() == Object.class && keyType != Object.class) {
      settings.add("keyType");
      lines.add("inkv.cache." + cacheName + ".keyType=" + keyType.getName());
    }
    if (c.getValueType() == Object.class && valueType != Object.class) {
      settings.add("valueType");
      lines.add("inkv.cache." + cacheName + ".valueType=" + valueType.getName());
    }
    String declared = config.declaredCaches().contains(cacheName)
        ? "; it is declared in " + config.source() + " without " + String.join(" and ", settings) + ": add "
            + String.join(" and ", lines) + " there"
        : "; it was created without types";
    return declared + ", or get it untyped with getCache(\"" + cacheName + "\")";
  }

  private <K, V> Cache<K, V> createCache(String cacheName, InkvConfiguration<K, V> configuration, boolean programmatic) {
    synchronized (this) {
      requireOpen();
      if (caches.containsKey(cacheName)) {
        String declared = config.declaredCaches().contains(cacheName) ? " (declared in " + config.source() + ")" : "";
        throw new CacheException("cache manager " + uri + " has a cache named " + cacheName + " already" + declared
            + "; getCache(\"" + cacheName + "\") returns it, and destroyCache(\"" + cacheName + "\") removes it");
      }
      CacheSettings settings;
      try {
        settings = CacheSettings.resolve(this, cacheName, configuration);
      } catch (IllegalArgumentException e) {
        if (programmatic) {
          throw e;
        }
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      StoreCache<K, V> cache;
      try {
        cache = new StoreCache<>(this, cacheName, configuration, settings);
      } catch (RuntimeException e) {
        if (!settings.persistent()) {
          settings.delete();
        }
        throw e;
      }
      caches.put(cacheName, cache);
      cache.registerMBeans();
      return cache;
    }
  }

  @Override
  public <K, V> Cache<K, V> getCache(String cacheName, Class<K> keyType, Class<V> valueType) {
    requireOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    Objects.requireNonNull(keyType, "keyType");
    Objects.requireNonNull(valueType, "valueType");
    StoreCache<?, ?> cache = caches.get(cacheName);
    if (cache == null) {
      return null;
    }
    @SuppressWarnings("unchecked")
    InkvConfiguration<?, ?> c = cache.getConfiguration(InkvConfiguration.class);
    if (c.getKeyType() != keyType) {
      throw new ClassCastException("cache " + cacheName + " has keys of " + c.getKeyType().getName()
          + ", not " + keyType.getName()
          + (c.getKeyType() == Object.class ? untyped(cacheName, c, keyType, valueType) : ""));
    }
    if (c.getValueType() != valueType) {
      throw new ClassCastException("cache " + cacheName + " has values of " + c.getValueType().getName()
          + ", not " + valueType.getName()
          + (c.getValueType() == Object.class ? untyped(cacheName, c, keyType, valueType) : ""));
    }
    @SuppressWarnings("unchecked")
    Cache<K, V> typed = (Cache<K, V>) cache;
    return typed;
  }

  @Override
  public <K, V> Cache<K, V> getCache(String cacheName) {
    requireOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    @SuppressWarnings("unchecked")
    Cache<K, V> cache = (Cache<K, V>) caches.get(cacheName);
    return cache;
  }

  @Override
  public Iterable<String> getCacheNames() {
    requireOpen();
    return Collections.unmodifiableSet(new LinkedHashSet<>(caches.keySet()));
  }

  @Override
  public void destroyCache(String cacheName) {
    withCache(cacheName, cache -> closeCache(cache, true));
  }

  /* Applies {@code action} to the open cache named {@code cacheName}; a name with no cache is no error. */
  private void withCache(String cacheName, Consumer<StoreCache<?, ?>> action) {
    requireOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    StoreCache<?, ?> cache = caches.get(cacheName);
    if (cache != null) {
      action.accept(cache);
    }
  }

  /** Closes {@code cache} (and deletes its files if {@code destroy} or temporary) and forgets it. */
  void closeCache(StoreCache<?, ?> cache, boolean destroy) {
    caches.remove(cache.getName(), cache);
    cache.shutdown(destroy);
  }

  @Override
  public void enableManagement(String cacheName, boolean enabled) {
    withCache(cacheName, cache -> cache.setManagementEnabled(enabled));
  }

  @Override
  public void enableStatistics(String cacheName, boolean enabled) {
    withCache(cacheName, cache -> cache.setStatisticsEnabled(enabled));
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      closeCaches();
      onClose.run();
    } finally {
      eventThreads.close(); // the last manager's close ends the listener threads
    }
  }

  private void closeCaches() {
    for (StoreCache<?, ?> cache : caches.values()) {
      try {
        closeCache(cache, false);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "closing cache " + cache.getName() + " failed", e);
      }
    }
    synchronized (this) {
      if (temporaryRoot != null) {
        try {
          CacheSettings.deleteTree(temporaryRoot);
        } catch (UncheckedIOException e) {
          LOG.log(System.Logger.Level.WARNING, "cannot delete " + temporaryRoot, e);
        }
        TEMPORARY_ROOTS.remove(temporaryRoot);
        temporaryRoot = null;
      }
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    return Unwrap.self(this, clazz, "an inkv cache manager");
  }

  @Override
  public String toString() {
    return "InkvCacheManager[" + uri + "]";
  }
}
