package io.inkv.hibernate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.hibernate.Books.Note;
import io.inkv.hibernate.Books.ReadWriteBook;
import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.jcache.spi.InkvCachingProvider;
import io.inkv.store.Units;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;
import org.hibernate.cache.CacheException;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.support.DirectAccessRegionTemplate;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Selecting the factory, configuring regions, missing regions, persistence and shared-cache modes (H2). */
class RegionSettingsTest {
  private static final String BOOKS = ReadWriteBook.class.getName();

  static TestDatabase.Factory factory(Map<String, Object> extra, List<Class<?>> entities) {
    Map<String, Object> settings = TestDatabase.H2.settings();
    settings.putAll(extra);
    return TestDatabase.build(settings, entities);
  }

  static void loadBooks(TestDatabase.Factory f, int count) {
    f.sessionFactory().inTransaction(s -> {
      for (long id = 1; id <= count; id++) {
        s.persist(Books.newBook(AccessType.READ_WRITE, id, "isbn-" + id, "title " + id));
      }
    });
    f.sessionFactory().getCache().evictAllRegions();
    f.sessionFactory().inTransaction(s -> {
      for (long id = 1; id <= count; id++) {
        s.find(ReadWriteBook.class, id);
      }
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"inkv", "io.inkv.hibernate.InkvRegionFactory"})
  void theShortNameAndTheClassNameSelectTheFactory(String name) {
    try (TestDatabase.Factory f = factory(Map.of("hibernate.cache.region.factory_class", name), Books.ENTITIES)) {
      assertInstanceOf(InkvRegionFactory.class, f.sessionFactory().getCache().getRegionFactory());
    }
  }

  @Test
  void aMissingRegionFailsStartUpWhenTheStrategyIsFail() {
    RuntimeException e = assertThrows(RuntimeException.class, () -> factory(
        Map.of("hibernate.javax.cache.missing_cache_strategy", "fail"), Books.ENTITIES).close());
    assertTrue(messages(e).contains("is not configured"), messages(e));
  }

  @ParameterizedTest
  @ValueSource(strings = {"create", "create-warn"})
  void aMissingRegionIsCreatedWhenTheStrategySaysSo(String strategy) {
    try (TestDatabase.Factory f = factory(Map.of("hibernate.javax.cache.missing_cache_strategy", strategy),
        Books.ENTITIES)) {
      loadBooks(f, 1);
      assertTrue(f.sessionFactory().getCache().containsEntity(ReadWriteBook.class, 1L));
    }
  }

  @Test
  void aBadSettingFailsStartUpNamingIt() {
    RuntimeException e = assertThrows(RuntimeException.class, () -> factory(
        Map.of("hibernate.cache.inkv.region." + BOOKS + ".max_entrys", "5"), Books.ENTITIES).close());
    assertTrue(messages(e).contains("max_entrys"), messages(e));
    e = assertThrows(RuntimeException.class, () -> factory(
        Map.of("hibernate.cache.inkv.default.max_entries", "many"), Books.ENTITIES).close());
    assertTrue(messages(e).contains("maxEntries"), messages(e));
  }

  @Test
  void aRegionIsBoundedByItsHibernateProperty() {
    try (TestDatabase.Factory f = factory(Map.of("hibernate.cache.inkv.region." + BOOKS + ".max_entries", "3"),
        Books.ENTITIES)) {
      loadBooks(f, 10);
      long cached = f.sessionFactory().getStatistics().getDomainDataRegionStatistics(BOOKS).getElementCountInMemory();
      assertEquals(3, cached, "entries in a region bounded to 3");
    }
  }

  @Test
  void aRegionIsConfiguredByTheInkvConfigurationFile() {
    // the file declares only the books region; with "fail", any other region would stop start-up
    try (TestDatabase.Factory f = factory(Map.of("hibernate.cache.inkv.config", "classpath:inkv-hibernate-test.properties",
        "hibernate.javax.cache.missing_cache_strategy", "fail"), List.of(ReadWriteBook.class))) {
      loadBooks(f, 10);
      long cached = f.sessionFactory().getStatistics().getDomainDataRegionStatistics(BOOKS).getElementCountInMemory();
      assertEquals(2, cached, "entries in a region the file bounds to 2");
    }
  }

  @Test
  void entriesExpireAfterTheRegionsTimeToLive() throws InterruptedException {
    try (TestDatabase.Factory f = factory(Map.of("hibernate.cache.inkv.region." + BOOKS + ".expiry", "PT0.3S"),
        Books.ENTITIES)) {
      loadBooks(f, 1);
      assertTrue(f.sessionFactory().getCache().containsEntity(ReadWriteBook.class, 1L));
      Thread.sleep(600);
      assertFalse(f.sessionFactory().getCache().containsEntity(ReadWriteBook.class, 1L));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"PT0.3S", "300ms"})
  void entriesExpireAfterTheRegionsTimeToLiveInEveryDurationForm(String ttl) throws InterruptedException {
    try (TestDatabase.Factory f = factory(Map.of("hibernate.cache.inkv.region." + BOOKS + ".expiry", ttl),
        Books.ENTITIES)) {
      loadBooks(f, 1);
      assertTrue(f.sessionFactory().getCache().containsEntity(ReadWriteBook.class, 1L));
      Thread.sleep(600);
      assertFalse(f.sessionFactory().getCache().containsEntity(ReadWriteBook.class, 1L));
    }
  }

  /** The inkv configuration the Hibernate settings make of region "r", through the provider as the factory does. */
  @SuppressWarnings("unchecked")
  private static InkvConfiguration<Object, Object> region(Map<String, Object> settings) {
    Properties overrides = InkvRegionFactory.translate(settings);
    try (javax.cache.spi.CachingProvider provider = new InkvCachingProvider();
        javax.cache.CacheManager manager = provider.getCacheManager(URI.create("urn:hibernate-settings-test"),
            RegionSettingsTest.class.getClassLoader(), overrides)) {
      return manager.getCache("r").getConfiguration(InkvConfiguration.class);
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "10MB     | 10485760",
      "512KB    | 524288",
      "1GB      | 1073741824",
      "10MiB    | 10485760",
      "1048576  | 1048576"})
  void sizesTakeTheFormsOfEveryInkvSettingWhereOneMegabyteIs1024Kilobytes(String text, long bytes) {
    assertEquals(bytes, region(Map.of("hibernate.cache.inkv.region.r.max_bytes", text)).getMaxBytes());
    assertEquals(bytes, region(Map.of("hibernate.cache.inkv.default.max_bytes", text,
        "hibernate.cache.inkv.region.r.max_entries", "1")).getMaxBytes(), "the default applies to the region");
    if (bytes >= 64 << 10 && bytes <= 1 << 30) {
      assertEquals(bytes, region(Map.of("hibernate.cache.inkv.region.r.segment_size", text)).getSegmentSize());
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "10m      | 600000",
      "30s      | 30000",
      "500ms    | 500",
      "2h       | 7200000",
      "1d       | 86400000",
      "PT10M    | 600000"})
  void anExpiryDurationIsATimeToLiveCountedFromTheLastWriteAsEverywhereInInkv(String text, long millis) {
    ExpiryPolicy expiry = region(Map.of("hibernate.cache.inkv.region.r.expiry", text)).getExpiryPolicyFactory().create();
    assertInstanceOf(ModifiedExpiryPolicy.class, expiry);
    assertEquals(new Duration(TimeUnit.MILLISECONDS, millis), expiry.getExpiryForCreation());
    assertEquals(new Duration(TimeUnit.MILLISECONDS, millis), expiry.getExpiryForUpdate());
    assertInstanceOf(CreatedExpiryPolicy.class, region(Map.of("hibernate.cache.inkv.region.r.expiry", "created:" + text))
        .getExpiryPolicyFactory().create(), "the prefixed forms name the other policies");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "hibernate.cache.inkv.region.r.max_bytes     | 10m      | is ambiguous: write 10MB",
      "hibernate.cache.inkv.default.max_bytes      | 1.5GB    | 1536MB",
      "hibernate.cache.inkv.region.r.segment_size  | lots     | is not a size",
      "hibernate.cache.inkv.region.r.expiry        | 30       | has no unit: write 30s",
      "hibernate.cache.inkv.default.expiry         | 1.5h     | 90m",
      "hibernate.cache.inkv.region.r.expiry        | touched:soon | is not a duration",
      "hibernate.cache.inkv.replication.startup_wait | 30     | has no unit: write 30s"})
  void aSizeOrDurationInNoAcceptedFormIsRefusedNamingTheHibernatePropertyAndTheForms(String key, String value,
      String says) {
    Map<String, Object> settings = Map.of(key, value, "hibernate.cache.inkv.replication.bootstrap_servers", "127.0.0.1:1");
    CacheException e = assertThrows(CacheException.class, () -> {
      if (key.contains(".replication.")) {
        RegionReplication.from(settings);
      } else {
        InkvRegionFactory.translate(Map.of(key, value));
      }
    });
    assertTrue(e.getMessage().startsWith(key + ": '" + value.substring(value.indexOf(':') + 1) + "' "), e.getMessage());
    assertTrue(e.getMessage().contains(says), e.getMessage());
    assertTrue(e.getMessage().contains(Units.SIZE_FORMS) || e.getMessage().contains(Units.DURATION_FORMS),
        e.getMessage());
  }

  @Test
  void aReadOnlyRegionIsRefusedPointingAtHibernatesReadOnlyAccess() {
    CacheException e = assertThrows(CacheException.class,
        () -> InkvRegionFactory.translate(Map.of("hibernate.cache.inkv.region.r.read_only", "true")));
    assertTrue(e.getMessage().startsWith("hibernate.cache.inkv.region.r.read_only: a second-level cache region cannot"
        + " be read-only, because Hibernate stores every entity it loads in its region"), e.getMessage());
    assertTrue(e.getMessage().contains("CacheConcurrencyStrategy.READ_ONLY"), e.getMessage());
  }

  @Test
  void aRegionDeclaredReadOnlyInTheInkvFileFailsStartUpSayingWhy(@TempDir Path directory) throws Exception {
    Map<String, Object> settings = TestDatabase.H2.settings();
    settings.put("hibernate.cache.inkv.directory", directory.toString());
    settings.put("hibernate.cache.inkv.default.persistent", "true");
    try (TestDatabase.Factory f = TestDatabase.build(settings, Books.ENTITIES)) {
      loadBooks(f, 1); // the region's files now exist, so a read-only cache could open them
    }
    Path file = directory.resolve("inkv.properties");
    Files.writeString(file, "inkv.cache." + BOOKS + ".readOnly=true\n");
    settings.put("hibernate.cache.inkv.config", file.toUri().toString());
    RuntimeException e = assertThrows(RuntimeException.class, () -> TestDatabase.build(settings, Books.ENTITIES).close());
    assertTrue(messages(e).contains("the second-level cache region " + BOOKS + " is declared read-only in the inkv"
        + " configuration, but Hibernate stores every entity it loads in its region; remove its readOnly setting"),
        messages(e));
  }

  @Test
  void theTimestampsRegionIgnoresDefaultBoundsAndExpiry() {
    try (TestDatabase.Factory f = factory(Map.of("hibernate.cache.use_query_cache", "true",
        "hibernate.cache.inkv.default.max_entries", "1", "hibernate.cache.inkv.default.expiry", "PT0.2S"),
        Books.ENTITIES)) {
      f.sessionFactory().inTransaction(s -> {
        s.persist(Books.newBook(AccessType.READ_WRITE, 1, "isbn-1", "Dune"));
        s.persist(new Note(1L, "a note"));
      });
      DirectAccessRegionTemplate timestamps =
          (DirectAccessRegionTemplate) f.sessionFactory().getCache().getTimestampsCache().getRegion();
      RegionStorage storage = (RegionStorage) timestamps.getStorageAccess();
      assertTrue(storage.size() >= 2, "timestamps of both tables are kept: " + storage.size());
    }
  }

  @Test
  void aPersistentRegionIsFoundByTheNextSessionFactory(@TempDir Path directory) {
    Map<String, Object> settings = TestDatabase.H2.settings();
    settings.put("hibernate.hbm2ddl.auto", "update");
    settings.put("hibernate.cache.inkv.directory", directory.toString());
    settings.put("hibernate.cache.inkv.default.persistent", "true");
    try (TestDatabase.Factory f = TestDatabase.build(settings, Books.ENTITIES)) {
      loadBooks(f, 5);
    }
    assertTrue(Files.isDirectory(directory.resolve(BOOKS.replace("$", "_24"))), "the region's files stay");
    try (TestDatabase.Factory f = TestDatabase.build(settings, Books.ENTITIES)) {
      Statistics stats = f.sessionFactory().getStatistics();
      f.sessionFactory().inTransaction(s -> {
        for (long id = 1; id <= 5; id++) {
          assertEquals("title " + id, s.find(ReadWriteBook.class, id).getTitle());
        }
      });
      assertEquals(5, stats.getDomainDataRegionStatistics(BOOKS).getHitCount(), "hits in the reopened region");
      assertEquals(0, stats.getDomainDataRegionStatistics(BOOKS).getMissCount(), "misses in the reopened region");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ENABLE_SELECTIVE", "ALL", "NONE", "DISABLE_SELECTIVE"})
  void theJpaSharedCacheModeDecidesWhatIsCached(String mode) {
    try (TestDatabase.Factory f = factory(Map.of("jakarta.persistence.sharedCache.mode", mode), Books.ENTITIES)) {
      f.sessionFactory().inTransaction(s -> {
        s.persist(new Books.Author(1L, "Austen"));
        s.persist(new Note(1L, "a note"));
      });
      f.sessionFactory().inTransaction(s -> {
        s.find(Books.Author.class, 1L);
        s.find(Note.class, 1L);
      });
      boolean authorCached = f.sessionFactory().getCache().containsEntity(Books.Author.class, 1L);
      boolean noteCached = f.sessionFactory().getCache().containsEntity(Note.class, 1L);
      assertEquals(List.of(!mode.equals("NONE"), mode.equals("ALL") || mode.equals("DISABLE_SELECTIVE")),
          List.of(authorCached, noteCached), "@Cacheable author and plain note cached under " + mode);
    }
  }

  @Test
  void nothingIsCachedWithoutTheSecondLevelCache() {
    try (TestDatabase.Factory f = factory(Map.of("hibernate.cache.use_second_level_cache", "false"), Books.ENTITIES)) {
      loadBooks(f, 2);
      assertFalse(f.sessionFactory().getCache().containsEntity(ReadWriteBook.class, 1L));
      assertEquals(0, f.sessionFactory().getStatistics().getSecondLevelCachePutCount());
    }
  }

  static String messages(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      sb.append(t).append(" / ");
    }
    return sb.toString();
  }
}
