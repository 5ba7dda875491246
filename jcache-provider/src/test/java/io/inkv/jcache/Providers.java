package io.inkv.jcache;

import io.inkv.jcache.configuration.InkvConfiguration;
import java.nio.file.Path;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;

/** The two providers the tests compare: inkv, and the JSR-107 reference implementation (the oracle). */
final class Providers {
  static final String INKV = "io.inkv.jcache.spi.InkvCachingProvider";
  static final String RI = "org.jsr107.ri.spi.RICachingProvider";

  private Providers() {}

  static CachingProvider inkv() {
    return Caching.getCachingProvider(INKV);
  }

  static CachingProvider ri() {
    return Caching.getCachingProvider(RI);
  }

  /** The kinds of inkv cache that must behave as the reference implementation's of the same storeByValue. */
  enum Kind {
    /** By value, in a temporary store (StoreTier). */
    BY_VALUE,
    /** By reference, on the heap only (HeapTier). */
    BY_REFERENCE,
    /** By reference over a persistent store (ReferenceTier). */
    BY_REFERENCE_PERSISTENT;

    boolean byValue() {
      return this == BY_VALUE;
    }

    /** The reference implementation's configuration of this kind. */
    <K, V> MutableConfiguration<K, V> ri(MutableConfiguration<K, V> c) {
      return new MutableConfiguration<>(c).setStoreByValue(byValue());
    }

    /** inkv's configuration of this kind; a persistent one lives in {@code directory}. */
    <K, V> InkvConfiguration<K, V> inkv(MutableConfiguration<K, V> c, Path directory) {
      InkvConfiguration<K, V> i = new InkvConfiguration<>(c).setStoreByValue(byValue());
      return this == BY_REFERENCE_PERSISTENT ? i.setPersistent(true).setDirectory(directory) : i;
    }
  }
}
