package io.inkv.server;

import io.inkv.replication.Replica;
import io.inkv.replication.Replication;
import io.inkv.replication.ReplicatedStore;
import io.inkv.replication.ReplicationConfig;
import io.inkv.replication.ReplicationException;
import io.inkv.store.Store;
import io.inkv.store.document.DocumentStore;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/*
 * Replicated mode, on io.inkv.replication. Each store the server opens is wrapped by
 * Replication.replicate(...), so the server is one more replica of the store's topic:
 *
 *   - A write through the HTTP API goes to the replicated store, which applies it locally and
 *     publishes its event, returning once Kafka acknowledged it (ReplicationConfig's default
 *     WAIT_FOR_ACK): a 200/204 means the broker has the write. LocalWrites' code does exactly this
 *     on the wrapped stores, so this class only adds what replication knows.
 *   - POST /store/{key} (the cache route, the hot one) does not wait on a thread: putAsync applies
 *     the write and appends its event to the replica's outbox, and the route answers from the
 *     acknowledgement's callback. So a write in flight holds no thread (with 36 pool threads each
 *     waiting ~2-5 ms for its acknowledgement the server topped out near a thousand writes/s), it
 *     can run on the selector thread that parsed it (no hand-off), and the writes that arrive
 *     within one producer linger share one produce request. Not with --durability every-write,
 *     whose local put waits for an msync: then the route runs on the pool and waits, as before.
 *     Document writes still wait on a pool thread.
 *   - Every other replica's writes arrive through the applier, in log order.
 *   - Readiness: the stores open at once (startupWait 0) and /ready answers 503 until every
 *     replica has caught up with its topic as it was when it opened.
 *   - Index images: the applier checkpoints its offsets in the store directory after a
 *     Store.flush(), so they never run ahead of the files (Replication.checkpointedOffsets reads
 *     them, with the checkpoint's own checks); the image builder links that
 *     file first and the segments after it, and the replica that unpacks the image resumes from
 *     those offsets (Replication.replicate reads the checkpoint) instead of replaying the topic.
 */
final class KafkaWrites extends Writes.LocalWrites implements ServerStores.Replicator {
  private final ServerOptions options;
  private final Map<String, Replica> replicas = new ConcurrentHashMap<>();

  private KafkaWrites(ServerOptions options) {
    super(true); // a put publishes to Kafka and waits for the acknowledgement: never in place
    this.options = options;
    this.asynchronous = options.durability != io.inkv.store.Durability.EVERY_WRITE;
  }

  private final boolean asynchronous;

  @Override
  public boolean putsAsynchronously() {
    return asynchronous;
  }

  @Override
  public CompletionStage<Void> putAsync(ServedStore s, byte[] key, byte[] value) {
    if (!(s.store instanceof ReplicatedStore r)) {
      throw new IllegalStateException("store '" + s.name + "' is not replicated");
    }
    CompletionStage<Void> ack = r.putAsync(key, value);
    s.writesSinceImage.increment();
    return ack;
  }

  static KafkaWrites connect(ServerOptions options) {
    return new KafkaWrites(options);
  }

  private ReplicationConfig config(String name) {
    return ReplicationConfig.builder(name, options.kafkaBootstrap)
        .topic(options.topicOf(name))
        .partitions(options.kafkaPartitions)
        .replicationFactor(options.kafkaReplicationFactor)
        .kafkaProperties(options.kafkaProperties)
        .startupWait(Duration.ZERO)
        .build();
  }

  @Override
  public Store replicate(String name, Store store) {
    var r = Replication.replicate(store, config(name));
    replicas.put(name, r);
    return r;
  }

  @Override
  public DocumentStore replicate(String name, DocumentStore store) {
    var r = Replication.replicate(store, config(name));
    replicas.put(name, r);
    return r;
  }

  @Override
  public Map<Integer, Long> appliedOffsets(ServedStore s) {
    try {
      return Replication.checkpointedOffsets(s.store.directory());
    } catch (ReplicationException e) {
      throw new ServerException("store '" + s.name + "': " + e.getMessage(), e);
    }
  }

  @Override
  public boolean caughtUp() {
    for (Replica r : replicas.values()) {
      if (!r.isReady()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Map<String, Map<Integer, Long>> lag() {
    Map<String, Map<Integer, Long>> out = new TreeMap<>();
    replicas.forEach((name, r) -> out.put(name, new TreeMap<>(r.lag())));
    return out;
  }

  @Override
  public Map<String, Map<String, Long>> replicationCounters() {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    replicas.forEach((name, r) -> {
      var s = r.replicationStats();
      Map<String, Long> m = new java.util.LinkedHashMap<>();
      m.put("applied", s.applied());
      m.put("malformed", s.malformed());
      m.put("refused", s.failed());
      m.put("dead_lettered", s.deadLettered());
      m.put("publish_failures", s.publishFailures());
      out.put(name, m);
    });
    return out;
  }

  @Override
  public void close() {
    replicas.clear(); // the stores close their replicas (ServerStores.close)
  }
}
