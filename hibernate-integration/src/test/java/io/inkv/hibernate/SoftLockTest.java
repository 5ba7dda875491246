package io.inkv.hibernate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.hibernate.Books.ReadWriteBook;
import jakarta.persistence.OptimisticLockException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hibernate.CacheMode;
import org.hibernate.Session;
import org.hibernate.StaleStateException;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.access.EntityDataAccess;
import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;
import org.junit.jupiter.api.Test;

/** The read-write soft-lock protocol, per key and without a region-wide lock. */
class SoftLockTest {

  static TestDatabase.Factory factory() {
    return TestDatabase.build(TestDatabase.H2.settings(), Books.ENTITIES);
  }

  static EntityPersister persister(TestDatabase.Factory f) {
    return f.sessionFactory().getMappingMetamodel().getEntityDescriptor(ReadWriteBook.class);
  }

  static EntityDataAccess access(TestDatabase.Factory f) {
    return persister(f).getCacheAccessStrategy();
  }

  static Object key(TestDatabase.Factory f, long id) {
    return access(f).generateCacheKey(id, persister(f), f.sessionFactory(), null);
  }

  /** A session whose transaction starts now (its caching timestamp is taken when it opens). */
  static SharedSessionContractImplementor session(TestDatabase.Factory f) {
    return (SharedSessionContractImplementor) f.sessionFactory().openSession();
  }

  static Object[] state(String title) {
    return new Object[] {title};
  }

  @Test
  void aLoadThatRacesWithAnUpdateIsNotCached() throws InterruptedException {
    try (TestDatabase.Factory f = factory()) {
      EntityDataAccess access = access(f);
      Object key = key(f, 1);
      try (Session before = f.sessionFactory().openSession()) {
        SoftLock lock = access.lockItem(session(f), key, 1);
        // a load while the update is in flight: refused
        assertFalse(access.putFromLoad((SharedSessionContractImplementor) before, key, state("old"), 1));
        assertNull(access.get(session(f), key));
        assertTrue(access.afterUpdate(session(f), key, state("new"), 2, 1, lock));
        // a load that read the old row before the update committed: refused by the version
        assertFalse(access.putFromLoad((SharedSessionContractImplementor) before, key, state("old"), 1));
      }
      Thread.sleep(2); // the caching timestamp has millisecond resolution
      assertEquals("new", ((Object[]) access.get(session(f), key))[0]);
    }
  }

  @Test
  void concurrentLocksKeepTheEntryLockedUntilTheLastReleaseAndThenRefuseOlderLoads() throws InterruptedException {
    try (TestDatabase.Factory f = factory()) {
      EntityDataAccess access = access(f);
      Object key = key(f, 1);
      SoftLock first = access.lockItem(session(f), key, null);
      SoftLock second = access.lockItem(session(f), key, null);
      assertEquals(first, second, "a locked entry hands out the same lock");
      assertFalse(access.afterUpdate(session(f), key, state("a"), null, null, first), "concurrent: not cached");
      try (Session during = f.sessionFactory().openSession()) {
        assertFalse(access.putFromLoad((SharedSessionContractImplementor) during, key, state("x"), null), "still locked");
        access.unlockItem(session(f), key, second);
        // started before the last release: it may have read data the update changed
        assertFalse(access.putFromLoad((SharedSessionContractImplementor) during, key, state("x"), null));
      }
      Thread.sleep(2);
      assertTrue(access.putFromLoad(session(f), key, state("fresh"), null), "a load after the release");
      Thread.sleep(2);
      assertEquals("fresh", ((Object[]) access.get(session(f), key))[0]);
    }
  }

  @Test
  void anUnlockThatLostItsLockLeavesAReleasedLockBehind() throws InterruptedException {
    try (TestDatabase.Factory f = factory()) {
      EntityDataAccess access = access(f);
      Object key = key(f, 1);
      SoftLock lock = access.lockItem(session(f), key, null);
      access.evict(key); // the lock is lost (eviction, or timed out and replaced)
      try (Session before = f.sessionFactory().openSession()) {
        assertFalse(access.afterUpdate(session(f), key, state("new"), null, null, lock));
        assertFalse(access.putFromLoad((SharedSessionContractImplementor) before, key, state("old"), null),
            "a load from before the update is refused");
      }
      assertNull(access.get(session(f), key));
      assertFalse(access.contains(key), "a lock is not cached data");
    }
  }

  @Test
  void readersDoNotWaitForAWriterHoldingAKeysLock() throws Exception {
    try (TestDatabase.Factory f = factory()) {
      f.sessionFactory().inTransaction(s -> {
        s.persist(Books.newBook(AccessType.READ_WRITE, 1, "isbn-1", "Dune"));
        s.persist(Books.newBook(AccessType.READ_WRITE, 2, "isbn-2", "Emma"));
      });
      f.sessionFactory().inTransaction(s -> s.find(ReadWriteBook.class, 1L)); // cached
      RegionStorage storage = ((SoftLockedAccess) access(f)).storage();
      byte[] k1 = storage.key(key(f, 1));
      CountDownLatch held = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      ExecutorService writer = Executors.newSingleThreadExecutor();
      try {
        // a writer stuck inside the key's read-modify-write (as a slow putFromLoad would be)
        Future<?> stuck = writer.submit(() -> storage.update(k1, (current, w) -> {
          held.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return null;
        }));
        assertTrue(held.await(10, TimeUnit.SECONDS));
        // with Hibernate's AbstractReadWriteAccess, a writer holds the region's write lock and these block
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
          long hits = f.sessionFactory().getStatistics().getSecondLevelCacheHitCount();
          f.sessionFactory().inTransaction(s -> {
            assertEquals("Dune", s.find(ReadWriteBook.class, 1L).getTitle());
            assertEquals("Emma", s.find(ReadWriteBook.class, 2L).getTitle());
          });
          assertEquals(hits + 2, f.sessionFactory().getStatistics().getSecondLevelCacheHitCount(),
              "both books, the one whose key is locked too, were read from the cache");
        });
        release.countDown();
        stuck.get(10, TimeUnit.SECONDS);
      } finally {
        release.countDown();
        writer.shutdownNow();
      }
    }
  }

  @Test
  void concurrentReadsAndUpdatesLeaveNoStaleEntry() throws Exception {
    int books = 3;
    int writers = 3;
    int readers = 3;
    int updatesPerWriter = 60;
    try (TestDatabase.Factory f = factory()) {
      f.sessionFactory().inTransaction(s -> {
        for (long id = 1; id <= books; id++) {
          Books.Book b = Books.newBook(AccessType.READ_WRITE, id, "isbn-" + id, "t0");
          s.persist(b);
        }
      });
      ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
      AtomicBoolean writing = new AtomicBoolean(true);
      ExecutorService pool = Executors.newFixedThreadPool(writers + readers);
      List<Future<?>> work = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int seed = w;
        work.add(pool.submit(() -> {
          for (int i = 0; i < updatesPerWriter; i++) {
            long id = 1 + (seed + i) % books;
            while (true) {
              try {
                f.sessionFactory().inTransaction(s -> {
                  ReadWriteBook b = s.find(ReadWriteBook.class, id);
                  b.setCount(b.getCount() + 1);
                  b.setTitle("t" + b.getCount());
                });
                break;
              } catch (OptimisticLockException | StaleStateException e) {
                // another writer won; try again
              } catch (RuntimeException e) {
                if (e.getCause() instanceof StaleStateException) {
                  continue;
                }
                errors.add(e);
                return;
              }
            }
          }
        }));
      }
      for (int r = 0; r < readers; r++) {
        work.add(pool.submit(() -> {
          while (writing.get()) {
            for (long id = 1; id <= books; id++) {
              long bookId = id;
              try {
                f.sessionFactory().inTransaction(s -> {
                  ReadWriteBook b = s.find(ReadWriteBook.class, bookId);
                  if (!b.getTitle().equals("t" + b.getCount())) {
                    errors.add(new AssertionError("torn state: " + b.getTitle() + " / " + b.getCount()));
                  }
                });
              } catch (RuntimeException e) {
                errors.add(e);
              }
            }
          }
        }));
      }
      for (int i = 0; i < writers; i++) {
        work.get(i).get(120, TimeUnit.SECONDS);
      }
      writing.set(false);
      for (Future<?> fu : work) {
        fu.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertTrue(errors.isEmpty(), () -> "errors: " + errors);
      Thread.sleep(2);
      long total = 0;
      for (long id = 1; id <= books; id++) {
        long bookId = id;
        long inDatabase = f.sessionFactory().fromTransaction(s -> {
          s.setCacheMode(CacheMode.IGNORE);
          return s.find(ReadWriteBook.class, bookId).getCount();
        });
        long throughCache = f.sessionFactory().fromTransaction(s -> s.find(ReadWriteBook.class, bookId).getCount());
        assertEquals(inDatabase, throughCache, "book " + id + ": the cache agrees with the database");
        total += inDatabase;
      }
      assertEquals((long) writers * updatesPerWriter, total, "every update committed once");
      assertTrue(f.sessionFactory().getStatistics().getSecondLevelCacheHitCount() > 0, "readers hit the cache");
    }
  }
}
