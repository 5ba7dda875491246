package io.inkv.benchmarks.hibernate;

import io.inkv.benchmarks.BenchmarkDefaults;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.boot.MetadataSources;
import org.hibernate.boot.registry.StandardServiceRegistry;
import org.hibernate.boot.registry.StandardServiceRegistryBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/*
 * Hibernate second-level cache hits, side by side: inkv's region factory ("inkv"), hibernate-jcache
 * over inkv's JCache provider ("inkv-jcache"), over Caffeine's ("caffeine") and over Ehcache 3's
 * ("ehcache"). One H2 in-memory database per trial with 1,000 rows of one READ_WRITE entity,
 * every row cached before measuring, so each operation is a hit:
 *
 *   findById     open a session, find one random row by id (an entity-region hit), close
 *   queryHit     open a session, run a cacheable query for one random row by name (a query-region
 *                hit and an update-timestamps check; Hibernate 7 keeps the row's state in the
 *                query result, so no entity-region read), close
 *
 * hibernate-jcache creates its caches with a plain MutableConfiguration, which is store-by-value:
 * Caffeine and Ehcache then copy each value on read and write (Caffeine through Java
 * serialization, Ehcache through its serializers), as inkv decodes each read. That is the
 * by-value comparison the targets ask for. Run with -t 1 and -t 2 (see benchmarks/README.md).
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class SecondLevelCacheBenchmark extends BenchmarkDefaults {
  static final int ROWS = 1_000;
  private static final AtomicInteger DATABASES = new AtomicInteger();

  @Param({"inkv", "inkv-jcache", "caffeine", "ehcache"})
  public String cache;

  private StandardServiceRegistry registry;
  private SessionFactory sessionFactory;

  static Map<String, Object> settings(String cache) {
    Map<String, Object> s = new HashMap<>();
    s.put("hibernate.connection.url", "jdbc:h2:mem:bench" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
    s.put("hibernate.connection.username", "sa");
    s.put("hibernate.connection.password", "");
    s.put("hibernate.connection.pool_size", "4");
    s.put("hibernate.hbm2ddl.auto", "create");
    s.put("hibernate.cache.use_second_level_cache", "true");
    s.put("hibernate.cache.use_query_cache", "true");
    s.put("hibernate.javax.cache.missing_cache_strategy", "create");
    s.put("hibernate.generate_statistics", "true");
    switch (cache) {
      case "inkv" -> s.put("hibernate.cache.region.factory_class", "inkv");
      case "inkv-jcache" -> jcache(s, "io.inkv.jcache.spi.InkvCachingProvider");
      case "caffeine" -> jcache(s, "com.github.benmanes.caffeine.jcache.spi.CaffeineCachingProvider");
      case "ehcache" -> jcache(s, "org.ehcache.jsr107.EhcacheCachingProvider");
      default -> throw new IllegalArgumentException("unknown cache " + cache);
    }
    return s;
  }

  private static void jcache(Map<String, Object> s, String provider) {
    s.put("hibernate.cache.region.factory_class", "jcache");
    s.put("hibernate.javax.cache.provider", provider);
  }

  @Setup(Level.Trial)
  public void setUp() {
    java.util.logging.Logger.getLogger("org.hibernate").setLevel(java.util.logging.Level.SEVERE);
    java.util.logging.Logger.getLogger("io.inkv").setLevel(java.util.logging.Level.SEVERE);
    registry = new StandardServiceRegistryBuilder().applySettings(settings(cache)).build();
    sessionFactory = new MetadataSources(registry).addAnnotatedClass(BenchItem.class).buildMetadata()
        .buildSessionFactory();
    sessionFactory.inTransaction(s -> {
      for (long id = 1; id <= ROWS; id++) {
        s.persist(new BenchItem(id));
      }
    });
    sessionFactory.getCache().evictAllRegions();
    // load every row and run every query once, so that the measured operations all hit
    for (long id = 1; id <= ROWS; id++) {
      if (findById(id) == null || queryByName(id) == null) {
        throw new IllegalStateException("row " + id + " is missing");
      }
    }
    // prove that what is measured is a hit for every cache: one of each, counted by Hibernate
    org.hibernate.stat.Statistics stats = sessionFactory.getStatistics();
    stats.clear();
    findById(1);
    queryByName(2);
    if (stats.getSecondLevelCacheHitCount() < 1 || stats.getSecondLevelCacheMissCount() != 0
        || stats.getQueryCacheHitCount() != 1 || stats.getQueryCacheMissCount() != 0
        || stats.getPrepareStatementCount() != 0) {
      throw new IllegalStateException(cache + " does not hit: " + stats);
    }
    stats.setStatisticsEnabled(false);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    sessionFactory.close();
    StandardServiceRegistryBuilder.destroy(registry);
  }

  BenchItem findById(long id) {
    try (Session s = sessionFactory.openSession()) {
      return s.find(BenchItem.class, id);
    }
  }

  String queryByName(long id) {
    try (Session s = sessionFactory.openSession()) {
      List<BenchItem> items = s.createQuery("from BenchItem where name = :name", BenchItem.class)
          .setParameter("name", "item-" + id).setCacheable(true).getResultList();
      return items.isEmpty() ? null : items.get(0).getName();
    }
  }

  @Benchmark
  public BenchItem findById() {
    return findById(1 + ThreadLocalRandom.current().nextInt(ROWS));
  }

  @Benchmark
  public String queryHit() {
    return queryByName(1 + ThreadLocalRandom.current().nextInt(ROWS));
  }
}
