package io.inkv.benchmarks.hibernate;

import io.inkv.benchmarks.BenchmarkDefaults;
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
import org.hibernate.cache.internal.BasicCacheKeyImplementation;
import org.hibernate.cache.spi.entry.StandardCacheEntryImpl;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/*
 * inkv's Hibernate codec against Java serialization (what hibernate-jcache's by-value caches and
 * inkv's untyped JCache caches use) on BenchItem's disassembled cache entry and cache key (the
 * `object` parameter): encode (a put) and decode (a hit) separately.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {}) // no fixed heap: the JVM sizes its own
public class EntryCodecBenchmark extends BenchmarkDefaults {
  @Param({"entry", "key"})
  public String object;

  private final HibernateCodec codec = new HibernateCodec();
  private Object value;
  private byte[] encoded;
  private byte[] serialized;

  @Setup
  public void setUp() throws Exception {
    if (object.equals("entry")) {
      Constructor<StandardCacheEntryImpl> c = StandardCacheEntryImpl.class
          .getDeclaredConstructor(Serializable[].class, String.class, Object.class);
      c.setAccessible(true);
      value = c.newInstance(new Serializable[] {"a benchmark item with a short description, number 42",
          LocalDate.of(2024, 2, 12), "item-42", BigDecimal.valueOf(393, 2), 42}, "BenchItem", 0);
    } else {
      value = new BasicCacheKeyImplementation(42L, "io.inkv.benchmarks.hibernate.BenchItem", 42);
    }
    encoded = codec.encode(value);
    serialized = serialize(value);
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
  public byte[] encodeInkv() {
    return codec.encode(value);
  }

  @Benchmark
  public byte[] encodeJava() throws IOException {
    return serialize(value);
  }

  @Benchmark
  public Object decodeInkv() {
    return codec.decode(encoded);
  }

  @Benchmark
  public Object decodeJava() throws Exception {
    return deserialize(serialized);
  }
}
