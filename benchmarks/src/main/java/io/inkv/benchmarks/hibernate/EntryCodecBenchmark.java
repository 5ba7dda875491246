package io.inkv.benchmarks.hibernate;

import io.inkv.hibernate.HibernateCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.Constructor;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.concurrent.TimeUnit;
import org.hibernate.cache.internal.BasicCacheKeyImplementation;
import org.hibernate.cache.spi.entry.StandardCacheEntryImpl;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/*
 * inkv's Hibernate codec against Java serialization (what hibernate-jcache's by-value caches and
 * inkv's untyped JCache caches use) on BenchItem's disassembled cache entry and cache key: encode
 * (a put) and decode (a hit) separately.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EntryCodecBenchmark {
  private final HibernateCodec codec = new HibernateCodec();
  private Object entry;
  private Object key;
  private byte[] entryBytes;
  private byte[] keyBytes;
  private byte[] entrySerialized;
  private byte[] keySerialized;

  @Setup
  public void setUp() throws Exception {
    Constructor<StandardCacheEntryImpl> c = StandardCacheEntryImpl.class
        .getDeclaredConstructor(Serializable[].class, String.class, Object.class);
    c.setAccessible(true);
    entry = c.newInstance(new Serializable[] {"a benchmark item with a short description, number 42",
        LocalDate.of(2024, 2, 12), "item-42", BigDecimal.valueOf(393, 2), 42}, "BenchItem", 0);
    key = new BasicCacheKeyImplementation(42L, "io.inkv.benchmarks.hibernate.BenchItem", 42);
    entryBytes = codec.encode(entry);
    keyBytes = codec.encode(key);
    entrySerialized = serialize(entry);
    keySerialized = serialize(key);
  }

  static byte[] serialize(Object o) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(o);
    }
    return bytes.toByteArray();
  }

  static Object deserialize(byte[] b) throws IOException, ClassNotFoundException {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b))) {
      return in.readObject();
    }
  }

  @Benchmark
  public byte[] entryEncodeInkv() {
    return codec.encode(entry);
  }

  @Benchmark
  public byte[] entryEncodeJava() throws IOException {
    return serialize(entry);
  }

  @Benchmark
  public Object entryDecodeInkv() {
    return codec.decode(entryBytes);
  }

  @Benchmark
  public Object entryDecodeJava() throws Exception {
    return deserialize(entrySerialized);
  }

  @Benchmark
  public byte[] keyEncodeInkv() {
    return codec.encode(key);
  }

  @Benchmark
  public byte[] keyEncodeJava() throws IOException {
    return serialize(key);
  }

  @Benchmark
  public Object keyDecodeInkv() {
    return codec.decode(keyBytes);
  }

  @Benchmark
  public Object keyDecodeJava() throws Exception {
    return deserialize(keySerialized);
  }
}
