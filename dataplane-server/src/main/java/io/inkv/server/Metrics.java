package io.inkv.server;

import io.inkv.store.StoreStats;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/*
 * Request metrics in the Prometheus text exposition format (version 0.0.4), written by hand: the
 * format is a few lines of text, and a metrics library would cost more start-up and allocation per
 * request than the counters below. Counting a request touches two LongAdders (status count and
 * latency bucket) and one more for the sum: LongAdder cells spread contended increments over
 * cache lines, so request threads do not fight over one counter.
 *
 * Latency buckets (seconds) cover 50 us to 10 s on a roughly 1-2.5-5 ladder, which brackets both a
 * memory-speed cache hit over loopback (about 100 us) and an image download.
 */
final class Metrics {
  static final double[] BUCKETS = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };
  private static final String[] BUCKET_LABELS = {
    "0.00005", "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
    "0.5", "1", "2.5", "5", "10"
  };

  private final class RouteMetrics {
    final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    final LongAdder[] buckets = new LongAdder[BUCKETS.length + 1];
    final LongAdder count = new LongAdder();
    final LongAdder nanos = new LongAdder();

    RouteMetrics() {
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
    }
  }

  private final RouteMetrics[] routes = new RouteMetrics[Route.values().length];
  final AtomicInteger inFlight = new AtomicInteger();
  final LongAdder rejectedConcurrency = new LongAdder();
  final Map<String, LongAdder> imagesBuilt = new ConcurrentHashMap<>();
  final Map<String, Long> lastImageMillis = new ConcurrentHashMap<>();

  Metrics() {
    for (int i = 0; i < routes.length; i++) {
      routes[i] = new RouteMetrics();
    }
  }

  void record(Route route, int status, long nanos) {
    RouteMetrics m = routes[route.ordinal()];
    m.byStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
    double seconds = nanos / 1e9;
    int b = 0;
    while (b < BUCKETS.length && seconds > BUCKETS[b]) {
      b++;
    }
    m.buckets[b].increment();
    m.count.increment();
    m.nanos.add(nanos);
  }

  void imageBuilt(String store, long atMillis) {
    imagesBuilt.computeIfAbsent(store, s -> new LongAdder()).increment();
    lastImageMillis.put(store, atMillis);
  }

  /** Writes every metric; {@code stores} and {@code lag} are read now. */
  private static final Map<String, String> REPLICATION_HELP = Map.of(
      "applied", "Events of the store's topic applied to this replica.",
      "malformed", "Records of the store's topic that were not inkv events (logged at most every 10 s, skipped, dead-lettered).",
      "refused", "Well-formed events this replica refused (another kind of store, a value its format rejects, a limit).",
      "dead_lettered", "Records copied to the dead-letter topic.",
      "publish_failures", "Writes Kafka did not acknowledge.");

  /** The replication counters per store (Writes.replicationCounters), as counters inkv_replication_<name>_total. */
  String replicationCounters(Map<String, Map<String, Long>> counters) {
    if (counters.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder(1024);
    for (String counter : counters.values().iterator().next().keySet()) {
      String metric = "inkv_replication_" + counter + "_total";
      out.append("# HELP ").append(metric).append(' ').append(REPLICATION_HELP.getOrDefault(counter, counter))
          .append("\n# TYPE ").append(metric).append(" counter\n");
      counters.forEach((store, byName) -> out.append(metric).append("{store=\"").append(store).append("\"} ")
          .append(byName.getOrDefault(counter, 0L)).append('\n'));
    }
    return out.toString();
  }

  String scrape(Map<String, StoreStats> stores, boolean ready, Supplier<Map<String, Map<Integer, Long>>> lag) {
    StringBuilder out = new StringBuilder(8192);
    out.append("# HELP inkv_http_requests_total HTTP requests answered, by route and status.\n");
    out.append("# TYPE inkv_http_requests_total counter\n");
    for (Route r : Route.values()) {
      routes[r.ordinal()].byStatus.forEach((status, n) -> out.append("inkv_http_requests_total{route=\"")
          .append(r.label).append("\",status=\"").append(status).append("\"} ").append(n.sum()).append('\n'));
    }
    out.append("# HELP inkv_http_request_duration_seconds Time from the request's arrival to its response's completion.\n");
    out.append("# TYPE inkv_http_request_duration_seconds histogram\n");
    for (Route r : Route.values()) {
      RouteMetrics m = routes[r.ordinal()];
      long count = m.count.sum();
      if (count == 0) {
        continue;
      }
      long cumulative = 0;
      for (int i = 0; i < BUCKETS.length; i++) {
        cumulative += m.buckets[i].sum();
        out.append("inkv_http_request_duration_seconds_bucket{route=\"").append(r.label).append("\",le=\"")
            .append(BUCKET_LABELS[i]).append("\"} ").append(cumulative).append('\n');
      }
      cumulative += m.buckets[BUCKETS.length].sum();
      out.append("inkv_http_request_duration_seconds_bucket{route=\"").append(r.label).append("\",le=\"+Inf\"} ")
          .append(cumulative).append('\n');
      out.append("inkv_http_request_duration_seconds_sum{route=\"").append(r.label).append("\"} ")
          .append(m.nanos.sum() / 1e9).append('\n');
      out.append("inkv_http_request_duration_seconds_count{route=\"").append(r.label).append("\"} ")
          .append(cumulative).append('\n');
    }
    gauge(out, "inkv_http_requests_in_flight", "Requests being handled now (probes excluded).", inFlight.get());
    out.append("# HELP inkv_http_requests_rejected_total Requests answered 503 because the concurrency limit was reached.\n");
    out.append("# TYPE inkv_http_requests_rejected_total counter\n");
    out.append("inkv_http_requests_rejected_total ").append(rejectedConcurrency.sum()).append('\n');
    gauge(out, "inkv_ready", "1 once every store is open (and, when replicated, caught up).", ready ? 1 : 0);

    storeMetric(out, stores, "inkv_store_entries", "gauge", "Live entries.", StoreStats::entries);
    storeMetric(out, stores, "inkv_store_live_bytes", "gauge", "Bytes of live records.", StoreStats::liveBytes);
    storeMetric(out, stores, "inkv_store_garbage_bytes", "gauge", "Bytes of records not yet reclaimed.", StoreStats::garbageBytes);
    storeMetric(out, stores, "inkv_store_segments", "gauge", "Segment files in use.", s -> s.segments());
    storeMetric(out, stores, "inkv_store_file_bytes", "gauge", "Bytes of segment files on disk.", StoreStats::fileBytes);
    storeMetric(out, stores, "inkv_store_evictions_total", "counter", "Entries evicted since open.", StoreStats::evictions);
    storeMetric(out, stores, "inkv_store_expirations_total", "counter", "Expired entries dropped since open.", StoreStats::expirations);
    storeMetric(out, stores, "inkv_store_compactions_total", "counter", "Segments compacted since open.", StoreStats::compactions);

    out.append("# HELP inkv_images_built_total Index images built, by store.\n# TYPE inkv_images_built_total counter\n");
    imagesBuilt.forEach((s, n) -> out.append("inkv_images_built_total{store=\"").append(s).append("\"} ").append(n.sum()).append('\n'));
    out.append("# HELP inkv_image_last_build_timestamp_seconds When the newest index image was built.\n"
        + "# TYPE inkv_image_last_build_timestamp_seconds gauge\n");
    lastImageMillis.forEach((s, t) -> out.append("inkv_image_last_build_timestamp_seconds{store=\"").append(s).append("\"} ")
        .append(t / 1000.0).append('\n'));

    Map<String, Map<Integer, Long>> lags = lag.get();
    if (!lags.isEmpty()) {
      out.append("# HELP inkv_replication_lag_records Records of the store's topic not yet applied, by partition.\n"
          + "# TYPE inkv_replication_lag_records gauge\n");
      lags.forEach((s, byPartition) -> byPartition.forEach((p, n) -> out.append("inkv_replication_lag_records{store=\"")
          .append(s).append("\",partition=\"").append(p).append("\"} ").append(n).append('\n')));
    }
    return out.toString();
  }

  private static void gauge(StringBuilder out, String name, String help, long value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" gauge\n");
    out.append(name).append(' ').append(value).append('\n');
  }

  private interface StatOf {
    long of(StoreStats s);
  }

  private static void storeMetric(StringBuilder out, Map<String, StoreStats> stores, String name, String type, String help, StatOf f) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    stores.forEach((s, st) -> out.append(name).append("{store=\"").append(s).append("\"} ").append(f.of(st)).append('\n'));
  }
}
