package io.inkv.replication;

/** Gives tests in other packages the shared in-process broker. */
public final class InProcessKafkaAccess {
  private InProcessKafkaAccess() {}

  public static String bootstrapServers() {
    return InProcessKafka.bootstrapServers();
  }
}
