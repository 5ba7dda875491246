package io.inkv.store.internal;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.locks.StampedLock;

/*
 * A concurrent map from primitive long keys to non-null objects: the by-reference tier's table
 * for java.lang.Long keys, the commonest JCache key (an entity's id).
 *
 * Why not a ConcurrentHashMap<Long, Object>. A get there is a chain of dependent loads: the
 * table's slot, then the node it points at, then the key object the node points at (for
 * equals), and only then the value. At a million entries each is a cache miss unless the
 * collector happened to place the node and the key in one line. Here the key is a long in one
 * array and the value a reference at the same index of another: the two loads of a lookup depend
 * only on the hash, so the processor issues them together and a get costs about one miss. The
 * table also keeps no Long object per entry (16 B) and no node (32 B): a slot is 8 + 4 bytes, an
 * entry 16 to 32 at the loads below, against about 56 for the map's node (32), its slots (4 each,
 * at most three quarters full) and the key (16). MemoryFootprint at 1M entries: 178 B an entry for
 * a by-reference cache, 220 with the map.
 *
 * Layout. The key's 64-bit mix chooses a stripe by its top bits and a slot in the stripe's table
 * by its low bits; each stripe is an open-addressing table with linear probing (keys[i] and
 * values[i]; a null value marks an empty slot, so every long, 0 included, is a valid key) that
 * doubles when it passes three quarters full. A removal shifts the entries after it back into the
 * hole (Knuth's algorithm R), so there are no tombstones and a miss stops at the first empty slot.
 *
 * Concurrency. Each stripe has a StampedLock used as a seqlock, as the store's KeyIndex does:
 * writers take its write lock; a reader takes tryOptimisticRead(), reads the stripe's table and
 * probes it without writing shared memory, then validate()s the stamp and retries if a writer got
 * in the way (after three tries it takes the read lock). A reader never dereferences what it read
 * before validating, so a torn read (a key of one entry, the value of another, a table being
 * resized) is only ever discarded; the probe is bounded by the table's size, whose arrays are
 * final, so a torn read cannot run away or out of bounds. size() is the sum of the stripes'
 * volatile counts; iteration copies one stripe at a time under its read lock, so it is weakly
 * consistent as ConcurrentHashMap's is: an entry present throughout is returned exactly once.
 */
public final class LongKeyTable {
  private static final int STRIPES = 64;
  private static final int SHIFT = 64 - Integer.numberOfTrailingZeros(STRIPES);
  private static final int INITIAL_CAPACITY = 8;
  private static final int MAX_CAPACITY = 1 << 30;
  private static final int OPTIMISTIC_TRIES = 3;

  private final Stripe[] stripes = new Stripe[STRIPES];

  public LongKeyTable() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe();
    }
  }

  private static final class Table {
    final long[] keys;
    final Object[] values;
    final int mask;

    Table(int capacity) {
      keys = new long[capacity];
      values = new Object[capacity];
      mask = capacity - 1;
    }
  }

  private static final class Stripe {
    final StampedLock lock = new StampedLock();
    /** Replaced, and its arrays written, only under the write lock. */
    Table table = new Table(INITIAL_CAPACITY);
    /** Written under the write lock; volatile so that size() sees it. */
    volatile int size;
  }

  /** The key's hash: a multiply and a fold, so both its top bits (the stripe) and low bits (the slot) depend on every key bit. */
  private static long mix(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return h ^ (h >>> 29);
  }

  private Stripe stripeOf(long h) {
    return stripes[(int) (h >>> SHIFT)];
  }

  /** Returns the value of {@code key}, or null if it has none. */
  public Object get(long key) {
    long h = mix(key);
    Stripe s = stripeOf(h);
    StampedLock lock = s.lock;
    for (int i = 0; i < OPTIMISTIC_TRIES; i++) {
      long stamp = lock.tryOptimisticRead();
      if (stamp != 0) {
        Object v = find(s.table, key, (int) h);
        if (lock.validate(stamp)) {
          return v;
        }
      } else {
        Thread.onSpinWait();
      }
    }
    long stamp = lock.readLock();
    try {
      return find(s.table, key, (int) h);
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** The value of {@code key} in {@code t}, or null; reads only, bounded by the table's size. */
  private static Object find(Table t, long key, int h) {
    long[] keys = t.keys;
    Object[] values = t.values;
    int mask = t.mask;
    int i = h & mask;
    for (int n = 0; n <= mask; n++) {
      Object v = values[i];
      if (v == null) {
        return null;
      }
      if (keys[i] == key) {
        return v;
      }
      i = (i + 1) & mask;
    }
    return null;
  }

  /** The slot of {@code key} in {@code t}, or the empty slot where it would go (ones' complement); under the write lock. */
  private static int slot(Table t, long key, int h) {
    long[] keys = t.keys;
    Object[] values = t.values;
    int mask = t.mask;
    int i = h & mask;
    while (true) { // the table is never full (at most three quarters), so this ends
      if (values[i] == null) {
        return ~i;
      }
      if (keys[i] == key) {
        return i;
      }
      i = (i + 1) & mask;
    }
  }

  /**
   * Maps {@code key} to {@code value}; returns the value it replaced, or null.
   *
   * @throws NullPointerException if {@code value} is null
   */
  public Object put(long key, Object value) {
    Objects.requireNonNull(value, "value");
    long h = mix(key);
    Stripe s = stripeOf(h);
    long stamp = s.lock.writeLock();
    try {
      Table t = s.table;
      int i = slot(t, key, (int) h);
      if (i >= 0) {
        Object old = t.values[i];
        t.values[i] = value;
        return old;
      }
      int size = s.size + 1;
      if (size > t.values.length - (t.values.length >>> 2)) {
        t = grow(s, t);
        i = slot(t, key, (int) h);
      }
      t.keys[~i] = key;
      t.values[~i] = value;
      s.size = size;
      return null;
    } finally {
      s.lock.unlockWrite(stamp);
    }
  }

  /** Replaces the stripe's table with one twice its size; under the write lock. */
  private static Table grow(Stripe s, Table t) {
    int capacity = t.values.length << 1;
    if (capacity > MAX_CAPACITY) {
      throw new IllegalStateException("a stripe of the table is full: " + s.size + " entries");
    }
    Table bigger = new Table(capacity);
    long[] keys = t.keys;
    Object[] values = t.values;
    for (int j = 0; j < values.length; j++) {
      if (values[j] != null) {
        int i = ~slot(bigger, keys[j], (int) mix(keys[j]));
        bigger.keys[i] = keys[j];
        bigger.values[i] = values[j];
      }
    }
    s.table = bigger;
    return bigger;
  }

  /** Removes {@code key}; returns the value it had, or null. */
  public Object remove(long key) {
    return removeIf(key, null);
  }

  /**
   * Removes {@code key} if it maps to {@code value} (the same instance, or one equal to it, as
   * ConcurrentHashMap.remove(key, value) compares); returns whether it did.
   */
  public boolean remove(long key, Object value) {
    return value != null && removeIf(key, value) != null;
  }

  /** Removes {@code key} if {@code expected} is null or what it maps to; returns the value removed, or null. */
  private Object removeIf(long key, Object expected) {
    long h = mix(key);
    Stripe s = stripeOf(h);
    long stamp = s.lock.writeLock();
    try {
      Table t = s.table;
      int i = slot(t, key, (int) h);
      if (i < 0) {
        return null;
      }
      Object old = t.values[i];
      if (expected != null && old != expected && !expected.equals(old)) {
        return null;
      }
      delete(t, i);
      s.size = s.size - 1;
      return old;
    } finally {
      s.lock.unlockWrite(stamp);
    }
  }

  /**
   * Empties slot {@code hole} and moves back every entry after it, up to the next empty slot,
   * whose probe from its home slot would otherwise cross the hole (Knuth, algorithm R).
   */
  private static void delete(Table t, int hole) {
    long[] keys = t.keys;
    Object[] values = t.values;
    int mask = t.mask;
    int j = hole;
    while (true) {
      j = (j + 1) & mask;
      Object v = values[j];
      if (v == null) {
        break;
      }
      int home = (int) mix(keys[j]) & mask;
      // the entry at j may move to the hole unless its home lies cyclically in (hole, j]
      boolean stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!stays) {
        keys[hole] = keys[j];
        values[hole] = v;
        hole = j;
      }
    }
    keys[hole] = 0;
    values[hole] = null;
  }

  /** Whether {@code key} has a value. */
  public boolean containsKey(long key) {
    return get(key) != null;
  }

  /** The number of entries (the sum of the stripes' counts, each current when read). */
  public int size() {
    long n = 0;
    for (Stripe s : stripes) {
      n += s.size;
    }
    return (int) Math.min(n, Integer.MAX_VALUE);
  }

  /** Removes every entry, one stripe at a time. */
  public void clear() {
    for (Stripe s : stripes) {
      long stamp = s.lock.writeLock();
      try {
        s.table = new Table(INITIAL_CAPACITY);
        s.size = 0;
      } finally {
        s.lock.unlockWrite(stamp);
      }
    }
  }

  /** What an iteration returns: a key and its value. */
  public record Entry(long key, Object value) {}

  /**
   * The entries, one stripe at a time, each stripe copied under its read lock: weakly consistent,
   * an entry present throughout the iteration returned exactly once, and never an exception from
   * a concurrent change. Does not support remove().
   */
  public Iterator<Entry> iterator() {
    return new Iterator<>() {
      private int stripe;
      private long[] keys = new long[0];
      private Object[] values = new Object[0];
      private int next;
      private int count;

      @Override
      public boolean hasNext() {
        while (next == count) {
          if (stripe == STRIPES) {
            return false;
          }
          copy(stripes[stripe++]);
        }
        return true;
      }

      private void copy(Stripe s) {
        long stamp = s.lock.readLock();
        try {
          Table t = s.table;
          int n = s.size;
          if (keys.length < n) {
            keys = new long[n];
            values = new Object[n];
          }
          int k = 0;
          for (int j = 0; j < t.values.length; j++) {
            Object v = t.values[j];
            if (v != null) {
              keys[k] = t.keys[j];
              values[k++] = v;
            }
          }
          count = k;
          next = 0;
        } finally {
          s.lock.unlockRead(stamp);
        }
      }

      @Override
      public Entry next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Object v = values[next];
        values[next] = null; // the copy keeps no value alive past its turn
        return new Entry(keys[next++], v);
      }
    };
  }

  /** The slots of every stripe's table, for tests and footprint figures. */
  long capacity() {
    long n = 0;
    for (Stripe s : stripes) {
      long stamp = s.lock.readLock();
      try {
        n += s.table.values.length;
      } finally {
        s.lock.unlockRead(stamp);
      }
    }
    return n;
  }

  @Override
  public String toString() {
    return "LongKeyTable[size=" + size() + "]";
  }
}
