package io.inkv.store.internal;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link ReentrantLock} whose {@link #lock()} spins for a moment before it parks: for a lock
 * held for a few hundred nanoseconds at a time by threads that run on other cores. Not API: the
 * store's append lock, which every writer and the compactor take once per record.
 *
 * <p>Parking a thread that would have had the lock a microsecond later costs a futex wait, and
 * its release a futex wake, each a system call of several microseconds on a virtual machine. The
 * append lock is held only while a record is copied into the log, so a writer that finds it taken
 * by the compactor almost always finds it free again within that time. With two threads appending
 * at once (a writer and the compactor), over a quarter of the writer's CPU profile was the park
 * and the unpark of this lock before it spun (benchmarks/README.md, "The append lock").
 *
 * <p>The spin is bounded ({@link #SPINS} test-and-test-and-set rounds, each a spin-wait hint),
 * after which the thread queues and parks as a plain {@code ReentrantLock}'s does; on one
 * processor it does not spin at all, since the holder cannot run while the waiter does.
 */
public final class SpinningLock extends ReentrantLock {
  private static final long serialVersionUID = 1L;
  /**
   * Rounds of a spin before parking: 2.5-2.9 us on this project's test machines (a spin-wait hint
   * takes about 20 ns on their AMD EPYC processors).
   */
  static final int SPINS = Runtime.getRuntime().availableProcessors() > 1 ? 128 : 0;

  @Override
  public void lock() {
    if (tryLock()) {
      return;
    }
    for (int i = 0; i < SPINS; i++) {
      Thread.onSpinWait();
      if (!isLocked() && tryLock()) {
        return;
      }
    }
    super.lock();
  }
}
