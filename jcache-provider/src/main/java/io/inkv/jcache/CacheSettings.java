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

/*
 * Where a cache's store lives and the options it is opened with, decided and checked once when
 * the cache is created (so a wrong setting fails there, with its name).
 *
 * Temporary caches (the default) live in <manager temporary directory>/<cache name>-<n>; the
 * counter keeps a re-created cache of the same name out of a directory a closing store may still
 * hold. Their segments default to 8 MiB: the store starts with a 256 KiB segment and grows, so
 * creating a cache costs one small file whatever the maximum, and 8 MiB bounds the largest value
 * (about 8 MiB) generously. Persistent caches default to the store's 64 MiB segments.
 */
final class CacheSettings {
  static final int TEMPORARY_SEGMENT_SIZE = 8 << 20;

  private final Path directory;
  private final boolean persistent;
  private final StoreOptions.Builder options;

  private CacheSettings(Path directory, boolean persistent, StoreOptions.Builder options) {
    this.directory = directory;
    this.persistent = persistent;
    this.options = options;
  }

  static CacheSettings resolve(StoreCacheManager manager, String cacheName, InkvConfiguration<?, ?> c) {
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
        .maxBytes(c.getMaxBytes());
    if (c.getDurability() != null) {
      b.durability(c.getDurability());
    }
    try {
      b.build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cache " + cacheName + ": " + e.getMessage(), e);
    }
    return new CacheSettings(directory, c.isPersistent(), b);
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
      throw new CacheException("cannot open the store in " + directory + ": " + e.getMessage(), e);
    }
  }

  boolean persistent() {
    return persistent;
  }

  Path directory() {
    return directory;
  }

  void delete() {
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
