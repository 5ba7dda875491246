package io.inkv.benchmarks.suite;

import io.inkv.benchmarks.BenchmarkDefaults;
import io.inkv.benchmarks.store.Keys;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.ThreadParams;

/*
 * inkv against its peers, one workload at a time, every system in the same run with the same JVM
 * flags: a system (Peers) holding `entries` values of one kind (ValueKind) under the keys
 * 0 .. entries-1, populated once per trial, then
 *
 *   getPresent  get of a present key
 *   getAbsent   get of a key never written (entries + a sample), the miss path
 *   put         overwrite of a present key with another value of the same kind and size
 *   mix         80% getPresent, 20% put, interleaved 4:1 on each thread
 *
 * Key numbers come from Keys.samples (uniform, or Zipf s = 0.99 over a random permutation), 2^22
 * of them, each thread walking from its own offset; a client turns the number into its system's key
 * (a Long for the Java caches, which is 16 B of each get's allocation; 8 bytes in a reused buffer for
 * inkv's Store). Put values come from a pool of 1024 values per thread, prepared once (for the Store
 * and Redis, already encoded), so the loop measures the put and not the making of a value.
 *
 * The default mode is SampleTime: one run gives the mean (so throughput, threads / mean) and the
 * percentiles of the same operations. The run script (benchmarks/run-suite.sh) adds -prof gc.
 *
 * Every fork gets Chronicle Map's flags (VERSIONS.md) whichever system it runs, so all systems run
 * under the same JVM settings; pass more flags with -jvmArgsPrepend (-jvmArgsAppend would replace
 * these).
 *
 * Shared mode (-Dinkv.suite.shared=true, set by SuiteDriver for run-suite.sh full): the runs are
 * not forked, and one JVM runs every operation at both thread counts on one populated system.
 * populate() then keeps the Peer and its samples in a static holder keyed by (system, value,
 * distribution, entries) and reuses them while the key matches (populating 1M entries is most of a
 * fork's 10 s); close() leaves the peer open, and SuiteDriver closes it at the end (closeShared(),
 * also run by a shutdown hook, so a failed driver still deletes the store's files and the Redis
 * keys, as close() does in a fork). The order SuiteDriver runs is getPresent, getAbsent, mix, put:
 * mix and put overwrite values (with the 1024-value pools below, so after a put run most keys of a
 * Java cache by reference share a few pool objects, and a log-structured store has moved its live
 * records), so every get figure is measured on the system as populate() left it, as in a fork.
 * Puts only overwrite keys 0 .. entries-1, so every key stays present; reuse repeats the check of
 * three keys that populate() makes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:+AlwaysPreTouch",
    "-Dchronicle.analytics.disable=true",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED"})
public class PeerBenchmark extends BenchmarkDefaults {
  private static final int MASK = Keys.SAMPLES - 1;
  private static final int POOL = 1024;
  static final String SHARED_PROPERTY = "inkv.suite.shared";
  private static final boolean SHARED = Boolean.getBoolean(SHARED_PROPERTY);

  @Param({"inkv-jcache", "inkv-reference", "inkv-store", "inkv-store-view", "caffeine-value", "caffeine-reference",
      "ehcache-heap", "ehcache-reference", "ehcache-offheap", "chronicle", "chm", "redis"})
  public String system;

  @Param({"record-100"})
  public String value;

  @Param({"uniform"})
  public String distribution;

  @Param("1000000")
  public int entries;

  /*
   * Whether to collect the heap (System.gc(), a full collection) once the system is populated.
   * Without it, a heap cache is measured on the memory layout its put path's allocations left:
   * each entry's objects lie apart by whatever garbage the put made between them, so a put that
   * allocates more spreads an entry over more cache lines. A full collection compacts the live
   * objects, as the collections of a long-running application do to a cache's old entries.
   */
  @Param("false")
  public boolean compact;

  Peer peer;
  int[] samples;

  @Setup(Level.Trial)
  public void populate() {
    Populated p = SHARED ? Populated.reuseOrOpen(system, value, distribution, entries)
        : Populated.open(system, value, distribution, entries);
    peer = p.peer;
    samples = p.samples;
    if (compact) {
      System.gc();
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    if (!SHARED) {
      peer.close();
    }
  }

  /** Closes the system shared mode kept open, if any (files deleted, Redis keys removed). */
  static void closeShared() {
    Populated.closeShared();
  }

  /** A populated system and its key samples; in shared mode, the one kept for the next run. */
  private static final class Populated {
    private static Populated shared;
    private static boolean hookAdded;
    private static boolean shutDown;

    final String key;
    final Peer peer;
    final int[] samples;

    private Populated(String key, Peer peer, int[] samples) {
      this.key = key;
      this.peer = peer;
      this.samples = samples;
    }

    static Populated open(String system, String value, String distribution, int entries) {
      ValueKind kind = ValueKind.of(value);
      Peer peer = Peers.open(system, kind, entries);
      long start = System.nanoTime();
      int[] samples;
      try {
        Peers.populate(peer, kind, entries);
        check(peer, system, entries);
        samples = Keys.samples(distribution, entries, 42);
      } catch (RuntimeException | Error e) {
        if (SHARED) { // a fork exits; this JVM goes on to the next run, so release the files or keys now
          peer.close();
        }
        throw e;
      }
      System.out.printf("%n# %s: %,d %s values written in %.1f s%n", system, entries, value,
          (System.nanoTime() - start) / 1e9);
      return new Populated(key(system, value, distribution, entries), peer, samples);
    }

    static synchronized Populated reuseOrOpen(String system, String value, String distribution, int entries) {
      String key = key(system, value, distribution, entries);
      if (shared != null && shared.key.equals(key)) {
        check(shared.peer, system, entries);
        System.out.printf("%n# %s: reusing the %,d %s values populated earlier in this JVM%n", system, entries, value);
        return shared;
      }
      closeShared();
      if (shutDown) { // the JVM is exiting: what opened now would outlive the hook that closes it
        throw new IllegalStateException("the JVM is shutting down: " + system + " not opened");
      }
      if (!hookAdded) {
        Runtime.getRuntime().addShutdownHook(new Thread(Populated::shutDown, "inkv-suite-close"));
        hookAdded = true;
      }
      shared = open(system, value, distribution, entries);
      return shared;
    }

    private static synchronized void shutDown() {
      shutDown = true;
      closeShared();
    }

    static synchronized void closeShared() {
      if (shared != null) {
        Populated p = shared;
        shared = null;
        p.peer.close();
      }
    }

    /** Keys 0 and entries-1 present, key entries absent: what every operation relies on. */
    private static void check(Peer peer, String system, int entries) {
      Peer.Client check = peer.client();
      if (check.get(0) == null || check.get(entries - 1) == null || check.get(entries) != null) {
        throw new IllegalStateException(system + " does not hold what was written");
      }
    }

    private static String key(String system, String value, String distribution, int entries) {
      return system + "/" + value + "/" + distribution + "/" + entries;
    }
  }

  /** One thread's client, its place in the samples, and its prepared put values. */
  @State(Scope.Thread)
  public static class Worker {
    Peer.Client client;
    Object[] pool;
    int next;
    int op;

    @Setup(Level.Trial)
    public void start(PeerBenchmark bench, ThreadParams params) {
      client = bench.peer.client();
      ValueKind kind = ValueKind.of(bench.value);
      pool = new Object[POOL];
      for (int i = 0; i < POOL; i++) {
        pool[i] = client.prepare(kind.value(i, 1 + params.getThreadIndex()));
      }
      next = params.getThreadIndex() * (Keys.SAMPLES / params.getThreadCount()) + 17;
    }
  }

  @Benchmark
  public Object getPresent(Worker w) {
    return w.client.get(samples[w.next++ & MASK]);
  }

  @Benchmark
  public Object getAbsent(Worker w) {
    return w.client.get((long) entries + samples[w.next++ & MASK]);
  }

  @Benchmark
  public void put(Worker w) {
    int i = w.next++;
    w.client.put(samples[i & MASK], w.pool[i & (POOL - 1)]);
  }

  @Benchmark
  public Object mix(Worker w) {
    int i = w.next++;
    if (++w.op == 5) {
      w.op = 0;
      w.client.put(samples[i & MASK], w.pool[i & (POOL - 1)]);
      return null;
    }
    return w.client.get(samples[i & MASK]);
  }
}
