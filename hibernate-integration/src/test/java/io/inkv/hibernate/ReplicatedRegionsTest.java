package io.inkv.hibernate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.hibernate.Books.ReadWriteBook;
import io.inkv.hibernate.Countries.Country;
import io.inkv.hibernate.Countries.ReadOnlyCountry;
import io.inkv.replication.testkit.KafkaTestBroker;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.hibernate.Session;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes (two session factories with their own region stores, one database) whose regions
 * replicate through a real Kafka broker (the in-process KRaft test kit): what one node commits is
 * reflected in the other's cache, and a query cached on one node is invalidated when the other
 * changes its table, with no 60-second stale window (timestamps apply in log order). Reference
 * entries replicate as markers: each node keeps its own instance, and a delete reaches both.
 */
class ReplicatedRegionsTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
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

  static TestDatabase.Factory node(String database, boolean createSchema, String topicPrefix) {
    return node(database, createSchema, topicPrefix, Map.of(), Books.ENTITIES);
  }

  static TestDatabase.Factory node(String database, boolean createSchema, String topicPrefix,
      Map<String, Object> extra, List<Class<?>> entities) {
    Map<String, Object> settings = new HashMap<>(TestDatabase.H2.settings());
    settings.put("hibernate.connection.url", "jdbc:h2:mem:" + database + ";DB_CLOSE_DELAY=-1");
    settings.put("hibernate.hbm2ddl.auto", createSchema ? "create" : "none");
    settings.put("hibernate.cache.use_query_cache", "true");
    settings.put("hibernate.cache.region_prefix", topicPrefix);
    settings.put("hibernate.cache.inkv.replication.bootstrap_servers", kafka.bootstrapServers());
    settings.put("hibernate.cache.inkv.replication.partitions", "2");
    settings.put("hibernate.cache.inkv.replication.startup_wait", "PT30S");
    settings.putAll(extra);
    return TestDatabase.build(settings, entities);
  }

  static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + PATIENCE + ": " + what);
      }
      Thread.sleep(20);
    }
  }

  static <T> T read(TestDatabase.Factory f, Function<Session, T> work) {
    return f.sessionFactory().fromTransaction(work);
  }

  @Test
  void anUpdateOrDeleteCommittedOnOneNodeReachesTheOtherNodesCache() throws Exception {
    try (TestDatabase.Factory a = node("replicated1", true, "t1");
         TestDatabase.Factory b = node("replicated1", false, "t1")) {
      a.sessionFactory().inTransaction(s -> s.persist(Books.newBook(AccessType.READ_WRITE, 1, "isbn-1", "Dune")));
      // A cached the new book after the insert; B sees A's entry without going to the database
      Statistics bStats = b.sessionFactory().getStatistics();
      eventually("B caches A's insert", () -> b.sessionFactory().getCache().containsEntity(ReadWriteBook.class, 1L));
      bStats.clear();
      assertEquals("Dune", read(b, s -> s.find(ReadWriteBook.class, 1L).getTitle()));
      assertEquals(1, bStats.getSecondLevelCacheHitCount(), "B read A's entry from its own replica");

      a.sessionFactory().inTransaction(s -> s.find(ReadWriteBook.class, 1L).setTitle("Dune Messiah"));
      eventually("B's cache has A's update", () -> {
        bStats.clear();
        String title = read(b, s -> s.find(ReadWriteBook.class, 1L).getTitle());
        return title.equals("Dune Messiah") && bStats.getSecondLevelCacheHitCount() == 1;
      });

      a.sessionFactory().inTransaction(s -> s.remove(s.find(ReadWriteBook.class, 1L)));
      eventually("B's cache drops A's delete",
          () -> !b.sessionFactory().getCache().containsEntity(ReadWriteBook.class, 1L));
      assertNull(read(b, s -> s.find(ReadWriteBook.class, 1L)));
    }
  }

  @Test
  void referenceEntriesReplicateAsMarkersEachNodeKeepsItsOwnInstanceAndADeleteReachesBoth() throws Exception {
    Map<String, Object> referenceEntries = Map.of("hibernate.cache.use_reference_entries", "true");
    try (TestDatabase.Factory a = node("replicated3", true, "t3", referenceEntries, Countries.ENTITIES);
         TestDatabase.Factory b = node("replicated3", false, "t3", referenceEntries, Countries.ENTITIES)) {
      Country persisted = Countries.newCountry(AccessType.READ_ONLY, 1, "Chile");
      a.sessionFactory().inTransaction(s -> s.persist(persisted));
      byte[] marker = ReferenceEntriesContract.stored(a, ReadOnlyCountry.class, 1);
      eventually("A's marker reaches B",
          () -> Arrays.equals(marker, ReferenceEntriesContract.stored(b, ReadOnlyCountry.class, 1)));
      // B has the marker but not the instance (it never leaves A's heap): B loads the row once
      assertFalse(b.sessionFactory().getCache().containsEntity(ReadOnlyCountry.class, 1L));
      Country onB = ReferenceEntriesContract.load(b, ReadOnlyCountry.class, 1, 1);
      assertNotSame(persisted, onB);
      assertSame(onB, ReferenceEntriesContract.load(b, ReadOnlyCountry.class, 1, 0));
      // B attached its instance to A's marker instead of replacing it: A still hits its own instance
      assertArrayEquals(marker, ReferenceEntriesContract.stored(b, ReadOnlyCountry.class, 1));
      Thread.sleep(200); // a replacement, had B written one, would have had time to reach A
      assertSame(persisted, ReferenceEntriesContract.load(a, ReadOnlyCountry.class, 1, 0));

      a.sessionFactory().inTransaction(s -> s.remove(s.find(ReadOnlyCountry.class, 1L)));
      eventually("A's delete reaches B's cache",
          () -> ReferenceEntriesContract.stored(b, ReadOnlyCountry.class, 1) == null);
      assertNull(ReferenceEntriesContract.load(b, ReadOnlyCountry.class, 1, 1));
    }
  }

  @Test
  void aQueryCachedOnOneNodeIsInvalidatedByAChangeOnTheOtherAndCachedAgainAtOnce() throws Exception {
    String hql = "select b.title from ReadWriteBook b order by b.id";
    Function<Session, List<String>> query = s -> s.createQuery(hql, String.class).setCacheable(true).getResultList();
    try (TestDatabase.Factory a = node("replicated2", true, "t2");
         TestDatabase.Factory b = node("replicated2", false, "t2")) {
      a.sessionFactory().inTransaction(s -> s.persist(Books.newBook(AccessType.READ_WRITE, 1, "isbn-1", "Dune")));
      Thread.sleep(5); // a query cached below must start after the insert's timestamp
      Statistics bStats = b.sessionFactory().getStatistics();
      assertEquals(List.of("Dune"), read(b, query));
      assertEquals(List.of("Dune"), read(b, query));
      assertEquals(1, bStats.getQueryCacheHitCount(), "B's query is cached");

      a.sessionFactory().inTransaction(s -> s.persist(Books.newBook(AccessType.READ_WRITE, 2, "isbn-2", "Emma")));
      // B's cached result is stale once A's timestamps arrive; B runs the query again and caches it
      eventually("B sees the new row", () -> read(b, query).equals(List.of("Dune", "Emma")));
      // the timestamp that stays is the one after commit (log order), not the pre-invalidation one
      // 60 s ahead: B's query is a hit again at once, not after Hibernate's lock timeout
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      long hits;
      do {
        hits = bStats.getQueryCacheHitCount();
        assertEquals(List.of("Dune", "Emma"), read(b, query));
      } while (bStats.getQueryCacheHitCount() == hits && System.nanoTime() < deadline);
      assertTrue(bStats.getQueryCacheHitCount() > hits, "B's query cache hits again within seconds");
    }
  }
}
