package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.store.Store;
import java.net.URI;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.processor.EntryProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The errors JSR-107 requires for null and wrongly typed arguments, closed caches and bad settings. */
class RequiredErrorsTest {
  private CacheManager manager;
  private Cache<String, Integer> cache;

  @BeforeEach
  void openCache() {
    manager = Providers.inkv().getCacheManager(URI.create("errors-test"), getClass().getClassLoader());
    cache = manager.createCache("typed", new MutableConfiguration<String, Integer>().setTypes(String.class, Integer.class));
  }

  @AfterEach
  void closeManager() {
    manager.close();
  }

  private static final EntryProcessor<String, Integer, Object> NOTHING = (e, a) -> null;

  @Test
  void everyOperationRejectsANullKeyOrValueWithNullPointerException() {
    Map<String, Consumer<Cache<String, Integer>>> calls = new HashMap<>();
    calls.put("get", c -> c.get(null));
    calls.put("containsKey", c -> c.containsKey(null));
    calls.put("put key", c -> c.put(null, 1));
    calls.put("put value", c -> c.put("k", null));
    calls.put("getAndPut", c -> c.getAndPut("k", null));
    calls.put("putIfAbsent", c -> c.putIfAbsent(null, 1));
    calls.put("remove", c -> c.remove(null));
    calls.put("remove old value", c -> c.remove("k", null));
    calls.put("getAndRemove", c -> c.getAndRemove(null));
    calls.put("replace", c -> c.replace("k", null));
    calls.put("replace old", c -> c.replace("k", null, 1));
    calls.put("replace new", c -> c.replace("k", 1, null));
    calls.put("getAndReplace", c -> c.getAndReplace(null, 1));
    calls.put("invoke key", c -> c.invoke(null, NOTHING));
    calls.put("invoke processor", c -> c.invoke("k", null));
    Set<String> withNull = new HashSet<>();
    withNull.add(null);
    calls.put("getAll", c -> c.getAll(withNull));
    calls.put("removeAll", c -> c.removeAll(withNull));
    calls.put("invokeAll", c -> c.invokeAll(withNull, NOTHING));
    Map<String, Integer> nullValue = new HashMap<>();
    nullValue.put("k", null);
    calls.put("putAll", c -> c.putAll(nullValue));
    calls.put("loadAll", c -> c.loadAll(null, false, null));
    calls.put("registerCacheEntryListener", c -> c.registerCacheEntryListener(null));
    for (Map.Entry<String, Consumer<Cache<String, Integer>>> call : calls.entrySet()) {
      assertThrows(NullPointerException.class, () -> call.getValue().accept(cache), call.getKey());
    }
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void keysAndValuesOfTheWrongTypeAreRejectedWithClassCastException() {
    Cache raw = cache;
    assertThrows(ClassCastException.class, () -> raw.put(1, 1));
    assertThrows(ClassCastException.class, () -> raw.put("k", "not an integer"));
    assertThrows(ClassCastException.class, () -> raw.get(1));
    assertThrows(ClassCastException.class, () -> manager.getCache("typed", Integer.class, Integer.class));
    assertEquals(0, cache.unwrap(InkvCache.class).estimatedSize());
  }

  @Test
  void aClosedCacheThrowsIllegalStateException() {
    cache.close();
    assertThrows(IllegalStateException.class, () -> cache.get("k"));
    assertThrows(IllegalStateException.class, () -> cache.put("k", 1));
    assertThrows(IllegalStateException.class, () -> cache.iterator());
    manager.close();
    assertThrows(IllegalStateException.class, () -> manager.getCacheNames());
  }

  @Test
  void unwrapReachesTheInkvCacheAndItsStore() {
    InkvCache<?, ?> inkv = cache.unwrap(InkvCache.class);
    assertSame(inkv.store(), cache.unwrap(Store.class));
    assertThrows(IllegalArgumentException.class, () -> cache.unwrap(String.class));
  }

  @Test
  void storeByReferenceIsSupportedAndAHeapCacheHasNoStoreToUnwrap() {
    assertTrue(Providers.inkv().isSupported(javax.cache.configuration.OptionalFeature.STORE_BY_REFERENCE));
    Cache<String, String> byReference = manager.createCache("byReference",
        new MutableConfiguration<String, String>().setStoreByValue(false));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> byReference.unwrap(Store.class));
    assertTrue(e.getMessage().contains("by reference on the heap"), e.getMessage());
    UnsupportedOperationException u = assertThrows(UnsupportedOperationException.class,
        () -> byReference.unwrap(InkvCache.class).store());
    assertTrue(u.getMessage().contains("byReference"), u.getMessage());
  }

  @Test
  void aWrongStoreSettingFailsAtCreationWithItsName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> manager.createCache("tiny",
        InkvConfiguration.of(String.class, String.class).setSegmentSize(1000)));
    assertTrue(e.getMessage().contains("segmentSize") && e.getMessage().contains("tiny"), e.getMessage());
    IllegalArgumentException persistent = assertThrows(IllegalArgumentException.class, () -> manager.createCache("nowhere",
        InkvConfiguration.of(String.class, String.class).setPersistent(true)));
    assertTrue(persistent.getMessage().contains("directory"), persistent.getMessage());
  }
}
