package io.inkv.jcache;

import io.inkv.store.Entry;
import io.inkv.store.EntryUpdate;
import io.inkv.store.Store;
import io.inkv.store.ValueView;
import io.inkv.store.codec.Codec;
import java.util.Arrays;
import java.util.Iterator;
import javax.cache.CacheException;

/*
 * The by-value tier: keys and values encoded by their codecs into one inkv Store. Keys are equal
 * when their encoded bytes are equal; every read decodes a new object, so nothing a caller holds
 * aliases the cache.
 *
 * The get path is: encode the key, one Store.get into a per-thread ValueView (an index probe and
 * a record read in place, no copy), decode the value straight from the mapped region.
 *
 * A key or value the codec cannot encode (a type with no codec that is not Serializable) cannot
 * be in this tier: a write of one is refused before any side effect with a CacheException that
 * says so and recommends a by-reference cache; a read of such a key answers "absent" (keyIfKept
 * returns null), as a map of encodable keys would.
 *
 * The store's update protocol is the tier's, over byte arrays; Adapter carries a cache update into
 * Store.update, and is the Writer it sees.
 */
final class StoreTier<K, V> implements Tier<K, V> {
  private static final ThreadLocal<ValueView> VIEWS = ThreadLocal.withInitial(ValueView::new);

  private final String name;
  final Store store;
  final Codec<K> keyCodec;
  final Codec<V> valueCodec;

  StoreTier(String name, Store store, Codec<K> keyCodec, Codec<V> valueCodec) {
    this.name = name;
    this.store = store;
    this.keyCodec = keyCodec;
    this.valueCodec = valueCodec;
  }

  // ---- forms ----

  @Override
  public Object key(K key) {
    try {
      return keyCodec.encode(key);
    } catch (IllegalArgumentException e) {
      throw unencodable("key", key, e);
    }
  }

  @Override
  public Object keyIfKept(K key) {
    try {
      return keyCodec.encode(key);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public K keyOf(Object k) {
    return keyCodec.decode((byte[]) k);
  }

  @Override
  public Object value(K key, Object k, V value) {
    byte[] v;
    try {
      v = valueCodec.encode(value);
    } catch (IllegalArgumentException e) {
      throw unencodable("value of " + key, value, e);
    }
    byte[] encodedKey = (byte[]) k;
    try {
      store.checkEntry(encodedKey, v.length);
    } catch (IllegalArgumentException e) {
      IllegalArgumentException refusal = new IllegalArgumentException("cache " + name + ", key " + key
          + " (encoded: a " + encodedKey.length + "-byte key and a " + v.length + "-byte value): " + e.getMessage()
          + "; InkvConfiguration.setSegmentSize raises the limit", e);
      throw new CacheException(refusal.getMessage(), refusal);
    }
    return v;
  }

  private CacheException unencodable(String what, Object o, IllegalArgumentException e) {
    return new CacheException("cache " + name + " stores by value, and cannot encode the " + what + " (a "
        + o.getClass().getName() + "): " + e.getMessage() + "; give the type a codec (InkvConfiguration"
        + ".setKeyCodec/setValueCodec), make it Serializable, or create the cache with setStoreByValue(false)", e);
  }

  @Override
  public Object comparand(V value) {
    try {
      return valueCodec.encode(value);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public boolean same(Object kept, Object comparand) {
    return comparand != null && Arrays.equals((byte[]) kept, (byte[]) comparand);
  }

  @Override
  public V valueOf(Object k, Object v) {
    return valueCodec.decode((byte[]) v);
  }

  // ---- operations ----

  @Override
  public V get(Object k) {
    ValueView view = VIEWS.get();
    return store.get((byte[]) k, view) ? valueCodec.decode(view) : null;
  }

  @Override
  public boolean containsKey(Object k) {
    return store.containsKey((byte[]) k);
  }

  @Override
  public <R> R update(Object k, Update<R> update) {
    return store.update((byte[]) k, new Adapter<>(update));
  }

  /*
   * One object per update: the store's EntryUpdate, the Writer the cache's update sees, and the
   * Current it sees (over the store's own), so a put allocates nothing more than it did over the
   * store directly but this adapter.
   */
  private static final class Adapter<R> implements EntryUpdate<R>, Tier.Writer, Tier.Current {
    private final Update<R> update;
    private EntryUpdate.Writer writer;
    private EntryUpdate.Current current;

    Adapter(Update<R> update) {
      this.update = update;
    }

    @Override
    public R apply(EntryUpdate.Current c, EntryUpdate.Writer w) {
      writer = w;
      current = c;
      return update.apply(c == null ? null : this, this);
    }

    @Override
    public Object value() {
      return current.value();
    }

    @Override
    public long expireAt() {
      return current.expireAt();
    }

    @Override
    public boolean expired(byte[] value, long expireAt) {
      update.expired(value);
      return true;
    }

    @Override
    public void put(Object value, long expireAt) {
      writer.put((byte[]) value, expireAt);
    }

    @Override
    public void setExpiry(long expireAt) {
      writer.setExpiry(expireAt);
    }

    @Override
    public void remove() {
      writer.remove();
    }
  }

  @Override
  public boolean remove(Object k) {
    return store.remove((byte[]) k);
  }

  @Override
  public void setExpiry(Object k, long expireAt) {
    store.setExpiry((byte[]) k, expireAt);
  }

  @Override
  public void clear() {
    store.clear();
  }

  @Override
  public long size() {
    return store.size();
  }

  @Override
  public long evictions() {
    return store.stats().evictions();
  }

  @Override
  public Iterator<Kept> iterator() {
    Iterator<Entry> entries = store.iterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return entries.hasNext();
      }

      @Override
      public Kept next() {
        Entry e = entries.next();
        return new Kept(e.key(), e.value());
      }
    };
  }

  @Override
  public void close() {
    store.close();
  }
}
