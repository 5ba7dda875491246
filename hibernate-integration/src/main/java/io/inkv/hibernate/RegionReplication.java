package io.inkv.hibernate;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.replication.ReplicationConfig;
import io.inkv.store.Units;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.hibernate.cache.CacheException;

/*
 * Replication of every region that the inkv file does not configure itself, from
 * hibernate.cache.inkv.replication.* (docs/hibernate.md, "Replicated regions"). Kept apart from
 * InkvRegionFactory so that a local cache never loads io.inkv.replication (and so never needs
 * kafka-clients, an optional dependency).
 *
 * A region's store name (and so its topic, inkv.<store>) is its name with every character Kafka
 * does not allow in a topic name replaced by '_' and, when anything was replaced, a hash of the
 * original name appended, so that two regions never share a topic: every node derives the same
 * name from the same region.
 */
final class RegionReplication {
  static final String PREFIX = InkvRegionFactory.PREFIX + "replication.";

  private final Map<String, String> settings;

  private RegionReplication(Map<String, String> settings) {
    this.settings = settings;
    config("check"); // every setting is checked at start-up
  }

  /** Returns the replication the settings ask for, or null if they name no bootstrap servers. */
  static RegionReplication from(Map<String, Object> configValues) {
    Map<String, String> settings = new TreeMap<>();
    configValues.forEach((k, v) -> {
      if (k.startsWith(PREFIX)) {
        settings.put(k.substring(PREFIX.length()), String.valueOf(v).trim());
      }
    });
    if (settings.isEmpty()) {
      return null;
    }
    if (!settings.containsKey("bootstrap_servers")) {
      throw new CacheException(PREFIX + "bootstrap_servers is required when any " + PREFIX + "* setting is set");
    }
    return new RegionReplication(settings);
  }

  static String storeName(String region) {
    StringBuilder sb = new StringBuilder(region.length());
    boolean replaced = false;
    for (int i = 0; i < region.length(); i++) {
      char c = region.charAt(i);
      boolean allowed = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
          || c == '-';
      sb.append(allowed ? c : '_');
      replaced |= !allowed;
    }
    if (replaced) {
      sb.append('-').append(Integer.toHexString(region.hashCode()));
    }
    String name = sb.toString();
    return name.length() > 200 ? name.substring(0, 190) + "-" + Integer.toHexString(region.hashCode()) : name;
  }

  private static final Map<String, String> FILE_NAMES = Map.of("bootstrap_servers", "bootstrapServers",
      "write_mode", "writeMode", "partitions", "partitions", "replication_factor", "replicationFactor",
      "startup_wait", "startupWait", "checkpoint_interval", "checkpointInterval");

  /** Adds the replication of {@code region}, a region declared through inkv properties, to {@code into}. */
  void declare(String region, java.util.Properties into) {
    String prefix = "inkv.cache." + region + ".replication.";
    into.setProperty(prefix + "store", storeName(region));
    into.setProperty(prefix + "remoteEvents", "false");
    into.setProperty("inkv.cache." + region + ".checkReplicatedValues", "false");
    settings.forEach((k, v) -> into.setProperty(prefix + FILE_NAMES.getOrDefault(k, k), v));
  }

  /** Returns the configuration of a region created here: a replica of the store named after it. */
  InkvConfiguration<Object, Object> configuration(String region) {
    // RegionStorage writes the store in EntryFormat, not through the cache's codec: nothing to check values against
    return new InkvConfiguration<>().setReplication(config(region)).setCheckReplicatedValues(false);
  }

  private ReplicationConfig config(String region) {
    ReplicationConfig.Builder b = ReplicationConfig.builder(storeName(region), settings.get("bootstrap_servers"))
        .remoteEvents(false); // regions have no listeners to tell
    for (Map.Entry<String, String> e : settings.entrySet()) {
      String key = PREFIX + e.getKey();
      String v = e.getValue();
      try {
        switch (e.getKey()) {
          case "bootstrap_servers" -> { }
          case "write_mode" -> b.writeMode(ReplicationConfig.WriteMode.valueOf(
              v.toUpperCase(Locale.ROOT).replace('-', '_')));
          case "partitions" -> b.partitions(Integer.parseInt(v));
          case "replication_factor" -> b.replicationFactor(Short.parseShort(v));
          case "startup_wait" -> b.startupWait(Units.parseDuration(key, v));
          case "checkpoint_interval" -> b.checkpointInterval(Units.parseDuration(key, v));
          default -> {
            if (e.getKey().startsWith("kafka.")) {
              b.kafkaProperty(e.getKey().substring("kafka.".length()), v);
            } else {
              throw new CacheException(key + ": unknown setting; known: bootstrap_servers, write_mode, partitions,"
                  + " replication_factor, startup_wait, checkpoint_interval, kafka.<Kafka client property>");
            }
          }
        }
      } catch (Units.FormatException ex) {
        throw new CacheException(ex.getMessage(), ex);
      } catch (IllegalArgumentException ex) {
        throw new CacheException(key + ": invalid value '" + v + "': " + ex.getMessage(), ex);
      }
    }
    try {
      return b.build();
    } catch (RuntimeException ex) {
      throw new CacheException(PREFIX + "*: " + ex.getMessage(), ex);
    }
  }
}
