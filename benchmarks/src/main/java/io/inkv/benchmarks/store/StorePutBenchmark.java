package io.inkv.benchmarks.store;

import io.inkv.store.Durability;
import io.inkv.store.StoreOptions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.ThreadParams;

/*
 * Overwrites existing keys of a store of 1M entries (16-byte keys, 100-byte values), populated
 * once per trial. Every put appends a 152-byte record and turns the old one into garbage, so the
 * background compactor runs during the measurement, as it would in service; the figures include
 * its competition for the cores. Durability is NONE by default (the OS writes pages back);
 * -p durability=EVERY_WRITE measures a put that returns only after an fsync (group commit).
 */
public class StorePutBenchmark extends PopulatedStore {
  @Param("NONE")
  Durability durability;

  @Setup(Level.Trial)
  public void populate() {
    // Populating with an fsync per put would take hours: populate without, then reopen with the
    // durability under test, which applies to the measured overwrites only.
    fill("inkv-put-", options -> options);
    if (durability != Durability.NONE) {
      store.close();
      store = StoreOptions.builder(dir).durability(durability).open();
      // The measured writes go to a segment made under the durability under test, as every one
      // of a store run with it would be (a store that forces every write makes its segment files
      // in 4 KiB pages, so that a force writes back only what changed): one value that fills a
      // segment of its own makes the store roll past the populated segments, and is removed.
      byte[] filler = "inkv-put-filler".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      store.put(filler, new byte[store.maxValueLength() - filler.length]);
      store.remove(filler);
    }
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
      next = firstSample(params);
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
