package io.inkv.benchmarks.replication;

import io.inkv.benchmarks.server.HttpLoad;
import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.replication.Replication;
import io.inkv.replication.ReplicatedStore;
import io.inkv.replication.ReplicationConfig;
import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.spi.CachingProvider;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Acknowledged writes through the data-plane server, in local and in replicated mode side by side,
 * and JCache replicated puts that wait for Kafka's acknowledgement (not a pass/fail test). Run it
 * with {@code benchmarks/run-replication.sh server ...}.
 *
 * <pre>
 *   server &lt;rates, comma-separated&gt; &lt;seconds per rate&gt; [warm-up seconds per rate] [connections]
 *   jcache &lt;seconds&gt; &lt;thread counts, comma-separated&gt;
 * </pre>
 *
 * <p>Server: two servers run at once from {@code -Dinkv.server.jar}, one in local mode and one in
 * replicated mode against the broker; each rate is run against the local one, then against the
 * replicated one, so both meet the same machine. {@code -Dinkv.server.jar.other=<jar>} adds a
 * third, replicated, from another build (an A/B comparison; it has no reader, so no lag column, and
 * the harness spends less CPU per write on it, so compare its server CPU per write, not its rate);
 * {@code -Dinkv.server.local=false} leaves the local one out. The load is {@link HttpLoad.HttpTarget} (a lean
 * HTTP/1.1 client, keep-alive connections, one request in flight per connection), 100% {@code POST
 * /store/{key}} with 100-byte values over 100,000 keys, open loop: write i is due at start + i /
 * rate and its latency counts from then (coordinated omission corrected). A 200 from the replicated
 * server means Kafka acknowledged the write (docs/server.md, Replicated mode).
 *
 * <p>Visibility lag: a reader replica of the server's cache store, in this JVM, records the
 * System.nanoTime() at which its applier handed it each write (the value carries the run and the
 * write's index); the lag of a write is that time minus the time its 200 arrived here, and 0 when
 * the reader saw it first (counted separately). Warm-up writes are not recorded.
 *
 * <p>JCache: a replicated cache (WAIT_FOR_ACK, the default) in this JVM, written by 1..N threads
 * in a closed loop, each put returning only when Kafka acknowledged it; beside it a persistent cache
 * with no replication, from one thread, for the local cost.
 */
public final class ServerWrites {
  private static final long TICK_NANOS = Long.getLong("inkv.tick.micros", 100) * 1000;

  private ServerWrites() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: ServerWrites server <rates> <seconds> [warm-up seconds] [connections] | jcache <seconds> <threads,...>");
      System.exit(2);
    }
    Path work = Files.createTempDirectory("inkv-server-writes");
    ReplicationLoad.withBroker(work, (bootstrap, broker) -> {
      System.out.printf(Locale.ROOT, "== %s, %d cores, load average %s, %s%n", java.time.Instant.now(),
          Runtime.getRuntime().availableProcessors(), Files.readString(Path.of("/proc/loadavg")).trim(),
          System.getProperty("java.vm.version"));
      if (args[0].equals("server")) {
        List<Integer> rates = integers(args[1]);
        int seconds = Integer.parseInt(args[2]);
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int connections = args.length > 4 ? Integer.parseInt(args[4]) : 256;
        servers(bootstrap, broker, work, rates, seconds, warmup, connections);
      } else {
        jcache(bootstrap, work, Integer.parseInt(args[1]), integers(args[2]));
      }
    });
  }

  /** The numbers of a comma-separated argument ("1000,2000"). */
  private static List<Integer> integers(String commaSeparated) {
    List<Integer> out = new ArrayList<>();
    for (String n : commaSeparated.split(",")) {
      out.add(Integer.parseInt(n));
    }
    return out;
  }

  // ---- the server ----

  private static void servers(String bootstrap, Process broker, Path work, List<Integer> rates, int seconds, int warmup, int connections)
      throws Exception {
    String prefix = "inkv.w" + UUID.randomUUID().toString().substring(0, 8) + ".";
    String jar = System.getProperty("inkv.server.jar");
    String otherJar = System.getProperty("inkv.server.jar.other"); // another build, replicated, run beside (A/B)
    // -Dinkv.server.local=false leaves the local-mode server out (replicated runs only, in half the time)
    boolean withLocal = Boolean.parseBoolean(System.getProperty("inkv.server.local", "true"));
    Server local = withLocal ? Server.start(jar, work.resolve("local"), null, null) : null;
    Server replicated = Server.start(jar, work.resolve("replicated"), bootstrap, prefix);
    Server other = otherJar == null ? null : Server.start(otherJar, work.resolve("other"), bootstrap, prefix + "other.");
    List<Server> servers = new ArrayList<>();
    if (local != null) {
      servers.add(local);
    }
    servers.add(replicated);
    if (other != null) {
      servers.add(other);
    }
    try {
      for (Server s : servers) {
        s.awaitReady();
      }
      // one write each, so the replicated server creates its store and topic before the reader opens
      for (Server s : servers) {
        try (HttpLoad.HttpTarget to = new HttpLoad.HttpTarget(s.base(), 1)) {
          Run first = new Run(0, 1);
          first.send(to, 0, false);
          first.await(Duration.ofSeconds(60));
        }
      }
      ReplicationConfig readerConfig = ReplicationConfig.builder("cache", bootstrap).topic(prefix + "cache").build();
      Reader reader = new Reader();
      try (ReplicatedStore replica = Replication.replicate(Store.open(StoreOptions.builder(work.resolve("reader")).build()),
          readerConfig, reader)) {
        System.out.printf(Locale.ROOT, "%-10s %8s %9s %8s %8s %8s %8s %8s %7s | %s%n", "server", "offered", "achieved",
            "p50", "p99", "p99.9", "max", "errors", "cpu", "cpu us/write: server, broker, this JVM | visibility lag after the 200 (ms)");
        int run = 1;
        for (int rate : rates) {
          for (Server s : servers) {
            // new connections for every run: the server closes connections idle past its timeout
            HttpLoad.HttpTarget target = new HttpLoad.HttpTarget(s.base(), connections);
            Run r = new Run(run++, rate * (seconds + warmup));
            reader.current = s == replicated ? r : null;
            long cpu0 = s.cpuNanos();
            long brokerCpu0 = cpuNanos(broker);
            long ownCpu0 = cpuNanos(ProcessHandle.current().pid());
            long t0 = System.nanoTime();
            r.drive(target, rate, (long) rate * warmup);
            long elapsed = System.nanoTime() - t0;
            target.close();
            double cpu = (s.cpuNanos() - cpu0) / (double) elapsed;
            long n = Math.max(1, r.completed.get());
            String perWrite = String.format(Locale.ROOT, "%.0f, %.0f, %.0f", (s.cpuNanos() - cpu0) / 1e3 / n,
                (cpuNanos(broker) - brokerCpu0) / 1e3 / n, (cpuNanos(ProcessHandle.current().pid()) - ownCpu0) / 1e3 / n);
            String lag = "";
            if (s == replicated) {
              replica.awaitCaughtUp(Duration.ofSeconds(60));
              Thread.sleep(100);
              lag = r.lag((long) rate * warmup);
            }
            Histogram h = r.latency.getIntervalHistogram();
            System.out.printf(Locale.ROOT, "%-10s %8d %9.0f %8.3f %8.3f %8.3f %8.3f %8d %6.0f%% | %s | %s%n",
                s == local ? "local" : s == replicated ? "replicated" : "other", rate, r.completed.get() / (elapsed / 1e9),
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getValueAtPercentile(99.9) / 1e6,
                h.getMaxValue() / 1e6, r.errors.get(), cpu * 100, perWrite, lag);
            Thread.sleep(1000);
          }
        }
      }
    } finally {
      for (Server s : servers) {
        s.stop();
      }
    }
  }

  /** One rate against one server: the writes' 200 times, the reader's sightings and the latency. */
  private static final class Run {
    final long id;
    final long[] acked;
    final long[] seen;
    final Recorder latency = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
    final AtomicLong completed = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final CountDownLatch done;

    Run(long id, int total) {
      this.id = id;
      this.acked = new long[total];
      this.seen = new long[total];
      this.done = new CountDownLatch(total);
    }

    void send(HttpLoad.Target target, int i, boolean record) {
      send(target, i, System.nanoTime(), record);
    }

    void send(HttpLoad.Target target, int i, long due, boolean record) {
      byte[] value = new byte[ReplicationLoad.VALUE_SIZE];
      ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).putLong(0, id).putLong(8, i);
      target.send(false, ReplicationLoad.key(i), value, ok -> {
        long now = System.nanoTime();
        acked[i] = now;
        if (record) {
          latency.recordValue(Math.min(now - due, TimeUnit.SECONDS.toNanos(60)));
        }
        if (!ok) {
          errors.incrementAndGet();
        }
        completed.incrementAndGet();
        done.countDown();
      });
    }

    /** Sends every write on its schedule (sleeping, never spinning), then waits for the answers. */
    void drive(HttpLoad.Target target, int rate, long warmupWrites) throws InterruptedException {
      long interval = 1_000_000_000L / rate;
      long start = System.nanoTime() + 10_000_000L;
      for (int i = 0; i < acked.length; i++) {
        long due = start + i * interval;
        // at least a tick: the writes that fell due meanwhile go out together, each still timed from its due time
        ReplicationLoad.sleepUntil(due, TICK_NANOS);
        send(target, i, due, i >= warmupWrites);
      }
      if (!done.await(60, TimeUnit.SECONDS)) {
        errors.addAndGet(done.getCount());
      }
    }

    void await(Duration timeout) throws InterruptedException {
      done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    String lag(long from) {
      Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
      long before = 0;
      long missing = 0;
      for (int i = (int) from; i < acked.length; i++) {
        if (seen[i] == 0 || acked[i] == 0) {
          missing++;
        } else if (seen[i] <= acked[i]) {
          before++;
          h.recordValue(0);
        } else {
          h.recordValue(Math.min(seen[i] - acked[i], h.getHighestTrackableValue()));
        }
      }
      return String.format(Locale.ROOT, "p50 %.3f, p99 %.3f, p99.9 %.3f, max %.3f; %.0f%% seen before the 200, %d never seen",
          h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getValueAtPercentile(99.9) / 1e6,
          h.getMaxValue() / 1e6, 100.0 * before / Math.max(1, h.getTotalCount()), missing);
    }
  }

  /** The reader replica's listener: notes when each write of the current run became visible. */
  private static final class Reader implements io.inkv.replication.RemoteChangeListener {
    volatile Run current;

    @Override
    public void onChange(byte[] key, byte[] oldValue, byte[] newValue) {
      Run r = current;
      if (r == null || newValue == null || newValue.length < 16) {
        return;
      }
      ByteBuffer b = ByteBuffer.wrap(newValue).order(ByteOrder.LITTLE_ENDIAN);
      if (b.getLong(0) == r.id) {
        int i = (int) b.getLong(8);
        if (i >= 0 && i < r.seen.length && r.seen[i] == 0) {
          r.seen[i] = System.nanoTime();
        }
      }
    }
  }

  private static long cpuNanos(Process p) {
    return p == null ? 0 : cpuNanos(p.pid());
  }

  /** CPU time of a process so far (user + system), from /proc. */
  private static long cpuNanos(long pid) {
    try {
      String[] f = Files.readString(Path.of("/proc/" + pid + "/stat")).split("\\) ", 2)[1].split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L; // clock ticks of 10 ms
    } catch (IOException e) {
      return 0;
    }
  }

  /** A server in its own JVM, from the shaded jar. */
  private record Server(Process process, int port, Path log) {
    static Server start(String jar, Path dir, String bootstrap, String topicPrefix) throws IOException {
      if (jar == null) {
        throw new IllegalStateException("set -Dinkv.server.jar (run-replication.sh does)");
      }
      Files.createDirectories(dir);
      int port = ReplicationLoad.freePort();
      List<String> cmd = new ArrayList<>(List.of(ReplicationLoad.java(), "-Xmx1g"));
      String jvm = System.getProperty("inkv.server.jvm", ""); // extra JVM options for the servers, separated by ";"
      if (!jvm.isBlank()) {
        cmd.addAll(List.of(jvm.trim().split(";")));
      }
      cmd.addAll(List.of("-jar", jar, "--port", String.valueOf(port), "--data-dir", dir.resolve("data").toString(),
          "--concurrency", "4096", "--image-interval", "0"));
      if (bootstrap != null) {
        cmd.addAll(List.of("--kafka-bootstrap", bootstrap, "--kafka-topic-prefix", topicPrefix));
        ReplicationLoad.clientOverrides().forEach((k, v) -> cmd.addAll(List.of("--kafka-property", k + "=" + v)));
      }
      Path log = dir.resolve("server.log");
      Process p = new ProcessBuilder(cmd).redirectOutput(log.toFile()).redirectErrorStream(true).start();
      return new Server(p, port, log);
    }

    String base() {
      return "http://127.0.0.1:" + port;
    }

    void awaitReady() throws Exception {
      HttpClient client = HttpClient.newHttpClient();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IOException("the server exited: " + Files.readString(log));
        }
        try {
          if (client.send(HttpRequest.newBuilder(URI.create(base() + "/ready")).build(),
              HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            return;
          }
        } catch (IOException e) {
          // not listening yet
        }
        Thread.sleep(100);
      }
      throw new IOException("the server did not become ready: " + Files.readString(log));
    }

    long cpuNanos() {
      return ServerWrites.cpuNanos(process.pid());
    }

    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  // ---- JCache ----

  private static void jcache(String bootstrap, Path work, int seconds, List<Integer> threadCounts) throws Exception {
    CachingProvider provider = javax.cache.Caching.getCachingProvider(io.inkv.jcache.spi.InkvCachingProvider.class.getName());
    try (CacheManager manager = provider.getCacheManager(URI.create("server-writes"), ServerWrites.class.getClassLoader())) {
      String store = "jcache-" + UUID.randomUUID().toString().substring(0, 8);
      ReplicationConfig.Builder rc = ReplicationConfig.builder(store, bootstrap).partitions(8).replicationFactor((short) 1)
          .writeMode(ReplicationConfig.WriteMode.WAIT_FOR_ACK);
      ReplicationLoad.clientOverrides().forEach(rc::kafkaProperty);
      Cache<String, byte[]> replicated = manager.createCache("replicated", InkvConfiguration.of(String.class, byte[].class)
          .setDirectory(work.resolve("jcache-replicated")).setPersistent(true).setReplication(rc.build()));
      Cache<String, byte[]> local = manager.createCache("local", InkvConfiguration.of(String.class, byte[].class)
          .setDirectory(work.resolve("jcache-local")).setPersistent(true));
      System.out.printf(Locale.ROOT, "%-22s %7s %10s %8s %8s %8s %8s%n", "jcache put", "threads", "puts/s", "p50", "p99",
          "p99.9", "max");
      putLoop(local, "local persistent", 1, Math.max(2, seconds / 3));
      putLoop(replicated, "replicated WAIT_FOR_ACK", 1, Math.max(2, seconds / 3)); // these two lines: warm-up
      for (int threads : threadCounts) {
        putLoop(local, "local persistent", threads, seconds);
        putLoop(replicated, "replicated WAIT_FOR_ACK", threads, seconds);
      }
    }
  }

  private static void putLoop(Cache<String, byte[]> cache, String name, int threads, int seconds) throws Exception {
    Recorder latency = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
    AtomicLong puts = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread w = new Thread(() -> {
        byte[] value = new byte[ReplicationLoad.VALUE_SIZE];
        for (long n = 0; System.nanoTime() < end; n++) {
          long t0 = System.nanoTime();
          cache.put("t" + thread + "-" + (n % 10_000), value);
          latency.recordValue(Math.min(System.nanoTime() - t0, TimeUnit.SECONDS.toNanos(60)));
          puts.incrementAndGet();
        }
      }, "put-" + t);
      w.start();
      workers.add(w);
    }
    long t0 = System.nanoTime();
    for (Thread w : workers) {
      w.join();
    }
    double elapsed = (System.nanoTime() - t0) / 1e9;
    Histogram h = latency.getIntervalHistogram();
    System.out.printf(Locale.ROOT, "%-22s %7d %10.0f %8.3f %8.3f %8.3f %8.3f%n", name, threads, puts.get() / elapsed,
        h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getValueAtPercentile(99.9) / 1e6,
        h.getMaxValue() / 1e6);
  }
}
