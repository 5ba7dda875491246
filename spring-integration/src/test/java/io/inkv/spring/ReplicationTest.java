package io.inkv.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.inkv.jcache.InkvCache;
import io.inkv.replication.Replica;
import io.inkv.replication.testkit.KafkaTestBroker;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * Two applications (two Spring contexts, each with its own inkv stores) share their caches through
 * Kafka, an in-process KRaft broker: what one caches or evicts, the other sees.
 */
class ReplicationTest {
  private static KafkaTestBroker kafka;

  @BeforeAll
  static void startKafka() {
    kafka = KafkaTestBroker.start();
  }

  @AfterAll
  static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  private ApplicationContextRunner application() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(InkvCacheAutoConfiguration.class))
        .withUserConfiguration(CachingAnnotationsTest.CachingConfiguration.class)
        .withPropertyValues(
            "inkv.cache-names=books",
            "inkv.default.replication.bootstrap-servers=" + kafka.bootstrapServers(),
            "inkv.default.replication.partitions=2",
            "inkv.default.replication.replication-factor=1");
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting until %s", what).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @Test
  void whatOneApplicationCachesOrEvictsTheOtherSees() {
    application().run(one -> application().run(two -> {
      Cache booksOne = one.getBean(CacheManager.class).getCache("books");
      Cache booksTwo = two.getBean(CacheManager.class).getCache("books");
      Replica replica = ((InkvCache<?, ?>) booksTwo.getNativeCache()).unwrap(Replica.class);
      assertThat(replica.storeName()).isEqualTo("books");

      Library libraryOne = one.getBean(Library.class);
      Library libraryTwo = two.getBean(Library.class);
      assertThat(libraryOne.title(1)).isEqualTo("title-1");
      await("the second application has the entry", () -> booksTwo.get(1L) != null);
      assertThat(libraryTwo.title(1)).isEqualTo("title-1");
      assertThat(libraryTwo.calls()).isZero();

      libraryOne.forget(1);
      await("the eviction reached the second application", () -> booksTwo.get(1L) == null);
      assertThat(booksOne.get(1L)).isNull();
    }));
  }
}
