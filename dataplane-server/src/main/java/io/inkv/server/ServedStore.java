package io.inkv.server;

import io.inkv.store.Store;
import io.inkv.store.document.DocumentStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * One store the server serves: its name, what it holds (documents, or raw values for the cache
 * routes), and the open store.
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
  ServedStore(String name, Kind kind, Store store, DocumentStore documents) {
    this.name = name;
    this.kind = kind;
    this.store = store;
    this.documents = documents;
  }

  /** Writes a consistent snapshot of the store into {@code target}; see {@link Store#snapshot(Path)}. */
  List<Path> snapshot(Path target) {
    return documents != null ? documents.snapshot(target) : store.snapshot(target);
  }

  void close() {
    if (documents != null) {
      documents.close();
    } else {
      store.close();
    }
  }
}
