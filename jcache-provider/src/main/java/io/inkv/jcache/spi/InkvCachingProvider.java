package io.inkv.jcache.spi;

import io.inkv.jcache.CacheManagerRegistry;
import java.net.URI;
import java.util.Objects;
import java.util.Properties;
import javax.cache.CacheManager;
import javax.cache.configuration.OptionalFeature;
import javax.cache.spi.CachingProvider;

/**
 * The inkv JCache provider, found by {@link javax.cache.Caching} through
 * {@code META-INF/services/javax.cache.spi.CachingProvider}.
 *
 * <p>The default URI is {@code inkv.properties}: the default cache manager reads that class-path
 * resource if it exists. Store-by-reference is not supported: every cache stores by value.
 */
public final class InkvCachingProvider implements CachingProvider {
  private final CacheManagerRegistry registry = new CacheManagerRegistry(this);

  /** Creates the provider; {@link javax.cache.Caching} does this. */
  public InkvCachingProvider() {}

  @Override
  public CacheManager getCacheManager(URI uri, ClassLoader classLoader, Properties properties) {
    return registry.getCacheManager(uri == null ? getDefaultURI() : uri,
        classLoader == null ? getDefaultClassLoader() : classLoader,
        properties == null ? getDefaultProperties() : properties);
  }

  @Override
  public CacheManager getCacheManager(URI uri, ClassLoader classLoader) {
    return getCacheManager(uri, classLoader, getDefaultProperties());
  }

  @Override
  public CacheManager getCacheManager() {
    return getCacheManager(getDefaultURI(), getDefaultClassLoader(), getDefaultProperties());
  }

  @Override
  public ClassLoader getDefaultClassLoader() {
    return getClass().getClassLoader();
  }

  @Override
  public URI getDefaultURI() {
    return CacheManagerRegistry.DEFAULT_URI;
  }

  @Override
  public Properties getDefaultProperties() {
    return new Properties();
  }

  @Override
  public void close() {
    registry.closeAll();
  }

  @Override
  public void close(ClassLoader classLoader) {
    registry.close(classLoader == null ? getDefaultClassLoader() : classLoader);
  }

  @Override
  public void close(URI uri, ClassLoader classLoader) {
    registry.close(uri == null ? getDefaultURI() : uri, classLoader == null ? getDefaultClassLoader() : classLoader);
  }

  @Override
  public boolean isSupported(OptionalFeature optionalFeature) {
    Objects.requireNonNull(optionalFeature, "optionalFeature");
    // the one optional feature JSR-107 names; a by-reference cache keeps its entries on the heap
    return optionalFeature == OptionalFeature.STORE_BY_REFERENCE;
  }
}
