package io.inkv.store.codec;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/*
 * Which classes take Java serialization, and how often. Java serialization is 10-30 times slower
 * than the generated layout and allocates kilobytes per value, so each class that takes it is
 * logged once (INFO, with the reason) when a codec chooses it or a tagged value first meets it,
 * and every value it encodes is counted, for Codec.javaSerializedValues() to show.
 */
final class JavaSerialization {
  private static final System.Logger LOG = System.getLogger(Codec.class.getPackageName());
  private static final ConcurrentHashMap<String, LongAdder> COUNTS = new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<String, Boolean> REPORTED = new ConcurrentHashMap<>();

  private JavaSerialization() {}

  static void report(Class<?> type, String reason) {
    if (REPORTED.size() < 10_000 && REPORTED.putIfAbsent(type.getName(), Boolean.TRUE) == null) {
      LOG.log(System.Logger.Level.INFO, "values of {0} are stored with Java serialization, the slow path, because {1}",
          type.getName(), reason);
    }
  }

  static void count(Class<?> type) {
    LongAdder n = COUNTS.get(type.getName());
    if (n == null) {
      if (COUNTS.size() >= 10_000) {
        return;
      }
      n = COUNTS.computeIfAbsent(type.getName(), k -> new LongAdder());
      report(type, Codecs.hasCustomSerialization(type) ? "it defines its own serialized form" : "no other codec takes it");
    }
    n.increment();
  }

  static Map<String, Long> counts() {
    Map<String, Long> out = new TreeMap<>();
    COUNTS.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
