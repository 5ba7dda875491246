package io.inkv.store;

import com.koloboke.collect.map.LongLongCursor;
import io.inkv.store.internal.index.AddressMap;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.StampedLock;

/*
 * The in-memory index: key hash -> record address, striped over 2^k Koloboke AddressMaps, each
 * guarded by a StampedLock used as a seqlock.
 *
 * Readers never write shared memory: a lookup takes tryOptimisticRead() (a volatile read of the
 * stripe's state), probes the map with getForOptimisticRead (bounded, tolerant of concurrent
 * mutation) and validate()s the stamp; only if a writer got in the way three times in a row does
 * it take the read lock. Writers (already holding the key's lock in LogStore) take the stripe's
 * write lock for the few hundred nanoseconds a put or remove takes.
 *
 * Collisions: the index is keyed by a 64-bit hash, and two keys can share one. The slot of such a
 * hash holds COLLIDED, and the stripe's overflow map holds an immutable array of the addresses of
 * every key with that hash; writers replace the array, readers check each address's key. The
 * caller (LogStore) always compares the full key in the record, so a hash match alone never
 * returns a value.
 *
 * Stripe choice uses the hash's top bits and Koloboke's slot choice its mixed low bits, so the two
 * stay independent. Addresses are (segmentId << 32 | offset); 0 and COLLIDED are never addresses.
 */
final class KeyIndex {
  static final long COLLIDED = 1L << 63;

  /** Tells whether the record at an address holds a given key. */
  interface KeyMatcher {
    boolean matches(long address, byte[] key);
  }

  private final Stripe[] stripes;
  private final int shift;

  KeyIndex(int stripeCount, long expectedEntries) {
    int n = Integer.highestOneBit(Math.max(1, stripeCount - 1)) << 1;
    if (stripeCount == 1) {
      n = 1;
    }
    stripes = new Stripe[n];
    int perStripe = (int) Math.min(Integer.MAX_VALUE / 2, Math.max(16, expectedEntries / n));
    for (int i = 0; i < n; i++) {
      stripes[i] = new Stripe(perStripe);
    }
    shift = 64 - Integer.numberOfTrailingZeros(n);
  }

  private Stripe stripe(long hash) {
    return stripes.length == 1 ? stripes[0] : stripes[(int) (hash >>> shift)];
  }

  int stripeCount() {
    return stripes.length;
  }

  /**
   * Returns the address stored for {@code hash}: 0 if none, a record address, or COLLIDED (then
   * ask {@link #bucket}).
   */
  long find(long hash) {
    Stripe s = stripe(hash);
    StampedLock lock = s.lock;
    for (int attempt = 0; attempt < 3; attempt++) {
      long stamp = lock.tryOptimisticRead();
      if (stamp == 0) {
        continue;
      }
      long value;
      try {
        value = s.map.getForOptimisticRead(hash);
      } catch (RuntimeException raced) {
        continue; // a torn view of a table being rebuilt; validate would fail anyway
      }
      if (lock.validate(stamp)) {
        return value;
      }
    }
    long stamp = lock.readLock();
    try {
      return s.map.get(hash);
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Returns the addresses of every key sharing a COLLIDED hash, or null if it no longer collides. */
  long[] bucket(long hash) {
    ConcurrentHashMap<Long, long[]> overflow = stripe(hash).overflow;
    return overflow == null ? null : overflow.get(hash);
  }

  /**
   * Maps {@code key} (hash {@code hash}) to {@code address}; returns the address it replaced for
   * the same key, or 0. The caller holds the key's lock.
   */
  long put(long hash, byte[] key, long address, KeyMatcher matcher) {
    Stripe s = stripe(hash);
    long stamp = s.lock.writeLock();
    try {
      long current = s.map.get(hash);
      if (current == 0) {
        s.map.put(hash, address);
        s.count++;
        return 0;
      }
      if (current != COLLIDED) {
        if (matcher.matches(current, key)) {
          s.map.put(hash, address);
          return current;
        }
        s.overflow().put(hash, new long[] {current, address});
        s.map.put(hash, COLLIDED);
        s.count++;
        return 0;
      }
      long[] bucket = s.overflow.get(hash);
      for (int i = 0; i < bucket.length; i++) {
        if (matcher.matches(bucket[i], key)) {
          long[] next = bucket.clone();
          next[i] = address;
          s.overflow.put(hash, next);
          return bucket[i];
        }
      }
      long[] next = Arrays.copyOf(bucket, bucket.length + 1);
      next[bucket.length] = address;
      s.overflow.put(hash, next);
      s.count++;
      return 0;
    } finally {
      s.lock.unlockWrite(stamp);
    }
  }

  /** Unmaps {@code key}; returns its address, or 0 if it was absent. The caller holds the key's lock. */
  long remove(long hash, byte[] key, KeyMatcher matcher) {
    Stripe s = stripe(hash);
    long stamp = s.lock.writeLock();
    try {
      long current = s.map.get(hash);
      if (current == 0) {
        return 0;
      }
      if (current != COLLIDED) {
        if (!matcher.matches(current, key)) {
          return 0;
        }
        s.map.remove(hash);
        s.count--;
        return current;
      }
      long[] bucket = s.overflow.get(hash);
      for (int i = 0; i < bucket.length; i++) {
        if (matcher.matches(bucket[i], key)) {
          removeFromBucket(s, hash, bucket, i);
          return bucket[i];
        }
      }
      return 0;
    } finally {
      s.lock.unlockWrite(stamp);
    }
  }

  private static void removeFromBucket(Stripe s, long hash, long[] bucket, int i) {
    if (bucket.length == 2) {
      s.map.put(hash, bucket[1 - i]);
      s.overflow.remove(hash);
    } else {
      long[] next = new long[bucket.length - 1];
      System.arraycopy(bucket, 0, next, 0, i);
      System.arraycopy(bucket, i + 1, next, i, bucket.length - i - 1);
      s.overflow.put(hash, next);
    }
    s.count--;
  }

  /** Replaces {@code oldAddress} with {@code newAddress} if the index still holds it; for compaction. */
  boolean replaceAddress(long hash, long oldAddress, long newAddress) {
    Stripe s = stripe(hash);
    long stamp = s.lock.writeLock();
    try {
      long current = s.map.get(hash);
      if (current == oldAddress) {
        s.map.put(hash, newAddress);
        return true;
      }
      if (current == COLLIDED) {
        long[] bucket = s.overflow.get(hash);
        for (int i = 0; i < bucket.length; i++) {
          if (bucket[i] == oldAddress) {
            long[] next = bucket.clone();
            next[i] = newAddress;
            s.overflow.put(hash, next);
            return true;
          }
        }
      }
      return false;
    } finally {
      s.lock.unlockWrite(stamp);
    }
  }

  /** Removes the mapping to {@code address} if the index still holds it; for expiry and eviction. */
  boolean removeAddress(long hash, long address) {
    Stripe s = stripe(hash);
    long stamp = s.lock.writeLock();
    try {
      long current = s.map.get(hash);
      if (current == address) {
        s.map.remove(hash);
        s.count--;
        return true;
      }
      if (current == COLLIDED) {
        long[] bucket = s.overflow.get(hash);
        for (int i = 0; i < bucket.length; i++) {
          if (bucket[i] == address) {
            removeFromBucket(s, hash, bucket, i);
            return true;
          }
        }
      }
      return false;
    } finally {
      s.lock.unlockWrite(stamp);
    }
  }

  /** Returns whether the index maps some key to {@code address}. */
  boolean holds(long hash, long address) {
    long current = find(hash);
    if (current == address) {
      return true;
    }
    if (current == COLLIDED) {
      long[] bucket = bucket(hash);
      if (bucket != null) {
        for (long a : bucket) {
          if (a == address) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** Adds a mapping while loading an image: no key comparison, a repeated hash becomes a bucket. */
  void load(long hash, long address) {
    Stripe s = stripe(hash);
    long current = s.map.get(hash);
    if (current == 0) {
      s.map.put(hash, address);
    } else if (current == COLLIDED) {
      long[] bucket = s.overflow.get(hash);
      long[] next = Arrays.copyOf(bucket, bucket.length + 1);
      next[bucket.length] = address;
      s.overflow.put(hash, next);
    } else {
      s.overflow().put(hash, new long[] {current, address});
      s.map.put(hash, COLLIDED);
    }
    s.count++;
  }

  long size() {
    long n = 0;
    for (Stripe s : stripes) {
      n += s.count;
    }
    return n;
  }

  void clear() {
    for (Stripe s : stripes) {
      long stamp = s.lock.writeLock();
      try {
        s.map.clear();
        if (s.overflow != null) {
          s.overflow.clear();
        }
        s.count = 0;
      } finally {
        s.lock.unlockWrite(stamp);
      }
    }
  }

  /**
   * Copies stripe {@code i}'s (hash, address) pairs, one pair per key, into a new array of
   * 2 * n longs, under the stripe's read lock.
   */
  long[] snapshot(int i) {
    Stripe s = stripes[i];
    long stamp = s.lock.readLock();
    try {
      long[] out = new long[s.count * 2];
      int n = 0;
      LongLongCursor c = s.map.cursor();
      while (c.moveNext()) {
        long hash = c.key();
        long value = c.value();
        if (value == COLLIDED) {
          for (long a : s.overflow.get(hash)) {
            out[n++] = hash;
            out[n++] = a;
          }
        } else {
          out[n++] = hash;
          out[n++] = value;
        }
      }
      return n == out.length ? out : Arrays.copyOf(out, n);
    } finally {
      s.lock.unlockRead(stamp);
    }
  }

  private static final class Stripe {
    final StampedLock lock = new StampedLock();
    final AddressMap map;
    /** Written under the write lock; read racily by size(). */
    int count;
    volatile ConcurrentHashMap<Long, long[]> overflow;

    Stripe(int expected) {
      map = AddressMap.withExpectedSize(expected);
    }

    ConcurrentHashMap<Long, long[]> overflow() {
      if (overflow == null) {
        overflow = new ConcurrentHashMap<>();
      }
      return overflow;
    }
  }
}
