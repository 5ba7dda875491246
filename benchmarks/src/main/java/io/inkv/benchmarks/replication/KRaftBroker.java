package io.inkv.benchmarks.replication;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A single-node Kafka broker (KRaft, combined broker and controller, 127.0.0.1) for the load
 * harnesses that need one in its own JVM: {@link ReplicationLoad} and the soak. The broker's jars
 * come from a class path the run script passes in.
 */
public final class KRaftBroker {
  private KRaftBroker() {}

  /**
   * Writes {@code dir/server.properties} for a broker on {@code port} and formats its storage;
   * returns the configuration file. The format tool's output goes to {@code formatLog}.
   */
  public static Path prepare(String classPath, Path dir, int port, Path formatLog) throws Exception {
    int controller = freePort();
    Files.createDirectories(dir);
    Path config = dir.resolve("server.properties");
    Files.writeString(config, String.join("\n", "process.roles=broker,controller", "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:" + controller,
        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port, "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT", "log.dirs=" + dir.resolve("logs"),
        "offsets.topic.replication.factor=1", "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1", "group.initial.rebalance.delay.ms=0", ""));
    Process format = new ProcessBuilder(java(), "-cp", classPath, "kafka.tools.StorageTool", "format", "-t",
        org.apache.kafka.common.Uuid.randomUuid().toString(), "-c", config.toString())
        .redirectOutput(formatLog.toFile()).redirectErrorStream(true).start();
    if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
      format.destroyForcibly();
      throw new IOException("formatting the broker's storage failed; see " + formatLog);
    }
    return config;
  }

  /** The command that runs the broker prepared by {@link #prepare}. */
  public static List<String> command(String classPath, Path config, String maxHeap) {
    return List.of(java(), "-Xmx" + maxHeap, "-cp", classPath, "kafka.Kafka", config.toString());
  }

  /**
   * Waits until the broker accepts connections on {@code port}; false after {@code seconds} or
   * as soon as {@code process} exits.
   */
  public static boolean awaitPort(Process process, int port, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
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

  /** A port free on the loopback address now. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
