/**
 * The inkv JCache (JSR-107) provider: {@link io.inkv.jcache.InkvCache}, reached through
 * {@code javax.cache.Caching}. The provider class itself is in {@code io.inkv.jcache.spi}; the
 * store settings a cache can have are in {@link io.inkv.jcache.configuration.InkvConfiguration}.
 */
package io.inkv.jcache;
