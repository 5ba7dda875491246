package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.inkv.store.Durability;
import io.inkv.store.Store;
import io.inkv.store.StoreException;
import io.inkv.store.StoreOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/*
 * Fuzzing the configuration the server loads: the command line (ServerOptions.parse), the auth
 * file (ApiKeys.parse) and what start-up reads from disk (the data directory's stores and their
 * kind files, the TLS key store), with random and mutated input.
 *
 * The oracle, for every input: either it loads into a configuration that satisfies every
 * documented bound (and, where the generator knows what each token means, holds exactly the
 * values given, last one winning), or it fails with the configuration's own exception whose
 * message names the offending flag (or the auth file and line, or the file on disk). Never another
 * exception type, never a hang (a watchdog fails the test when one input takes 10 s), never a
 * message that repeats a --kafka-property value, never a started server with a setting outside
 * its bounds.
 *
 * Counts: a few seconds by default; -Dinkv.reliability=true runs 1,000,000 command lines, 1,000,000
 * auth files and 200 start-ups. -Dinkv.fuzz.config.inputs=N, -Dinkv.fuzz.config.starts=N and
 * -Dinkv.fuzz.seed=S override them; the seed is printed, and a failure prints the input.
 */
class ConfigFuzzTest {
  static final boolean LONG = Boolean.getBoolean("inkv.reliability");
  static final long INPUTS = Long.getLong("inkv.fuzz.config.inputs", LONG ? 1_000_000 : 20_000);
  static final int STARTS = Integer.getInteger("inkv.fuzz.config.starts", LONG ? 200 : 6);
  static final long SEED = Long.getLong("inkv.fuzz.seed", System.nanoTime());
  static final String SECRET = "S3CRET-kafka-pw";

  @TempDir static Path dir;
  static Path authFile;
  static Path keystore;
  static Path password;
  static Path someDir;

  @BeforeAll
  static void files() throws Exception {
    authFile = dir.resolve("auth.txt");
    Files.write(authFile, List.of(ApiKeys.fileLine("w", "*", "read,write", "a-secret-of-the-fuzz", false)));
    someDir = Files.createDirectories(dir.resolve("a-directory"));
    keystore = dir.resolve("server.p12");
    password = dir.resolve("password");
    Files.writeString(password, "changeit-123\n");
    TestKeystores.selfSigned(keystore, "changeit-123");
  }

  // -----------------------------------------------------------------------------------------------
  // The command line

  /** Every flag that takes a value, with the bounds ServerOptions documents (null: not a number). */
  private static final Map<String, long[]> INT_FLAGS = Map.ofEntries(
      Map.entry("--port", new long[] {0, 65_535}),
      Map.entry("--concurrency", new long[] {1, 65_536}),
      Map.entry("--max-stores", new long[] {1, 4096}),
      Map.entry("--max-body-bytes", new long[] {1, 32 << 20}),
      Map.entry("--max-key-bytes", new long[] {1, 65_535}),
      Map.entry("--max-field-bytes", new long[] {1, 16 << 20}),
      Map.entry("--image-every-writes", new long[] {0, Long.MAX_VALUE}),
      Map.entry("--images-keep", new long[] {1, 100}),
      Map.entry("--kafka-partitions", new long[] {1, 10_000}),
      Map.entry("--kafka-replication-factor", new long[] {1, 32}));

  private static final List<String> ALL_FLAGS = List.of("--host", "--port", "--concurrency", "--shutdown-timeout",
      "--data-dir", "--durability", "--cache-store", "--max-stores", "--max-body-bytes", "--max-key-bytes",
      "--max-field-bytes", "--image-interval", "--image-every-writes", "--images-keep", "--auth-file",
      "--tls-keystore", "--tls-keystore-password-file", "--tls-keystore-type", "--tls-mode", "--kafka-bootstrap",
      "--kafka-property", "--kafka-topic-prefix", "--kafka-partitions", "--kafka-replication-factor",
      "--anonymous-reads", "--help");

  private static final String[] JUNK = {"", " ", "\t", "\u0000", "x", "-1", "+1", "1_000", "0x10", "1e3", "1.5",
      "NaN", "\u0661\u0662", "9".repeat(30), "-" + "9".repeat(19), "9223372036854775808", "2147483648", "é", "\uD800",
      "../..", "/", "=", "==", "--port", "a b", "a,b", "a:1", ":", "1h", "1ms", "0ms", "x".repeat(5000)};

  /** One generated command line and what the generator knows it must mean. */
  private static final class Line {
    final List<String> args = new ArrayList<>();
    final Map<String, Object> expected = new HashMap<>();
    final Map<String, String> kafka = new HashMap<>();
    /** Flags whose last value breaks a rule checked once all flags are read (ServerOptions.conclude). */
    final java.util.Set<String> lastBad = new java.util.HashSet<>();
    boolean mustFail; // a value refused as soon as it is read, whatever comes after it
    boolean known = true; // false once a mutation makes the meaning unknown
  }

  private void value(Random r, Line line, String flag) {
    String v;
    Object exp;
    boolean valid = r.nextInt(4) != 0;
    long[] range = INT_FLAGS.get(flag);
    if (range != null) {
      if (valid) {
        long n = switch (r.nextInt(3)) {
          case 0 -> range[0];
          case 1 -> range[1];
          default -> range[0] + Math.floorMod(r.nextLong(), range[1] - range[0] >= 1L << 40 ? 1L << 40 : range[1] - range[0] + 1);
        };
        v = switch (r.nextInt(4)) {
          case 0 -> " " + n + " ";
          case 1 -> String.format(Locale.ROOT, "%,d", n).replace(',', '_');
          default -> Long.toString(n);
        };
        if (SIZE_FLAGS.contains(flag) && n % 1024 == 0 && n > 0 && r.nextBoolean()) {
          // sizes take units too: 1KB = 1024 bytes, as in every inkv setting
          v = n % (1 << 20) == 0 ? (n >> 20) + pick(r, new String[] {"MB", "MiB", "mb"})
              : (n >> 10) + pick(r, new String[] {"KB", "KiB", " kb"});
        }
        exp = n;
      } else {
        v = r.nextBoolean() ? Long.toString(r.nextBoolean() ? range[0] - 1 : range[1] + 1)
            : SIZE_FLAGS.contains(flag) && r.nextBoolean() ? pick(r, BAD_SIZES) : pick(r, JUNK);
        exp = null;
        Long n = SIZE_FLAGS.contains(flag) ? size(v, range) : isNumber(v, range) ? Long.parseLong(v.strip().replace("_", ""))
            : null;
        if (n != null) {
          exp = n;
          valid = true;
        }
      }
    } else {
      switch (flag) {
        case "--host" -> {
          String[] ok = {"127.0.0.1", "localhost", "0.0.0.0", "::1", "[::1]", "my-host.example.com", " 127.0.0.1 "};
          String[] bad = {"", " ", "a b", "h\u0000", "h\u00e9te", "a/b", "x".repeat(300), "[]", "h;rm -rf"};
          v = valid ? pick(r, ok) : pick(r, bad);
          exp = v.strip();
        }
        case "--shutdown-timeout", "--image-interval" -> {
          String[] ok = {"500ms", "30s", "10m", "1h", " 5s ", "8760h", "1d", "365d", "5 s", "5S", "PT10M", "pt0.5s"};
          String[] bad = {"", "soon", "-1s", "1.5s", "7", "1y", "8761h", "366d", "99999999999999999999",
              "9223372036854775807h", "P1M", "10MB", "PT-1S"};
          if (valid) {
            v = pick(r, ok);
            exp = ServerOptions.duration(flag, v);
          } else {
            v = pick(r, bad);
            exp = null;
          }
          if (flag.equals("--image-interval") && r.nextInt(5) == 0) {
            v = "0";
            exp = Duration.ZERO;
            valid = true;
          }
        }
        case "--durability" -> {
          String[] names = {"none", "interval", "every-write"};
          int i = r.nextInt(3);
          v = valid ? (r.nextBoolean() ? names[i] : names[i].toUpperCase(Locale.ROOT)) : pick(r, new String[] {"",
              "always", "every_write", "none "});
          exp = new Durability[] {Durability.NONE, Durability.INTERVAL, Durability.EVERY_WRITE}[i];
        }
        case "--tls-mode" -> {
          v = valid ? pick(r, new String[] {"required", "OPTIONAL", "Optional"}) : pick(r, new String[] {"", "maybe", "off"});
          exp = v.equalsIgnoreCase("required") ? ServerOptions.TlsMode.REQUIRED : ServerOptions.TlsMode.OPTIONAL;
        }
        case "--tls-keystore-type" -> {
          v = valid ? pick(r, new String[] {"PKCS12", "JKS", "pkcs12"}) : pick(r, new String[] {"", " ", "PEM-NOT", "x"});
          exp = v.strip();
        }
        case "--cache-store" -> {
          v = valid ? pick(r, new String[] {"cache", "a", "c.a_c-h-e", "0", "x".repeat(63)})
              : pick(r, new String[] {"", "..", "../etc", ".images", "A", "a/b", "x".repeat(64), "a..b", "-a", "a\u0000"});
          exp = v;
        }
        case "--data-dir" -> {
          v = valid ? pick(r, new String[] {dir.resolve("data").toString(), someDir.toString(), "relative/dir"})
              : pick(r, new String[] {"", " ", "a\u0000b", authFile.toString()});
          exp = valid ? Path.of(v) : null;
        }
        case "--auth-file" -> {
          v = valid ? authFile.toString() : pick(r, new String[] {"", "/no/such/file", "a\u0000b"});
          exp = valid ? Path.of(v) : null;
        }
        case "--tls-keystore" -> {
          v = valid ? keystore.toString() : pick(r, new String[] {"", "/no/such/keystore", "k\u0000"});
          exp = valid ? Path.of(v) : null;
        }
        case "--tls-keystore-password-file" -> {
          v = valid ? password.toString() : pick(r, new String[] {"", "/no/such/password", "p\u0000"});
          exp = valid ? Path.of(v) : null;
        }
        case "--kafka-bootstrap" -> {
          v = valid ? pick(r, new String[] {"k1:9092", "k1:9092,k2:9093", "127.0.0.1:1", "[::1]:9092", "h:65535"})
              : pick(r, new String[] {"", "nohost", "h:", ":9092", "h:70000", "h:1,,h:2", "h:1 ,h:2", "h:x", "h:1,"});
          exp = v;
        }
        case "--kafka-property" -> {
          String key = pick(r, new String[] {"security.protocol", "sasl.jaas.config", "ssl.key.password", "acks"});
          String val = key.startsWith("sasl") ? "x required password=\"" + SECRET + "\";" : SECRET + r.nextInt(10);
          if (valid) {
            v = key + "=" + val;
            line.kafka.put(key, val);
          } else {
            v = pick(r, new String[] {"=" + val, " =" + val, key + ":" + val, val, "k e y=" + val});
          }
          exp = null;
        }
        case "--kafka-topic-prefix" -> {
          v = valid ? pick(r, new String[] {"", "inkv.", "a-b_c.", "x".repeat(100)}) : pick(r, new String[] {"a b", "x".repeat(101), "é", "a/b"});
          exp = v;
        }
        default -> throw new IllegalStateException(flag);
      }
    }
    if (!valid) {
      boolean readTime = !flag.equals("--cache-store") && !flag.equals("--kafka-topic-prefix")
          && (INT_FLAGS.containsKey(flag) || v.isBlank() || v.contains("\u0000") || List.of("--host", "--shutdown-timeout",
              "--image-interval", "--durability", "--tls-mode", "--kafka-property").contains(flag));
      if (readTime) {
        line.mustFail = true;
      } else {
        line.lastBad.add(flag);
        line.expected.remove(flag);
      }
    } else {
      line.lastBad.remove(flag);
      if (exp != null) {
        line.expected.put(flag, exp);
      }
    }
    if (r.nextBoolean() && !v.isEmpty() || v.startsWith("-")) {
      line.args.add(flag + "=" + v);
    } else {
      line.args.add(flag);
      line.args.add(v);
    }
  }

  /** The flags whose values are sizes (io.inkv.store.Units): bytes, or a whole number with B, KB, MB... */
  private static final java.util.Set<String> SIZE_FLAGS = java.util.Set.of("--max-body-bytes", "--max-key-bytes",
      "--max-field-bytes");
  private static final String[] BAD_SIZES = {"1m", "1M", "16k", "1.5MB", "1 M B", "64MB", "1GB", "-1KB", "KB", "1_KB"};

  /** The bytes a size flag's value means, if it is a size within the flag's range; else null. */
  private static Long size(String v, long[] range) {
    long n;
    try {
      n = io.inkv.store.Units.parseBytes("size", v);
    } catch (IllegalArgumentException e) {
      return null;
    }
    return n >= range[0] && n <= range[1] ? n : null;
  }

  private static boolean isNumber(String v, long[] range) {
    try {
      long n = Long.parseLong(v.strip().replace("_", ""));
      return n >= range[0] && n <= range[1];
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String pick(Random r, String[] a) {
    return a[r.nextInt(a.length)];
  }

  private Line generate(Random r) {
    Line line = new Line();
    int n = r.nextInt(8);
    for (int i = 0; i < n; i++) {
      String flag = ALL_FLAGS.get(r.nextInt(ALL_FLAGS.size()));
      switch (flag) {
        case "--anonymous-reads", "--help" -> {
          if (r.nextInt(8) == 0) {
            line.args.add(flag + "=" + pick(r, new String[] {"false", "true", ""}));
            line.mustFail = true;
          } else {
            line.args.add(flag);
            line.expected.put(flag, true);
          }
        }
        default -> value(r, line, flag);
      }
    }
    switch (r.nextInt(12)) {
      case 0 -> { // an unknown flag, or a flag with its value missing
        line.args.add(pick(r, new String[] {"--Port", "-port", "port", "--", "-", "--=x", "---port", "--bogus", "stray"}));
        line.mustFail = true;
      }
      case 1 -> {
        line.args.add(ALL_FLAGS.get(r.nextInt(ALL_FLAGS.size() - 2)));
        line.mustFail = true;
      }
      case 2, 3, 4 -> mutate(r, line);
      default -> { }
    }
    return line;
  }

  private static final char[] INTERESTING = {'=', '-', ' ', '\u0000', '\u00e9', '\uD800', '/', '.', ':', ',', '0', '9', '_',
      '\n', '%', '\\', '"'};

  private static void mutate(Random r, Line line) {
    line.known = false;
    List<String> a = line.args;
    int k = 1 + r.nextInt(3);
    for (int m = 0; m < k; m++) {
      if (a.isEmpty()) {
        a.add(ALL_FLAGS.get(r.nextInt(ALL_FLAGS.size())));
        continue;
      }
      int i = r.nextInt(a.size());
      String s = a.get(i);
      int at = s.isEmpty() ? 0 : r.nextInt(s.length() + 1);
      switch (r.nextInt(6)) {
        case 0 -> a.set(i, s.substring(0, at) + INTERESTING[r.nextInt(INTERESTING.length)] + s.substring(at));
        case 1 -> a.set(i, at < s.length() ? s.substring(0, at) + s.substring(at + 1) : s);
        case 2 -> a.add(r.nextInt(a.size() + 1), s);
        case 3 -> a.remove(i);
        case 4 -> java.util.Collections.swap(a, i, r.nextInt(a.size()));
        default -> a.set(i, at < s.length() ? s.substring(0, at) + (char) r.nextInt(0x3000) + s.substring(at + 1) : s);
      }
    }
  }

  /** The documented bounds and rules, checked on every configuration parse accepts. */
  static void checkBounds(ServerOptions o) {
    assertTrue(o.port >= 0 && o.port <= 65_535, "port " + o.port);
    assertTrue(o.concurrency >= 1 && o.concurrency <= ServerOptions.MAX_CONCURRENCY, "concurrency");
    assertTrue(o.maxBodyBytes >= 1 && o.maxBodyBytes <= ServerOptions.MAX_MAX_BODY_BYTES, "max body");
    assertTrue(o.maxKeyBytes >= 1 && o.maxKeyBytes <= ServerOptions.MAX_MAX_KEY_BYTES, "max key");
    assertTrue(o.maxFieldBytes >= 1 && o.maxFieldBytes <= ServerOptions.MAX_MAX_FIELD_BYTES, "max field");
    assertTrue(o.maxStores >= 1 && o.maxStores <= 4096, "max stores");
    assertTrue(o.imagesKeep >= 1 && o.imagesKeep <= 100, "images keep");
    assertTrue(o.imageEveryWrites >= 0, "image every writes");
    assertTrue(o.kafkaPartitions >= 1 && o.kafkaPartitions <= 10_000, "partitions");
    assertTrue(o.kafkaReplicationFactor >= 1 && o.kafkaReplicationFactor <= 32, "replication factor");
    assertTrue(!o.imageInterval.isNegative() && o.imageInterval.compareTo(Duration.ofDays(365)) <= 0, "image interval");
    if (o.help) {
      return; // --help prints the usage and exits: the rules between flags are not checked
    }
    assertTrue(o.shutdownTimeout.compareTo(Duration.ZERO) > 0 && o.shutdownTimeout.compareTo(Duration.ofDays(365)) <= 0,
        "shutdown timeout");
    assertTrue(ServerOptions.isHost(o.host), "host '" + o.host + "'");
    assertTrue(StoreNames.isValid(o.cacheStore), "cache store '" + o.cacheStore + "'");
    assertTrue(!Files.exists(o.dataDir) || Files.isDirectory(o.dataDir), "data dir");
    assertTrue(o.authFile == null || Files.isReadable(o.authFile), "auth file");
    assertTrue(!o.anonymousReads || o.authFile != null, "anonymous reads without auth");
    assertTrue(o.tlsKeystore != null || o.tlsKeystorePasswordFile == null, "password file without key store");
    assertTrue(o.tlsKeystore == null || Files.isReadable(o.tlsKeystore), "key store");
    assertTrue(o.kafkaProperties.isEmpty() || o.kafkaBootstrap != null, "kafka properties without bootstrap");
    for (String k : o.kafkaProperties.keySet()) {
      assertTrue(k.matches("[A-Za-z0-9._-]+"), "kafka property key '" + k + "'");
    }
    assertTrue(o.kafkaTopicPrefix.matches("[A-Za-z0-9._-]{0,100}"), "topic prefix");
    if (o.kafkaBootstrap != null) {
      for (String server : o.kafkaBootstrap.split(",", -1)) {
        int colon = server.lastIndexOf(':');
        assertTrue(colon > 0 && Integer.parseInt(server.substring(colon + 1)) <= 65_535, "bootstrap " + o.kafkaBootstrap);
      }
    }
  }

  private static void checkExpected(Line line, ServerOptions o) {
    Map<String, Object> e = line.expected;
    Map<String, Object> actual = new HashMap<>();
    actual.put("--host", o.host);
    actual.put("--port", (long) o.port);
    actual.put("--concurrency", (long) o.concurrency);
    actual.put("--max-stores", (long) o.maxStores);
    actual.put("--max-body-bytes", (long) o.maxBodyBytes);
    actual.put("--max-key-bytes", (long) o.maxKeyBytes);
    actual.put("--max-field-bytes", (long) o.maxFieldBytes);
    actual.put("--image-every-writes", o.imageEveryWrites);
    actual.put("--images-keep", (long) o.imagesKeep);
    actual.put("--kafka-partitions", (long) o.kafkaPartitions);
    actual.put("--kafka-replication-factor", (long) o.kafkaReplicationFactor);
    actual.put("--shutdown-timeout", o.shutdownTimeout);
    actual.put("--image-interval", o.imageInterval);
    actual.put("--durability", o.durability);
    actual.put("--tls-mode", o.tlsMode);
    actual.put("--tls-keystore-type", o.tlsKeystoreType);
    actual.put("--cache-store", o.cacheStore);
    actual.put("--data-dir", o.dataDir);
    actual.put("--auth-file", o.authFile);
    actual.put("--tls-keystore", o.tlsKeystore);
    actual.put("--tls-keystore-password-file", o.tlsKeystorePasswordFile);
    actual.put("--kafka-bootstrap", o.kafkaBootstrap);
    actual.put("--kafka-topic-prefix", o.kafkaTopicPrefix);
    actual.put("--anonymous-reads", o.anonymousReads);
    actual.put("--help", o.help);
    for (Map.Entry<String, Object> x : e.entrySet()) {
      assertEquals(x.getValue(), actual.get(x.getKey()), x.getKey());
    }
    assertEquals(line.kafka, o.kafkaProperties, "--kafka-property");
  }

  /** --help skips the rules between flags (ServerOptions.conclude): it prints the usage and exits. */
  private static boolean mustFail(Line line) {
    return line.mustFail || (!line.expected.containsKey("--help") && !line.lastBad.isEmpty());
  }

  /** Whether the generator knows the line breaks a rule between flags (which ServerOptions.conclude checks). */
  private static boolean breaksARule(Line line) {
    Map<String, Object> e = line.expected;
    if (e.containsKey("--help")) {
      return false;
    }
    boolean tls = e.containsKey("--tls-keystore");
    return (e.containsKey("--anonymous-reads") && !e.containsKey("--auth-file"))
        || (!tls && (e.containsKey("--tls-keystore-password-file") || e.containsKey("--tls-mode")
            || e.containsKey("--tls-keystore-type")))
        || (tls && e.containsKey("--tls-keystore-type") && !Arrays.asList("PKCS12", "JKS").contains(
            ((String) e.get("--tls-keystore-type")).toUpperCase(Locale.ROOT)))
        || (!line.kafka.isEmpty() && !e.containsKey("--kafka-bootstrap"))
        || (e.containsKey("--data-dir") && Files.isRegularFile((Path) e.get("--data-dir")));
  }

  private static void checkError(List<String> args, String message) {
    assertTrue(message != null && !message.isBlank(), "an error without a message");
    if (message.startsWith("unknown flag '")) {
      String arg = message.substring("unknown flag '".length(), message.indexOf("'; --help"));
      assertTrue(args.contains(arg), "names an argument that was not given: " + message);
      return;
    }
    String named = message.split("[ :]", 2)[0];
    assertTrue(!named.equals("--kafka-property") || !message.contains(SECRET),
        "the error repeats a --kafka-property value: " + message);
    assertTrue(ALL_FLAGS.contains(named) || named.equals("-h"), "the error names no flag: " + message);
    boolean given = false;
    for (String a : args) {
      given |= a.equals(named) || a.startsWith(named + "=");
    }
    assertTrue(given || named.equals("--tls-keystore-type"), "the error names a flag that was not given: " + message);
  }

  @Test
  void everyCommandLineLoadsIntoValidSettingsOrFailsNamingTheFlag() throws Exception {
    AtomicLong[] outcome = {new AtomicLong(), new AtomicLong()};
    runWatched("command lines", INPUTS, (r, current) -> {
      Line line = generate(r);
      current.accept(line.args.toString());
      ServerOptions o;
      try {
        o = ServerOptions.parse(line.args.toArray(String[]::new));
      } catch (ServerOptions.UsageException e) {
        checkError(line.args, e.getMessage());
        if (line.known && !mustFail(line) && !breaksARule(line)) {
          fail("a valid command line was refused: " + e.getMessage());
        }
        outcome[1].incrementAndGet();
        return;
      }
      if (line.known && mustFail(line)) {
        fail("an invalid command line was accepted");
      }
      checkBounds(o);
      if (line.known) {
        checkExpected(line, o);
      }
      outcome[0].incrementAndGet();
    });
    System.out.printf(Locale.ROOT, "ConfigFuzzTest: %d command lines (seed %d): %d accepted, %d refused naming a flag%n",
        INPUTS, SEED, outcome[0].get(), outcome[1].get());
    assertTrue(outcome[0].get() > INPUTS / 10 && outcome[1].get() > INPUTS / 10, "the generator covers both outcomes");
  }

  // -----------------------------------------------------------------------------------------------
  // The auth file

  private static final String[] SCOPES = {"read", "write", "read,write", "WRITE", "write,read"};

  @Test
  void everyAuthFileLoadsIntoValidKeysOrFailsNamingTheLine() throws Exception {
    AtomicLong[] outcome = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
    Path file = Path.of("fuzz-auth.txt");
    runWatched("auth files", INPUTS, (r, current) -> {
      List<String> lines = new ArrayList<>();
      Map<String, String> secrets = new HashMap<>();
      boolean known = true;
      boolean mustFail = false;
      int n = r.nextInt(5);
      for (int i = 0; i < n; i++) {
        switch (r.nextInt(6)) {
          case 0 -> lines.add(r.nextBoolean() ? "" : "# a comment " + r.nextInt());
          default -> {
            String id = r.nextInt(20) == 0 ? pick(r, new String[] {"", "a.b", "x".repeat(65), "é"}) : "k" + i;
            String store = pick(r, new String[] {"*", "users", "cache", "a.b-c"});
            if (r.nextInt(20) == 0) {
              store = pick(r, new String[] {"..", "../x", "A", ".images"});
              mustFail = true;
            }
            String scopes = r.nextInt(20) == 0 ? pick(r, new String[] {"admin", "", "read;write", ",read"})
                : pick(r, SCOPES);
            String secret = "s" + r.nextLong();
            String hash;
            if (r.nextInt(10) == 0) {
              byte[] salt = new byte[8 + r.nextInt(57)];
              r.nextBytes(salt);
              int iterations = 1000 + r.nextInt(10);
              hash = "pbkdf2-sha256:" + iterations + ":" + java.util.Base64.getEncoder().encodeToString(salt) + ":"
                  + java.util.Base64.getEncoder().encodeToString(ApiKeys.pbkdf2(secret, salt, iterations, 256));
            } else {
              hash = "sha256:" + java.util.HexFormat.of().formatHex(ApiKeys.sha256(secret.getBytes(StandardCharsets.UTF_8)));
            }
            if (r.nextInt(15) == 0) {
              hash = pick(r, new String[] {"sha256:00", "sha256:" + "z".repeat(64), "md5:abc", "pbkdf2-sha256:999:AAAAAAAAAAA=:"
                  + "A".repeat(44), "pbkdf2-sha256:2147483647:AAAAAAAAAAA=:" + "A".repeat(44), "pbkdf2-sha256:1000::"
                  + "A".repeat(44), "pbkdf2-sha256:1000:AAAAAAAAAAA=:", "pbkdf2-sha256:x:y:z", "pbkdf2-sha256:1000:!!:!!",
                  "pbkdf2-sha256:-5:AAAAAAAAAAA=:" + "A".repeat(44), "pbkdf2-sha256:99999999999:AAAAAAAAAAA=:" + "A".repeat(44)});
              mustFail = true;
            }
            if (id.isEmpty() || !id.matches("[A-Za-z0-9_-]{1,64}") || scopes.isEmpty() || scopes.equals("admin")
                || scopes.contains(";") || scopes.startsWith(",")) {
              mustFail = true;
            }
            String sep = pick(r, new String[] {" ", "\t", "   ", " \t "});
            lines.add(String.join(sep, id, store, scopes, hash) + (r.nextInt(10) == 0 ? "\r" : ""));
            if (secrets.put(id, secret) != null) {
              mustFail = true; // a duplicate id
            }
          }
        }
      }
      if (r.nextInt(4) == 0 && !lines.isEmpty()) {
        known = false;
        int i = r.nextInt(lines.size());
        String s = lines.get(i);
        int at = s.isEmpty() ? 0 : r.nextInt(s.length());
        lines.set(i, switch (r.nextInt(4)) {
          case 0 -> s.substring(0, at) + INTERESTING[r.nextInt(INTERESTING.length)] + s.substring(at);
          case 1 -> s.isEmpty() ? s : s.substring(0, at) + s.substring(at + 1);
          case 2 -> s.substring(0, at) + (char) r.nextInt(0x3000) + s.substring(Math.min(s.length(), at + 1));
          default -> s + " extra";
        });
      }
      current.accept(lines.toString());
      ApiKeys keys;
      try {
        keys = ApiKeys.parse(file, lines);
      } catch (ServerException e) {
        String m = e.getMessage();
        assertTrue(m.startsWith("--auth-file " + file + " line ") || m.equals("--auth-file " + file
            + ": holds no key; every request would be refused"), m);
        if (m.contains(" line ")) {
          int no = Integer.parseInt(m.substring(("--auth-file " + file + " line ").length(), m.indexOf(':', 12 + file.toString().length())));
          String bad = lines.get(no - 1).strip();
          assertTrue(!bad.isEmpty() && !bad.startsWith("#"), "the line named is a comment: " + m);
        }
        for (String secret : secrets.values()) {
          assertTrue(!m.contains(secret), "the error shows a secret");
        }
        if (known && !mustFail && !secrets.isEmpty()) {
          fail("a valid auth file was refused: " + m);
        }
        outcome[1].incrementAndGet();
        return;
      }
      if (known && mustFail) {
        fail("an invalid auth file was accepted");
      }
      assertTrue(keys.size() > 0);
      if (known) {
        assertEquals(secrets.size(), keys.size());
        // a generated key opens what its line says, and a wrong secret opens nothing
        String id = secrets.keySet().iterator().next();
        if (r.nextInt(50) == 0 || lines.stream().noneMatch(l -> l.contains("pbkdf2"))) {
          assertTrue(keys.authenticate("Bearer " + id + "." + secrets.get(id)) != null, "the key does not open");
          assertEquals(null, keys.authenticate("Bearer " + id + "." + secrets.get(id) + "x"));
          outcome[2].incrementAndGet();
        }
      }
      outcome[0].incrementAndGet();
    });
    System.out.printf(Locale.ROOT, "ConfigFuzzTest: %d auth files (seed %d): %d loaded (%d keys verified), %d refused "
        + "naming the line%n", INPUTS, SEED, outcome[0].get(), outcome[2].get(), outcome[1].get());
    assertTrue(outcome[0].get() > INPUTS / 10 && outcome[1].get() > INPUTS / 10, "the generator covers both outcomes");
  }

  // -----------------------------------------------------------------------------------------------
  // Start-up: what the server reads from disk

  @Test
  void everyStartEitherServesWithTheSettingsGivenOrStopsNamingTheProblem() throws Exception {
    Random r = new Random(SEED);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    int started = 0;
    int refused = 0;
    for (int i = 0; i < STARTS; i++) {
      Path data = dir.resolve("start-" + i);
      List<String> args = new ArrayList<>(List.of("--port", "0", "--data-dir", data.toString(), "--image-interval", "0",
          "--shutdown-timeout", "2s", "--max-stores", Integer.toString(1 + r.nextInt(4)),
          "--max-key-bytes", Integer.toString(1 + r.nextInt(100)), "--max-body-bytes", Integer.toString(1 + r.nextInt(5000))));
      String expectNamed = null;
      if (r.nextInt(4) == 0) {
        args.addAll(List.of("--host", pick(r, new String[] {"localhost", "127.0.0.1", "::1", "no-such-host.invalid", "192.0.2.1"})));
      }
      // a store on disk with a fuzzed kind file
      int kind = r.nextInt(4);
      if (kind > 0) {
        Path storeDir = data.resolve("s1");
        Store.open(StoreOptions.builder(storeDir).build()).close();
        String content = switch (kind) {
          case 1 -> "bytes\n";
          case 2 -> pick(r, new String[] {"", "BYTES", "docs", "\u0000", "bytes bytes"});
          default -> null;
        };
        if (content != null) {
          Files.writeString(storeDir.resolve(ServerStores.KIND_FILE), content);
          if (kind == 2) {
            expectNamed = storeDir.resolve(ServerStores.KIND_FILE).toString();
          }
        } else {
          Files.write(storeDir.resolve("inkv.manifest"), randomBytes(r, r.nextInt(200)));
          expectNamed = "s1";
        }
      }
      // the TLS key store: the real one, garbage, or the wrong password
      int tls = r.nextInt(5);
      if (tls > 1) {
        Path ks = tls == 3 ? Files.write(dir.resolve("garbage-" + i + ".p12"), randomBytes(r, r.nextInt(3000)))
            : keystore;
        Path pw = tls == 4 ? Files.writeString(dir.resolve("wrong-" + i), "not-the-password") : password;
        args.addAll(List.of("--tls-keystore", ks.toString(), "--tls-keystore-password-file", pw.toString()));
        if (tls > 2) {
          expectNamed = "--tls-keystore";
        }
      }
      String[] a = args.toArray(String[]::new);
      ServerOptions o = ServerOptions.parse(a);
      checkBounds(o);
      InkvServer server;
      try {
        server = InkvServer.start(o);
      } catch (ServerException | StoreException e) {
        String m = e.getMessage();
        assertTrue(!m.contains("changeit-123") && !m.contains("not-the-password"), "the error shows a password: " + m);
        boolean named = m.startsWith("--") || m.contains(data.toString());
        assertTrue(named, "the start-up error names no flag or file: " + m + " (" + args + ")");
        if (expectNamed != null) {
          assertTrue(m.contains(expectNamed) || m.startsWith("--host"), "expected " + expectNamed + " in: " + m);
        } else {
          assertTrue(m.startsWith("--host"), "only the host may fail here: " + m + " (" + args + ")");
        }
        if (refused++ < 20) {
          System.out.println("ConfigFuzzTest: start-up refused: " + m);
        }
        continue;
      }
      try {
        assertTrue(expectNamed == null || expectNamed.equals("s1"), "started despite a bad " + expectNamed + " (" + args + ")");
        if (!o.tls() && (o.host.equals("127.0.0.1") || o.host.equals("localhost"))) {
          HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
              + "/health")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
          assertEquals(200, health.statusCode());
          // the limits given are the limits served
          HttpResponse<String> big = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
              + "/store/" + "k".repeat(o.maxKeyBytes + 1))).POST(HttpRequest.BodyPublishers.ofString("v"))
              .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
          assertEquals(400, big.statusCode());
          assertTrue(big.body().contains("--max-key-bytes") && big.body().contains(Integer.toString(o.maxKeyBytes)), big.body());
        }
        started++;
      } finally {
        server.close();
      }
    }
    System.out.printf(Locale.ROOT, "ConfigFuzzTest: %d start-ups (seed %d): %d served, %d stopped naming the problem%n",
        STARTS, SEED, started, refused);
  }

  private static byte[] randomBytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  // -----------------------------------------------------------------------------------------------

  interface Trial {
    void run(Random r, Consumer<String> current) throws Exception;
  }

  /**
   * Runs {@code inputs} trials on a worker thread, each with its own seed derived from SEED; fails
   * with the input when one throws, or when one has not finished after 10 s (a hang).
   */
  static void runWatched(String what, long inputs, Trial trial) throws Exception {
    AtomicLong done = new AtomicLong();
    String[] current = {""};
    ExecutorService worker = Executors.newSingleThreadExecutor();
    try {
      Future<?> f = worker.submit(() -> {
        Random seeds = new Random(SEED);
        for (long i = 0; i < inputs; i++) {
          long seed = seeds.nextLong();
          try {
            trial.run(new Random(seed), s -> current[0] = s);
          } catch (Throwable t) {
            throw new AssertionError(what + " #" + i + " (-Dinkv.fuzz.seed=" + SEED + "): " + t.getMessage()
                + "\n  input: " + abbreviate(current[0]), t);
          }
          done.incrementAndGet();
        }
        return null;
      });
      long last = -1;
      long lastChange = System.nanoTime();
      while (true) {
        try {
          f.get(1, TimeUnit.SECONDS);
          return;
        } catch (TimeoutException e) {
          long now = done.get();
          if (now != last) {
            last = now;
            lastChange = System.nanoTime();
          } else if (System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(10)) {
            f.cancel(true);
            fail(what + ": one input has run for 10 s (a hang): " + abbreviate(current[0]));
          }
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof AssertionError a) {
            throw a;
          }
          throw e;
        }
      }
    } finally {
      worker.shutdownNow();
    }
  }

  static String abbreviate(String s) {
    String shown = s.replace("\u0000", "\\0");
    return shown.length() > 2000 ? shown.substring(0, 2000) + "... (" + shown.length() + " chars)" : shown;
  }
}
