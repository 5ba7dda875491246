package io.inkv.hibernate;

import io.inkv.store.codec.Codec;
import io.inkv.store.memory.Region;
import java.util.Objects;

/**
 * A codec for Hibernate's second-level cache keys and entries, for caches reached through the
 * standard {@code hibernate-jcache} route.
 *
 * <p>inkv's own region factory ({@code hibernate.cache.region.factory_class=inkv}) uses this
 * format already. With {@code hibernate-jcache}, inkv caches hold {@code Object} keys and values
 * and would Java-serialize them; name this codec in the cache manager's configuration file to
 * store them in the compact format instead:
 *
 * <pre>
 * inkv.default.keyCodec=io.inkv.hibernate.HibernateCodec
 * inkv.default.valueCodec=io.inkv.hibernate.HibernateCodec
 * </pre>
 *
 * <p>It encodes Hibernate's entity entries ({@code StandardCacheEntryImpl}), collection entries,
 * query results, read-write items, its cache keys (entity, collection, natural-id and query keys)
 * and the usual values inside them (strings, numbers, dates and times, UUIDs, enums, arrays and
 * lists) field by field; any other {@link java.io.Serializable} value is Java-serialized. The
 * byte format is described in {@code docs/hibernate.md}. It is thread-safe.
 */
public final class HibernateCodec implements Codec<Object> {
  private final EntryFormat format;

  /** Creates a codec that resolves enum and serialized classes with this library's class loader. */
  public HibernateCodec() {
    this(HibernateCodec.class.getClassLoader());
  }

  /** Creates a codec that resolves enum and serialized classes with {@code classLoader} first. */
  public HibernateCodec(ClassLoader classLoader) {
    this.format = new EntryFormat(classLoader);
  }

  @Override
  public Class<Object> type() {
    return Object.class;
  }

  @Override
  public byte[] encode(Object value) {
    return format.encode(Objects.requireNonNull(value, "value"));
  }

  @Override
  public Object decode(Region region, int offset, int length) {
    byte[] copy = new byte[length];
    region.getBytes(offset, copy, 0, length);
    return format.decode(copy, 0, length);
  }

  @Override
  public Object decode(byte[] bytes, int offset, int length) {
    return format.decode(bytes, offset, length);
  }
}
