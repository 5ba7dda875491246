package io.inkv.store.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;

/*
 * A JVM-wide executor whose threads live only while something uses it.
 *
 * The store's maintenance tick and spare-segment writer and the JCache provider's event delivery
 * each run on one small pool shared by every store or cache manager of the JVM: a thread per store
 * would be hundreds of threads in an application with hundreds of caches. Shared threads must still
 * not outlive their users. A container that stops an application, exec:java returning from main
 * (it waits 15 s for every thread the program started, then gives up), and a test that looks for
 * leaks all expect the threads of a closed library to be gone, not parked until the JVM exits.
 *
 * So users hold a Lease. The first acquire creates the executor; the release that leaves no user
 * shuts it down and joins its threads before it returns, so once the last store (or cache manager)
 * has closed, no thread of this executor is alive. Work already queued still runs (shutdown, not
 * shutdownNow: an interrupt would close the file channels a task is using); a thread that has not
 * ended after JOIN_MILLIS is reported and left, rather than hanging the close. A release made on
 * one of the executor's own threads does not wait for that thread. The next acquire after a
 * shutdown creates a new executor. The threads are daemons either way: a store that is never
 * closed does not keep the JVM alive.
 */
/**
 * A JVM-wide executor shared by inkv's stores or cache managers, whose threads stop when the last
 * of them releases it. Not API: see the package documentation.
 *
 * @param <E> the kind of executor
 */
public final class SharedExecutor<E extends ExecutorService> {
  private static final System.Logger LOG = System.getLogger(SharedExecutor.class.getName());
  private static final long JOIN_MILLIS = TimeUnit.SECONDS.toMillis(10);

  private final IntFunction<String> threadNames;
  private final Function<ThreadFactory, E> create;
  private volatile Pool<E> pool; // written under this, read without it by executor()
  private int users; // guarded by this

  /** One executor and the threads it started that have not ended yet. */
  private record Pool<E>(E executor, Set<Thread> threads) {}

  /**
   * Creates a shared executor that starts none until the first {@link #acquire()}.
   *
   * @param threadNames the name of the executor's n-th thread (from 1)
   * @param create makes the executor from the thread factory it must use
   */
  public SharedExecutor(IntFunction<String> threadNames, Function<ThreadFactory, E> create) {
    this.threadNames = threadNames;
    this.create = create;
  }

  /** Registers a user; creates the executor if there is none. Close the lease when done. */
  public synchronized Lease<E> acquire() {
    if (pool == null) {
      Set<Thread> threads = ConcurrentHashMap.newKeySet();
      AtomicInteger count = new AtomicInteger();
      ThreadFactory factory = r -> {
        Thread[] self = new Thread[1];
        Thread t = new Thread(() -> {
          try {
            r.run();
          } finally {
            threads.remove(self[0]);
          }
        }, threadNames.apply(count.incrementAndGet()));
        self[0] = t;
        t.setDaemon(true);
        threads.add(t);
        return t;
      };
      pool = new Pool<>(create.apply(factory), threads);
    }
    users++;
    return new Lease<>(this, pool);
  }

  /**
   * Returns the executor the current users share.
   *
   * @throws IllegalStateException if no lease is held
   */
  public E executor() {
    Pool<E> p = pool;
    if (p == null) {
      throw new IllegalStateException("nothing holds the executor of " + threadNames.apply(1) + " (all its users closed)");
    }
    return p.executor;
  }

  /** Returns how many leases are held; for tests. */
  public synchronized int usersForTest() {
    return users;
  }

  private void release(Pool<E> leased) {
    synchronized (this) {
      if (--users > 0) {
        return;
      }
      pool = null;
    }
    leased.executor.shutdown();
    long deadline = System.currentTimeMillis() + JOIN_MILLIS;
    for (Thread t : leased.threads.toArray(new Thread[0])) {
      if (t == Thread.currentThread()) {
        continue;
      }
      try {
        t.join(Math.max(1, deadline - System.currentTimeMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (t.isAlive()) {
        LOG.log(System.Logger.Level.WARNING, "{0} is still running {1} ms after its last user closed; leaving it to finish",
            t.getName(), JOIN_MILLIS);
      }
    }
  }

  /**
   * One user's hold on a {@link SharedExecutor}.
   *
   * @param <E> the kind of executor
   */
  public static final class Lease<E extends ExecutorService> implements AutoCloseable {
    private final SharedExecutor<E> owner;
    private final Pool<E> pool;
    private final AtomicBoolean released = new AtomicBoolean();

    private Lease(SharedExecutor<E> owner, Pool<E> pool) {
      this.owner = owner;
      this.pool = pool;
    }

    /** Returns the executor; it runs tasks until the last lease on it is closed. */
    public E executor() {
      return pool.executor;
    }

    /**
     * Releases the executor; if this was its last user, stops it and waits (up to 10 s) for its
     * threads to end. Closing twice does nothing.
     */
    @Override
    public void close() {
      if (released.compareAndSet(false, true)) {
        owner.release(pool);
      }
    }
  }
}
