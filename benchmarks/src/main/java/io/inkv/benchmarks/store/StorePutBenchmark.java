package io.inkv.benchmarks.store;

import io.inkv.store.Durability;
import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/*
 * Overwrites existing keys of a store of 1M entries (16-byte keys, 100-byte values), populated
 * once per trial. Every put appends a 152-byte record and turns the old one into garbage, so the
 * background compactor runs during the measurement, as it would in service; the figures include
 * its competition for the cores. Durability is NONE by default (the OS writes pages back);
 * -p durability=EVERY_WRITE measures a put that returns only after an fsync (group commit).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Threads(1)
public class StorePutBenchmark {
  @Param("1000000")
  int entries;

  @Param("100")
  int valueSize;

  @Param({"uniform", "zipf"})
  String distribution;

  @Param("NONE")
  Durability durability;

  Path dir;
  Store store;
  int[] samples;

  @Setup(Level.Trial)
  public void populate() {
    dir = TempStore.create("inkv-put-");
    // Populating with an fsync per put would take hours: populate without, then reopen with the
    // durability under test, which applies to the measured overwrites only.
    store = StoreOptions.builder(dir).durability(Durability.NONE).open();
    for (int i = 0; i < entries; i++) {
      store.put(Keys.present(i), Keys.value(valueSize, i));
    }
    if (durability != Durability.NONE) {
      store.close();
      store = StoreOptions.builder(dir).durability(durability).open();
    }
    samples = Keys.samples(distribution, entries, 42);
  }

  @TearDown(Level.Trial)
  public void delete() {
    store.close();
    TempStore.delete(dir);
  }

  /** Per-thread state: a position in the sample array, a reusable key buffer, the value it writes. */
  @State(Scope.Thread)
  public static class Writer {
    final byte[] key = Keys.presentBuffer();
    byte[] value;
    int next;

    @Setup(Level.Trial)
    public void start(ThreadParams params, StorePutBenchmark benchmark) {
      value = Keys.value(benchmark.valueSize, -1 - params.getThreadIndex());
      next = params.getThreadIndex() * (Keys.SAMPLES / params.getThreadCount()) + 17;
    }

    byte[] nextKey(int[] samples) {
      Keys.setNumber(key, samples[next++ & (Keys.SAMPLES - 1)]);
      return key;
    }
  }

  @Benchmark
  public void put(Writer writer) {
    store.put(writer.nextKey(samples), writer.value);
  }
}
