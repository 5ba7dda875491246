package io.inkv.replication;

import java.io.Serializable;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * How a store is replicated: its name (and so its topic), the Kafka cluster, and the replica's
 * choices. Immutable and serializable (it travels inside a JCache configuration); build it with
 * {@link #builder(String, String)}. Every setting is checked in {@link Builder#build()}, so a wrong
 * one fails there with its name in the message.
 *
 * <pre>{@code
 * ReplicationConfig config = ReplicationConfig.builder("users", "kafka1:9092,kafka2:9092")
 *     .partitions(16).replicationFactor((short) 3)
 *     .kafkaProperty("security.protocol", "SASL_SSL")
 *     .writeMode(ReplicationConfig.WriteMode.WAIT_FOR_ACK)
 *     .build();
 * }</pre>
 */
public final class ReplicationConfig implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  /** What a write does after applying itself locally and handing its event to the producer. */
  public enum WriteMode {
    /**
     * The write returns once Kafka acknowledged its event (acks=all), and throws
     * {@link ReplicationException.PublishException} if it was not.
     */
    WAIT_FOR_ACK,
    /**
     * The write returns at once. A failed publish is logged, counted in
     * {@link ReplicationStats#publishFailures()} (and JMX), and passed to the
     * {@link Builder#onPublishFailure failure handler} if one is set.
     *
     * <p>The write appends its event to the replica's outbox, a queue of up to 65,536 events that
     * one thread hands to the Kafka producer in order, so the write does not wait even when the
     * producer would (with no metadata for the topic, after the broker went away, the producer's
     * {@code send} blocks for up to its {@code max.block.ms}). A write that finds the outbox full
     * (Kafka unreachable for long, or slower than the writers) is reported as a failed publish at
     * once. {@link ReplicatedStore#awaitPublished()} waits for the outbox and the producer.
     */
    FIRE_AND_FORGET
  }

  /** Receives the events whose publication failed in {@link WriteMode#FIRE_AND_FORGET} mode. */
  @FunctionalInterface
  public interface PublishFailureHandler extends Serializable {
    /** Called on a Kafka producer thread with the store key (null for a whole-store event) and the cause. */
    void onFailure(byte[] key, Exception cause);
  }

  private final String storeName;
  private final String topic;
  private final String bootstrapServers;
  // Always an unmodifiable wrapper of a LinkedHashMap (and below, of a TreeSet): serializable.
  @SuppressWarnings("serial")
  private final Map<String, String> kafkaProperties;
  private final int partitions;
  private final short replicationFactor;
  private final WriteMode writeMode;
  @SuppressWarnings("serial")
  private final Set<Integer> ownedPartitions;
  private final Duration startupWait;
  private final Duration checkpointInterval;
  private final String deadLetterTopic;
  private final boolean remoteEvents;
  private final PublishFailureHandler publishFailureHandler;

  private ReplicationConfig(Builder b) {
    this.storeName = b.storeName;
    this.topic = b.topic != null ? b.topic : "inkv." + b.storeName;
    this.bootstrapServers = b.bootstrapServers;
    this.kafkaProperties = Collections.unmodifiableMap(new LinkedHashMap<>(b.kafkaProperties));
    this.partitions = b.partitions;
    this.replicationFactor = b.replicationFactor;
    this.writeMode = b.writeMode;
    this.ownedPartitions = b.ownedPartitions == null ? null : Collections.unmodifiableSet(new TreeSet<>(b.ownedPartitions));
    this.startupWait = b.startupWait;
    this.checkpointInterval = b.checkpointInterval;
    this.deadLetterTopic = b.deadLetterTopic;
    this.remoteEvents = b.remoteEvents;
    this.publishFailureHandler = b.publishFailureHandler;
  }

  /** Starts a configuration for the store {@code storeName} on the Kafka cluster at {@code bootstrapServers}. */
  public static Builder builder(String storeName, String bootstrapServers) {
    return new Builder(storeName, bootstrapServers);
  }

  /** Returns a builder with this configuration's settings. */
  public Builder toBuilder() {
    Builder b = new Builder(storeName, bootstrapServers);
    b.topic = topic;
    b.kafkaProperties.putAll(kafkaProperties);
    b.partitions = partitions;
    b.replicationFactor = replicationFactor;
    b.writeMode = writeMode;
    b.ownedPartitions = ownedPartitions;
    b.startupWait = startupWait;
    b.checkpointInterval = checkpointInterval;
    b.deadLetterTopic = deadLetterTopic;
    b.remoteEvents = remoteEvents;
    b.publishFailureHandler = publishFailureHandler;
    return b;
  }

  /** Returns the store's name, shared by every replica of the store. */
  public String storeName() {
    return storeName;
  }

  /** Returns the topic: {@code inkv.<store name>} unless set. */
  public String topic() {
    return topic;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Returns the Kafka client properties passed through to the producer, consumer and admin client. */
  public Map<String, String> kafkaProperties() {
    return kafkaProperties;
  }

  /** Returns the partition count a new topic is created with (an existing topic keeps its own). */
  public int partitions() {
    return partitions;
  }

  /** Returns the replication factor of a new topic, or -1 for the broker's default. */
  public short replicationFactor() {
    return replicationFactor;
  }

  public WriteMode writeMode() {
    return writeMode;
  }

  /** Returns the partitions this replica holds, or null for all (a full replica). */
  public Set<Integer> ownedPartitions() {
    return ownedPartitions;
  }

  /** Returns how long opening waits for the replica to catch up (zero: not at all). */
  public Duration startupWait() {
    return startupWait;
  }

  /** Returns how often the applied offsets are checkpointed (after a flush of the store). */
  public Duration checkpointInterval() {
    return checkpointInterval;
  }

  /** Returns the topic malformed events are copied to, or null to only log and count them. */
  public String deadLetterTopic() {
    return deadLetterTopic;
  }

  /** Returns whether JCache listeners of a replicated cache see the changes that arrive from other JVMs. */
  public boolean remoteEvents() {
    return remoteEvents;
  }

  /** Returns the handler of failed publications in fire-and-forget mode, or null. */
  public PublishFailureHandler publishFailureHandler() {
    return publishFailureHandler;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReplicationConfig c && storeName.equals(c.storeName) && topic.equals(c.topic)
        && bootstrapServers.equals(c.bootstrapServers) && kafkaProperties.equals(c.kafkaProperties)
        && partitions == c.partitions && replicationFactor == c.replicationFactor && writeMode == c.writeMode
        && Objects.equals(ownedPartitions, c.ownedPartitions) && startupWait.equals(c.startupWait)
        && checkpointInterval.equals(c.checkpointInterval) && Objects.equals(deadLetterTopic, c.deadLetterTopic)
        && remoteEvents == c.remoteEvents && Objects.equals(publishFailureHandler, c.publishFailureHandler);
  }

  @Override
  public int hashCode() {
    return Objects.hash(storeName, topic, bootstrapServers, partitions, writeMode);
  }

  @Override
  public String toString() {
    return "ReplicationConfig[store=" + storeName + ", topic=" + topic + ", bootstrap=" + bootstrapServers
        + ", partitions=" + partitions + ", writeMode=" + writeMode
        + (ownedPartitions == null ? "" : ", owned=" + ownedPartitions) + "]";
  }

  /** Builds a {@link ReplicationConfig}. */
  public static final class Builder {
    private final String storeName;
    private final String bootstrapServers;
    private String topic;
    private final Map<String, String> kafkaProperties = new LinkedHashMap<>();
    private int partitions = 8;
    private short replicationFactor = -1;
    private WriteMode writeMode = WriteMode.WAIT_FOR_ACK;
    private Set<Integer> ownedPartitions;
    private Duration startupWait = Duration.ofMinutes(5);
    private Duration checkpointInterval = Duration.ofSeconds(5);
    private String deadLetterTopic;
    private boolean remoteEvents = true;
    private PublishFailureHandler publishFailureHandler;

    private Builder(String storeName, String bootstrapServers) {
      this.storeName = storeName;
      this.bootstrapServers = bootstrapServers;
    }

    /** Sets the topic (default {@code inkv.<store name>}). */
    public Builder topic(String topic) {
      this.topic = topic;
      return this;
    }

    /** Adds a Kafka client property (TLS, SASL, timeouts...), passed to the producer, consumer and admin client. */
    public Builder kafkaProperty(String name, String value) {
      kafkaProperties.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Adds Kafka client properties; see {@link #kafkaProperty}. */
    public Builder kafkaProperties(Map<String, String> properties) {
      properties.forEach(this::kafkaProperty);
      return this;
    }

    /** Sets the partition count of a new topic (default 8). An existing topic keeps its count. */
    public Builder partitions(int partitions) {
      this.partitions = partitions;
      return this;
    }

    /** Sets the replication factor of a new topic (default -1: the broker's default.replication.factor). */
    public Builder replicationFactor(short replicationFactor) {
      this.replicationFactor = replicationFactor;
      return this;
    }

    /** Sets whether writes wait for Kafka's acknowledgement (default {@link WriteMode#WAIT_FOR_ACK}). */
    public Builder writeMode(WriteMode writeMode) {
      this.writeMode = writeMode;
      return this;
    }

    /** Makes this replica sharded: it holds (and applies) only these partitions (default: all). */
    public Builder ownedPartitions(Set<Integer> partitions) {
      this.ownedPartitions = partitions == null ? null : new TreeSet<>(partitions);
      return this;
    }

    /**
     * Sets how long opening the replica waits until it has applied the topic up to where it ended
     * when the replica started (default 5 minutes; zero returns at once). Progress is logged every
     * few seconds; if the time runs out, opening returns anyway and {@link Replica#isReady()} says false.
     */
    public Builder startupWait(Duration wait) {
      this.startupWait = wait;
      return this;
    }

    /** Sets how often applied offsets are checkpointed with the store (default 5 s). */
    public Builder checkpointInterval(Duration interval) {
      this.checkpointInterval = interval;
      return this;
    }

    /** Sets a topic that receives a copy of every malformed or unappliable event (default none). */
    public Builder deadLetterTopic(String topic) {
      this.deadLetterTopic = topic;
      return this;
    }

    /** Sets whether JCache listeners see changes from other JVMs (default true). */
    public Builder remoteEvents(boolean remoteEvents) {
      this.remoteEvents = remoteEvents;
      return this;
    }

    /** Sets the handler of failed publications in fire-and-forget mode. */
    public Builder onPublishFailure(PublishFailureHandler handler) {
      this.publishFailureHandler = handler;
      return this;
    }

    /**
     * Checks every setting and builds the configuration.
     *
     * @throws IllegalArgumentException naming the first wrong setting
     * @throws NullPointerException if the store name or bootstrap servers are null
     */
    public ReplicationConfig build() {
      Objects.requireNonNull(storeName, "storeName");
      Objects.requireNonNull(bootstrapServers, "bootstrapServers");
      require(!storeName.isEmpty() && TOPIC.matcher(storeName).matches(),
          "storeName must be 1 to 249 of a-z A-Z 0-9 . _ -: '%s'", storeName);
      require(!bootstrapServers.isBlank(), "bootstrapServers must not be empty");
      String t = topic != null ? topic : "inkv." + storeName;
      require(TOPIC.matcher(t).matches() && t.length() <= 249, "topic must be 1 to 249 of a-z A-Z 0-9 . _ -: '%s'", t);
      require(partitions > 0 && partitions <= 10_000, "partitions must be 1 to 10000: %s", partitions);
      require(replicationFactor == -1 || replicationFactor > 0, "replicationFactor must be positive or -1: %s",
          replicationFactor);
      Objects.requireNonNull(writeMode, "writeMode");
      if (ownedPartitions != null) {
        require(!ownedPartitions.isEmpty(), "ownedPartitions must not be empty (null means all)");
        for (int p : ownedPartitions) {
          require(p >= 0, "ownedPartitions must not be negative: %s", p);
        }
      }
      require(startupWait != null && !startupWait.isNegative(), "startupWait must not be negative: %s", startupWait);
      require(checkpointInterval != null && !checkpointInterval.isNegative() && !checkpointInterval.isZero(),
          "checkpointInterval must be positive: %s", checkpointInterval);
      require(deadLetterTopic == null || TOPIC.matcher(deadLetterTopic).matches(),
          "deadLetterTopic must be 1 to 249 of a-z A-Z 0-9 . _ -: '%s'", deadLetterTopic);
      require(!t.equals(deadLetterTopic), "deadLetterTopic must differ from the store's topic %s", t);
      for (String reserved : Set.of("key.serializer", "value.serializer", "key.deserializer", "value.deserializer",
          "group.id", "enable.auto.commit")) {
        require(!kafkaProperties.containsKey(reserved), "kafka property %s is set by inkv and cannot be overridden",
            reserved);
      }
      return new ReplicationConfig(this);
    }

    private static void require(boolean ok, String format, Object... args) {
      if (!ok) {
        throw new IllegalArgumentException("replication: " + String.format(format, args));
      }
    }
  }
}
