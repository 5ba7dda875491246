package io.inkv.jcache;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.replication.ReplicationConfig;
import io.inkv.store.Durability;
import io.inkv.store.StoreOptions;
import io.inkv.store.Units;
import io.inkv.store.codec.Codec;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import javax.cache.configuration.Factory;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.expiry.AccessedExpiryPolicy;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.EternalExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.expiry.TouchedExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;

/*
 * The declarative configuration of a cache manager: a Java properties file, the format every
 * Java developer reads without a schema and that Spring Boot's application.properties has made
 * familiar; inkv's settings are flat (no nesting deeper than template/cache), which is what
 * properties do well.
 *
 * Where it comes from: the cache manager's URI. "classpath:x.properties" and "file:/x.properties"
 * name a file that must exist. Any other URI is looked up as a class-path resource (the default
 * URI is "inkv.properties", so an application configures the default manager by putting an
 * inkv.properties on its class path) and, when it names no resource, means "no file": JCache
 * lets applications use any URI as a plain name. The properties passed to getCacheManager are
 * applied over the file's.
 *
 *   inkv.directory=/var/lib/app/caches        base directory of persistent caches
 *   inkv.temporaryDirectory=/tmp               parent of the manager's temporary directory
 *   inkv.default.<setting>=...                 defaults for every cache of the manager
 *   inkv.template.<template>.<setting>=...     a named set of settings
 *   inkv.cache.<cache>.template=<template>     a declared cache starts from a template
 *   inkv.cache.<cache>.<setting>=...           a declared cache, created when the manager starts
 *
 * Settings: keyType, valueType, persistent, readOnly, directory, durability, maxEntries, maxBytes,
 * segmentSize, statistics, management, readThrough, writeThrough, loader, writer, expiry,
 * keyCodec, valueCodec (see docs/jcache.md), and replication.* (see docs/replication.md: a declared
 * cache with replication.bootstrapServers is a replica of the store named by replication.store, by
 * default the cache's name; replication.kafka.<property> passes any Kafka client property through).
 * Every key and value is checked when the manager is
 * created, and a wrong one fails then, naming the key and the file.
 *
 * Sizes and durations are read by io.inkv.store.Units, the one parser of every inkv setting
 * (docs/settings.md): 10MB, 512KB, 1048576; 10m, 30s, PT10M. A bare duration as the expiry is a
 * time to live, counted from the entry's last write (ModifiedExpiryPolicy), the meaning Spring's
 * time-to-live and Hibernate's expiry have too; created:, accessed:, modified: and touched: name
 * the other JCache policies explicitly.
 */
final class ConfigFile {
  static final String DEFAULT_RESOURCE = "inkv.properties";
  private static final String PREFIX = "inkv.";
  private static final Set<String> SETTINGS = Set.of("keyType", "valueType", "storeByValue", "persistent", "readOnly", "directory",
      "durability", "maxEntries", "maxBytes", "heapEntries", "segmentSize", "statistics", "management", "readThrough", "writeThrough",
      "loader", "writer", "expiry", "keyCodec", "valueCodec", "template", "checkReplicatedValues");
  private static final String REPLICATION = "replication.";
  private static final Set<String> REPLICATION_SETTINGS = Set.of("store", "topic", "bootstrapServers", "partitions",
      "replicationFactor", "writeMode", "ownedPartitions", "startupWait", "checkpointInterval", "deadLetterTopic",
      "remoteEvents");

  private final String source;
  private final Path directory;
  private final Path temporaryDirectory;
  private final Map<String, String> defaults;
  private final Map<String, Map<String, String>> templates;
  private final Map<String, Map<String, String>> caches;

  private ConfigFile(String source, Properties p) {
    this.source = source;
    Map<String, String> defaultSettings = new LinkedHashMap<>();
    Map<String, Map<String, String>> templateSettings = new LinkedHashMap<>();
    Map<String, Map<String, String>> cacheSettings = new LinkedHashMap<>();
    String dir = null;
    String tmp = null;
    for (String key : new TreeSet<>(p.stringPropertyNames())) {
      if (!key.startsWith(PREFIX)) {
        throw error(key, "not an inkv setting: every setting of an inkv configuration starts with \"inkv.\""
            + " (inkv.directory, inkv.temporaryDirectory, inkv.default.*, inkv.template.*, inkv.cache.*)");
      }
      String value = p.getProperty(key).trim();
      String rest = key.substring(PREFIX.length());
      if (rest.equals("directory")) {
        dir = value;
      } else if (rest.equals("temporaryDirectory")) {
        tmp = value;
      } else if (rest.startsWith("default.")) {
        defaultSettings.put(setting(key, rest.substring("default.".length())), value);
      } else if (rest.startsWith("template.") || rest.startsWith("cache.")) {
        boolean template = rest.startsWith("template.");
        String body = rest.substring(template ? "template.".length() : "cache.".length());
        int replication = body.indexOf("." + REPLICATION);
        int dot = replication > 0 ? replication : body.lastIndexOf('.');
        if (dot <= 0) {
          throw error(key, "expected " + (template ? "inkv.template.<template>" : "inkv.cache.<cache>") + ".<setting>");
        }
        String owner = body.substring(0, dot);
        String setting = setting(key, body.substring(dot + 1));
        (template ? templateSettings : cacheSettings).computeIfAbsent(owner, o -> new LinkedHashMap<>()).put(setting, value);
      } else {
        throw error(key, "unknown setting; expected inkv.directory, inkv.temporaryDirectory, inkv.default.*,"
            + " inkv.template.* or inkv.cache.*");
      }
    }
    this.directory = dir == null ? null : Paths.get(dir);
    this.temporaryDirectory = tmp == null ? null : Paths.get(tmp);
    this.defaults = defaultSettings;
    this.templates = templateSettings;
    this.caches = cacheSettings;
  }

  private String setting(String key, String name) {
    if (name.startsWith(REPLICATION)) {
      String r = name.substring(REPLICATION.length());
      if (!REPLICATION_SETTINGS.contains(r) && !(r.startsWith("kafka.") && r.length() > "kafka.".length())) {
        throw error(key, "unknown replication setting " + r + "; known: " + new TreeSet<>(REPLICATION_SETTINGS)
            + " and kafka.<Kafka client property>");
      }
      return name;
    }
    if (!SETTINGS.contains(name)) {
      throw error(key, "unknown setting " + name + "; known: " + new TreeSet<>(SETTINGS));
    }
    return name;
  }

  private IllegalArgumentException error(String key, String problem) {
    return new IllegalArgumentException(key + " in " + source + ": " + problem);
  }

  /** Reads the configuration a cache manager URI names, with {@code overrides} applied. */
  static ConfigFile load(URI uri, ClassLoader classLoader, Properties overrides) {
    Properties p = new Properties();
    String source = uri.toString();
    URL url = locate(uri, classLoader);
    if (url != null) {
      String text;
      try (InputStream in = url.openStream()) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the inkv configuration " + url + ": " + e, e);
      }
      if (text.strip().replace("\uFEFF", "").startsWith("<")) {
        throw new IllegalArgumentException(url + " is not an inkv configuration: it is XML (another JCache"
            + " provider's configuration, such as Ehcache's?), and inkv reads a properties file of inkv.* settings"
            + " (inkv.default.*, inkv.template.*, inkv.cache.*; docs/jcache.md, \"Declarative configuration\")");
      }
      try {
        p.load(new StringReader(text));
      } catch (IOException | IllegalArgumentException e) {
        throw new IllegalArgumentException("cannot read the inkv configuration " + url + ": " + e, e);
      }
      source = url.toString();
    }
    if (overrides != null) {
      for (String key : overrides.stringPropertyNames()) {
        if (key.startsWith(PREFIX)) {
          p.setProperty(key, overrides.getProperty(key));
        }
      }
    }
    ConfigFile file = new ConfigFile(source, p);
    file.validate(classLoader);
    return file;
  }

  private static URL locate(URI uri, ClassLoader classLoader) {
    String scheme = uri.getScheme();
    try {
      if ("classpath".equals(scheme)) {
        String path = stripSlash(uri.getSchemeSpecificPart());
        URL url = classLoader.getResource(path);
        if (url == null) {
          throw new IllegalArgumentException("the inkv configuration " + uri + " is not on the class path");
        }
        return url;
      }
      if ("file".equals(scheme)) {
        Path path = Paths.get(uri);
        if (!Files.isRegularFile(path)) {
          throw new IllegalArgumentException("the inkv configuration " + uri + " does not exist");
        }
        return uri.toURL();
      }
      if (scheme == null && uri.getPath() != null && !uri.getPath().isEmpty()) {
        return classLoader.getResource(stripSlash(uri.getPath()));
      }
      return null;
    } catch (IOException | IllegalArgumentException | SecurityException e) {
      if (e instanceof IllegalArgumentException iae && iae.getMessage() != null && iae.getMessage().startsWith("the inkv")) {
        throw iae;
      }
      throw new IllegalArgumentException("cannot locate the inkv configuration " + uri + ": " + e, e);
    }
  }

  private static String stripSlash(String path) {
    return path.startsWith("/") ? path.substring(1) : path;
  }

  Path directory() {
    return directory;
  }

  Path temporaryDirectory() {
    return temporaryDirectory;
  }

  /** Returns where the settings came from: the file's URL, or the manager's URI where no file was found. */
  String source() {
    return source;
  }

  /** Returns the names of the caches the file declares. */
  List<String> declaredCaches() {
    return new ArrayList<>(caches.keySet());
  }

  private void validate(ClassLoader classLoader) {
    for (String template : templates.keySet()) {
      if (templates.get(template).containsKey("template")) {
        throw error("inkv.template." + template + ".template", "templates do not nest");
      }
    }
    apply(new InkvConfiguration<>(), defaults, "inkv.default.", classLoader);
    for (String template : templates.keySet()) {
      apply(new InkvConfiguration<>(), templates.get(template), "inkv.template." + template + ".", classLoader);
    }
    for (String cache : caches.keySet()) {
      declared(cache, classLoader);
    }
  }

  /** Returns the configuration of a declared cache: defaults, then its template, then its own settings. */
  InkvConfiguration<Object, Object> declared(String cache, ClassLoader classLoader) {
    Map<String, String> own = caches.get(cache);
    InkvConfiguration<Object, Object> c = new InkvConfiguration<>();
    apply(c, defaults, "inkv.default.", classLoader);
    String template = own.get("template");
    if (template != null) {
      Map<String, String> t = templates.get(template);
      if (t == null) {
        throw error("inkv.cache." + cache + ".template", "no template " + template + " is defined");
      }
      apply(c, t, "inkv.template." + template + ".", classLoader);
    }
    apply(c, own, "inkv.cache." + cache + ".", classLoader);
    Map<String, String[]> replication = new LinkedHashMap<>();
    collectReplication(replication, defaults, "inkv.default.");
    if (template != null) {
      collectReplication(replication, templates.get(template), "inkv.template." + template + ".");
    }
    collectReplication(replication, own, "inkv.cache." + cache + ".");
    if (!replication.isEmpty()) {
      c.setReplication(replication(cache, replication));
    }
    return c;
  }

  private static void collectReplication(Map<String, String[]> into, Map<String, String> settings, String prefix) {
    for (Map.Entry<String, String> e : settings.entrySet()) {
      if (e.getKey().startsWith(REPLICATION)) {
        into.put(e.getKey().substring(REPLICATION.length()), new String[] {prefix + e.getKey(), e.getValue()});
      }
    }
  }

  /** Builds a cache's replication from its merged replication.* settings (name -> {key, value}). */
  private ReplicationConfig replication(String cache, Map<String, String[]> settings) {
    String[] bootstrap = settings.get("bootstrapServers");
    if (bootstrap == null) {
      String someKey = settings.values().iterator().next()[0];
      throw error(someKey, "cache " + cache + " has replication settings but no replication.bootstrapServers");
    }
    String[] store = settings.get("store");
    ReplicationConfig.Builder b = ReplicationConfig.builder(store == null ? cache : store[1], bootstrap[1]);
    for (Map.Entry<String, String[]> e : settings.entrySet()) {
      String key = e.getValue()[0];
      String v = e.getValue()[1];
      String name = e.getKey();
      if (name.startsWith("kafka.")) {
        b.kafkaProperty(name.substring("kafka.".length()), v);
        continue;
      }
      switch (name) {
        case "store", "bootstrapServers" -> { }
        case "topic" -> b.topic(v);
        case "partitions" -> b.partitions((int) Math.min(Integer.MAX_VALUE, count(key, v)));
        case "replicationFactor" -> b.replicationFactor((short) Math.min(Short.MAX_VALUE, count(key, v)));
        case "writeMode" -> {
          try {
            b.writeMode(ReplicationConfig.WriteMode.valueOf(v.toUpperCase(Locale.ROOT).replace('-', '_')));
          } catch (IllegalArgumentException ex) {
            throw error(key, "expected WAIT_FOR_ACK or FIRE_AND_FORGET, not '" + v + "'");
          }
        }
        case "ownedPartitions" -> b.ownedPartitions(partitions(key, v));
        case "startupWait" -> b.startupWait(duration(key, v));
        case "checkpointInterval" -> b.checkpointInterval(duration(key, v));
        case "deadLetterTopic" -> b.deadLetterTopic(v);
        case "remoteEvents" -> b.remoteEvents(bool(key, v));
        default -> throw error(key, "unknown replication setting");
      }
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw error(settings.values().iterator().next()[0], "cache " + cache + ": " + e.getMessage());
    }
  }

  /** Parses "0,2,5-7". */
  private Set<Integer> partitions(String key, String v) {
    Set<Integer> out = new TreeSet<>();
    try {
      for (String part : v.split(",")) {
        String t = part.trim();
        int dash = t.indexOf('-');
        if (dash > 0) {
          int from = Integer.parseInt(t.substring(0, dash).trim());
          int to = Integer.parseInt(t.substring(dash + 1).trim());
          if (to < from || to - from > 100_000) {
            throw error(key, "bad partition range '" + t + "'");
          }
          for (int p = from; p <= to; p++) {
            out.add(p);
          }
        } else {
          out.add(Integer.parseInt(t));
        }
      }
    } catch (NumberFormatException e) {
      throw error(key, "expected partitions such as 0,2,5-7, not '" + v + "'");
    }
    return out;
  }

  /** Parses a duration (30s, 10m, PT30S, 0...) with the one parser of every setting. */
  private java.time.Duration duration(String key, String v) {
    try {
      return Units.parseDuration(key, v);
    } catch (Units.FormatException e) {
      throw error(key, e.reason());
    }
  }

  /** Applies the {@code inkv.default.*} store settings a programmatic configuration left at their defaults. */
  <K, V> void applyDefaults(InkvConfiguration<K, V> c, ClassLoader classLoader) {
    InkvConfiguration<K, V> d = new InkvConfiguration<>();
    apply(d, defaults, "inkv.default.", classLoader);
    if (!c.isPersistent() && c.getDirectory() == null && d.isPersistent()) {
      c.setPersistent(true);
    }
    if (!c.isReadOnly() && d.isReadOnly()) {
      c.setReadOnly(true);
    }
    if (c.getDurability() == null) {
      c.setDurability(d.getDurability());
    }
    if (c.getSegmentSize() == 0) {
      c.setSegmentSize(d.getSegmentSize());
    }
    if (c.getMaxEntries() == 0) {
      c.setMaxEntries(d.getMaxEntries());
    }
    if (c.getMaxBytes() == 0) {
      c.setMaxBytes(d.getMaxBytes());
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void apply(InkvConfiguration c, Map<String, String> settings, String prefix, ClassLoader classLoader) {
    for (Map.Entry<String, String> e : settings.entrySet()) {
      String key = prefix + e.getKey();
      String v = e.getValue();
      if (e.getKey().startsWith(REPLICATION)) {
        continue; // merged over every layer and built in declared()
      }
      switch (e.getKey()) {
        case "template" -> { }
        case "keyType" -> c.setTypes(loadClass(key, v, Object.class, classLoader), c.getValueType());
        case "valueType" -> c.setTypes(c.getKeyType(), loadClass(key, v, Object.class, classLoader));
        case "storeByValue" -> c.setStoreByValue(bool(key, v));
        case "persistent" -> c.setPersistent(bool(key, v));
        case "readOnly" -> c.setReadOnly(bool(key, v));
        case "directory" -> c.setDirectory(Paths.get(v));
        case "durability" -> c.setDurability(durability(key, v));
        case "maxEntries" -> c.setMaxEntries(count(key, v));
        case "maxBytes" -> c.setMaxBytes(size(key, v));
        case "heapEntries" -> c.setHeapEntries(count(key, v));
        case "segmentSize" -> {
          long size = size(key, v);
          if (size != 0 && !StoreOptions.isSegmentSize(size)) {
            throw error(key, "a segment size is 0 (the default) or a multiple of 4KB from 64KB to 1GB,"
                + " and it bounds the largest entry: " + v);
          }
          c.setSegmentSize((int) size);
        }
        case "statistics" -> c.setStatisticsEnabled(bool(key, v));
        case "management" -> c.setManagementEnabled(bool(key, v));
        case "readThrough" -> c.setReadThrough(bool(key, v));
        case "writeThrough" -> c.setWriteThrough(bool(key, v));
        case "loader" -> c.setCacheLoaderFactory(factory(key, v, CacheLoader.class, classLoader));
        case "writer" -> c.setCacheWriterFactory(factory(key, v, CacheWriter.class, classLoader));
        case "expiry" -> c.setExpiryPolicyFactory(expiry(key, v, classLoader));
        case "keyCodec" -> c.setKeyCodecFactory(factory(key, v, Codec.class, classLoader));
        case "valueCodec" -> c.setValueCodecFactory(factory(key, v, Codec.class, classLoader));
        case "checkReplicatedValues" -> c.setCheckReplicatedValues(bool(key, v));
        default -> throw error(key, "unknown setting");
      }
    }
  }

  private boolean bool(String key, String v) {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw error(key, "expected true or false, not '" + v + "'");
    };
  }

  private Durability durability(String key, String v) {
    try {
      return Durability.valueOf(v.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw error(key, "expected NONE, INTERVAL or EVERY_WRITE, not '" + v + "'");
    }
  }

  private long count(String key, String v) {
    try {
      long n = Long.parseLong(v.replace("_", ""));
      if (n < 0) {
        throw error(key, "must be 0 (no bound) or positive: " + v);
      }
      return n;
    } catch (NumberFormatException e) {
      throw error(key, "expected a whole number, not '" + v + "'");
    }
  }

  /** Parses a size (10MB, 512KB, 1048576...) with the one parser of every setting. */
  private long size(String key, String v) {
    try {
      return Units.parseBytes(key, v);
    } catch (Units.FormatException e) {
      throw error(key, e.reason());
    }
  }

  private <T> Class<? extends T> loadClass(String key, String name, Class<T> expected, ClassLoader classLoader) {
    Class<?> type;
    try {
      type = Class.forName(name, false, classLoader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw error(key, "class " + name + " cannot be loaded: " + e);
    }
    if (!expected.isAssignableFrom(type)) {
      throw error(key, name + " is not a " + expected.getName());
    }
    return type.asSubclass(expected);
  }

  private <T> Factory<T> factory(String key, String name, Class<T> expected, ClassLoader classLoader) {
    Class<? extends T> type = loadClass(key, name, expected, classLoader);
    try {
      type.getConstructor();
    } catch (NoSuchMethodException e) {
      throw error(key, name + " has no public no-argument constructor");
    }
    @SuppressWarnings("unchecked")
    Factory<T> factory = (Factory<T>) FactoryBuilder.factoryOf(type);
    return factory;
  }

  /**
   * eternal | a duration, the time to live (since the last write) | created:, accessed:,
   * modified:, touched: and a duration | an ExpiryPolicy class name.
   */
  private Factory<? extends ExpiryPolicy> expiry(String key, String v, ClassLoader classLoader) {
    if (v.equalsIgnoreCase("eternal")) {
      return EternalExpiryPolicy.factoryOf();
    }
    int colon = v.indexOf(':');
    if (colon < 0) {
      // a time to live, counted from the last write as in every inkv setting (docs/settings.md)
      return v.isEmpty() || Units.isWrittenAsDuration(v) ? ModifiedExpiryPolicy.factoryOf(positive(key, v))
          : factory(key, v, ExpiryPolicy.class, classLoader);
    }
    String kind = v.substring(0, colon).trim().toLowerCase(Locale.ROOT);
    if (!Set.of("created", "accessed", "modified", "touched").contains(kind)) {
      throw error(key, "expected eternal, a time to live such as 10m, created:, accessed:, modified: or"
          + " touched: and a duration, or an ExpiryPolicy class name, not '" + v + "'");
    }
    Duration d = positive(key, v.substring(colon + 1));
    return switch (kind) {
      case "created" -> CreatedExpiryPolicy.factoryOf(d);
      case "accessed" -> AccessedExpiryPolicy.factoryOf(d);
      case "modified" -> ModifiedExpiryPolicy.factoryOf(d);
      default -> TouchedExpiryPolicy.factoryOf(d);
    };
  }

  private Duration positive(String key, String text) {
    java.time.Duration parsed = duration(key, text.trim());
    if (parsed.isZero()) {
      throw error(key, "an expiry duration must be positive (a zero one would keep nothing): " + text.trim()
          + "; for entries that never expire write eternal");
    }
    // JCache durations count whole milliseconds; a positive duration below one is one
    return new Duration(java.util.concurrent.TimeUnit.MILLISECONDS, Math.max(1, parsed.toMillis()));
  }
}
