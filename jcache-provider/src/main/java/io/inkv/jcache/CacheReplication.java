package io.inkv.jcache;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.jcache.event.EventDispatcher;
import io.inkv.replication.RemoteChangeListener;
import io.inkv.replication.Replication;
import io.inkv.replication.ReplicationConfig;
import io.inkv.replication.ValueFormat;
import io.inkv.store.Store;
import io.inkv.store.codec.Codec;
import javax.cache.CacheException;
import javax.cache.event.EventType;

/*
 * A replicated cache's store: the opened store wrapped by a replica that publishes its writes and
 * applies the topic's. Only this class and Ownership name io.inkv.replication, and StoreCache
 * calls them only for a replicated cache, so a local cache never loads the replication classes or
 * Kafka's (kafka-clients is optional).
 *
 * Three things a cache adds to a replicated store:
 *
 *   - Its value format, recorded in a new topic (ValueFormat): the declared key and value types and
 *     the codecs' classes. Replicas whose formats differ refuse to share a topic, so a cache and a
 *     server store, or two applications caching different types under one name, never apply each
 *     other's records.
 *   - A check of every applied value against the cache's codec (unless checkReplicatedValues is
 *     off): a record this cache cannot decode is dead-lettered and counted at apply time rather
 *     than stored and met by a get.
 *   - Events for changes made by other JVMs (unless remoteEvents is off), published to the cache's
 *     listeners asynchronously from the applier thread: CREATED, UPDATED or REMOVED, decided from
 *     the old and new bytes the replica applied.
 */
final class CacheReplication {
  private static final System.Logger LOG = System.getLogger(CacheReplication.class.getName());

  private CacheReplication() {}

  /**
   * Returns {@code opened} replicated as {@code configuration} says; closes it and throws
   * CacheException when replication cannot start (no kafka-clients, no broker within the startup
   * wait, a topic of another format).
   */
  static <K, V> Store replicate(StoreCache<K, V> cache, InkvConfiguration<K, V> configuration, Store opened,
      Codec<K> keys, Codec<V> values) {
    String name = cache.getName();
    ReplicationConfig rc = configuration.getReplication();
    try {
      String format = valueFormat(configuration, keys, values);
      ValueFormat checked = configuration.isCheckReplicatedValues()
          ? ValueFormat.of(format, bytes -> values.decode(bytes))
          : ValueFormat.of(format + " unchecked", bytes -> {});
      return Replication.replicate(opened, rc, rc.remoteEvents() ? remoteEvents(cache) : null, checked);
    } catch (RuntimeException | LinkageError e) {
      try {
        opened.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof NoClassDefFoundError) {
        throw new CacheException("cache " + name + " is replicated, which needs org.apache.kafka:kafka-clients on the"
            + " class path: " + e, e);
      }
      throw new CacheException("cache " + name + ": cannot start replication: " + e.getMessage(), e);
    }
  }

  /*
   * The name of the cache's value format: the declared types and the codecs' classes. Two caches
   * agree when they encode the same types the same way, whatever their names or by-value choice.
   */
  private static String valueFormat(InkvConfiguration<?, ?> configuration, Codec<?> keys, Codec<?> values) {
    return "jcache " + configuration.getKeyType().getName() + " -> " + configuration.getValueType().getName() + " ("
        + codecName(keys) + ", " + codecName(values) + ")";
  }

  private static String codecName(Codec<?> codec) {
    String n = codec.getClass().getName();
    int hidden = n.indexOf('/'); // a hidden or lambda class: its name after the slash differs per JVM
    return hidden < 0 ? n : n.substring(0, hidden);
  }

  /*
   * The listener of changes other JVMs made. It reads the cache's codecs and dispatcher when a
   * change arrives, not when it is made: replication starts inside the cache's constructor, before
   * those fields are all set, and the replica applies nothing before startup ends.
   */
  private static <K, V> RemoteChangeListener remoteEvents(StoreCache<K, V> cache) {
    return (key, oldValue, newValue) -> {
      EventDispatcher<K, V> dispatcher = cache.events;
      EventType type = newValue == null ? EventType.REMOVED : oldValue == null ? EventType.CREATED : EventType.UPDATED;
      if (dispatcher == null || !dispatcher.wants(type)) {
        return;
      }
      try {
        Codec<V> values = cache.valueCodec;
        K k = cache.keyCodec.decode(key);
        V value = newValue == null ? decode(values, oldValue) : values.decode(newValue);
        V old = type == EventType.UPDATED && dispatcher.wantsOldValue(EventType.UPDATED) ? decode(values, oldValue)
            : type == EventType.REMOVED ? value : null;
        dispatcher.publishUnawaited(type, k, value, old);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "cache " + cache.getName() + ": cannot publish an event for a remote change",
            e);
      }
    };
  }

  private static <V> V decode(Codec<V> values, byte[] bytes) {
    return bytes == null ? null : values.decode(bytes);
  }
}
