package io.inkv.benchmarks.documents;

import io.inkv.benchmarks.BenchmarkDefaults;
import io.inkv.store.internal.DurableFiles;
import io.inkv.benchmarks.store.Keys;
import io.inkv.store.Durability;
import io.inkv.store.StoreOptions;
import io.inkv.store.document.Document;
import io.inkv.store.document.DocumentStore;
import io.inkv.store.document.DocumentType;
import io.inkv.store.document.DocumentView;
import io.inkv.store.document.Field;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/*
 * The documents measurement: one field of a 10-field document (Profile: 3 strings, 2 ints, 2 longs,
 * a double, a float, a boolean) read in place, against decoding the whole value.
 *
 *   intView        DocumentStore.read into a reusable DocumentView, then getInt(age) with the
 *                  Field resolved once (the zero-allocation path)
 *   intType        the same read through a DocumentType<ProfileView> flyweight: view.age()
 *   stringView     read, then getString(city) (a copy: allocates the String)
 *   wholeDocument  DocumentStore.get: every field decoded into a Document
 *   inkvRecord     inkv's JCache provider, Cache<Long, Profile> by value: a get decodes the whole
 *                  record from its generated layout
 *   caffeineRecord Caffeine's JCache provider by value (MutableConfiguration): a get copies the
 *                  record with Java serialization
 *
 * `docs` documents (keys 0 .. docs-1 as 8 little-endian bytes for the document store, Longs for the
 * caches), uniform key choice from Keys.samples. Each state is populated only by the benchmarks
 * that use it. SampleTime gives p50; -prof gc gives allocation per read. At 10,000 documents the
 * data stays in the CPU caches (the cost of the read path); at 1M each read misses them (the cost
 * of memory).
 */
@BenchmarkMode(Mode.SampleTime)
@Threads(1)
@State(Scope.Benchmark)
public class DocumentReadBenchmark extends BenchmarkDefaults {
  private static final int MASK = Keys.SAMPLES - 1;

  @Param({"10000", "1000000"})
  public int docs;

  int[] samples;

  @Setup(Level.Trial)
  public void samples() {
    samples = Keys.samples("uniform", docs, 42);
  }

  /** The document store, its resolved fields, and a flyweight over a reusable view. */
  @State(Scope.Benchmark)
  public static class Documents {
    Path dir;
    DocumentStore store;
    Field age;
    Field city;
    DocumentType<ProfileView> type;

    @Setup(Level.Trial)
    public void populate(DocumentReadBenchmark bench) throws IOException {
      dir = Files.createTempDirectory(Paths.get(System.getProperty("inkv.bench.dir",
          System.getProperty("java.io.tmpdir"))), "inkv-docs-");
      store = DocumentStore.open(StoreOptions.builder(dir).durability(Durability.NONE).build());
      byte[] key = new byte[8];
      for (long i = 0; i < bench.docs; i++) {
        setLong(key, i);
        Profile p = Profile.of(i);
        store.upsert(key, Document.builder()
            .put("name", p.name()).put("age", p.age()).put("city", p.city()).put("id", p.id())
            .put("score", p.score()).put("active", p.active()).put("visits", p.visits())
            .put("rating", p.rating()).put("createdAt", p.createdAt()).put("email", p.email())
            .build());
      }
      age = store.field("age");
      city = store.field("city");
      type = store.typed(ProfileView.class);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      store.close();
      DurableFiles.deleteTree(dir);
    }
  }

  /** One thread's reusable key buffer, view and flyweight. */
  @State(Scope.Thread)
  public static class Reader {
    final byte[] key = new byte[8];
    final DocumentView view = new DocumentView();
    ProfileView profile;
    int next = 17;

    @Setup(Level.Trial)
    public void wrap(Documents documents) {
      profile = documents.type.over(view);
    }
  }

  /** A cache of Profile records through one JCache provider, by value. */
  public abstract static class RecordCache {
    CachingProvider provider;
    CacheManager manager;
    Cache<Long, Profile> cache;

    void populate(String providerClass, int docs) {
      provider = Caching.getCachingProvider(providerClass);
      manager = provider.getCacheManager();
      cache = manager.createCache("profiles", new MutableConfiguration<Long, Profile>().setTypes(Long.class, Profile.class));
      for (long i = 0; i < docs; i++) {
        cache.put(i, Profile.of(i));
      }
    }

    @TearDown(Level.Trial)
    public void close() {
      manager.destroyCache("profiles");
      manager.close();
    }
  }

  /** inkv's JCache provider. */
  @State(Scope.Benchmark)
  public static class InkvCache extends RecordCache {
    @Setup(Level.Trial)
    public void populate(DocumentReadBenchmark bench) {
      populate("io.inkv.jcache.spi.InkvCachingProvider", bench.docs);
    }
  }

  /** Caffeine's JCache provider. */
  @State(Scope.Benchmark)
  public static class CaffeineCache extends RecordCache {
    @Setup(Level.Trial)
    public void populate(DocumentReadBenchmark bench) {
      populate("com.github.benmanes.caffeine.jcache.spi.CaffeineCachingProvider", bench.docs);
    }
  }

  /** A key number's position in the samples; one per thread. */
  @State(Scope.Thread)
  public static class Cursor {
    int next = 17;
  }

  static void setLong(byte[] b, long v) {
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (v >>> (8 * i));
    }
  }

  private byte[] nextKey(Reader r) {
    setLong(r.key, samples[r.next++ & MASK]);
    return r.key;
  }

  @Benchmark
  public int intView(Documents d, Reader r) {
    if (!d.store.read(nextKey(r), r.view)) {
      throw new IllegalStateException("a document was not found");
    }
    return r.view.getInt(d.age, -1);
  }

  @Benchmark
  public int intType(Documents d, Reader r) {
    if (!d.store.read(nextKey(r), r.view)) {
      throw new IllegalStateException("a document was not found");
    }
    return r.profile.age();
  }

  @Benchmark
  public String stringView(Documents d, Reader r) {
    if (!d.store.read(nextKey(r), r.view)) {
      throw new IllegalStateException("a document was not found");
    }
    return r.view.getString(d.city);
  }

  @Benchmark
  public Document wholeDocument(Documents d, Reader r) {
    return d.store.get(nextKey(r));
  }

  @Benchmark
  public Profile inkvRecord(InkvCache c, Cursor cursor) {
    return c.cache.get((long) samples[cursor.next++ & MASK]);
  }

  @Benchmark
  public Profile caffeineRecord(CaffeineCache c, Cursor cursor) {
    return c.cache.get((long) samples[cursor.next++ & MASK]);
  }
}
