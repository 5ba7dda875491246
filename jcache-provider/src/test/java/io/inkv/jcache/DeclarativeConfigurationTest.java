package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
      assertEquals(new CreatedExpiryPolicy(new Duration(java.util.concurrent.TimeUnit.MINUTES, 10)).getExpiryForCreation(),
          c.getExpiryPolicyFactory().create().getExpiryForCreation());
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
      assertTrue(e.getMessage().contains(line.substring(0, line.indexOf('='))) && e.getMessage().contains("64 KiB"),
          e.getMessage());
    }
    Files.writeString(file, "inkv.default.segmentSize=0\ninkv.template.small.segmentSize=64KiB\n");
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
      assertTrue(e.getMessage().contains("inkv.cache.users.keyType=java.lang.String")
          && e.getMessage().contains("getCache(\"users\")"), e.getMessage());
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
}
