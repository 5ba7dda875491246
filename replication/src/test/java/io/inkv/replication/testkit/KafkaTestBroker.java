package io.inkv.replication.testkit;

import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A Kafka broker inside the test JVM: Kafka's {@code KafkaClusterTestKit}, one node that is both
 * broker and KRaft controller, started in about 1.5 s. The one broker kit of every inkv module
 * whose tests need Kafka (replication, the JCache provider, the server, Hibernate, Spring); it is
 * in the test-jar of {@code inkv-replication}, and a module that uses it also declares
 * {@code org.apache.kafka:kafka-test-common-runtime} with test scope.
 *
 * <p>{@link #shared()} is one broker for the whole JVM, started on first use and stopped at exit:
 * tests that use it pick their own store and topic names, so they never collide. {@link #start()}
 * is a broker of the caller's own, stopped by {@link #close()}.
 */
public final class KafkaTestBroker implements AutoCloseable {
  private static KafkaTestBroker shared;

  private final KafkaClusterTestKit cluster;

  private KafkaTestBroker(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /**
   * Returns the broker shared by every test of this JVM, starting it on first use.
   *
   * @throws IllegalStateException if the broker cannot start
   */
  public static synchronized KafkaTestBroker shared() {
    if (shared == null) {
      KafkaTestBroker b = start();
      Runtime.getRuntime().addShutdownHook(new Thread(b::close, "kafka-test-broker-stop"));
      shared = b;
    }
    return shared;
  }

  /**
   * Starts a broker of the caller's own.
   *
   * @throws IllegalStateException if the broker cannot start
   */
  public static KafkaTestBroker start() {
    neutraliseExit();
    try {
      KafkaClusterTestKit c = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
          .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
          .setConfigProp("offsets.topic.replication.factor", "1")
          .setConfigProp("group.initial.rebalance.delay.ms", "0")
          .setConfigProp("log.cleaner.backoff.ms", "1000")
          .build();
      c.format();
      c.startup();
      c.waitForReadyBrokers();
      return new KafkaTestBroker(c);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the in-process Kafka broker", e);
    }
  }

  /*
   * Kafka's broker calls Exit.halt(1) on a fatal error, for instance one met while it shuts down at
   * JVM exit; in a test JVM that turns a run whose every test passed into a fork that "exited
   * with an error" (Surefire: "Error occurred in starting fork"). Tests log such a request instead.
   */
  private static void neutraliseExit() {
    org.apache.kafka.common.utils.Exit.setExitProcedure((code, message) ->
        System.err.println("in-process Kafka asked to exit(" + code + "): " + message + " (ignored in tests)"));
    org.apache.kafka.common.utils.Exit.setHaltProcedure((code, message) ->
        System.err.println("in-process Kafka asked to halt(" + code + "): " + message + " (ignored in tests)"));
  }

  /** Returns the broker's address, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  /** Returns a new admin client of this broker; the caller closes it. */
  public Admin admin() {
    return Admin.create(Map.of("bootstrap.servers", bootstrapServers()));
  }

  /** Stops the broker. */
  @Override
  public void close() {
    try {
      cluster.close();
    } catch (Exception e) {
      System.err.println("stopping the in-process Kafka broker failed: " + e);
    }
  }
}
