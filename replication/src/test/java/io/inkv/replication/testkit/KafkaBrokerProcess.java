package io.inkv.replication.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka broker in its own JVM: KRaft combined mode (broker and controller in one process),
 * listeners on 127.0.0.1, started with {@code kafka.Kafka} from a class path that holds kafka_2.13
 * and its dependencies (the test class path, through kafka-test-common-runtime, and
 * log4j-slf4j-impl), so nothing is installed by hand. For tests that stop and restart a broker, or
 * kill it, and for the benchmark harnesses, which run one beside the JVMs they measure.
 *
 * <p>An instance is one broker: {@link #stop()} sends SIGTERM (a clean shutdown), {@link #start()}
 * starts it again on the same ports and log directory. The static steps ({@link #configure},
 * {@link #format}, {@link #command}, {@link #awaitPort}) are for a harness that runs the process
 * itself.
 */
public final class KafkaBrokerProcess implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final Path config;
  private Process process;
  private int starts;

  /**
   * Configures and formats a broker in {@code dir} on a free port, to run from this JVM's class path.
   *
   * @throws IOException if the directory cannot be written or formatting the storage fails
   */
  public KafkaBrokerProcess(Path dir) throws IOException, InterruptedException {
    this.dir = dir;
    this.port = freePort();
    this.config = configure(dir, port, List.of());
    format(System.getProperty("java.class.path"), config, dir.resolve("format.out"));
  }

  /**
   * Writes {@code dir/server.properties} for a single-node broker on 127.0.0.1:{@code port}, with
   * its controller on another free port and its log in {@code dir/logs}; {@code extraSettings}
   * ({@code name=value} lines) come last, so they win. Returns the file.
   */
  public static Path configure(Path dir, int port, List<String> extraSettings) throws IOException {
    int controllerPort = freePort();
    Files.createDirectories(dir);
    List<String> lines = new ArrayList<>(List.of(
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
        "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name=PLAINTEXT",
        "log.dirs=" + dir.resolve("logs"),
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "num.partitions=1"));
    lines.addAll(extraSettings);
    lines.add("");
    Path file = dir.resolve("server.properties");
    Files.writeString(file, String.join("\n", lines));
    return file;
  }

  /**
   * Formats the storage of the broker configured in {@code config} (Kafka's StorageTool), writing
   * the tool's output to {@code log}.
   *
   * @throws IOException if the tool fails or takes more than two minutes
   */
  public static void format(String classPath, Path config, Path log) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(java(), "-cp", classPath, "kafka.tools.StorageTool", "format", "-t",
        Uuid.randomUuid().toString(), "-c", config.toString()));
    Process format = new ProcessBuilder(cmd).redirectOutput(log.toFile()).redirectErrorStream(true).start();
    if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
      format.destroyForcibly();
      throw new IOException("formatting the broker's storage failed; see " + log + ":\n" + Files.readString(log));
    }
  }

  /** Returns the command that runs the broker configured in {@code config}, with these JVM options. */
  public static List<String> command(String classPath, Path config, String... jvmOptions) {
    List<String> cmd = new ArrayList<>();
    cmd.add(java());
    cmd.addAll(List.of(jvmOptions));
    cmd.addAll(List.of("-cp", classPath, "kafka.Kafka", config.toString()));
    return cmd;
  }

  /**
   * Waits until the broker accepts connections on 127.0.0.1:{@code port}; returns false after
   * {@code timeout}, or as soon as {@code process} exits.
   */
  public static boolean awaitPort(Process process, int port, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline && process.isAlive()) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return true;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    return false;
  }

  /** Returns a port free on the loopback address now. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Returns the broker's address, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /**
   * Starts the broker and waits until it accepts connections.
   *
   * @throws IOException if it exits, or does not open its port within 60 s
   */
  public void start() throws IOException, InterruptedException {
    starts++;
    Path log = dir.resolve("broker-" + starts + ".log");
    process = new ProcessBuilder(command(System.getProperty("java.class.path"), config, "-Xmx512m", "-XX:+UseSerialGC"))
        .redirectOutput(log.toFile()).redirectErrorStream(true).start();
    if (!awaitPort(process, port, Duration.ofSeconds(60))) {
      if (!process.isAlive()) {
        throw new IOException("the broker exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      throw new IOException("the broker did not open port " + port + " within 60 s");
    }
  }

  /** Stops the broker cleanly (SIGTERM) and waits for the process to exit. */
  public void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  /** Kills the broker's process, if it runs. */
  @Override
  public void close() {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
