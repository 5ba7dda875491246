package io.inkv.jcache;

import io.inkv.store.Store;
import io.inkv.store.internal.EvictionPolicy;
import io.inkv.store.internal.LongKeyTable;
import io.inkv.store.internal.LookAheadIterator;
import io.inkv.store.internal.StripedLocks;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/*
 * The by-reference tier: the caller's key and value objects in a ConcurrentHashMap on the heap
 * (Long keys in a LongKeyTable, below).
 * Keys are equal by equals() and hashCode(), as in any Java map; get returns the very instance
 * that was put; nothing is encoded, so keys and values need no codec and need not be
 * Serializable.
 *
 * Layout. An entry that never expires is its value itself in the map: a get is one map lookup,
 * with no object of inkv's between the map's node and the value, so no load of one to miss in the
 * cache, and the entry costs the map's node and nothing more. An entry with an expiry time is a
 * Node in the map: the value and the time in one immutable object of 24 bytes, so a reader sees a
 * value with its own expiry time and never a mix. Every write replaces what the map holds whole
 * (map.put under the key's lock). The tier's `expiring` flag turns on before the first Node is
 * stored and never off: until then a get does not look at the object it found (telling a Node
 * from a value reads the object's class), so a cache whose expiry policy is eternal, the JCache
 * default, never pays for the case. The flag is written before the map publishes the Node, and a
 * reader reads it after the map lookup, so a reader that finds a Node sees the flag set. A
 * present entry is what its key maps to, checked and dropped by a conditional map.remove(k, held)
 * under the key's lock. The Current an update sees is the Node, or for a value held as itself the
 * update's Change, which answers the value and Store.NEVER. (A first version kept a mutable node
 * pointing at an immutable state: 40 B and two dependent loads more per entry; a second kept the
 * key and a dead flag in a node on every entry, 32 B and one load more; a third a 24-byte Node on
 * every entry, one load more than the map's own.)
 *
 * Long keys. A java.lang.Long key, the commonest (an entity's id), is held in a LongKeyTable
 * instead: the key as a long in one array and what the map would hold at the same index of
 * another, so a get is two loads that depend only on the key's hash, issued together, where the
 * map's is a slot, then its node, then the key object for equals(), one after the other (at 1M
 * entries, LongKeyTableBenchmark: 0.64x the map's time with uniform keys). It keeps no Long and no
 * node per entry. Every other key, and every key of a cache whose keys are not Longs, is in the
 * map; a cache with both kinds has both, and size and iteration cover the two. The table is made
 * by the first Long key written. Iteration returns a Long key as a Long equal to the one put, not
 * the same instance (Long is a value-based class; its identity carries nothing).
 *
 * Writes. A change of one key (Tier.update) runs under the key's stripe of a StripedLocks, the
 * same discipline as the mapped store's key locks: the cache's CacheWriter and event publishing
 * run inside it, which fixes the order of a key's changes. ConcurrentHashMap.compute would lock
 * a hash bin instead, shared by unrelated keys, and refuses a nested update of the same map.
 *
 * Bounds. A bounded tier (maxEntries > 0) evicts what the store's EvictionPolicy names, the
 * same policy as the mapped store's (a frequency-admitted FIFO; docs/store.md, "Capacity and
 * eviction"): a get that finds its key counts it in the policy's sketch (plain writes, no lock,
 * no atomic), a write of a new key queues the key under the key's lock, an overwrite counts it,
 * a removal is noted and forgotten lazily. A write that takes the tier over its bound evicts the
 * keys the policy names until it is back under. Eviction runs on the writing thread, one at a
 * time (a tryLock: a writer that finds another evicting leaves the work to it), outside the key's
 * lock. An evicted entry is reported to Removals as evicted: JCache has no eviction event, and the
 * cache counts it in its statistics. (A first version kept a FIFO of the last write, which a key
 * read a thousand times left as fast as a key never read; docs/jcache.md.)
 *
 * Expiry. An entry whose time has passed is dropped by the first read or write that meets it,
 * and by iteration; a read reports it to Removals (the cache publishes EXPIRED), an update passes
 * it to the update's expired() hook. There is no background sweep: an expired entry no caller
 * touches counts in size() until a write evicts it, as in the store between sweeps.
 */
final class HeapTier<K, V> implements Tier<K, V> {
  private static final int STRIPES = 256;

  /** An entry that can expire: its value and expiry time; current while the map holds it. */
  private static final class Node implements Current {
    final Object value;
    final long expireAt;

    Node(Object value, long expireAt) {
      this.value = value;
      this.expireAt = expireAt;
    }

    @Override
    public Object value() {
      return value;
    }

    @Override
    public long expireAt() {
      return expireAt;
    }

    boolean canExpire() {
      return expireAt != Store.NEVER;
    }

    boolean expired(long now) {
      return expireAt != Store.NEVER && expireAt <= now;
    }
  }

  /** Each key's value, or its Node when the entry has an expiry time. */
  private final ConcurrentHashMap<Object, Object> map = new ConcurrentHashMap<>();
  /** The same for Long keys, made at the first one. */
  private volatile LongKeyTable longs;
  /** Whether any Node was ever stored: set before the first is, never cleared. */
  private volatile boolean expiring;
  private final StripedLocks locks = new StripedLocks(STRIPES);
  private final long maxEntries;
  private final Removals removals;
  private final EvictionPolicy policy;
  private final EvictionPolicy.Victim victim = new EvictionPolicy.Victim();
  private final ReentrantLock evicting = new ReentrantLock();
  private final LongAdder evictions = new LongAdder();

  /** A tier of at most {@code maxEntries} entries (0: unbounded), reporting what it drops to {@code removals}. */
  HeapTier(long maxEntries, Removals removals) {
    this.maxEntries = maxEntries;
    this.removals = removals;
    this.policy = maxEntries > 0 ? new EvictionPolicy(maxEntries, true) : null;
  }

  private ReentrantLock lockOf(Object k) {
    int h = k.hashCode();
    return locks.stripe((h ^ (h >>> 16)) * 0x9E3779B9 >>> 24);
  }

  /** What the tier holds for {@code k}: a Long key's in the LongKeyTable, any other's in the map. */
  private Object held(Object k) {
    if (k instanceof Long l) {
      LongKeyTable t = longs;
      return t == null ? null : t.get(l);
    }
    return map.get(k);
  }

  /** The table of Long keys, made by the first write of one; under the key's lock. */
  private LongKeyTable longTable() {
    LongKeyTable t = longs;
    if (t == null) {
      synchronized (this) {
        t = longs;
        if (t == null) {
          longs = t = new LongKeyTable();
        }
      }
    }
    return t;
  }

  /** Removes {@code k} if it still holds {@code held}; returns whether it did. */
  private boolean removeHeld(Object k, Object held) {
    if (k instanceof Long l) {
      LongKeyTable t = longs;
      return t != null && t.remove(l, held);
    }
    return map.remove(k, held);
  }

  /** The number of entries held, expired ones not yet dropped included. */
  private long count() {
    LongKeyTable t = longs;
    return map.size() + (t == null ? 0 : t.size());
  }

  /** The key's hash for the policy's sketch: hashCode spread over 64 bits. */
  private static long policyHash(Object k) {
    long z = k.hashCode() * 0x9E3779B97F4A7C15L;
    return z ^ (z >>> 29);
  }

  // ---- forms: the objects themselves ----

  @Override
  public Object key(K key) {
    return key;
  }

  @Override
  public Object keyIfKept(K key) {
    return key;
  }

  @Override
  @SuppressWarnings("unchecked")
  public K keyOf(Object k) {
    return (K) k;
  }

  @Override
  public Object value(K key, Object k, V value) {
    return value;
  }

  @Override
  public Object comparand(V value) {
    return value;
  }

  @Override
  public boolean same(Object kept, Object comparand) {
    return Objects.equals(kept, comparand);
  }

  @Override
  @SuppressWarnings("unchecked")
  public V valueOf(Object k, Object v) {
    return (V) v;
  }

  // ---- reads ----

  @Override
  @SuppressWarnings("unchecked")
  public V get(Object k) {
    Object held = live(k);
    if (held == null) {
      return null;
    }
    EvictionPolicy p = policy;
    if (p != null) {
      p.recordAccess(policyHash(k));
    }
    return (V) held;
  }

  @Override
  public boolean containsKey(Object k) {
    return live(k) != null;
  }

  /**
   * The value of {@code k}, or null if there is none or it has expired (dropped then). A private
   * method small enough to inline into get, so the read path makes no further call or allocation.
   */
  private Object live(Object k) {
    Object held = held(k);
    if (held != null && expiring && held instanceof Node node) {
      if (node.canExpire() && node.expired(System.currentTimeMillis())) {
        dropExpired(k, node);
        return null;
      }
      return node.value;
    }
    return held;
  }

  /** The Node {@code held} is, or null for a value held as itself (which never expires). */
  private Node nodeOf(Object held) {
    return expiring && held instanceof Node node ? node : null;
  }

  private Object valueOf(Object held) {
    Node node = nodeOf(held);
    return node != null ? node.value : held;
  }

  private boolean expired(Object held, long now) {
    Node node = nodeOf(held);
    return node != null && node.expired(now);
  }

  /** What the map holds for {@code value} until {@code expireAt}: the value itself when it never expires. */
  private Object hold(Object value, long expireAt) {
    if (expireAt == Store.NEVER) {
      return value;
    }
    if (!expiring) {
      expiring = true; // before the map publishes the Node: a reader that finds it sees the flag
    }
    return new Node(value, expireAt);
  }

  /** Drops an entry a read found expired, if no writer replaced it meanwhile, and reports it. */
  private void dropExpired(Object k, Node node) {
    ReentrantLock lock = lockOf(k);
    lock.lock();
    try {
      if (!unlink(k, node)) {
        return;
      }
    } finally {
      lock.unlock();
    }
    removals.removed(k, node.value, false);
  }

  // ---- writes ----

  @Override
  public <R> R update(Object k, Update<R> update) {
    ReentrantLock lock = lockOf(k);
    Change change = new Change();
    R result;
    boolean grew = false;
    lock.lock();
    try {
      Object held = held(k);
      if (held != null && expired(held, System.currentTimeMillis())) {
        unlink(k, held);
        update.expired(valueOf(held));
        held = null;
      }
      result = update.apply(held == null ? null : change.present(held, nodeOf(held)), change);
      switch (change.kind) {
        case Change.PUT -> {
          link(k, held, hold(change.value, change.expireAt));
          grew = held == null;
        }
        case Change.EXPIRY -> {
          if (held != null) {
            link(k, held, hold(valueOf(held), change.expireAt));
          }
        }
        case Change.REMOVE -> {
          if (held != null) {
            unlink(k, held);
          }
        }
        default -> { }
      }
    } finally {
      lock.unlock();
    }
    if (grew && policy != null && count() > maxEntries) {
      evict();
    }
    return result;
  }

  /** Puts {@code fresh} in place of {@code old} (or of nothing), under the key's lock. */
  private void link(Object k, Object old, Object fresh) {
    if (k instanceof Long l) {
      longTable().put(l, fresh);
    } else {
      map.put(k, fresh);
    }
    if (policy != null) {
      if (old == null) {
        policy.recordInsert(policyHash(k), k, count() > maxEntries);
      } else {
        policy.recordAccess(policyHash(k));
      }
    }
  }

  /**
   * The decision an update made through its Writer; also the Current it sees of a value held as
   * itself (a Node is its own Current).
   */
  private static final class Change implements Writer, Current {
    static final int NONE = 0;
    static final int PUT = 1;
    static final int EXPIRY = 2;
    static final int REMOVE = 3;

    int kind = NONE;
    Object value;
    long expireAt;
    private Object present;

    /** The Current of what the map held: the Node, or this change answering the value held as itself. */
    Current present(Object held, Node node) {
      if (node != null) {
        return node;
      }
      present = held;
      return this;
    }

    @Override
    public Object value() {
      return present;
    }

    @Override
    public long expireAt() {
      return Store.NEVER;
    }

    @Override
    public void put(Object value, long expireAt) {
      Store.checkExpireAt(expireAt);
      this.kind = PUT;
      this.value = value;
      this.expireAt = expireAt;
    }

    @Override
    public void setExpiry(long expireAt) {
      Store.checkExpireAt(expireAt);
      if (kind == NONE || kind == EXPIRY) {
        this.kind = EXPIRY;
      }
      this.expireAt = expireAt;
    }

    @Override
    public void remove() {
      kind = REMOVE;
      value = null;
    }
  }

  /** Removes an entry; one that had expired is reported as expired, and was not there to remove. */
  @Override
  public boolean remove(Object k) {
    Object held = takeOut(k, true);
    if (held == null) {
      return false;
    }
    if (expired(held, System.currentTimeMillis())) {
      removals.removed(k, valueOf(held), false);
      return false;
    }
    return true;
  }

  @Override
  public void setExpiry(Object k, long expireAt) {
    Store.checkExpireAt(expireAt);
    ReentrantLock lock = lockOf(k);
    lock.lock();
    try {
      Object held = held(k);
      if (held != null) {
        link(k, held, hold(valueOf(held), expireAt));
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes what the map holds for {@code k} out under its lock and returns it, or null if there is
   * none. A removal also tells the policy ({@code removal}); an eviction does not, as the policy
   * named the key itself.
   */
  private Object takeOut(Object k, boolean removal) {
    ReentrantLock lock = lockOf(k);
    lock.lock();
    try {
      Object held = held(k);
      if (held != null) {
        if (removal) {
          unlink(k, held);
        } else {
          removeHeld(k, held);
        }
      }
      return held;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Removes {@code held} if it is still what {@code k} maps to; returns whether it was. Under the
   * key's lock, where what a caller read is the very instance the map holds (the map compares the
   * instance before equals).
   */
  private boolean unlink(Object k, Object held) {
    if (!removeHeld(k, held)) {
      return false;
    }
    if (policy != null) {
      policy.recordRemoval();
    }
    return true;
  }

  /*
   * Evicts the keys the policy names until the tier is within its bound. One thread evicts at a
   * time; the others leave it the work, and the one evicting re-checks the size before it stops,
   * so a bound passed while it worked is not missed for long. A named key already removed is
   * skipped (the policy forgets removals lazily, and sweeps its queues when they pile up).
   */
  private void evict() {
    while (count() > maxEntries && evicting.tryLock()) {
      try {
        while (count() > maxEntries && policy.nextVictim(victim)) {
          evictKey(victim.key());
        }
        policy.sweepIfNeeded(v -> held(v.key()) != null);
      } finally {
        evicting.unlock();
      }
    }
  }

  private void evictKey(Object k) {
    Object held = takeOut(k, false);
    if (held == null) {
      return;
    }
    evictions.increment();
    removals.removed(k, valueOf(held), true);
  }

  @Override
  public void clear() {
    locks.lockAll();
    try {
      map.clear();
      LongKeyTable t = longs;
      if (t != null) {
        t.clear();
      }
      if (policy != null) {
        policy.clear();
      }
    } finally {
      locks.unlockAll();
    }
  }

  @Override
  public long size() {
    return count();
  }

  @Override
  public long evictions() {
    return evictions.sum();
  }

  /** The live, unexpired entries, weakly consistent as the map's own iterator is. */
  @Override
  public Iterator<Kept> iterator() {
    Iterator<Map.Entry<Object, Object>> objects = map.entrySet().iterator();
    LongKeyTable t = longs;
    Iterator<LongKeyTable.Entry> numbers = t == null ? null : t.iterator();
    return new LookAheadIterator<>() {
      @Override
      protected Kept findNext() {
        long now = System.currentTimeMillis();
        while (true) {
          Object k;
          Object held;
          if (numbers != null && numbers.hasNext()) {
            LongKeyTable.Entry e = numbers.next();
            k = e.key();
            held = e.value();
          } else if (objects.hasNext()) {
            Map.Entry<Object, Object> e = objects.next();
            k = e.getKey();
            held = e.getValue();
          } else {
            return null;
          }
          if (!expired(held, now)) {
            return new Kept(k, valueOf(held));
          }
          dropExpired(k, (Node) held);
        }
      }
    };
  }

  @Override
  public void close() {
    clear();
  }
}
