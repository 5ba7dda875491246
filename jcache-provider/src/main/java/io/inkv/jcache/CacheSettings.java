package io.inkv.jcache;

import io.inkv.store.internal.DurableFiles;
import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.store.RemovalListener;
import io.inkv.store.Store;
import io.inkv.store.StoreException;
import io.inkv.store.StoreOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import javax.cache.CacheException;
import javax.cache.expiry.ExpiryPolicy;

/*
 * Where a cache's store lives and the options it is opened with, decided and checked once when
 * the cache is created (so a wrong setting fails there, with its name).
 *
 * Temporary caches (the default) live in <manager temporary directory>/<cache name>-<n>; the
 * counter keeps a re-created cache of the same name out of a directory a closing store may still
 * hold. Their segments default to 8 MiB: the store starts with a 256 KiB segment and grows, so
 * creating a cache costs one small file whatever the maximum, and 8 MiB bounds the largest value
 * (about 8 MiB) generously. Persistent caches default to the store's 64 MiB segments.
 *
 * Read-only caches open an existing persistent cache's directory with the store's read-only mode,
 * which creates, changes and deletes nothing (not even on destroyCache, see delete()). The
 * settings that would make the cache write are refused here, at creation, so that no write can
 * start and fail half-way: a loader (read-through and loadAll store what they load), write-through
 * (remove calls the CacheWriter before the store), replication (a replica applies the others'
 * writes) and an expiry policy with an access duration (a hit rewrites the entry's expiry time).
 * What remains can only write when the application asks for a write, and the store refuses that
 * before the operation's body runs (Store.ReadOnlyException, which Operation translates).
 */
final class CacheSettings {
  static final int TEMPORARY_SEGMENT_SIZE = 8 << 20;

  private final Path directory;
  private final String cacheName;
  private final boolean persistent;
  private final boolean readOnly;
  private final StoreOptions.Builder options;

  private CacheSettings(String cacheName, Path directory, boolean persistent, boolean readOnly,
      StoreOptions.Builder options) {
    this.cacheName = cacheName;
    this.directory = directory;
    this.persistent = persistent;
    this.readOnly = readOnly;
    this.options = options;
  }

  static CacheSettings resolve(StoreCacheManager manager, String cacheName, InkvConfiguration<?, ?> c) {
    if (c.isReadOnly()) {
      checkReadOnly(cacheName, c);
    }
    Path directory;
    if (c.isPersistent()) {
      directory = c.getDirectory();
      if (directory == null) {
        Path base = manager.persistentBaseDirectory();
        if (base == null) {
          throw new IllegalArgumentException("cache " + cacheName + " is persistent but has no directory: set"
              + " InkvConfiguration.setDirectory, or inkv.directory in the cache manager's configuration");
        }
        directory = base.resolve(fileName(cacheName));
      }
    } else {
      if (c.getDirectory() != null) {
        throw new IllegalArgumentException("cache " + cacheName + " sets directory " + c.getDirectory()
            + " but is not persistent; temporary caches live in the cache manager's temporary directory");
      }
      directory = manager.temporaryDirectory().resolve(fileName(cacheName) + "-" + manager.nextCacheNumber());
    }
    boolean heapOnly = !c.isStoreByValue() && !c.isPersistent() && c.getReplication() == null;
    if (heapOnly && c.getMaxBytes() != 0) {
      throw new IllegalArgumentException("cache " + cacheName + " stores by reference on the heap, which counts entries,"
          + " not bytes: bound it with setMaxEntries (inkv.cache." + cacheName + ".maxEntries); maxBytes bounds the"
          + " encoded entries of a by-value, persistent or replicated cache");
    }
    if (c.getHeapEntries() < 0) {
      throw new IllegalArgumentException("cache " + cacheName + ": heapEntries must be positive, or 0 for the default: "
          + c.getHeapEntries());
    }
    if (c.getHeapEntries() != 0 && (c.isStoreByValue() || heapOnly)) {
      throw new IllegalArgumentException("cache " + cacheName + " sets heapEntries, which only a by-reference cache"
          + " that is persistent or replicated has (the instances it keeps beside its store); "
          + (heapOnly ? "this one keeps every entry on the heap, bounded by setMaxEntries" : "this one stores by value"));
    }
    StoreOptions.Builder b = StoreOptions.builder(directory)
        .segmentSize(c.getSegmentSize() != 0 ? c.getSegmentSize()
            : c.isPersistent() ? StoreOptions.DEFAULT_SEGMENT_SIZE : TEMPORARY_SEGMENT_SIZE)
        .maxEntries(c.getMaxEntries())
        .maxBytes(c.getMaxBytes())
        .readOnly(c.isReadOnly())
        // A cache that is not persistent is deleted when closed: its store forces nothing to disk
        // and writes no index image (a restart starts it empty), work a write stream would pay for.
        .temporary(!c.isPersistent());
    if (c.getDurability() != null) {
      b.durability(c.getDurability());
    }
    try {
      b.build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cache " + cacheName + ": " + e.getMessage(), e);
    }
    return new CacheSettings(cacheName, directory, c.isPersistent(), c.isReadOnly(), b);
  }

  /** Refuses, naming it, each setting a read-only cache cannot honour without writing. */
  private static void checkReadOnly(String cacheName, InkvConfiguration<?, ?> c) {
    String is = "cache " + cacheName + " is read-only";
    String otherwise = "; or open it writable (readOnly false)";
    if (!c.isPersistent()) {
      throw new IllegalArgumentException(is + " but not persistent: a read-only cache opens the files an existing"
          + " persistent cache left, and a temporary cache starts empty; make it persistent"
          + " (InkvConfiguration.setPersistent(true), or persistent=true in the configuration file) with the directory"
          + " that holds those files");
    }
    if (c.getReplication() != null) {
      throw new IllegalArgumentException(is + " and replicated, but a replica writes every change the other replicas"
          + " publish; remove its replication settings" + otherwise);
    }
    if (c.getCacheLoaderFactory() != null || c.isReadThrough()) {
      throw new IllegalArgumentException(is + " and has " + (c.getCacheLoaderFactory() != null ? "a CacheLoader"
          : "read-through set") + ", but a loaded value is stored in the cache; remove the loader and read-through"
          + otherwise);
    }
    if (c.isWriteThrough()) {
      throw new IllegalArgumentException(is + " and write-through, but it has no writes to pass on; remove"
          + " write-through" + otherwise);
    }
    ExpiryPolicy expiry;
    try {
      expiry = c.getExpiryPolicyFactory().create();
    } catch (RuntimeException e) {
      return; // the cache's creation reports the factory's failure as it does for any cache
    }
    javax.cache.expiry.Duration onAccess;
    try {
      onAccess = expiry.getExpiryForAccess();
    } catch (RuntimeException e) {
      onAccess = null; // a policy that throws on access leaves the expiry unchanged
    }
    if (onAccess != null) {
      throw new IllegalArgumentException(is + ", but its expiry policy (" + expiry.getClass().getName()
          + ") sets a new expiry time when an entry is read, which writes to the store; give it a policy that does"
          + " not, such as a time to live (expiry=10m, ModifiedExpiryPolicy), created: or eternal" + otherwise);
    }
  }

  /** Turns a cache name into one safe file name (the name's characters, others as _ and hex). */
  static String fileName(String cacheName) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cacheName.length(); i++) {
      char ch = cacheName.charAt(i);
      if (ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '-') {
        sb.append(ch);
      } else {
        sb.append('_').append(Integer.toHexString(ch));
      }
    }
    if (sb.length() == 0 || sb.charAt(0) == '.') {
      sb.insert(0, '_');
    }
    return sb.length() > 200 ? sb.substring(0, 200) + "_" + Integer.toHexString(cacheName.hashCode()) : sb.toString();
  }

  Store open(RemovalListener listener) {
    try {
      return options.removalListener(listener).open();
    } catch (StoreException e) {
      // The store recommends its own readOnly(true) for a directory it may not write; say it in
      // the words of a cache's configuration.
      String readOnlyHint = !readOnly && persistent && String.valueOf(e.getMessage()).contains("readOnly(true)")
          ? " (for this cache: InkvConfiguration.setReadOnly(true), or inkv.cache." + cacheName
              + ".readOnly=true in the configuration file)"
          : "";
      throw new CacheException("cannot open the store in " + directory + ": " + e.getMessage() + readOnlyHint, e);
    }
  }

  boolean persistent() {
    return persistent;
  }

  Path directory() {
    return directory;
  }

  /** Deletes the cache's files, unless the cache is read-only: those belong to whoever wrote them. */
  void delete() {
    if (readOnly) {
      System.getLogger(CacheSettings.class.getName()).log(System.Logger.Level.INFO, "cache " + cacheName
          + " is read-only: its files in " + directory + " are left as they are");
      return;
    }
    try {
      deleteTree(directory);
    } catch (UncheckedIOException e) {
      System.getLogger(CacheSettings.class.getName()).log(System.Logger.Level.WARNING, "cannot delete " + directory, e);
    }
  }

  static void deleteTree(Path root) {
    try {
      DurableFiles.deleteTree(root);
    } catch (io.inkv.store.Store.StorageException e) {
      throw new UncheckedIOException(new IOException(e.getMessage(), e));
    }
  }

}
