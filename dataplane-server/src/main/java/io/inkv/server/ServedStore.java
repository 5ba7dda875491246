package io.inkv.server;

import io.inkv.store.Store;
import io.inkv.store.document.DocumentStore;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One store the server serves: its name, what it holds (documents, or raw values for the cache
 * routes), the open store, and the gate that lets the image builder pause its writers.
 */
final class ServedStore {
  enum Kind {
    DOCUMENTS("documents"), BYTES("bytes");

    final String label;

    Kind(String label) {
      this.label = label;
    }

    static Kind of(String label) {
      for (Kind k : values()) {
        if (k.label.equals(label)) {
          return k;
        }
      }
      throw new IllegalArgumentException("store kind must be documents or bytes: '" + label + "'");
    }
  }

  final String name;
  final Kind kind;
  final Store store;
  /** Null for a {@link Kind#BYTES} store. */
  final DocumentStore documents;
  final LongAdder writesSinceImage = new LongAdder();
  /* Writers hold the read side (many at once); the image builder holds the write side for a moment. */
  private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();

  ServedStore(String name, Kind kind, Store store, DocumentStore documents) {
    this.name = name;
    this.kind = kind;
    this.store = store;
    this.documents = documents;
  }

  /** Held by every write for its duration. */
  Lock writeGate() {
    return gate.readLock();
  }

  /**
   * Takes {@link #writeGate()} if that needs no wait and no image builder is queued for the pause;
   * returns whether it did. A plain tryLock of a read lock barges past a queued writer, so writes
   * that only ever tried would keep an image from starting for as long as they kept coming.
   */
  boolean tryEnterWriteGate() {
    return !gate.hasQueuedThreads() && gate.readLock().tryLock();
  }

  /** Held by the image builder while it takes a snapshot: no write runs meanwhile. */
  Lock pauseGate() {
    return gate.writeLock();
  }

  void close() {
    if (documents != null) {
      documents.close();
    } else {
      store.close();
    }
  }
}
