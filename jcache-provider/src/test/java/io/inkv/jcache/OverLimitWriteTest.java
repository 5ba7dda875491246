package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.replication.Replica;
import io.inkv.replication.ReplicationConfig;
import io.inkv.replication.testkit.KafkaTestBroker;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CompletionListener;
import javax.cache.processor.EntryProcessorException;
import javax.cache.processor.EntryProcessorResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * A write the store cannot hold (a 200 KB value in a cache of 64 KiB segments) is refused before
 * any side effect: no CacheWriter call, no event, no statistic, no change, no replication publish.
 */
class OverLimitWriteTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final int SEGMENT = 64 * 1024;
  private static final int LIMIT = SEGMENT - 96;
  private static final String BIG = "x".repeat(200_000);

  /** Records every call as "write key" or "delete key". */
  static final class RecordingWriter implements CacheWriter<String, String>, Serializable {
    private static final long serialVersionUID = 1L;
    @SuppressWarnings("serial") // a synchronized ArrayList: serializable
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {
      calls.add("write " + entry.getKey());
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      for (Cache.Entry<? extends String, ? extends String> e : entries) {
        write(e);
      }
      entries.clear();
    }

    @Override
    public void delete(Object key) {
      calls.add("delete " + key);
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      for (Object key : keys) {
        delete(key);
      }
      keys.clear();
    }
  }

  private CacheManager manager;
  private Cache<String, String> cache;
  private RecordingWriter writer;
  private EventRecorder events;

  @BeforeEach
  void openCache() {
    manager = Providers.inkv().getCacheManager(URI.create("over-limit-" + NAMES.incrementAndGet()),
        getClass().getClassLoader());
    writer = new RecordingWriter();
    events = new EventRecorder(false);
    cache = manager.createCache("small-segments", InkvConfiguration.of(String.class, String.class)
        .setSegmentSize(SEGMENT)
        .setWriteThrough(true)
        .setCacheWriterFactory(FactoryBuilder.factoryOf(writer))
        .setStatisticsEnabled(true)
        .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
            FactoryBuilder.factoryOf(events), null, false, true)));
    cache.put("present", "old");
    writer.calls.clear();
    events.events.clear();
  }

  @AfterEach
  void closeManager() {
    manager.close();
  }

  private long puts() {
    return cache.unwrap(StoreCache.class).statistics().getCachePuts();
  }

  /** Runs a refused write and asserts it left no trace; returns its exception. */
  private <T extends Throwable> T assertRefused(Class<T> type, Executable write) {
    long puts = puts();
    T e = assertThrows(type, write);
    assertEquals(List.of(), writer.calls, "the writer was called");
    assertEquals(List.of(), events.snapshot(), "an event was published");
    assertEquals(puts, puts(), "a put was counted");
    assertEquals("old", cache.get("present"));
    assertFalse(cache.containsKey("absent"));
    return e;
  }

  private static void assertNamesTheProblem(Throwable e, String key) {
    IllegalArgumentException cause = assertInstanceOf(IllegalArgumentException.class, e.getCause());
    String message = cause.getMessage();
    assertTrue(message.contains("key " + key), message);
    assertTrue(message.contains("200000-byte value"), message);
    assertTrue(message.contains("limit is " + (LIMIT - key.getBytes(StandardCharsets.UTF_8).length)), message);
    assertTrue(message.contains("setSegmentSize"), message);
  }

  @Test
  void anExpiryPastTheLatestTimeARecordHoldsIsEternalNotARefusalAfterTheWriter() {
    // 10 million days from now is past the store's latest expiry time (2^48 - 1 ms, the year
    // 10889): the cache must decide that before the writer and the event, not the store after them.
    Cache<String, String> longLived = manager.createCache("long-lived", InkvConfiguration.of(String.class, String.class)
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.DAYS, 10_000_000)))
        .setWriteThrough(true)
        .setCacheWriterFactory(FactoryBuilder.factoryOf(writer))
        .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
            FactoryBuilder.factoryOf(events), null, false, true)));
    longLived.put("k", "v");
    assertEquals("v", longLived.get("k"));
    assertEquals(List.of("write k"), writer.calls);
    assertEquals(1, events.snapshot().size(), "one CREATED event");
  }

  @Test
  void putOfAnEntryTooLargeForASegmentIsRefusedBeforeAnySideEffect() {
    assertNamesTheProblem(assertRefused(CacheException.class, () -> cache.put("absent", BIG)), "absent");
    assertNamesTheProblem(assertRefused(CacheException.class, () -> cache.put("present", BIG)), "present");
  }

  @Test
  void putAllWithOneEntryTooLargeRefusesTheWholeBatch() {
    Map<String, String> batch = new LinkedHashMap<>();
    batch.put("absent", "small");
    batch.put("big", BIG);
    batch.put("present", "new");
    assertNamesTheProblem(assertRefused(CacheException.class, () -> cache.putAll(batch)), "big");
  }

  @Test
  void getAndPutOfAnEntryTooLargeIsRefused() {
    assertRefused(CacheException.class, () -> cache.getAndPut("present", BIG));
    assertRefused(CacheException.class, () -> cache.getAndPut("absent", BIG));
  }

  @Test
  void putIfAbsentOfAnEntryTooLargeIsRefused() {
    assertRefused(CacheException.class, () -> cache.putIfAbsent("absent", BIG));
  }

  @Test
  void replaceInBothFormsAndGetAndReplaceOfAnEntryTooLargeAreRefused() {
    assertRefused(CacheException.class, () -> cache.replace("present", BIG));
    assertRefused(CacheException.class, () -> cache.replace("present", "old", BIG));
    assertRefused(CacheException.class, () -> cache.getAndReplace("present", BIG));
  }

  @Test
  void invokeSettingAValueTooLargeFailsAsTheProcessorWouldWithoutSideEffect() {
    EntryProcessorException e = assertRefused(EntryProcessorException.class,
        () -> cache.invoke("present", (entry, args) -> {
          entry.setValue(BIG);
          return null;
        }));
    assertNamesTheProblem(e, "present");
    assertRefused(EntryProcessorException.class, () -> cache.invoke("absent", (entry, args) -> {
      entry.setValue(BIG);
      return null;
    }));
  }

  @Test
  void invokeAllReportsTheRefusalInTheKeysResultAndAppliesTheOthers() {
    Map<String, EntryProcessorResult<Object>> results = cache.invokeAll(Set.of("present", "other"), (entry, args) -> {
      entry.setValue(entry.getKey().equals("present") ? BIG : "fine");
      return null;
    });
    EntryProcessorException e = assertThrows(EntryProcessorException.class, () -> results.get("present").get());
    assertNamesTheProblem(e, "present");
    assertEquals("old", cache.get("present"));
    assertEquals("fine", cache.get("other"));
    assertEquals(List.of("write other"), writer.calls);
    assertEquals(List.of("CREATED other"), events.snapshot());
  }

  @Test
  void anEntryThatFitsIsStillStored() {
    String largest = "y".repeat(LIMIT - "fits".length());
    cache.put("fits", largest);
    assertEquals(largest, cache.get("fits"));
    assertEquals(List.of("write fits"), writer.calls);
    writer.calls.clear();
    events.events.clear();
    assertRefused(CacheException.class, () -> cache.put("absent", largest + "y"));
    assertNull(cache.get("absent"));
  }

  /** Loads the same 200 KB value for every key. */
  static final class BigLoader implements CacheLoader<String, String>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public String load(String key) {
      return BIG;
    }

    @Override
    public Map<String, String> loadAll(Iterable<? extends String> keys) {
      Map<String, String> loaded = new LinkedHashMap<>();
      for (String key : keys) {
        loaded.put(key, BIG);
      }
      return loaded;
    }
  }

  @Test
  void aLoadedValueTooLargeIsRefusedBeforeItsCreatedEvent() throws Exception {
    EventRecorder loadEvents = new EventRecorder(false);
    Cache<String, String> readThrough = manager.createCache("read-through", InkvConfiguration.of(String.class, String.class)
        .setSegmentSize(SEGMENT)
        .setReadThrough(true)
        .setCacheLoaderFactory(FactoryBuilder.factoryOf(new BigLoader()))
        .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
            FactoryBuilder.factoryOf(loadEvents), null, false, true)));
    CacheException e = assertThrows(CacheException.class, () -> readThrough.get("k"));
    assertNamesTheProblem(e, "k");
    CompletableFuture<Exception> outcome = new CompletableFuture<>();
    readThrough.loadAll(Set.of("k"), true, new CompletionListener() {
      @Override
      public void onCompletion() {
        outcome.complete(null);
      }

      @Override
      public void onException(Exception failure) {
        outcome.complete(failure);
      }
    });
    assertInstanceOf(CacheException.class, outcome.get(30, TimeUnit.SECONDS));
    assertFalse(readThrough.containsKey("k"));
    assertEquals(List.of(), loadEvents.snapshot());
  }

  @Test
  void aReplicatedCachePublishesNothingForAWriteTooLarge() throws Exception {
    String store = "over-limit" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
    ReplicationConfig rc = ReplicationConfig.builder(store, KafkaTestBroker.shared().bootstrapServers()).partitions(2)
        .replicationFactor((short) 1).build();
    Cache<String, String> replicated = manager.createCache("replicated", InkvConfiguration.of(String.class, String.class)
        .setSegmentSize(SEGMENT).setReplication(rc));
    Replica replica = replicated.unwrap(Replica.class);
    replicated.put("small", "value");
    replica.awaitPublished();
    long published = replica.replicationStats().published();
    assertThrows(CacheException.class, () -> replicated.put("big", BIG));
    assertThrows(CacheException.class, () -> replicated.put("small", BIG));
    assertEquals(0, replica.awaitPublished());
    assertEquals(published, replica.replicationStats().published());
    assertEquals("value", replicated.get("small"));
    assertNull(replicated.get("big"));
  }
}
