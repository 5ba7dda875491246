package io.inkv.replication;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/*
 * The Kafka side of one replica, shared by the byte-store and document-store front ends (see
 * KafkaReplicaFrontEnd): it opens the replica (its topics through Topics, its checkpoint, its
 * producer and Applier), publishes the front ends' events (through the Outbox), copies refused
 * records to the dead-letter topic and answers the Replica questions. It composes the parts and
 * hands each to whoever needs it: the key locks and the record of this JVM's writes in flight
 * (OwnWrites) to the front ends and the Applier, the counters (ReplicationCounters) to everyone
 * who counts. The Applier asks this class only through methods.
 * Only the classes that take part in a replica reference Kafka types, and they are loaded only
 * when a replica is opened (kafka-clients is an optional dependency).
 *
 * Ordering. A write takes its key's replication lock (one of 256 striped ReentrantLocks), applies
 * itself to the local store, records itself as pending and appends its event to the Outbox, whose
 * one thread hands the events to the producer in that order; the producer keeps one partition's
 * records in send order (idempotent producer, acks=all). So this JVM's writes
 * of one key reach the topic in the order they were applied locally.
 *
 * Read-your-writes against log order. The writing JVM applied its write before the topic ordered
 * it. While a key has pending own writes, every event of that key the applier meets from another
 * writer lies earlier in the log than the pending write (same partition, consumed in order), so the
 * final state is the own write's: a pending full write (PUT, REMOVE) makes the applier skip the
 * remote event; pending own document merges make it apply only the fields they set. Each field
 * remembers the sequence of the latest own merge that set it and leaves the pending record when the
 * applier meets that merge; when it meets the latest own event the key is no longer pending. An own
 * event is not re-applied (the local store already holds it) unless a whole-store event was applied
 * meanwhile, which may have wiped it locally although it comes later in the log (and no own clear
 * that followed it here is still on its way: see OwnWrites). A failed
 * publication clears the pending record if it was the latest, so the key follows the topic again.
 */
final class KafkaReplica implements Replica {
  private static final System.Logger LOG = System.getLogger(KafkaReplica.class.getName());
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final ReplicationConfig config;
  private final String topic;
  private final int partitionCount;
  private final Set<Integer> owned;
  private final boolean[] ownedFlags;
  private final OwnWrites ownWrites = new OwnWrites();
  private final ReplicationCounters counters = new ReplicationCounters();
  private final KafkaProducer<byte[], byte[]> producer;
  private final Applier applier;
  private final ObjectName beanName;
  private final AtomicLong lastFailureLog = new AtomicLong();
  private volatile RemoteChangeListener listener;
  /** Events on their way to the producer; see publishing. */
  private final Outbox outbox;

  private KafkaReplica(ReplicationConfig config, Target target) {
    this.config = config;
    this.topic = config.topic();
    Map<String, Object> adminProps = clientProperties(AdminClientConfig.configNames(), Map.of());
    try (Admin admin = Admin.create(adminProps)) {
      this.partitionCount = Topics.ensureTopic(admin, config);
      if (config.deadLetterTopic() != null) {
        Topics.ensureDeadLetterTopic(admin, config);
      }
    }
    Set<Integer> ownedSet = new TreeSet<>();
    if (config.ownedPartitions() == null) {
      for (int p = 0; p < partitionCount; p++) {
        ownedSet.add(p);
      }
    } else {
      for (int p : config.ownedPartitions()) {
        if (p >= partitionCount) {
          throw new IllegalArgumentException("replication: owned partition " + p + " does not exist; topic " + topic
              + " has " + partitionCount + " partitions");
        }
        ownedSet.add(p);
      }
    }
    this.owned = Collections.unmodifiableSet(ownedSet);
    this.ownedFlags = new boolean[partitionCount];
    for (int p : owned) {
      ownedFlags[p] = true;
    }
    Checkpoint checkpoint = readCheckpoint(target);
    Map<String, Object> producerDefaults = new LinkedHashMap<>();
    producerDefaults.put(ProducerConfig.ACKS_CONFIG, "all");
    producerDefaults.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    producerDefaults.put(ProducerConfig.LINGER_MS_CONFIG, "1");
    producerDefaults.put(ProducerConfig.CLIENT_ID_CONFIG, "inkv-" + config.storeName() + "-producer-" + Long.toHexString(ownWrites.writerId()));
    Map<String, Object> producerProps = clientProperties(ProducerConfig.configNames(), producerDefaults);
    producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    this.producer = new KafkaProducer<>(producerProps);
    Map<String, Object> consumerDefaults = new LinkedHashMap<>();
    consumerDefaults.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    consumerDefaults.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 << 20));
    consumerDefaults.put(ConsumerConfig.CLIENT_ID_CONFIG, "inkv-" + config.storeName() + "-applier-" + Long.toHexString(ownWrites.writerId()));
    Map<String, Object> consumerProps = clientProperties(ConsumerConfig.configNames(), consumerDefaults);
    try {
      TopicDescriptor.check(config.storeName(), topic, new TopicDescriptor(target.kind(), target.valueFormat(),
          ownWrites.writerId(), System.currentTimeMillis()), producer, consumerProps);
    } catch (RuntimeException e) {
      producer.close(Duration.ZERO);
      throw e;
    }
    // the publisher thread starts only once the topic is known to be this replica's: a refused
    // open leaves no thread behind
    this.outbox = new Outbox(config.storeName(), topic, producer);
    this.applier = new Applier(this, ownWrites, counters, target, consumerProps, checkpoint);
    this.beanName = registerBean();
  }

  /** Opens the Kafka side of a replica over {@code target}; it applies nothing until {@link #start()}. */
  static KafkaReplica open(ReplicationConfig config, Target target) {
    return new KafkaReplica(config, target);
  }

  /** Starts applying to the target: once the target holds this replica, since apply() reads it. */
  void start() {
    try {
      applier.start();
    } catch (RuntimeException e) {
      // the applier closed its consumer; what this replica opened besides goes too, or every
      // failed open would leave a publisher thread, a producer and an MXBean behind
      closeClients(Duration.ZERO);
      throw e;
    }
  }

  /** Waits for the start-up catch-up, as configured; called once the front end is ready for listeners. */
  void awaitStartup() {
    Duration wait = config.startupWait();
    if (wait.isZero()) {
      return;
    }
    long deadline = System.nanoTime() + wait.toNanos();
    long nextLog = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    try {
      while (!isReady()) {
        applier.checkAlive();
        long now = System.nanoTime();
        if (now >= deadline) {
          LOG.log(Level.WARNING, () -> "replica of " + config.storeName() + " did not catch up within " + wait + "; lag "
              + lag() + "; continuing, isReady() is false until it does");
          return;
        }
        if (now >= nextLog) {
          long total = lag().values().stream().mapToLong(Long::longValue).sum();
          LOG.log(Level.INFO, () -> "replica of " + config.storeName() + " catching up: " + counters.applied() + " events applied, "
              + total + " to go");
          nextLog = now + TimeUnit.SECONDS.toNanos(2);
        }
        applier.awaitProgress(50);
      }
      LOG.log(Level.DEBUG, () -> "replica of " + config.storeName() + " is ready");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Map<String, Object> clientProperties(Set<String> known, Map<String, Object> defaults) {
    Map<String, Object> props = new HashMap<>(defaults);
    for (Map.Entry<String, String> e : config.kafkaProperties().entrySet()) {
      if (known.contains(e.getKey())) {
        props.put(e.getKey(), e.getValue());
      }
    }
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    return props;
  }

  private Checkpoint readCheckpoint(Target target) {
    Checkpoint c;
    try {
      c = Checkpoint.read(target.directory());
    } catch (IOException e) {
      LOG.log(Level.WARNING, "replica of " + config.storeName() + ": cannot use its checkpoint (" + e.getMessage()
          + "); applying the topic from the beginning (applying an event twice is harmless)");
      return null;
    }
    if (c == null) {
      return null;
    }
    if (!topic.equals(c.topic())) {
      throw new ReplicationException(target.directory() + " holds a replica of topic " + c.topic() + ", not " + topic
          + "; use another directory, or delete " + Checkpoint.FILE + " and the store files");
    }
    if (c.partitions() != partitionCount) {
      if (config.ownedPartitions() != null) {
        throw new ReplicationException("topic " + topic + " has " + partitionCount + " partitions but the sharded replica in "
            + target.directory() + " was built from " + c.partitions() + "; keys moved between partitions, so rebuild it"
            + " (delete the directory)");
      }
      LOG.log(Level.WARNING, () -> "topic " + topic + " has " + partitionCount + " partitions, the checkpoint in "
          + target.directory() + " " + c.partitions() + "; applying the topic from the beginning");
      return null;
    }
    return c;
  }

  private ObjectName registerBean() {
    try {
      ObjectName name = new ObjectName("io.inkv:type=Replication,store=" + ObjectName.quote(config.storeName())
          + ",replica=" + INSTANCES.incrementAndGet());
      MBeanServer server = ManagementFactory.getPlatformMBeanServer();
      server.registerMBean(new ReplicationBean(this), name);
      return name;
    } catch (JMException e) {
      LOG.log(Level.WARNING, "cannot register the replication MXBean of " + config.storeName(), e);
      return null;
    }
  }

  // ---- what the front ends and the applier ask ----

  ReentrantLock lockOf(byte[] key) {
    return ownWrites.lockOf(key);
  }

  void lockAll() {
    ownWrites.lockAll();
  }

  void unlockAll() {
    ownWrites.unlockAll();
  }

  long writerId() {
    return ownWrites.writerId();
  }

  long nextSequence() {
    return ownWrites.nextSequence();
  }

  Duration checkpointInterval() {
    return config.checkpointInterval();
  }

  void checkKey(byte[] key) {
    if (EventFormat.isControlKey(key)) {
      throw new IllegalArgumentException("keys starting with \\0\\0inkv.control\\0 are reserved for replication");
    }
  }

  boolean ownsPartition(int partition) {
    return ownedFlags[partition];
  }

  long now() {
    return System.currentTimeMillis();
  }

  // ---- publishing ----

  /*
   * Every event goes through the Outbox (see there why), in both write modes. A write appends its
   * event under its key's lock and gets back what it may wait for, outside the lock: in
   * WAIT_FOR_ACK mode a future completed by the producer's callback when Kafka acknowledged the
   * event (or failed with a PublishException when it did not); in FIRE_AND_FORGET mode one
   * already complete. A synchronous write waits for it (awaitAck); ReplicatedStore.putAsync hands
   * it to its caller, so a caller that answers many writers (the server) holds no thread per write
   * in flight, and the writers in one linger window share one produce request per partition.
   */
  private static final CompletableFuture<Void> NOT_AWAITED = CompletableFuture.completedFuture(null);

  /** Appends a record to the outbox; see above. */
  private CompletableFuture<Void> send(ProducerRecord<byte[], byte[]> record, byte[] key, long seq) {
    CompletableFuture<Void> ack = config.writeMode() == ReplicationConfig.WriteMode.WAIT_FOR_ACK
        ? new CompletableFuture<>() : null;
    Callback callback = (metadata, error) -> {
      if (error != null) {
        onPublishFailure(key, seq, error);
        if (ack != null) {
          ack.completeExceptionally(error instanceof ReplicationException.PublishException ? error
              : new ReplicationException.PublishException("Kafka did not acknowledge the write to " + topic + ": " + error, error));
        }
      } else if (ack != null) {
        ack.complete(null);
      }
    };
    if (!outbox.offer(new Outbox.Outgoing(record, callback))) {
      callback.onCompletion(null, new ReplicationException.PublishException("not published to " + topic + ": "
          + Outbox.CAPACITY + " events are already waiting for Kafka (unreachable, or slower than the writers), or the"
          + " replica is closing", null));
    }
    return ack == null ? NOT_AWAITED : ack;
  }

  /**
   * Publishes a key-level event; call with the key's lock held, after the local write. Records it
   * as pending (if this replica holds the key's partition) with {@code fields} set by a document merge
   * or {@code full} for a write that decides the whole entry. Returns what the write waits for.
   */
  CompletableFuture<Void> publish(byte[] key, int partition, Event event, boolean full, Iterable<String> fields) {
    long seq = event.sequence();
    if (ownedFlags[partition]) {
      ownWrites.published(key, seq, full, fields);
    }
    byte[] value = EventFormat.encode(event);
    counters.eventPublished();
    return send(new ProducerRecord<>(topic, partition, key, value), key, seq);
  }

  /** Publishes a whole-store event to every partition; returns the futures. */
  CompletableFuture<?>[] publishWholeStore(java.util.function.IntFunction<Event> eventOfPartition) {
    CompletableFuture<?>[] futures = new CompletableFuture<?>[partitionCount];
    for (int p = 0; p < partitionCount; p++) {
      Event e = eventOfPartition.apply(p);
      if (p == 0 && e instanceof Event.Clear) {
        ownWrites.publishedClear(e.sequence());
      }
      counters.eventPublished();
      futures[p] = send(new ProducerRecord<>(topic, p, EventFormat.controlKey(p), EventFormat.encode(e)), null, e.sequence());
    }
    return futures;
  }

  private void onPublishFailure(byte[] key, long seq, Exception error) {
    counters.publishFailed();
    if (key != null) {
      ownWrites.failed(key, seq);
    }
    long now = System.nanoTime();
    long last = lastFailureLog.get();
    if (now - last > TimeUnit.SECONDS.toNanos(10) && lastFailureLog.compareAndSet(last, now)) {
      LOG.log(Level.WARNING, "replica of " + config.storeName() + ": an event was not published to " + topic
          + " (" + counters.publishFailures() + " failures so far; the local write stands; other replicas miss it unless it"
          + " reached the topic before the failure was declared)", error);
    }
    if (config.writeMode() == ReplicationConfig.WriteMode.FIRE_AND_FORGET && config.publishFailureHandler() != null) {
      try {
        config.publishFailureHandler().onFailure(key == null ? null : key.clone(), error);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "the publish failure handler failed", e);
      }
    }
  }

  /**
   * In WAIT_FOR_ACK mode waits for the futures (outside any lock) and throws a PublishException if
   * one failed; otherwise they are complete already.
   */
  void awaitAck(CompletableFuture<?>... futures) {
    for (CompletableFuture<?> f : futures) {
      try {
        f.get();
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        // a new exception, so the stack trace shows the writer that waited, not the producer's thread
        throw new ReplicationException.PublishException(cause.getMessage(), cause.getCause() != null ? cause.getCause() : cause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ReplicationException.PublishException("interrupted while waiting for Kafka's acknowledgement", e);
      }
    }
  }

  void sendDeadLetter(String sourceTopic, int partition, long offset, byte[] key, byte[] value, String problem) {
    if (config.deadLetterTopic() == null) {
      return;
    }
    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(config.deadLetterTopic(), null, key, value);
    r.headers().add(new RecordHeader("inkv.topic", sourceTopic.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    r.headers().add(new RecordHeader("inkv.partition", Integer.toString(partition).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    r.headers().add(new RecordHeader("inkv.offset", Long.toString(offset).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    r.headers().add(new RecordHeader("inkv.error", problem.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    producer.send(r, (m, e) -> {
      if (e == null) {
        counters.deadLettered();
      } else {
        LOG.log(Level.WARNING, "cannot send to dead-letter topic " + config.deadLetterTopic(), e);
      }
    });
  }

  RemoteChangeListener listener() {
    return listener;
  }

  void setListener(RemoteChangeListener listener) {
    this.listener = listener;
  }

  /** Stops the applier (with a final checkpoint) and closes the Kafka clients. */
  void close() {
    applier.stop();
    closeClients(Duration.ofSeconds(30));
  }

  /** Closes the outbox, the producer (waiting up to {@code wait} for its sends) and the MXBean. */
  private void closeClients(Duration wait) {
    outbox.close();
    try {
      producer.close(wait);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "closing the producer of " + config.storeName() + " failed", e);
    }
    if (beanName != null) {
      try {
        ManagementFactory.getPlatformMBeanServer().unregisterMBean(beanName);
      } catch (JMException e) {
        LOG.log(Level.DEBUG, "cannot unregister " + beanName, e);
      }
    }
  }

  // ---- Replica ----

  @Override
  public String storeName() {
    return config.storeName();
  }

  @Override
  public String topic() {
    return topic;
  }

  @Override
  public int partitionCount() {
    return partitionCount;
  }

  @Override
  public Set<Integer> ownedPartitions() {
    return owned;
  }

  @Override
  public int partitionOf(byte[] key) {
    return Partitioner.partitionOf(key, partitionCount);
  }

  @Override
  public boolean isReady() {
    return applier.isReady();
  }

  @Override
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!isReady()) {
      applier.checkAlive();
      if (System.nanoTime() >= deadline) {
        return false;
      }
      applier.awaitProgress(20);
    }
    return true;
  }

  @Override
  public long awaitPublished() {
    outbox.awaitDrained(null);
    producer.flush();
    return counters.publishFailures();
  }

  @Override
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return applier.awaitCaughtUp(timeout);
  }

  @Override
  public Map<Integer, Long> lag() {
    return applier.lag();
  }

  @Override
  public ReplicationStats replicationStats() {
    return counters.snapshot();
  }
}
