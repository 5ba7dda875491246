/**
 * Spring's cache abstraction on inkv: {@link io.inkv.spring.InkvCacheManager}, a Spring
 * {@code CacheManager} over inkv caches, and Spring Boot auto-configuration from the
 * {@code inkv.*} properties ({@link io.inkv.spring.InkvProperties}). See {@code docs/spring.md}.
 */
package io.inkv.spring;
