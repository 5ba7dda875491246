package io.inkv.benchmarks.store;

import io.inkv.store.Durability;
import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.annotations.Warmup;

/*
 * Open time of a store of 10M entries (16-byte keys, 20-byte values: 72-byte records, about
 * 720 MB of segments and a 160 MB index image; 877 MB of files in all), built once per trial. Each iteration is one open;
 * the store it opened is closed after the iteration, outside the measurement.
 *
 *   reopenAfterClose   after a clean close: load index.img, scan nothing.
 *   reopenAfterCrash   after an unclean stop: before each iteration a child JVM
 *                      (CrashWriter) opens the store, overwrites tailEntries random keys without
 *                      letting an index image be written, and halts without closing (as kill -9
 *                      would leave it). Open then loads the older image and scans the tail.
 *
 * The files are in the page cache (they were just written), so this measures the CPU work of
 * open, not a cold read from disk. The warm-up iteration is the first open in a fresh JVM, as at
 * a real start (JMH prints it, outside the mean); the measured ones run with open's code compiled.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class StoreOpenBenchmark {
  @Param("10000000")
  int entries;

  @Param("20")
  int valueSize;

  @Param("1000000")
  int tailEntries;

  Path dir;
  Store opened;

  @Setup(Level.Trial)
  public void build() {
    dir = TempStore.create("inkv-open-");
    long start = System.nanoTime();
    try (Store store = options(dir).open()) {
      byte[] value = Keys.value(valueSize, 7);
      for (int i = 0; i < entries; i++) {
        LittleEndianInt.put(value, i);
        store.put(Keys.present(i), value);
      }
    }
    System.out.printf("%nbuilt %,d entries in %.1f s: %,d MB of files in %s%n", entries,
        (System.nanoTime() - start) / 1e9, TempStore.sizeOf(dir) >> 20, dir);
  }

  static StoreOptions.Builder options(Path dir) {
    return StoreOptions.builder(dir).durability(Durability.NONE);
  }

  @TearDown(Level.Iteration)
  public void closeOpened() {
    if (opened != null) {
      long size = opened.size();
      opened.close();
      opened = null;
      if (size != entries) {
        throw new IllegalStateException("reopened with " + size + " entries, expected " + entries);
      }
    }
  }

  @TearDown(Level.Trial)
  public void delete() {
    TempStore.delete(dir);
  }

  @Benchmark
  public Store reopenAfterClose() {
    opened = options(dir).createIfMissing(false).open();
    return opened;
  }

  @Benchmark
  public Store reopenAfterCrash(CrashedTail tail) {
    opened = options(dir).createIfMissing(false).open();
    return opened;
  }

  /** Before each iteration, leaves the store as a process killed after writing a tail would. */
  @State(Scope.Benchmark)
  public static class CrashedTail {
    @Setup(Level.Iteration)
    public void crash(StoreOpenBenchmark benchmark) throws InterruptedException {
      List<String> command = new ArrayList<>();
      command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xmx3g");
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(CrashWriter.class.getName());
      command.add(benchmark.dir.toString());
      command.add(Integer.toString(benchmark.entries));
      command.add(Integer.toString(benchmark.tailEntries));
      command.add(Integer.toString(benchmark.valueSize));
      try {
        Process p = new ProcessBuilder(command).inheritIO().start();
        int exit = p.waitFor();
        if (exit != CrashWriter.EXIT_CODE) {
          throw new IllegalStateException("CrashWriter exited with " + exit + ", expected " + CrashWriter.EXIT_CODE);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start CrashWriter", e);
      }
    }
  }

  private static final class LittleEndianInt {
    static void put(byte[] b, int v) {
      b[0] = (byte) v;
      b[1] = (byte) (v >>> 8);
      b[2] = (byte) (v >>> 16);
      b[3] = (byte) (v >>> 24);
    }
  }
}
