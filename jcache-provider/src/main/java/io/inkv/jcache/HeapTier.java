package io.inkv.jcache;

import io.inkv.store.Store;
import io.inkv.store.internal.EvictionPolicy;
import io.inkv.store.internal.LookAheadIterator;
import io.inkv.store.internal.StripedLocks;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/*
 * The by-reference tier: the caller's key and value objects in a ConcurrentHashMap on the heap.
 * Keys are equal by equals() and hashCode(), as in any Java map; get returns the very instance
 * that was put; nothing is encoded, so keys and values need no codec and need not be
 * Serializable.
 *
 * Layout. The map holds one Node per entry: the value and the expiry time in one immutable
 * object of 24 bytes, replaced whole (map.put under the key's lock) by every write, so a reader
 * sees a value with its own expiry time and never a mix, and a get is one map lookup and one load
 * of the node's fields (and, only when the entry can expire, one clock read): no lock, no
 * allocation, and no second object to miss in the cache. A node is also the Current an update
 * sees. The key is the map's: a node does not repeat it, and a node is current while the map
 * holds it under its key (a conditional map.remove(k, node) both checks and drops it). (A first
 * version kept a mutable node pointing at an immutable state: one more object per entry, 16 B
 * more, and one more dependent load on every get; a second kept the key and a dead flag in the
 * node, 8 B more an entry.)
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

  /** One state of an entry: its value and expiry time; current while the map holds it. */
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

  private final ConcurrentHashMap<Object, Node> map = new ConcurrentHashMap<>();
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
    Node node = live(k);
    if (node == null) {
      return null;
    }
    EvictionPolicy p = policy;
    if (p != null) {
      p.recordAccess(policyHash(k));
    }
    return (V) node.value;
  }

  @Override
  public boolean containsKey(Object k) {
    return live(k) != null;
  }

  /**
   * The node of {@code k}, or null if there is none or it has expired (dropped then). A private
   * method small enough to inline into get, so the read path makes no further call or allocation.
   */
  private Node live(Object k) {
    Node node = map.get(k);
    if (node != null && node.canExpire() && node.expired(System.currentTimeMillis())) {
      dropExpired(k, node);
      return null;
    }
    return node;
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
      Node node = map.get(k);
      if (node != null && node.expired(System.currentTimeMillis())) {
        unlink(k, node);
        update.expired(node.value);
        node = null;
      }
      result = update.apply(node, change);
      switch (change.kind) {
        case Change.PUT -> {
          link(k, node, new Node(change.value, change.expireAt));
          grew = node == null;
        }
        case Change.EXPIRY -> {
          if (node != null) {
            link(k, node, new Node(node.value, change.expireAt));
          }
        }
        case Change.REMOVE -> {
          if (node != null) {
            unlink(k, node);
          }
        }
        default -> { }
      }
    } finally {
      lock.unlock();
    }
    if (grew && policy != null && map.size() > maxEntries) {
      evict();
    }
    return result;
  }

  /** Puts {@code fresh} in place of {@code old} (or of nothing), under the key's lock. */
  private void link(Object k, Node old, Node fresh) {
    map.put(k, fresh);
    if (policy != null) {
      if (old == null) {
        policy.recordInsert(policyHash(k), k, map.size() > maxEntries);
      } else {
        policy.recordAccess(policyHash(k));
      }
    }
  }

  /** The decision an update made through its Writer. */
  private static final class Change implements Writer {
    static final int NONE = 0;
    static final int PUT = 1;
    static final int EXPIRY = 2;
    static final int REMOVE = 3;

    int kind = NONE;
    Object value;
    long expireAt;

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
    Node node = takeOut(k, true);
    if (node == null) {
      return false;
    }
    if (node.expired(System.currentTimeMillis())) {
      removals.removed(k, node.value, false);
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
      Node node = map.get(k);
      if (node != null) {
        link(k, node, new Node(node.value, expireAt));
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes the node of {@code k} out of the map under its lock and returns it, or null if there is
   * none. A removal also tells the policy ({@code removal}); an eviction does not, as the policy
   * named the key itself.
   */
  private Node takeOut(Object k, boolean removal) {
    ReentrantLock lock = lockOf(k);
    lock.lock();
    try {
      Node node = map.get(k);
      if (node != null) {
        if (removal) {
          unlink(k, node);
        } else {
          map.remove(k, node);
        }
      }
      return node;
    } finally {
      lock.unlock();
    }
  }

  /** Removes {@code node} if it is still {@code k}'s (under the key's lock); returns whether it was. */
  private boolean unlink(Object k, Node node) {
    if (!map.remove(k, node)) {
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
    while (map.size() > maxEntries && evicting.tryLock()) {
      try {
        while (map.size() > maxEntries && policy.nextVictim(victim)) {
          evictKey(victim.key());
        }
        policy.sweepIfNeeded(v -> map.containsKey(v.key()));
      } finally {
        evicting.unlock();
      }
    }
  }

  private void evictKey(Object k) {
    Node node = takeOut(k, false);
    if (node == null) {
      return;
    }
    evictions.increment();
    removals.removed(k, node.value, true);
  }

  @Override
  public void clear() {
    locks.lockAll();
    try {
      map.clear();
      if (policy != null) {
        policy.clear();
      }
    } finally {
      locks.unlockAll();
    }
  }

  @Override
  public long size() {
    return map.size();
  }

  @Override
  public long evictions() {
    return evictions.sum();
  }

  /** The live, unexpired entries, weakly consistent as the map's own iterator is. */
  @Override
  public Iterator<Kept> iterator() {
    Iterator<Map.Entry<Object, Node>> it = map.entrySet().iterator();
    return new LookAheadIterator<>() {
      @Override
      protected Kept findNext() {
        long now = System.currentTimeMillis();
        while (it.hasNext()) {
          Map.Entry<Object, Node> e = it.next();
          Node node = e.getValue();
          if (!node.expired(now)) {
            return new Kept(e.getKey(), node.value);
          }
          dropExpired(e.getKey(), node);
        }
        return null;
      }
    };
  }

  @Override
  public void close() {
    clear();
  }
}
