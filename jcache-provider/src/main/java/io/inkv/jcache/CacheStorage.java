package io.inkv.jcache;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.store.RemovalListener;
import io.inkv.store.Store;
import io.inkv.store.codec.Codec;
import io.inkv.store.document.Document;
import io.inkv.store.document.DocumentStore;
import javax.cache.CacheException;

/*
 * Where a cache keeps its entries, decided once at createCache from its configuration:
 *
 *   by reference, neither persistent nor replicated   a HeapTier; no store, no codec
 *   by value                                           a StoreTier over the opened store
 *   by reference, persistent or replicated             a ReferenceTier (the instances on the heap)
 *                                                      over a StoreTier (their encoded form)
 *
 * and, for every cache with a store: its key and value codecs (a type inkv can neither encode nor
 * serialize is refused here, naming the type and the ways out, rather than at the first put), the
 * replica around the store when the cache is replicated (CacheReplication), the partitions a
 * sharded replica holds (Ownership), and the DocumentStore over it when the values are Documents.
 *
 * @param keys      the key codec, or null for a cache on the heap
 * @param values    the value codec, or null for a cache on the heap
 * @param store     the store (replicated when the cache is), or null for a cache on the heap
 * @param ownership the partitions of a sharded replica, or null when every key is this cache's
 * @param stored    the by-value tier under the cache's tier, or null for a cache on the heap
 * @param documents the documents over the store when the values are Documents, else null
 * @param tier      the tier the cache's operations run against
 */
record CacheStorage<K, V>(Codec<K> keys, Codec<V> values, Store store, Ownership ownership, StoreTier<K, V> stored,
    DocumentStore documents, Tier<K, V> tier) {

  /** Resolves the codecs, opens the store (and its replica) as {@code configuration} says, and builds the tier. */
  static <K, V> CacheStorage<K, V> open(StoreCache<K, V> cache, InkvConfiguration<K, V> configuration,
      CacheSettings settings, ClassLoader classLoader, Tier.Removals removals) {
    String name = cache.getName();
    boolean heapOnly = !configuration.isStoreByValue() && !configuration.isPersistent()
        && configuration.getReplication() == null;
    if (heapOnly) {
      return new CacheStorage<>(null, null, null, null, null, null,
          new HeapTier<>(configuration.getMaxEntries(), removals));
    }
    Codec<K> keys = configuration.getKeyCodecFactory() != null ? configuration.getKeyCodecFactory().create()
        : codecFor(name, configuration, "key", configuration.getKeyType(), classLoader);
    boolean documentValues = configuration.getValueType() == Document.class
        && configuration.getValueCodecFactory() == null;
    if (documentValues && configuration.getReplication() != null) {
      throw new CacheException("cache " + name + ": a replicated cache of Document values is not supported;"
          + " replicate a DocumentStore with io.inkv.replication.Replication.replicate(DocumentStore, config),"
          + " whose upserts carry field names to every replica");
    }
    Codec<V> values = documentValues ? null : configuration.getValueCodecFactory() != null
        ? configuration.getValueCodecFactory().create()
        : codecFor(name, configuration, "value", configuration.getValueType(), classLoader);
    Store opened = settings.open((key, value, cause) -> removals.removed(key, value, cause == RemovalListener.Cause.EVICTED));
    Store store = configuration.getReplication() == null ? opened
        : CacheReplication.replicate(cache, configuration, opened, keys, values);
    // named only for a sharded replica, so that a local cache loads no replication class
    Ownership ownership = configuration.getReplication() != null
        && configuration.getReplication().ownedPartitions() != null ? Ownership.of(name, store) : null;
    DocumentStore documents = null;
    if (documentValues) {
      // Document values: the codec numbers fields through the store's own schema (documents.meta),
      // and unwrap(DocumentStore.class) offers upserts and typed in-place reads over the same data.
      try {
        documents = DocumentStore.over(store);
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
      @SuppressWarnings("unchecked")
      Codec<V> documentCodec = (Codec<V>) documents.codec();
      values = documentCodec;
    }
    StoreTier<K, V> stored = new StoreTier<>(name, store, keys, values);
    long heapEntries = configuration.getHeapEntries() > 0 ? configuration.getHeapEntries()
        : configuration.getMaxEntries() > 0 ? configuration.getMaxEntries() : InkvConfiguration.DEFAULT_HEAP_ENTRIES;
    Tier<K, V> tier = configuration.isStoreByValue() ? stored : new ReferenceTier<>(stored, heapEntries);
    return new CacheStorage<>(keys, values, store, ownership, stored, documents, tier);
  }

  /* The codec of a declared key or value type, or an error naming the type and the ways out. */
  private static <T> Codec<T> codecFor(String name, InkvConfiguration<?, ?> configuration, String what, Class<T> type,
      ClassLoader classLoader) {
    try {
      return Codec.forClass(type, classLoader);
    } catch (IllegalArgumentException e) {
      String why = configuration.isStoreByValue() ? "stores by value" : "is persistent or replicated";
      throw new IllegalArgumentException("cache " + name + " " + why + ", so its " + what + "s are encoded, and the "
          + what + " type " + type.getName() + " cannot be: " + e.getMessage() + "; give it a codec (InkvConfiguration"
          + ".set" + (what.equals("key") ? "Key" : "Value") + "Codec), make it Serializable"
          + (configuration.isStoreByValue() ? ", or create the cache with setStoreByValue(false)" : ""), e);
    }
  }
}
