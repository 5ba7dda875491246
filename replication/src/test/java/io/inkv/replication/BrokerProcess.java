package io.inkv.replication;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka broker in its own JVM: KRaft combined mode (broker and controller in one process),
 * listeners on 127.0.0.1, started with {@code kafka.Kafka} from the test class path (which holds
 * kafka_2.13 4.3.1 and its dependencies through kafka-test-common-runtime, and log4j-slf4j-impl),
 * so nothing is installed by hand. {@link #stop()} sends SIGTERM (a clean shutdown), {@link #start()}
 * starts it again on the same ports and log directory.
 */
final class BrokerProcess implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final Path config;
  private Process process;
  private int starts;

  BrokerProcess(Path dir) throws IOException, InterruptedException {
    this.dir = dir;
    this.port = freePort();
    int controllerPort = freePort();
    Files.createDirectories(dir);
    config = dir.resolve("server.properties");
    Files.writeString(config, String.join("\n",
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
        "num.partitions=1",
        ""));
    Process format = java("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c", config.toString())
        .redirectOutput(dir.resolve("format.out").toFile()).redirectErrorStream(true).start();
    if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
      format.destroyForcibly();
      throw new IOException("formatting the broker's storage failed; see " + dir.resolve("format.out") + ":\n"
          + Files.readString(dir.resolve("format.out")));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static ProcessBuilder java(String mainClass, String... args) {
    List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), mainClass));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd);
  }

  String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  void start() throws IOException, InterruptedException {
    starts++;
    Path log = dir.resolve("broker-" + starts + ".log");
    process = java("kafka.Kafka", config.toString()).redirectOutput(log.toFile()).redirectErrorStream(true).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("the broker exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new IOException("the broker did not open port " + port + " within 60 s");
  }

  /** A clean shutdown (SIGTERM), waiting for the process to exit. */
  void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

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
