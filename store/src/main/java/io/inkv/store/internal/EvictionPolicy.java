package io.inkv.store.internal;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * Which entry a bounded store or cache evicts next: a frequency-admitted FIFO (W-TinyLFU's
 * admission over queues that reads never reorder). Not API: shared by the store's {@code
 * Eviction} and the JCache provider's heap tiers.
 *
 * <p>Readers call {@link #recordAccess}, which takes no lock and writes no shared word with an
 * atomic; writers report each new key ({@link #recordInsert}) and each removal they make
 * ({@link #recordRemoval}); the one thread that evicts asks {@link #nextVictim} for the entry to
 * drop and drops it itself.
 */
public final class EvictionPolicy {
  /*
   * The design (docs/store.md, "Capacity and eviction", has the measurements behind it):
   *
   *   window   a FIFO of the newest keys, 1% to 20% of the entries, sized by a hill climber
   *   main     a FIFO of the keys admitted
   *   pending  keys pushed out of the window while the owner is full, waiting to be admitted
   *   sketch   the recent access counts of every key, resident or not (FrequencySketch)
   *
   * A new key joins the window; the key it pushes out joins the main queue while the owner has
   * room, and waits in pending once it is full. When an entry must go, the oldest pending key (the
   * candidate) meets the main queue's oldest (the victim): the candidate is admitted only if the
   * sketch has seen it at least twice more often than the victim; otherwise it is evicted, and
   * the victim goes round to the main queue's young end. So a key seen once (a scan) never
   * displaces one seen twice, a loop larger than the cache keeps the part of it that is in, and a
   * hot key that reaches the main queue's old end goes round again instead of out. The margin of
   * one is for loops: every key of a loop has the same count, but the halving rounds odd counts
   * down, so just after it a candidate is one ahead of a victim half the time; admitting on one
   * more evicted keys about to be asked for (6 points below Caffeine on a loop of twice the cache;
   * the margin puts it above). A candidate seen at least 6 times is also admitted once in 128 of
   * the other cases, by a seeded generator (so runs repeat), so that keys made to collide in the
   * sketch cannot pin the main queue.
   *
   * The window adapts (the hill climbing of Einziger, Eytan, Friedman and Manes, "Adaptive
   * Software Cache Management", changed for FIFO queues): after every sample of ten accesses per
   * entry, taken while the owner is full, the hit ratio of the sample is compared with the last
   * one. Misses of keys the sketch has never seen (a first access, a scan) are left out of it: no
   * window size can hit them, and a periodic scan otherwise swings the ratio far more than the
   * window does. A rise keeps the window moving the way it went, a fall turns it round, and a
   * change within three standard deviations of the sampling noise is no signal: the window then
   * shrinks, because over queues that reads do not reorder a larger window only delays admission
   * unless recency pays. The step starts at 6.25% of the entries and decays by 2% a sample to no
   * less than 1%, so the window keeps following a workload that changes. Shrinking moves the
   * keys in excess to the main queue, not to pending: pending is resident too, and a backlog
   * there would keep the larger window in effect. Only the writers' lock guards it all; the hit
   * count is the sum of the readers' stripe counters, which reads already kept.
   *
   * No read moves a key in a queue (an LRU needs that, and a lock or a buffer with it); reads only
   * count, in the sketch, and the main queue rotates at eviction, each comparison moving its hand
   * one key: a CLOCK whose reference bit is the sketch's count.
   *
   * Removals are lazy: a removed key stays in its queue until it comes up, and the owner, seeing
   * it absent, asks again. When the removed outnumber half the queued the queues are swept.
   *
   * Threads: the queues, the window's size and the sketch's ageing are guarded by a lock that
   * only writers take, for a few dozen nanoseconds per new key, and never while the owner holds a
   * key lock it waits on. Reads count accesses in per-thread-stripe counters, each alone on a
   * 128-byte span, written with plain stores; the sum is read by writers for the ageing period
   * and the hit ratio's samples.
   */
  private static final double WINDOW_MIN = 0.01;
  private static final double WINDOW_MAX = 0.20;
  private static final double STEP = 0.0625;
  private static final double STEP_MIN = 0.01;
  private static final double STEP_DECAY = 0.98;
  private static final double SIGNIFICANT = 3;
  private static final int SAMPLE_PER_ENTRY = 10;
  private static final int ADMISSION_MARGIN = 1;
  private static final int WARM_CANDIDATE = 6;
  private static final int PAD = 16;

  /** The entry {@link #nextVictim} chose: its key's hash and, for queues of objects, the key. */
  public static final class Victim {
    private long hash;
    private Object key;

    /** The hash of the key to evict. */
    public long hash() {
      return hash;
    }

    /** The key to evict, for a policy made to keep keys; null otherwise. */
    public Object key() {
      return key;
    }
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final FrequencySketch sketch;
  private final Ring window;
  private final Ring main;
  private final Ring pending;
  private final long[] reads;
  private final int readMask;
  private long inserts;
  private long removalsAtSweep;
  private long lastAgeing;
  private long random = 0x2545F4914F6CDD1DL;
  private double windowShare = WINDOW_MIN;
  private double step = STEP;
  private double previousHitRate = -1;
  private long sampleStart;
  private long sampleInserts;
  private long coldInserts;
  private long sampleCold;
  private final LongAdder removed = new LongAdder();

  /**
   * A policy for about {@code expectedEntries} entries (its sketch grows if the entries outgrow
   * it), keeping each key's object beside its hash if {@code keepsKeys}.
   */
  public EvictionPolicy(long expectedEntries, boolean keepsKeys) {
    sketch = new FrequencySketch(Math.max(64, expectedEntries));
    window = new Ring(keepsKeys);
    main = new Ring(keepsKeys);
    pending = new Ring(keepsKeys);
    int n = Integer.highestOneBit(Math.max(4, Runtime.getRuntime().availableProcessors() * 4) - 1) << 1;
    reads = new long[(n + 1) * PAD];
    readMask = n - 1;
  }

  private static int slot(int mask) {
    long id = Thread.currentThread().getId();
    int h = (int) (id ^ (id >>> 16)) * 0x9E3779B9;
    return ((h >>> 16) & mask) * PAD + PAD;
  }

  /**
   * Counts a read of the key with {@code hash}: a plain increment of this thread's stripe counter
   * and of the key's counters in the sketch. No lock, no atomic.
   */
  public void recordAccess(long hash) {
    int s = slot(readMask);
    reads[s]++;
    sketch.increment(hash);
  }

  private long accesses() {
    long n = inserts;
    long[] r = reads;
    for (int i = PAD; i < r.length; i += PAD) {
      n += r[i];
    }
    return n;
  }

  /**
   * Adds a key just written for the first time (or again after it was removed) to the young end
   * of the window, and counts the write as an access of it; {@code full} says whether the owner
   * is now over its bound. The keys this pushes out of the window join the main queue directly
   * while the owner has room, and wait to be admitted (or not) by {@link #nextVictim} once it is
   * full.
   */
  public void recordInsert(long hash, Object key, boolean full) {
    lock.lock();
    try {
      inserts++;
      if (sketch.increment(hash) == 0) {
        coldInserts++;
      }
      window.add(hash, key);
      long size = window.size + main.size + pending.size;
      if (full) {
        adapt(size);
      }
      long windowMax = (long) (windowShare * size);
      while (window.size > windowMax + 1) {
        window.moveFirstTo(main);
      }
      if (window.size > windowMax) {
        window.moveFirstTo(full ? pending : main);
      }
      if (size > 2L * sketch.capacity()) {
        sketch.resize(size);
      }
      long accesses = accesses();
      long sample = Math.max(1024, 10 * size);
      if (accesses - lastAgeing >= sample) {
        sketch.halve();
        lastAgeing = accesses;
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Ends a sample period once it has seen ten accesses per entry, and moves the window's share by
   * the change in the sample's hit ratio (see the class comment).
   */
  private void adapt(long size) {
    long accesses = accesses();
    long n = accesses - sampleStart;
    if (n < Math.max(512, SAMPLE_PER_ENTRY * size)) {
      return;
    }
    long warm = n - (coldInserts - sampleCold);
    long misses = inserts - sampleInserts - (coldInserts - sampleCold);
    sampleStart = accesses;
    sampleInserts = inserts;
    sampleCold = coldInserts;
    if (warm <= 0) {
      return;
    }
    double hitRate = 1.0 - (double) misses / warm;
    if (previousHitRate < 0) {
      previousHitRate = hitRate;
      return;
    }
    double change = hitRate - previousHitRate;
    previousHitRate = hitRate;
    double noise = SIGNIFICANT * Math.sqrt(2 * Math.max(hitRate * (1 - hitRate), 0.01) / warm);
    double amount;
    if (change > noise) {
      amount = step;
    } else if (change < -noise) {
      amount = -step;
    } else {
      amount = -Math.abs(step);
    }
    step = STEP_DECAY * Math.copySign(Math.max(Math.abs(step), STEP_MIN), amount);
    windowShare = Math.max(WINDOW_MIN, Math.min(WINDOW_MAX, windowShare + amount));
  }

  /**
   * Notes that the owner removed an entry (a delete, an expiry, a clear of one key); the queues
   * forget it lazily. Writers may call it concurrently.
   */
  public void recordRemoval() {
    removed.increment();
  }

  /**
   * Chooses the next entry to evict and takes it out of the queues; returns false if the queues
   * are empty. The chosen key may have been removed already (removals are lazy): the caller then
   * asks again. Called by one evicting thread at a time, holding no key lock.
   */
  public boolean nextVictim(Victim out) {
    lock.lock();
    try {
      while (pending.size > 0) {
        if (main.size == 0) {
          pending.moveFirstTo(main);
          continue;
        }
        int fc = sketch.frequency(pending.peekHash());
        int fv = sketch.frequency(main.peekHash());
        if (admit(fc, fv)) {
          main.pollInto(out);
          pending.moveFirstTo(main);
        } else {
          pending.pollInto(out);
          main.moveFirstTo(main);
        }
        return true;
      }
      if (main.size > 0) {
        main.pollInto(out);
        return true;
      }
      if (window.size > 0) {
        window.pollInto(out);
        return true;
      }
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** Puts back, at the main queue's young end, a victim the owner could not evict just now. */
  public void requeue(Victim v) {
    lock.lock();
    try {
      main.add(v.hash, v.key);
      v.key = null;
    } finally {
      lock.unlock();
    }
  }

  private boolean admit(int candidate, int victim) {
    if (candidate > victim + ADMISSION_MARGIN) {
      return true;
    }
    if (candidate >= WARM_CANDIDATE) {
      random ^= random << 13;
      random ^= random >>> 7;
      random ^= random << 17;
      return (random & 127) == 0;
    }
    return false;
  }

  /**
   * Drops from the queues every key for which {@code resident} is false, and every repeat of a
   * key, if the removals since the last sweep outnumber the keys queued; {@code resident} gets
   * the key's hash, and for a policy that keeps keys, the key.
   */
  public void sweepIfNeeded(Predicate<Victim> resident) {
    long r = removed.sum();
    lock.lock();
    try {
      long queued = window.size + main.size + pending.size;
      if (r - removalsAtSweep <= queued / 2 + 64) {
        return;
      }
      removalsAtSweep = r;
      Set<Object> seen = new HashSet<>();
      Victim v = new Victim();
      main.retain(resident, seen, v);
      pending.retain(resident, seen, v);
      window.retain(resident, seen, v);
    } finally {
      lock.unlock();
    }
  }

  /** Forgets every key (a clear); the sketch keeps its counts. */
  public void clear() {
    lock.lock();
    try {
      window.clear();
      main.clear();
      pending.clear();
    } finally {
      lock.unlock();
    }
  }

  /** The number of keys queued, removed ones not yet swept included. */
  public long queued() {
    lock.lock();
    try {
      return window.size + main.size + pending.size;
    } finally {
      lock.unlock();
    }
  }

  /** The window's current share of the queued keys, 0.01 to 0.20 (for tests). */
  public double windowShare() {
    lock.lock();
    try {
      return windowShare;
    } finally {
      lock.unlock();
    }
  }

  /** The sketch's estimate for {@code hash} (for tests). */
  public int frequency(long hash) {
    return sketch.frequency(hash);
  }

  /** A growable circular queue of (hash, key) pairs; the key array only if the policy keeps keys. */
  private static final class Ring {
    private long[] hashes = new long[16];
    private Object[] keys;
    private int head;
    private long size;

    Ring(boolean keepsKeys) {
      keys = keepsKeys ? new Object[16] : null;
    }

    void add(long hash, Object key) {
      if (size == hashes.length) {
        grow();
      }
      int at = (int) ((head + size) & (hashes.length - 1));
      hashes[at] = hash;
      if (keys != null) {
        keys[at] = key;
      }
      size++;
    }

    private void grow() {
      int n = hashes.length;
      long[] h = new long[n * 2];
      Object[] k = keys == null ? null : new Object[n * 2];
      for (int i = 0; i < n; i++) {
        int from = (head + i) & (n - 1);
        h[i] = hashes[from];
        if (k != null) {
          k[i] = keys[from];
        }
      }
      hashes = h;
      keys = k;
      head = 0;
    }

    long peekHash() {
      return hashes[head];
    }


    void pollInto(Victim out) {
      out.hash = hashes[head];
      if (keys != null) {
        out.key = keys[head];
        keys[head] = null;
      }
      head = (head + 1) & (hashes.length - 1);
      size--;
    }

    void moveFirstTo(Ring to) {
      long h = hashes[head];
      Object k = null;
      if (keys != null) {
        k = keys[head];
        keys[head] = null;
      }
      head = (head + 1) & (hashes.length - 1);
      size--;
      to.add(h, k);
    }

    void retain(Predicate<Victim> resident, Set<Object> seen, Victim v) {
      long n = size;
      for (long i = 0; i < n; i++) {
        int at = head;
        v.hash = hashes[at];
        v.key = keys == null ? null : keys[at];
        head = (head + 1) & (hashes.length - 1);
        size--;
        if (keys != null) {
          keys[at] = null;
        }
        Object identity = keys == null ? (Object) v.hash : v.key;
        if (resident.test(v) && seen.add(identity)) {
          add(v.hash, v.key);
        }
      }
      v.key = null;
    }

    void clear() {
      java.util.Arrays.fill(hashes, 0);
      if (keys != null) {
        java.util.Arrays.fill(keys, null);
      }
      head = 0;
      size = 0;
    }
  }
}
