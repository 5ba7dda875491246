/** The JCache service provider: {@link io.inkv.jcache.spi.InkvCachingProvider}, alone. */
package io.inkv.jcache.spi;
