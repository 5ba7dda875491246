package io.inkv.jcache;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.WeakHashMap;
import javax.cache.CacheManager;
import javax.cache.spi.CachingProvider;

/**
 * The cache managers of one caching provider, one per class loader and URI, as JSR-107 requires.
 * The provider class in {@code io.inkv.jcache.spi} delegates to it; applications reach cache
 * managers through {@link javax.cache.Caching}.
 *
 * <p>Class loaders are held weakly, so a redeployed application's loader (and its managers'
 * entries here) can be collected once its managers are closed.
 */
public final class CacheManagerRegistry {
  /** The default cache manager URI: the class-path resource holding its configuration. */
  public static final URI DEFAULT_URI = URI.create(ConfigFile.DEFAULT_RESOURCE);

  private final CachingProvider provider;
  private final WeakHashMap<ClassLoader, Map<URI, StoreCacheManager>> managers = new WeakHashMap<>();

  /** Creates the registry of {@code provider}. */
  public CacheManagerRegistry(CachingProvider provider) {
    this.provider = provider;
  }

  /**
   * Returns the open cache manager for {@code uri} and {@code classLoader}, creating it (and the
   * caches its configuration file declares) if there is none.
   *
   * @throws javax.cache.CacheException if its configuration is invalid, naming the setting
   */
  public synchronized CacheManager getCacheManager(URI uri, ClassLoader classLoader, Properties properties) {
    Map<URI, StoreCacheManager> byUri = managers.computeIfAbsent(classLoader, l -> new HashMap<>());
    StoreCacheManager manager = byUri.get(uri);
    if (manager == null || manager.isClosed()) {
      Properties copy = new Properties();
      if (properties != null) {
        copy.putAll(properties);
      }
      StoreCacheManager[] created = new StoreCacheManager[1];
      created[0] = new StoreCacheManager(provider, uri, classLoader, copy, () -> forget(classLoader, uri, created[0]));
      manager = created[0];
      byUri.put(uri, manager);
    }
    return manager;
  }

  private synchronized void forget(ClassLoader classLoader, URI uri, StoreCacheManager manager) {
    Map<URI, StoreCacheManager> byUri = managers.get(classLoader);
    if (byUri != null) {
      byUri.remove(uri, manager);
      if (byUri.isEmpty()) {
        managers.remove(classLoader);
      }
    }
  }

  /** Closes every manager of {@code classLoader}. */
  public void close(ClassLoader classLoader) {
    Map<URI, StoreCacheManager> byUri;
    synchronized (this) {
      byUri = managers.remove(classLoader);
    }
    if (byUri != null) {
      for (StoreCacheManager m : byUri.values()) {
        m.close();
      }
    }
  }

  /** Closes the manager of {@code uri} and {@code classLoader}, if open. */
  public void close(URI uri, ClassLoader classLoader) {
    StoreCacheManager manager;
    synchronized (this) {
      Map<URI, StoreCacheManager> byUri = managers.get(classLoader);
      manager = byUri == null ? null : byUri.get(uri);
    }
    if (manager != null) {
      manager.close();
    }
  }

  /** Closes every manager. */
  public void closeAll() {
    Map<ClassLoader, Map<URI, StoreCacheManager>> all;
    synchronized (this) {
      all = new HashMap<>(managers);
      managers.clear();
    }
    for (Map<URI, StoreCacheManager> byUri : all.values()) {
      for (StoreCacheManager m : byUri.values()) {
        m.close();
      }
    }
  }
}
