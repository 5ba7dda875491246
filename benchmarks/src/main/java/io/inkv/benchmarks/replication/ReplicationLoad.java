package io.inkv.benchmarks.replication;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.inkv.replication.Replication;
import io.inkv.replication.ReplicatedStore;
import io.inkv.replication.ReplicationConfig;
import io.inkv.replication.testkit.KafkaBrokerProcess;
import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;



import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The replication load harness (not a pass/fail test): end-to-end lag at a fixed write rate, and
 * the catch-up speed of a new replica. Run it with {@code benchmarks/run-replication.sh}.
 *
 * <pre>
 *   lag &lt;writes per second&gt; &lt;seconds&gt; [warm-up seconds]   one writer JVM (this one) and one reader JVM
 *   catchup &lt;entries&gt;                       fill the topic, then time a new reader opening empty
 * </pre>
 *
 * Unless {@code -Dinkv.bootstrap=host:port} names a broker, the harness starts one in a separate
 * JVM (KRaft, combined mode, 127.0.0.1) from the class path in {@code -Dinkv.broker.classpath}.
 *
 * Tuning without edits: {@code -Dinkv.kafka.NAME=VALUE} sets a Kafka client property on the writer
 * and the readers, {@code -Dinkv.broker.settings=name=value,...} appends broker settings, and
 * {@code -Dinkv.broker.jvm=opt;opt} and {@code -Dinkv.reader.jvm=opt;opt} add JVM options to the
 * broker and to the readers.
 *
 * Lag: each value carries the System.nanoTime() at which its write was due on the fixed-rate
 * schedule (CLOCK_MONOTONIC, the same clock in every process of one Linux machine); the reader's
 * RemoteChangeListener, called right after the applier wrote the change to the reader's store,
 * records now minus that time. Measuring from the due time rather than the actual send keeps a
 * stalled writer from hiding lag (coordinated omission). Writes are fire-and-forget with acks=all,
 * the warm-up (a fifth of the run unless given) is not recorded, keys cycle over 100,000.
 */
public final class ReplicationLoad {
  static final int VALUE_SIZE = 100;
  private static final int KEYS = 100_000;
  private static final long TICK_NANOS = Long.getLong("inkv.tick.micros", 500) * 1000;

  private ReplicationLoad() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("reader")) {
      reader(args);
      return;
    }
    if (args.length < 2) {
      System.err.println("usage: ReplicationLoad lag <writes/s> <seconds> [warm-up seconds, default a fifth] | catchup <entries>");
      System.exit(2);
    }
    Path work = Files.createTempDirectory("inkv-replication-load");
    withBroker(work, (bootstrap, broker) -> {
      if (args[0].equals("lag")) {
        int seconds = Integer.parseInt(args[2]);
        lag(bootstrap, work, Integer.parseInt(args[1]), seconds, args.length > 3 ? Integer.parseInt(args[3]) : seconds / 5.0);
      } else {
        catchup(bootstrap, work, Integer.parseInt(args[1]));
      }
    });
  }

  /** What a harness runs against a broker: its bootstrap address and, if this JVM started it, its process (else null). */
  interface BrokerRun {
    void run(String bootstrap, Process broker) throws Exception;
  }

  /**
   * Runs {@code run} against the broker named by -Dinkv.bootstrap, or else against one started
   * under {@code work}/broker for the run and stopped after it.
   */
  static void withBroker(Path work, BrokerRun run) throws Exception {
    Process broker = null;
    String bootstrap = System.getProperty("inkv.bootstrap");
    try {
      if (bootstrap == null) {
        int port = freePort();
        broker = startBroker(work.resolve("broker"), port);
        bootstrap = "127.0.0.1:" + port;
      }
      run.run(bootstrap, broker);
    } finally {
      if (broker != null) {
        broker.destroy();
        broker.waitFor(60, TimeUnit.SECONDS);
      }
    }
  }

  private static ReplicationConfig.Builder config(String bootstrap, String store) {
    ReplicationConfig.Builder b = ReplicationConfig.builder(store, bootstrap).partitions(8).replicationFactor((short) 1)
        .writeMode(ReplicationConfig.WriteMode.FIRE_AND_FORGET);
    clientOverrides().forEach(b::kafkaProperty);
    return b;
  }

  /** Kafka client properties given as -Dinkv.kafka.NAME=VALUE, applied to the writer and every reader. */
  static java.util.Map<String, String> clientOverrides() {
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    for (String name : System.getProperties().stringPropertyNames()) {
      if (name.startsWith(CLIENT_PREFIX)) {
        out.put(name.substring(CLIENT_PREFIX.length()), System.getProperty(name));
      }
    }
    return out;
  }

  private static final String CLIENT_PREFIX = "inkv.kafka.";

  /** The key of write {@code i} of a load: the writes cycle over KEYS keys. */
  static byte[] key(long i) {
    return ("k" + (i % KEYS)).getBytes(UTF_8);
  }

  /** Sleeps until System.nanoTime() reaches {@code due}, never spinning, each sleep at least {@code tickNanos}. */
  static void sleepUntil(long due, long tickNanos) {
    long now;
    while ((now = System.nanoTime()) < due) {
      LockSupport.parkNanos(Math.max(due - now, tickNanos));
    }
  }

  private static void lag(String bootstrap, Path work, int rate, int seconds, double warmupSeconds) throws Exception {
    String store = "lag-" + UUID.randomUUID().toString().substring(0, 8);
    try (ReplicatedStore writer = Replication.replicate(Store.open(StoreOptions.builder(work.resolve("writer")).build()),
        config(bootstrap, store).build())) {
      Child reader = Child.start(bootstrap, store, work.resolve("reader"), work.resolve("reader.answers"));
      reader.await("ready");
      long interval = 1_000_000_000L / rate;
      long total = (long) rate * seconds;
      long warmup = Math.min(total, (long) (rate * warmupSeconds));
      byte[] value = new byte[VALUE_SIZE];
      ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
      long start = System.nanoTime() + 100_000_000L;
      for (long i = 0; i < total; i++) {
        long due = start + i * interval;
        // sleep, never spin: a spinning writer would take a core from the broker and the reader.
        // Sleeps last at least TICK_NANOS, so the writes that fell due meanwhile go out together
        // (as from a service that handles requests in bursts) instead of one wake-up per write;
        // each write's lag still counts from its own due time, so the wait is charged to inkv.
        sleepUntil(due, TICK_NANOS);
        b.putLong(0, i < warmup ? -due : due);
        writer.put(key(i), value);
      }
      long failures = writer.awaitPublished();
      reader.send("report");
      String report = reader.await("report");
      System.out.printf("lag at %,d writes/s for %d s (%,d recorded after %,d warm-up writes, %d publish failures): %s%n",
          rate, seconds, total - warmup, warmup, failures, report.substring("report ".length()));
      reader.send("exit");
      reader.process.waitFor(60, TimeUnit.SECONDS);
    }
  }

  private static void catchup(String bootstrap, Path work, int entries) throws Exception {
    String store = "catchup-" + UUID.randomUUID().toString().substring(0, 8);
    long fillStart = System.nanoTime();
    try (ReplicatedStore writer = Replication.replicate(Store.open(StoreOptions.builder(work.resolve("writer")).build()),
        config(bootstrap, store).build())) {
      byte[] value = new byte[VALUE_SIZE];
      for (int i = 0; i < entries; i++) {
        writer.put(String.format("key%012d", i).getBytes(UTF_8), value);
      }
      long failures = writer.awaitPublished();
      double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
      System.out.printf("filled %,d entries (16-byte keys, %d-byte values) in %.1f s (%,.0f writes/s), %d publish failures%n",
          entries, VALUE_SIZE, fillSeconds, entries / fillSeconds, failures);
    }
    Child reader = Child.start(bootstrap, store, work.resolve("new-replica"), work.resolve("new.answers"));
    String ready = reader.await("ready");
    String[] w = ready.split(" ");
    long applied = Long.parseLong(w[1]);
    double openSeconds = Long.parseLong(w[2]) / 1e9;
    System.out.printf("new replica ready in %.2f s (JVM start excluded): %,d events applied, %,.0f entries/s, %s entries%n",
        openSeconds, applied, applied / openSeconds, w[3]);
    reader.send("exit");
    reader.process.waitFor(60, TimeUnit.SECONDS);
  }

  // ---- the reader JVM ----

  private static void reader(String[] args) throws Exception {
    String bootstrap = args[1];
    String store = args[2];
    Path dir = Path.of(args[3]);
    Path answers = Path.of(args[4]);
    Histogram lag = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    // the worst lag per second of due time, to tell a few stalls from a steady queue
    java.util.TreeMap<Long, Long> worstPerSecond = new java.util.TreeMap<>();
    long t0 = System.nanoTime();
    ReplicatedStore replica = Replication.replicate(Store.open(StoreOptions.builder(dir).build()),
        config(bootstrap, store).build(), (key, old, value) -> {
          if (value != null && value.length >= 8) {
            long due = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            if (due > 0) {
              long micros = Math.min(lag.getHighestTrackableValue(), Math.max(0, (System.nanoTime() - due) / 1000));
              lag.recordValue(micros);
              worstPerSecond.merge(due / 1_000_000_000L, micros, Math::max);
            }
          }
        });
    long opened = System.nanoTime() - t0;
    answer(answers, "ready " + replica.replicationStats().applied() + " " + opened + " " + replica.size());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.equals("report")) {
        replica.awaitCaughtUp(Duration.ofSeconds(60));
        Thread.sleep(200);
        StringBuilder stalls = new StringBuilder();
        long first = worstPerSecond.isEmpty() ? 0 : worstPerSecond.firstKey();
        worstPerSecond.forEach((second, micros) -> {
          if (micros > 10_000) {
            stalls.append(String.format(" +%ds:%.0fms", second - first, micros / 1000.0));
          }
        });
        answer(answers, String.format("report p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms over %,d changes; seconds whose worst lag passed 10 ms:%s",
            lag.getValueAtPercentile(50) / 1000.0, lag.getValueAtPercentile(99) / 1000.0,
            lag.getValueAtPercentile(99.9) / 1000.0, lag.getMaxValue() / 1000.0, lag.getTotalCount(), stalls.length() == 0 ? " none" : stalls));
      } else if (line.equals("exit")) {
        replica.close();
        return;
      }
    }
  }

  private static void answer(Path file, String line) throws IOException {
    Files.writeString(file, line + "\n", UTF_8, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
  }

  private static final class Child {
    final Process process;
    final Path answers;
    final BufferedWriter commands;
    int read;

    private Child(Process process, Path answers) {
      this.process = process;
      this.answers = answers;
      this.commands = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), UTF_8));
    }

    static Child start(String bootstrap, String store, Path dir, Path answers) throws IOException {
      List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx1g", "-cp", System.getProperty("java.class.path")));
      clientOverrides().forEach((k, v) -> cmd.add("-D" + CLIENT_PREFIX + k + "=" + v));
      String jvm = System.getProperty("inkv.reader.jvm", ""); // extra JVM options for the readers, separated by ";"
      if (!jvm.isBlank()) {
        cmd.addAll(1, List.of(jvm.trim().split(";")));
      }
      cmd.addAll(List.of(ReplicationLoad.class.getName(), "reader", bootstrap, store, dir.toString(), answers.toString()));
      Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(answers.resolveSibling(answers.getFileName() + ".err").toFile()).start();
      return new Child(p, answers);
    }

    void send(String command) throws IOException {
      commands.write(command);
      commands.newLine();
      commands.flush();
    }

    String await(String prefix) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      while (System.nanoTime() < deadline) {
        List<String> lines = Files.exists(answers) ? Files.readAllLines(answers, UTF_8) : List.of();
        while (read < lines.size()) {
          String line = lines.get(read++);
          if (line.startsWith(prefix)) {
            return line;
          }
        }
        if (!process.isAlive()) {
          throw new IOException("the reader exited: " + Files.readString(answers.resolveSibling(answers.getFileName() + ".err")));
        }
        Thread.sleep(10);
      }
      throw new IOException("no " + prefix + " from the reader");
    }
  }

  // ---- the broker JVM ----

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  static int freePort() throws IOException {
    return KafkaBrokerProcess.freePort();
  }

  static Process startBroker(Path dir, int port) throws Exception {
    String cp = System.getProperty("inkv.broker.classpath");
    if (cp == null) {
      throw new IllegalStateException("set -Dinkv.bootstrap=host:port, or -Dinkv.broker.classpath (run-replication.sh does)");
    }
    String settings = System.getProperty("inkv.broker.settings", ""); // "name=value,name=value" appended to server.properties
    Path config = KafkaBrokerProcess.configure(dir, port, settings.isBlank() ? List.of() : List.of(settings.split(",")));
    KafkaBrokerProcess.format(cp, config, dir.resolve("format.log"));
    List<String> jvmOptions = new ArrayList<>();
    String jvm = System.getProperty("inkv.broker.jvm", ""); // extra JVM options for the broker, separated by ";"
    if (!jvm.isBlank()) {
      jvmOptions.addAll(List.of(jvm.trim().split(";")));
    }
    jvmOptions.add("-Xmx1g");
    Process broker = new ProcessBuilder(KafkaBrokerProcess.command(cp, config, jvmOptions.toArray(String[]::new)))
        .redirectOutput(dir.resolve("broker.log").toFile()).redirectErrorStream(true).start();
    if (KafkaBrokerProcess.awaitPort(broker, port, Duration.ofSeconds(60))) {
      return broker;
    }
    broker.destroyForcibly();
    throw new IOException("the broker did not start; see " + dir.resolve("broker.log"));
  }
}
