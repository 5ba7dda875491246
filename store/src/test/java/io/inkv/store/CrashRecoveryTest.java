package io.inkv.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/*
 * Kills a child JVM (Process.destroyForcibly: SIGKILL on Linux, the same as kill -9) at a random
 * instant of a write loop, reopens the store in this JVM and checks it against a model of the
 * writes the child reported as returned. Every trial continues on the same directory, so recovery
 * runs on stores that were themselves recovered, many times over.
 *
 * The child's protocol, in a side file, one line per event, written before the next store call:
 *   R                          the store is open
 *   B <thread> <op> <key> <version>   thread is about to call op (P put, U put through update,
 *                                     D remove, C clear) on key with a value of version
 *   A <thread>                 that thread's last begun op returned
 * Writer threads own disjoint keys; clear runs alone (a read-write lock), so at a kill each key
 * has at most one op in flight and the model knows exactly which states are allowed:
 *   no op in flight: the last acknowledged state (durability promises it for a process crash);
 *   put in flight:   the acknowledged state or the new version;
 *   remove in flight: the acknowledged state or absent;
 *   clear in flight:  all keys as acknowledged, or all keys absent (one record: all or nothing).
 * Values are SelfCheckingValues, so a returned value is checked byte for byte against the write
 * that produced it.
 *
 * A process crash cannot tear a record (the record is published by one release store of its
 * length word into the page cache), so some trials also simulate the torn tail a power loss leaves:
 * they append a record with a bad checksum after the last record of the newest segment before
 * reopening. Recovery must truncate it and keep everything before it.
 *
 * Segments are small (256 KiB) and checkpoints frequent, so kills land mid-roll and mid-image.
 * Trials per durability: a few by default (about 30 s in all); -Dinkv.reliability=true runs 300 of
 * each, and -Dinkv.crash.trials=N any number.
 */
@ExtendWith(StoreResourceCheck.class)
class CrashRecoveryTest {
  private static final int THREADS = 2;
  private static final int KEYS = 400;
  private static final int SEGMENT_SIZE = 256 << 10;

  @TempDir
  Path temp;

  static int trials(Durability durability) {
    Integer forced = Integer.getInteger("inkv.crash.trials");
    if (forced != null) {
      return forced;
    }
    if (Boolean.getBoolean("inkv.reliability")) {
      return 300;
    }
    return switch (durability) {
      case NONE -> 14;
      case EVERY_WRITE -> 12;
      case INTERVAL -> 6;
    };
  }

  static StoreOptions.Builder options(Path dir, Durability durability) {
    return StoreOptions.builder(dir)
        .segmentSize(SEGMENT_SIZE)
        .durability(durability)
        .syncInterval(Duration.ofMillis(20))
        .checkpointBytes(64 << 10)
        .maintenanceInterval(Duration.ofMillis(5));
  }

  static byte[] key(int index) {
    // Key lengths from 5 to 44 bytes.
    return ("k" + index + "-" + "x".repeat(index % 40)).getBytes(StandardCharsets.UTF_8);
  }

  /** Version 0 means "absent". */
  static final long ABSENT = 0;

  @ParameterizedTest
  @EnumSource(Durability.class)
  void everyAcknowledgedWriteSurvivesKillNineAtRandomPoints(Durability durability) throws Exception {
    Path dir = temp.resolve("store");
    long seed = Long.getLong("inkv.crash.seed", System.nanoTime());
    Random random = new Random(seed);
    long[] model = new long[KEYS]; // acknowledged version per key, ABSENT if none
    int trials = trials(durability);
    int killedBeforeReady = 0;
    int tornTails = 0;
    long totalAcks = 0;
    for (int trial = 1; trial <= trials; trial++) {
      String context = "durability " + durability + ", seed " + seed + ", trial " + trial;
      Path log = temp.resolve("child-" + trial + ".err");
      Child child = Child.start(dir, durability, trial, random.nextLong(), log);
      boolean early = random.nextInt(5) == 0;
      if (early) {
        Thread.sleep(random.nextInt(400)); // often during JVM start-up or the child's recovery
      } else {
        child.awaitReady(Duration.ofSeconds(30), context);
        Thread.sleep(random.nextInt(400));
      }
      child.kill();
      List<String> lines = child.lines();
      History history = History.of(lines, model, context);
      if (!history.ready) {
        killedBeforeReady++;
      }
      totalAcks += history.acks;
      if (random.nextInt(3) == 0 && appendTornRecord(dir, random)) {
        tornTails++;
      }
      Path evidence = temp.resolve("before-trial-" + trial);
      if (Files.isDirectory(dir)) {
        copyOf(dir, evidence);
      }
      try {
        long[] observed = reopenAndCheck(dir, durability, history, context + ", child log " + log);
        System.arraycopy(observed, 0, model, 0, KEYS);
      } catch (AssertionError | RuntimeException e) {
        Path kept = Path.of("target", "crash-evidence-" + seed);
        if (Files.isDirectory(evidence)) {
          copyOf(evidence, kept);
        }
        Files.createDirectories(kept);
        Files.write(kept.resolve("child-stdout.txt"), lines);
        throw new AssertionError(context + ": " + e.getMessage() + "\nthe store as the child left it: "
            + kept.toAbsolutePath() + "\nchild stderr:\n" + tail(log), e);
      }
      if (Files.isDirectory(evidence)) {
        deleteTree(evidence);
      }
    }
    System.out.printf("CrashRecoveryTest %s: %d trials, %d acknowledged writes, %d killed before open finished,"
        + " %d torn tails injected, seed %d%n", durability, trials, totalAcks, killedBeforeReady, tornTails, seed);
    assertTrue(totalAcks > 0, "the child never acknowledged a write; the test proved nothing");
  }

  /** Opens the store, checks it against the history, closes it, opens it once more; returns each key's version. */
  private static long[] reopenAndCheck(Path dir, Durability durability, History history, String context) {
    long[] observed = new long[KEYS];
    try (Store store = options(dir, durability).backgroundMaintenance(false).open()) {
      store.verify();
      for (int k = 0; k < KEYS; k++) {
        byte[] value = store.get(key(k));
        observed[k] = value == null ? ABSENT : SelfCheckingValues.decode(k, value).version();
        history.check(k, observed[k]);
      }
      history.checkClearAtomic(observed);
      long present = Arrays.stream(observed).filter(v -> v != ABSENT).count();
      assertEquals(present, store.size(), "size() disagrees with the keys found");
      int iterated = 0;
      for (Iterator<Entry> it = store.iterator(); it.hasNext(); ) {
        Entry e = it.next();
        int k = keyIndex(e.key());
        assertEquals(observed[k], SelfCheckingValues.decode(k, e.value()).version(), "iterator and get disagree");
        iterated++;
      }
      assertEquals(present, iterated, "the iterator returned another number of entries than get found");
    }
    assertReleased(dir);
    try (Store store = options(dir, durability).backgroundMaintenance(false).open()) {
      store.verify();
      for (int k = 0; k < KEYS; k++) {
        byte[] value = store.get(key(k));
        long version = value == null ? ABSENT : SelfCheckingValues.decode(k, value).version();
        assertEquals(observed[k], version, "key " + k + " changed between two clean opens");
      }
    }
    assertReleased(dir);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.tmp")) {
      assertTrue(!files.iterator().hasNext(), "a temp file survived a clean close");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return observed;
  }

  private static void assertReleased(Path dir) {
    if (StoreResourceCheck.supported()) {
      List<String> left = StoreResourceCheck.resourcesUnder(List.of(dir.toAbsolutePath()));
      assertTrue(left.isEmpty(), "after close, still open under " + dir + ": " + left);
    }
  }

  private static int keyIndex(byte[] key) {
    String s = new String(key, StandardCharsets.UTF_8);
    return Integer.parseInt(s.substring(1, s.indexOf('-')));
  }

  /*
   * Simulates a power loss that tore the last write: appends, after the last whole record of the
   * newest segment, a record whose length is plausible but whose bytes are not what its checksum
   * says. Returns false if there is no room or no segment.
   */
  private static boolean appendTornRecord(Path dir, Random random) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false; // the child was killed before it created the store
    }
    Path newest = null;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.seg")) {
      for (Path p : files) {
        if (newest == null || p.getFileName().toString().compareTo(newest.getFileName().toString()) > 0) {
          newest = p;
        }
      }
    }
    if (newest == null) {
      return false;
    }
    try (FileChannel ch = FileChannel.open(newest, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate((int) ch.size()).order(ByteOrder.LITTLE_ENDIAN);
      while (b.hasRemaining() && ch.read(b) >= 0) {
        // read it all
      }
      if (b.capacity() < Segment.HEADER || b.getLong(0) != Segment.MAGIC) {
        return false; // created but never written: recovery deletes it
      }
      int at = Segment.HEADER;
      while (at + RecordFormat.HEADER <= b.capacity()) {
        int length = b.getInt(at + RecordFormat.OFF_LENGTH);
        if (length == 0) {
          break;
        }
        at += RecordFormat.align(length);
      }
      int length = RecordFormat.HEADER + 8 + random.nextInt(200);
      if (at + RecordFormat.align(length) > b.capacity()) {
        return false;
      }
      ByteBuffer torn = ByteBuffer.allocate(RecordFormat.align(length)).order(ByteOrder.LITTLE_ENDIAN);
      byte[] noise = new byte[torn.capacity()];
      random.nextBytes(noise);
      torn.put(noise).flip();
      torn.putInt(0, random.nextInt() | 1).putInt(4, length); // a checksum that will not match
      while (torn.hasRemaining()) {
        ch.write(torn, at + torn.position());
      }
      return true;
    }
  }

  private static Path copyOf(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(from)) {
      for (Path p : files) {
        Files.copy(p, to.resolve(p.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return to;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path p : files) {
        Files.delete(p);
      }
    }
    Files.delete(dir);
  }

  private static String tail(Path log) {
    try {
      if (!Files.exists(log)) {
        return "(none)";
      }
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  // ---------------------------------------------------------------- the parent's view of a trial

  /** What the child reported: per key, the states the store may legitimately be in now. */
  static final class History {
    final long[] acknowledged;
    final long[] inFlight; // the version an unacknowledged put would leave, ABSENT for remove, -1 if none
    boolean clearInFlight;
    boolean ready;
    long acks;
    private final String context;

    private History(long[] model, String context) {
      this.acknowledged = model.clone();
      this.inFlight = new long[KEYS];
      Arrays.fill(inFlight, -1);
      this.context = context;
    }

    static History of(List<String> lines, long[] model, String context) {
      History h = new History(model, context);
      String[] pending = new String[THREADS];
      for (String line : lines) {
        if (line.isEmpty()) {
          continue;
        }
        String[] f = line.split(" ");
        switch (f[0]) {
          case "R" -> h.ready = true;
          case "B" -> pending[Integer.parseInt(f[1])] = line;
          case "A" -> {
            int thread = Integer.parseInt(f[1]);
            h.apply(pending[thread], true);
            pending[thread] = null;
            h.acks++;
          }
          default -> throw new AssertionError(context + ": unexpected line from the child: " + line);
        }
      }
      for (String p : pending) {
        if (p != null) {
          h.apply(p, false);
        }
      }
      return h;
    }

    private void apply(String begin, boolean acknowledged) {
      if (begin == null) {
        throw new AssertionError(context + ": the child acknowledged an op it never began");
      }
      String[] f = begin.split(" ");
      String op = f[2];
      int key = Integer.parseInt(f[3]);
      long version = Long.parseLong(f[4]);
      if (acknowledged) {
        switch (op) {
          case "P", "U" -> this.acknowledged[key] = version;
          case "D" -> this.acknowledged[key] = ABSENT;
          case "C" -> Arrays.fill(this.acknowledged, ABSENT);
          default -> throw new AssertionError(op);
        }
      } else {
        switch (op) {
          case "P", "U" -> inFlight[key] = version;
          case "D" -> inFlight[key] = ABSENT;
          case "C" -> clearInFlight = true;
          default -> throw new AssertionError(op);
        }
      }
    }

    void check(int key, long observed) {
      if (observed == acknowledged[key]) {
        return;
      }
      if (inFlight[key] >= 0 && observed == inFlight[key]) {
        return;
      }
      if (clearInFlight && observed == ABSENT) {
        return;
      }
      fail("key " + key + ": recovered " + describe(observed) + ", but the last acknowledged write left "
          + describe(acknowledged[key])
          + (inFlight[key] >= 0 ? " and the write in flight would leave " + describe(inFlight[key]) : "")
          + (clearInFlight ? " (a clear was in flight)" : ""));
    }

    /** A clear is one record: after a crash either every key it removed is gone or none is. */
    void checkClearAtomic(long[] observed) {
      if (!clearInFlight) {
        return;
      }
      int cleared = 0;
      int kept = 0;
      for (int k = 0; k < KEYS; k++) {
        if (acknowledged[k] != ABSENT) {
          if (observed[k] == ABSENT) {
            cleared++;
          } else {
            kept++;
          }
        }
      }
      assertTrue(cleared == 0 || kept == 0, "a clear in flight took effect for " + cleared
          + " keys but not for " + kept);
    }

    private static String describe(long version) {
      return version == ABSENT ? "absent" : "version " + version;
    }
  }

  // ---------------------------------------------------------------- the child

  /*
   * The child JVM's handle, as the parent sees it. The child reports through a side file rather
   * than its stdout pipe: on Linux the JDK drains a dead child's pipe on its own reaper thread, and
   * in practice the last lines before a SIGKILL went missing that way. A write(2) to a file is in
   * the page cache when it returns, so a killed child loses no line it finished writing.
   */
  static final class Child {
    private final Process process;
    private final Path opLog;

    private Child(Process process, Path opLog) {
      this.process = process;
      this.opLog = opLog;
    }

    static Child start(Path dir, Durability durability, int trial, long seed, Path stderr) throws IOException {
      Path opLog = stderr.resolveSibling(stderr.getFileName() + ".ops");
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1", "-Dinkv.boundsChecks=true",
          "-cp", System.getProperty("java.class.path"),
          Writer.class.getName(), dir.toString(), durability.name(), Integer.toString(trial), Long.toString(seed),
          opLog.toString()));
      ProcessBuilder pb = new ProcessBuilder(command)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(stderr.toFile());
      return new Child(pb.start(), opLog);
    }

    void awaitReady(Duration timeout, String context) throws InterruptedException, IOException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!(Files.exists(opLog) && Files.size(opLog) >= 2)) {
        if (!process.isAlive()) {
          fail(context + ": the child exited with " + process.exitValue() + " before opening the store");
        }
        if (System.nanoTime() > deadline) {
          kill();
          fail(context + ": the child did not open the store within " + timeout);
        }
        Thread.sleep(2);
      }
    }

    void kill() throws InterruptedException {
      process.destroyForcibly(); // SIGKILL
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new AssertionError("the child did not die after SIGKILL");
      }
    }

    /** Every whole line the child wrote, once it is dead (a torn last line was never acted on). */
    List<String> lines() throws IOException {
      if (!Files.exists(opLog)) {
        return new ArrayList<>();
      }
      String text = Files.readString(opLog, StandardCharsets.US_ASCII);
      int end = text.lastIndexOf('\n');
      return end < 0 ? new ArrayList<>() : new ArrayList<>(List.of(text.substring(0, end).split("\n")));
    }
  }

  /** The child's main class: opens the store and writes until it is killed. */
  public static final class Writer {
    private final Store store;
    private final int trial;
    private final long seed;
    private final OutputStream out;
    private final ReentrantReadWriteLock clearLock = new ReentrantReadWriteLock();

    private Writer(Store store, int trial, long seed, OutputStream out) {
      this.store = store;
      this.trial = trial;
      this.seed = seed;
      this.out = out;
    }

    public static void main(String[] args) throws Exception {
      Path dir = Path.of(args[0]);
      Durability durability = Durability.valueOf(args[1]);
      int trial = Integer.parseInt(args[2]);
      long seed = Long.parseLong(args[3]);
      OutputStream opLog = new FileOutputStream(args[4]); // unbuffered: one write(2) per line
      Store store = options(dir, durability).open();
      Writer w = new Writer(store, trial, seed, opLog);
      w.emit("R\n");
      Thread[] threads = new Thread[THREADS];
      for (int t = 0; t < THREADS; t++) {
        int id = t;
        threads[t] = new Thread(() -> w.run(id), "writer-" + t);
        threads[t].start();
      }
      for (Thread t : threads) {
        t.join();
      }
    }

    private void emit(String s) {
      byte[] b = s.getBytes(StandardCharsets.US_ASCII);
      synchronized (out) {
        try {
          out.write(b);
        } catch (IOException e) {
          Runtime.getRuntime().halt(3);
        }
      }
    }

    private void run(int thread) {
      SplittableRandom random = new SplittableRandom(seed * 31 + thread);
      long counter = 0;
      while (true) {
        int key = random.nextInt(KEYS / THREADS) * THREADS + thread;
        // Unique per key across trials: trial in the top bits, then thread, then a counter.
        long version = ((long) trial << 40) | ((long) thread << 36) | ++counter;
        int dice = random.nextInt(10_000);
        // "A" goes out before the lock is released, so the order of lines is the order of effects.
        if (thread == 0 && dice < 3) {
          clearLock.writeLock().lock();
          try {
            emit("B 0 C 0 0\n");
            store.clear();
            emit("A 0\n");
          } finally {
            clearLock.writeLock().unlock();
          }
          continue;
        }
        clearLock.readLock().lock();
        try {
          if (dice < 2_000) {
            emit("B " + thread + " D " + key + " 0\n");
            store.remove(key(key));
          } else {
            byte[] value = SelfCheckingValues.create(key, version, length(random));
            if (dice < 3_500) {
              emit("B " + thread + " U " + key + " " + version + "\n");
              store.update(key(key), (current, writer) -> {
                writer.put(value, Store.NEVER);
                return null;
              });
            } else {
              emit("B " + thread + " P " + key + " " + version + "\n");
              store.put(key(key), value);
            }
          }
          emit("A " + thread + "\n");
        } finally {
          clearLock.readLock().unlock();
        }
      }
    }

    /** Mostly small values, some of a few KiB, a few large enough to force a roll on their own. */
    private static int length(SplittableRandom random) {
      int dice = random.nextInt(100);
      if (dice < 70) {
        return SelfCheckingValues.MIN_LENGTH + random.nextInt(300);
      }
      if (dice < 97) {
        return 300 + random.nextInt(4_000);
      }
      return 4_000 + random.nextInt(100_000);
    }
  }
}
