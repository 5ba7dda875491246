package io.inkv.store;

import io.inkv.store.internal.SharedExecutor;
import java.lang.ref.WeakReference;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Background work, on one thread shared by every store of the JVM, every maintenanceInterval:
 * the INTERVAL durability's sync, the expiry sweep, compaction, one scrub step, an index image
 * when compaction retired segments or checkpointBytes were written since the last one, and the
 * spare segment. All of it holds the maintenance lock, which compact(), flush(), snapshot() and
 * close() take too, so no two of them write an image or retire a segment at once.
 *
 * The scheduled task holds the store weakly, so a store that was never closed can still be
 * collected (its task then cancels itself). It is scheduled once recovery has finished.
 *
 * The thread lives while a store uses it: each store with background maintenance holds a lease on
 * the shared executor from start() until its close has finished, and the last one to let go stops
 * the thread and waits for it to end (SharedExecutor), so closing every store leaves no inkv thread
 * behind. A store collected without close lets go when its task finds it gone.
 */
final class Maintenance {
  private static final System.Logger LOG = System.getLogger(Maintenance.class.getName());
  private static final SharedExecutor<ScheduledThreadPoolExecutor> EXECUTOR = new SharedExecutor<>(
      n -> "inkv-maintenance", Maintenance::executor);

  private final LogStore store;
  final ReentrantLock lock = new ReentrantLock();
  // Scheduled by start(), once recovery finished and the store is fully built: a task scheduled
  // from the constructor could run before LogStore had published this object to it.
  private volatile ScheduledFuture<?> task;
  private SharedExecutor.Lease<ScheduledThreadPoolExecutor> lease; // guarded by this
  private boolean released; // guarded by this
  private volatile boolean cancelled;
  // Snapshots waiting for or holding the lock; writers helping compaction do not wait behind one.
  private final AtomicInteger snapshots = new AtomicInteger();
  private volatile boolean recovered;
  private long lastSyncMillis; // guarded by lock

  Maintenance(LogStore store) {
    this.store = store;
  }

  private static ScheduledThreadPoolExecutor executor(ThreadFactory threads) {
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, threads);
    executor.setRemoveOnCancelPolicy(true);
    return executor;
  }

  private static final class Tick implements Runnable {
    private final WeakReference<LogStore> store;
    private final SharedExecutor.Lease<?> lease;

    Tick(LogStore store, SharedExecutor.Lease<?> lease) {
      this.store = new WeakReference<>(store);
      this.lease = lease;
    }

    @Override
    public void run() {
      LogStore s = store.get();
      if (s == null) {
        lease.close();
        throw new IllegalStateException("store collected without close; cancelling its maintenance");
      }
      s.maintenance.run();
    }
  }

  /** Returns how many stores hold the shared maintenance thread; for tests. */
  static int storesUsingTheThreadForTest() {
    return EXECUTOR.usersForTest();
  }

  /** Lets the scheduled work start; called once recovery has finished. */
  void start() {
    lastSyncMillis = store.options.clock().getAsLong();
    recovered = true;
    StoreOptions options = store.options;
    if (options.backgroundMaintenance() && !options.readOnly()) {
      long interval = options.maintenanceInterval().toMillis();
      synchronized (this) {
        if (released) {
          return; // closed while this was starting
        }
        lease = EXECUTOR.acquire();
        task = lease.executor().scheduleWithFixedDelay(new Tick(store, lease), interval, interval, TimeUnit.MILLISECONDS);
      }
      if (cancelled) {
        task.cancel(false); // closed while this was scheduling
      }
    }
  }

  /** Stops the scheduled work; a tick in progress finishes. */
  void cancel() {
    cancelled = true;
    ScheduledFuture<?> t = task;
    if (t != null) {
      t.cancel(false);
    }
  }

  /**
   * Lets go of the shared thread, once the store's close has finished with the maintenance lock; the
   * last store to let go stops the thread and waits for it to end.
   */
  void release() {
    cancel();
    SharedExecutor.Lease<?> l;
    synchronized (this) {
      released = true;
      l = lease;
    }
    if (l != null) {
      l.close();
    }
  }

  /** Runs {@code work} holding the lock. */
  <T> T locked(java.util.function.Supplier<T> work) {
    lock.lock();
    try {
      return work.get();
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code work} holding the lock, letting writers that would help compaction go on meanwhile. */
  <T> T whileSnapshotting(java.util.function.Supplier<T> work) {
    snapshots.incrementAndGet();
    try {
      return locked(work);
    } finally {
      snapshots.decrementAndGet();
    }
  }

  /** Whether a snapshot waits for or holds the lock. */
  boolean snapshotting() {
    return snapshots.get() > 0;
  }

  private void run() {
    if (!recovered || store.isClosed() || !lock.tryLock()) {
      return;
    }
    try {
      int slot = store.gate.enter();
      if (slot < 0) {
        return;
      }
      try {
        tick();
      } finally {
        store.gate.exit(slot);
      }
    } catch (RuntimeException | Error e) {
      LOG.log(System.Logger.Level.WARNING, "maintenance of " + store.directory() + " failed; will retry", e);
    } finally {
      lock.unlock();
    }
  }

  private void tick() {
    StoreOptions options = store.options;
    StoreFiles files = store.files;
    long now = options.clock().getAsLong();
    if (options.durability() == Durability.INTERVAL && !options.temporary()
        && now - lastSyncMillis >= options.syncInterval().toMillis()) {
      files.syncActive();
      lastSyncMillis = now;
    }
    store.expiry.sweep(now);
    store.compaction.run();
    scrubOne();
    if (files.hasRetired() || files.bytesSinceImage() >= options.checkpointBytes()) {
      store.writeImage();
    }
    files.prepareSpare();
  }

  /**
   * Checks every record of one segment not yet known to be whole (Verification.ONCE: a segment
   * found on disk at open) and trusts it from then on if all pass, so reads of it skip the check.
   * One segment per tick, so the lock is not held for the whole log at once. Holds the lock
   * (compaction, the only other writer of Segment.checked, runs under it too).
   */
  private void scrubOne() {
    if (store.options.verification() != Verification.ONCE) {
      return;
    }
    for (Segment s : store.files.segments.all()) {
      if (s.checked || s.scrubFailed) {
        continue;
      }
      int at = s.firstDamage();
      if (at < 0) {
        s.checked = true;
      } else {
        s.scrubFailed = true;
        LOG.log(System.Logger.Level.WARNING, "{0}: record at offset {1} fails its check ({2}); reads of the segment "
            + "keep checking every record and report it", s.path(), at, RecordFormat.check(s.region, at, s.writePosition));
      }
      return;
    }
  }

  /** Returns how many segments reads still check record by record (Verification.ONCE; tests). */
  int uncheckedSegmentsForTest() {
    int n = 0;
    for (Segment s : store.files.segments.all()) {
      n += s.checked ? 0 : 1;
    }
    return n;
  }
}
