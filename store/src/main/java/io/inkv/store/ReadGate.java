package io.inkv.store;

import java.util.concurrent.atomic.AtomicLongArray;

/*
 * Lets close() wait until no operation is touching the mappings it is about to unmap, without a
 * shared word that every read writes.
 *
 * Each operation increments, and on leaving decrements, one of 2^k in-flight counters chosen by
 * its thread id; each counter sits alone on a 128-byte span (two cache lines, against adjacent-line
 * prefetch), so threads on different counters never share a line. With at least four counters per
 * core, two running threads rarely share one. An operation increments first and then reads the
 * closed flag; close() sets the flag and then waits for every counter to reach zero. Both sides are
 * sequentially consistent (getAndAdd and a volatile flag), so either the operation sees the flag
 * and backs out, or close() sees the increment and waits for it: no operation reads a mapping
 * after close() unmaps it.
 */
final class ReadGate {
  private static final int PAD = 16; // longs per counter: 128 bytes

  private final AtomicLongArray counters;
  private final int mask;
  private volatile boolean closed;

  ReadGate() {
    int n = Integer.highestOneBit(Math.max(4, Runtime.getRuntime().availableProcessors() * 4) - 1) << 1;
    counters = new AtomicLongArray((n + 1) * PAD);
    mask = n - 1;
  }

  private int slot() {
    long id = Thread.currentThread().getId();
    int h = (int) (id ^ (id >>> 16)) * 0x9E3779B9;
    return ((h >>> 16) & mask) * PAD + PAD;
  }

  /** Enters; returns the slot to pass to {@link #exit}, or -1 if the gate is closed. */
  int enter() {
    int slot = slot();
    counters.getAndIncrement(slot);
    if (closed) {
      counters.getAndDecrement(slot);
      return -1;
    }
    return slot;
  }

  void exit(int slot) {
    counters.getAndDecrement(slot);
  }

  boolean isClosed() {
    return closed;
  }

  /** Refuses new entries and waits until every operation in flight has left. */
  void closeAndDrain() {
    closed = true;
    for (int i = 1; i <= mask + 1; i++) {
      int spins = 0;
      while (counters.get(i * PAD) != 0) {
        if (++spins < 1000) {
          Thread.onSpinWait();
        } else {
          Thread.yield();
        }
      }
    }
  }
}
