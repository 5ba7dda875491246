package io.inkv.store;

import io.inkv.store.internal.DurableFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/*
 * The manifest (StoreFiles.MANIFEST_FILE): what the directory is. A small text file, so a person can read it:
 *
 *   format=inkv-store
 *   formatVersion=1
 *   storeId=<16 hex digits>
 *   keyHash=xxh64
 *   crc32c=<8 hex digits, over the lines above including their newlines>
 *
 * Written once, when the store is created, atomically (temp file, fsync, rename, fsync dir).
 */
record Manifest(long storeId, String keyHash) {
  static final int FORMAT_VERSION = 1;

  static Manifest read(Path path) {
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new Store.FormatException(path, "not an inkv manifest (not UTF-8 text)");
    } catch (IOException e) {
      throw new Store.StorageException(path + ": cannot read: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new Store.FormatException(path, "not an inkv manifest (not UTF-8 text)");
    }
    int crcAt = text.lastIndexOf("crc32c=");
    if (crcAt < 0 || !text.startsWith("format=inkv-store\n")) {
      throw new Store.FormatException(path, "not an inkv manifest");
    }
    String body = text.substring(0, crcAt);
    CRC32C crc = new CRC32C();
    crc.update(body.getBytes(StandardCharsets.UTF_8));
    String stored = text.substring(crcAt + 7).trim();
    if (!String.format("%08x", crc.getValue()).equals(stored)) {
      throw new Store.CorruptedException(path, "manifest checksum mismatch");
    }
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : body.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        fields.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    String version = fields.get("formatVersion");
    if (!String.valueOf(FORMAT_VERSION).equals(version)) {
      throw new Store.FormatException(path, "store format version " + version
          + " is not supported (this inkv reads version " + FORMAT_VERSION + ")");
    }
    try {
      return new Manifest(Long.parseUnsignedLong(fields.get("storeId"), 16), fields.get("keyHash"));
    } catch (RuntimeException e) {
      throw new Store.FormatException(path, "manifest has no valid storeId");
    }
  }

  void write(Path file, boolean force) {
    String body = "format=inkv-store\nformatVersion=" + FORMAT_VERSION + "\nstoreId="
        + String.format("%016x", storeId) + "\nkeyHash=" + keyHash + "\n";
    CRC32C crc = new CRC32C();
    crc.update(body.getBytes(StandardCharsets.UTF_8));
    String text = body + "crc32c=" + String.format("%08x", crc.getValue()) + "\n";
    DurableFiles.writeAtomically(file, text.getBytes(StandardCharsets.UTF_8), force);
  }
}
