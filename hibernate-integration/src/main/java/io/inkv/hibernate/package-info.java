/**
 * Hibernate ORM second-level cache over inkv: {@link io.inkv.hibernate.InkvRegionFactory}, selected
 * with {@code hibernate.cache.region.factory_class=inkv}, and {@link io.inkv.hibernate.HibernateCodec}
 * for the standard {@code hibernate-jcache} route. Everything else in the package is
 * package-private.
 */
package io.inkv.hibernate;
