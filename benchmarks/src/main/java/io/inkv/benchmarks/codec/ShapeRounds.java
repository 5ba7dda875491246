package io.inkv.benchmarks.codec;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.CompatibleFieldSerializer;
import io.inkv.store.codec.Codec;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import org.apache.fory.Fory;
import org.apache.fory.config.CompatibleMode;
import org.apache.fory.config.Language;
import org.objenesis.strategy.StdInstantiatorStrategy;

/*
 * The same measurements as ValueShapeBenchmark and CodecEngineBenchmark, in rounds inside one JVM,
 * for a machine too loaded for JMH's one-fork-per-cell runs to compare (each cell then meets a
 * different load): every contender of a shape is populated and warmed up first, then each round
 * times a batch of operations of every contender in turn (the order rotating), and the summary is
 * the median of the rounds, with allocation per operation from the thread's allocation counter.
 * A burst of other work lands on one round of every contender, not on one contender.
 *
 *   java -Xms2g -Xmx2g -cp benchmarks/target/benchmarks.jar io.inkv.benchmarks.codec.ShapeRounds
 *       [entries=20000] [rounds=7] [batch=20000] [part=caches|engines|both]
 */
public final class ShapeRounds {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private ShapeRounds() {}

  /** One contender's operation, called with an operation number. */
  private record Contender(String name, IntConsumer op) {}

  public static void main(String[] args) {
    int entries = arg(args, "entries", 20_000);
    int rounds = arg(args, "rounds", 7);
    int batch = arg(args, "batch", 20_000);
    String part = Arrays.stream(args).filter(a -> a.startsWith("part=")).map(a -> a.substring(5)).findFirst().orElse("both");
    System.out.printf("# %s, %d entries, %d rounds of %d operations, load %s%n", java.time.Instant.now(), entries,
        rounds, batch, loadAverage());
    for (Shapes shape : Shapes.values()) {
      if (!part.equals("engines")) {
        caches(shape, entries, rounds, batch);
      }
      if (!part.equals("caches")) {
        engines(shape, rounds, batch);
      }
    }
    System.out.printf("# done %s, load %s%n", java.time.Instant.now(), loadAverage());
    System.exit(0);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void caches(Shapes shape, int entries, int rounds, int batch) {
    List<Contender> gets = new ArrayList<>();
    List<Contender> puts = new ArrayList<>();
    List<CacheManager> managers = new ArrayList<>();
    int[] keys = new SplittableRandom(42).ints(1 << 20, 0, entries).toArray();
    Object[] pool = new Object[1024];
    for (int i = 0; i < pool.length; i++) {
      pool[i] = shape.value(keys[i], 1);
    }
    for (String system : List.of("inkv", "caffeine", "ehcache")) {
      CacheManager manager = Caching.getCachingProvider(system.equals("inkv") ? ValueShapeBenchmark.INKV
          : system.equals("caffeine") ? ValueShapeBenchmark.CAFFEINE : ValueShapeBenchmark.EHCACHE).getCacheManager();
      managers.add(manager);
      String name = "rounds-" + shape;
      if (manager.getCache(name) != null) {
        manager.destroyCache(name);
      }
      Cache<Long, Object> cache = manager.createCache(name, new MutableConfiguration<Long, Object>()
          .setTypes(Long.class, (Class) shape.type).setStoreByValue(true));
      for (long i = 0; i < entries; i++) {
        cache.put(i, shape.value(i, 0));
      }
      Object[] sink = new Object[1];
      gets.add(new Contender(system, n -> sink[0] = cache.get((long) keys[n & (keys.length - 1)])));
      puts.add(new Contender(system, n -> cache.put((long) keys[n & (keys.length - 1)], pool[n & 1023])));
    }
    report(shape, "get", gets, rounds, batch);
    report(shape, "put", puts, rounds, batch);
    for (CacheManager m : managers) {
      m.destroyCache("rounds-" + shape);
    }
  }

  @SuppressWarnings("unchecked")
  private static void engines(Shapes shape, int rounds, int batch) {
    if (shape == Shapes.BEAN) {
      return;
    }
    Object value = shape.value(12345, 0);
    Codec<Object> inkv = (Codec<Object>) Codec.forClass(shape.type, ShapeRounds.class.getClassLoader());
    Kryo kryo = new Kryo();
    kryo.setRegistrationRequired(false);
    kryo.setDefaultSerializer(CompatibleFieldSerializer.class);
    kryo.setInstantiatorStrategy(new com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
    Output output = new Output(256, -1);
    Input input = new Input();
    Fory fory = Fory.builder().withLanguage(Language.JAVA).requireClassRegistration(false)
        .withCompatibleMode(CompatibleMode.COMPATIBLE).withRefTracking(false).build();
    byte[] inkvBytes = inkv.encode(value);
    output.reset();
    kryo.writeClassAndObject(output, value);
    byte[] kryoBytes = output.toBytes();
    byte[] foryBytes = fory.serialize(value);
    System.out.printf("%s encoded size: inkv %d B, kryo %d B, fory %d B%n", label(shape), inkvBytes.length,
        kryoBytes.length, foryBytes.length);
    Object[] sink = new Object[1];
    report(shape, "encode", List.of(
        new Contender("inkv", n -> sink[0] = inkv.encode(value)),
        new Contender("kryo", n -> {
          output.reset();
          kryo.writeClassAndObject(output, value);
          sink[0] = output.toBytes();
        }),
        new Contender("fory", n -> sink[0] = fory.serialize(value))), rounds, batch);
    report(shape, "decode", List.of(
        new Contender("inkv", n -> sink[0] = inkv.decode(inkvBytes)),
        new Contender("kryo", n -> {
          input.setBuffer(kryoBytes);
          sink[0] = kryo.readClassAndObject(input);
        }),
        new Contender("fory", n -> sink[0] = fory.deserialize(foryBytes))), rounds, batch);
  }

  private static void report(Shapes shape, String op, List<Contender> contenders, int rounds, int batch) {
    int n = contenders.size();
    for (int w = 0; w < 3; w++) { // warm-up: the JIT compiles every contender's path
      for (Contender c : contenders) {
        time(c, batch);
      }
    }
    double[][] ns = new double[n][rounds];
    double[][] bytes = new double[n][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < n; k++) {
        int i = (k + r) % n;
        long a0 = THREADS.getCurrentThreadAllocatedBytes();
        ns[i][r] = time(contenders.get(i), batch);
        bytes[i][r] = (THREADS.getCurrentThreadAllocatedBytes() - a0) / (double) batch;
      }
    }
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-9s %-6s", label(shape), op));
    for (int i = 0; i < n; i++) {
      line.append(String.format(Locale.ROOT, " | %s %,.0f ns %,.0f B (rounds %,.0f-%,.0f)", contenders.get(i).name(),
          median(ns[i]), median(bytes[i]), min(ns[i]), max(ns[i])));
    }
    System.out.println(line);
  }

  private static double time(Contender c, int batch) {
    long t0 = System.nanoTime();
    for (int i = 0; i < batch; i++) {
      c.op().accept(i * 7919);
    }
    return (System.nanoTime() - t0) / (double) batch;
  }

  private static double median(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static double min(double[] a) {
    return Arrays.stream(a).min().orElse(0);
  }

  private static double max(double[] a) {
    return Arrays.stream(a).max().orElse(0);
  }

  private static String label(Shapes s) {
    return s.name().toLowerCase(Locale.ROOT);
  }

  private static int arg(String[] args, String name, int dflt) {
    for (String a : args) {
      if (a.startsWith(name + "=")) {
        return Integer.parseInt(a.substring(name.length() + 1));
      }
    }
    return dflt;
  }

  private static String loadAverage() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }
}
