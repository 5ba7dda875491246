package io.inkv.jcache;

import io.inkv.store.StoreException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.cache.CacheException;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.EntryProcessorException;
import javax.cache.processor.EntryProcessorResult;

/*
 * invoke and invokeAll: an EntryProcessor runs on a ProcessorEntry inside Tier.update, under the
 * key's lock, and what it did (ProcessorEntry.Effect) is then applied as the matching cache
 * change: an access, a creation (written through) or a load (not written), an update, a removal.
 *
 * A processor's own exception becomes an EntryProcessorException (a CacheException passes as it
 * is). The value a processor set is known only after it ran, so the tier's check of it comes then,
 * before the writer and the events: a value the tier cannot hold is refused the way JCache reports
 * a processor's failure, an EntryProcessorException whose cause is the tier's reason (by value:
 * the IllegalArgumentException naming the key, the encoded size and the limit). invokeAll reports each
 * key's failure in its result and goes on with the other keys; a store failure ends it.
 *
 * Statistics as in the reference implementation: the hit or miss and the get time are recorded
 * before the processor runs; a put or removal, with its time measured from after the processor,
 * once the change is applied. A loaded value is not counted as a put.
 */
final class EntryProcessing<K, V> {
  private final StoreCache<K, V> cache;

  EntryProcessing(StoreCache<K, V> cache) {
    this.cache = cache;
  }

  <T> T invoke(K key, EntryProcessor<K, V, T> entryProcessor, Object... arguments) {
    Objects.requireNonNull(entryProcessor, "entryProcessor");
    return process(key, entryProcessor, arguments);
  }

  <T> Map<K, EntryProcessorResult<T>> invokeAll(Set<? extends K> keys, EntryProcessor<K, V, T> entryProcessor,
      Object... arguments) {
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(entryProcessor, "entryProcessor");
    cache.operation.requireKeys(keys);
    Map<K, EntryProcessorResult<T>> results = new HashMap<>();
    for (K key : keys) {
      try {
        T result = process(key, entryProcessor, arguments);
        if (result != null) {
          results.put(key, () -> result);
        }
      } catch (StoreException e) {
        throw e;
      } catch (Exception e) {
        EntryProcessorException error = e instanceof EntryProcessorException epe ? epe : new EntryProcessorException(e);
        results.put(key, () -> {
          throw error;
        });
      }
    }
    return results;
  }

  private <T> T process(K key, EntryProcessor<K, V, T> entryProcessor, Object... arguments) {
    Operation<K, V> operation = cache.operation;
    long start = operation.start();
    Tier<K, V> tier = cache.tier;
    Object k = tier.key(key);
    long now = System.currentTimeMillis();
    ReadWriteThrough<K, V> through = cache.through;
    EntryChanges<K, V> changes = cache.changes;
    ProcessorEntry<K, V> entry = new ProcessorEntry<>(key, k, tier, through.readThrough() ? through : null,
        operation::requireValue);
    return changes.update(k, (current, w) -> {
      entry.reset(current == null ? null : current.value());
      operation.recordRead(start, current != null);
      T result;
      try {
        result = entryProcessor.process(entry, arguments);
      } catch (CacheException e) {
        throw e;
      } catch (Exception e) {
        throw new EntryProcessorException("the entry processor failed on " + key + ": " + e, e);
      }
      long opStart = operation.restart(start);
      ProcessorEntry.Effect done = entry.effect();
      switch (done) {
        case ACCESS -> changes.applyAccess(changes.accessExpiry(now), key, k, current.value(), w);
        case CREATE, LOAD -> {
          V value = entry.newValue();
          Object v = fitting(key, k, value);
          if (done == ProcessorEntry.Effect.CREATE) {
            through.write(key, value);
          }
          if (changes.applyCreate(key, value, v, now, w) && done == ProcessorEntry.Effect.CREATE) {
            operation.recordPuts(opStart, 1);
          }
        }
        case UPDATE -> {
          V value = entry.newValue();
          Object v = fitting(key, k, value);
          through.write(key, value);
          changes.applyUpdate(key, value, k, v, current, now, w);
          operation.recordPuts(opStart, 1);
        }
        case REMOVE -> {
          through.delete(key);
          if (current != null) {
            changes.applyRemove(key, k, current.value(), w);
            operation.recordRemovals(opStart, 1);
          }
        }
        default -> { }
      }
      return result;
    });
  }

  /** The tier's form of a value a processor set; the tier's refusal becomes the processor's failure. */
  private Object fitting(K key, Object k, V value) {
    try {
      return cache.tier.value(key, k, value);
    } catch (CacheException e) {
      throw new EntryProcessorException(e.getMessage(), e.getCause() != null ? e.getCause() : e);
    }
  }
}
