package io.inkv.spring;

import io.inkv.jcache.InkvCache;
import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.jcache.spi.InkvCachingProvider;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.cache.Caching;
import javax.cache.spi.CachingProvider;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.support.AbstractCacheManager;

/**
 * A Spring {@link CacheManager} whose caches are inkv caches: {@code @Cacheable},
 * {@code @CachePut} and {@code @CacheEvict} read and write memory-mapped inkv stores.
 *
 * <p>Build one with {@link #builder()}; Spring Boot's auto-configuration builds one from the
 * {@code inkv.*} properties. Each manager owns one inkv JCache cache manager and closes it in
 * {@link #close()} (Spring calls it when the context closes): temporary caches are deleted then,
 * persistent caches keep their files and a later manager with the same directory reopens them
 * with their entries.
 *
 * <pre>{@code
 * InkvCacheManager manager = InkvCacheManager.builder()
 *     .directory(Path.of("/var/lib/app/caches"))
 *     .defaults(InkvConfiguration.of(Object.class, Object.class).setMaxEntries(100_000))
 *     .cache("users", InkvConfiguration.of(Object.class, Object.class).setPersistent(true))
 *     .build();
 * }</pre>
 *
 * <p>Caches declared on the builder are created by {@link Builder#build()}, so a wrong setting fails
 * there. Other names get a cache with the defaults on first use, unless
 * {@link Builder#dynamic(boolean) dynamic} creation is off.
 *
 * <p>The default configuration keeps entries by reference on the heap, as Spring's own
 * {@code ConcurrentMapCacheManager} does: a cached result is the object the method returned, and
 * need not be {@link java.io.Serializable}. A configuration passed to the builder keeps JCache's
 * {@code storeByValue} (true unless set false): by value, keys and values are encoded into the
 * cache's store (records and beans by inkv's codec, built-in types in their own encoding, anything
 * else through Java serialization), which persistent and replicated caches need. See
 * {@code docs/spring.md}.
 *
 * <p>{@link Cache#get(Object, java.util.concurrent.Callable)} (what {@code @Cacheable(sync = true)}
 * calls) runs the loader once per missing key however many threads ask, under the key's lock;
 * see {@code docs/spring.md} for the full semantics.
 */
public final class InkvCacheManager extends AbstractCacheManager implements AutoCloseable {
  private static final AtomicInteger MANAGERS = new AtomicInteger();

  private final javax.cache.CacheManager jcacheManager;
  private final ClassLoader classLoader;
  private final boolean allowNullValues;
  private final boolean dynamic;
  private final Function<String, InkvConfiguration<Object, Object>> defaults;
  private final Map<String, InkvConfiguration<Object, Object>> declared;
  private final ConcurrentHashMap<String, InkvSpringCache> caches = new ConcurrentHashMap<>();
  private final List<Consumer<InkvSpringCache>> cacheListeners = new ArrayList<>(); // guarded by caches

  private InkvCacheManager(Builder b) {
    this.classLoader = b.classLoader != null ? b.classLoader : Thread.currentThread().getContextClassLoader() != null
        ? Thread.currentThread().getContextClassLoader() : InkvCacheManager.class.getClassLoader();
    this.allowNullValues = b.allowNullValues;
    this.dynamic = b.dynamic;
    this.defaults = b.defaults;
    this.declared = new LinkedHashMap<>();
    b.caches.forEach((name, c) -> declared.put(name, new InkvConfiguration<>(c)));
    Properties properties = new Properties();
    if (b.directory != null) {
      properties.setProperty("inkv.directory", b.directory.toString());
    }
    CachingProvider provider = Caching.getCachingProvider(InkvCachingProvider.class.getName(), classLoader);
    // a URI of its own: the provider shares a manager between users of one URI, and this one is
    // closed with its Spring context
    this.jcacheManager = provider.getCacheManager(URI.create("inkv-spring:" + MANAGERS.incrementAndGet()),
        classLoader, properties);
  }

  /** Returns a builder with the defaults: no persistent directory, null values allowed, dynamic caches. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  protected Collection<? extends Cache> loadCaches() {
    List<Cache> loaded = new ArrayList<>();
    declared.forEach((name, configuration) -> loaded.add(cache(name, configuration)));
    return loaded;
  }

  @Override
  protected Cache getMissingCache(String name) {
    InkvSpringCache cache = caches.get(name);
    if (cache != null || !dynamic) {
      return cache;
    }
    return cache(name, requireAnyType("the default configuration of cache " + name, defaults.apply(name)));
  }

  private InkvSpringCache cache(String name, InkvConfiguration<Object, Object> configuration) {
    InkvSpringCache cache = caches.get(name);
    if (cache != null) {
      return cache;
    }
    List<Consumer<InkvSpringCache>> listeners;
    synchronized (caches) {
      cache = caches.get(name);
      if (cache != null) {
        return cache;
      }
      InkvConfiguration<Object, Object> c = new InkvConfiguration<>(configuration);
      c.setValueCodecFactory(new NullValueCodec.CodecFactory(configuration.getValueCodecFactory(), classLoader));
      @SuppressWarnings("unchecked")
      InkvCache<Object, Object> inkvCache = jcacheManager.createCache(name, c).unwrap(InkvCache.class);
      cache = new InkvSpringCache(name, inkvCache, allowNullValues);
      caches.put(name, cache);
      listeners = List.copyOf(cacheListeners);
    }
    for (Consumer<InkvSpringCache> listener : listeners) {
      listener.accept(cache);
    }
    return cache;
  }

  private static InkvConfiguration<Object, Object> requireAnyType(String what, InkvConfiguration<Object, Object> c) {
    Objects.requireNonNull(c, what);
    if (c.getKeyType() != Object.class || c.getValueType() != Object.class) {
      throw new IllegalArgumentException(what + " sets key type " + c.getKeyType().getName() + " and value type "
          + c.getValueType().getName() + ", but a Spring cache holds any key and value: leave both Object");
    }
    return c;
  }

  /** Runs {@code action} for every cache now and for every cache created later, once each. */
  void forEachCache(Consumer<InkvSpringCache> action) {
    List<InkvSpringCache> existing;
    synchronized (caches) {
      cacheListeners.add(action);
      existing = List.copyOf(caches.values());
    }
    existing.forEach(action);
  }

  /** Returns whether caches not declared up front are created on first use. */
  public boolean isDynamic() {
    return dynamic;
  }

  /** Returns whether {@code null} results are cached (as Spring's {@code NullValue} marker). */
  public boolean isAllowNullValues() {
    return allowNullValues;
  }

  /**
   * Closes the inkv cache manager: temporary caches are deleted, persistent ones keep their
   * files. The caches cannot be used afterwards. Idempotent.
   */
  @Override
  public void close() {
    jcacheManager.close();
  }

  @Override
  public String toString() {
    return "InkvCacheManager[" + jcacheManager.getURI() + ", caches " + caches.keySet() + "]";
  }

  /** Collects the settings of an {@link InkvCacheManager}. */
  public static final class Builder {
    private Path directory;
    private ClassLoader classLoader;
    private boolean allowNullValues = true;
    private boolean dynamic = true;
    private Function<String, InkvConfiguration<Object, Object>> defaults =
        name -> new InkvConfiguration<>().setStoreByValue(false);
    private final Map<String, InkvConfiguration<Object, Object>> caches = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Sets the base directory of persistent caches: each lives in {@code <directory>/<cache name>}
     * unless its configuration names a directory of its own.
     */
    public Builder directory(Path directory) {
      this.directory = directory;
      return this;
    }

    /** Sets the class loader serialized values are read with (default the thread's context class loader). */
    public Builder classLoader(ClassLoader classLoader) {
      this.classLoader = classLoader;
      return this;
    }

    /** Sets whether {@code null} results are cached (default {@code true}). */
    public Builder allowNullValues(boolean allowNullValues) {
      this.allowNullValues = allowNullValues;
      return this;
    }

    /**
     * Sets whether a cache name that was not declared gets a cache with the defaults on first use
     * (default {@code true}); if not, Spring reports the unknown cache.
     */
    public Builder dynamic(boolean dynamic) {
      this.dynamic = dynamic;
      return this;
    }

    /**
     * Sets the configuration of caches that were not declared with their own (copied for each;
     * default a temporary, unbounded, eternal cache kept by reference on the heap).
     *
     * @throws IllegalArgumentException if it sets key or value types other than {@code Object}
     */
    public Builder defaults(InkvConfiguration<Object, Object> configuration) {
      InkvConfiguration<Object, Object> c = new InkvConfiguration<>(requireAnyType("the default configuration",
          configuration));
      this.defaults = name -> new InkvConfiguration<>(c);
      return this;
    }

    /**
     * Sets the configuration of each cache that was not declared with its own, by cache name: for
     * settings that differ per cache, such as the name of a replicated store.
     */
    public Builder defaults(Function<String, InkvConfiguration<Object, Object>> configurationOfCache) {
      this.defaults = Objects.requireNonNull(configurationOfCache, "configurationOfCache");
      return this;
    }

    /** Declares a cache with the defaults, created by {@link #build()}. */
    public Builder cache(String name) {
      caches.put(requireName(name), null);
      return this;
    }

    /**
     * Declares a cache with its own configuration (copied), created by {@link #build()}.
     *
     * @throws IllegalArgumentException if it sets key or value types other than {@code Object}
     */
    public Builder cache(String name, InkvConfiguration<Object, Object> configuration) {
      caches.put(requireName(name), requireAnyType("the configuration of cache " + name, configuration));
      return this;
    }

    private static String requireName(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("a cache name is empty");
      }
      return name;
    }


    /**
     * Creates the manager and the declared caches.
     *
     * @throws IllegalArgumentException if a cache's settings are invalid, naming the cache and setting
     * @throws javax.cache.CacheException if a cache's store cannot be opened
     */
    public InkvCacheManager build() {
      Map<String, InkvConfiguration<Object, Object>> resolved = new LinkedHashMap<>();
      caches.forEach((name, c) -> resolved.put(name, c != null ? c : requireAnyType(
          "the default configuration of cache " + name, defaults.apply(name))));
      Builder copy = new Builder();
      copy.directory = directory;
      copy.classLoader = classLoader;
      copy.allowNullValues = allowNullValues;
      copy.dynamic = dynamic;
      copy.defaults = defaults;
      copy.caches.putAll(resolved);
      InkvCacheManager manager = new InkvCacheManager(copy);
      try {
        manager.initializeCaches();
      } catch (RuntimeException e) {
        manager.close();
        throw e;
      }
      return manager;
    }
  }
}
