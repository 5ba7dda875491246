package io.inkv.benchmarks.hitratio;

import com.github.benmanes.caffeine.jcache.configuration.CaffeineConfiguration;
import io.inkv.benchmarks.store.Keys;
import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.store.internal.EvictionPolicy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.zip.GZIPInputStream;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.spi.CachingProvider;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.jsr107.Eh107Configuration;

/*
 * The hit-ratio harness: replays a trace through each system and prints the hit ratio of every
 * trace x cache size x system, then the gap of each system to Caffeine (mean and worst).
 *
 * A trace is a gzip file of one non-negative integer key per line (the format of the shared LIRS
 * traces), or a generated Zipf trace. Each access is a get; a miss puts the key with a small
 * value; hit ratio = hits / accesses, compulsory misses included. The JCache systems are driven
 * through the public JCache API (Cache.get, Cache.put) with the bound set the way an application
 * sets it:
 *
 *   inkv            InkvConfiguration.setMaxEntries(n), by value (the mapped store evicts)
 *   inkv-reference  the same with setStoreByValue(false): the heap tier evicts
 *   caffeine        Caffeine's JCache provider, CaffeineConfiguration.setMaximumSize(n), with its
 *                   maintenance run on the caller's thread (so every run is the same)
 *   ehcache         Ehcache 3's JCache provider, a heap tier of n entries
 *   lru             LinkedHashMap in access order, removeEldestEntry past n
 *   fifo            LinkedHashMap in insertion order, removeEldestEntry past n
 *
 * Synthetic traces ("zipf-<s>[-scan]"): 500,000 accesses over 100,000 keys drawn by a Zipf law of
 * exponent s with a fixed seed (the hottest key is not key 0: ranks are shuffled); "-scan" puts a
 * run of 2,000 keys never seen before and never seen again after every 20,000 accesses (a tenth of
 * the accesses are one-time). Sizes: a fraction of the trace's distinct keys.
 *
 * usage: HitRatio [--systems a,b,...] [--csv out.csv] spec...
 *   spec = path/to/trace.gz:size,size,...   (a size ending in % is a share of the distinct keys)
 *        | zipf-0.99[-scan]:size,...
 */
public final class HitRatio {
  static final List<String> SYSTEMS = List.of("inkv", "inkv-reference", "caffeine", "ehcache", "lru", "fifo");
  private static final int ZIPF_KEYS = 100_000;
  private static final int ZIPF_ACCESSES = 500_000;

  private HitRatio() {}

  /** One cache under test: a get, and a put after a miss. */
  interface System extends AutoCloseable {
    boolean getOrPut(long key);

    @Override
    default void close() {}
  }

  public static void main(String[] args) throws Exception {
    List<String> systems = SYSTEMS;
    Path csv = null;
    List<String> specs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--systems" -> systems = List.of(args[++i].split(","));
        case "--csv" -> csv = Path.of(args[++i]);
        default -> specs.add(args[i]);
      }
    }
    if (specs.isEmpty()) {
      java.lang.System.err.println("usage: HitRatio [--systems a,b] [--csv out.csv] trace.gz:5%,20% | zipf-0.99-scan:1%");
      java.lang.System.exit(2);
    }
    PrintStream out = java.lang.System.out;
    List<String> rows = new ArrayList<>();
    rows.add("trace,size," + String.join(",", systems));
    out.printf(Locale.ROOT, "| trace | size |%s%n", String.join(" |", systems.stream().map(s -> " " + s).toList()) + " |");
    out.println("| --- | ---: |" + " ---: |".repeat(systems.size()));
    Map<String, List<Double>> gaps = new LinkedHashMap<>();
    Map<String, String> worst = new LinkedHashMap<>();
    for (String spec : specs) {
      int colon = spec.lastIndexOf(':');
      String source = spec.substring(0, colon);
      long[] trace = load(source);
      long distinct = Arrays.stream(trace).distinct().count();
      String name = name(source);
      for (String sizeSpec : spec.substring(colon + 1).split(",")) {
        long size = sizeSpec.endsWith("%")
            ? Math.max(1, Math.round(distinct * Double.parseDouble(sizeSpec.substring(0, sizeSpec.length() - 1)) / 100))
            : Long.parseLong(sizeSpec);
        double[] ratio = new double[systems.size()];
        for (int i = 0; i < systems.size(); i++) {
          ratio[i] = replay(systems.get(i), size, trace);
        }
        StringBuilder line = new StringBuilder("| " + name + " | " + size + " |");
        StringBuilder row = new StringBuilder(name + "," + size);
        int caffeine = systems.indexOf("caffeine");
        for (int i = 0; i < systems.size(); i++) {
          line.append(String.format(Locale.ROOT, " %.2f |", 100 * ratio[i]));
          row.append(String.format(Locale.ROOT, ",%.4f", 100 * ratio[i]));
          if (caffeine >= 0 && i != caffeine) {
            double gap = 100 * (ratio[i] - ratio[caffeine]);
            gaps.computeIfAbsent(systems.get(i), k -> new ArrayList<>()).add(gap);
            String w = worst.get(systems.get(i));
            if (w == null || gap < Double.parseDouble(w.substring(0, w.indexOf(' ')))) {
              worst.put(systems.get(i), String.format(Locale.ROOT, "%.2f (%s at %d)", gap, name, size));
            }
          }
        }
        out.println(line);
        rows.add(row.toString());
      }
    }
    if (!gaps.isEmpty()) {
      out.println();
      out.println("| system | mean gap to caffeine (points) | worst gap (points, cell) | cells |");
      out.println("| --- | ---: | ---: | ---: |");
      for (Map.Entry<String, List<Double>> e : gaps.entrySet()) {
        double mean = e.getValue().stream().mapToDouble(Double::doubleValue).average().orElse(0);
        out.printf(Locale.ROOT, "| %s | %+.2f | %s | %d |%n", e.getKey(), mean, worst.get(e.getKey()), e.getValue().size());
      }
    }
    if (csv != null) {
      Files.write(csv, rows, StandardCharsets.UTF_8);
    }
  }

  static String name(String source) {
    String n = Path.of(source).getFileName().toString();
    return n.endsWith(".trace.gz") ? n.substring(0, n.length() - ".trace.gz".length()) : n;
  }

  /** Replays {@code trace} through a fresh {@code system} of {@code size} entries; returns the hit ratio. */
  static double replay(String system, long size, long[] trace) {
    try (System cache = open(system, size)) {
      long hits = 0;
      for (long key : trace) {
        if (cache.getOrPut(key)) {
          hits++;
        }
      }
      return (double) hits / trace.length;
    }
  }

  static long[] load(String source) throws IOException {
    if (source.startsWith("zipf-")) {
      boolean scan = source.endsWith("-scan");
      double s = Double.parseDouble(source.substring(5, scan ? source.length() - 5 : source.length()));
      return zipf(s, scan);
    }
    long[] keys = new long[1 << 16];
    int n = 0;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(Path.of(source))), StandardCharsets.US_ASCII))) {
      for (String line; (line = r.readLine()) != null; ) {
        line = line.strip();
        if (line.isEmpty() || line.equals("*")) {
          continue; // some LIRS traces mark the end of a phase with "*"
        }
        if (n == keys.length) {
          keys = Arrays.copyOf(keys, n * 2);
        }
        try {
          keys[n++] = Long.parseLong(line);
        } catch (NumberFormatException e) {
          throw new IOException(source + ": line " + n + " is not an integer key: " + line, e);
        }
      }
    }
    return Arrays.copyOf(keys, n);
  }

  /** A Zipf trace over ZIPF_KEYS keys (see the class comment); the same for the same arguments. */
  static long[] zipf(double s, boolean scan) {
    SplittableRandom random = new SplittableRandom(42);
    double[] cdf = new double[ZIPF_KEYS];
    double sum = 0;
    for (int i = 0; i < ZIPF_KEYS; i++) {
      sum += 1 / Math.pow(i + 1, s);
      cdf[i] = sum;
    }
    int[] rankToKey = Keys.permutation(ZIPF_KEYS, random);
    long[] trace = new long[ZIPF_ACCESSES];
    long nextScanKey = ZIPF_KEYS;
    for (int i = 0; i < trace.length; ) {
      if (scan && i > 0 && i % 20_000 == 0) {
        for (int j = 0; j < 2_000 && i < trace.length; j++) {
          trace[i++] = nextScanKey++;
        }
        if (i >= trace.length) {
          break;
        }
      }
      int rank = Arrays.binarySearch(cdf, random.nextDouble() * sum);
      trace[i++] = rankToKey[rank < 0 ? -rank - 1 : rank];
    }
    return trace;
  }

  static System open(String system, long size) {
    return switch (system) {
      case "inkv" -> jcache(InkvProvider.NAME, InkvConfiguration.of(Long.class, Long.class).setMaxEntries(size));
      case "inkv-reference" -> jcache(InkvProvider.NAME,
          InkvConfiguration.of(Long.class, Long.class).setStoreByValue(false).setMaxEntries(size));
      case "caffeine" -> {
        CaffeineConfiguration<Long, Long> c = new CaffeineConfiguration<Long, Long>()
            .setTypes(Long.class, Long.class)
            .setMaximumSize(OptionalLong.of(size));
        c.setExecutorFactory(new FactoryBuilder.SingletonFactory<Executor>(new CallerRuns()));
        yield jcache("com.github.benmanes.caffeine.jcache.spi.CaffeineCachingProvider", c);
      }
      case "ehcache" -> jcache("org.ehcache.jsr107.EhcacheCachingProvider",
          Eh107Configuration.fromEhcacheCacheConfiguration(CacheConfigurationBuilder
              .newCacheConfigurationBuilder(Long.class, Long.class, ResourcePoolsBuilder.heap(size))));
      case "lru" -> linked(size, true);
      case "fifo" -> linked(size, false);
      case "inkv-policy" -> policy(size);
      default -> throw new IllegalArgumentException("unknown system " + system + "; one of " + SYSTEMS);
    };
  }

  /** Runs Caffeine's maintenance on the calling thread: the replay is then one thread, as inkv's. */
  static final class CallerRuns implements Executor, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public void execute(Runnable command) {
      command.run();
    }
  }

  private static final class InkvProvider {
    static final String NAME = "io.inkv.jcache.spi.InkvCachingProvider";
  }

  private static int caches;

  private static System jcache(String provider, Configuration<Long, Long> config) {
    CachingProvider p = Caching.getCachingProvider(provider);
    CacheManager manager = p.getCacheManager();
    String name = "hit-ratio-" + (caches++);
    Cache<Long, Long> cache = manager.createCache(name, config);
    Long value = 1L;
    return new System() {
      @Override
      public boolean getOrPut(long key) {
        if (cache.get(key) != null) {
          return true;
        }
        cache.put(key, value);
        return false;
      }

      @Override
      public void close() {
        manager.destroyCache(name);
      }
    };
  }

  /** inkv's policy alone over a HashSet, for quick experiments (not in the default list). */
  private static System policy(long size) {
    EvictionPolicy policy = new EvictionPolicy(size, true);
    EvictionPolicy.Victim victim = new EvictionPolicy.Victim();
    java.util.Set<Long> resident = new java.util.HashSet<>();
    return key -> {
      long hash = mix(key);
      if (resident.contains(key)) {
        policy.recordAccess(hash);
        return true;
      }
      resident.add(key);
      policy.recordInsert(hash, key, resident.size() > size);
      while (resident.size() > size && policy.nextVictim(victim)) {
        resident.remove((Long) victim.key());
      }
      return false;
    };
  }

  static long mix(long z) {
    z = (z ^ z >>> 33) * 0xFF51AFD7ED558CCDL;
    z = (z ^ z >>> 33) * 0xC4CEB9FE1A85EC53L;
    return z ^ z >>> 33;
  }

  private static System linked(long size, boolean accessOrder) {
    Map<Long, Long> map = new LinkedHashMap<>(16, 0.75f, accessOrder) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
        return size() > size;
      }
    };
    return key -> {
      if (map.get(key) != null) {
        return true;
      }
      map.put(key, 1L);
      return false;
    };
  }
}
