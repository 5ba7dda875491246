package io.inkv.store.internal.index;

import com.koloboke.collect.hash.HashConfig;
import com.koloboke.collect.impl.hash.QHash;
import com.koloboke.collect.map.IntLongCursor;
import com.koloboke.compile.KolobokeMap;
import com.koloboke.compile.hash.algo.openaddressing.QuadraticHashing;
import com.koloboke.function.IntLongConsumer;
import com.koloboke.function.IntLongPredicate;

/*
 * A primitive open-addressing hash map from a 32-bit key fingerprint to a 64-bit record address.
 * Koloboke Compile 0.5.1 generates the implementation, KolobokeAddressMap, into
 * target/generated-sources/annotations at build time; this module is compiled at --release 8 for
 * that reason, so Java 8 syntax only.
 *
 * Why int -> long, quadratic probing and these loads (docs/store.md, "The index"): the heap a
 * store needs to open is this table, and a 64-bit key beside a 64-bit value (16 bytes a slot) can
 * never come under 16 bytes an entry, since an open-addressing table always has free slots. The
 * caller (KeyIndex) already picks a stripe by the hash's top bits and always compares the full key
 * in the record, so the table needs only enough hash bits to make a false match rare: 32, plus the
 * stripe's. A slot is then 4 bytes of key and 8 of value, 12 bytes, in two arrays (Koloboke's
 * "separate" layout for keys and values of different widths). At a load between 3/4 and 9/10 an
 * entry costs 13.3 to 16 bytes. Linear probing needs a power-of-two capacity, so a table that grows
 * doubles and halves its load (to 0.45: 27 bytes an entry); quadratic probing takes a prime
 * capacity, so it grows by 1.18 from 9/10 back to just over 3/4.
 *
 * What the generated code does (read it there; it is about 900 lines):
 * - int[] set (keys) and long[] values of one prime capacity; HashConfig LOADS below.
 * - Slot: QHash.SeparateKVIntKeyMixing.mix(key) % capacity; then probes index - 1, + 1, - 4,
 *   + 4, - 9, ... (steps of 1, 3, 5, ... each way), wrapping around. A lookup ends at the key or
 *   at a free slot.
 * - Removal writes a "removed" key (a tombstone) into the slot; a put reuses tombstones, and a
 *   table with too few free slots is rehashed in place or grown.
 * - Free and removed slots hold two distinct key values chosen so no live key equals them (the
 *   generated constructor leaves them equal; withExpectedSize sets them apart); a put of one
 *   of them first picks a new one and rewrites the table: one O(capacity) scan. get/remove of
 *   either answer "absent" without probing. So every int is a valid key.
 * - Single-threaded by design. Plain fields, no fences; a modCount makes iteration fail fast.
 *
 * Hence a reader racing a writer can miss a present key, see a key with the value of another
 * entry, read a key array and a value array of two different tables, and, worst, never stop: the
 * probe loops have no bound, and after the free key changes a lookup of an absent key may find no
 * slot equal to the free key it read. getForOptimisticRead bounds the probe count by the capacity
 * and checks the value array's length for that reason; it is the only method that may run
 * concurrently with a writer, and its answer is valid only if the caller's optimistic read stamp
 * still validates afterwards.
 *
 * The value 0 is never a real record address, so 0 doubles as "absent" in the return values.
 */
/**
 * A primitive {@code int -> long} hash map from key fingerprints to record addresses.
 *
 * <p>Internal: not API. Not thread-safe, except {@link #getForOptimisticRead}. No method
 * boxes, and none allocates except {@link #put} (only when the table grows or is rebuilt) and
 * {@link #cursor} (one cursor per traversal).
 */
@KolobokeMap
@QuadraticHashing
public abstract class AddressMap {

    /**
     * The factor by which a full table grows: from a load of 9/10 to about 3/4 (a little more, as the new capacity is rounded up to a
     * prime).
     */
    public static final double GROWTH = 1.18;

    /**
     * The loads the table keeps: it grows by {@value #GROWTH} when it is 9/10 full, to 3/4, and is
     * sized at 4/5 for an expected size. 12 bytes a slot make 13.3 to 16 bytes an entry.
     */
    public static final HashConfig LOADS = HashConfig.fromLoads(0.75, 0.8, 0.9).withGrowthFactor(GROWTH);

    /** The smallest table made, in entries: 64, about 1 KiB. */
    static final int MIN_EXPECTED_SIZE = 64;

    /** The bytes one slot takes: an int key and a long value. */
    public static final int SLOT_BYTES = 12;

    /**
     * Returns a new, empty map sized to hold {@code expectedSize} entries without rehashing.
     *
     * @param expectedSize the number of entries the map is expected to hold
     * @return a new empty map
     * @throws IllegalArgumentException if {@code expectedSize} is negative
     */
    public static AddressMap withExpectedSize(int expectedSize) {
        if (expectedSize < 0) {
            throw new IllegalArgumentException("expected size must not be negative: " + expectedSize);
        }
        // Koloboke's prime capacities are sparse below 40 slots: for some sizes from 7 to 33 none
        // keeps a load in [3/4, 9/10] and its capacity chooser fails an assertion. 64 and up all do.
        KolobokeAddressMap map = new KolobokeAddressMap(LOADS, Math.max(expectedSize, MIN_EXPECTED_SIZE));
        // The generated constructor leaves the removed key equal to the free key (both 0); a put
        // of that key then moves the free key but not the removed one, and the key is never found
        // again. Any other value is safe while the table holds no tombstone.
        map.removedValue = map.freeValue + 1;
        return map;
    }

    /**
     * Returns the address mapped to {@code key}, or 0 if there is none.
     *
     * @param key the key fingerprint
     * @return the mapped address, or 0
     */
    public abstract long get(int key);

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
     * @param key the key fingerprint
     * @return the mapped address, or 0
     */
    public final long getForOptimisticRead(int key) {
        KolobokeAddressMap generated = (KolobokeAddressMap) this;
        int free = generated.freeValue;
        int removed = generated.removedValue;
        int[] keys = generated.set;
        long[] values = generated.values;
        if (key == free || key == removed) {
            return 0L;
        }
        int capacity = keys.length;
        if (values.length != capacity) {
            return 0L; // a table being replaced: the stamp will not validate
        }
        int index = QHash.SeparateKVIntKeyMixing.mix(key) % capacity;
        // The key and the value of the home slot are loaded together and both decide the branch,
        // so the two arrays' cache lines (and pages) are fetched at once. Loaded only where the
        // key matched, the value's miss waited for the key's whenever the branch was mispredicted,
        // and a lookup that finds its key beyond the home slot mispredicts. A present key's value
        // is never 0; a 0 beside a matching key is a torn view, and the probe below ends in the
        // stamp's failed validation.
        int current = keys[index];
        long value = values[index];
        if ((current == key) & (value != 0L)) {
            return value;
        }
        if (current == free) {
            return 0L;
        }
        int back = index;
        int forth = index;
        int step = 1;
        for (int probes = capacity; probes > 0; probes -= 2) {
            if ((back -= step) < 0) {
                back += capacity;
            }
            current = keys[back];
            if (current == key) {
                return values[back];
            }
            if (current == free) {
                return 0L;
            }
            if ((forth += step) >= capacity) {
                forth -= capacity;
            }
            current = keys[forth];
            if (current == key) {
                return values[forth];
            }
            if (current == free) {
                return 0L;
            }
            step += 2;
            if (step >= capacity) {
                step -= capacity; // keeps the arithmetic in range for a tiny table; Koloboke's own loop needs no bound
            }
        }
        return 0L;
    }

    /**
     * Returns the number of slots of the table, free ones included; for measuring the bytes an
     * entry costs.
     *
     * @return the table's capacity in slots
     */
    public final int slots() {
        return ((KolobokeAddressMap) this).set.length;
    }

    /**
     * Returns the address mapped to {@code key}, or {@code defaultValue} if there is none.
     *
     * @param key the key fingerprint
     * @param defaultValue the value to return when {@code key} is absent
     * @return the mapped address, or {@code defaultValue}
     */
    public abstract long getOrDefault(int key, long defaultValue);

    /**
     * Returns whether {@code key} is mapped.
     *
     * @param key the key fingerprint
     * @return {@code true} if the map holds {@code key}
     */
    public abstract boolean containsKey(int key);

    /**
     * Maps {@code key} to {@code value}.
     *
     * @param key the key fingerprint
     * @param value the record address, never 0
     * @return the address previously mapped to {@code key}, or 0 if there was none
     */
    public abstract long put(int key, long value);

    /**
     * Removes the mapping of {@code key}, if any.
     *
     * @param key the key fingerprint
     * @return the removed address, or 0 if {@code key} was absent
     */
    public abstract long remove(int key);

    /**
     * Maps {@code key} to {@code newValue} only if it is currently mapped to {@code oldValue}.
     *
     * @param key the key fingerprint
     * @param oldValue the address expected to be mapped to {@code key}
     * @param newValue the address to map {@code key} to
     * @return {@code true} if the mapping was replaced
     */
    public abstract boolean replace(int key, long oldValue, long newValue);

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
    public abstract void forEach(IntLongConsumer action);

    /**
     * Passes mappings to {@code predicate}, in table order, until it returns {@code false}.
     *
     * @param predicate receives each key and its address; returns {@code false} to stop
     * @return {@code true} if every mapping was visited
     * @throws java.util.ConcurrentModificationException if {@code predicate} changes the map
     */
    public abstract boolean forEachWhile(IntLongPredicate predicate);

    /**
     * Returns a cursor over the mappings, in table order.
     *
     * <p>The cursor is one allocation per traversal and none per entry; its {@code remove()}
     * removes the current mapping.
     *
     * @return a new cursor positioned before the first mapping
     */
    public abstract IntLongCursor cursor();
}
