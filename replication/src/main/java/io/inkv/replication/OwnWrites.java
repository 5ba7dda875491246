package io.inkv.replication;

import io.inkv.store.internal.ByteKey;
import io.inkv.store.internal.StripedLocks;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/*
 * This JVM's writes on their way through the topic, and the key locks that order them: the state a
 * writer (a front end) and the applier share, so neither reaches into the other.
 *
 * A writer takes its key's lock (one of 256 striped ReentrantLocks), applies its write locally and
 * records it here as pending before its event is handed to the producer. The applier, under the
 * same lock, asks what is pending for a key before it applies another writer's event, and reports
 * each own event it meets: see KafkaReplica for why a pending write wins over earlier remote events,
 * and why a whole-store event marks every pending write as disturbed.
 *
 * The writer id (random, never 0) tells this JVM's events from everyone else's in the topic; the
 * sequence numbers its events, so "the latest own write" is a comparison.
 *
 * Own clears on their way are remembered too. An own write disturbed by a whole-store event is
 * re-applied when the applier meets it, unless an own clear that followed it here is still on its
 * way: that clear wiped the write locally, so re-applying it would bring the key back until the
 * applier meets the clear (a read of a key this JVM had cleared). Only byte stores publish clears.
 */
final class OwnWrites {
  private static final int STRIPES = 256;

  private final long writerId;
  private final AtomicLong sequence = new AtomicLong();
  private final StripedLocks locks = new StripedLocks(STRIPES);
  private final ConcurrentHashMap<ByteKey, Pending> pending = new ConcurrentHashMap<>();
  private final ConcurrentSkipListSet<Long> clearsInFlight = new ConcurrentSkipListSet<>();

  /** What this JVM wrote to a key and has not yet met in the topic. */
  static final class Pending {
    /** The sequence of the latest own write. */
    private long sequence;
    /** The sequence of the latest own full write (PUT, REMOVE) not yet met, or 0. */
    private long fullSequence;
    /**
     * The fields set or deleted by own merges not yet met, with the sequence of the latest; null
     * until a merge sets one (a byte store never does, and its writes then allocate no map).
     */
    private Map<String, Long> fields;
    /** A whole-store event changed the key after the own writes were applied locally. */
    private boolean disturbed;

    /** Whether an own full write (PUT, REMOVE) not yet met decides the whole entry. */
    boolean decidesEntry() {
      return fullSequence != 0;
    }

    /** Returns the fields own merges not yet met set or deleted. */
    Set<String> fieldsSet() {
      return fields == null ? Set.of() : fields.keySet();
    }
  }

  OwnWrites() {
    long id;
    do {
      id = new SecureRandom().nextLong();
    } while (id == 0);
    this.writerId = id;
  }

  long writerId() {
    return writerId;
  }

  /** Whether {@code event} was written by this JVM. */
  boolean isOwn(Event event) {
    return event.writerId() == writerId;
  }

  long nextSequence() {
    return sequence.incrementAndGet();
  }

  ReentrantLock lockOf(byte[] key) {
    return locks.stripe(Arrays.hashCode(key) * 0x9E3779B9 >>> 24);
  }

  void lockAll() {
    locks.lockAll();
  }

  void unlockAll() {
    locks.unlockAll();
  }

  /** Returns the pending own writes of {@code key}, or null; call with the key's lock held. */
  Pending pendingOf(byte[] key) {
    return pending.isEmpty() ? null : pending.get(ByteKey.of(key));
  }

  boolean hasPending() {
    return !pending.isEmpty();
  }

  /**
   * Records an own key-level write about to be published, with the key's lock held: {@code full}
   * for a write that decides the whole entry, else the {@code fields} a document merge set.
   */
  void published(byte[] key, long seq, boolean full, Iterable<String> fields) {
    Pending p = pending.computeIfAbsent(ByteKey.of(key), k -> new Pending());
    p.sequence = seq;
    if (full) {
      p.fullSequence = seq;
      p.fields = null;
    } else if (fields != null) {
      for (String f : fields) {
        if (p.fields == null) {
          p.fields = new HashMap<>();
        }
        p.fields.put(f, seq);
      }
    }
  }

  /** Records an own clear about to be published, with every lock held (it was applied locally). */
  void publishedClear(long seq) {
    clearsInFlight.add(seq);
  }

  /** Records that the applier applied {@code event}, a whole-store event, with every lock held. */
  void wholeStoreMet(Event event) {
    if (event instanceof Event.Clear && isOwn(event)) {
      clearsInFlight.remove(event.sequence());
    }
  }

  /**
   * Records that the applier met the own event {@code seq} of {@code key}, with the key's lock held;
   * returns whether the event must be applied after all (a whole-store event changed the key since
   * it was written, and no own clear that came after it is still on its way).
   */
  boolean met(byte[] key, long seq) {
    ByteKey k = ByteKey.of(key);
    Pending p = pending.get(k);
    if (p == null) {
      return false;
    }
    boolean disturbed = p.disturbed;
    if (p.sequence <= seq) {
      pending.remove(k, p); // the latest own write of the key: nothing of it is pending any more
    } else {
      if (p.fields != null) {
        p.fields.values().removeIf(s -> s <= seq);
      }
      if (p.fullSequence <= seq) {
        p.fullSequence = 0;
      }
    }
    return disturbed && clearsInFlight.higher(seq) == null;
  }

  /** Called with every lock held after a whole-store event: own writes in flight must be re-applied. */
  void disturbAll() {
    for (Pending p : pending.values()) {
      p.disturbed = true;
    }
  }

  /** Forgets the pending write of {@code key} if {@code seq} was its latest: the key follows the topic again. */
  void failed(byte[] key, long seq) {
    ReentrantLock lock = lockOf(key);
    lock.lock();
    try {
      ByteKey k = ByteKey.of(key);
      Pending p = pending.get(k);
      if (p != null && p.sequence == seq) {
        pending.remove(k);
      }
    } finally {
      lock.unlock();
    }
  }
}
