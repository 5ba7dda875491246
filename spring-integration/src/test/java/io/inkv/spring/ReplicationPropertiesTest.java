package io.inkv.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.inkv.replication.ReplicationConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** How {@code inkv.*.replication.*} properties become each cache's {@link ReplicationConfig}. */
class ReplicationPropertiesTest {

  private static InkvProperties bind(Map<String, String> properties) {
    InkvProperties p = new Binder(new MapConfigurationPropertySource(properties)).bind("inkv", InkvProperties.class)
        .get();
    p.afterPropertiesSet();
    return p;
  }

  @Test
  void everyCacheIsAReplicaOfTheStoreOfItsOwnNameUnlessItNamesAnother() {
    InkvProperties p = bind(Map.of(
        "inkv.default.replication.bootstrap-servers", "k1:9092, k2:9092",
        "inkv.default.replication.write-mode", "fire-and-forget",
        "inkv.default.replication.kafka[security.protocol]", "SSL",
        "inkv.cache.users.replication.store", "accounts",
        "inkv.cache.users.replication.partitions", "16",
        "inkv.cache.users.replication.replication-factor", "3",
        "inkv.cache.users.replication.startup-wait", "30s",
        "inkv.cache.users.replication.kafka[client.id]", "app"));

    ReplicationConfig users = p.settingsOf("users").toConfiguration("users").getReplication();
    assertThat(users.storeName()).isEqualTo("accounts");
    assertThat(users.topic()).isEqualTo("inkv.accounts");
    assertThat(users.bootstrapServers()).isEqualTo("k1:9092,k2:9092");
    assertThat(users.writeMode()).isEqualTo(ReplicationConfig.WriteMode.FIRE_AND_FORGET);
    assertThat(users.partitions()).isEqualTo(16);
    assertThat(users.replicationFactor()).isEqualTo((short) 3);
    assertThat(users.startupWait()).isEqualTo(Duration.ofSeconds(30));
    assertThat(users.kafkaProperties()).containsEntry("security.protocol", "SSL").containsEntry("client.id", "app");

    ReplicationConfig other = p.settingsOf("orders").toConfiguration("orders").getReplication();
    assertThat(other.storeName()).isEqualTo("orders");
    assertThat(other.kafkaProperties()).containsOnlyKeys("security.protocol");
  }

  @Test
  void withoutBootstrapServersACacheIsLocal() {
    InkvProperties p = bind(Map.of("inkv.default.max-entries", "10"));
    assertThat(p.settingsOf("users").toConfiguration("users").getReplication()).isNull();
  }
}
