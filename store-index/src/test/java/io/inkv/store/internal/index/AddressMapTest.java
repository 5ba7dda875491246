package io.inkv.store.internal.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.koloboke.collect.map.LongLongCursor;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class AddressMapTest {

    private static final long[] EDGE_KEYS = {0L, -1L, 1L, Long.MIN_VALUE, Long.MAX_VALUE};
    private static final int OPERATIONS = 100_000;

    @Test
    void emptyMapReportsZeroForEveryKey() {
        AddressMap map = AddressMap.withExpectedSize(0);
        for (long key : EDGE_KEYS) {
            assertEquals(0L, map.get(key));
            assertEquals(0L, map.getForOptimisticRead(key));
            assertEquals(7L, map.getOrDefault(key, 7L));
            assertFalse(map.containsKey(key));
            assertEquals(0L, map.remove(key));
            assertFalse(map.replace(key, 0L, 1L));
        }
        assertEquals(0, map.size());
    }

    @Test
    void edgeKeysAreOrdinaryKeys() {
        AddressMap map = AddressMap.withExpectedSize(4);
        long value = 100;
        for (long key : EDGE_KEYS) {
            assertEquals(0L, map.put(key, ++value));
        }
        assertEquals(EDGE_KEYS.length, map.size());
        value = 100;
        for (long key : EDGE_KEYS) {
            assertEquals(++value, map.get(key));
            assertEquals(value, map.getForOptimisticRead(key));
        }
        for (long key : EDGE_KEYS) {
            assertTrue(map.replace(key, map.get(key), -map.get(key)));
        }
        for (long key : EDGE_KEYS) {
            long removed = map.remove(key);
            assertTrue(removed < 0, "removed " + removed);
            assertEquals(0L, map.get(key));
        }
        assertEquals(0, map.size());
    }

    @Test
    void randomOperationsMatchHashMap() {
        SplittableRandom random = new SplittableRandom(0x1d3a_5eedL);
        AddressMap map = AddressMap.withExpectedSize(16);
        Map<Long, Long> model = new HashMap<>();
        long[] keys = new long[4096];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = i < EDGE_KEYS.length ? EDGE_KEYS[i] : random.nextLong();
        }

        for (int i = 0; i < OPERATIONS; i++) {
            long key = random.nextInt(8) == 0 ? random.nextLong() : keys[random.nextInt(keys.length)];
            long value = random.nextLong() | 1L;
            long expected = model.getOrDefault(key, 0L);
            switch (random.nextInt(6)) {
                case 0:
                case 1:
                    assertEquals(expected, map.put(key, value), "put");
                    model.put(key, value);
                    break;
                case 2:
                    assertEquals(expected, map.remove(key), "remove");
                    model.remove(key);
                    break;
                case 3: {
                    long old = random.nextBoolean() ? expected : value;
                    boolean replaced = model.containsKey(key) && model.get(key) == old;
                    assertEquals(replaced, map.replace(key, old, value), "replace");
                    if (replaced) {
                        model.put(key, value);
                    }
                    break;
                }
                default:
                    assertEquals(expected, map.get(key), "get");
                    assertEquals(expected, map.getForOptimisticRead(key), "getForOptimisticRead");
                    assertEquals(model.containsKey(key), map.containsKey(key), "containsKey");
            }
            assertEquals(model.size(), map.size(), "size");
            if (i % 20_000 == 0) {
                assertSameContents(model, map);
            }
        }
        assertSameContents(model, map);

        map.clear();
        assertEquals(0, map.size());
        for (long key : keys) {
            assertEquals(0L, map.get(key));
        }
    }

    @Test
    void iterationVisitsEveryEntryOnce() {
        AddressMap map = AddressMap.withExpectedSize(1000);
        Map<Long, Long> model = new HashMap<>();
        SplittableRandom random = new SplittableRandom(42);
        for (long key : EDGE_KEYS) {
            map.put(key, key ^ 0x5555L | 1L);
            model.put(key, key ^ 0x5555L | 1L);
        }
        for (int i = 0; i < 1000; i++) {
            long key = random.nextLong();
            map.put(key, i + 1L);
            model.put(key, i + 1L);
        }

        long[] visited = {0};
        assertFalse(map.forEachWhile((key, address) -> ++visited[0] < 10));
        assertEquals(10, visited[0]);

        Map<Long, Long> viaCursor = new HashMap<>();
        for (LongLongCursor cursor = map.cursor(); cursor.moveNext(); ) {
            if (cursor.key() % 2 == 0) {
                cursor.remove();
            } else {
                viaCursor.put(cursor.key(), cursor.value());
            }
        }
        model.keySet().removeIf(key -> key % 2 == 0);
        assertEquals(model, viaCursor);
        assertSameContents(model, map);
    }

    /*
     * The generated lookups probe until they meet the key or the free key they read on entry.
     * When a writer changes the free key under them, a lookup of an absent key never meets it
     * and spins for ever (seen here: a reader in get() still spinning 10 s after such a writer
     * stopped). This writer forces that: it puts the current free key over and over, and grows
     * and clears the table in between.
     */
    @Test
    void optimisticReadsReturnWhileAWriterChangesTheFreeKeyAndRehashes() {
        KolobokeAddressMap map = (KolobokeAddressMap) AddressMap.withExpectedSize(4);
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            SplittableRandom random = new SplittableRandom(7);
            try {
                for (int round = 0; round < 50; round++) {
                    for (int i = 0; i < 2_000; i++) {
                        map.put(random.nextLong(), i + 1L);
                        long free = map.freeValue;
                        map.put(free, 1L);
                        map.remove(free);
                    }
                    map.clear();
                }
            } finally {
                writing.set(false);
            }
        }, "address-map-writer");

        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
            writer.start();
            SplittableRandom random = new SplittableRandom(11);
            long reads = 0;
            while (writing.get()) {
                map.getForOptimisticRead(random.nextLong());
                reads++;
            }
            writer.join();
            assertTrue(reads > 0);
        });
    }

    private static void assertSameContents(Map<Long, Long> model, AddressMap map) {
        assertEquals(model.size(), map.size());
        Map<Long, Long> seen = new HashMap<>();
        map.forEach((key, address) -> assertEquals(null, seen.put(key, address), "duplicate key"));
        assertEquals(model, seen);
    }
}
