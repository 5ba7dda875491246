package io.inkv.benchmarks.soak;

import io.inkv.store.internal.DurableFiles;
import static java.nio.charset.StandardCharsets.UTF_8;


import io.inkv.replication.Replication;
import io.inkv.replication.ReplicatedDocumentStore;
import io.inkv.replication.ReplicatedStore;
import io.inkv.replication.ReplicationConfig;
import io.inkv.replication.ReplicationStats;
import io.inkv.replication.testkit.KafkaBrokerProcess;
import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import io.inkv.store.document.DocumentStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;



import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The soak harness (run it with {@code benchmarks/run-soak.sh}): a Kafka broker JVM, the data-plane
 * server JVM in replicated mode and a replica JVM, under a steady mixed load for a fixed time, with
 * each process's resources sampled at a fixed interval and a verdict at the end.
 *
 * <pre>
 *   run [duration=1800] [interval=30] [warmup=300] [rate=400] [replicaRate=2000] [out=DIR]
 *   replica &lt;bootstrap&gt; &lt;dir&gt; &lt;reads per second&gt;      (the replica JVM; started by run)
 * </pre>
 *
 * Load. {@value #WORKERS} client threads in this JVM send {@code rate} requests per second in all
 * to the server, paced (a thread that falls behind does not burst to catch up): 50% {@code GET
 * /get/k<i>}, 25% {@code POST /store/k<i>} (100-byte values), 15% document upserts {@code POST
 * /stores/docs/docs/d<i>} and 10% document reads, over {@value #KEYS} cache keys and {@value #DOCS}
 * documents, all written once before the run, so the data set stays the same size and every read
 * must find its key. The replica JVM opens replicas of both stores ({@code inkv.cache}, {@code
 * inkv.docs}) and reads {@code replicaRate} random keys per second from them. Errors: any HTTP status
 * other than 200/204, an I/O error or timeout, a read that misses or returns a value of another key,
 * the replicas' publish failures and malformed or failed events, and log lines at ERROR/SEVERE level.
 *
 * Samples, every {@code interval} s, for each process: heap used right after a full GC ({@code jcmd
 * <pid> GC.run}, then the used columns of {@code jstat -gc}), VmRSS (with its anonymous and file
 * parts) and Threads from /proc/pid/status, and the entries of /proc/pid/fd.
 *
 * Verdict. Samples taken in the first {@code warmup} s are left out. Of the rest, the medians of the
 * first and of the last third are compared; a metric is flat when {@code last - first <= max(10% of first,
 * slack)}, with slack 8 MiB for heap, 32 MiB for RSS, 8 file handles and 4 threads. The server and the
 * replica must be flat in all four and the run must have no errors; the broker is sampled for
 * information only.
 */
public final class Soak {
  private static final int WORKERS = 4;
  private static final int KEYS = 10_000;
  private static final int DOCS = 2_000;
  private static final int VALUE_SIZE = 100;
  private static final Pattern ERROR_LINE = Pattern.compile("\\b(ERROR|SEVERE)\\b");

  private Soak() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("replica")) {
      replica(args[1], Path.of(args[2]), Integer.parseInt(args[3]));
      return;
    }
    if (args.length == 0 || !args[0].equals("run")) {
      System.err.println("usage: Soak run [duration=1800] [interval=30] [warmup=300] [rate=400] [replicaRate=2000] [out=DIR]");
      System.exit(2);
    }
    Map<String, String> opts = new LinkedHashMap<>(Map.of("duration", "1800", "interval", "30", "warmup", "300",
        "rate", "400", "replicaRate", "2000", "out", "benchmarks/results/soak-" + System.currentTimeMillis()));
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (eq < 0 || !opts.containsKey(args[i].substring(0, eq))) {
        throw new IllegalArgumentException("unknown option '" + args[i] + "'; known: " + opts.keySet());
      }
      opts.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    new Soak.Run(opts).run();
  }

  // ---- the orchestrating JVM ----

  private static final class Run {
    final int duration;
    final int interval;
    final int warmup;
    final int rate;
    final int replicaRate;
    final Path out;
    final List<Child> children = new ArrayList<>();
    final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    final LongAdder requests = new LongAdder();
    final List<Sample> samples = new ArrayList<>();
    final AtomicBoolean stop = new AtomicBoolean();
    volatile String replicaStatus = "";
    PrintStream log;

    Run(Map<String, String> opts) {
      duration = Integer.parseInt(opts.get("duration"));
      interval = Integer.parseInt(opts.get("interval"));
      warmup = Integer.parseInt(opts.get("warmup"));
      rate = Integer.parseInt(opts.get("rate"));
      replicaRate = Integer.parseInt(opts.get("replicaRate"));
      out = Path.of(opts.get("out")).toAbsolutePath();
      if (duration <= 0 || interval <= 0 || warmup < 0 || warmup >= duration || rate <= 0 || replicaRate < 0) {
        throw new IllegalArgumentException("need duration > warmup >= 0, interval > 0, rate > 0, replicaRate >= 0: " + opts);
      }
    }

    void run() throws Exception {
      Files.createDirectories(out);
      log = new PrintStream(Files.newOutputStream(out.resolve("soak.log")), true, UTF_8);
      String cp = System.getProperty("java.class.path");
      String serverJar = System.getProperty("inkv.server.jar", "dataplane-server/target/inkv-server.jar");
      Path data = Files.createTempDirectory("inkv-soak");
      try {
        say("soak: duration %d s, sample every %d s, warm-up %d s, %d server requests/s, %d replica reads/s; %d cores, "
            + "load average %s; raw output in %s", duration, interval, warmup, rate, replicaRate,
            Runtime.getRuntime().availableProcessors(), loadAverage(), out);
        int kafkaPort = freePort();
        Child broker = startBroker(cp, data.resolve("broker"), kafkaPort);
        String bootstrap = "127.0.0.1:" + kafkaPort;
        int httpPort = freePort();
        Child server = start("server", List.of(java(), "-Xmx512m", "-jar", Path.of(serverJar).toAbsolutePath().toString(),
            "--port", String.valueOf(httpPort), "--data-dir", data.resolve("server").toString(),
            "--kafka-bootstrap", bootstrap, "--image-interval", "5m", "--concurrency", "1024"), null);
        String base = "http://127.0.0.1:" + httpPort;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
        awaitReady(http, base, server);
        long t0 = System.nanoTime();
        prefill(http, base);
        say("prefilled %,d cache keys and %,d documents in %.1f s", KEYS, DOCS, (System.nanoTime() - t0) / 1e9);
        Child replica = start("replica", List.of(java(), "-Xmx256m", "-cp", cp, Soak.class.getName(), "replica",
            bootstrap, data.resolve("replica").toString(), String.valueOf(replicaRate)), line -> {
              if (line.startsWith("status ")) {
                replicaStatus = line;
              }
            });
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!replicaStatus.contains("ready=true")) {
          if (!replica.process().isAlive() || System.nanoTime() > deadline) {
            throw new IOException("the replica did not become ready; see " + replica.log());
          }
          Thread.sleep(100);
        }
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
          Thread t = new Thread(() -> work(http, base), "soak-worker-" + w);
          t.start();
          workers.add(t);
        }
        long start = System.nanoTime();
        for (int n = 0; ; n++) {
          long due = start + TimeUnit.SECONDS.toNanos((long) n * interval);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(wait));
          }
          for (Child c : children) {
            if (!c.process().isAlive()) {
              errors.computeIfAbsent(c.name() + " exited", k -> new LongAdder()).increment();
              throw new IOException(c.name() + " exited with " + c.process().exitValue() + "; see " + c.log());
            }
          }
          sample((int) ((System.nanoTime() - start) / 1_000_000_000L), http, base);
          if ((long) n * interval >= duration) {
            break;
          }
        }
        stop.set(true);
        for (Thread t : workers) {
          t.join();
        }
        report();
        replica.stop();
        server.stop();
        broker.stop();
      } finally {
        for (Child c : children) {
          c.kill();
        }
        deleteTree(data);
        log.close();
      }
    }

    void say(String format, Object... args) {
      String line = String.format(Locale.ROOT, format, args);
      System.out.println(line);
      log.println(line);
    }

    // ---- processes ----

    record Child(String name, Process process, Path log) {
      void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor();
        }
      }

      void kill() {
        if (process.isAlive()) {
          process.destroyForcibly();
          try {
            process.waitFor(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    }

    /* Starts a child whose stdout and stderr go to <out>/<name>.log, each line also to onLine if set. */
    Child start(String name, List<String> cmd, java.util.function.Consumer<String> onLine) throws IOException {
      Path logFile = out.resolve(name + ".log");
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      Thread pump = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), UTF_8));
            var w = Files.newBufferedWriter(logFile, UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
          String line;
          while ((line = in.readLine()) != null) {
            w.write(line);
            w.newLine();
            w.flush();
            if (onLine != null) {
              onLine.accept(line);
            }
          }
        } catch (IOException e) {
          // the stream closes when the process is stopped: the log holds what it wrote
        }
      }, "soak-log-" + name);
      pump.setDaemon(true);
      pump.start();
      Child c = new Child(name, p, logFile);
      children.add(c);
      say("started %s, pid %d", name, p.pid());
      return c;
    }

    Child startBroker(String cp, Path dir, int port) throws Exception {
      Path config = KafkaBrokerProcess.configure(dir, port, List.of());
      KafkaBrokerProcess.format(cp, config, out.resolve("broker-format.log"));
      Child broker = start("broker", KafkaBrokerProcess.command(cp, config, "-Xmx512m"), null);
      if (!KafkaBrokerProcess.awaitPort(broker.process(), port, Duration.ofSeconds(120))) {
        throw new IOException("the broker did not open port " + port + " or exited; see " + broker.log());
      }
      return broker;
    }

    void awaitReady(HttpClient http, String base, Child server) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (System.nanoTime() < deadline) {
        if (!server.process().isAlive()) {
          throw new IOException("the server exited; see " + server.log());
        }
        try {
          if (http.send(get(base + "/ready"), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            return;
          }
        } catch (IOException notYet) {
          // not listening yet
        }
        Thread.sleep(200);
      }
      throw new IOException("the server was not ready within 120 s; see " + server.log());
    }

    // ---- load ----

    void prefill(HttpClient http, String base) throws Exception {
      for (int i = 0; i < KEYS; i++) {
        check(http.send(putValue(base, i, 0), HttpResponse.BodyHandlers.ofString()), 200, "prefill POST /store");
      }
      for (int i = 0; i < DOCS; i++) {
        check(http.send(upsert(base, i, 0), HttpResponse.BodyHandlers.ofString()), 204, "prefill document upsert");
      }
    }

    private static void check(HttpResponse<String> r, int status, String what) throws IOException {
      if (r.statusCode() != status) {
        throw new IOException(what + " answered " + r.statusCode() + ": " + r.body());
      }
    }

    void work(HttpClient http, String base) {
      long intervalNanos = 1_000_000_000L * WORKERS / rate;
      long due = System.nanoTime();
      ThreadLocalRandom rnd = ThreadLocalRandom.current();
      long seq = 0;
      while (!stop.get()) {
        long now = System.nanoTime();
        if (now < due) {
          LockSupport.parkNanos(due - now);
        } else if (now - due > TimeUnit.SECONDS.toNanos(1)) {
          due = now; // fell behind: no burst to catch up
        }
        due += intervalNanos;
        int op = rnd.nextInt(100);
        String what;
        try {
          if (op < 50) {
            int i = rnd.nextInt(KEYS);
            what = "GET /get";
            HttpResponse<byte[]> r = http.send(get(base + "/get/k" + i), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
              error(what + " " + r.statusCode());
            } else if (!new String(r.body(), UTF_8).startsWith("v" + i + "-")) {
              error(what + " wrong value");
            }
          } else if (op < 75) {
            what = "POST /store";
            expect(http.send(putValue(base, rnd.nextInt(KEYS), ++seq), HttpResponse.BodyHandlers.discarding()), 200, what);
          } else if (op < 90) {
            what = "document upsert";
            expect(http.send(upsert(base, rnd.nextInt(DOCS), ++seq), HttpResponse.BodyHandlers.discarding()), 204, what);
          } else {
            int i = rnd.nextInt(DOCS);
            what = "document GET";
            HttpResponse<String> r = http.send(get(base + "/stores/docs/docs/d" + i), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
              error(what + " " + r.statusCode());
            } else if (!r.body().contains("\"id\":" + i + ",")) {
              error(what + " wrong document");
            }
          }
          requests.increment();
        } catch (IOException e) {
          error("I/O " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }

    private void expect(HttpResponse<?> r, int status, String what) {
      if (r.statusCode() != status) {
        error(what + " " + r.statusCode());
      }
    }

    private void error(String kind) {
      errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    private static HttpRequest get(String uri) {
      return HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10)).GET().build();
    }

    private static HttpRequest putValue(String base, int i, long seq) {
      StringBuilder v = new StringBuilder("v").append(i).append('-').append(seq).append('-');
      while (v.length() < VALUE_SIZE) {
        v.append('x');
      }
      return HttpRequest.newBuilder(URI.create(base + "/store/k" + i)).timeout(Duration.ofSeconds(10))
          .POST(HttpRequest.BodyPublishers.ofString(v.toString())).build();
    }

    private static HttpRequest upsert(String base, int i, long seq) {
      String json = "{\"id\":" + i + ",\"n\":" + seq + ",\"name\":\"document " + i + "\",\"score\":" + (seq % 1000) / 10.0 + "}";
      return HttpRequest.newBuilder(URI.create(base + "/stores/docs/docs/d" + i)).timeout(Duration.ofSeconds(10))
          .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }

    // ---- samples ----

    void sample(int second, HttpClient http, String base) {
      String storeBytes = "?";
      try {
        HttpResponse<String> m = http.send(get(base + "/metrics"), HttpResponse.BodyHandlers.ofString());
        long sum = 0;
        for (String line : m.body().split("\n")) {
          if (line.startsWith("inkv_store_file_bytes")) {
            sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          }
        }
        storeBytes = String.valueOf(sum >> 20);
      } catch (IOException | RuntimeException e) {
        error("GET /metrics " + e.getClass().getSimpleName());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      for (Child c : children) {
        Sample s = Sample.of(second, c.name(), c.process().pid());
        samples.add(s);
        log.println("sample " + s.tsv());
      }
      long logErrors = children.stream().mapToLong(c -> errorLines(c.log())).sum();
      say("t=%5d s  requests %,d  errors %d  log errors %d  server store files %s MiB  load %s  %s", second,
          requests.sum(), errorCount(), logErrors, storeBytes, loadAverage(), replicaStatus);
      for (Sample s : samples.subList(samples.size() - children.size(), samples.size())) {
        say("          %s", s.line());
      }
    }

    long errorCount() {
      return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    void report() throws IOException {
      List<String> tsv = new ArrayList<>();
      tsv.add(Sample.HEADER);
      samples.forEach(s -> tsv.add(s.tsv()));
      Files.write(out.resolve("samples.tsv"), tsv, UTF_8);
      say("");
      say("== samples (heap after full GC, RSS = anon + file, open fds, threads)");
      say("%-7s %-8s %10s %10s %10s %10s %6s %7s", "t(s)", "process", "heap MiB", "RSS MiB", "anon MiB", "file MiB",
          "fds", "threads");
      for (Sample s : samples) {
        say("%-7d %-8s %10.1f %10.1f %10.1f %10.1f %6d %7d", s.second, s.process, s.heapKb / 1024.0, s.rssKb / 1024.0,
            s.anonKb / 1024.0, s.fileKb / 1024.0, s.fds, s.threads);
      }
      say("");
      say("== verdict: samples after the %d s warm-up; medians of the first and last third; flat when "
          + "last - first <= max(10%% of first, slack) (slack: heap 8 MiB, RSS 32 MiB, fds 8, threads 4)", warmup);
      boolean flat = true;
      for (Child c : children) {
        List<Sample> mine = samples.stream().filter(s -> s.process.equals(c.name()) && s.second >= warmup).toList();
        if (mine.size() < 3) {
          say("%-8s too few samples after the warm-up (%d)", c.name(), mine.size());
          flat = false;
          continue;
        }
        boolean counts = !c.name().equals("broker");
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-8s", c.name()));
        flat &= judge(line, "heap", mine, s -> s.heapKb / 1024.0, 8, counts);
        flat &= judge(line, "RSS", mine, s -> s.rssKb / 1024.0, 32, counts);
        flat &= judge(line, "fds", mine, s -> s.fds, 8, counts);
        flat &= judge(line, "threads", mine, s -> s.threads, 4, counts);
        say("%s%s", line, counts ? "" : "  (information only)");
      }
      for (Child c : children) {
        long n = errorLines(c.log());
        if (n > 0) {
          errors.computeIfAbsent(c.name() + " log ERROR/SEVERE lines", k -> new LongAdder()).add(n);
        }
      }
      long replicaErrors = replicaErrors(replicaStatus);
      if (replicaErrors > 0) {
        errors.computeIfAbsent("replica read misses, wrong values, publish failures, malformed or failed events",
            k -> new LongAdder()).add(replicaErrors);
      }
      say("requests to the server: %,d in %d s (%,.0f/s); replica: %s", requests.sum(), duration,
          requests.sum() / (double) duration, replicaStatus);
      say("errors: %s", errors.isEmpty() ? "none" : errors.toString());
      boolean ok = flat && errorCount() == 0;
      say("VERDICT: %s (resources %s, %d errors), load average at the end %s", ok ? "PASS" : "FAIL",
          flat ? "flat" : "NOT flat", errorCount(), loadAverage());
    }

    private boolean judge(StringBuilder line, String name, List<Sample> s, java.util.function.ToDoubleFunction<Sample> f,
        double slack, boolean counts) {
      int third = (s.size() + 2) / 3;
      double first = median(s.subList(0, third).stream().mapToDouble(f).toArray());
      double last = median(s.subList(s.size() - third, s.size()).stream().mapToDouble(f).toArray());
      boolean flat = last - first <= Math.max(0.10 * first, slack);
      line.append(String.format(Locale.ROOT, "  %s %.1f -> %.1f %s", name, first, last, flat ? "flat" : "GROWS"));
      return flat || !counts;
    }

    private static double median(double[] v) {
      Arrays.sort(v);
      return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static long errorLines(Path log) {
      try (Stream<String> lines = Files.lines(log, UTF_8)) {
        return lines.filter(l -> ERROR_LINE.matcher(l).find()).count();
      } catch (IOException | UncheckedIOException e) {
        return 0;
      }
    }

    static long replicaErrors(String status) {
      long n = 0;
      for (String key : List.of("missing", "wrong", "publishFailures", "malformed", "failed")) {
        Matcher m = Pattern.compile("\\b" + key + "=(\\d+)").matcher(status);
        while (m.find()) {
          n += Long.parseLong(m.group(1));
        }
      }
      return n;
    }
  }

  /* One process's resources at one moment. */
  record Sample(int second, String process, long heapKb, long rssKb, long anonKb, long fileKb, int fds, int threads) {
    static final String HEADER = "second\tprocess\theap_after_gc_kb\trss_kb\trss_anon_kb\trss_file_kb\tfds\tthreads";

    static Sample of(int second, String process, long pid) {
      long heap = heapAfterGc(pid);
      Map<String, Long> status = procStatus(pid);
      int fds;
      try (Stream<Path> s = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
        fds = (int) s.count();
      } catch (IOException e) {
        fds = -1;
      }
      return new Sample(second, process, heap, status.getOrDefault("VmRSS", -1L), status.getOrDefault("RssAnon", -1L),
          status.getOrDefault("RssFile", -1L) + status.getOrDefault("RssShmem", 0L), fds,
          status.getOrDefault("Threads", -1L).intValue());
    }

    String tsv() {
      return second + "\t" + process + "\t" + heapKb + "\t" + rssKb + "\t" + anonKb + "\t" + fileKb + "\t" + fds + "\t" + threads;
    }

    String line() {
      return String.format(Locale.ROOT, "%-8s heap %.1f MiB, RSS %.1f MiB (anon %.1f, file %.1f), %d fds, %d threads", process,
          heapKb / 1024.0, rssKb / 1024.0, anonKb / 1024.0, fileKb / 1024.0, fds, threads);
    }

    private static Map<String, Long> procStatus(long pid) {
      Map<String, Long> m = new LinkedHashMap<>();
      try {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"), UTF_8)) {
          int colon = line.indexOf(':');
          String[] w = line.substring(colon + 1).trim().split("\\s+");
          if (colon > 0 && w.length > 0 && w[0].matches("\\d+")) {
            m.put(line.substring(0, colon), Long.parseLong(w[0]));
          }
        }
      } catch (IOException e) {
        // the process is gone; the sample shows -1
      }
      return m;
    }

    /* jcmd GC.run (a full GC), then the sum of the used columns of jstat -gc, in KiB; -1 if unavailable. */
    private static long heapAfterGc(long pid) {
      try {
        exec(List.of(tool("jcmd"), String.valueOf(pid), "GC.run"));
        List<String> lines = exec(List.of(tool("jstat"), "-gc", String.valueOf(pid)));
        if (lines.size() < 2) {
          return -1;
        }
        String[] head = lines.get(0).trim().split("\\s+");
        String[] vals = lines.get(1).trim().split("\\s+");
        double used = 0;
        for (int i = 0; i < head.length && i < vals.length; i++) {
          if (List.of("S0U", "S1U", "EU", "OU").contains(head[i])) {
            used += Double.parseDouble(vals[i]);
          }
        }
        return (long) used;
      } catch (IOException | RuntimeException e) {
        return -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }

    private static List<String> exec(List<String> cmd) throws IOException, InterruptedException {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      List<String> lines;
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), UTF_8))) {
        lines = in.lines().toList();
      }
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      return lines;
    }

    private static String tool(String name) {
      return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }
  }

  // ---- the replica JVM ----

  private static void replica(String bootstrap, Path dir, int rate) throws Exception {
    ReplicationConfig cacheConfig = ReplicationConfig.builder("cache", bootstrap).build();
    ReplicationConfig docsConfig = ReplicationConfig.builder("docs", bootstrap).build();
    try (ReplicatedStore cache = Replication.replicate(Store.open(StoreOptions.builder(dir.resolve("cache")).build()),
        cacheConfig);
        ReplicatedDocumentStore docs = Replication.replicate(DocumentStore.open(StoreOptions.builder(dir.resolve("docs"))
            .build()), docsConfig)) {
      LongAdder reads = new LongAdder();
      LongAdder missing = new LongAdder();
      LongAdder wrong = new LongAdder();
      Thread reader = new Thread(() -> {
        long intervalNanos = rate == 0 ? Long.MAX_VALUE : 1_000_000_000L / rate;
        long due = System.nanoTime();
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        while (true) {
          long now = System.nanoTime();
          if (now < due) {
            LockSupport.parkNanos(due - now);
          } else if (now - due > TimeUnit.SECONDS.toNanos(1)) {
            due = now;
          }
          due += intervalNanos;
          if (rnd.nextInt(10) < 7) {
            int i = rnd.nextInt(KEYS);
            byte[] v = cache.get(("k" + i).getBytes(UTF_8));
            if (v == null) {
              missing.increment();
            } else if (!new String(v, UTF_8).startsWith("v" + i + "-")) {
              wrong.increment();
            }
          } else {
            int i = rnd.nextInt(DOCS);
            OptionalLong id = docs.getLong("d" + i, "id");
            if (id.isEmpty()) {
              missing.increment();
            } else if (id.getAsLong() != i) {
              wrong.increment();
            }
          }
          reads.increment();
        }
      }, "soak-replica-reader");
      reader.setDaemon(true);
      reader.start();
      while (true) {
        ReplicationStats c = cache.replicationStats();
        ReplicationStats d = docs.replicationStats();
        long lag = Stream.of(cache.lag(), docs.lag()).flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum();
        System.out.printf(Locale.ROOT, "status %s ready=%s reads=%d missing=%d wrong=%d applied=%d lag=%d "
            + "publishFailures=%d malformed=%d failed=%d%n", Instant.now(), cache.isReady() && docs.isReady(),
            reads.sum(), missing.sum(), wrong.sum(), c.applied() + d.applied(), lag,
            c.publishFailures() + d.publishFailures(), c.malformed() + d.malformed(), c.failed() + d.failed());
        System.out.flush();
        Thread.sleep(5_000);
      }
    }
  }

  // ---- helpers ----

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static int freePort() throws IOException {
    return KafkaBrokerProcess.freePort();
  }

  private static String loadAverage() {
    try {
      String[] w = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return w[0] + " " + w[1] + " " + w[2];
    } catch (IOException e) {
      return "?";
    }
  }

  private static void deleteTree(Path dir) {
    DurableFiles.deleteTree(dir);
  }

}
