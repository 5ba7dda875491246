package io.inkv.benchmarks.store;

import io.inkv.benchmarks.BenchmarkDefaults;
import io.inkv.store.Durability;
import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.ThreadParams;

/*
 * What the store's get and put benchmarks measure against: a store of `entries` values of
 * `valueSize` bytes under Keys.present(0 .. entries-1), filled once per trial in a fresh TempStore
 * directory with Durability.NONE, the sample keys chosen by `distribution`, and the store closed
 * and its directory deleted after the trial. The JMH settings (BenchmarkDefaults' and one thread)
 * are here too, so that a get and a put figure come from runs of the same length and heap. JMH
 * takes @Param fields, @Setup and @TearDown methods and its class annotations (all @Inherited)
 * from a superclass.
 */
@State(Scope.Benchmark)
@Threads(1)
public abstract class PopulatedStore extends BenchmarkDefaults {
  @Param("1000000")
  int entries;

  @Param("100")
  int valueSize;

  @Param({"uniform", "zipf"})
  String distribution;

  Path dir;
  Store store;
  int[] samples;

  /**
   * Opens the store in a fresh directory named with {@code prefix}, with Durability.NONE and what
   * {@code options} adds, puts every entry and picks the samples.
   */
  final void fill(String prefix, UnaryOperator<StoreOptions.Builder> options) {
    dir = TempStore.create(prefix);
    store = options.apply(StoreOptions.builder(dir).durability(Durability.NONE)).open();
    for (int i = 0; i < entries; i++) {
      store.put(Keys.present(i), Keys.value(valueSize, i));
    }
    samples = Keys.samples(distribution, entries, 42);
  }

  @TearDown(Level.Trial)
  public void delete() {
    store.close();
    TempStore.delete(dir);
  }

  /** Where a thread starts in the samples: threads spread over them, so they do not walk in step. */
  static int firstSample(ThreadParams params) {
    return params.getThreadIndex() * (Keys.SAMPLES / params.getThreadCount()) + 17;
  }
}
