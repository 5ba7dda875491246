package io.inkv.jcache;

import io.inkv.store.Entry;
import io.inkv.store.EntryUpdate;
import io.inkv.store.Store;
import io.inkv.store.ValueView;
import io.inkv.store.codec.Codec;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
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
 *
 * Stored bytes the codec cannot decode (Codec.DecodeException: a value written by another version
 * of the application, a class changed incompatibly, another tool writing the store or its topic)
 * are no entry: every read answers a miss (get, getAll, containsKey, the iterator, which passes
 * over the entry, the old value of getAndPut and its kin), an update whose answer depends on the
 * entry (putIfAbsent, replace, invoke, ...) sees none, and a write replaces the bytes. Each such
 * read is counted (undecodableValues) and logged with its key, at most once every 10 s with the
 * count of those not logged. Throwing instead would make one bad record fail every read of its key
 * and every scan of the cache, on every replica, with nothing the caller could do about it.
 */
final class StoreTier<K, V> implements Tier<K, V> {
  private static final ThreadLocal<ValueView> VIEWS = ThreadLocal.withInitial(ValueView::new);
  private static final System.Logger LOG = System.getLogger(StoreCache.class.getName());
  private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final String name;
  private final LongAdder undecodable = new LongAdder();
  private final AtomicLong undecodableLoggedAt = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);
  private final AtomicLong undecodableLogged = new AtomicLong();
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
    return encodedOrNull(keyCodec, key);
  }

  /** Returns {@code x} encoded by {@code codec}, or null if the codec cannot encode it (no stored entry has it). */
  private static <T> byte[] encodedOrNull(Codec<T> codec, T x) {
    try {
      return codec.encode(x);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public K keyOf(Object k) {
    try {
      return keyCodec.decode((byte[]) k);
    } catch (Codec.DecodeException e) {
      undecodable("key", (byte[]) k, e);
      return null;
    }
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
    return encodedOrNull(valueCodec, value);
  }

  @Override
  public boolean same(Object kept, Object comparand) {
    return comparand != null && Arrays.equals((byte[]) kept, (byte[]) comparand);
  }

  @Override
  public V valueOf(Object k, Object v) {
    try {
      return valueCodec.decode((byte[]) v);
    } catch (Codec.DecodeException e) {
      undecodable("value", (byte[]) k, e);
      return null;
    }
  }

  /** Whether the codec decodes {@code v}, the value stored under {@code k}; counts and logs it if not. */
  boolean decodes(byte[] k, byte[] v) {
    try {
      valueCodec.decode(v);
      return true;
    } catch (Codec.DecodeException e) {
      undecodable("value", k, e);
      return false;
    }
  }

  /** Counts a read of stored bytes that do not decode, and logs it (the key, the problem) at most every 10 s. */
  void undecodable(String what, byte[] k, Codec.DecodeException e) {
    undecodable.increment();
    long now = System.nanoTime();
    long last = undecodableLoggedAt.get();
    if (now - last >= LOG_INTERVAL_NANOS && undecodableLoggedAt.compareAndSet(last, now)) {
      long total = undecodable.sum();
      long notLogged = total - undecodableLogged.getAndSet(total) - 1;
      LOG.log(System.Logger.Level.WARNING, "cache " + name + ": the stored " + what + " of key " + describeKey(k)
          + " does not decode (" + e.getMessage() + "); answered as a miss. " + total + " such reads so far"
          + (notLogged > 0 ? ", " + notLogged + " of them not logged (one line every 10 s at most)" : ""));
    }
  }

  private String describeKey(byte[] k) {
    try {
      return String.valueOf(keyCodec.decode(k));
    } catch (RuntimeException e) {
      StringBuilder hex = new StringBuilder("0x");
      for (int i = 0; i < Math.min(k.length, 32); i++) {
        hex.append(String.format("%02x", k[i]));
      }
      return hex + (k.length > 32 ? "... (" + k.length + " bytes, not a key of this cache's codec)"
          : " (not a key of this cache's codec)");
    }
  }

  long undecodableValues() {
    return undecodable.sum();
  }

  // ---- operations ----

  @Override
  public V get(Object k) {
    ValueView view = VIEWS.get();
    if (!store.get((byte[]) k, view)) {
      return null;
    }
    try {
      return valueCodec.decode(view);
    } catch (Codec.DecodeException e) {
      undecodable("value", (byte[]) k, e);
      return null;
    }
  }

  /** Decodes a value read in place, or returns null (counted, logged) if it does not decode. */
  V decodeOrMiss(byte[] k, ValueView view) {
    try {
      return valueCodec.decode(view);
    } catch (Codec.DecodeException e) {
      undecodable("value", k, e);
      return null;
    }
  }

  @Override
  public boolean containsKey(Object k) {
    // a value that does not decode is no entry (get misses it), which takes reading the value
    ValueView view = VIEWS.get();
    return store.get((byte[]) k, view) && decodeOrMiss((byte[]) k, view) != null;
  }

  @Override
  public <R> R update(Object k, Update<R> update) {
    Adapter adapter = ADAPTERS.get();
    if (adapter.update != null) {
      adapter = new Adapter(); // an update inside another's function: a CacheWriter writing to another cache
    }
    adapter.begin(this, (byte[]) k, update);
    try {
      return store.update((byte[]) k, adapter.as());
    } finally {
      adapter.end();
    }
  }

  /*
   * Carries a cache update into Store.update: the store's EntryUpdate, and the Writer and Current
   * the cache's update sees, over the store's own. One per thread, reused by each update the
   * thread runs (an update runs on its caller's thread and holds nothing afterwards), so that an
   * update allocates nothing here: with the store's writer reused per key lock, a by-value put
   * allocates the cache's Put, the encoded key and value and the copy of the old value, and no
   * scaffolding whether or not the JIT inlines the store's update into the put. An update started
   * from inside another one's function on this thread (a CacheWriter that writes to another
   * cache) finds it busy (update is set) and takes a new one.
   */
  private static final ThreadLocal<Adapter> ADAPTERS = ThreadLocal.withInitial(Adapter::new);

  private static final class Adapter implements EntryUpdate<Object>, Tier.Writer, Tier.Current {
    private StoreTier<?, ?> tier;
    private byte[] k;
    private Update<?> update;
    private EntryUpdate.Writer writer;
    private EntryUpdate.Current current;

    void begin(StoreTier<?, ?> tier, byte[] k, Update<?> update) {
      this.tier = tier;
      this.k = k;
      this.update = update;
    }

    void end() {
      tier = null;
      k = null;
      update = null;
      writer = null;
      current = null;
    }

    /** This adapter as the store's update of the result type the cache's update returns. */
    @SuppressWarnings("unchecked")
    <R> EntryUpdate<R> as() {
      return (EntryUpdate<R>) (EntryUpdate<?>) this;
    }

    @Override
    public Object apply(EntryUpdate.Current c, EntryUpdate.Writer w) {
      writer = w;
      current = c;
      boolean none = c == null || update.readsCurrent() && !tier.decodes(k, c.value());
      return update.apply(none ? null : this, this);
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
