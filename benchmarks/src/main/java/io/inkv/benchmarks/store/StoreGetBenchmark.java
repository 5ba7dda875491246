package io.inkv.benchmarks.store;

import io.inkv.store.Store;
import io.inkv.store.Verification;
import io.inkv.store.ValueView;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.ThreadParams;

/*
 * Reads from a store of 1M entries (16-byte keys, 100-byte values) that is populated once per
 * trial and stays unchanged while it is measured:
 *
 *   getView    a present key into a reusable ValueView, then one 8-byte read of the value (the
 *              zero-copy path: it must allocate nothing, gc.alloc.rate.norm ~ 0 B/op)
 *   getCopy    a present key as a fresh byte[] (allocates the value array, ~120 B/op)
 *   getAbsent  a key the store never held (hash, index probe, miss)
 *
 * Run with -t 1 and -t 2 for one and two reader threads, -p distribution=uniform,zipf for the key
 * choice, -bm avgt / -bm sample for mean and percentiles, -prof gc for allocation. Store options
 * are the defaults unless -p verification=EVERY_READ|NEVER. The store is filled by this process, so
 * with the default Verification.ONCE its records are trusted and reads skip the CRC32C check;
 * EVERY_READ shows the cost of checking on every read (a store reopened from disk pays it until
 * its background scrub has checked each segment).
 */
public class StoreGetBenchmark extends PopulatedStore {
  @Param("ONCE")
  Verification verification;

  /*
   * 0: unbounded. "entries": bounded at exactly the entries it holds, so the eviction policy is
   * live (every hit counts in its sketch) and nothing is evicted while the gets run.
   */
  @Param({"0", "entries"})
  String bound;

  @Setup(Level.Trial)
  public void populate() {
    fill("inkv-get-", options -> options
        .verification(verification)
        .maxEntries(bound.equals("entries") ? entries : 0));
    if (store.size() != entries) {
      throw new IllegalStateException("populated " + store.size() + " entries, expected " + entries);
    }
  }

  /** Per-thread state: a position in the sample array, reusable key buffers and a reusable view. */
  @State(Scope.Thread)
  public static class Reader {
    final ValueView view = new ValueView();
    final byte[] present = Keys.presentBuffer();
    final byte[] absent = Keys.absentBuffer();
    int next;

    @Setup(Level.Trial)
    public void start(ThreadParams params) {
      next = firstSample(params);
    }

    byte[] nextPresent(int[] samples) {
      Keys.setNumber(present, samples[next++ & (Keys.SAMPLES - 1)]);
      return present;
    }

    byte[] nextAbsent(int[] samples) {
      Keys.setNumber(absent, samples[next++ & (Keys.SAMPLES - 1)]);
      return absent;
    }
  }

  @Benchmark
  public long getView(Reader reader) {
    ValueView view = reader.view;
    if (!store.get(reader.nextPresent(samples), view)) {
      throw new IllegalStateException("a present key was not found");
    }
    return view.getLong(0);
  }

  @Benchmark
  public byte[] getCopy(Reader reader) {
    return store.get(reader.nextPresent(samples));
  }

  @Benchmark
  public boolean getAbsent(Reader reader) {
    return store.get(reader.nextAbsent(samples), reader.view);
  }
}
