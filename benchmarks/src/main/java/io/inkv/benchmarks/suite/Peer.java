package io.inkv.benchmarks.suite;

/*
 * One system under test (inkv through JCache, inkv's Store, a peer cache, Redis...) holding
 * `entries` values of one ValueKind under the long keys 0 .. entries-1. The JMH benchmark, the
 * open-loop latency harness and the memory benchmark all drive systems through this interface, so
 * the three measure the same code paths.
 *
 * A Peer is shared by every thread; each thread takes its own Client (a Client may hold reusable
 * key buffers and views, so it is not thread-safe). Keys reach a client as primitive longs; each
 * client turns them into what its system takes (a Long, 8 little-endian bytes, a Redis key), and
 * that conversion is part of what is measured, as it is for an application holding a number.
 */
interface Peer extends AutoCloseable {

  /** Returns a new client for the calling thread. */
  Client client();

  /** Bytes the system holds outside the Java heap (off-heap memory or mapped files), or -1 if it cannot tell. */
  default long offHeapBytes() {
    return -1;
  }

  /** Releases everything the system holds (files, memory, Redis keys). */
  @Override
  void close();

  /** One thread's handle on a peer. */
  interface Client {
    /** Returns the value of {@code key}, or null if absent (for zero-copy clients, a view of it). */
    Object get(long key);

    /** Stores {@code prepared} (from {@link #prepare}) under {@code key}. */
    void put(long key, Object prepared);

    /**
     * Turns a value into the form {@link #put} takes, outside the measured loop: the value itself
     * for object caches, its encoded bytes for inkv's Store, which stores bytes.
     */
    default Object prepare(Object value) {
      return value;
    }
  }
}
