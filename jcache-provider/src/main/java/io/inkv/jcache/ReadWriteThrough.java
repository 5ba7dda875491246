package io.inkv.jcache;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import javax.cache.Cache;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheLoaderException;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;

/*
 * A cache's CacheLoader and CacheWriter, as the operations call them: absent ones do nothing,
 * and every failure becomes the exception JCache specifies for it, CacheLoaderException or
 * CacheWriterException (one already of that type passes as it is).
 *
 * The writer is present only when the configuration is write-through and names one; the loader
 * whenever one is named (loadAll uses it without read-through), and readThrough() says whether
 * a miss loads. A loaded value is not written through and not counted as a put (RI 1.1.1).
 * Loaders and writers run under the key's store lock and must not write to this cache.
 */
final class ReadWriteThrough<K, V> {
  private final CacheLoader<K, V> loader;
  private final CacheWriter<K, V> writer;
  private final boolean readThrough;

  ReadWriteThrough(CacheLoader<K, V> loader, CacheWriter<K, V> writer, boolean readThrough) {
    this.loader = loader;
    this.writer = writer;
    this.readThrough = readThrough;
  }

  CacheLoader<K, V> loader() {
    return loader;
  }

  CacheWriter<K, V> writer() {
    return writer;
  }

  /** Returns whether a miss loads through the loader. */
  boolean readThrough() {
    return readThrough && loader != null;
  }

  void write(K key, V value) {
    if (writer != null) {
      try {
        writer.write(new CacheEntry<>(key, value));
      } catch (CacheWriterException e) {
        throw e;
      } catch (Exception e) {
        throw new CacheWriterException("the cache writer failed to write " + key + ": " + e, e);
      }
    }
  }

  void delete(K key) {
    if (writer != null) {
      try {
        writer.delete(key);
      } catch (CacheWriterException e) {
        throw e;
      } catch (Exception e) {
        throw new CacheWriterException("the cache writer failed to delete " + key + ": " + e, e);
      }
    }
  }

  /**
   * Writes a batch; returns null, or the failure after which the entries left in {@code entries}
   * were not written (the writer removes what it wrote).
   */
  CacheWriterException writeAll(Collection<Cache.Entry<? extends K, ? extends V>> entries) {
    return writer == null ? null : batch(entries, writer::writeAll);
  }

  /**
   * Deletes a batch; returns null, or the failure after which the keys left in {@code keys} were
   * not deleted (the writer removes what it deleted).
   */
  CacheWriterException deleteAll(Collection<K> keys) {
    return writer == null ? null : batch(keys, writer::deleteAll);
  }

  private static <T> CacheWriterException batch(Collection<T> batch, Consumer<Collection<T>> call) {
    if (batch.isEmpty()) {
      return null;
    }
    try {
      call.accept(batch);
      return null;
    } catch (Exception e) {
      return e instanceof CacheWriterException cwe ? cwe : new CacheWriterException("the cache writer failed: " + e, e);
    }
  }

  V load(K key) {
    return loading(key, () -> loader.load(key));
  }

  Map<K, V> loadAll(Collection<K> keys) {
    return loading(keys, () -> loader.loadAll(keys));
  }

  /* Runs one call of the loader for {@code what} (a key or the keys), its failure a CacheLoaderException. */
  private static <T> T loading(Object what, Callable<T> call) {
    try {
      return call.call();
    } catch (CacheLoaderException e) {
      throw e;
    } catch (Exception e) {
      throw new CacheLoaderException("the cache loader failed to load " + what + ": " + e, e);
    }
  }
}
