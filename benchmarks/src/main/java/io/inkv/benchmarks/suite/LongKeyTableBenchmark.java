package io.inkv.benchmarks.suite;

import io.inkv.benchmarks.BenchmarkDefaults;
import io.inkv.benchmarks.store.Keys;
import io.inkv.store.internal.LongKeyTable;
import java.util.concurrent.ConcurrentHashMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/*
 * The by-reference tier's two tables on their own, without a cache around them: a get of a
 * present Long key in LongKeyTable (keys in a long[], values in an Object[] beside it) and in a
 * ConcurrentHashMap<Long, Object> (slot, node, key object), at `entries` entries, uniform or Zipf
 * keys, each value its own small object as a cache's would be. The key numbers come as ints and
 * are boxed per get in both, as a caller's Long would be.
 *
 *   java -jar benchmarks/target/benchmarks.jar LongKeyTableBenchmark -t 1 -prof gc
 */
@State(Scope.Benchmark)
public class LongKeyTableBenchmark extends BenchmarkDefaults {
  private static final int MASK = Keys.SAMPLES - 1;

  @Param({"table", "chm"})
  public String map;

  @Param({"uniform", "zipf"})
  public String distribution;

  @Param("1000000")
  public int entries;

  private LongKeyTable table;
  private ConcurrentHashMap<Long, Object> chm;
  private int[] samples;

  /** A value the size of a small record: what each entry points at. */
  record Value(long id, long version, String name) {}

  @Setup(Level.Trial)
  public void populate() {
    if (map.equals("table")) {
      table = new LongKeyTable();
    } else {
      chm = new ConcurrentHashMap<>();
    }
    for (long i = 0; i < entries; i++) {
      Value v = new Value(i, 1, "v" + i);
      if (table != null) {
        table.put(i, v);
      } else {
        chm.put(i, v);
      }
    }
    samples = Keys.samples(distribution, entries, 42);
  }

  @State(Scope.Thread)
  public static class Cursor {
    int next = (int) (Thread.currentThread().getId() * 7919);
  }

  @Benchmark
  public Object get(Cursor c) {
    Long key = (long) samples[c.next++ & MASK];
    return table != null ? table.get(key) : chm.get(key);
  }
}
