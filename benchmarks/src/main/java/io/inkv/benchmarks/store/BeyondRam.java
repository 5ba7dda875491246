package io.inkv.benchmarks.store;

import io.inkv.store.Durability;
import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import io.inkv.store.ValueView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/*
 * The beyond-RAM harness (benchmarks/run-beyond-ram.sh runs it; benchmarks/README.md has the
 * figures): one JVM loads a store, another reads it, the script drops the page cache in between
 * and puts the reading JVM in a memory cgroup smaller than the data.
 *
 *   load  inkv|rocksdb DIR N VALUE_BYTES       N entries, keys Keys.present(0..N-1), random values
 *   read  inkv|rocksdb DIR N uniform|zipf THREADS SECONDS
 *
 * read prints one line: ops/s, p50/p99/p99.9 of a get in microseconds (HdrHistogram), bytes the
 * process read from the block device per get (read_bytes of /proc/self/io: page-cache misses,
 * read-ahead included) and major faults per get (field 12 of /proc/self/stat: faults on a mapping
 * that needed the device). The counters are taken around the timed loop only, after the store is
 * open, so opening (inkv's index image, RocksDB's table metadata) is not counted.
 *
 * inkv: default segments (64 MiB), Durability.NONE while loading, no background maintenance
 * (nothing to compact, and the tick would write an image during the read run), a ValueView get
 * (no copy). RocksDB: as the question it answers was asked: a bloom filter of 10 bits a key, a
 * 256 MB LRU block cache, no compression (the values are random), loaded through write batches
 * without the WAL, then flushed and compacted into one sorted run, read with a reused buffer.
 */
public final class BeyondRam {
  private BeyondRam() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 5) {
      System.err.println("usage: load inkv|rocksdb DIR N VALUE_BYTES | read inkv|rocksdb DIR N uniform|zipf THREADS SECONDS");
      System.exit(2);
    }
    String system = args[1];
    Path dir = Path.of(args[2]);
    int n = Integer.parseInt(args[3]);
    if (!system.equals("inkv") && !system.equals("rocksdb")) {
      throw new IllegalArgumentException("system must be inkv or rocksdb: " + system);
    }
    switch (args[0]) {
      case "load" -> load(system, dir, n, Integer.parseInt(args[4]));
      case "read" -> read(system, dir, n, args[4], Integer.parseInt(args[5]), Integer.parseInt(args[6]));
      default -> throw new IllegalArgumentException("command must be load or read: " + args[0]);
    }
  }

  // ------------------------------------------------------------------ load

  private static void load(String system, Path dir, int n, int valueBytes) throws Exception {
    Files.createDirectories(dir);
    byte[] value = new byte[valueBytes];
    SplittableRandom random = new SplittableRandom(42);
    byte[] key = Keys.presentBuffer();
    long start = System.nanoTime();
    if (system.equals("inkv")) {
      try (Store store = StoreOptions.builder(dir).durability(Durability.NONE).backgroundMaintenance(false).open()) {
        for (int i = 0; i < n; i++) {
          Keys.setNumber(key, i);
          random.nextBytes(value);
          store.put(key, value);
        }
      }
    } else {
      RocksDB.loadLibrary();
      try (Options options = rocksOptions(); RocksDB db = RocksDB.open(options, dir.toString());
          WriteOptions noWal = new WriteOptions().setDisableWAL(true)) {
        WriteBatch batch = new WriteBatch();
        for (int i = 0; i < n; i++) {
          Keys.setNumber(key, i);
          random.nextBytes(value);
          batch.put(key, value);
          if (batch.count() == 1000) {
            db.write(noWal, batch);
            batch.close();
            batch = new WriteBatch();
          }
        }
        db.write(noWal, batch);
        batch.close();
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
          db.flush(flush);
        }
        db.compactRange();
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("load %s: %,d entries of %d bytes in %.1f s, %,.0f entries/s, %s on disk%n", system, n, valueBytes,
        seconds, n / seconds, human(sizeOf(dir)));
  }

  private static Options rocksOptions() {
    BlockBasedTableConfig table = new BlockBasedTableConfig()
        .setFilterPolicy(new BloomFilter(10))
        .setBlockCache(new LRUCache(256L << 20));
    return new Options().setCreateIfMissing(true).setTableFormatConfig(table)
        .setCompressionType(CompressionType.NO_COMPRESSION).setMaxOpenFiles(-1);
  }

  // ------------------------------------------------------------------ read

  /** One reading thread's loop: a get of key number {@code k}, returning the value's length. */
  private interface Getter {
    int get(byte[] key) throws Exception;
  }

  private static void read(String system, Path dir, int n, String distribution, int threads, int seconds) throws Exception {
    int[] samples = Keys.samples(distribution, n, 7);
    Store store = null;
    RocksDB db = null;
    Options options = null;
    long openStart = System.nanoTime();
    if (system.equals("inkv")) {
      store = StoreOptions.builder(dir).backgroundMaintenance(false).open();
    } else {
      RocksDB.loadLibrary();
      options = rocksOptions();
      db = RocksDB.openReadOnly(options, dir.toString());
    }
    double openSeconds = (System.nanoTime() - openStart) / 1e9;
    long heapAfterOpen = usedHeap();
    Store s = store;
    RocksDB d = db;
    List<Histogram> histograms = new ArrayList<>();
    long[] counts = new long[threads];
    long[] before = counters();
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Histogram h = new Histogram(3_600_000_000L, 3);
      histograms.add(h);
      int id = t;
      Getter getter;
      if (s != null) {
        ValueView view = new ValueView();
        getter = key -> s.get(key, view) ? view.length() : -1;
      } else {
        byte[] buffer = new byte[64 << 10];
        ReadOptions ro = new ReadOptions();
        getter = key -> d.get(d.getDefaultColumnFamily(), ro, key, 0, key.length, buffer, 0, buffer.length);
      }
      Thread w = new Thread(() -> {
        byte[] key = Keys.presentBuffer();
        int at = (int) ((long) id * Keys.SAMPLES / threads);
        long done = 0;
        try {
          while (true) {
            if ((done & 63) == 0 && System.nanoTime() > deadline) {
              break;
            }
            Keys.setNumber(key, samples[at]);
            at = (at + 1) & (Keys.SAMPLES - 1);
            long t0 = System.nanoTime();
            int length = getter.get(key);
            h.recordValue((System.nanoTime() - t0 + 500) / 1000);
            if (length < 0) {
              throw new IllegalStateException("key " + new String(key, java.nio.charset.StandardCharsets.US_ASCII) + " is missing");
            }
            done++;
          }
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
        counts[id] = done;
      }, "reader-" + t);
      workers.add(w);
    }
    long start = System.nanoTime();
    for (Thread w : workers) {
      w.start();
    }
    for (Thread w : workers) {
      w.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long[] after = counters();
    Histogram all = new Histogram(3_600_000_000L, 3);
    long ops = 0;
    for (int t = 0; t < threads; t++) {
      all.add(histograms.get(t));
      ops += counts[t];
    }
    System.out.printf("read %-7s %-7s %d thread(s): %,9.0f ops/s  p50 %,7d us  p99 %,7d us  p99.9 %,7d us  "
            + "%,8.0f bytes read/get  %.3f major faults/get  (%,d gets in %.1f s; open %.1f s, heap after open %s)%n",
        system, distribution, threads, ops / elapsed, all.getValueAtPercentile(50), all.getValueAtPercentile(99),
        all.getValueAtPercentile(99.9), (double) (after[0] - before[0]) / ops, (double) (after[1] - before[1]) / ops,
        ops, elapsed, openSeconds, human(heapAfterOpen));
    if (store != null) {
      store.close();
    }
    if (db != null) {
      db.close();
      options.close();
    }
  }

  /** read_bytes of /proc/self/io and the major faults of /proc/self/stat. */
  private static long[] counters() throws IOException {
    long readBytes = -1;
    for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
      if (line.startsWith("read_bytes:")) {
        readBytes = Long.parseLong(line.substring(11).trim());
      }
    }
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long majorFaults = Long.parseLong(fields[9]); // field 12 counting from 1; fields here start at 3
    return new long[] {readBytes, majorFaults};
  }

  private static long usedHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  private static long sizeOf(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static String human(long bytes) {
    return bytes >= 1L << 30 ? String.format("%.2f GiB", bytes / (double) (1L << 30)) : String.format("%.0f MiB", bytes / (double) (1L << 20));
  }
}
