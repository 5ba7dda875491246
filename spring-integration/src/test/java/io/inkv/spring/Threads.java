package io.inkv.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.concurrent.TimeUnit;

/** Waits on thread states: how a test knows that threads are blocked where it expects them. */
final class Threads {
  private Threads() {}

  /** Waits until {@code count} of {@code threads} are parked (waiting on a lock or latch), or fails after 10 s. */
  static void awaitParked(Collection<Thread> threads, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      int parked = 0;
      synchronized (threads) {
        for (Thread t : threads) {
          Thread.State s = t.getState();
          if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING || s == Thread.State.BLOCKED) {
            parked++;
          }
        }
      }
      if (parked >= count) {
        return;
      }
      assertThat(System.nanoTime()).as("threads parked: %s of %s", parked, count).isLessThan(deadline);
      Thread.sleep(1);
    }
  }
}
