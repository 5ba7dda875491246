package io.inkv.hibernate;

import java.io.Serializable;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import org.hibernate.cache.internal.BasicCacheKeyImplementation;
import org.hibernate.cache.internal.CacheKeyImplementation;
import org.hibernate.cache.internal.NaturalIdCacheKey;
import org.hibernate.cache.spi.QueryKey;
import org.hibernate.cache.spi.entry.CollectionCacheEntry;
import org.hibernate.cache.spi.entry.StandardCacheEntryImpl;

/*
 * Reaches the parts of Hibernate's cache entry and key classes that are not public: the
 * package-private constructors of StandardCacheEntryImpl and CollectionCacheEntry, the private
 * record QueryResultsCacheImpl.CacheItem, the private fields of QueryKey and its parameter memento,
 * and AbstractReadWriteAccess.Item (what hibernate-jcache stores for read-write regions).
 *
 * Why not Java serialization: it writes every class descriptor and field name into every entry
 * (hundreds of bytes for a small entity) and reflects on each object it reads.
 * Method handles found once here cost a direct call each.
 *
 * Each handle is found with MethodHandles.privateLookupIn, which works when Hibernate is on the
 * class path (the unnamed module, which opens every package) or in a module that opens its
 * packages to inkv. When a handle cannot be found (another Hibernate version changed a class, or
 * the module is closed), it is null, a warning says so once, and the codec falls back to Java
 * serialization for that class: slower, never wrong. The two versions built and tested here are
 * 6.6 and 7.4, whose classes differ only in CacheItem (a class with a Long timestamp in 6.6, a
 * record with a long in 7.4; both are handled through the same (long, List) constructor).
 */
final class HibernateTypes {
  private static final System.Logger LOG = System.getLogger(HibernateTypes.class.getName());

  static final Class<?> CACHE_ITEM = load("org.hibernate.cache.internal.QueryResultsCacheImpl$CacheItem");
  static final Class<?> MEMENTO = load("org.hibernate.query.internal.QueryParameterBindingsImpl$ParameterBindingsMementoImpl");
  static final Class<?> RW_ITEM = load("org.hibernate.cache.spi.support.AbstractReadWriteAccess$Item");

  static final MethodHandle NEW_ENTITY_ENTRY = constructor(StandardCacheEntryImpl.class,
      MethodType.methodType(void.class, Serializable[].class, String.class, Object.class));
  static final MethodHandle NEW_COLLECTION_ENTRY = constructor(CollectionCacheEntry.class,
      MethodType.methodType(void.class, Serializable.class));
  static final MethodHandle COLLECTION_STATE = getter(CollectionCacheEntry.class, "state");

  static final MethodHandle NEW_CACHE_ITEM = constructor(CACHE_ITEM, MethodType.methodType(void.class, long.class, List.class));
  static final MethodHandle CACHE_ITEM_TIMESTAMP = getter(CACHE_ITEM, "timestamp");
  static final MethodHandle CACHE_ITEM_RESULTS = getter(CACHE_ITEM, "results");

  static final MethodHandle QUERY_SQL = getter(QueryKey.class, "sqlQueryString");
  static final MethodHandle QUERY_MEMENTO = getter(QueryKey.class, "parameterBindingsMemento");
  static final MethodHandle QUERY_FIRST_ROW = getter(QueryKey.class, "firstRow");
  static final MethodHandle QUERY_MAX_ROWS = getter(QueryKey.class, "maxRows");
  static final MethodHandle QUERY_FILTERS = getter(QueryKey.class, "enabledFilterNames");
  static final MethodHandle NEW_MEMENTO = constructor(MEMENTO, MethodType.methodType(void.class, Object[].class, int.class));
  static final MethodHandle MEMENTO_VALUES = getter(MEMENTO, "values");

  static final MethodHandle NEW_RW_ITEM = constructor(RW_ITEM,
      MethodType.methodType(void.class, Object.class, Object.class, long.class));
  static final MethodHandle RW_ITEM_VALUE = getter(RW_ITEM, "value");
  static final MethodHandle RW_ITEM_VERSION = getter(RW_ITEM, "version");
  static final MethodHandle RW_ITEM_TIMESTAMP = getter(RW_ITEM, "timestamp");

  static final Object UNFETCHED_PROPERTY = constant("org.hibernate.bytecode.enhance.spi.LazyPropertyInitializer",
      "UNFETCHED_PROPERTY");
  static final Object UNKNOWN_BACKREF = constant("org.hibernate.property.access.internal.PropertyAccessStrategyBackRefImpl",
      "UNKNOWN");

  static final boolean ENTITY_ENTRIES = NEW_ENTITY_ENTRY != null;
  static final boolean COLLECTION_ENTRIES = NEW_COLLECTION_ENTRY != null && COLLECTION_STATE != null;
  static final boolean CACHE_ITEMS = NEW_CACHE_ITEM != null && CACHE_ITEM_TIMESTAMP != null && CACHE_ITEM_RESULTS != null;
  static final boolean QUERY_KEYS = QUERY_SQL != null && QUERY_MEMENTO != null && QUERY_FIRST_ROW != null
      && QUERY_MAX_ROWS != null && QUERY_FILTERS != null && NEW_MEMENTO != null && MEMENTO_VALUES != null;
  static final boolean RW_ITEMS = NEW_RW_ITEM != null && RW_ITEM_VALUE != null && RW_ITEM_VERSION != null
      && RW_ITEM_TIMESTAMP != null;

  private HibernateTypes() {}

  static BasicCacheKeyImplementation basicKey(Serializable id, String entityOrRoleName) {
    return new BasicCacheKeyImplementation(id, entityOrRoleName, hash(id));
  }

  static CacheKeyImplementation key(Object id, String entityOrRoleName, String tenantId) {
    return new CacheKeyImplementation(id, entityOrRoleName, tenantId, 31 * hash(id) + java.util.Objects.hashCode(tenantId));
  }

  static NaturalIdCacheKey naturalIdKey(Object values, String entityName, String tenantId) {
    return new NaturalIdCacheKey(values, entityName, tenantId, hash(values));
  }

  static QueryKey queryKey(String sql, Object[] parameters, Integer firstRow, Integer maxRows, String[] filters) {
    try {
      Object memento = NEW_MEMENTO.invoke(parameters, java.util.Arrays.deepHashCode(parameters));
      return new QueryKey(sql, (QueryKey.ParameterBindingsMemento) memento, firstRow, maxRows,
          new java.util.LinkedHashSet<>(List.of(filters)));
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /*
   * A decoded key's hash code: Hibernate computes it from the id's Hibernate type, which the codec
   * does not know. For the usual ids (numbers, strings, UUIDs) the type's hash is the value's
   * own; a decoded key is only ever used to list a cache's keys, never to look one up.
   */
  private static int hash(Object value) {
    return value instanceof Object[] array ? java.util.Arrays.deepHashCode(array) : java.util.Objects.hashCode(value);
  }

  static RuntimeException rethrow(Throwable e) {
    if (e instanceof RuntimeException r) {
      return r;
    }
    if (e instanceof Error err) {
      throw err;
    }
    return new IllegalStateException(e);
  }

  private static Class<?> load(String name) {
    try {
      return Class.forName(name, false, HibernateTypes.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      LOG.log(System.Logger.Level.DEBUG, "{0} is not in this Hibernate version; its values are Java-serialized", name);
      return null;
    }
  }

  private static MethodHandle constructor(Class<?> type, MethodType signature) {
    if (type == null) {
      return null;
    }
    try {
      return MethodHandles.privateLookupIn(type, MethodHandles.lookup()).findConstructor(type, signature)
          .asType(signature.changeReturnType(Object.class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      warn(type, e);
      return null;
    }
  }

  private static MethodHandle getter(Class<?> type, String field) {
    if (type == null) {
      return null;
    }
    try {
      java.lang.reflect.Field f = type.getDeclaredField(field);
      return MethodHandles.privateLookupIn(type, MethodHandles.lookup()).unreflectGetter(f)
          .asType(MethodType.methodType(Object.class, Object.class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      warn(type, e);
      return null;
    }
  }

  private static Object constant(String className, String field) {
    try {
      return Class.forName(className, false, HibernateTypes.class.getClassLoader()).getField(field).get(null);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
  }

  private static void warn(Class<?> type, Exception e) {
    LOG.log(System.Logger.Level.WARNING, "inkv cannot reach the internals of " + type.getName() + " (" + e
        + "); its values are stored with Java serialization, which is slower. Open its package to inkv"
        + " or put Hibernate on the class path.");
  }
}
