package io.inkv.replication;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/*
 * What a topic replicates, recorded in the topic itself: the kind of store (byte store or document
 * store) and the format of its values (ValueFormat's name: a JCache cache's key and value types and
 * codecs, or "bytes"). Without it a cache and a server document store given the same name share
 * the topic inkv.<name> and refuse each other's events one by one, forever.
 *
 * Where it lives. Kafka refuses topic configurations it does not know, so the descriptor is a
 * record: the first record of partition 0. A replica that opens reads the first record of
 * partition 0. If the partition is empty, the replica writes its own descriptor (acks=all, waited
 * for) before it can write anything else, then reads the first record again: of replicas that
 * raced, the one whose descriptor the log ordered first decides, and every replica reads the same
 * answer. Each writer's descriptor has a key of its own (EventFormat.descriptorKey), so compaction,
 * which keeps the latest record of each key, never removes the first descriptor, and no key-level
 * event can precede it (every replica writes or finds one before it publishes). A replica whose
 * kind differs, or whose format is neither equal nor "bytes" on either side, refuses to open with
 * TopicException naming both. A first record that is not a descriptor means a topic written before
 * descriptors existed (or by a foreign producer): nothing is checked, and that is logged.
 *
 * The alternatives: a custom topic configuration (refused by the broker), a header on every event
 * (each replica would learn of a foreign writer only from its events, after the fact, and pay the
 * header on every record), or a separate registry topic (one more topic to create and secure).
 */
record TopicDescriptor(Kind kind, String format, long writerId, long time) {
  private static final System.Logger LOG = System.getLogger(KafkaReplica.class.getName());
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

  /** The kinds of store a topic replicates. */
  enum Kind {
    STORE("a byte store (a JCache cache, a server store of the cache routes, a ReplicatedStore)"),
    DOCUMENTS("a document store (a server document store, a ReplicatedDocumentStore)");

    final String description;

    Kind(String description) {
      this.description = description;
    }
  }

  /**
   * Finds the topic's descriptor, writing this replica's when the topic has none yet, and refuses
   * a topic of another kind or format.
   */
  static void check(String storeName, String topic, TopicDescriptor mine, KafkaProducer<byte[], byte[]> producer,
      Map<String, Object> consumerProps) {
    Map<String, Object> props = new java.util.HashMap<>(consumerProps);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "inkv-" + storeName + "-descriptor-" + Long.toHexString(mine.writerId));
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    TopicPartition tp = new TopicPartition(topic, 0);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      consumer.assign(List.of(tp));
      ConsumerRecord<byte[], byte[]> first = first(consumer, tp);
      if (first == null) {
        try {
          producer.send(new ProducerRecord<>(topic, 0, EventFormat.descriptorKey(mine.writerId),
              EventFormat.encodeDescriptor(mine))).get(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
          throw new ReplicationException.TopicException("cannot record what topic " + topic + " replicates (its"
              + " descriptor, in partition 0): " + (e instanceof ExecutionException ? e.getCause() : e), e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new ReplicationException("interrupted while recording what topic " + topic + " replicates", e);
        }
        first = first(consumer, tp);
        if (first == null) {
          throw new ReplicationException.TopicException("topic " + topic + ": the descriptor just written to partition 0"
              + " cannot be read back within " + READ_TIMEOUT, null);
        }
      }
      if (!EventFormat.isDescriptorKey(first.key())) {
        LOG.log(Level.INFO, () -> "topic " + topic + " begins with no inkv descriptor (it was written before"
            + " descriptors were recorded, or by another producer): what it replicates is not checked");
        return;
      }
      TopicDescriptor theirs;
      try {
        theirs = EventFormat.decodeDescriptor(first.value());
      } catch (EventFormat.MalformedEventException e) {
        throw new ReplicationException.TopicException("topic " + topic + " begins with a damaged descriptor (partition 0"
            + " offset " + first.offset() + "): " + e.getMessage(), e);
      }
      if (theirs.kind != mine.kind || !ValueFormat.compatible(theirs.format, mine.format)) {
        throw new ReplicationException.TopicException("topic " + topic + " replicates " + theirs.kind.description
            + " with values of format '" + theirs.format + "' (recorded when the topic was created), but store '"
            + storeName + "' is " + mine.kind.description + " with values of format '" + mine.format + "'; give one"
            + " of them another store name or topic (replication.store, replication.topic)", null);
      }
    }
  }

  /** The first record of the partition, or null if it is empty. */
  private static ConsumerRecord<byte[], byte[]> first(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp) {
    long begin = consumer.beginningOffsets(List.of(tp)).get(tp);
    long end = consumer.endOffsets(List.of(tp)).get(tp);
    if (end <= begin) {
      return null;
    }
    consumer.seek(tp, begin);
    long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        return r;
      }
    }
    throw new ReplicationException.TopicException("topic " + tp.topic() + ": cannot read the first record of partition 0"
        + " within " + READ_TIMEOUT + " (to learn what the topic replicates)", null);
  }
}
