package io.inkv.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Small helpers shared by the store tests: key and value bytes, file surgery, model comparison. */
final class StoreTesting {
  private StoreTesting() {}

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String string(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  static byte[] key(int i) {
    return bytes("key-" + i);
  }

  /** A value of {@code length} bytes that depends on {@code seed}, so a wrong value is noticed. */
  static byte[] value(int seed, int length) {
    byte[] v = new byte[length];
    long x = seed * 0x9E3779B97F4A7C15L + length;
    for (int i = 0; i < length; i++) {
      x = x * 6364136223846793005L + 1442695040888963407L;
      v[i] = (byte) (x >>> 56);
    }
    return v;
  }

  /** The segment files of a store directory, in id order. */
  static List<Path> segmentFiles(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte readByte(Path file, long offset) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, offset);
      return b.get(0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void writeByte(Path file, long offset, byte value) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {value}), offset);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void flipByte(Path file, long offset) {
    writeByte(file, offset, (byte) (readByte(file, offset) ^ 0x5A));
  }

  /** Returns the offset of the first occurrence of {@code needle} in the file, or -1. */
  static long find(Path file, byte[] needle) {
    try {
      byte[] content = Files.readAllBytes(file);
      outer:
      for (int i = 0; i + needle.length <= content.length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (content[i + j] != needle[j]) {
            continue outer;
          }
        }
        return i;
      }
      return -1;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies every file of {@code from} into the new directory {@code to}: a crash image of an open store. */
  static void copyDirectory(Path from, Path to) {
    try (Stream<Path> files = Files.list(from)) {
      Files.createDirectories(to);
      for (Path p : files.toList()) {
        Files.copy(p, to.resolve(p.getFileName()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads every live entry through the iterator, keyed by the key as a string of its bytes. */
  static Map<String, byte[]> contents(Store store) {
    Map<String, byte[]> out = new TreeMap<>();
    for (Iterator<Entry> it = store.iterator(); it.hasNext(); ) {
      Entry e = it.next();
      byte[] previous = out.put(Arrays.toString(e.key()), e.value());
      assertNull(previous, () -> "the iterator returned " + Arrays.toString(e.key()) + " twice");
    }
    return out;
  }

  /** Asserts that the store holds exactly the model's entries, through get, getAll, iterator and size. */
  static void assertMatches(Map<ByteBuffer, byte[]> model, Store store) {
    assertEquals(model.size(), store.size(), "size");
    List<byte[]> keys = new ArrayList<>();
    for (Map.Entry<ByteBuffer, byte[]> e : model.entrySet()) {
      byte[] key = toArray(e.getKey());
      keys.add(key);
      assertArrayEquals(e.getValue(), store.get(key), () -> "value of " + Arrays.toString(key));
    }
    byte[][] all = store.getAll(keys);
    for (int i = 0; i < keys.size(); i++) {
      assertArrayEquals(model.get(ByteBuffer.wrap(keys.get(i))), all[i], "getAll value " + i);
    }
    Map<String, byte[]> iterated = contents(store);
    assertEquals(model.size(), iterated.size(), "entries returned by the iterator");
    for (Map.Entry<ByteBuffer, byte[]> e : model.entrySet()) {
      String k = Arrays.toString(toArray(e.getKey()));
      assertArrayEquals(e.getValue(), iterated.get(k), () -> "iterated value of " + k);
    }
  }

  static byte[] toArray(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
