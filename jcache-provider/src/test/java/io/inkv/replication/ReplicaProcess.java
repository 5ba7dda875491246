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
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A replica in its own JVM, driven through stdin by {@link ReplicaProcessTest}. It answers through a
 * side file (one line per answer, each line written with one write(2), so a kill -9 loses no
 * finished line). Commands: {@code put <from> <to> <tag>} writes keys k&lt;from&gt;..k&lt;to-1&gt;,
 * {@code digest} waits until caught up and reports the entry count and a SHA-256 of the sorted
 * full scan, {@code exit} closes the replica.
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
    Files.deleteIfExists(answers);
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        ReplicaProcess.class.getName(), bootstrap, store, dir.toString(), answers.toString());
    Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(answers.resolveSibling(answers.getFileName() + ".err").toFile()).start();
    return new ReplicaProcess(p, answers);
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
    try (FileChannel out = FileChannel.open(answers, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      ReplicationConfig config = ReplicationConfig.builder(storeName, bootstrap).partitions(4).replicationFactor((short) 1)
          .writeMode(ReplicationConfig.WriteMode.FIRE_AND_FORGET).checkpointInterval(Duration.ofMillis(300))
          .kafkaProperty("reconnect.backoff.max.ms", "200").kafkaProperty("retry.backoff.max.ms", "200").build();
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
