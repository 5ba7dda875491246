package io.inkv.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.spec.InvalidKeySpecException;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/*
 * API keys, per store, with read and write scopes.
 *
 * A client sends "Authorization: Bearer <id>.<secret>". The auth file holds, per key, its id, the
 * store it opens ("*" for every store), its scopes and a hash of the secret, never the secret:
 *
 *   # id       store   scopes       hash
 *   app-1      users   read,write   sha256:<64 hex digits of SHA-256(secret)>
 *   dash       users   read         pbkdf2-sha256:<iterations>:<salt, base64>:<hash, base64>
 *
 * SHA-256 is enough for the secrets `admin new-key` makes (32 random bytes: nothing to brute-force);
 * PBKDF2 is there for secrets people choose. Hashes are compared with MessageDigest.isEqual, whose
 * time does not depend on where the bytes differ. An unknown id is hashed against a dummy entry of
 * the same kind, so a guess at an id costs the same as a guess at a secret. PBKDF2 costs about
 * 100 ms at 210,000 iterations, which no request should pay twice: a verified token is remembered
 * by its own SHA-256 (never in clear) in a bounded map.
 *
 * What a failure says: 401 with "unauthorized" when the key is missing, malformed, unknown or
 * wrong; 403 with "forbidden" when a valid key lacks the scope or the store. Nothing more, so a
 * caller learns nothing about which ids or stores exist. The secret never reaches a log: log lines
 * name the key id at most.
 */
final class ApiKeys {
  enum Scope { READ, WRITE }

  enum Decision { ALLOWED, UNAUTHORIZED, FORBIDDEN }

  record Key(String id, String store, Set<Scope> scopes, String scheme, int iterations, byte[] salt, byte[] hash) {}

  static final int PBKDF2_ITERATIONS = 210_000;
  /**
   * An unknown id costs what the dearest key costs, so one key with a huge count would make every
   * bad request a denial of service: 10 million iterations take seconds already.
   */
  static final int MAX_PBKDF2_ITERATIONS = 10_000_000;
  private static final int CACHE_LIMIT = 10_000;
  private static final Key DUMMY_SHA = new Key("", "", EnumSet.noneOf(Scope.class), "sha256", 0, new byte[0], new byte[32]);

  private final Map<String, Key> keys;
  private final Key dummy;
  private final Map<String, Key> verified = new ConcurrentHashMap<>();

  private ApiKeys(Map<String, Key> keys) {
    this.keys = keys;
    // an unknown id costs what the dearest known key costs
    int iterations = keys.values().stream().mapToInt(Key::iterations).max().orElse(0);
    this.dummy = iterations == 0 ? DUMMY_SHA
        : new Key("", "", EnumSet.noneOf(Scope.class), "pbkdf2-sha256", iterations, new byte[16], new byte[32]);
  }

  /**
   * Loads an auth file.
   *
   * @throws ServerException naming the file and line of the first bad entry
   */
  static ApiKeys load(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ServerException("--auth-file " + file + ": cannot read: " + e.getMessage(), e);
    }
    return parse(file, lines);
  }

  /**
   * Parses the lines of an auth file.
   *
   * @throws ServerException naming the file and line of the first bad entry
   */
  static ApiKeys parse(Path file, List<String> lines) {
    Map<String, Key> keys = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = "--auth-file " + file + " line " + (i + 1) + ": ";
      String[] parts = line.split("\\s+");
      if (parts.length != 4) {
        throw new ServerException(where + "expected 4 columns (id store scopes hash), found " + parts.length);
      }
      String id = parts[0];
      if (!id.matches("[A-Za-z0-9_-]{1,64}")) {
        throw new ServerException(where + "a key id is 1 to 64 letters, digits, '_' or '-': '" + id + "'");
      }
      String store = parts[1];
      if (!store.equals("*") && !StoreNames.isValid(store)) {
        throw new ServerException(where + "store must be * or match " + StoreNames.PATTERN + ": '" + store + "'");
      }
      Set<Scope> scopes = EnumSet.noneOf(Scope.class);
      for (String s : parts[2].split(",")) {
        switch (s.toLowerCase(Locale.ROOT)) {
          case "read" -> scopes.add(Scope.READ);
          case "write" -> scopes.add(Scope.WRITE);
          default -> throw new ServerException(where + "scopes are read and/or write, comma-separated: '" + parts[2] + "'");
        }
      }
      Key key = parseHash(where, id, store, scopes, parts[3]);
      if (keys.putIfAbsent(id, key) != null) {
        throw new ServerException(where + "key id '" + id + "' appears twice");
      }
    }
    if (keys.isEmpty()) {
      throw new ServerException("--auth-file " + file + ": holds no key; every request would be refused");
    }
    return new ApiKeys(keys);
  }

  private static Key parseHash(String where, String id, String store, Set<Scope> scopes, String h) {
    try {
      if (h.startsWith("sha256:")) {
        byte[] hash = HexFormat.of().parseHex(h.substring("sha256:".length()));
        if (hash.length != 32) {
          throw new IllegalArgumentException("a SHA-256 hash is 64 hex digits");
        }
        return new Key(id, store, scopes, "sha256", 0, new byte[0], hash);
      }
      if (h.startsWith("pbkdf2-sha256:")) {
        String[] p = h.split(":");
        if (p.length != 4) {
          throw new IllegalArgumentException("expected pbkdf2-sha256:<iterations>:<salt>:<hash>");
        }
        if (!p[1].matches("[0-9]{1,9}")) {
          throw new IllegalArgumentException("the iteration count is a whole number from 1000 to " + MAX_PBKDF2_ITERATIONS);
        }
        int iterations = Integer.parseInt(p[1]);
        if (iterations < 1000 || iterations > MAX_PBKDF2_ITERATIONS) {
          throw new IllegalArgumentException("the iteration count is a whole number from 1000 to " + MAX_PBKDF2_ITERATIONS);
        }
        byte[] salt = Base64.getDecoder().decode(p[2]);
        byte[] hash = Base64.getDecoder().decode(p[3]);
        // checked here, not when the first request is verified (an empty salt or hash fails there)
        if (salt.length < 8 || salt.length > 64) {
          throw new IllegalArgumentException("the salt is 8 to 64 bytes, base64");
        }
        if (hash.length < 16 || hash.length > 64) {
          throw new IllegalArgumentException("the hash is 16 to 64 bytes, base64");
        }
        return new Key(id, store, scopes, "pbkdf2-sha256", iterations, salt, hash);
      }
      throw new IllegalArgumentException("the hash must start with sha256: or pbkdf2-sha256:");
    } catch (IllegalArgumentException e) {
      // the message is ours or the decoder's: it never holds the hash itself
      throw new ServerException(where + "bad hash for key '" + id + "': " + e.getMessage());
    }
  }

  int size() {
    return keys.size();
  }

  /**
   * Decides whether the value of an Authorization header (or null) opens {@code store} for {@code scope}.
   */
  Decision authorize(String authorization, String store, Scope scope) {
    Key key = authenticate(authorization);
    if (key == null) {
      return Decision.UNAUTHORIZED;
    }
    boolean storeOk = key.store.equals("*") || key.store.equals(store);
    return storeOk && key.scopes.contains(scope) ? Decision.ALLOWED : Decision.FORBIDDEN;
  }

  /** Returns the key a header proves, or null. */
  Key authenticate(String authorization) {
    if (authorization == null || authorization.length() > 512
        || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = authorization.substring(7).strip();
    int dot = token.indexOf('.');
    if (dot <= 0 || dot == token.length() - 1) {
      return null;
    }
    byte[] tokenHash = sha256(token.getBytes(StandardCharsets.UTF_8));
    String cacheKey = HexFormat.of().formatHex(tokenHash);
    Key cached = verified.get(cacheKey);
    if (cached != null) {
      return cached;
    }
    String id = token.substring(0, dot);
    byte[] secret = token.substring(dot + 1).getBytes(StandardCharsets.UTF_8);
    Key key = keys.get(id);
    Key against = key != null ? key : dummy;
    boolean equal = MessageDigest.isEqual(hash(against, secret), against.hash);
    if (key == null || !equal) {
      return null;
    }
    if (verified.size() >= CACHE_LIMIT) {
      verified.clear();
    }
    verified.put(cacheKey, key);
    return key;
  }

  private static byte[] hash(Key key, byte[] secret) {
    if (key.scheme.equals("sha256")) {
      return sha256(secret);
    }
    return pbkdf2(new String(secret, StandardCharsets.UTF_8), key.salt, key.iterations, key.hash.length * 8);
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  static byte[] pbkdf2(String secret, byte[] salt, int iterations, int bits) {
    try {
      PBEKeySpec spec = new PBEKeySpec(secret.toCharArray(), salt, iterations, bits);
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (NoSuchAlgorithmException | InvalidKeySpecException e) {
      throw new IllegalStateException("every JDK has PBKDF2WithHmacSHA256", e);
    }
  }

  /** A new random secret: 32 bytes, base64url without padding (43 characters). */
  static String newSecret() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** The auth-file line for a key, with a SHA-256 hash (or PBKDF2 if {@code pbkdf2}). */
  static String fileLine(String id, String store, String scopes, String secret, boolean pbkdf2) {
    String hash;
    if (pbkdf2) {
      byte[] salt = new byte[16];
      new SecureRandom().nextBytes(salt);
      hash = "pbkdf2-sha256:" + PBKDF2_ITERATIONS + ":" + Base64.getEncoder().encodeToString(salt) + ":"
          + Base64.getEncoder().encodeToString(pbkdf2(secret, salt, PBKDF2_ITERATIONS, 256));
    } else {
      hash = "sha256:" + HexFormat.of().formatHex(sha256(secret.getBytes(StandardCharsets.UTF_8)));
    }
    return id + " " + store + " " + scopes + " " + hash;
  }
}
