package io.inkv.replication;

import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * One in-process KRaft broker (Kafka's KafkaClusterTestKit, combined broker and controller) for
 * every replication test in the JVM: started on first use (about 1.5 s), stopped at exit.
 * Each test uses its own store names, so topics never collide.
 */
final class InProcessKafka {
  private static KafkaClusterTestKit cluster;

  private InProcessKafka() {}

  static synchronized String bootstrapServers() {
    if (cluster == null) {
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
        cluster = c;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            c.close();
          } catch (Exception e) {
            // exiting anyway
          }
        }, "in-process-kafka-stop"));
      } catch (Exception e) {
        throw new IllegalStateException("cannot start the in-process Kafka broker", e);
      }
    }
    return cluster.bootstrapServers();
  }

  /*
   * Kafka's broker calls Exit.halt(1) on a fatal error, for instance one met while it shuts down at
   * JVM exit; in a test JVM that turns a run whose every test passed into a fork that "exited
   * with an error" (Surefire: "Error occurred in starting fork"). Tests log such a request instead.
   */
  static void neutraliseExit() {
    org.apache.kafka.common.utils.Exit.setExitProcedure((code, message) ->
        System.err.println("in-process Kafka asked to exit(" + code + "): " + message + " (ignored in tests)"));
    org.apache.kafka.common.utils.Exit.setHaltProcedure((code, message) ->
        System.err.println("in-process Kafka asked to halt(" + code + "): " + message + " (ignored in tests)"));
  }

  static Admin admin() {
    return Admin.create(Map.of("bootstrap.servers", bootstrapServers()));
  }
}
