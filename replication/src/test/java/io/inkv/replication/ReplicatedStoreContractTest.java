package io.inkv.replication;

import io.inkv.replication.testkit.KafkaTestBroker;
import io.inkv.store.Store;
import io.inkv.store.StoreContractTest;
import io.inkv.store.StoreOptions;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The store contract, run against a replicated store (the shared in-process broker, one topic per
 * test). Writes are fire-and-forget, so the contract's thousands of writes do not each wait for
 * Kafka; a reopened replica waits until it has applied its topic, as it would at start-up, so it
 * answers from the same state it closed with.
 */
class ReplicatedStoreContractTest extends StoreContractTest {
  private static final AtomicInteger NAMES = new AtomicInteger();

  private final String name = "contract" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();

  @Override
  protected Store openStore(StoreOptions options) {
    ReplicationConfig config = ReplicationConfig.builder(name, KafkaTestBroker.shared().bootstrapServers())
        .partitions(2).replicationFactor((short) 1)
        .writeMode(ReplicationConfig.WriteMode.FIRE_AND_FORGET)
        .startupWait(Duration.ofSeconds(60))
        .build();
    return Replication.replicate(Store.open(options), config);
  }
}
