package io.inkv.server;

import io.inkv.store.Durability;
import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import io.inkv.store.document.DocumentStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stores under the data directory, one sub-directory each, opened at start-up or on their
 * first write. A store's kind (documents, or raw values for the cache routes) is fixed when it is
 * created and recorded in a hidden file of its directory ({@value #KIND_FILE}), which the store
 * engine ignores.
 */
final class ServerStores implements AutoCloseable {
  static final String KIND_FILE = ".inkv-server-kind";
  private static final Logger LOG = LoggerFactory.getLogger(ServerStores.class);

  /** Thrown when a write would create a store past --max-stores. */
  static final class TooManyStoresException extends ServerException {
    private static final long serialVersionUID = 1L;

    TooManyStoresException(int max) {
      super("the server serves at most " + max + " stores (--max-stores)");
    }
  }

  /** Thrown when a route of one kind meets a store of the other. */
  static final class KindConflictException extends ServerException {
    private static final long serialVersionUID = 1L;

    KindConflictException(String name, ServedStore.Kind has, ServedStore.Kind wanted) {
      super("store '" + name + "' holds " + has.label + ", not " + wanted.label);
    }
  }

  /** Wraps each store as it opens, in replicated mode (KafkaWrites); null in local mode. */
  interface Replicator {
    Store replicate(String name, Store store);

    DocumentStore replicate(String name, DocumentStore store);
  }

  private final Path dataDir;
  private Replicator replicator;
  private final int maxStores;
  private final Durability durability;
  private final Map<String, ServedStore> stores = new ConcurrentHashMap<>();

  ServerStores(Path dataDir, int maxStores, Durability durability) {
    this.dataDir = dataDir.toAbsolutePath().normalize();
    this.maxStores = maxStores;
    this.durability = durability;
  }

  void replicator(Replicator replicator) {
    this.replicator = replicator;
  }

  Path dataDir() {
    return dataDir;
  }

  /** Creates the data directory if needed and opens every store in it. */
  void openExisting() {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new ServerException("--data-dir " + dataDir + ": cannot create: " + e.getMessage(), e);
    }
    List<Path> dirs = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dataDir)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (Files.isDirectory(p) && StoreNames.isValid(name) && Store.exists(p)) {
          dirs.add(p);
        }
      }
    } catch (IOException e) {
      throw new ServerException("--data-dir " + dataDir + ": cannot list: " + e.getMessage(), e);
    }
    dirs.sort(null);
    for (Path p : dirs) {
      String name = p.getFileName().toString();
      if (stores.size() >= maxStores) {
        throw new ServerException("--data-dir " + dataDir + " holds more than " + maxStores + " stores; raise --max-stores");
      }
      ServedStore.Kind kind = readKind(p);
      try {
        stores.put(name, open(name, kind));
      } catch (Store.AlreadyOpenException e) {
        throw new ServerException(e.getMessage() + "; stop the process that has it open (an inkv server, an admin "
            + "command or an application), or choose another --data-dir", e);
      }
    }
  }

  /*
   * The store as served: in replicated mode the replicator's wrapper of it, else the store itself.
   * A store the replicator refuses is closed here, so the failed open leaves no file mapped.
   */
  private <S> S replicated(S opened, Runnable close, Function<Replicator, S> replicate) {
    if (replicator == null) {
      return opened;
    }
    try {
      return replicate.apply(replicator);
    } catch (RuntimeException e) {
      close.run();
      throw e;
    }
  }

  private static ServedStore.Kind readKind(Path dir) {
    Path f = dir.resolve(KIND_FILE);
    try {
      if (Files.exists(f)) {
        return ServedStore.Kind.of(Files.readString(f, StandardCharsets.UTF_8).strip());
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new ServerException(f + ": " + e.getMessage(), e);
    }
    return DocumentStore.exists(dir) ? ServedStore.Kind.DOCUMENTS : ServedStore.Kind.BYTES;
  }

  private ServedStore open(String name, ServedStore.Kind kind) {
    Path dir = directoryOf(name);
    StoreOptions options = StoreOptions.builder(dir).durability(durability).build();
    ServedStore s;
    if (kind == ServedStore.Kind.DOCUMENTS) {
      DocumentStore opened = DocumentStore.open(options);
      DocumentStore docs = replicated(opened, opened::close, r -> r.replicate(name, opened));
      s = new ServedStore(name, kind, docs.store(), docs);
    } else {
      Store opened = Store.open(options);
      s = new ServedStore(name, kind, replicated(opened, opened::close, r -> r.replicate(name, opened)), null);
    }
    try {
      Path f = dir.resolve(KIND_FILE);
      if (!Files.exists(f)) {
        Files.writeString(f, kind.label + "\n", StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      s.close();
      throw new ServerException(dir + ": cannot record the store's kind: " + e.getMessage(), e);
    }
    LOG.info("store '{}' open: {} in {}, {} entries", name, kind.label, dir, s.store.size());
    return s;
  }

  /** The directory of a store; the name must have passed {@link StoreNames#isValid}. */
  Path directoryOf(String name) {
    if (!StoreNames.isValid(name)) {
      throw new IllegalArgumentException("not a store name: '" + name + "'");
    }
    Path dir = dataDir.resolve(name).normalize();
    if (!dir.getParent().equals(dataDir)) { // defence in depth: the name rule already ensures it
      throw new IllegalArgumentException("not a store name: '" + name + "'");
    }
    return dir;
  }

  /** The store named {@code name}, or null if there is none. */
  ServedStore find(String name) {
    return stores.get(name);
  }

  /**
   * The store named {@code name}, created with {@code kind} if there is none.
   *
   * @throws KindConflictException if it exists with the other kind
   * @throws TooManyStoresException if creating it would pass --max-stores
   */
  ServedStore getOrCreate(String name, ServedStore.Kind kind) {
    ServedStore s = stores.get(name);
    if (s == null) {
      synchronized (this) {
        s = stores.get(name);
        if (s == null) {
          if (stores.size() >= maxStores) {
            throw new TooManyStoresException(maxStores);
          }
          s = open(name, kind);
          stores.put(name, s);
        }
      }
    }
    if (s.kind != kind) {
      throw new KindConflictException(name, s.kind, kind);
    }
    return s;
  }

  Collection<ServedStore> all() {
    return stores.values();
  }

  /** Flushes and closes every store; idempotent. */
  @Override
  public void close() {
    close(true);
  }

  /** Flushes and closes every store, logging each unless {@code log} is false; idempotent. */
  synchronized void close(boolean log) {
    for (ServedStore s : stores.values()) {
      try {
        s.store.flush();
        s.close();
        if (log) {
          LOG.info("store '{}' flushed and closed", s.name);
        }
      } catch (RuntimeException e) {
        LOG.error("store '{}': close failed", s.name, e);
      }
    }
    stores.clear();
  }
}
