package io.inkv.benchmarks.suite;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.CompilerHints;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/*
 * The JMH step of `benchmarks/run-suite.sh full`: one JVM per (system, value kind, distribution)
 * runs every PeerBenchmark operation at every thread count, not forked, on one populated system.
 *
 * Why: the full suite is 10 systems x 4 value kinds x 2 distributions x 2 thread counts x 4
 * operations = 640 benchmarks. One JMH fork each costs about 10 s on the 2-core machine, most of it
 * the JVM's start (4 GiB pre-touched) and populating 1M entries, so the step took about 2 hours.
 * Here the 80 JVMs populate once each and run 8 benchmarks: about 28 s a JVM with run-suite.sh's
 * settings (2-5 s to start and pre-touch the heap, 0.3-10 s to populate, 20 s of runs, up to 6 s
 * to close; measured on a quiet machine: 22 s for chm with 100 B Strings, 32 s for caffeine-value
 * and 37 s for inkv-store with 1 KB records), about 37 minutes for the step.
 *
 * How: each benchmark is a JMH Runner run with forks(0) (OptionsBuilder, the same parameters,
 * SampleTime in ns and the GC profiler as `-bm sample -tu ns -prof gc`). Under
 * -Dinkv.suite.shared=true PeerBenchmark keeps its populated Peer in a static holder between runs
 * (see its class comment) and this driver closes it at the end.
 *
 * Order: getPresent, getAbsent, mix, put, each at 1 then 2 threads. Operation first and thread count
 * second, not the four operations at 1 thread and then again at 2: mix and put overwrite the values
 * (from pools of 1024 prepared values, so a Java cache by reference ends up pointing most keys at a
 * few pool objects, and inkv's log-structured store has rewritten its live records at the end of
 * its log), so with this order no get figure, at either thread count, is measured after a put.
 *
 * Warm-up and measurement: the JVM is cold for the first run only (the get path never compiled,
 * the populated data never read); later runs find the shared code (the system's get and put paths,
 * the key conversion) compiled and only the new benchmark loop, and any branch the earlier runs
 * never took, left to compile, which takes milliseconds. So the first run gets the warm-up forked
 * quick and targets runs get (first-warmup, 2 x 1 s in run-suite.sh) and the rest a short one
 * (warmup, 1 x 500 ms). Every run measures 3 x 500 ms (targets: 3 x 1 s): with 3 x 1 s the step
 * would take about 53 minutes instead of 37, and SampleTime still times 28,000-106,000 operations of
 * each run in the trial runs (chm, caffeine-value), enough for the p50 and p99 the tables show.
 *
 * The same JVM as a fork: run-suite.sh starts this JVM with the flags `SuiteDriver jvm-flags`
 * prints, which are the flags JMH gives a forked PeerBenchmark JVM: @Fork's jvmArgsAppend (heap,
 * pre-touch, Chronicle Map's flags), then JMH's compiler flags: -DcompilerBlackholesEnabled=true
 * and a CompileCommandFile that makes Blackhole.consumeCompiler a compiler blackhole and inlines
 * the benchmark methods. Without them a non-forked run uses the slower non-compiler Blackhole and
 * may not inline the benchmark method, and its figures would not compare with quick or targets
 * runs (JMH warns that non-forked runs "disable compiler hints"; these flags are why that warning
 * in the log does not apply here). What still
 * differs from a fork: the JIT's profiles of the shared code were gathered under every operation run
 * so far (in a fork, under one), and the heap holds what earlier runs left.
 *
 * Output: JMH JSON, one file per thread count, <out>/<system>-<value>-<distribution>-t<threads>.json,
 * rewritten after each run so that a JVM that dies keeps what it measured; run-suite.sh merges them
 * into jmh-peers-t1.json and jmh-peers-t2.json, which results-table.py renders as it renders forked
 * runs. Exit status 1 if any run gave no result.
 *
 * usage: SuiteDriver system=chm value=record-100 distribution=uniform entries=1000000 threads=1,2
 *            ops=getPresent,getAbsent,mix,put first-warmup=2x1s warmup=1x500ms measurement=3x500ms out=dir
 *        SuiteDriver jvm-flags hints=file   (prints the forked JVM's flags, one a line; JMH's
 *            compiler-hints file is copied to `file`: JMH deletes its own copy when this JVM exits)
 */
/** Runs every PeerBenchmark operation for one system, value kind and distribution in this JVM. */
public final class SuiteDriver {
  /** The order of the runs in one JVM: the operations that overwrite values last. */
  static final List<String> ORDER = List.of("getPresent", "getAbsent", "mix", "put");

  private SuiteDriver() {}

  /**
   * Runs the benchmarks the arguments name, or with {@code jvm-flags} prints the JVM flags of a forked
   * PeerBenchmark run.
   *
   * @param args {@code key=value} arguments (see the class comment)
   * @throws IOException if a result file cannot be written
   */
  public static void main(String[] args) throws IOException {
    if (args.length > 0 && args[0].equals("jvm-flags")) {
      OpenLoopLatency.Args a = new OpenLoopLatency.Args(java.util.Arrays.copyOfRange(args, 1, args.length));
      for (String flag : forkedJvmFlags(Paths.get(a.get("hints", "compilecommand")))) {
        System.out.println(flag);
      }
      return;
    }
    OpenLoopLatency.Args a = new OpenLoopLatency.Args(args);
    String system = a.get("system", "inkv-jcache");
    String value = a.get("value", "record-100");
    String distribution = a.get("distribution", "uniform");
    String entries = a.get("entries", "1000000");
    List<Integer> threads = new ArrayList<>();
    for (String t : a.get("threads", "1,2").split("[,| ]+")) {
      threads.add(Integer.parseInt(t));
    }
    List<String> ops = operations(a.get("ops", String.join(",", ORDER)));
    Iterations first = Iterations.parse("first-warmup", a.get("first-warmup", "2x1s"));
    Iterations warmup = Iterations.parse("warmup", a.get("warmup", "1x500ms"));
    Iterations measurement = Iterations.parse("measurement", a.get("measurement", "3x500ms"));
    Path out = Paths.get(a.get("out", "."));
    Files.createDirectories(out);

    if (!Boolean.getBoolean(PeerBenchmark.SHARED_PROPERTY)) {
      throw new IllegalStateException("run with -D" + PeerBenchmark.SHARED_PROPERTY
          + "=true: without it every run would populate the system again");
    }
    if (!Boolean.getBoolean("compilerBlackholesEnabled")) {
      System.out.println("WARNING: this JVM lacks JMH's compiler flags (see `SuiteDriver jvm-flags`): "
          + "its figures do not compare with forked runs");
    }

    Map<Integer, List<RunResult>> results = new LinkedHashMap<>();
    int failed = 0;
    long start = System.nanoTime();
    try {
      boolean cold = true;
      for (String op : ops) {
        for (int t : threads) {
          Iterations w = cold ? first : warmup;
          cold = false;
          long runStart = System.nanoTime();
          Options options = new OptionsBuilder()
              .include("^" + Pattern.quote(PeerBenchmark.class.getName() + "." + op) + "$")
              .forks(0)
              .jvmArgsAppend() // not @Fork's: the JSON's jvmArgs are then this JVM's own flags
              .threads(t)
              .mode(Mode.SampleTime)
              .timeUnit(TimeUnit.NANOSECONDS)
              .param("system", system)
              .param("value", value)
              .param("distribution", distribution)
              .param("entries", entries)
              .warmupIterations(w.count)
              .warmupTime(w.time)
              .measurementIterations(measurement.count)
              .measurementTime(measurement.time)
              .addProfiler(GCProfiler.class)
              .shouldFailOnError(false)
              .build();
          Collection<RunResult> r;
          try {
            r = new Runner(options).run();
          } catch (RunnerException e) {
            e.printStackTrace(System.out);
            r = List.of();
          }
          if (r.isEmpty()) {
            failed++;
          }
          List<RunResult> forThreads = results.computeIfAbsent(t, k -> new ArrayList<>());
          forThreads.addAll(r);
          Path file = out.resolve(system + "-" + value + "-" + distribution + "-t" + t + ".json");
          ResultFormatFactory.getInstance(ResultFormatType.JSON, file.toString()).writeOut(forThreads);
          System.out.printf(Locale.ROOT, "# suite: %s %s %s %s t%d %s in %.1f s%n", system, value, distribution,
              op, t, r.isEmpty() ? "FAILED" : "done", (System.nanoTime() - runStart) / 1e9);
        }
      }
    } finally {
      PeerBenchmark.closeShared();
    }
    System.out.printf(Locale.ROOT, "# suite: %s %s %s: %d runs (%d failed) in %.1f s%n", system, value,
        distribution, ops.size() * threads.size(), failed, (System.nanoTime() - start) / 1e9);
    System.out.flush();
    // JMH's runs may leave non-daemon threads behind; nothing is left to wait for
    System.exit(failed == 0 ? 0 : 1);
  }

  /** The operations named in {@code list}, in {@link #ORDER}. */
  static List<String> operations(String list) {
    List<String> named = List.of(list.split("[,| ]+"));
    for (String op : named) {
      if (!ORDER.contains(op)) {
        throw new IllegalArgumentException("ops must be among " + ORDER + ": " + op);
      }
    }
    List<String> ops = new ArrayList<>(ORDER);
    ops.retainAll(named);
    return ops;
  }

  /**
   * The flags JMH gives a forked PeerBenchmark JVM: @Fork's jvmArgsAppend, then JMH's compiler
   * flags, the compiler-hints file copied to {@code hints}.
   */
  static List<String> forkedJvmFlags(Path hints) {
    List<String> flags = new ArrayList<>(List.of(PeerBenchmark.class.getAnnotation(Fork.class).jvmArgsAppend()));
    List<String> jmh = new ArrayList<>();
    PrintStream stdout = System.out;
    System.setOut(System.err); // JMH may print notes while it probes the JVM: keep stdout to the flags
    try {
      CompilerHints.addCompilerHints(jmh);
    } finally {
      System.setOut(stdout);
    }
    String fileFlag = "-XX:CompileCommandFile=";
    for (String flag : jmh) {
      if (flag.startsWith(fileFlag)) {
        try {
          Path dir = hints.toAbsolutePath().getParent();
          if (dir != null) {
            Files.createDirectories(dir);
          }
          Files.copy(Paths.get(flag.substring(fileFlag.length())), hints, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot copy JMH's compiler hints to " + hints, e);
        }
        flag = fileFlag + hints.toAbsolutePath();
      }
      flags.add(flag);
    }
    return flags;
  }

  /** Iterations of one length, from "3x1s" (JMH's time syntax: 1s, 500ms). */
  static final class Iterations {
    final int count;
    final TimeValue time;

    private Iterations(int count, TimeValue time) {
      this.count = count;
      this.time = time;
    }

    static Iterations parse(String name, String text) {
      int x = text.indexOf('x');
      try {
        if (x > 0) {
          return new Iterations(Integer.parseInt(text.substring(0, x)), TimeValue.fromString(text.substring(x + 1)));
        }
      } catch (IllegalArgumentException e) {
        // reported below
      }
      throw new IllegalArgumentException(name + " must be <iterations>x<time>, e.g. 3x1s: " + text);
    }
  }
}
