package io.inkv.store.internal.index;

import com.koloboke.collect.impl.hash.QHash;
import io.inkv.benchmarks.BenchmarkDefaults;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/*
 * The index's lookup on its own: a present key's address from `entries` entries striped over 64
 * AddressMaps (the stripe by the hash's top bits, the fingerprint its low 32, as KeyIndex does),
 * keys in a random order read sequentially from one array, so that the only misses are the
 * table's. Each lookup's key position depends on the answer before it, so the figure is a
 * lookup's latency, not the throughput of many overlapping ones.
 *
 *   together: AddressMap.getForOptimisticRead, which loads the home slot's key and value at once
 *   keyFirst: the lookup it replaced, which loaded the value only after the key matched, so the
 *             value array's miss followed the key array's whenever that branch was mispredicted
 *
 * Both in one JVM, side by side: java -jar benchmarks/target/benchmarks.jar AddressMapLookupBenchmark
 */
@State(Scope.Benchmark)
public class AddressMapLookupBenchmark extends BenchmarkDefaults {
  private static final int STRIPE_BITS = 6;
  private static final int PROBES = 1 << 22;

  @Param({"together", "keyFirst"})
  public String lookup;

  @Param("1000000")
  public int entries;

  private AddressMap[] stripes;
  private boolean together;
  private int[][] keyArrays;
  private long[][] valueArrays;
  private int[] freeKeys;
  private long[] probes;
  private int next;
  private long last;

  @Setup(Level.Trial)
  public void fill() {
    together = lookup.equals("together");
    stripes = new AddressMap[1 << STRIPE_BITS];
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = AddressMap.withExpectedSize(entries >> STRIPE_BITS);
    }
    SplittableRandom random = new SplittableRandom(42);
    long[] hashes = new long[entries];
    for (int i = 0; i < entries; i++) {
      long h = random.nextLong();
      hashes[i] = h;
      stripes[(int) (h >>> (64 - STRIPE_BITS))].put((int) h, (i + 1L) << 3);
    }
    // the generated map's arrays, for keyFirst (read reflectively: the generated class is not
    // compiled against here)
    keyArrays = new int[stripes.length][];
    valueArrays = new long[stripes.length][];
    freeKeys = new int[stripes.length];
    try {
      for (int i = 0; i < stripes.length; i++) {
        keyArrays[i] = (int[]) field(stripes[i], "set");
        valueArrays[i] = (long[]) field(stripes[i], "values");
        freeKeys[i] = (int) field(stripes[i], "freeValue");
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("the generated AddressMap's fields changed", e);
    }
    probes = new long[PROBES];
    for (int i = 0; i < PROBES; i++) {
      probes[i] = hashes[random.nextInt(entries)];
    }
  }

  private static Object field(AddressMap map, String name) throws ReflectiveOperationException {
    java.lang.reflect.Field f = map.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(map);
  }

  @Benchmark
  public long find() {
    // the next key's position depends on this lookup's answer (its sign bit, always 0), so lookups
    // do not overlap: each costs its latency, as in a put, where the record read waits for it
    long h = probes[(next++ + (int) (last >>> 63)) & (PROBES - 1)];
    int stripe = (int) (h >>> (64 - STRIPE_BITS));
    return last = together ? stripes[stripe].getForOptimisticRead((int) h)
        : keyFirst(keyArrays[stripe], valueArrays[stripe], freeKeys[stripe], (int) h);
  }

  /* The lookup before: the home slot's value read in the branch where its key matched. */
  private static long keyFirst(int[] keys, long[] values, int free, int key) {
    int capacity = keys.length;
    int index = QHash.SeparateKVIntKeyMixing.mix(key) % capacity;
    int current = keys[index];
    if (current == key) {
      return values[index];
    }
    if (current == free) {
      return 0L;
    }
    int back = index;
    int forth = index;
    for (int step = 1; ; step += 2) {
      if ((back -= step) < 0) {
        back += capacity;
      }
      if ((current = keys[back]) == key) {
        return values[back];
      }
      if (current == free) {
        return 0L;
      }
      if ((forth += step) >= capacity) {
        forth -= capacity;
      }
      if ((current = keys[forth]) == key) {
        return values[forth];
      }
      if (current == free) {
        return 0L;
      }
    }
  }
}
