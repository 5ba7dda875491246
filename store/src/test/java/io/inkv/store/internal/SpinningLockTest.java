package io.inkv.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The append lock spins before it parks; what must hold is that it is still a lock: one holder at
 * a time under contention, reentrant, and a waiter whose spin runs out (the holder keeps it for
 * milliseconds) parks and takes it when it is released.
 */
class SpinningLockTest {
  @Test
  void oneHolderAtATimeUnderContention() throws Exception {
    SpinningLock lock = new SpinningLock();
    int threads = 4;
    int rounds = 200_000;
    long[] counter = {0};
    AtomicBoolean inside = new AtomicBoolean();
    AtomicBoolean overlapped = new AtomicBoolean();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < rounds; i++) {
          lock.lock();
          try {
            if (!inside.compareAndSet(false, true)) {
              overlapped.set(true);
            }
            counter[0]++; // a plain increment: lost updates if two threads were inside at once
            inside.set(false);
          } finally {
            lock.unlock();
          }
        }
      });
      thread.start();
      all.add(thread);
    }
    start.countDown();
    for (Thread thread : all) {
      thread.join(TimeUnit.MINUTES.toMillis(2));
      assertFalse(thread.isAlive(), "a thread is still waiting for the lock");
    }
    assertFalse(overlapped.get(), "two threads held the lock at once");
    assertEquals((long) threads * rounds, counter[0]);
    assertFalse(lock.isLocked());
  }

  @Test
  void reentrant() {
    SpinningLock lock = new SpinningLock();
    lock.lock();
    lock.lock();
    assertEquals(2, lock.getHoldCount());
    lock.unlock();
    assertTrue(lock.isHeldByCurrentThread());
    lock.unlock();
    assertFalse(lock.isLocked());
  }

  @Test
  void aWaiterWhoseSpinRunsOutParksAndTakesTheLockOnRelease() throws Exception {
    SpinningLock lock = new SpinningLock();
    CountDownLatch acquired = new CountDownLatch(1);
    lock.lock();
    Thread waiter;
    try {
      waiter = new Thread(() -> {
        lock.lock();
        try {
          acquired.countDown();
        } finally {
          lock.unlock();
        }
      });
      waiter.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!lock.hasQueuedThread(waiter) && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertTrue(lock.hasQueuedThread(waiter), "the waiter queued once its spin ran out");
      assertEquals(1, acquired.getCount(), "the waiter took the lock while it was held");
    } finally {
      lock.unlock();
    }
    assertTrue(acquired.await(30, TimeUnit.SECONDS), "the parked waiter took the lock once it was released");
    waiter.join();
  }
}
