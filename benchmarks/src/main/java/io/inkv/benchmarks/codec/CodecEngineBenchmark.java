package io.inkv.benchmarks.codec;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.CompatibleFieldSerializer;
import io.inkv.benchmarks.BenchmarkDefaults;
import io.inkv.store.codec.Codec;
import org.apache.fory.Fory;
import org.apache.fory.config.CompatibleMode;
import org.apache.fory.config.Language;
import org.objenesis.strategy.StdInstantiatorStrategy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/*
 * The engines considered for inkv's codec, side by side on the same shapes, at the codec level
 * (no cache): encode to a byte[] and decode it back, each as its own benchmark, with -prof gc.
 *
 *   inkv   Codec.forClass(shape type): the generated layout, the tagged format for List/Map
 *   kryo   Kryo 5 with CompatibleFieldSerializer (the mode that survives added and removed
 *          fields, which inkv needs), registration off (class names written, as a cache of
 *          arbitrary application classes needs), StdInstantiatorStrategy for classes with no
 *          no-argument constructor; one instance per thread (Kryo is not thread-safe)
 *   fory   Apache Fory with CompatibleMode.COMPATIBLE (schema evolution), class registration
 *          off, its JIT serializers; one instance per thread
 *
 * Both libraries also write into an output buffer reused across calls; the figures include the
 * final copy to a byte[] that a store needs.
 */
@State(Scope.Thread)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class CodecEngineBenchmark extends BenchmarkDefaults {
  @Param({"inkv", "kryo", "fory"})
  public String engine;

  @Param({"record", "bean", "immutable", "kotlin", "list10", "map10", "list10rec", "map10rec"})
  public String shape;

  private Object value;
  private byte[] encoded;
  private Codec<Object> inkv;
  private Kryo kryo;
  private Output output;
  private Input input;
  private Fory fory;

  @Setup(Level.Trial)
  @SuppressWarnings("unchecked")
  public void setUp() {
    Shapes s = Shapes.of(shape);
    value = s.value(12345, 0);
    switch (engine) {
      case "inkv" -> inkv = (Codec<Object>) Codec.forClass(s.type, CodecEngineBenchmark.class.getClassLoader());
      case "kryo" -> {
        kryo = new Kryo();
        kryo.setRegistrationRequired(false);
        kryo.setDefaultSerializer(CompatibleFieldSerializer.class);
        kryo.setInstantiatorStrategy(new com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy(
            new StdInstantiatorStrategy()));
        output = new Output(256, -1);
        input = new Input();
      }
      default -> fory = Fory.builder().withLanguage(Language.JAVA).requireClassRegistration(false)
          .withCompatibleMode(CompatibleMode.COMPATIBLE).withRefTracking(false).build();
    }
    encoded = encode();
    Object back = decode();
    if (back == null) {
      throw new IllegalStateException(engine + " decoded null");
    }
  }

  @Benchmark
  public byte[] encode() {
    switch (engine) {
      case "inkv":
        return inkv.encode(value);
      case "kryo":
        output.reset();
        kryo.writeClassAndObject(output, value);
        return output.toBytes();
      default:
        return fory.serialize(value);
    }
  }

  @Benchmark
  public Object decode() {
    switch (engine) {
      case "inkv":
        return inkv.decode(encoded);
      case "kryo":
        input.setBuffer(encoded);
        return kryo.readClassAndObject(input);
      default:
        return fory.deserialize(encoded);
    }
  }

  @Benchmark
  public int size() {
    return encoded.length;
  }
}
