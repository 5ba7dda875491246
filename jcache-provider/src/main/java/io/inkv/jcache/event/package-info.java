/**
 * Cache entry events: registration of listeners and their filters, and delivery in order per
 * key, synchronously or asynchronously. Used by the provider; not API for applications, which
 * use {@code javax.cache.event}.
 */
package io.inkv.jcache.event;
