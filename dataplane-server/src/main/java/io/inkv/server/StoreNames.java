package io.inkv.server;

import java.util.regex.Pattern;

/**
 * The rule for store names. A name becomes a directory under the data directory and part of a
 * Kafka topic name, so it is restricted to lower-case letters, digits, '.', '_' and '-', starts
 * with a letter or digit (so never ".", ".." or a hidden name) and is at most 63 characters: no
 * name can reach outside the data directory or collide with the server's own hidden folders.
 */
final class StoreNames {
  static final String PATTERN = "^[a-z0-9][a-z0-9._-]{0,62}$";
  private static final Pattern NAME = Pattern.compile(PATTERN);

  private StoreNames() {}

  static boolean isValid(String name) {
    return name != null && NAME.matcher(name).matches() && !name.contains("..");
  }
}
