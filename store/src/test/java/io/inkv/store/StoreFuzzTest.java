package io.inkv.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes the record and segment reader: random workloads, then damaged segment files and index
 * images (bit flips, truncation, zeroed ranges, appended garbage, random bytes in file and record
 * headers, deleted files, and images and segment headers whose checksums were recomputed after the
 * damage), each reopened (writable or read-only), read key by key, iterated, verified and, when
 * writable, written, closed and reopened.
 *
 * <p>Every input must end in one of: a clean open, an open that lost a tail, a read or verify that
 * reports {@link Store.CorruptedException}, or an open refused with a {@link StoreException} whose
 * message names a file of the store. Never another exception or error, never a hang (a watchdog
 * fails an input that runs longer than {@code inkv.fuzz.timeoutSeconds}, default 30), and never a
 * wrong value: values describe themselves ({@link SelfCheckingValues}), so every value returned
 * must be one that was written under that key, byte for byte.
 *
 * <p>Default run: about {@code inkv.fuzz.seconds} (default 4) seconds. With
 * {@code -Dinkv.reliability=true}: {@code inkv.fuzz.inputs} inputs (default 1,000,000). Stores go
 * under {@code inkv.fuzz.dir}, by default {@code /dev/shm} where it exists (tmpfs: no disk I/O).
 * The seed is {@code inkv.fuzz.seed} (default random, printed) and every failure names the
 * workload, input and mutation that caused it.
 */
class StoreFuzzTest {
  private static final boolean LONG = Boolean.getBoolean("inkv.reliability");
  private static final long INPUTS = Long.getLong("inkv.fuzz.inputs", LONG ? 1_000_000 : Long.MAX_VALUE);
  private static final long SECONDS = Long.getLong("inkv.fuzz.seconds", LONG ? Long.MAX_VALUE / 2_000_000_000 : 4);
  private static final long TIMEOUT_SECONDS = Long.getLong("inkv.fuzz.timeoutSeconds", 30);
  private static final int INPUTS_PER_WORKLOAD = 100;
  /*
   * Images whose checksums were recomputed after entries were pointed at aligned offsets inside
   * other records (a forged or miswritten image): the readers that follow index addresses do not
   * yet check a record's header before using its key length, so this mode is off by default; see
   * RELIABILITY.md.
   */
  private static final boolean FORGED_IMAGE_ENTRIES = Boolean.getBoolean("inkv.fuzz.forgedImageEntries");
  private static final int SEGMENT_SIZE = StoreOptions.MIN_SEGMENT_SIZE;

  @TempDir Path tempDir;

  /** Outcome classes and their counts, for the printed summary. */
  private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();

  private int storageErrorsShown;

  private void count(String outcome) {
    outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
  }

  @Test
  void damagedSegmentsAndImagesNeverCrashHangOrReturnAWrongValue() throws Exception {
    long seed = Long.getLong("inkv.fuzz.seed", new SplittableRandom().nextLong());
    Path base = base();
    Logger storeLog = Logger.getLogger(LogStore.class.getPackageName());
    Level level = storeLog.getLevel();
    storeLog.setLevel(Level.OFF); // torn tails and rebuilt images are logged as warnings: a million of them
    AtomicLong inputs = new AtomicLong();
    AtomicReference<String> current = new AtomicReference<>("starting");
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long deadline = System.nanoTime() + SECONDS * 1_000_000_000L;
    Thread worker = new Thread(() -> {
      try {
        SplittableRandom random = new SplittableRandom(seed);
        for (long w = 0; inputs.get() < INPUTS && System.nanoTime() < deadline; w++) {
          long workloadSeed = random.nextLong();
          Path dir = base.resolve("w");
          deleteTree(dir);
          Workload workload = Workload.run(dir, workloadSeed);
          for (int i = 0; i < INPUTS_PER_WORKLOAD && inputs.get() < INPUTS; i++) {
            long inputSeed = random.nextLong();
            Path target = base.resolve("in");
            deleteTree(target);
            String mutation = mutate(workload.files, target, new SplittableRandom(inputSeed));
            current.set("workload " + Long.toHexString(workloadSeed) + ", input " + Long.toHexString(inputSeed) + ": " + mutation);
            check(target, workload, new SplittableRandom(inputSeed ^ 0x5DEECE66DL), current.get());
            inputs.incrementAndGet();
          }
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    }, "store-fuzz");
    worker.setDaemon(true);
    long started = System.nanoTime();
    worker.start();
    try {
      long lastCount = -1;
      long lastProgress = System.nanoTime();
      while (worker.isAlive()) {
        worker.join(1000);
        long n = inputs.get();
        if (n != lastCount) {
          lastCount = n;
          lastProgress = System.nanoTime();
        } else if (System.nanoTime() - lastProgress > TIMEOUT_SECONDS * 1_000_000_000L) {
          StringBuilder stack = new StringBuilder();
          for (StackTraceElement e : worker.getStackTrace()) {
            stack.append("\n    at ").append(e);
          }
          fail("an input ran longer than " + TIMEOUT_SECONDS + " s (seed " + seed + "): " + current.get() + stack);
        }
      }
    } finally {
      storeLog.setLevel(level);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf("StoreFuzzTest: seed %d, %d inputs in %.1f s (%.0f/s)%n", seed, inputs.get(), seconds, inputs.get() / seconds);
    new TreeMap<>(outcomes).forEach((k, v) -> System.out.printf("  %-60s %d%n", k, v.sum()));
    if (failure.get() != null) {
      throw new AssertionError("seed " + seed + ", " + current.get() + ": " + failure.get(), failure.get());
    }
    assertTrue(inputs.get() > 0, "no input ran");
    deleteTree(base.resolve("w"));
    deleteTree(base.resolve("in"));
  }

  private Path base() throws IOException {
    String configured = System.getProperty("inkv.fuzz.dir");
    Path root = configured != null ? Paths.get(configured)
        : Files.isDirectory(Paths.get("/dev/shm")) && Files.isWritable(Paths.get("/dev/shm")) ? Paths.get("/dev/shm") : tempDir;
    return Files.createTempDirectory(root, "inkv-fuzz-");
  }

  // ------------------------------------------------------------------ workloads

  /** A store written at random, and for each key every version written to it. */
  private static final class Workload {
    final Map<String, byte[]> files = new TreeMap<>();
    /** Per key index, the latest version put (0 if removed or never written). */
    final long[] latest;
    final int keys;

    private Workload(int keys) {
      this.keys = keys;
      this.latest = new long[keys];
    }

    static Workload run(Path dir, long seed) throws IOException {
      SplittableRandom random = new SplittableRandom(seed);
      Workload w = new Workload(10 + random.nextInt(120));
      StoreOptions.Builder options = StoreOptions.builder(dir).segmentSize(SEGMENT_SIZE)
          .backgroundMaintenance(false).compactionThreshold(0.2 + random.nextDouble() * 0.6);
      long version = 1;
      Store store = options.open();
      try {
        int ops = 30 + random.nextInt(random.nextInt(4) == 0 ? 1500 : 400);
        for (int op = 0; op < ops; op++) {
          int k = random.nextInt(w.keys);
          int dice = random.nextInt(100);
          if (dice < 75) {
            int length = SelfCheckingValues.MIN_LENGTH + (random.nextInt(8) == 0 ? random.nextInt(6000) : random.nextInt(300));
            store.put(key(k), SelfCheckingValues.create(k, version, length));
            w.latest[k] = version++;
          } else if (dice < 93) {
            store.remove(key(k));
            w.latest[k] = 0;
          } else if (dice < 96) {
            store.flush();
          } else if (dice < 99) {
            store.compact();
          } else if (random.nextInt(4) == 0) {
            store.clear();
            Arrays.fill(w.latest, 0);
          }
        }
        if (random.nextBoolean()) {
          w.capture(dir); // a crash image: the files as a kill -9 now would leave them
          store.close();
        } else {
          store.close();
          w.capture(dir);
        }
      } catch (RuntimeException | IOException | Error e) {
        store.close();
        throw e;
      }
      return w;
    }

    private void capture(Path dir) throws IOException {
      try (Stream<Path> list = Files.list(dir)) {
        for (Path p : list.toList()) {
          String name = p.getFileName().toString();
          if (!name.equals("inkv.lock")) {
            files.put(name, Files.readAllBytes(p));
          }
        }
      }
    }
  }

  static byte[] key(int k) {
    return ("k" + k).getBytes(StandardCharsets.US_ASCII);
  }

  // ------------------------------------------------------------------ mutations

  /** Writes the workload's files, damaged one way, into {@code target}; returns what was done. */
  private static String mutate(Map<String, byte[]> files, Path target, SplittableRandom random) throws IOException {
    Files.createDirectories(target);
    List<String> names = new ArrayList<>(files.keySet());
    names.remove("inkv.manifest");
    String victim = names.isEmpty() || random.nextInt(50) == 0 ? "inkv.manifest" : names.get(random.nextInt(names.size()));
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      if (!e.getKey().equals(victim)) {
        Files.write(target.resolve(e.getKey()), e.getValue());
      }
    }
    byte[] b = files.get(victim).clone();
    boolean image = victim.equals("index.img");
    boolean segment = victim.endsWith(".seg");
    String what;
    int kind = random.nextInt(12);
    switch (kind) {
      case 0 -> {
        int n = 1 + random.nextInt(8);
        for (int i = 0; i < n; i++) {
          int at = random.nextInt(b.length);
          b[at] ^= (byte) (1 << random.nextInt(8));
        }
        what = n + " bit flips";
      }
      case 1 -> {
        int at = usedBytes(b, segment) > 0 ? random.nextInt(usedBytes(b, segment) + 1) : random.nextInt(b.length + 1);
        b = Arrays.copyOf(b, at);
        what = "truncated to " + at;
      }
      case 2 -> {
        int at = random.nextInt(b.length);
        int n = Math.min(b.length - at, 1 + random.nextInt(random.nextBoolean() ? 64 : 8192));
        Arrays.fill(b, at, at + n, (byte) 0);
        what = "zeroed [" + at + ", " + (at + n) + ")";
      }
      case 3 -> {
        byte[] garbage = new byte[1 + random.nextInt(5000)];
        random.nextBytes(garbage);
        byte[] out = Arrays.copyOf(b, b.length + garbage.length);
        System.arraycopy(garbage, 0, out, b.length, garbage.length);
        b = out;
        what = "appended " + garbage.length + " random bytes";
      }
      case 4, 5 -> {
        int n = 1 + random.nextInt(8);
        for (int i = 0; i < n; i++) {
          b[random.nextInt(Math.min(64, b.length))] = (byte) random.nextInt();
        }
        what = n + " random bytes in the file header";
        if (kind == 5 && (segment || image)) {
          reseal(b, image);
          what += ", checksums recomputed";
        }
      }
      case 6, 7 -> {
        // random bytes in a record header (segments) or anywhere in the body (image), resealed half the time
        int used = segment ? usedBytes(b, true) : b.length;
        int at = segment ? 64 + 8 * random.nextInt(Math.max(1, (used - 64) / 8)) : 64 + random.nextInt(Math.max(1, b.length - 64));
        int n = 1 + random.nextInt(6);
        for (int i = 0; i < n && at < b.length; i++) {
          b[Math.min(b.length - 1, at + random.nextInt(segment ? 32 : 16))] = (byte) random.nextInt();
        }
        what = n + " random bytes near " + at;
        if (kind == 7 && (segment || (image && FORGED_IMAGE_ENTRIES))) {
          reseal(b, image);
          what += ", file checksums recomputed";
        }
      }
      case 8 -> {
        int from = random.nextInt(b.length);
        int to = random.nextInt(b.length);
        int n = Math.min(1 + random.nextInt(512), Math.min(b.length - from, b.length - to));
        System.arraycopy(b.clone(), from, b, to, n);
        what = "copied " + n + " bytes from " + from + " to " + to;
      }
      case 9 -> {
        if (image && b.length >= 64) {
          // a structurally valid image with random entries: addresses into nowhere, wrong counts
          ByteBuffer h = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
          int field = random.nextInt(5);
          switch (field) {
            case 0 -> h.putInt(28, random.nextInt()); // checkpoint offset
            case 1 -> h.putInt(24, random.nextInt(4) == 0 ? random.nextInt() : h.getInt(24) + random.nextInt(3) - 1);
            case 2 -> h.putLong(32, random.nextLong()); // next sequence
            case 3 -> h.putLong(40, random.nextLong()); // clear floor
            default -> {
              int entries = (int) Math.min(Integer.MAX_VALUE, h.getLong(48));
              int segs = h.getInt(56);
              int body = 64 + 40 * Math.max(0, segs);
              if (entries > 0 && body + 16 * entries <= b.length - 16) {
                int e = body + 16 * random.nextInt(entries);
                long address = h.getLong(e + 8);
                int offsetBits = FORGED_IMAGE_ENTRIES ? random.nextInt(3) : 2 * random.nextInt(2);
                long offset = offsetBits == 0 ? random.nextInt() : offsetBits == 1 ? (address & 0xFFFFFFFFL) + 8 * (random.nextInt(9) - 4)
                    : (address & 0xFFFFFFFFL) + 1 + random.nextInt(7);
                h.putLong(e + 8, (address & 0xFFFFFFFF00000000L) | (offset & 0xFFFFFFFFL));
              } else if (segs > 0 && 64 + 40 * segs <= b.length - 16) {
                int s = 64 + 40 * random.nextInt(segs);
                h.putInt(s + 4, random.nextInt(3) == 0 ? random.nextInt() : h.getInt(s + 4) + random.nextInt(64) - 32);
              }
            }
          }
          reseal(b, true);
          what = "image field " + field + " set at random, checksums recomputed";
        } else {
          b = null;
          what = "deleted";
        }
      }
      default -> {
        b = null;
        what = "deleted";
      }
    }
    if (b != null) {
      Files.write(target.resolve(victim), b);
    }
    return victim + " " + what;
  }

  /** For a segment, the bytes up to the first zero length word; otherwise the whole file. */
  private static int usedBytes(byte[] b, boolean segment) {
    if (!segment || b.length < 64) {
      return b.length;
    }
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    int at = 64;
    while (at + 32 <= b.length) {
      int length = bb.getInt(at + 4);
      if (length <= 0 || length > b.length - at) {
        return at;
      }
      at += (length + 7) & ~7;
    }
    return Math.min(at, b.length);
  }

  /** Recomputes the header CRC (and for an image, the body CRC), so only structural checks can catch the damage. */
  private static void reseal(byte[] b, boolean image) {
    if (b.length < 64) {
      return;
    }
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    if (image && b.length >= 80) {
      CRC32C body = new CRC32C();
      body.update(b, 64, b.length - 16 - 64);
      bb.putInt(b.length - 16, (int) body.getValue());
    }
    CRC32C header = new CRC32C();
    header.update(b, 0, 60);
    bb.putInt(60, (int) header.getValue());
  }

  // ------------------------------------------------------------------ checks

  private void check(Path dir, Workload w, SplittableRandom random, String input) {
    boolean readOnly = random.nextInt(3) == 0;
    StoreOptions.Builder options = StoreOptions.builder(dir).segmentSize(SEGMENT_SIZE)
        .backgroundMaintenance(false).readOnly(readOnly);
    Store store;
    try {
      store = options.open();
    } catch (StoreException e) {
      assertNamesAFile(e, dir, input);
      count("open refused: " + e.getClass().getSimpleName());
      if (e instanceof Store.StorageException && storageErrorsShown++ < 3) {
        System.out.println("StoreFuzzTest: open refused with StorageException (" + input + "): " + e.getMessage());
      }
      return;
    }
    boolean complete;
    boolean reported = false;
    try {
      complete = readAll(store, w, input);
    } catch (Store.CorruptedException e) {
      assertNamesAFile(e, dir, input);
      reported = true;
      complete = false;
    }
    try {
      store.verify();
    } catch (Store.CorruptedException e) {
      assertNamesAFile(e, dir, input);
      reported = true;
    }
    if (reported) {
      count("opened, damage reported by a read or verify");
    } else {
      count(complete ? "opened, every write intact" : "opened, a tail or older writes lost, no error");
    }
    if (readOnly) {
      store.close();
      return;
    }
    // The damaged store takes writes, and keeps them across a reopen.
    int[] keys = new int[1 + random.nextInt(5)];
    byte[][] values = new byte[keys.length][];
    try {
      for (int i = 0; i < keys.length; i++) {
        keys[i] = random.nextInt(w.keys);
        values[i] = SelfCheckingValues.create(keys[i], 1_000_000_000L + i, SelfCheckingValues.MIN_LENGTH + random.nextInt(200));
        store.put(key(keys[i]), values[i]);
      }
    } finally {
      store.close();
    }
    Store reopened = options.open();
    try {
      for (int i = keys.length - 1; i >= 0; i--) {
        if (values[i] == null) {
          continue;
        }
        for (int j = 0; j < i; j++) {
          if (keys[j] == keys[i]) {
            values[j] = null; // overwritten by a later one
          }
        }
        int k = keys[i];
        byte[] expected = values[i];
        assertArrayEquals(expected, reopened.get(key(k)), () -> input + ": a write made after the damage was lost on reopen, key " + k);
      }
      readAll(reopened, w, input);
    } catch (Store.CorruptedException e) {
      assertNamesAFile(e, dir, input);
    } finally {
      reopened.close();
    }
  }

  /**
   * Reads every key by get, view, containsKey and the iterator, checking each value returned;
   * returns whether every key had its latest version.
   */
  private static boolean readAll(Store store, Workload w, String input) {
    boolean complete = true;
    ValueView view = new ValueView();
    for (int k = 0; k < w.keys; k++) {
      byte[] v = store.get(key(k));
      long version = v == null ? 0 : checkValue(k, v, input);
      if (version != w.latest[k]) {
        complete = false;
      }
      if (store.get(key(k), view)) {
        checkValue(k, view.toByteArray(), input);
      }
      store.containsKey(key(k));
    }
    for (Iterator<Entry> it = store.iterator(); it.hasNext(); ) {
      Entry e = it.next();
      String name = new String(e.key(), StandardCharsets.US_ASCII);
      int k;
      try {
        k = Integer.parseInt(name.substring(1));
      } catch (RuntimeException ex) {
        throw new AssertionError(input + ": the iterator returned a key never written: " + Arrays.toString(e.key()));
      }
      if (!name.startsWith("k") || k < 0 || k >= w.keys) {
        throw new AssertionError(input + ": the iterator returned a key never written: " + name);
      }
      checkValue(k, e.value(), input);
    }
    return complete;
  }

  private static long checkValue(int k, byte[] value, String input) {
    try {
      return SelfCheckingValues.decode(k, value).version();
    } catch (AssertionError e) {
      throw new AssertionError(input + ": WRONG VALUE: " + e.getMessage(), e);
    }
  }

  private static void assertNamesAFile(StoreException e, Path dir, String input) {
    String m = String.valueOf(e.getMessage());
    if (!m.contains(dir.toString())) {
      throw new AssertionError(input + ": error does not name a file of the store: " + e, e);
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.delete(p);
      }
      Files.delete(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
