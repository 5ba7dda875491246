package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.List;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.management.CacheStatisticsMXBean;
import javax.management.JMX;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every statistic of every operation, compared step by step with the reference implementation,
 * read the way operators read them: through the platform MBean server.
 */
class CacheStatisticsTest {
  private CacheManager inkvManager;
  private CacheManager riManager;
  @TempDir
  java.nio.file.Path tmp;

  @BeforeEach
  void openManagers() {
    inkvManager = Providers.inkv().getCacheManager(URI.create("stats-test"), getClass().getClassLoader());
    riManager = Providers.ri().getCacheManager(URI.create("stats-test-ri"), getClass().getClassLoader());
  }

  @AfterEach
  void closeManagers() {
    inkvManager.close();
    riManager.close();
  }

  private static MutableConfiguration<String, String> config() {
    return new MutableConfiguration<String, String>().setTypes(String.class, String.class).setStatisticsEnabled(true);
  }

  private static CacheStatisticsMXBean statistics(Cache<?, ?> cache) throws Exception {
    ObjectName name = new ObjectName("javax.cache:type=CacheStatistics,CacheManager="
        + cache.getCacheManager().getURI().toString().replaceAll("[,:=\n]", ".") + ",Cache=" + cache.getName());
    return JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(), name, CacheStatisticsMXBean.class);
  }

  private static String counts(CacheStatisticsMXBean s) {
    return "hits=" + s.getCacheHits() + " misses=" + s.getCacheMisses() + " gets=" + s.getCacheGets()
        + " puts=" + s.getCachePuts() + " removals=" + s.getCacheRemovals() + " evictions=" + s.getCacheEvictions()
        + " hit%=" + s.getCacheHitPercentage() + " miss%=" + s.getCacheMissPercentage();
  }

  @ParameterizedTest
  @EnumSource(Providers.Kind.class)
  void everyOperationCountsTheSameStatisticsAsTheReferenceImplementation(Providers.Kind kind) throws Exception {
    Cache<String, String> inkv = inkvManager.createCache("stats", kind.inkv(config(), tmp.resolve("stats")));
    Cache<String, String> ri = riManager.createCache("stats", kind.ri(config()));
    CacheStatisticsMXBean inkvStats = statistics(inkv);
    CacheStatisticsMXBean riStats = statistics(ri);
    for (Script.Step step : Script.all()) {
      step.action().accept(inkv);
      step.action().accept(ri);
      assertEquals(counts(riStats), counts(inkvStats), "after " + step.name());
    }
  }

  @Test
  void timesAreRecordedForOperationsThatCountThem() throws Exception {
    Cache<String, String> inkv = inkvManager.createCache("times", config());
    for (int i = 0; i < 100; i++) {
      inkv.put("k" + i, "v");
      inkv.get("k" + i);
      inkv.remove("k" + i);
    }
    CacheStatisticsMXBean s = statistics(inkv);
    assertTrue(s.getAverageGetTime() > 0, "average get time");
    assertTrue(s.getAveragePutTime() > 0, "average put time");
    assertTrue(s.getAverageRemoveTime() > 0, "average remove time");
    s.clear();
    assertEquals(0, s.getCacheGets());
    assertEquals(0, s.getAverageGetTime());
  }

  @Test
  void nothingIsCountedWhileStatisticsAreDisabledAndCountingResumesWhenEnabled() throws Exception {
    Cache<String, String> inkv = inkvManager.createCache("toggle", config());
    CacheStatisticsMXBean s = statistics(inkv);
    inkvManager.enableStatistics("toggle", false);
    inkv.put("a", "1");
    inkv.get("a");
    inkvManager.enableStatistics("toggle", true);
    assertEquals("hits=0 misses=0 gets=0 puts=0 removals=0 evictions=0 hit%=0.0 miss%=0.0", counts(s));
    inkv.get("a");
    assertEquals(1, s.getCacheHits());
  }

  @Test
  void evictionsByTheCapacityBoundAreCounted() throws Exception {
    Cache<String, String> inkv = inkvManager.createCache("bounded",
        io.inkv.jcache.configuration.InkvConfiguration.of(String.class, String.class)
            .setMaxEntries(10).setStatisticsEnabled(true));
    for (int i = 0; i < 100; i++) {
      inkv.put("k" + i, "v");
    }
    CacheStatisticsMXBean s = statistics(inkv);
    assertTrue(s.getCacheEvictions() >= 90, counts(s));
    assertEquals(List.of(), List.of());
  }
}
