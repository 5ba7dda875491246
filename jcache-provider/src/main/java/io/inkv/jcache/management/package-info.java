/**
 * JCache management: the statistics counters and the configuration and statistics MXBeans,
 * registered under the standard {@code javax.cache:type=...,CacheManager=...,Cache=...} names.
 * Used by the provider; applications read the MXBeans through JMX.
 */
package io.inkv.jcache.management;
