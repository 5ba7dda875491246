package io.inkv.jcache;

import io.inkv.store.Store;
import io.inkv.store.ValueView;
import io.inkv.store.internal.ByteKey;
import io.inkv.store.internal.EvictionPolicy;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/*
 * By reference over a persistent or replicated store. The store stays the truth: every change is
 * written to it encoded (StoreTier), so a restart, another replica and the store's own expiry,
 * eviction and compaction see every entry exactly as in a by-value cache. Beside it, a bounded
 * map of instances (the memo) remembers, per key, the instance this JVM put or last decoded and
 * the encoded bytes it stands for.
 *
 * A get reads the store in place (one index probe, no copy) and compares the stored bytes with
 * the memo's: equal bytes mean the entry is still the one that instance was put or read as, and
 * the instance itself is returned; other bytes (another replica wrote, the entry expired and was
 * re-created, the memo forgot it) mean a decode, whose result the memo then keeps. So a hit
 * returns the very instance that was put for as long as nobody replaced it, and never a stale
 * one: the memo can only save a decode, never change an answer. The price over a by-value get is
 * one map lookup and a byte comparison instead of the decode; a put keeps the encoded bytes
 * twice (in the store and in the memo) for the memo's entries.
 *
 * The memo holds at most heapEntries keys, and forgets the ones the store's EvictionPolicy names
 * (the policy of every bounded inkv cache: a frequency-admitted FIFO, docs/store.md): a get that
 * finds its instance counts the key (plain writes, no lock), a key the memo takes is queued under
 * the policy's writer lock (a write, or a get that had to decode), a removal is noted. Forgetting
 * one costs the next get of that key a decode, so keeping the keys read most saves the most
 * decodes. (A first version forgot first in, first out.) Writes go through the key's store lock
 * (Store.update), and the memo is updated inside it, in the order the store sees the writes; a
 * read that decodes only replaces the memo entry it saw, so a racing write's instance wins.
 *
 * Values compare (replace and remove with an expected value) by their encoded bytes, as in a
 * by-value cache: the codec decides equality for what is stored.
 */
final class ReferenceTier<K, V> implements Tier<K, V> {
  private static final ThreadLocal<ValueView> VIEWS = ThreadLocal.withInitial(ValueView::new);

  /** A kept value: the encoded bytes the store holds and the instance they stand for. */
  private record Held(byte[] bytes, Object instance) {}

  private final StoreTier<K, V> stored;
  private final Store store;
  private final long heapEntries;
  private final ConcurrentHashMap<ByteKey, Held> memo = new ConcurrentHashMap<>();
  private final EvictionPolicy policy;
  private final EvictionPolicy.Victim victim = new EvictionPolicy.Victim();
  private final ReentrantLock forgetting = new ReentrantLock();

  ReferenceTier(StoreTier<K, V> stored, long heapEntries) {
    this.stored = stored;
    this.store = stored.store;
    this.heapEntries = heapEntries;
    this.policy = new EvictionPolicy(heapEntries, true);
  }

  // ---- forms: the store's, with the instance beside the encoded value ----

  @Override
  public Object key(K key) {
    return stored.key(key);
  }

  @Override
  public Object keyIfKept(K key) {
    return stored.keyIfKept(key);
  }

  @Override
  public K keyOf(Object k) {
    return stored.keyOf(k);
  }

  @Override
  public Object value(K key, Object k, V value) {
    return new Held((byte[]) stored.value(key, k, value), value);
  }

  @Override
  public Object comparand(V value) {
    return stored.comparand(value);
  }

  @Override
  public boolean same(Object kept, Object comparand) {
    return stored.same(kept, comparand);
  }

  /** The instance for stored bytes of {@code k}: the memo's when its bytes are these, else a decode the memo keeps. */
  @Override
  @SuppressWarnings("unchecked")
  public V valueOf(Object k, Object v) {
    if (v instanceof Held h) {
      return (V) h.instance;
    }
    byte[] bytes = (byte[]) v;
    ByteKey key = ByteKey.of((byte[]) k);
    Held seen = memo.get(key);
    if (seen != null && Arrays.equals(seen.bytes, bytes)) {
      return (V) seen.instance;
    }
    V decoded = stored.valueOf(k, bytes); // null if the bytes do not decode (counted, logged): a miss
    if (decoded != null) {
      remember(key, seen, new Held(bytes, decoded));
    }
    return decoded;
  }

  // ---- operations ----

  @Override
  @SuppressWarnings("unchecked")
  public V get(Object k) {
    ValueView view = VIEWS.get();
    if (!store.get((byte[]) k, view)) {
      return null;
    }
    ByteKey key = ByteKey.of((byte[]) k);
    Held seen = memo.get(key);
    if (seen != null && view.contentEquals(seen.bytes)) {
      policy.recordAccess(key.hash());
      return (V) seen.instance;
    }
    V decoded = stored.decodeOrMiss((byte[]) k, view);
    if (decoded != null) {
      remember(key, seen, new Held(view.toByteArray(), decoded));
    }
    return decoded;
  }

  /** Keeps what a read decoded, unless a write replaced the memo entry the read saw. */
  private void remember(ByteKey key, Held seen, Held decoded) {
    if (seen == null) {
      if (memo.putIfAbsent(key, decoded) == null) {
        taken(key);
      }
    } else {
      memo.replace(key, seen, decoded);
    }
  }

  private void taken(ByteKey key) {
    policy.recordInsert(key.hash(), key, memo.size() > heapEntries);
    while (memo.size() > heapEntries && forgetting.tryLock()) {
      try {
        while (memo.size() > heapEntries && policy.nextVictim(victim)) {
          memo.remove(victim.key());
        }
        policy.sweepIfNeeded(v -> memo.containsKey(v.key()));
      } finally {
        forgetting.unlock();
      }
    }
  }

  private void forgot() {
    policy.recordRemoval();
  }

  @Override
  public boolean containsKey(Object k) {
    return stored.containsKey(k);
  }

  @Override
  public <R> R update(Object k, Update<R> update) {
    return stored.update(k, new Remembering<>(this, ByteKey.of((byte[]) k), update));
  }

  /*
   * Carries an update into the store: the store sees encoded bytes, and a put leaves its
   * instance in the memo, under the key's lock; a removal forgets it.
   */
  private static final class Remembering<R> implements Update<R>, Writer {
    private final ReferenceTier<?, ?> tier;
    private final ByteKey key;
    private final Update<R> update;
    private Writer writer;

    Remembering(ReferenceTier<?, ?> tier, ByteKey key, Update<R> update) {
      this.tier = tier;
      this.key = key;
      this.update = update;
    }

    @Override
    public R apply(Current current, Writer w) {
      writer = w;
      return update.apply(current, this);
    }

    @Override
    public void expired(Object value) {
      update.expired(value);
    }

    @Override
    public boolean readsCurrent() {
      return update.readsCurrent();
    }

    @Override
    public void put(Object value, long expireAt) {
      Held h = (Held) value;
      writer.put(h.bytes, expireAt);
      if (tier.memo.put(key, h) == null) {
        tier.taken(key);
      }
    }

    @Override
    public void setExpiry(long expireAt) {
      writer.setExpiry(expireAt);
    }

    @Override
    public void remove() {
      writer.remove();
      if (tier.memo.remove(key) != null) {
        tier.forgot();
      }
    }
  }

  @Override
  public boolean remove(Object k) {
    boolean removed = stored.remove(k);
    if (memo.remove(ByteKey.of((byte[]) k)) != null) {
      forgot();
    }
    return removed;
  }

  @Override
  public void setExpiry(Object k, long expireAt) {
    stored.setExpiry(k, expireAt);
  }

  @Override
  public void clear() {
    stored.clear();
    memo.clear();
    policy.clear();
  }

  @Override
  public long size() {
    return stored.size();
  }

  @Override
  public long evictions() {
    return stored.evictions();
  }

  @Override
  public Iterator<Kept> iterator() {
    return stored.iterator();
  }

  @Override
  public void close() {
    memo.clear();
    stored.close();
  }
}
