package io.inkv.jcache;

import javax.cache.Caching;
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
}
