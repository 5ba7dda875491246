package io.inkv.replication;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/*
 * The topics of a replica, set up when it opens: the store's topic is created (compacted, with the
 * configured partitions and replication factor) or, if it exists, checked to be compacted, and its
 * partition count is the one the replica uses, whatever the configuration asks for a new topic
 * (keys are placed by partition count, so it must not change under a replica). A topic just
 * created may be unknown for a moment to the broker asked next, so describing it is retried (up
 * to 50 times, 100 ms apart). The dead-letter topic, if configured, is created with one partition.
 */
final class Topics {
  // the replica's logger, under which operators already find topic set-up
  private static final System.Logger LOG = System.getLogger(KafkaReplica.class.getName());
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);

  private Topics() {}

  /** Creates or checks the store's topic and returns its partition count. */
  static int ensureTopic(Admin admin, ReplicationConfig config) {
    String topic = config.topic();
    for (int attempt = 0; ; attempt++) {
      try {
        TopicDescription d = admin.describeTopics(Set.of(topic)).allTopicNames()
            .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config c = admin.describeConfigs(Set.of(resource)).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .get(resource);
        ConfigEntry policy = c.get("cleanup.policy");
        if (policy == null || !policy.value().contains("compact")) {
          throw new ReplicationException.TopicException("topic " + topic + " exists with cleanup.policy="
              + (policy == null ? "?" : policy.value()) + "; an inkv topic must be compacted (cleanup.policy=compact)", null);
        }
        int count = d.partitions().size();
        if (count != config.partitions()) {
          LOG.log(Level.INFO, () -> "topic " + topic + " exists with " + count + " partitions (the configuration asks "
              + config.partitions() + " for a new topic); using " + count);
        }
        return count;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || attempt > 50) {
          throw new ReplicationException.TopicException("cannot describe topic " + topic + " at "
              + config.bootstrapServers() + ": " + e.getCause(), e.getCause());
        }
        try {
          if (attempt > 0) {
            Thread.sleep(100); // created, but its metadata has not reached the broker we asked yet
          }
          createTopic(admin, config);
        } catch (TimeoutException | InterruptedException ce) {
          throw new ReplicationException.TopicException("cannot create topic " + topic + ": " + ce, ce);
        }
      } catch (TimeoutException e) {
        throw new ReplicationException.TopicException("Kafka at " + config.bootstrapServers()
            + " did not answer within " + ADMIN_TIMEOUT + " (describing topic " + topic + ")", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ReplicationException("interrupted while setting up topic " + topic, e);
      }
    }
  }

  private static void createTopic(Admin admin, ReplicationConfig config) throws InterruptedException, TimeoutException {
    String topic = config.topic();
    NewTopic t = new NewTopic(topic, Optional.of(config.partitions()),
        config.replicationFactor() == -1 ? Optional.empty() : Optional.of(config.replicationFactor()))
        .configs(Map.of("cleanup.policy", "compact"));
    try {
      admin.createTopics(Set.of(t)).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      LOG.log(Level.INFO, () -> "created topic " + topic + " with " + config.partitions() + " partitions, cleanup.policy=compact");
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new ReplicationException.TopicException("cannot create topic " + topic + ": " + e.getCause(), e.getCause());
      }
    }
  }

  static void ensureDeadLetterTopic(Admin admin, ReplicationConfig config) {
    NewTopic t = new NewTopic(config.deadLetterTopic(), Optional.of(1), config.replicationFactor() == -1
        ? Optional.empty() : Optional.of(config.replicationFactor()));
    try {
      admin.createTopics(Set.of(t)).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new ReplicationException.TopicException("cannot create dead-letter topic " + config.deadLetterTopic()
            + ": " + e.getCause(), e.getCause());
      }
    } catch (TimeoutException e) {
      throw new ReplicationException.TopicException("Kafka did not answer within " + ADMIN_TIMEOUT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ReplicationException("interrupted while creating the dead-letter topic", e);
    }
  }
}
