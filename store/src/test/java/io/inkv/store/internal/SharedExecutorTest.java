package io.inkv.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A shared executor's threads run while a lease is held, and the last release ends them before it returns. */
class SharedExecutorTest {
  private final Set<Thread> started = ConcurrentHashMap.newKeySet();
  private final SharedExecutor<ExecutorService> shared = new SharedExecutor<>(n -> "shared-test-" + n, Executors::newCachedThreadPool);

  /** Runs {@code tasks} tasks at once on the executor, so it starts that many threads, and returns once all ran. */
  private void startThreads(ExecutorService executor, int tasks) throws InterruptedException {
    CountDownLatch together = new CountDownLatch(tasks);
    CountDownLatch done = new CountDownLatch(tasks);
    for (int i = 0; i < tasks; i++) {
      executor.execute(() -> {
        started.add(Thread.currentThread());
        together.countDown();
        try {
          together.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        done.countDown();
      });
    }
    assertTrue(done.await(30, TimeUnit.SECONDS), "the tasks ran");
  }

  @Test
  void theThreadsEndWhenTheLastLeaseIsClosedAndNotBefore() throws Exception {
    SharedExecutor.Lease<ExecutorService> first = shared.acquire();
    SharedExecutor.Lease<ExecutorService> second = shared.acquire();
    assertSame(first.executor(), second.executor());
    startThreads(first.executor(), 3);
    assertEquals(3, started.size());
    for (Thread t : started) {
      assertTrue(t.isDaemon(), t + " is a daemon");
      assertTrue(t.getName().startsWith("shared-test-"), t.getName());
    }

    first.close();
    first.close(); // a second close is no second release
    assertEquals(1, shared.usersForTest());
    assertTrue(started.stream().allMatch(Thread::isAlive), "the second lease still holds the threads");
    startThreads(shared.executor(), 1);

    second.close();
    assertEquals(0, shared.usersForTest());
    assertEquals(List.of(), started.stream().filter(Thread::isAlive).toList(), "alive after the last close returned");
    IllegalStateException e = assertThrows(IllegalStateException.class, shared::executor);
    assertTrue(e.getMessage().contains("shared-test-1"), e.getMessage());
  }

  @Test
  void workAlreadyQueuedFinishesBeforeTheLastCloseReturns() throws Exception {
    SharedExecutor.Lease<ExecutorService> lease = shared.acquire();
    CountDownLatch running = new CountDownLatch(1);
    AtomicBoolean finished = new AtomicBoolean();
    lease.executor().execute(() -> {
      running.countDown();
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return; // an interrupt would leave finished false
      }
      finished.set(true);
    });
    assertTrue(running.await(30, TimeUnit.SECONDS));
    lease.close();
    assertTrue(finished.get(), "the task ran to its end, uninterrupted, before close returned");
  }

  @Test
  void aLeaseClosedOnTheExecutorsOwnThreadDoesNotWaitForThatThread() throws Exception {
    SharedExecutor.Lease<ExecutorService> lease = shared.acquire();
    Thread[] own = new Thread[1];
    Future<?> closing = lease.executor().submit(() -> {
      own[0] = Thread.currentThread();
      lease.close();
    });
    closing.get(30, TimeUnit.SECONDS); // waiting for itself would have taken the whole join timeout and more
    own[0].join(TimeUnit.SECONDS.toMillis(30));
    assertFalse(own[0].isAlive(), "the thread ended once its task returned");
    assertEquals(0, shared.usersForTest());
  }

  @Test
  void anAcquireAfterTheThreadsStoppedStartsANewExecutor() throws Exception {
    SharedExecutor.Lease<ExecutorService> first = shared.acquire();
    ExecutorService old = first.executor();
    first.close();
    assertTrue(old.isShutdown());
    try (SharedExecutor.Lease<ExecutorService> second = shared.acquire()) {
      assertNotSame(old, second.executor());
      startThreads(second.executor(), 1);
    }
    assertEquals(List.of(), started.stream().filter(Thread::isAlive).toList());
  }
}
