package io.inkv.jcache;

/*
 * The unwrap(Class) of the provider's JCache objects that are nothing but themselves (an entry, an
 * entry processor's entry, the cache manager): the object if it is an instance of the class asked
 * for, else an IllegalArgumentException naming what could not be unwrapped, as JCache specifies.
 * StoreCache unwraps to its store too and keeps its own; the event package's CacheEvent keeps its
 * own so as not to depend on this package.
 */
final class Unwrap {
  private Unwrap() {}

  /** Returns {@code self} as a {@code clazz}; {@code what} names it in the error ("a cache entry"). */
  static <T> T self(Object self, Class<T> clazz, String what) {
    if (clazz.isInstance(self)) {
      return clazz.cast(self);
    }
    throw new IllegalArgumentException(what + " cannot be unwrapped to " + clazz.getName());
  }
}
