package io.inkv.benchmarks.codec;

import io.inkv.benchmarks.BenchmarkDefaults;
import io.inkv.benchmarks.store.Keys;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/*
 * get and put through the JCache API, by value (MutableConfiguration with setTypes(Long, shape)
 * and the JCache default, store-by-value), for each value shape of Shapes, on inkv, Caffeine and
 * Ehcache 3 (on heap), one thread, uniform keys over `entries` populated entries. Run with
 * `-prof gc` for B/op. Every system and shape is a JMH parameter, so one run measures them side
 * by side on the same machine state; benchmarks/run-shapes.sh is the command the README cites.
 *
 * Caffeine and Ehcache copy by-value values with Java serialization (Caffeine's JCache copier;
 * Ehcache's serializing copier), which is what inkv set out to beat. inkv encodes with its
 * codec: the generated layout for the record, bean, immutable and Kotlin-shaped classes, the
 * tagged format for the List and the Map.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g", "-XX:+AlwaysPreTouch"})
public class ValueShapeBenchmark extends BenchmarkDefaults {
  static final String INKV = "io.inkv.jcache.spi.InkvCachingProvider";
  static final String CAFFEINE = "com.github.benmanes.caffeine.jcache.spi.CaffeineCachingProvider";
  static final String EHCACHE = "org.ehcache.jsr107.EhcacheCachingProvider";
  private static final int MASK = Keys.SAMPLES - 1;
  private static final int POOL = 1024;

  @Param({"inkv", "caffeine", "ehcache"})
  public String system;

  @Param({"record", "bean", "immutable", "kotlin", "list10", "map10", "list10rec", "map10rec"})
  public String shape;

  @Param("1000000")
  public int entries;

  private CacheManager manager;
  private Cache<Long, Object> cache;
  private int[] samples;
  private Object[] pool;
  private int next;

  @Setup(Level.Trial)
  @SuppressWarnings({"unchecked", "rawtypes"})
  public void populate() {
    Shapes s = Shapes.of(shape);
    CachingProvider provider = Caching.getCachingProvider(system.equals("inkv") ? INKV
        : system.equals("caffeine") ? CAFFEINE : EHCACHE);
    manager = provider.getCacheManager();
    String name = "shapes-" + system + "-" + shape;
    if (manager.getCache(name) != null) {
      manager.destroyCache(name);
    }
    cache = manager.createCache(name, new MutableConfiguration<Long, Object>()
        .setTypes(Long.class, (Class) s.type).setStoreByValue(true));
    long start = System.nanoTime();
    for (long i = 0; i < entries; i++) {
      cache.put(i, s.value(i, 0));
    }
    if (cache.get(entries - 1L) == null) {
      throw new IllegalStateException(system + " lost the last entry written");
    }
    samples = Keys.samples("uniform", entries, 42);
    pool = new Object[POOL];
    for (int i = 0; i < POOL; i++) {
      pool[i] = s.value(samples[i], 1);
    }
    System.out.printf("%n# %s %s: %,d values written in %.1f s%n", system, shape, entries, (System.nanoTime() - start) / 1e9);
  }

  @TearDown(Level.Trial)
  public void close() {
    manager.destroyCache(cache.getName());
  }

  @Benchmark
  public Object get() {
    return cache.get((long) samples[next++ & MASK]);
  }

  @Benchmark
  public void put() {
    int i = next++;
    cache.put((long) samples[i & MASK], pool[i & (POOL - 1)]);
  }
}
