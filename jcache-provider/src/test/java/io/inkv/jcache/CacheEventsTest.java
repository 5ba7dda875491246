package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryEventFilter;
import javax.cache.event.EventType;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The order, count and content of cache entry events, compared with the reference implementation. */
class CacheEventsTest {
  private CacheManager inkvManager;
  private CacheManager riManager;
  @TempDir
  java.nio.file.Path tmp;

  @BeforeEach
  void openManagers() {
    inkvManager = Providers.inkv().getCacheManager(URI.create("events-test"), getClass().getClassLoader());
    riManager = Providers.ri().getCacheManager(URI.create("events-test-ri"), getClass().getClassLoader());
  }

  @AfterEach
  void closeManagers() {
    inkvManager.close();
    riManager.close();
  }

  private static MutableConfiguration<String, String> listening(EventRecorder recorder, boolean synchronous) {
    return new MutableConfiguration<String, String>().setTypes(String.class, String.class)
        .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
            FactoryBuilder.factoryOf(recorder), null, true, synchronous));
  }

  @ParameterizedTest
  @EnumSource(Providers.Kind.class)
  void everyOperationPublishesTheSameEventsAsTheReferenceImplementation(Providers.Kind kind) {
    EventRecorder inkvEvents = new EventRecorder(true);
    EventRecorder riEvents = new EventRecorder(true);
    Cache<String, String> inkv = inkvManager.createCache("events", kind.inkv(listening(inkvEvents, true),
        tmp.resolve("events")));
    Cache<String, String> ri = riManager.createCache("events", kind.ri(listening(riEvents, true)));
    for (Script.Step step : Script.all()) {
      int before = riEvents.snapshot().size();
      step.action().accept(inkv);
      step.action().accept(ri);
      List<String> expected = riEvents.snapshot().subList(before, riEvents.snapshot().size());
      List<String> actual = inkvEvents.snapshot().subList(before, inkvEvents.snapshot().size());
      // JSR-107 orders events per key only: an operation on several keys (putAll, removeAll,
      // invokeAll) may deliver its keys' events in any order, and the RI groups them by type
      expected = new ArrayList<>(expected);
      actual = new ArrayList<>(actual);
      expected.sort(null);
      actual.sort(null);
      assertEquals(expected, actual, "events of " + step.name());
    }
  }

  @Test
  void anAsynchronousListenerSeesTheUpdatesOfOneKeyInOrder() throws Exception {
    EventRecorder recorder = new EventRecorder(true);
    Cache<String, String> cache = inkvManager.createCache("ordered", listening(recorder, false));
    int updates = 2_000;
    for (int i = 0; i < updates; i++) {
      cache.put("key", Integer.toString(i));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (recorder.snapshot().size() < updates && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    List<String> events = recorder.snapshot();
    assertEquals(updates, events.size());
    assertEquals("CREATED key 0 null", events.get(0));
    for (int i = 1; i < updates; i++) {
      assertEquals("UPDATED key " + i + " " + (i - 1), events.get(i));
    }
  }

  public static final class OnlyKeysStartingWithA implements CacheEntryEventFilter<String, String>, java.io.Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean evaluate(CacheEntryEvent<? extends String, ? extends String> event) {
      return event.getKey().startsWith("a");
    }
  }

  @Test
  void aFilterDropsTheEventsItRejectsAndAListenerWithoutOldValuesGetsNone() {
    EventRecorder recorder = new EventRecorder(true);
    Cache<String, String> cache = inkvManager.createCache("filtered",
        new MutableConfiguration<String, String>().setTypes(String.class, String.class)
            .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
                FactoryBuilder.factoryOf(recorder), FactoryBuilder.factoryOf(OnlyKeysStartingWithA.class), false, true)));
    cache.put("apple", "1");
    cache.put("banana", "1");
    cache.put("apple", "2");
    cache.remove("banana");
    cache.remove("apple");
    assertEquals(List.of("CREATED apple 1 null", "UPDATED apple 2 null", "REMOVED apple 2 2"), recorder.snapshot());
  }

  @Test
  void anEntryThatExpiresIsReportedOnceWithItsValue() throws Exception {
    EventRecorder recorder = new EventRecorder(true);
    Cache<String, String> cache = inkvManager.createCache("expiring", listening(recorder, true)
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.MILLISECONDS, 50))));
    cache.put("k", "v");
    Thread.sleep(120);
    assertEquals(null, cache.get("k"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (recorder.snapshot().size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    Thread.sleep(50);
    assertEquals(List.of("CREATED k v null", "EXPIRED k v v"), recorder.snapshot());
    assertTrue(recorder.snapshot().stream().filter(e -> e.startsWith(EventType.EXPIRED.name())).count() == 1);
  }

  @Test
  void aPutOverAnExpiredEntryReportsTheExpiryBeforeTheCreationAsTheReferenceImplementationDoes()
      throws Exception {
    EventRecorder inkvEvents = new EventRecorder(true);
    EventRecorder riEvents = new EventRecorder(true);
    javax.cache.configuration.Factory<javax.cache.expiry.ExpiryPolicy> shortLived =
        CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.MILLISECONDS, 50));
    Cache<String, String> inkv = inkvManager.createCache("reput", listening(inkvEvents, true)
        .setExpiryPolicyFactory(shortLived));
    Cache<String, String> ri = riManager.createCache("reput", listening(riEvents, true)
        .setExpiryPolicyFactory(shortLived));
    inkv.put("k", "v");
    ri.put("k", "v");
    Thread.sleep(120);
    inkv.put("k", "w");
    ri.put("k", "w");
    assertEquals(List.of("CREATED k v null", "EXPIRED k v v", "CREATED k w null"), riEvents.snapshot(),
        "the reference implementation's order");
    assertEquals(riEvents.snapshot(), inkvEvents.snapshot());
  }
}
