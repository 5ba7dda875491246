package io.inkv.store.internal.index;

import com.koloboke.collect.impl.hash.LHash;
import com.koloboke.collect.map.LongLongCursor;
import com.koloboke.compile.KolobokeMap;
import com.koloboke.function.LongLongConsumer;
import com.koloboke.function.LongLongPredicate;

/*
 * A primitive open-addressing hash map from a 64-bit key hash to a record address. Koloboke
 * Compile 0.5.1 generates the implementation, KolobokeAddressMap, into
 * target/generated-sources/annotations at build time; this module is compiled at --release 8 for
 * that reason, so Java 8 syntax only.
 *
 * What the generated code does (read it there; it is about 700 lines):
 * - One long[] of 2 * capacity slots, key at an even index and its value beside it; capacity is a
 *   power of two; default HashConfig: load 1/3 min, 1/2 target, 2/3 max, growth factor 2.
 * - Hash: h = key * 0x9E3779B97F4A7C15L; h ^= h >> 32; h ^= h >> 16; then (int) h,
 *   masked to an even slot (LHash.ParallelKVLongKeyMixing).
 * - Linear probing, stepping backwards two longs at a time; a lookup ends only at the key or at a
 *   free slot. Removal is backward-shift deletion: no tombstones, later entries of the cluster are
 *   moved into the hole, key first, then value.
 * - Free slots hold a "free" key, a field that starts at 0. A put of the key equal to it (the
 *   first put of key 0, for instance) picks a random new free key not in the map and rewrites
 *   every free slot: one O(capacity) scan. From then on rehash and clear fill new tables with it.
 *   get/remove of the free key answer "absent" without probing. So every long is a valid key.
 * - Single-threaded by design. Plain fields, no fences; a modCount makes iteration fail fast.
 *
 * Hence a reader racing a writer can miss a present key (shifted past it), see a key with the
 * value of another entry, read a table that a rehash has not filled yet, and, worst, never stop:
 * the probe loops have no bound, and after the free key changes, or in a table whose fill is not
 * yet visible, a lookup of an absent key may find no slot equal to the free key it read.
 * getForOptimisticRead bounds the probe count by the capacity for that reason; it is the only
 * method that may run concurrently with a writer, and its answer is valid only if the caller's
 * optimistic read stamp still validates afterwards.
 *
 * The value 0 is never a real record address, so 0 doubles as "absent" in the return values.
 */
/**
 * A primitive {@code long -> long} hash map from key hashes to record addresses.
 *
 * <p>Internal: not API. Not thread-safe, except {@link #getForOptimisticRead}. No method
 * boxes, and none allocates except {@link #put} (only when the table grows) and {@link #cursor}
 * (one cursor per traversal).
 */
@KolobokeMap
public abstract class AddressMap {

    /**
     * Returns a new, empty map sized to hold {@code expectedSize} entries without rehashing.
     *
     * @param expectedSize the number of entries the map is expected to hold
     * @return a new empty map
     * @throws IllegalArgumentException if {@code expectedSize} is negative
     */
    public static AddressMap withExpectedSize(int expectedSize) {
        return new KolobokeAddressMap(expectedSize);
    }

    /**
     * Returns the address mapped to {@code key}, or 0 if there is none.
     *
     * @param key the key hash
     * @return the mapped address, or 0
     */
    public abstract long get(long key);

    /**
     * Returns the address mapped to {@code key}, or 0, in a bounded number of steps even while
     * another thread mutates the map.
     *
     * <p>Concurrently with a writer the answer may be wrong: a key that is present may be
     * reported absent, and a value may belong to another key. The caller must discard the answer
     * unless the optimistic read that encloses this call still validates afterwards (for example
     * {@link java.util.concurrent.locks.StampedLock#validate}, whose load fence orders the plain
     * reads here before it). Without a concurrent writer the answer equals {@link #get}'s.
     *
     * @param key the key hash
     * @return the mapped address, or 0
     */
    public final long getForOptimisticRead(long key) {
        KolobokeAddressMap generated = (KolobokeAddressMap) this;
        long free = generated.freeValue;
        long[] table = generated.table;
        if (key == free) {
            return 0L;
        }
        int capacityMask = table.length - 2;
        int index = LHash.ParallelKVLongKeyMixing.mix(key) & capacityMask;
        for (int probes = table.length >> 1; probes > 0; probes--) {
            long current = table[index];
            if (current == key) {
                return table[index + 1];
            }
            if (current == free) {
                return 0L;
            }
            index = (index - 2) & capacityMask;
        }
        return 0L;
    }

    /**
     * Returns the address mapped to {@code key}, or {@code defaultValue} if there is none.
     *
     * @param key the key hash
     * @param defaultValue the value to return when {@code key} is absent
     * @return the mapped address, or {@code defaultValue}
     */
    public abstract long getOrDefault(long key, long defaultValue);

    /**
     * Returns whether {@code key} is mapped.
     *
     * @param key the key hash
     * @return {@code true} if the map holds {@code key}
     */
    public abstract boolean containsKey(long key);

    /**
     * Maps {@code key} to {@code value}.
     *
     * @param key the key hash
     * @param value the record address, never 0
     * @return the address previously mapped to {@code key}, or 0 if there was none
     */
    public abstract long put(long key, long value);

    /**
     * Removes the mapping of {@code key}, if any.
     *
     * @param key the key hash
     * @return the removed address, or 0 if {@code key} was absent
     */
    public abstract long remove(long key);

    /**
     * Maps {@code key} to {@code newValue} only if it is currently mapped to {@code oldValue}.
     *
     * @param key the key hash
     * @param oldValue the address expected to be mapped to {@code key}
     * @param newValue the address to map {@code key} to
     * @return {@code true} if the mapping was replaced
     */
    public abstract boolean replace(long key, long oldValue, long newValue);

    /**
     * Returns the number of mappings.
     *
     * @return the number of mappings
     */
    public abstract int size();

    /** Removes every mapping, keeping the table's capacity. */
    public abstract void clear();

    /**
     * Passes every mapping to {@code action}, in table order.
     *
     * @param action receives each key and its address
     * @throws java.util.ConcurrentModificationException if {@code action} changes the map
     */
    public abstract void forEach(LongLongConsumer action);

    /**
     * Passes mappings to {@code predicate}, in table order, until it returns {@code false}.
     *
     * @param predicate receives each key and its address; returns {@code false} to stop
     * @return {@code true} if every mapping was visited
     * @throws java.util.ConcurrentModificationException if {@code predicate} changes the map
     */
    public abstract boolean forEachWhile(LongLongPredicate predicate);

    /**
     * Returns a cursor over the mappings, in table order.
     *
     * <p>The cursor is one allocation per traversal and none per entry; its {@code remove()}
     * removes the current mapping.
     *
     * @return a new cursor positioned before the first mapping
     */
    public abstract LongLongCursor cursor();
}
