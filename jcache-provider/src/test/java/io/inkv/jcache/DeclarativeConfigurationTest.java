package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.jcache.configuration.InkvConfiguration;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.expiry.AccessedExpiryPolicy;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.expiry.TouchedExpiryPolicy;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Caches declared in a properties file that the cache manager's URI names. */
class DeclarativeConfigurationTest {
  @TempDir
  Path directory;

  @Test
  void theCachesAFileDeclaresExistWhenTheManagerStartsWithTheirTemplateAndOwnSettings() {
    CacheManager manager = Providers.inkv().getCacheManager(URI.create("classpath:declared-caches.properties"),
        getClass().getClassLoader());
    try {
      Set<String> names = new TreeSet<>();
      manager.getCacheNames().forEach(names::add);
      assertEquals(Set.of("counters", "sessions"), names);
      Cache<String, String> sessions = manager.getCache("sessions", String.class, String.class);
      @SuppressWarnings("unchecked")
      InkvConfiguration<String, String> c = sessions.getConfiguration(InkvConfiguration.class);
      assertEquals(50, c.getMaxEntries(), "the cache's own setting wins over its template");
      assertEquals(1 << 20, c.getSegmentSize(), "inkv.default applies");
      assertTrue(c.isStatisticsEnabled(), "the template applies");
      ExpiryPolicy expiry = c.getExpiryPolicyFactory().create();
      assertInstanceOf(ModifiedExpiryPolicy.class, expiry, "a bare duration is a time to live since the last write");
      assertEquals(new Duration(TimeUnit.MINUTES, 10), expiry.getExpiryForCreation());
      assertEquals(new Duration(TimeUnit.MINUTES, 10), expiry.getExpiryForUpdate());
      Cache<String, Long> counters = manager.getCache("counters", String.class, Long.class);
      counters.put("a", 1L);
      assertEquals(1L, counters.get("a"));
    } finally {
      manager.close();
    }
  }

  @Test
  void aWrongSettingFailsWhenTheManagerStartsNamingTheSetting() throws Exception {
    Path file = directory.resolve("bad.properties");
    Files.writeString(file, "inkv.cache.users.maxEntriez=10\n");
    CacheException unknown = assertThrows(CacheException.class,
        () -> Providers.inkv().getCacheManager(file.toUri(), getClass().getClassLoader()));
    assertTrue(unknown.getMessage().contains("inkv.cache.users.maxEntriez"), unknown.getMessage());

    Files.writeString(file, "inkv.cache.users.durability=SOMETIMES\n");
    CacheException badValue = assertThrows(CacheException.class,
        () -> Providers.inkv().getCacheManager(file.toUri(), getClass().getClassLoader()));
    assertTrue(badValue.getMessage().contains("inkv.cache.users.durability"), badValue.getMessage());

    Files.writeString(file, "inkv.cache.users.segmentSize=1000\n");
    CacheException storeSetting = assertThrows(CacheException.class,
        () -> Providers.inkv().getCacheManager(file.toUri(), getClass().getClassLoader()));
    assertTrue(storeSetting.getMessage().contains("segmentSize") && storeSetting.getMessage().contains("users"),
        storeSetting.getMessage());
  }

  /** A value with no codec and no Serializable: only a by-reference cache on the heap holds it. */
  static final class Session {
    final String user;

    Session(String user) {
      this.user = user;
    }
  }

  @Test
  void aFileDeclaresByReferenceCachesOnTheHeapAndOverAPersistentStore() throws Exception {
    Path file = directory.resolve("by-reference.properties");
    Files.writeString(file, String.join("\n",
        "inkv.directory=" + directory.resolve("data").toString().replace("\\", "/"),
        "inkv.cache.sessions.valueType=" + Session.class.getName(),
        "inkv.cache.sessions.storeByValue=false",
        "inkv.cache.sessions.maxEntries=2",
        "inkv.cache.points.keyType=java.lang.String",
        "inkv.cache.points.valueType=java.lang.String",
        "inkv.cache.points.storeByValue=false",
        "inkv.cache.points.persistent=true",
        "inkv.cache.points.heapEntries=5",
        ""));
    CacheManager manager = Providers.inkv().getCacheManager(file.toUri(), getClass().getClassLoader());
    try {
      Cache<Object, Session> sessions = manager.getCache("sessions");
      Session s = new Session("ada");
      sessions.put("s1", s);
      assertTrue(s == sessions.get("s1"), "by reference: the instance itself");
      sessions.put("s2", new Session("b"));
      sessions.put("s3", new Session("c"));
      assertEquals(2, sessions.unwrap(InkvCache.class).estimatedSize(), "bounded by maxEntries");
      Cache<String, String> points = manager.getCache("points", String.class, String.class);
      @SuppressWarnings("unchecked")
      InkvConfiguration<String, String> c = points.getConfiguration(InkvConfiguration.class);
      assertEquals(5, c.getHeapEntries());
      assertTrue(!c.isStoreByValue() && c.isPersistent());
    } finally {
      manager.close();
    }
    Files.writeString(file, "inkv.cache.values.heapEntries=5\n");
    CacheException refused = assertThrows(CacheException.class,
        () -> Providers.inkv().getCacheManager(file.toUri(), getClass().getClassLoader()));
    assertTrue(refused.getMessage().contains("heapEntries") && refused.getMessage().contains("values"),
        refused.getMessage());
  }

  @Test
  void anotherProvidersXmlConfigurationIsRefusedNamingTheFileAndWhatInkvReads() throws Exception {
    Path file = directory.resolve("ehcache.xml");
    Files.writeString(file, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        + "<config xmlns=\"http://www.ehcache.org/v3\">\n  <cache alias=\"users\"><heap>100</heap></cache>\n</config>\n");
    CacheException e = assertThrows(CacheException.class,
        () -> Providers.inkv().getCacheManager(file.toUri(), getClass().getClassLoader()));
    assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
    assertTrue(e.getMessage().contains("not an inkv configuration") && e.getMessage().contains("inkv.cache"),
        e.getMessage());
  }

  @Test
  void aSettingWithoutTheInkvPrefixIsReportedNotIgnored() throws Exception {
    Path file = directory.resolve("unprefixed.properties");
    Files.writeString(file, "inkv.default.statistics=true\ncache.users.maxEntries=10\n");
    CacheException e = assertThrows(CacheException.class,
        () -> Providers.inkv().getCacheManager(file.toUri(), getClass().getClassLoader()));
    assertTrue(e.getMessage().contains("cache.users.maxEntries") && e.getMessage().contains("not an inkv setting"),
        e.getMessage());
  }

  @Test
  void aSegmentSizeNoStoreAcceptsFailsWhenTheFileIsReadEvenForDefaultsAndTemplates() throws Exception {
    Path file = directory.resolve("segments.properties");
    for (String line : new String[] {"inkv.default.segmentSize=100", "inkv.template.small.segmentSize=65537",
        "inkv.default.segmentSize=2GiB"}) {
      Files.writeString(file, line + "\n");
      CacheException e = assertThrows(CacheException.class,
          () -> Providers.inkv().getCacheManager(file.toUri(), getClass().getClassLoader()));
      assertTrue(e.getMessage().contains(line.substring(0, line.indexOf('='))) && e.getMessage().contains("64KB"),
          e.getMessage());
    }
    Files.writeString(file, "inkv.default.segmentSize=0\ninkv.template.small.segmentSize=64KiB\n"
        + "inkv.template.large.segmentSize=64MB\n");
    Providers.inkv().getCacheManager(file.toUri(), getClass().getClassLoader()).close();
  }

  @Test
  void aDuplicateCacheIsReportedAsWhatItIsWithOrWithoutAFile() {
    CacheManager plain = Providers.inkv().getCacheManager(URI.create("urn:duplicates"), getClass().getClassLoader());
    try {
      plain.createCache("users", new javax.cache.configuration.MutableConfiguration<String, String>());
      CacheException e = assertThrows(CacheException.class,
          () -> plain.createCache("users", new javax.cache.configuration.MutableConfiguration<String, String>()));
      assertTrue(e.getMessage().contains("has a cache named users already") && !e.getMessage().contains("declared in")
          && !e.getMessage().contains(".properties"), e.getMessage());
    } finally {
      plain.close();
    }
    CacheManager declared = Providers.inkv().getCacheManager(URI.create("classpath:declared-caches.properties"),
        getClass().getClassLoader());
    try {
      CacheException e = assertThrows(CacheException.class,
          () -> declared.createCache("sessions", new javax.cache.configuration.MutableConfiguration<String, String>()));
      assertTrue(e.getMessage().contains("declared in") && e.getMessage().contains("declared-caches.properties"),
          e.getMessage());
    } finally {
      declared.close();
    }
  }

  @Test
  void aCacheDeclaredWithoutTypesAskedForWithTypesSaysWhichSettingToAdd() throws Exception {
    Path file = directory.resolve("untyped.properties");
    Files.writeString(file, "inkv.cache.users.maxEntries=10\n");
    CacheManager manager = Providers.inkv().getCacheManager(file.toUri(), getClass().getClassLoader());
    try {
      ClassCastException e = assertThrows(ClassCastException.class,
          () -> manager.getCache("users", String.class, String.class));
      assertTrue(e.getMessage().startsWith("cache users has keys of java.lang.Object, not java.lang.String; it is"
          + " declared in " + file.toUri().toURL() + " without keyType and valueType: add"
          + " inkv.cache.users.keyType=java.lang.String and inkv.cache.users.valueType=java.lang.String there"),
          e.getMessage());
      assertTrue(e.getMessage().contains("getCache(\"users\")"), e.getMessage());
      manager.getCache("users").put("k", "v"); // untyped, as the message offers
      assertEquals("v", manager.getCache("users").get("k"));
    } finally {
      manager.close();
    }
  }

  @Test
  void propertiesPassedToTheProviderOverrideTheFile() {
    Properties overrides = new Properties();
    overrides.setProperty("inkv.cache.sessions.maxEntries", "7");
    CacheManager manager = Providers.inkv().getCacheManager(URI.create("classpath:declared-caches.properties"),
        new ClassLoader(getClass().getClassLoader()) { }, overrides);
    try {
      @SuppressWarnings("unchecked")
      InkvConfiguration<String, String> c = manager.getCache("sessions").getConfiguration(InkvConfiguration.class);
      assertEquals(7, c.getMaxEntries());
    } finally {
      manager.close();
    }
  }

  @Test
  void aUriThatNamesNoFileIsJustAName() {
    CacheManager manager = Providers.inkv().getCacheManager(URI.create("urn:my-app:caches"), getClass().getClassLoader());
    try {
      assertTrue(!manager.getCacheNames().iterator().hasNext());
    } finally {
      manager.close();
    }
  }

  // ---- sizes and durations: one syntax (io.inkv.store.Units), one meaning of a time to live ----

  private InkvConfiguration<?, ?> declared(String... lines) throws Exception {
    Path file = directory.resolve("forms.properties");
    Files.writeString(file, String.join("\n", lines) + "\n");
    CacheManager manager = Providers.inkv().getCacheManager(file.toUri(), getClass().getClassLoader());
    try {
      @SuppressWarnings("unchecked")
      InkvConfiguration<Object, Object> c = manager.getCache("c").getConfiguration(InkvConfiguration.class);
      return c;
    } finally {
      manager.close();
    }
  }

  private CacheException refused(String line) throws Exception {
    Path file = directory.resolve("refused.properties");
    // a replication setting is read once the cache names its Kafka (nothing connects: it is refused first)
    Files.writeString(file, line + (line.contains(".replication.") ? "\ninkv.cache.c.replication.bootstrapServers=127.0.0.1:1"
        : "") + "\n");
    return assertThrows(CacheException.class,
        () -> Providers.inkv().getCacheManager(file.toUri(), getClass().getClassLoader()));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "10MB     | 10485760",
      "512KB    | 524288",
      "1GB      | 1073741824",
      "10MiB    | 10485760",
      "1048576  | 1048576",
      "64 kb    | 65536"})
  void maxBytesTakesSpringBootSizesWhereOneMegabyteIs1024Kilobytes(String text, long bytes) throws Exception {
    assertEquals(bytes, declared("inkv.cache.c.maxBytes=" + text).getMaxBytes());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"64KB | 65536", "1MB | 1048576", "1MiB | 1048576", "65536 | 65536",
      "1GB | 1073741824"})
  void segmentSizeReadsSizesTheSameWay(String text, int bytes) throws Exception {
    assertEquals(bytes, declared("inkv.cache.c.segmentSize=" + text).getSegmentSize());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "10m      | 600000",
      "30s      | 30000",
      "500ms    | 500",
      "2h       | 7200000",
      "1d       | 86400000",
      "PT10M    | 600000"})
  void aBareDurationAsTheExpiryIsATimeToLiveSinceTheLastWrite(String text, long millis) throws Exception {
    ExpiryPolicy expiry = declared("inkv.cache.c.expiry=" + text).getExpiryPolicyFactory().create();
    assertInstanceOf(ModifiedExpiryPolicy.class, expiry);
    assertEquals(new Duration(TimeUnit.MILLISECONDS, millis), expiry.getExpiryForCreation());
    assertEquals(new Duration(TimeUnit.MILLISECONDS, millis), expiry.getExpiryForUpdate());
    assertEquals(null, expiry.getExpiryForAccess(), "a read does not extend a time to live");
  }

  @Test
  void thePrefixedFormsNameTheOtherPoliciesAndTakeEveryDurationForm() throws Exception {
    assertInstanceOf(CreatedExpiryPolicy.class, declared("inkv.cache.c.expiry=created:10m").getExpiryPolicyFactory().create());
    assertInstanceOf(CreatedExpiryPolicy.class, declared("inkv.cache.c.expiry=created:PT10M").getExpiryPolicyFactory().create());
    assertInstanceOf(AccessedExpiryPolicy.class, declared("inkv.cache.c.expiry=accessed:30s").getExpiryPolicyFactory().create());
    assertInstanceOf(ModifiedExpiryPolicy.class, declared("inkv.cache.c.expiry=modified:2h").getExpiryPolicyFactory().create());
    ExpiryPolicy touched = declared("inkv.cache.c.expiry=touched:500ms").getExpiryPolicyFactory().create();
    assertInstanceOf(TouchedExpiryPolicy.class, touched);
    assertEquals(new Duration(TimeUnit.MILLISECONDS, 500), touched.getExpiryForAccess());
  }

  @ParameterizedTest
  @ValueSource(strings = {"inkv.cache.c.maxBytes=10m", "inkv.cache.c.maxBytes=1.5GB", "inkv.cache.c.maxBytes=-1",
      "inkv.default.segmentSize=many", "inkv.template.t.maxBytes=10s"})
  void aBadSizeIsRefusedNamingTheKeyTheFileAndTheAcceptedForms(String line) throws Exception {
    CacheException e = refused(line);
    String key = line.substring(0, line.indexOf('='));
    assertTrue(e.getMessage().contains(key + " in file:"), e.getMessage());
    assertTrue(e.getMessage().contains("refused.properties: '" + line.substring(line.indexOf('=') + 1) + "'"),
        e.getMessage());
    assertTrue(e.getMessage().contains("B, KB, MB, GB or TB") && e.getMessage().contains("1KB = 1024 bytes"),
        e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"inkv.cache.c.expiry=30", "inkv.cache.c.expiry=1.5h", "inkv.cache.c.expiry=created:soon",
      "inkv.cache.c.expiry=PT10X", "inkv.cache.c.replication.startupWait=30",
      "inkv.cache.c.replication.checkpointInterval=10MB"})
  void aBadDurationIsRefusedNamingTheKeyTheFileAndTheAcceptedForms(String line) throws Exception {
    CacheException e = refused(line);
    String key = line.substring(0, line.indexOf('='));
    assertTrue(e.getMessage().contains(key + " in file:"), e.getMessage());
    assertTrue(e.getMessage().contains("500ms, 30s, 10m, 2h, 1d") && e.getMessage().contains("PT10M"),
        e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "0s", "created:0", "touched:PT0S"})
  void aZeroExpiryIsRefusedPointingAtEternal(String value) throws Exception {
    CacheException e = refused("inkv.cache.c.expiry=" + value);
    assertTrue(e.getMessage().contains("must be positive") && e.getMessage().contains("eternal"), e.getMessage());
  }

  @Test
  void anExpiryPolicyClassNameIsStillAClassName() throws Exception {
    assertInstanceOf(EternalPolicy.class,
        declared("inkv.cache.c.expiry=" + EternalPolicy.class.getName()).getExpiryPolicyFactory().create());
    CacheException e = refused("inkv.cache.c.expiry=com.example.NoSuchPolicy");
    assertTrue(e.getMessage().contains("cannot be loaded"), e.getMessage());
  }

  /** An expiry policy named by class in a file. */
  public static final class EternalPolicy implements ExpiryPolicy {
    @Override
    public Duration getExpiryForCreation() {
      return Duration.ETERNAL;
    }

    @Override
    public Duration getExpiryForAccess() {
      return null;
    }

    @Override
    public Duration getExpiryForUpdate() {
      return null;
    }
  }
}
