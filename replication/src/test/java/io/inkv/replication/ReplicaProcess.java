package io.inkv.replication;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.inkv.store.Entry;
import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.locks.LockSupport;

/**
 * A replica in its own JVM, driven through stdin by {@link ReplicaProcessTest}. It answers through a
 * side file (one line per answer, each line written with one write(2), so a kill -9 loses no
 * finished line). Commands: {@code put <from> <to> <tag>} writes keys k&lt;from&gt;..k&lt;to-1&gt;,
 * {@code digest} waits until caught up and reports the entry count and a SHA-256 of the sorted
 * full scan, {@code exit} closes the replica.
 *
 * <p>For {@link KafkaFaultTest}, a replica can be started with a write mode and Kafka client
 * properties, and has three more commands. {@code write <prefix> <count> <rate> <threads> <file>}
 * writes keys &lt;prefix&gt;0.. paced at &lt;rate&gt; writes/s over &lt;threads&gt; threads and records in
 * &lt;file&gt; what the writer was told of each write: {@code ok} (the put returned), {@code threw}
 * (it threw a PublishException), {@code unexpected} (it threw anything else); failures passed to the
 * fire-and-forget failure handler follow as {@code handler} lines. {@code dump <file>} waits until
 * caught up and writes the sorted full scan. {@code repair <prefix>} writes again every key of the
 * prefix that a failure was reported for, until none fails.
 */
public final class ReplicaProcess {
  private final Process process;
  private final Path answers;
  private final BufferedWriter commands;
  private int read;

  private ReplicaProcess(Process process, Path answers) {
    this.process = process;
    this.answers = answers;
    this.commands = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), UTF_8));
  }

  static ReplicaProcess start(String bootstrap, String store, Path dir, Path answers) throws IOException {
    return start(bootstrap, store, dir, answers, ReplicationConfig.WriteMode.FIRE_AND_FORGET, Map.of());
  }

  /** Starts a replica with {@code mode} and these Kafka client properties (added to the defaults below). */
  static ReplicaProcess start(String bootstrap, String store, Path dir, Path answers, ReplicationConfig.WriteMode mode,
      Map<String, String> kafka) throws IOException {
    Files.deleteIfExists(answers);
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        ReplicaProcess.class.getName(), bootstrap, store, dir.toString(), answers.toString(), mode.name()));
    kafka.forEach((k, v) -> cmd.add(k + "=" + v));
    Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(answers.resolveSibling(answers.getFileName() + ".err").toFile()).start();
    return new ReplicaProcess(p, answers);
  }

  Path answersFile() {
    return answers;
  }

  void send(String command) throws IOException {
    commands.write(command);
    commands.newLine();
    commands.flush();
  }

  /** Waits for the next answer line starting with {@code prefix} (skipping others); returns its words. */
  String[] await(String prefix, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      List<String> lines = Files.exists(answers) ? Files.readAllLines(answers, UTF_8) : List.of();
      while (read < lines.size()) {
        String line = lines.get(read++);
        if (line.startsWith(prefix)) {
          return line.split(" ");
        }
      }
      if (!process.isAlive()) {
        throw new IOException("the replica exited with " + process.exitValue() + "; stderr:\n"
            + Files.readString(answers.resolveSibling(answers.getFileName() + ".err")));
      }
      Thread.sleep(20);
    }
    throw new IOException("no '" + prefix + "' from the replica within " + timeout);
  }

  void kill9() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  void exit() throws IOException, InterruptedException {
    send("exit");
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  // ---- the child ----

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String storeName = args[1];
    Path dir = Path.of(args[2]);
    Path answers = Path.of(args[3]);
    ReplicationConfig.WriteMode mode = args.length > 4 ? ReplicationConfig.WriteMode.valueOf(args[4])
        : ReplicationConfig.WriteMode.FIRE_AND_FORGET;
    try (FileChannel out = FileChannel.open(answers, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      ReplicationConfig.Builder builder = ReplicationConfig.builder(storeName, bootstrap).partitions(4)
          .replicationFactor((short) 1).writeMode(mode).checkpointInterval(Duration.ofMillis(300))
          .kafkaProperty("reconnect.backoff.max.ms", "200").kafkaProperty("retry.backoff.max.ms", "200")
          .onPublishFailure(ReplicaProcess::publishFailed);
      for (int i = 5; i < args.length; i++) {
        int eq = args[i].indexOf('=');
        builder.kafkaProperty(args[i].substring(0, eq), args[i].substring(eq + 1));
      }
      ReplicationConfig config = builder.build();
      ReplicatedStore store = Replication.replicate(Store.open(StoreOptions.builder(dir).build()), config);
      ReplicationStats s = store.replicationStats();
      answer(out, "ready " + s.applied() + " " + s.resumedFrom());
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        String[] w = line.split(" ");
        switch (w[0]) {
          case "put" -> {
            int from = Integer.parseInt(w[1]);
            int to = Integer.parseInt(w[2]);
            for (int i = from; i < to; i++) {
              store.put(("k" + i).getBytes(UTF_8), ("v" + i + "-" + w[3]).getBytes(UTF_8));
              if ((i - from + 1) % 1000 == 0) {
                answer(out, "progress " + (i - from + 1));
              }
            }
            answer(out, "put-done " + store.awaitPublished());
          }
          case "digest" -> {
            boolean caughtUp = store.awaitCaughtUp(Duration.ofSeconds(120));
            answer(out, "digest " + store.size() + " " + digest(store) + " " + caughtUp);
          }
          case "write" -> answer(out, "write-done " + write(store, w[1], Integer.parseInt(w[2]), Integer.parseInt(w[3]),
              Integer.parseInt(w[4]), Path.of(w[5])));
          case "dump" -> {
            boolean caughtUp = store.awaitCaughtUp(Duration.ofSeconds(120));
            answer(out, "dump " + dump(store, Path.of(w[1])) + " " + digest(store) + " " + caughtUp);
          }
          case "repair" -> answer(out, "repaired " + repair(store, w[1]));
          case "stats" -> {
            ReplicationStats st = store.replicationStats();
            answer(out, "stats " + st.applied() + " " + st.resumedFrom() + " " + st.malformed() + " " + st.failed());
          }
          case "exit" -> {
            store.close();
            answer(out, "closed");
            return;
          }
          default -> answer(out, "unknown " + line);
        }
      }
    }
  }

  private static void answer(FileChannel out, String line) throws IOException {
    ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(UTF_8));
    while (b.hasRemaining()) {
      out.write(b);
    }
  }

  // ---- the writer of KafkaFaultTest ----

  /* Keys the failure handler was told of, in call order (keys may repeat if a key failed twice). */
  private static final ConcurrentLinkedQueue<String> HANDLER_CALLS = new ConcurrentLinkedQueue<>();
  /* Keys whose put threw a PublishException. */
  private static final ConcurrentLinkedQueue<String> THREW = new ConcurrentLinkedQueue<>();

  private static void publishFailed(byte[] key, Exception cause) {
    HANDLER_CALLS.add(key == null ? "(whole store)" : new String(key, UTF_8));
  }

  static String valueOf(String key) {
    return "value-of-" + key;
  }

  /*
   * Writes prefix+0 .. prefix+(count-1), thread t taking the keys i with i % threads == t in order,
   * each thread paced at rate/threads writes/s (a thread that fell behind, e.g. blocked by an outage,
   * goes on from now rather than bursting). Returns "attempted ok threw unexpected handler-calls
   * publish-failure-counter-delta seconds longest-put-seconds".
   */
  private static String write(ReplicatedStore store, String prefix, int count, int rate, int threads, Path file)
      throws Exception {
    byte[] outcome = new byte[count];
    String[] errors = new String[count];
    int handlerBefore = HANDLER_CALLS.size();
    long failuresBefore = store.replicationStats().publishFailures();
    long t0 = System.nanoTime();
    List<Thread> workers = new ArrayList<>();
    LongAccumulator maxPut = new LongAccumulator(Math::max, 0);
    long interval = 1_000_000_000L * threads / rate;
    for (int t = 0; t < threads; t++) {
      int first = t;
      Thread worker = new Thread(() -> {
        long due = System.nanoTime();
        for (int i = first; i < count; i += threads) {
          long now = System.nanoTime();
          if (now < due) {
            LockSupport.parkNanos(due - now);
          } else if (now - due > 1_000_000_000L) {
            due = now;
          }
          due += interval;
          String key = prefix + i;
          long start = System.nanoTime();
          try {
            store.put(key.getBytes(UTF_8), valueOf(key).getBytes(UTF_8));
            outcome[i] = 'o';
          } catch (ReplicationException.PublishException e) {
            outcome[i] = 't';
            errors[i] = String.valueOf(e.getCause());
            THREW.add(key);
          } catch (RuntimeException e) {
            outcome[i] = 'u';
            errors[i] = e.toString();
          }
          maxPut.accumulate(System.nanoTime() - start);
        }
      }, "writer-" + t);
      worker.start();
      workers.add(worker);
    }
    for (Thread worker : workers) {
      worker.join();
    }
    long failures = store.awaitPublished() - failuresBefore; // every record completed, acknowledged or failed
    double seconds = (System.nanoTime() - t0) / 1e9;
    List<String> handler = new ArrayList<>(HANDLER_CALLS).subList(handlerBefore, HANDLER_CALLS.size());
    int ok = 0;
    int threw = 0;
    int unexpected = 0;
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < count; i++) {
      switch (outcome[i]) {
        case 'o' -> ok++;
        case 't' -> threw++;
        default -> unexpected++;
      }
      lines.append(prefix).append(i).append(' ')
          .append(outcome[i] == 'o' ? "ok" : outcome[i] == 't' ? "threw " + errors[i] : "unexpected " + errors[i]).append('\n');
    }
    for (String key : handler) {
      lines.append(key).append(" handler\n");
    }
    Files.writeString(file, lines, UTF_8);
    return count + " " + ok + " " + threw + " " + unexpected + " " + handler.size() + " " + failures
        + String.format(Locale.ROOT, " %.1f %.1f", seconds, maxPut.get() / 1e9);
  }

  /*
   * Writes again every key of the prefix a failure was reported for (a put that threw or a handler
   * call), as an application does with what its writer reported, until a round reports none.
   * Returns "keys rounds".
   */
  private static String repair(ReplicatedStore store, String prefix) throws Exception {
    Set<String> todo = new TreeSet<>();
    for (String key : HANDLER_CALLS) {
      if (key.startsWith(prefix)) {
        todo.add(key);
      }
    }
    for (String key : THREW) {
      if (key.startsWith(prefix)) {
        todo.add(key);
      }
    }
    int keys = todo.size();
    int rounds = 0;
    while (!todo.isEmpty()) {
      if (++rounds > 20) {
        throw new IllegalStateException("still failing after 20 rounds: " + todo.size() + " keys");
      }
      int handlerBefore = HANDLER_CALLS.size();
      Set<String> again = new TreeSet<>();
      for (String key : todo) {
        try {
          store.put(key.getBytes(UTF_8), valueOf(key).getBytes(UTF_8));
        } catch (ReplicationException.PublishException e) {
          again.add(key);
        }
      }
      store.awaitPublished();
      again.addAll(new ArrayList<>(HANDLER_CALLS).subList(handlerBefore, HANDLER_CALLS.size()));
      todo = again;
    }
    return keys + " " + rounds;
  }

  /* Writes the sorted full scan as key=value lines; returns the entry count. */
  private static long dump(Store store, Path file) throws IOException {
    TreeMap<String, String> all = new TreeMap<>();
    for (Iterator<Entry> it = store.iterator(); it.hasNext(); ) {
      Entry e = it.next();
      all.put(new String(e.key(), UTF_8), new String(e.value(), UTF_8));
    }
    StringBuilder b = new StringBuilder();
    all.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
    Files.writeString(file, b, UTF_8);
    return all.size();
  }

  static String digest(Store store) throws Exception {
    TreeMap<String, String> all = new TreeMap<>();
    for (Iterator<Entry> it = store.iterator(); it.hasNext(); ) {
      Entry e = it.next();
      all.put(new String(e.key(), UTF_8), new String(e.value(), UTF_8));
    }
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (var e : all.entrySet()) {
      sha.update((e.getKey() + "=" + e.getValue() + "\n").getBytes(UTF_8));
    }
    return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
  }
}
