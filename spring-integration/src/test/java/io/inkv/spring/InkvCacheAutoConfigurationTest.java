package io.inkv.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inkv.jcache.InkvCache;
import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.store.Durability;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.expiry.TouchedExpiryPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The auto-configuration: properties, backing off, and its failures at start-up. */
class InkvCacheAutoConfigurationTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(InkvCacheAutoConfiguration.class));

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static InkvConfiguration<?, ?> configuration(CacheManager manager, String name) {
    Cache cache = manager.getCache(name);
    assertThat(cache).isNotNull();
    return (InkvConfiguration<?, ?>) ((InkvCache) cache.getNativeCache()).getConfiguration(InkvConfiguration.class);
  }

  @Test
  void propertiesConfigureTheCaches(@TempDir Path directory) {
    runner.withPropertyValues(
        "inkv.directory=" + directory,
        "inkv.cache-names=plain, other",
        "inkv.default.max-entries=1000",
        "inkv.default.time-to-live=10m",
        "inkv.cache.users.persistent=true",
        "inkv.cache.users.durability=every-write",
        "inkv.cache.users.max-bytes=64MB",
        "inkv.cache.users.segment-size=1MB",
        "inkv.cache.users.time-to-idle=30s",
        "inkv.cache.users.statistics=true").run(context -> {
          assertThat(context).hasNotFailed();
          InkvCacheManager manager = context.getBean(InkvCacheManager.class);
          assertThat(manager.getCacheNames()).containsExactly("plain", "other", "users");

          InkvConfiguration<?, ?> plain = configuration(manager, "plain");
          assertThat(plain.isPersistent()).isFalse();
          assertThat(plain.getMaxEntries()).isEqualTo(1000);
          assertThat(plain.getExpiryPolicyFactory().create().getExpiryForUpdate())
              .isEqualTo(new Duration(TimeUnit.MILLISECONDS, 600_000));
          assertThat(plain.getExpiryPolicyFactory().create()).isInstanceOf(ModifiedExpiryPolicy.class);

          InkvConfiguration<?, ?> users = configuration(manager, "users");
          assertThat(users.isPersistent()).isTrue();
          assertThat(users.getDurability()).isEqualTo(Durability.EVERY_WRITE);
          assertThat(users.getMaxEntries()).isEqualTo(1000);
          assertThat(users.getMaxBytes()).isEqualTo(64L << 20);
          assertThat(users.getSegmentSize()).isEqualTo(1 << 20);
          assertThat(users.isStatisticsEnabled()).isTrue();
          assertThat(users.getExpiryPolicyFactory().create()).isInstanceOf(TouchedExpiryPolicy.class);
          assertThat(((InkvCache<?, ?>) manager.getCache("users").getNativeCache()).store().directory())
              .isEqualTo(directory.resolve("users"));

          // a name not declared gets the defaults on first use
          assertThat(configuration(manager, "later").getMaxEntries()).isEqualTo(1000);
        });
  }

  @Test
  void aCacheNameWithDotsIsWrittenInBrackets() {
    runner.withPropertyValues("inkv.cache[my.cache].max-entries=10").run(context -> {
      assertThat(context.getBean(CacheManager.class).getCacheNames()).containsExactly("my.cache");
      assertThat(configuration(context.getBean(CacheManager.class), "my.cache").getMaxEntries()).isEqualTo(10);
    });
  }

  @Test
  void theCapacityBoundKeepsTheEntriesReadMost() {
    runner.withPropertyValues("inkv.cache.small.max-entries=2").run(context -> {
      Cache small = context.getBean(CacheManager.class).getCache("small");
      small.put(0, "v0");
      small.put(1, "v1");
      for (int read = 0; read < 3; read++) {
        assertThat(small.get(1).get()).isEqualTo("v1");
      }
      for (int i = 2; i < 10; i++) {
        small.put(i, "v" + i);
      }
      assertThat(small.get(1).get()).as("read three times, it outlives eight entries written once").isEqualTo("v1");
      assertThat(((InkvCache<?, ?>) small.getNativeCache()).estimatedSize()).isEqualTo(2);
      assertThat(((InkvCache<?, ?>) small.getNativeCache()).evictions()).isEqualTo(8);
    });
  }

  @Test
  void withoutDynamicCreationOnlyDeclaredCachesExist() {
    runner.withPropertyValues("inkv.dynamic=false", "inkv.cache-names=a").run(context -> {
      CacheManager manager = context.getBean(CacheManager.class);
      assertThat(manager.getCache("a")).isNotNull();
      assertThat(manager.getCache("b")).isNull();
    });
  }

  @Test
  void itBacksOffWhenTheApplicationDefinesACacheManager() {
    runner.withUserConfiguration(OwnCacheManager.class).run(context -> {
      assertThat(context).hasSingleBean(CacheManager.class);
      assertThat(context).getBean(CacheManager.class).isInstanceOf(ConcurrentMapCacheManager.class);
      assertThat(context).doesNotHaveBean(InkvCacheManager.class);
    });
  }

  @Test
  void itBacksOffWhenSpringCacheTypeIsSet() {
    runner.withPropertyValues("spring.cache.type=simple").run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).doesNotHaveBean(InkvCacheManager.class);
      assertThat(context).doesNotHaveBean(InkvProperties.class);
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnCacheManager {
    @Bean
    CacheManager myCacheManager() {
      return new ConcurrentMapCacheManager();
    }
  }

  @Test
  void aPersistentCacheWithoutADirectoryFailsStartUpNamingTheProperty() {
    assertInvalid("inkv.cache.users.persistent", "inkv.cache.users.persistent=true");
    assertInvalid("inkv.default.persistent", "inkv.default.persistent=true");
  }

  @Test
  void wrongSettingsFailStartUpNamingTheProperty() {
    assertInvalid("inkv.default.max-entries", "inkv.default.max-entries=-1");
    assertInvalid("inkv.cache.c.max-bytes", "inkv.cache.c.max-bytes=-1B");
    assertInvalid("inkv.cache.c.time-to-idle", "inkv.cache.c.time-to-live=1m", "inkv.cache.c.time-to-idle=1m");
    assertInvalid("inkv.default.time-to-live", "inkv.default.time-to-live=0s");
    assertInvalid("inkv.cache.c.segment-size", "inkv.cache.c.segment-size=1KB");
    assertInvalid("inkv.cache.c.segment-size", "inkv.cache.c.segment-size=65537B");
    assertInvalid("inkv.cache.c.segment-size", "inkv.cache.c.segment-size=2GB");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "10MB     | 10485760",
      "512KB    | 524288",
      "1GB      | 1073741824",
      "10MiB    | 10485760",
      "1048576  | 1048576",
      "64KB     | 65536"})
  void sizesTakeTheFormsOfEveryInkvSettingWhereOneMegabyteIs1024Kilobytes(String text, long bytes) {
    runner.withPropertyValues("inkv.cache.c.max-bytes=" + text, "inkv.cache.c.store-by-value=true",
        "inkv.cache.d.segment-size=" + text).run(context -> {
      assertThat(context).hasNotFailed();
      CacheManager manager = context.getBean(CacheManager.class);
      assertThat(configuration(manager, "c").getMaxBytes()).isEqualTo(bytes);
      assertThat(configuration(manager, "d").getSegmentSize()).isEqualTo((int) bytes);
    });
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "10m      | 600000",
      "30s      | 30000",
      "500ms    | 500",
      "2h       | 7200000",
      "1d       | 86400000",
      "PT10M    | 600000"})
  void timeToLiveTakesEveryDurationFormAndCountsFromTheLastWrite(String text, long millis) {
    runner.withPropertyValues("inkv.cache.c.time-to-live=" + text, "inkv.cache.d.time-to-idle=" + text).run(context -> {
      assertThat(context).hasNotFailed();
      CacheManager manager = context.getBean(CacheManager.class);
      javax.cache.expiry.ExpiryPolicy ttl = configuration(manager, "c").getExpiryPolicyFactory().create();
      assertThat(ttl).isInstanceOf(ModifiedExpiryPolicy.class);
      assertThat(ttl.getExpiryForCreation()).isEqualTo(new Duration(TimeUnit.MILLISECONDS, millis));
      assertThat(ttl.getExpiryForUpdate()).isEqualTo(new Duration(TimeUnit.MILLISECONDS, millis));
      assertThat(ttl.getExpiryForAccess()).isNull();
      javax.cache.expiry.ExpiryPolicy tti = configuration(manager, "d").getExpiryPolicyFactory().create();
      assertThat(tti).isInstanceOf(TouchedExpiryPolicy.class);
      assertThat(tti.getExpiryForAccess()).isEqualTo(new Duration(TimeUnit.MILLISECONDS, millis));
    });
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "inkv.default.max-bytes          | 10m   | is ambiguous: write 10MB",
      "inkv.cache.c.max-bytes          | 1.5GB | 1536MB",
      "inkv.cache.c.segment-size       | lots  | is not a size",
      "inkv.default.time-to-live       | 30    | has no unit: write 30s",
      "inkv.cache.c.time-to-idle       | 1.5h  | 90m",
      "inkv.cache.c.time-to-live       | 10MB  | is not a duration",
      "inkv.default.replication.startup-wait | soon | is not a duration"})
  void aSizeOrDurationInNoAcceptedFormFailsStartUpNamingThePropertyAndTheForms(String property, String value,
      String says) {
    String[] properties = property.contains("replication")
        ? new String[] {property + "=" + value, "inkv.default.replication.bootstrap-servers=127.0.0.1:1"}
        : new String[] {property + "=" + value};
    runner.withPropertyValues(properties).run(context -> {
      assertThat(context).hasFailed();
      InvalidConfigurationPropertyValueException e = invalid(context.getStartupFailure());
      assertThat(e.getName()).isEqualTo(property);
      assertThat(e.getValue()).isEqualTo(value);
      assertThat(e.getMessage()).contains(property, "'" + value + "'", says);
      assertThat(e.getMessage()).containsAnyOf(io.inkv.store.Units.SIZE_FORMS, io.inkv.store.Units.DURATION_FORMS);
    });
  }

  @Test
  void aReadOnlyCacheReadsAPersistentCachesFilesAndRefusesWrites(@TempDir Path directory) {
    runner.withPropertyValues("inkv.directory=" + directory, "inkv.cache.users.persistent=true").run(context -> {
      context.getBean(CacheManager.class).getCache("users").put("ada", "Ada Lovelace");
    });
    runner.withPropertyValues("inkv.directory=" + directory, "inkv.cache.users.persistent=true",
        "inkv.cache.users.read-only=true").run(context -> {
          assertThat(context).hasNotFailed();
          Cache users = context.getBean(CacheManager.class).getCache("users");
          assertThat(configuration(context.getBean(CacheManager.class), "users").isReadOnly()).isTrue();
          assertThat(users.get("ada").get()).isEqualTo("Ada Lovelace");
          assertThatThrownBy(() -> users.put("ada", "changed")).hasMessageContaining("cache users is read-only");
          assertThat(users.get("ada").get()).isEqualTo("Ada Lovelace");
        });
  }

  @Test
  void aReadOnlyCacheThatCannotBeReadOnlyFailsStartUpNamingTheProperty() {
    assertInvalid("inkv.cache.users.read-only", "inkv.cache.users.read-only=true");
    assertInvalid("inkv.cache.users.time-to-idle", "inkv.directory=/tmp/x", "inkv.cache.users.persistent=true",
        "inkv.cache.users.read-only=true", "inkv.cache.users.time-to-idle=10m");
    assertInvalid("inkv.cache.users.read-only", "inkv.directory=/tmp/x", "inkv.cache.users.persistent=true",
        "inkv.cache.users.read-only=true", "inkv.cache.users.replication.bootstrap-servers=127.0.0.1:1");
  }

  @Test
  void aSettingSpringCannotConvertFailsStartUpToo() {
    runner.withPropertyValues("inkv.default.durability=sometimes").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("sometimes");
      assertThat(context.getStartupFailure()).hasMessageContaining("inkv");
    });
  }

  @Test
  void wrongReplicationSettingsFailStartUpNamingTheProperty() {
    assertInvalid("inkv.default.replication.store", "inkv.default.replication.store=users",
        "inkv.default.replication.bootstrap-servers=k:9092");
    assertInvalid("inkv.cache.users.replication.bootstrap-servers", "inkv.cache.users.replication.store=users");
    assertInvalid("inkv.default.replication.bootstrap-servers", "inkv.default.replication.partitions=3");
    assertInvalid("inkv.default.replication.bootstrap-servers", "inkv.default.replication.bootstrap-servers=no-port");
    assertInvalid("inkv.cache.users.replication", "inkv.cache.users.replication.bootstrap-servers=k:9092",
        "inkv.cache.users.replication.store=bad name");
    assertInvalid("inkv.default.replication", "inkv.default.replication.bootstrap-servers=k:9092",
        "inkv.default.replication.partitions=0");
    assertInvalid("inkv.default.replication", "inkv.default.replication.bootstrap-servers=k:9092",
        "inkv.default.replication.kafka[group.id]=mine");
  }

  private void assertInvalid(String property, String... properties) {
    runner.withPropertyValues(properties).run(context -> {
      assertThat(context).hasFailed();
      assertThat(invalid(context.getStartupFailure()).getName()).isEqualTo(property);
    });
  }

  private static InvalidConfigurationPropertyValueException invalid(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof InvalidConfigurationPropertyValueException e) {
        return e;
      }
    }
    throw new AssertionError("not an invalid property", failure);
  }
}
