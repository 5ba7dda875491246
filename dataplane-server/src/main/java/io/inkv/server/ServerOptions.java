package io.inkv.server;

import io.inkv.store.Durability;
import io.inkv.store.Units;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The server's settings, parsed from the command line and checked in one place ({@link #parse}),
 * so that a wrong flag fails at start-up with the flag's name in the message. Sizes and durations
 * are read by {@link Units}, the one parser of every inkv setting (docs/settings.md), so a flag
 * takes what {@code inkv.properties} and Spring's properties take: {@code 1MB}, {@code 30s}.
 */
final class ServerOptions {
  static final int DEFAULT_PORT = 8080;
  static final int DEFAULT_CONCURRENCY = 256;
  static final int MAX_CONCURRENCY = 65_536;
  static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
  /** A store value is at most a segment (64 MiB) less headers; a body above 32 MiB is refused. */
  static final int MAX_MAX_BODY_BYTES = 32 << 20;
  static final int DEFAULT_MAX_KEY_BYTES = 1024;
  static final int MAX_MAX_KEY_BYTES = 0xFFFF;
  static final int DEFAULT_MAX_FIELD_BYTES = 1 << 20;
  static final int MAX_MAX_FIELD_BYTES = 16 << 20;
  static final int DEFAULT_MAX_STORES = 64;
  static final int DEFAULT_IMAGES_KEEP = 3;

  /** Thrown for a bad command line; its message names the flag. */
  static final class UsageException extends ServerException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  enum TlsMode { REQUIRED, OPTIONAL }

  String host = "127.0.0.1";
  int port = DEFAULT_PORT;
  int concurrency = DEFAULT_CONCURRENCY;
  Path dataDir = Path.of("inkv-data");
  String cacheStore = "cache";
  int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
  int maxKeyBytes = DEFAULT_MAX_KEY_BYTES;
  int maxFieldBytes = DEFAULT_MAX_FIELD_BYTES;
  int maxStores = DEFAULT_MAX_STORES;
  Durability durability = Durability.NONE;
  Duration imageInterval = Duration.ofMinutes(10);
  long imageEveryWrites;
  int imagesKeep = DEFAULT_IMAGES_KEEP;
  Duration shutdownTimeout = Duration.ofSeconds(30);
  Path authFile;
  boolean anonymousReads;
  Path tlsKeystore;
  Path tlsKeystorePasswordFile;
  String tlsKeystoreType = "PKCS12";
  TlsMode tlsMode = TlsMode.REQUIRED;
  /** --tls-keystore-type or --tls-mode when one was given (null if neither): they need --tls-keystore. */
  private String tlsFlagGiven;
  String kafkaBootstrap;
  final Map<String, String> kafkaProperties = new LinkedHashMap<>();
  String kafkaTopicPrefix = "inkv.";
  int kafkaPartitions = 8;
  short kafkaReplicationFactor = 1;
  boolean help;

  boolean replicated() {
    return kafkaBootstrap != null;
  }

  boolean tls() {
    return tlsKeystore != null;
  }

  static final String USAGE = String.join("\n",
      "Usage: inkv-server [flags]                 run the data-plane server",
      "       inkv-server admin <command> <dir>   work on a store on disk (admin --help)",
      "",
      "With no flags it serves the stores under ./inkv-data on http://127.0.0.1:8080, HTTP/1.1 and",
      "h2c on one port, with no Kafka and no authentication. Routes: docs/server.md.",
      "",
      "Network",
      "  --host ADDR               address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)",
      "  --port N                  port, 0 to 65535; 0 picks a free one (default 8080)",
      "  --concurrency N           requests in flight at once, 1 to 65536 (default 256); one more is",
      "                            answered 503 with Retry-After: 1 at once, never queued",
      "  --shutdown-timeout D      how long SIGTERM/SIGINT waits for requests in flight, up to a year",
      "                            (default 30s)",
      "",
      "Storage",
      "  --data-dir DIR            directory holding one sub-directory per store, used by one server",
      "                            at a time (default ./inkv-data)",
      "  --durability MODE         none | interval | every-write (default none; see docs/store.md)",
      "  --cache-store NAME        store behind POST /store/{key} and GET /get/{key} (default cache)",
      "  --max-stores N            most stores the server opens, 1 to 4096 (default 64)",
      "",
      "Limits (a request over one is refused with 413 or 400 naming the limit)",
      "  --max-body-bytes SIZE     request body, 1 to 32MB (default 1MB)",
      "  --max-key-bytes SIZE      key, UTF-8 bytes, 1 to 65535 (default 1024)",
      "  --max-field-bytes SIZE    one STRING or BYTES field value, 1 to 16MB (default 1MB)",
      "",
      "Index images (snapshots a new replica starts from)",
      "  --image-interval D        build one per store this often, e.g. 30s, 10m, 1h, up to a year; 0 for never",
      "                            (default 10m)",
      "  --image-every-writes N    also build one after N writes to a store; 0 for never (default 0)",
      "  --images-keep N           images kept per store, 1 to 100 (default 3)",
      "",
      "Authentication and TLS",
      "  --auth-file FILE          API keys (one per line: id store scopes hash; docs/server.md); with it",
      "                            every write needs a key with the write scope",
      "  --anonymous-reads         with --auth-file, let reads through without a key",
      "  --tls-keystore FILE       serve HTTPS (HTTP/1.1 and h2 by ALPN) with this key store",
      "  --tls-keystore-password-file FILE   file holding the key store's password (or set",
      "                            INKV_TLS_KEYSTORE_PASSWORD); never on the command line",
      "  --tls-keystore-type TYPE  PKCS12 (default) or JKS (with --tls-keystore)",
      "  --tls-mode MODE           required (default: a plain-text connection is refused) or optional",
      "                            (plain text and TLS on the same port); with --tls-keystore",
      "",
      "Kafka (replicated mode; without --kafka-bootstrap the server runs local, with no Kafka)",
      "  --kafka-bootstrap HOSTS   bootstrap servers, host:port[,host:port...]",
      "  --kafka-property K=V      any Kafka client property (TLS, SASL...), repeatable",
      "  --kafka-topic-prefix P    topic of store NAME is P + NAME (default inkv.)",
      "  --kafka-partitions N      partitions of a new topic, 1 to 10000 (default 8)",
      "  --kafka-replication-factor N   replication factor of a new topic, 1 to 32 (default 1)",
      "",
      "  --help                    this text",
      "",
      "Sizes: bytes (1048576) or a whole number with B, KB, MB, GB (1KB = 1024 bytes, as in Spring Boot;",
      "KiB, MiB, GiB mean the same). Durations: a whole number with ms, s, m, h or d (500ms, 30s, 10m,",
      "2h, 1d) or ISO-8601 (PT10M); a bare number other than 0 is refused. See docs/settings.md.",
      "");

  /**
   * Parses and checks a command line.
   *
   * @throws UsageException naming the flag whose value is missing or out of range, or an unknown flag
   */
  static ServerOptions parse(String... args) {
    ServerOptions o = new ServerOptions();
    List<String> list = new ArrayList<>(List.of(args));
    for (int i = 0; i < list.size(); i++) {
      String arg = list.get(i);
      String flag = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        flag = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (value != null && (flag.equals("--help") || flag.equals("--anonymous-reads"))) {
        // "--anonymous-reads=false" must not turn anonymous reads on
        throw new UsageException(flag + " takes no value: '" + arg + "'");
      }
      switch (flag) {
        case "--help", "-h" -> o.help = true;
        case "--anonymous-reads" -> o.anonymousReads = true;
        default -> {
          if (!flag.startsWith("--") || !FLAGS_WITH_VALUE.contains(flag)) {
            throw new UsageException("unknown flag '" + arg + "'; --help lists them");
          }
          if (value == null) {
            if (i + 1 >= list.size()) {
              throw new UsageException(flag + " needs a value");
            }
            value = list.get(++i);
          }
          o.set(flag, value);
        }
      }
    }
    o.conclude();
    return o;
  }

  private static final List<String> FLAGS_WITH_VALUE = List.of("--host", "--port", "--concurrency",
      "--shutdown-timeout", "--data-dir", "--durability", "--cache-store", "--max-stores",
      "--max-body-bytes", "--max-key-bytes", "--max-field-bytes", "--image-interval",
      "--image-every-writes", "--images-keep", "--auth-file", "--tls-keystore",
      "--tls-keystore-password-file", "--tls-keystore-type", "--tls-mode", "--kafka-bootstrap",
      "--kafka-property", "--kafka-topic-prefix", "--kafka-partitions", "--kafka-replication-factor");

  private void set(String flag, String v) {
    switch (flag) {
      case "--host" -> host = host(flag, v);
      case "--port" -> port = intIn(flag, v, 0, 65_535);
      case "--concurrency" -> concurrency = intIn(flag, v, 1, MAX_CONCURRENCY);
      case "--shutdown-timeout" -> shutdownTimeout = duration(flag, v);
      case "--data-dir" -> dataDir = path(flag, v);
      case "--durability" -> durability = switch (v.toLowerCase(Locale.ROOT)) {
        case "none" -> Durability.NONE;
        case "interval" -> Durability.INTERVAL;
        case "every-write" -> Durability.EVERY_WRITE;
        default -> throw new UsageException("--durability must be none, interval or every-write: '" + v + "'");
      };
      case "--cache-store" -> cacheStore = v;
      case "--max-stores" -> maxStores = intIn(flag, v, 1, 4096);
      case "--max-body-bytes" -> maxBodyBytes = bytesIn(flag, v, MAX_MAX_BODY_BYTES, "32MB");
      case "--max-key-bytes" -> maxKeyBytes = bytesIn(flag, v, MAX_MAX_KEY_BYTES, "65535");
      case "--max-field-bytes" -> maxFieldBytes = bytesIn(flag, v, MAX_MAX_FIELD_BYTES, "16MB");
      case "--image-interval" -> imageInterval = duration(flag, v);
      case "--image-every-writes" -> imageEveryWrites = longIn(flag, v, 0, Long.MAX_VALUE);
      case "--images-keep" -> imagesKeep = intIn(flag, v, 1, 100);
      case "--auth-file" -> authFile = path(flag, v);
      case "--tls-keystore" -> tlsKeystore = path(flag, v);
      case "--tls-keystore-password-file" -> tlsKeystorePasswordFile = path(flag, v);
      case "--tls-keystore-type" -> {
        tlsKeystoreType = requireText(flag, v).strip();
        tlsFlagGiven = flag;
      }
      case "--tls-mode" -> {
        tlsMode = switch (v.toLowerCase(Locale.ROOT)) {
          case "required" -> TlsMode.REQUIRED;
          case "optional" -> TlsMode.OPTIONAL;
          default -> throw new UsageException("--tls-mode must be required or optional: '" + v + "'");
        };
        tlsFlagGiven = flag;
      }
      case "--kafka-bootstrap" -> kafkaBootstrap = requireText(flag, v);
      case "--kafka-property" -> {
        // the value may be a credential (sasl.jaas.config, ssl.key.password...): never echo it
        int eq = v.indexOf('=');
        String key = eq < 0 ? "" : v.substring(0, eq).strip();
        if (!key.matches("[A-Za-z0-9._-]{1,249}")) {
          throw new UsageException("--kafka-property must be key=value with a key of letters, digits, '.', '_' "
              + "or '-' (the value is not shown: it may be a credential)");
        }
        kafkaProperties.put(key, v.substring(eq + 1));
      }
      case "--kafka-topic-prefix" -> kafkaTopicPrefix = v;
      case "--kafka-partitions" -> kafkaPartitions = intIn(flag, v, 1, 10_000);
      case "--kafka-replication-factor" -> kafkaReplicationFactor = (short) intIn(flag, v, 1, 32);
      default -> throw new IllegalStateException(flag);
    }
  }

  /** Checks the settings that depend on each other, and on the file system. */
  private void conclude() {
    if (help) {
      return;
    }
    if (!StoreNames.isValid(cacheStore)) {
      throw new UsageException("--cache-store must match " + StoreNames.PATTERN + ": '" + cacheStore + "'");
    }
    if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
      throw new UsageException("--data-dir is not a directory: " + dataDir);
    }
    if (authFile != null && !Files.isReadable(authFile)) {
      throw new UsageException("--auth-file cannot be read: " + authFile);
    }
    if (anonymousReads && authFile == null) {
      throw new UsageException("--anonymous-reads needs --auth-file");
    }
    if (tlsKeystore == null && (tlsKeystorePasswordFile != null)) {
      throw new UsageException("--tls-keystore-password-file needs --tls-keystore");
    }
    if (tlsKeystore == null && tlsFlagGiven != null) {
      throw new UsageException(tlsFlagGiven + " needs --tls-keystore");
    }
    if (tlsKeystore != null) {
      try {
        KeyStore.getInstance(tlsKeystoreType);
      } catch (KeyStoreException e) {
        throw new UsageException("--tls-keystore-type must be a key store type of this JDK, such as PKCS12 or JKS: '"
            + tlsKeystoreType + "'");
      }
    }
    if (tlsKeystore != null && !Files.isReadable(tlsKeystore)) {
      throw new UsageException("--tls-keystore cannot be read: " + tlsKeystore);
    }
    if (tlsKeystorePasswordFile != null && !Files.isReadable(tlsKeystorePasswordFile)) {
      throw new UsageException("--tls-keystore-password-file cannot be read: " + tlsKeystorePasswordFile);
    }
    if (!kafkaProperties.isEmpty() && kafkaBootstrap == null) {
      throw new UsageException("--kafka-property needs --kafka-bootstrap");
    }
    if (kafkaBootstrap != null) {
      for (String server : kafkaBootstrap.split(",", -1)) {
        int colon = server.lastIndexOf(':');
        if (colon <= 0 || !isHost(server.substring(0, colon))
            || !server.substring(colon + 1).matches("[0-9]{1,5}")
            || Integer.parseInt(server.substring(colon + 1)) > 65_535) {
          throw new UsageException("--kafka-bootstrap must be host:port[,host:port...] with ports up to 65535: '"
              + kafkaBootstrap + "'");
        }
      }
    }
    if (!kafkaTopicPrefix.matches("[A-Za-z0-9._-]{0,100}")) {
      throw new UsageException("--kafka-topic-prefix may hold only letters, digits, '.', '_' and '-', at most 100: '"
          + kafkaTopicPrefix + "'");
    }
    if (shutdownTimeout.isZero()) {
      throw new UsageException("--shutdown-timeout must be positive: " + shutdownTimeout);
    }
  }

  /**
   * A host name, an IPv4 address or an IPv6 address (bracketed or not): letters, digits, '.', '-',
   * '_', ':' and '%' (a zone), at most 253 characters. Whether it resolves is found out when the
   * port is opened, and that error names --host too (InkvServer).
   */
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:%-]{1,253}|\\[[A-Za-z0-9.:%]{2,60}\\]");

  static boolean isHost(String v) {
    return HOST.matcher(v).matches();
  }

  private static String host(String flag, String v) {
    String h = requireText(flag, v).strip();
    if (!isHost(h)) {
      throw new UsageException(flag + " must be a host name or an IP address: '" + v + "'");
    }
    return h;
  }

  private static Path path(String flag, String v) {
    try {
      return Path.of(requireText(flag, v));
    } catch (InvalidPathException e) {
      throw new UsageException(flag + " is not a valid path: " + e.getReason());
    }
  }

  private static String requireText(String flag, String v) {
    if (v.isBlank()) {
      throw new UsageException(flag + " must not be empty");
    }
    return v;
  }

  private static int intIn(String flag, String v, int min, int max) {
    return (int) longIn(flag, v, min, max);
  }

  private static long longIn(String flag, String v, long min, long max) {
    long n;
    try {
      n = Long.parseLong(v.trim().replace("_", ""));
    } catch (NumberFormatException e) {
      throw new UsageException(flag + " must be a whole number from " + min + " to " + max + ": '" + v + "'");
    }
    if (n < min || n > max) {
      throw new UsageException(flag + " must be from " + min + " to " + max + ": " + n);
    }
    return n;
  }

  /** A size from 1 byte to {@code max} ({@code maxText} as the message writes it). */
  private static int bytesIn(String flag, String v, int max, String maxText) {
    long n;
    try {
      n = Units.parseBytes(flag, v);
    } catch (Units.FormatException e) {
      throw new UsageException(e.getMessage());
    }
    if (n < 1 || n > max) {
      throw new UsageException(flag + " must be from 1 byte to " + maxText + " (" + max + " bytes): '" + v.strip()
          + "'");
    }
    return (int) n;
  }

  /** A duration of at most a year (an interval or a timeout longer than that is a mistake). */
  static Duration duration(String flag, String v) {
    Duration d;
    try {
      d = Units.parseDuration(flag, v);
    } catch (Units.FormatException e) {
      throw new UsageException(e.getMessage());
    }
    if (d.compareTo(Duration.ofDays(365)) > 0) {
      throw new UsageException(flag + " must be at most a year (365d): '" + v.strip() + "'");
    }
    return d;
  }

  String topicOf(String store) {
    return kafkaTopicPrefix + store;
  }
}
