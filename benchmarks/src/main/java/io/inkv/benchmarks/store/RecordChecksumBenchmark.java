package io.inkv.benchmarks.store;

import io.inkv.benchmarks.BenchmarkDefaults;
import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import io.inkv.store.ValueView;
import io.inkv.store.memory.Region;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/*
 * The cost of the CRC32C check a get makes under Verification.EVERY_READ (and under ONCE, on a
 * segment not yet scrubbed), on one record
 * of a 16-byte key and a 100-byte value: the checksum covers 132 bytes. Everything is in L1, so
 * this is the pure computation, without the cache misses of a real get.
 *
 *   region      Region.crc32c over the record in a store's mapped segment (what get runs)
 *   jdkMapped   java.util.zip.CRC32C.update(ByteBuffer) over 132 bytes of a mapped file
 *               (a reused buffer duplicate: position/limit set, no allocation)
 *   jdkArray    java.util.zip.CRC32C.update(byte[]) over 132 bytes on the heap
 */
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {}) // no fixed heap: the JVM sizes its own
public class RecordChecksumBenchmark extends BenchmarkDefaults {
  static final int LENGTH = 132;

  Path dir;
  Path plainDir;
  Store store;
  Region region;
  int offset;
  FileChannel channel;
  MappedByteBuffer mapped;
  final CRC32C crc = new CRC32C();
  final byte[] array = Keys.value(LENGTH, 3);

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = TempStore.create("inkv-crc-");
    store = StoreOptions.builder(dir).open();
    store.put(Keys.present(1), Keys.value(100, 1));
    ValueView view = new ValueView();
    store.get(Keys.present(1), view);
    region = view.region();
    offset = view.regionOffset() - 32; // the record's sequence field: key and header before the value
    plainDir = TempStore.create("inkv-crc-plain-");
    Path file = Files.write(plainDir.resolve("plain.bin"), Keys.value(4096, 2));
    channel = FileChannel.open(file, StandardOpenOption.READ);
    mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, 4096);
  }

  @TearDown(Level.Trial)
  public void delete() throws IOException {
    store.close();
    channel.close();
    mapped = null;
    TempStore.delete(dir);
    TempStore.delete(plainDir);
  }

  @Benchmark
  public int region() {
    return region.crc32c(0, offset, LENGTH);
  }

  @Benchmark
  public long jdkMapped() {
    crc.reset();
    mapped.limit(128 + LENGTH).position(128);
    crc.update(mapped);
    return crc.getValue();
  }

  @Benchmark
  public long jdkArray() {
    crc.reset();
    crc.update(array, 0, LENGTH);
    return crc.getValue();
  }
}
