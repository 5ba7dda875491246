package io.inkv.store;

import static io.inkv.store.StoreTesting.bytes;
import static io.inkv.store.StoreTesting.key;
import static io.inkv.store.StoreTesting.string;
import static io.inkv.store.StoreTesting.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Expired entries are never returned, their expiry survives reopen, and their space is reclaimed. */
@ExtendWith(StoreResourceCheck.class)
class ExpiryTest {
  private static final long T0 = 1_700_000_000_000L;

  @TempDir Path dir;

  private final AtomicLong now = new AtomicLong(T0);
  private final Map<String, RemovalListener.Cause> removed = new ConcurrentHashMap<>();
  private final Map<String, String> removedValues = new ConcurrentHashMap<>();
  private Store store;

  private StoreOptions.Builder options() {
    return StoreOptions.builder(dir.resolve("store")).segmentSize(StoreOptions.MIN_SEGMENT_SIZE)
        .backgroundMaintenance(false).clock(now::get)
        .removalListener((k, v, cause) -> {
          removed.put(string(k), cause);
          removedValues.put(string(k), string(v));
        });
  }

  private Store open(StoreOptions.Builder options) {
    store = options.open();
    return store;
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void anUpdateMeetingAnExpiredEntryHearsOfItBeforeItRunsAndCanReportItItself() {
    Store s = open(options());
    s.put(bytes("a"), bytes("old-a"), T0 + 10);
    s.put(bytes("b"), bytes("old-b"), T0 + 10);
    now.set(T0 + 10);
    List<String> order = new java.util.ArrayList<>();
    class Recording implements EntryUpdate<Void> {
      private final boolean reportsItself;

      Recording(boolean reportsItself) {
        this.reportsItself = reportsItself;
      }

      @Override
      public boolean expired(byte[] value, long expireAt) {
        order.add("expired " + string(value) + " at " + (expireAt - T0));
        return reportsItself;
      }

      @Override
      public Void apply(EntryUpdate.Current current, EntryUpdate.Writer writer) {
        order.add("apply " + (current == null ? "absent" : string(current.value())));
        writer.put(bytes("new"), Store.NEVER);
        return null;
      }
    }
    s.update(bytes("a"), new Recording(true));
    assertEquals(List.of("expired old-a at 10", "apply absent"), order);
    assertFalse(removed.containsKey("a"), "the update reported the expiry, so the listener is not told too");
    order.clear();
    s.update(bytes("b"), new Recording(false));
    assertEquals(List.of("expired old-b at 10", "apply absent"), order);
    assertEquals(RemovalListener.Cause.EXPIRED, removed.get("b"));
    assertEquals(2, s.stats().expirations());
    assertEquals("new", string(s.get(bytes("a"))));
  }

  @Test
  void anExpiredEntryIsReturnedByNoRead() {
    Store s = open(options());
    s.put(bytes("short"), bytes("v"), T0 + 1000);
    s.put(bytes("long"), bytes("w"), T0 + 5000);
    assertEquals("v", string(s.get(bytes("short"))));
    now.set(T0 + 1000); // expiry is inclusive: at the expiry time the entry is gone

    assertNull(s.get(bytes("short")));
    assertEquals("w", string(s.get(bytes("long"))));
    ValueView view = new ValueView();
    assertFalse(s.get(bytes("short"), view));
    assertFalse(s.containsKey(bytes("short")));
    assertEquals(-1, s.expireAt(bytes("short")));
    byte[][] all = s.getAll(List.of(bytes("short"), bytes("long")));
    assertNull(all[0]);
    assertEquals("w", string(all[1]));
    assertEquals(Set.of(Arrays.toString(bytes("long"))), StoreTesting.contents(s).keySet());
    Boolean sawNull = s.update(bytes("short"), (current, writer) -> current == null);
    assertTrue(sawNull);
    assertFalse(s.remove(bytes("short")), "removing an expired entry reports it absent");
  }

  @Test
  void theIteratorSkipsExpiredEntriesWithoutADropFirst() {
    Store s = open(options());
    for (int i = 0; i < 100; i++) {
      s.put(key(i), bytes("v" + i), i % 2 == 0 ? T0 + 10 : Store.NEVER);
    }
    now.set(T0 + 10);
    Map<String, byte[]> seen = StoreTesting.contents(s);
    assertEquals(50, seen.size());
    s.iterator().forEachRemaining(e -> assertEquals(1, e.key()[e.key().length - 1] % 2, string(e.key())));
  }

  @Test
  void setExpiryChangesTheExpiryInPlaceAndItSurvivesReopen() {
    Store s = open(options());
    s.put(bytes("k"), bytes("v"));
    StoreStats before = s.stats();
    assertTrue(s.setExpiry(bytes("k"), T0 + 500));
    assertEquals(T0 + 500, s.expireAt(bytes("k")));
    assertEquals(before.liveBytes(), s.stats().liveBytes(), "no new record was written");
    assertEquals(before.garbageBytes(), s.stats().garbageBytes(), "no new record was written");
    assertFalse(s.setExpiry(bytes("absent"), T0 + 500));
    s.close();

    Store reopened = open(options());
    assertEquals(T0 + 500, reopened.expireAt(bytes("k")));
    assertTrue(reopened.setExpiry(bytes("k"), Store.NEVER));
    reopened.close();
    Store again = open(options());
    assertEquals(Store.NEVER, again.expireAt(bytes("k")));
    now.set(T0 + 10_000);
    assertEquals("v", string(again.get(bytes("k"))));
  }

  @Test
  void setExpiryToAPastTimeRemovesTheKey() {
    Store s = open(options());
    s.put(bytes("k"), bytes("v"));
    assertTrue(s.setExpiry(bytes("k"), T0 - 1));
    assertNull(s.get(bytes("k")));
    assertEquals(0, s.size());
    s.close();
    assertNull(open(options()).get(bytes("k")));
  }

  @Test
  void aPutWithAPastExpiryRemovesTheKey() {
    Store s = open(options());
    s.put(bytes("k"), bytes("v"));
    s.put(bytes("k"), bytes("w"), T0 - 1);
    assertNull(s.get(bytes("k")));
    assertEquals(0, s.size());
    s.put(bytes("fresh"), bytes("w"), T0);
    assertNull(s.get(bytes("fresh")), "an expiry equal to now is already past");
    s.close();
    Store reopened = open(options());
    assertNull(reopened.get(bytes("k")));
    assertEquals(0, reopened.size());
  }

  @Test
  void anEntryThatExpiredWhileClosedIsGoneAfterReopen() {
    Store s = open(options());
    s.put(bytes("k"), bytes("v"), T0 + 100);
    s.put(bytes("stays"), bytes("w"));
    s.close();
    now.set(T0 + 100);
    Store reopened = open(options());
    assertNull(reopened.get(bytes("k")));
    assertEquals("w", string(reopened.get(bytes("stays"))));
  }

  @Test
  void aReaderThatMeetsAnExpiredEntryTellsTheListenerExpired() {
    Store s = open(options());
    s.put(bytes("k"), bytes("v"), T0 + 100);
    now.set(T0 + 200);
    assertNull(s.get(bytes("k")));
    assertEquals(RemovalListener.Cause.EXPIRED, removed.get("k"));
    assertEquals("v", removedValues.get("k"));
    assertEquals(1, s.stats().expirations());
    assertEquals(0, s.size());
  }

  @Test
  void updateOfAnExpiredEntryTellsTheListenerExpiredAndSeesNull() {
    Store s = open(options());
    s.put(bytes("k"), bytes("v"), T0 + 100);
    now.set(T0 + 200);
    Boolean sawNull = s.update(bytes("k"), (current, writer) -> {
      writer.put(bytes("new"), Store.NEVER);
      return current == null;
    });
    assertTrue(sawNull);
    assertEquals(RemovalListener.Cause.EXPIRED, removed.get("k"));
    assertEquals("new", string(s.get(bytes("k"))));
  }

  @Test
  void compactionThatDropsAnExpiredEntryTellsTheListenerExpired() {
    Store s = open(options().compactionThreshold(0.3));
    for (int i = 0; i < 400; i++) {
      s.put(key(i), value(i, 200), T0 + 100); // sealed segments, half expiring entries and half
      s.put(bytes("pad-" + i), value(i, 200)); // entries about to be overwritten
    }
    for (int i = 0; i < 400; i++) {
      s.put(bytes("pad-" + i), value(-i, 200));
    }
    now.set(T0 + 100);
    s.compact(); // no read has met the expired entries, so compaction is the first to see them
    assertTrue(s.stats().compactions() > 0);
    assertEquals(RemovalListener.Cause.EXPIRED, removed.get("key-1"),
        "an expired entry dropped by compaction is reported like any other expiration");
  }

  @Test
  void backgroundMaintenanceDropsExpiredEntriesAndCompactionReclaimsTheirSpace() throws Exception {
    Store s = open(options().backgroundMaintenance(true).maintenanceInterval(Duration.ofMillis(20)));
    for (int i = 0; i < 1000; i++) {
      s.put(key(i), value(i, 200), T0 + 1000);
    }
    for (int i = 0; i < 50; i++) {
      s.put(bytes("stays-" + i), value(i, 200));
    }
    StoreStats full = s.stats();
    assertTrue(full.segments() >= 4, full.toString());
    now.set(T0 + 1000);
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    StoreStats after = s.stats();
    while ((after.expirations() < 1000 || after.segments() > 2) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      after = s.stats();
    }
    assertEquals(1000, after.expirations(), after.toString());
    assertEquals(50, after.entries(), after.toString());
    assertTrue(after.segments() < full.segments(), "segments before " + full + ", after " + after);
    assertTrue(after.fileBytes() < full.fileBytes(), "before " + full + ", after " + after);
    assertEquals(1000, removed.values().stream().filter(c -> c == RemovalListener.Cause.EXPIRED).count());
    for (int i = 0; i < 50; i++) {
      assertEquals(string(value(i, 200)), string(s.get(bytes("stays-" + i))));
    }
    s.close();
    Store reopened = open(options());
    assertEquals(50, reopened.size());
    assertNull(reopened.get(key(3)));
  }
}
