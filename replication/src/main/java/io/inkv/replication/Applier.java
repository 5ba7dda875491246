package io.inkv.replication;

import io.inkv.store.Store;
import io.inkv.store.StoreException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/*
 * The applier: one thread and one consumer per replica, assigned its partitions (no consumer
 * group), applying events in log order.
 *
 * Key-level events are applied under the key's replication lock (see KafkaReplica for how this
 * JVM's own pending writes win over earlier remote events). Applying one twice is harmless: PUT
 * and REMOVE set the entry, a document merge sets the same fields again.
 *
 * Whole-store events (CLEAR, DROP_FIELDS) have one copy in every partition and must take effect
 * at the same point of every partition's order: a clear must remove what was written before it
 * in each partition and nothing written after. So each is a barrier. When a partition reaches a
 * whole-store event it stops (the consumer pauses it and the records already fetched after the
 * event are held); when every owned partition has stopped, the events they stopped at are applied,
 * in (time, writer, sequence) order if writers raced and the partitions stopped at different ones,
 * and recorded as applied so that their remaining copies are passed over; then the partitions go
 * on. The decision depends only on the log, so every full replica makes the same one. The ids of
 * recently applied whole-store events are saved with the checkpoint. A barrier that waits more than
 * 30 s while every other owned partition is at its end (a copy lost by a failed publication) is
 * released with a warning.
 *
 * Offsets: next[p] is the offset of the first record of p not yet applied. Every checkpoint
 * interval the applier takes a copy of next[] and hands it to its checkpoint thread, which flushes
 * the store and then writes the copy to replication.meta, so a restarted replica resumes where its
 * durable data ends: every event before the copied offsets was applied before the flush began.
 * The flush (an msync of the newest segment and an index image) takes from milliseconds to a few
 * hundred on a busy disk; done on the applying thread it stalled every event behind it, which was
 * the 99th percentile of replication lag at 10K writes/s. At most one checkpoint is in flight; on
 * close the applier waits for it and writes a last one itself. A partition stopped at a barrier
 * checkpoints the barrier's own offset, so a restart meets it again.
 *
 * A record that is not a well-formed event, or that the store refuses, is logged with its
 * partition and offset, counted, copied to the dead-letter topic if one is configured, and passed
 * over: replication goes on.
 *
 * What it shares with the writers is OwnWrites (under the key locks) and the ReplicationCounters;
 * the Target is what it applies to; it asks its KafkaReplica, through methods, only for the remote
 * change listener, the checkpoint interval and to copy a record to the dead-letter topic.
 */
final class Applier {
  private static final System.Logger LOG = System.getLogger(Applier.class.getName());
  private static final int APPLIED_IDS_KEPT = 256;
  private static final long BARRIER_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final long BAD_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final KafkaReplica replica;
  private final OwnWrites ownWrites;
  private final ReplicationCounters counters;
  private final String storeName;
  private final String topic;
  private final int partitionCount;
  private final Target target;
  private final Map<String, Object> consumerProps;
  private final Checkpoint checkpoint;
  private final int[] owned;
  private final long[] next;
  private final long[] startEnd;
  private final AtomicLongArray lag;
  private final Thread thread;
  private final Object progress = new Object();
  private final ConcurrentLinkedQueue<CatchUp> catchUps = new ConcurrentLinkedQueue<>();
  private final List<CatchUp> waiting = new ArrayList<>();
  private final LinkedHashSet<String> appliedWholeStore = new LinkedHashSet<>();
  private final Map<Integer, Held> held = new HashMap<>();
  private volatile boolean running = true;
  private volatile boolean ready;
  private volatile Throwable failure;
  private KafkaConsumer<byte[], byte[]> consumer;
  private boolean dirty = true; // the first checkpoint records the topic even if nothing was applied
  private final ExecutorService checkpointer;
  private volatile Thread checkpointerThread; // its one thread, once started: stop() waits for it to end
  private Future<?> checkpointInFlight;
  private volatile boolean checkpointFailed;
  private long holdSince;
  private long badLoggedAt;
  private long badSuppressed;
  private String lastBad;

  private record Held(Event event, long offset, Deque<ConsumerRecord<byte[], byte[]>> after) {}

  private static final class CatchUp {
    final CountDownLatch done = new CountDownLatch(1);
    Map<Integer, Long> target;
  }

  Applier(KafkaReplica replica, OwnWrites ownWrites, ReplicationCounters counters, Target target,
      Map<String, Object> consumerProps, Checkpoint checkpoint) {
    this.replica = replica;
    this.ownWrites = ownWrites;
    this.counters = counters;
    this.target = target;
    this.consumerProps = consumerProps;
    this.storeName = replica.storeName();
    this.topic = replica.topic();
    this.partitionCount = replica.partitionCount();
    this.checkpoint = checkpoint;
    this.owned = replica.ownedPartitions().stream().mapToInt(Integer::intValue).toArray();
    this.next = new long[partitionCount];
    this.startEnd = new long[partitionCount];
    this.lag = new AtomicLongArray(partitionCount);
    if (checkpoint != null) {
      appliedWholeStore.addAll(checkpoint.appliedWholeStore());
    }
    this.thread = new Thread(this::run, "inkv-applier-" + storeName);
    this.thread.setDaemon(true);
    String checkpointThread = "inkv-checkpoint-" + storeName;
    this.checkpointer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, checkpointThread);
      t.setDaemon(true);
      checkpointerThread = t;
      return t;
    });
  }

  void start() {
    consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    try {
      List<TopicPartition> tps = new ArrayList<>();
      for (int p : owned) {
        tps.add(new TopicPartition(topic, p));
      }
      consumer.assign(tps);
      long resumed = 0;
      List<TopicPartition> fromStart = new ArrayList<>();
      Map<TopicPartition, Long> begin = consumer.beginningOffsets(tps);
      for (TopicPartition tp : tps) {
        Long off = checkpoint == null ? null : checkpoint.offsets().get(tp.partition());
        long earliest = begin.get(tp);
        if (off != null && off > earliest) {
          consumer.seek(tp, off);
          next[tp.partition()] = off;
          resumed += off;
        } else {
          fromStart.add(tp);
          next[tp.partition()] = earliest;
        }
      }
      if (!fromStart.isEmpty()) {
        consumer.seekToBeginning(fromStart);
      }
      counters.resumedFrom(resumed);
      Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
      boolean caughtUp = true;
      for (TopicPartition tp : tps) {
        startEnd[tp.partition()] = ends.get(tp);
        lag.set(tp.partition(), Math.max(0, ends.get(tp) - next[tp.partition()]));
        caughtUp &= next[tp.partition()] >= ends.get(tp);
      }
      ready = caughtUp;
      long r = resumed;
      LOG.log(Level.DEBUG, () -> "replica of " + storeName + " starts at offsets summing to " + r
          + (checkpoint == null ? " (no checkpoint)" : " (from its checkpoint)"));
    } catch (RuntimeException e) {
      consumer.close();
      throw new ReplicationException("cannot start applying topic " + topic + ": " + e, e);
    }
    thread.start();
  }

  private void run() {
    long interval = replica.checkpointInterval().toNanos();
    long nextCheckpoint = System.nanoTime() + interval;
    try {
      while (running) {
        ConsumerRecords<byte[], byte[]> records;
        try {
          records = consumer.poll(Duration.ofMillis(100));
        } catch (WakeupException e) {
          break;
        }
        for (TopicPartition tp : records.partitions()) {
          process(tp.partition(), records.records(tp));
        }
        afterPoll();
        if (checkpointFailed) {
          checkpointFailed = false;
          dirty = true;
        }
        if (System.nanoTime() >= nextCheckpoint && (checkpointInFlight == null || checkpointInFlight.isDone())) {
          Checkpoint cp = takeCheckpoint();
          if (cp != null) {
            checkpointInFlight = checkpointer.submit(() -> {
              try {
                if (!writeCheckpoint(cp)) {
                  checkpointFailed = true;
                }
              } catch (RuntimeException e) {
                checkpointFailed = true; // so the next interval tries again
                LOG.log(Level.WARNING, "replica of " + storeName + ": cannot write its checkpoint", e);
              }
            });
          }
          nextCheckpoint = System.nanoTime() + interval;
        }
      }
      reportBadRecords(true);
      awaitCheckpointInFlight();
      Checkpoint last = takeCheckpoint();
      if (last != null) {
        writeCheckpoint(last);
      }
    } catch (Throwable t) {
      if (running && !(t instanceof Store.ClosedException)) {
        failure = t;
        LOG.log(Level.ERROR, "the applier of " + storeName + " stopped", t);
      }
    } finally {
      checkpointer.shutdown(); // not shutdownNow: an interrupt would close the file channels the flush is using
      Thread checkpointing = checkpointerThread;
      if (checkpointing != null) {
        try {
          checkpointing.join(TimeUnit.SECONDS.toMillis(10)); // so that no thread of a stopped replica is left
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      try {
        consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
      } catch (RuntimeException e) {
        LOG.log(Level.DEBUG, "closing the consumer failed", e);
      }
      synchronized (progress) {
        progress.notifyAll();
      }
    }
  }

  private void process(int partition, List<ConsumerRecord<byte[], byte[]>> records) {
    for (int i = 0; i < records.size(); i++) {
      Held h = held.get(partition);
      if (h != null) {
        h.after.addAll(records.subList(i, records.size()));
        return;
      }
      handle(records.get(i));
    }
  }

  private void handle(ConsumerRecord<byte[], byte[]> r) {
    int p = r.partition();
    if (r.key() != null && EventFormat.isDescriptorKey(r.key())) {
      advance(p, r.offset() + 1); // what the topic replicates; checked when the replica opened (TopicDescriptor)
      return;
    }
    Event e;
    try {
      e = EventFormat.decode(r.value());
      if (r.key() == null) {
        throw new EventFormat.MalformedEventException("the record has no key");
      }
      boolean wholeStore = e instanceof Event.Clear || e instanceof Event.DropFields;
      if (wholeStore != EventFormat.isControlKey(r.key())) {
        throw new EventFormat.MalformedEventException(wholeStore ? "a whole-store event under a store key"
            : "a key-level event under the reserved control key");
      }
      int copyPartition = e instanceof Event.Clear c ? c.partition() : e instanceof Event.DropFields d ? d.partition() : p;
      int copyCount = e instanceof Event.Clear c ? c.partitionCount()
          : e instanceof Event.DropFields d ? d.partitionCount() : partitionCount;
      if (copyPartition != p || copyCount != partitionCount) {
        throw new EventFormat.MalformedEventException("a whole-store event for partition " + copyPartition + " of "
            + copyCount + " found in partition " + p + " of " + partitionCount);
      }
    } catch (EventFormat.MalformedEventException ex) {
      counters.malformedRecord();
      reject(r, ex.getMessage().startsWith("not an inkv event") ? ex.getMessage() : "malformed event: " + ex.getMessage());
      advance(p, r.offset() + 1);
      return;
    }
    if (e instanceof Event.Clear || e instanceof Event.DropFields) {
      String id = idOf(e);
      if (appliedWholeStore.contains(id)) {
        advance(p, r.offset() + 1);
        return;
      }
      held.put(p, new Held(e, r.offset(), new ArrayDeque<>()));
      if (held.size() == 1) {
        holdSince = System.nanoTime();
      }
      consumer.pause(List.of(new TopicPartition(topic, p)));
      if (held.size() == owned.length) {
        release();
      }
      return;
    }
    applyKeyEvent(r, e);
    advance(p, r.offset() + 1);
  }

  private void applyKeyEvent(ConsumerRecord<byte[], byte[]> r, Event e) {
    byte[] key = r.key();
    Target.Change change = null;
    ReentrantLock lock = ownWrites.lockOf(key);
    lock.lock();
    try {
      if (!ownWrites.isOwn(e) || ownWrites.met(key, e.sequence())) {
        OwnWrites.Pending own = ownWrites.pendingOf(key);
        if (own == null || !own.decidesEntry()) { // else a full own write later in the log decides the entry
          change = target.apply(key, e, own);
        }
      }
      counters.eventApplied();
    } catch (Store.ClosedException ex) {
      throw ex;
    } catch (RuntimeException ex) {
      counters.eventRefused();
      reject(r, "the store refused the event: " + ex);
      return;
    } finally {
      lock.unlock();
    }
    RemoteChangeListener l = replica.listener();
    if (change != null && l != null) {
      try {
        l.onChange(change.key(), change.oldValue(), change.newValue());
      } catch (RuntimeException ex) {
        LOG.log(Level.WARNING, "a remote change listener of " + storeName + " failed", ex);
      }
    }
  }

  private void release() {
    Map<String, Event> distinct = new LinkedHashMap<>();
    for (Held h : held.values()) {
      distinct.putIfAbsent(idOf(h.event), h.event);
    }
    List<Event> events = new ArrayList<>(distinct.values());
    events.sort(Comparator.comparingLong(Event::time).thenComparingLong(Event::writerId).thenComparingLong(Event::sequence));
    for (Event e : events) {
      ownWrites.lockAll();
      try {
        ownWrites.wholeStoreMet(e);
        target.applyWholeStore(e, ownWrites);
        ownWrites.disturbAll();
        counters.eventApplied();
      } catch (Store.ClosedException ex) {
        throw ex;
      } catch (RuntimeException ex) {
        counters.eventRefused();
        LOG.log(Level.WARNING, "replica of " + storeName + ": the store refused whole-store event "
            + e + "; skipped", ex);
      } finally {
        ownWrites.unlockAll();
      }
      appliedWholeStore.add(idOf(e));
      while (appliedWholeStore.size() > APPLIED_IDS_KEPT) {
        Iterator<String> it = appliedWholeStore.iterator();
        it.next();
        it.remove();
      }
    }
    Map<Integer, Held> released = new TreeMap<>(held);
    held.clear();
    List<TopicPartition> resume = new ArrayList<>();
    for (Map.Entry<Integer, Held> h : released.entrySet()) {
      advance(h.getKey(), h.getValue().offset + 1);
      resume.add(new TopicPartition(topic, h.getKey()));
    }
    consumer.resume(resume);
    for (Map.Entry<Integer, Held> h : released.entrySet()) {
      process(h.getKey(), new ArrayList<>(h.getValue().after));
    }
  }

  private static String idOf(Event e) {
    return Long.toHexString(e.writerId()) + ":" + e.sequence();
  }

  /*
   * Bad records are logged at most once every BAD_LOG_INTERVAL: the first in full at once, then a
   * summary of those skipped meanwhile with the last one in full (a topic shared with a foreign
   * writer would otherwise log one line per record, forever). The counters count every one.
   */
  private void reject(ConsumerRecord<byte[], byte[]> r, String problem) {
    String where = r.topic() + "/" + r.partition() + " offset " + r.offset();
    long now = System.nanoTime();
    if (badLoggedAt == 0 || now - badLoggedAt >= BAD_LOG_INTERVAL_NANOS) {
      long more = badSuppressed;
      LOG.log(Level.WARNING, () -> "replica of " + storeName + ": skipping the record at " + where + ": " + problem
          + (more > 0 ? " (and " + more + " other bad records since the last report)" : "") + totals());
      badLoggedAt = now;
      badSuppressed = 0;
    } else {
      badSuppressed++;
      lastBad = where + ": " + problem;
    }
    replica.sendDeadLetter(r.topic(), r.partition(), r.offset(), r.key(), r.value(), problem);
  }

  private String totals() {
    ReplicationStats s = counters.snapshot();
    return "; so far " + s.malformed() + " malformed and " + s.failed() + " refused records skipped";
  }

  /** Logs the summary of bad records not yet reported, if any, once the interval has passed (or {@code now}). */
  private void reportBadRecords(boolean force) {
    if (badSuppressed > 0 && (force || System.nanoTime() - badLoggedAt >= BAD_LOG_INTERVAL_NANOS)) {
      long n = badSuppressed;
      String last = lastBad;
      LOG.log(Level.WARNING, () -> "replica of " + storeName + ": skipped " + n + " more bad records; the last at " + last
          + totals());
      badSuppressed = 0;
      badLoggedAt = System.nanoTime();
    }
  }

  private void advance(int partition, long offset) {
    next[partition] = offset;
    dirty = true;
  }

  private void afterPoll() {
    reportBadRecords(false);
    boolean caughtUp = true;
    for (int p : owned) {
      TopicPartition tp = new TopicPartition(topic, p);
      OptionalLong l = consumer.currentLag(tp);
      if (l.isPresent()) {
        long end = consumer.position(tp) + l.getAsLong();
        lag.set(p, Math.max(0, end - next[p]));
      }
      caughtUp &= next[p] >= startEnd[p];
    }
    if (!ready && caughtUp) {
      ready = true;
      LOG.log(Level.INFO, () -> "replica of " + storeName + " caught up (" + counters.applied()
          + " events applied)");
    }
    if (!held.isEmpty() && System.nanoTime() - holdSince > BARRIER_TIMEOUT_NANOS) {
      boolean othersAtEnd = true;
      for (int p : owned) {
        othersAtEnd &= held.containsKey(p) || lag.get(p) == 0;
      }
      if (othersAtEnd) {
        LOG.log(Level.WARNING, () -> "replica of " + storeName + ": a whole-store event reached only partitions "
            + held.keySet() + " in 30 s; applying it now");
        release();
      }
    }
    CatchUp c;
    List<TopicPartition> tps = null;
    Map<TopicPartition, Long> ends = null;
    while ((c = catchUps.poll()) != null) {
      if (ends == null) {
        tps = new ArrayList<>();
        for (int p : owned) {
          tps.add(new TopicPartition(topic, p));
        }
        ends = consumer.endOffsets(tps);
      }
      Map<Integer, Long> t = new HashMap<>();
      for (TopicPartition tp : tps) {
        t.put(tp.partition(), ends.get(tp));
      }
      c.target = t;
      waiting.add(c);
    }
    for (Iterator<CatchUp> it = waiting.iterator(); it.hasNext(); ) {
      CatchUp w = it.next();
      boolean done = true;
      for (Map.Entry<Integer, Long> t : w.target.entrySet()) {
        done &= next[t.getKey()] >= t.getValue();
      }
      if (done) {
        w.done.countDown();
        it.remove();
      }
    }
    synchronized (progress) {
      progress.notifyAll();
    }
  }

  /** Copies the offsets to checkpoint, or returns null when nothing changed since the last copy. */
  private Checkpoint takeCheckpoint() {
    if (!dirty) {
      return null;
    }
    Map<Integer, Long> offsets = new TreeMap<>();
    for (int p : owned) {
      Held h = held.get(p);
      offsets.put(p, h != null ? h.offset : next[p]);
    }
    dirty = false;
    return new Checkpoint(topic, partitionCount, offsets, new ArrayList<>(appliedWholeStore));
  }

  /** Flushes the store, then records the checkpoint; false if it could not (logged). */
  private boolean writeCheckpoint(Checkpoint cp) {
    try {
      target.flush();
      cp.write(target.directory());
      counters.checkpointWritten();
      return true;
    } catch (IOException | StoreException e) {
      if (!(e instanceof Store.ClosedException)) {
        LOG.log(Level.WARNING, "replica of " + storeName + ": cannot write its checkpoint", e);
      }
      return false;
    }
  }

  private void awaitCheckpointInFlight() {
    Future<?> f = checkpointInFlight;
    if (f == null) {
      return;
    }
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      LOG.log(Level.WARNING, "replica of " + storeName + ": the checkpoint thread failed", e.getCause());
    }
    if (checkpointFailed) {
      checkpointFailed = false;
      dirty = true;
    }
  }

  boolean isReady() {
    return ready;
  }

  Map<Integer, Long> lag() {
    Map<Integer, Long> m = new TreeMap<>();
    for (int p : owned) {
      m.put(p, lag.get(p));
    }
    return m;
  }

  void checkAlive() {
    Throwable t = failure;
    if (t != null) {
      throw new ReplicationException("the applier of " + storeName + " stopped: " + t, t);
    }
    if (!thread.isAlive() && running) {
      throw new ReplicationException("the applier of " + storeName + " is not running");
    }
  }

  void awaitProgress(long millis) throws InterruptedException {
    synchronized (progress) {
      progress.wait(millis);
    }
  }

  boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    CatchUp c = new CatchUp();
    catchUps.add(c);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!c.done.await(50, TimeUnit.MILLISECONDS)) {
      checkAlive();
      if (System.nanoTime() >= deadline) {
        return false;
      }
    }
    return true;
  }

  /** Stops the thread; it writes a final checkpoint (the store must still be open). */
  void stop() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  Set<Integer> heldPartitions() {
    return held.keySet();
  }
}
