package io.inkv.hibernate;

import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.hibernate.cache.spi.entry.CacheEntry;

/*
 * One region's reference entries: the entity instances Hibernate caches by reference
 * (hibernate.cache.use_reference_entries), held on the heap beside the region's store.
 *
 * With that setting on, Hibernate caches an immutable entity without associations (its rule:
 * not mutable, and no collection, entity or any-typed property in the hierarchy) as a
 * ReferenceCacheEntryImpl holding the entity instance itself, and on a hit uses that instance
 * as it is. Such an entry cannot be encoded (it holds the instance and Hibernate's persister,
 * neither of which has a byte form) and must not be: the point is that a hit is the very
 * instance, with no copy and no assembly.
 *
 * The design: the store stays the one truth of what the region holds, and a reference entry is
 * stored in it as a marker, 16 bytes naming the instance (the origin of this region storage, a
 * random long, and a sequence number); this class maps markers to instances. A get reads the
 * store as for any entry, and when it finds a marker returns the instance kept for it, or
 * nothing (a miss) if this JVM keeps none. So everything a region does to its entries it does to
 * reference entries too, through the one code path: the time to live and to idle, the capacity
 * bound (FIFO, counting markers as entries), soft locks and their timestamps (a read-write item
 * holds a marker as its value), invalidation, evict and evictAll, the element count and
 * Hibernate's hit, miss and put statistics. A marker that is gone from the store (evicted,
 * expired, removed, replaced) makes its instance unreachable at once, whatever this map still
 * holds: the map can only turn a store hit into an instance, never answer on its own.
 *
 * The alternative, a heap map or a by-reference inkv cache of instances beside the store, would
 * have needed each of those rules written a second time (and the soft-lock protocol decided
 * over two structures), with the two able to disagree after an eviction in one of them.
 *
 * What a marker means elsewhere. In a persistent region the markers survive a restart but the
 * instances do not; in a replicated region the markers reach the other nodes but the instances
 * do not. Either way a node finds markers it keeps no instance for: a read is a miss, Hibernate
 * loads the row, and the put that follows attaches the loaded instance to the marker already
 * there (adopt) instead of writing a new one, which would turn every other node's hit into a
 * miss. That is sound because the entity is immutable: the marker stands for the row as long as
 * it is in the store, and a delete removes it (on every node, in a replicated region). A read-write
 * region adopts only a marker whose item its transaction may read, as for any cached item.
 *
 * Memory. Instances whose markers left the store stay in the map until the next sweep, which
 * runs on a writing thread when the map has grown to twice its size after the previous sweep
 * (and at least MIN_SWEEP): it drops every instance whose marker is no longer its key's entry in
 * the store. So the map holds at most about twice the region's live reference entries, and a
 * sweep costs one store read per kept instance, amortized over as many puts. evictAll empties
 * the map at once; evicting one key forgets its instance at once.
 */
final class ReferenceEntries {
  private static final int MIN_SWEEP = 64;

  /** What the store holds in place of a reference entry: the name of the instance on the heap. */
  record Marker(long origin, long sequence) {}

  /** An instance, and the encoded key whose marker it stands behind. */
  private record Held(byte[] key, Object entry) {}

  private final long origin = UUID.randomUUID().getLeastSignificantBits();
  private final AtomicLong sequence = new AtomicLong();
  private final ConcurrentHashMap<Marker, Held> instances = new ConcurrentHashMap<>();
  private final AtomicLong sweepAt = new AtomicLong(MIN_SWEEP);
  private final AtomicBoolean sweeping = new AtomicBoolean();
  private final Function<byte[], Marker> markerInStore;

  /**
   * @param markerInStore reads a key's entry in the store and returns the marker it holds, or
   *     null (no entry, a lock, or a by-value entry)
   */
  ReferenceEntries(Function<byte[], Marker> markerInStore) {
    this.markerInStore = markerInStore;
  }

  /** Whether Hibernate hands over {@code value} by reference (an entity instance, not its state). */
  static boolean isReferenceEntry(Object value) {
    return value instanceof CacheEntry entry && entry.isReferenceEntry();
  }

  /** Keeps a reference entry of the key; returns the new marker to store for it. */
  Marker keep(byte[] key, Object entry) {
    if (instances.size() >= sweepAt.get()) {
      sweep();
    }
    Marker marker = new Marker(origin, sequence.incrementAndGet());
    instances.put(marker, new Held(key, entry));
    return marker;
  }

  /** Keeps {@code entry} as what an existing marker stands for, unless an instance is kept for it already. */
  void adopt(byte[] key, Marker marker, Object entry) {
    if (instances.size() >= sweepAt.get()) {
      sweep();
    }
    instances.putIfAbsent(marker, new Held(key, entry));
  }

  /** Returns the reference entry the key's marker stands for, or null if this JVM keeps none. */
  Object resolve(byte[] key, Marker marker) {
    Held held = instances.get(marker);
    return held != null && Arrays.equals(held.key(), key) ? held.entry() : null;
  }

  /** Forgets the instance behind a marker that left the store. */
  void forget(Marker marker) {
    if (marker != null) {
      instances.remove(marker);
    }
  }

  /** Forgets every instance (the store was cleared). */
  void clear() {
    instances.clear();
  }

  /** The number of instances held, including those whose markers left the store since the last sweep. */
  int size() {
    return instances.size();
  }

  /** Drops every instance whose marker is no longer its key's entry in the store. */
  void sweep() {
    if (!sweeping.compareAndSet(false, true)) {
      return; // another writer is sweeping
    }
    try {
      for (Map.Entry<Marker, Held> e : instances.entrySet()) {
        if (!e.getKey().equals(markerInStore.apply(e.getValue().key()))) {
          instances.remove(e.getKey(), e.getValue());
        }
      }
      sweepAt.set(Math.max(MIN_SWEEP, 2L * instances.size()));
    } finally {
      sweeping.set(false);
    }
  }
}
