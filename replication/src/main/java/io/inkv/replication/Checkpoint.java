package io.inkv.replication;

import io.inkv.store.internal.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/*
 * The applied offsets of a replica, kept in replication.meta in the store's directory (the store
 * leaves *.meta files alone). Text, like documents.meta, so an operator can read it:
 *
 *   format=inkv-replication
 *   formatVersion=1
 *   topic=inkv.users
 *   partitions=8
 *   offset.3=1234          next offset to apply, per owned partition
 *   applied=<writer hex>:<seq>,...   recent whole-store events already applied (see Applier)
 *   crc32c=<CRC32C of the lines above, 8 hex digits>
 *
 * Written atomically (temp file, fsync, rename, fsync directory) after Store.flush(), so the
 * offsets it names never run ahead of what the store holds on the device. A missing file means a
 * new replica (apply from the beginning); a damaged one is logged and treated the same way, which
 * is safe because applying an event twice is harmless.
 */
record Checkpoint(String topic, int partitions, Map<Integer, Long> offsets, List<String> appliedWholeStore) {
  static final String FILE = "replication.meta";

  /** Reads the checkpoint in {@code directory}; null if there is none. */
  static Checkpoint read(Path directory) throws IOException {
    Path file = directory.resolve(FILE);
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    }
    if (lines.isEmpty() || !lines.get(lines.size() - 1).startsWith("crc32c=")) {
      throw new IOException(file + ": no crc32c line");
    }
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < lines.size() - 1; i++) {
      body.append(lines.get(i)).append('\n');
    }
    String expected = lines.get(lines.size() - 1).substring("crc32c=".length());
    if (!crc(body.toString()).equals(expected)) {
      throw new IOException(file + ": checksum mismatch");
    }
    Map<String, String> kv = new LinkedHashMap<>();
    Map<Integer, Long> offsets = new TreeMap<>();
    List<String> applied = new ArrayList<>();
    for (int i = 0; i < lines.size() - 1; i++) {
      String line = lines.get(i);
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new IOException(file + ": bad line " + (i + 1));
      }
      String k = line.substring(0, eq);
      String v = line.substring(eq + 1);
      try {
        if (k.startsWith("offset.")) {
          offsets.put(Integer.parseInt(k.substring("offset.".length())), Long.parseLong(v));
        } else if (k.equals("applied")) {
          for (String id : v.split(",")) {
            if (!id.isEmpty()) {
              applied.add(id);
            }
          }
        } else {
          kv.put(k, v);
        }
      } catch (NumberFormatException e) {
        throw new IOException(file + ": bad number on line " + (i + 1));
      }
    }
    if (!"inkv-replication".equals(kv.get("format")) || !"1".equals(kv.get("formatVersion"))) {
      throw new IOException(file + ": not an inkv-replication version 1 file");
    }
    try {
      return new Checkpoint(kv.get("topic"), Integer.parseInt(kv.get("partitions")), offsets, applied);
    } catch (NumberFormatException e) {
      throw new IOException(file + ": bad partition count");
    }
  }

  void write(Path directory) throws IOException {
    StringBuilder body = new StringBuilder();
    body.append("format=inkv-replication\nformatVersion=1\n");
    body.append("topic=").append(topic).append('\n');
    body.append("partitions=").append(partitions).append('\n');
    for (Map.Entry<Integer, Long> e : new TreeMap<>(offsets).entrySet()) {
      body.append("offset.").append(e.getKey()).append('=').append(e.getValue()).append('\n');
    }
    body.append("applied=").append(String.join(",", appliedWholeStore)).append('\n');
    String content = body + "crc32c=" + crc(body.toString()) + "\n";
    try {
      DurableFiles.writeAtomically(directory.resolve(FILE), content.getBytes(StandardCharsets.UTF_8), true);
    } catch (io.inkv.store.Store.StorageException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /**
   * Copies the checkpoint of {@code fromDir}, if there is one, into {@code toDir}, before a
   * snapshot of the store: the store's files copied after it hold at least what its offsets say.
   */
  static void copy(Path fromDir, Path toDir) {
    try {
      Files.createDirectories(toDir);
      Files.copy(fromDir.resolve(FILE), toDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING);
    } catch (NoSuchFileException e) {
      // a replica that has applied nothing yet: the image's reader starts from the beginning
    } catch (IOException e) {
      throw new io.inkv.store.Store.StorageException(fromDir.resolve(FILE) + ": cannot copy into " + toDir + ": " + e, e);
    }
  }

  private static String crc(String s) {
    CRC32C c = new CRC32C();
    c.update(s.getBytes(StandardCharsets.UTF_8));
    return String.format("%08x", c.getValue());
  }
}
