package io.inkv.replication;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.replication.testkit.KafkaBrokerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka faults under replicated writes: a broker JVM stopped (SIGTERM), restarted, and stopped for
 * a minute while two writer JVMs write, one in each write mode, with a third replica JVM that only
 * reads. Each writer's producer has a short delivery timeout, so the long outage makes writes fail
 * and the test sees how they are reported.
 *
 * <p>What must hold, per write mode:
 * <ul>
 *   <li>every write is accounted for exactly once: acknowledged or reported to the writer. In
 *       WAIT_FOR_ACK mode a put that returned was acknowledged and one that was not threw a
 *       PublishException; in FIRE_AND_FORGET mode every failure reaches the failure handler (once
 *       per write) and the PublishFailures counter, and once {@code awaitPublished()} returned
 *       (every record completed) a write not reported was acknowledged;
 *   <li>nothing acknowledged is lost: every acknowledged key is in every replica with its value;
 *   <li>replicas that only read hold identical contents (digest of a full scan), and a writer's
 *       replica differs from them only in keys whose failure was reported to it (the local write
 *       stands, see replication.md);
 *   <li>once each writer wrote again what was reported failed, every replica is identical.
 * </ul>
 *
 * The default run writes {@value #SHORT_WRITES} keys per mode with outages of 1 s and 3 s (plus the
 * broker's restart time); {@code -Dinkv.reliability=true} writes 100,000 per mode with outages of
 * 10 s and 60 s. Overridable: {@code inkv.kafkafault.writes}, {@code .rate} (writes/s per writer),
 * {@code .firstOutage}, {@code .longOutage} (seconds), {@code .deliveryTimeoutMs}.
 */
class KafkaFaultTest {
  private static final boolean LONG = Boolean.getBoolean("inkv.reliability");
  private static final int SHORT_WRITES = 2_000;
  private static final int WRITES = Integer.getInteger("inkv.kafkafault.writes", LONG ? 100_000 : SHORT_WRITES);
  private static final int RATE = Integer.getInteger("inkv.kafkafault.rate", LONG ? 500 : 400);
  private static final int FIRST_OUTAGE = Integer.getInteger("inkv.kafkafault.firstOutage", LONG ? 10 : 1);
  private static final int LONG_OUTAGE = Integer.getInteger("inkv.kafkafault.longOutage", LONG ? 60 : 3);
  private static final int DELIVERY_TIMEOUT = Integer.getInteger("inkv.kafkafault.deliveryTimeoutMs", LONG ? 30_000 : 3_000);
  private static final int THREADS = 8;
  private static final Duration WAIT = Duration.ofSeconds(LONG ? 900 : 180);

  @TempDir
  Path tmp;

  @Test
  void writersAccountForEveryWriteAndReplicasConvergeThroughBrokerOutages() throws Exception {
    Map<String, String> producer = Map.of(
        "delivery.timeout.ms", String.valueOf(DELIVERY_TIMEOUT),
        "request.timeout.ms", String.valueOf(DELIVERY_TIMEOUT / 2),
        "max.block.ms", String.valueOf(DELIVERY_TIMEOUT / 2));
    List<ReplicaProcess> started = new ArrayList<>();
    try (KafkaBrokerProcess broker = new KafkaBrokerProcess(tmp.resolve("broker"))) {
      broker.start();
      String bootstrap = broker.bootstrapServers();
      String store = "faults" + ProcessHandle.current().pid();
      ReplicaProcess sync = ReplicaProcess.start(bootstrap, store, tmp.resolve("sync"), tmp.resolve("sync.answers"),
          ReplicationConfig.WriteMode.WAIT_FOR_ACK, producer);
      started.add(sync);
      sync.await("ready", WAIT); // the first replica creates the topic
      ReplicaProcess async = ReplicaProcess.start(bootstrap, store, tmp.resolve("async"), tmp.resolve("async.answers"),
          ReplicationConfig.WriteMode.FIRE_AND_FORGET, producer);
      started.add(async);
      ReplicaProcess reader = ReplicaProcess.start(bootstrap, store, tmp.resolve("reader"), tmp.resolve("reader.answers"));
      started.add(reader);
      async.await("ready", WAIT);
      reader.await("ready", WAIT);

      sync.send("write sync- " + WRITES + " " + RATE + " " + THREADS + " " + tmp.resolve("sync.outcomes"));
      async.send("write async- " + WRITES + " " + RATE + " 1 " + tmp.resolve("async.outcomes"));
      double writeSeconds = WRITES / (double) RATE;
      Thread.sleep((long) (writeSeconds * 1000 / 5));
      long t0 = System.nanoTime();
      broker.stop();
      Thread.sleep(FIRST_OUTAGE * 1000L);
      broker.start();
      double outage1 = (System.nanoTime() - t0) / 1e9;
      Thread.sleep((long) (writeSeconds * 1000 / 5));
      t0 = System.nanoTime();
      broker.stop();
      Thread.sleep(LONG_OUTAGE * 1000L);
      broker.start();
      double outage2 = (System.nanoTime() - t0) / 1e9;

      String[] syncDone = sync.await("write-done", WAIT);
      String[] asyncDone = async.await("write-done", WAIT);
      Map<String, String> readerView = dump(reader, "reader");
      Map<String, String> syncView = dump(sync, "sync");
      Map<String, String> asyncView = dump(async, "async");

      Accounting s = Accounting.of(tmp.resolve("sync.outcomes"), syncDone, false);
      Accounting a = Accounting.of(tmp.resolve("async.outcomes"), asyncDone, true);
      List<Map<String, String>> views = List.of(readerView, syncView, asyncView);
      for (Accounting acc : List.of(s, a)) {
        assertEquals(0, acc.unexpected, acc.mode + ": writes that failed with something other than a PublishException");
        assertEquals(WRITES, acc.acknowledged.size() + acc.reported.size(), acc.mode + ": acknowledged + reported = attempted");
        assertEquals(acc.reported.size(), acc.failureCounter, acc.mode + ": the PublishFailures counter counts each reported write once");
        for (Map<String, String> view : views) {
          for (String key : acc.acknowledged) {
            assertEquals(ReplicaProcess.valueOf(key), view.get(key), acc.mode + ": acknowledged write " + key + " lost");
          }
        }
      }
      assertEquals(a.reported.size(), a.handlerCalls, "async: the failure handler is called once per failed write");
      assertTrue(a.threw.stream().allMatch(a.handlerKeys::contains), "async: a put that threw was also passed to the handler");
      assertEquals(0, s.handlerCalls, "sync: the handler is for fire-and-forget mode only");
      // A fire-and-forget put returns at once; one that waited for the producer's metadata would
      // take max.block.ms (half the delivery timeout). Half of that is a bound no blocked put stays
      // under, and far above a segment roll or a GC pause.
      assertTrue(Double.parseDouble(a.longestPut) < DELIVERY_TIMEOUT / 4 / 1000.0,
          "async: a fire-and-forget put waited " + a.longestPut + " s: it must not wait for Kafka");
      // the writers' replicas differ from the reader only where their own failures were reported
      assertEquals(without(readerView, s.reported), without(syncView, s.reported), "sync writer's replica vs reader");
      assertEquals(without(readerView, a.reported), without(asyncView, a.reported), "async writer's replica vs reader");
      int syncReportedPresent = present(readerView, s.reported);
      int asyncReportedPresent = present(readerView, a.reported);
      int syncDiffers = differing(readerView, syncView);
      int asyncDiffers = differing(readerView, asyncView);

      sync.send("repair sync-");
      async.send("repair async-");
      sync.await("repaired", WAIT);
      async.await("repaired", WAIT);
      String[] dr = digest(reader);
      String[] ds = digest(sync);
      String[] da = digest(async);
      assertEquals(String.valueOf(2 * WRITES), dr[1], "after the writers wrote their reported failures again");
      assertEquals(dr[1] + " " + dr[2], ds[1] + " " + ds[2], "sync writer's replica converged with the reader");
      assertEquals(dr[1] + " " + dr[2], da[1] + " " + da[2], "async writer's replica converged with the reader");

      for (Accounting acc : List.of(s, a)) {
        int presentAnyway = acc == s ? syncReportedPresent : asyncReportedPresent;
        int differs = acc == s ? syncDiffers : asyncDiffers;
        System.out.printf("kafka-faults %s: writes %d, acknowledged %d, reported failures %d (%d of them reached the topic"
            + " anyway), lost 0, replicas 3; before re-writing, this writer's replica differed from the reader's in %d"
            + " keys, all reported; after, digests equal: true (%s entries, %s); outages %.1f s and %.1f s (stop to port"
            + " open), delivery.timeout.ms %d, writing took %s s, longest put %s s; puts that threw %d, handler calls %d%n",
            acc.mode, WRITES, acc.acknowledged.size(), acc.reported.size(), presentAnyway, differs, dr[1], dr[2], outage1,
            outage2, DELIVERY_TIMEOUT, acc.seconds, acc.longestPut, acc.threw.size(), acc.handlerCalls);
      }
    } finally {
      for (ReplicaProcess r : started) {
        r.kill9();
      }
    }
  }

  /* What one writer was told about its writes. */
  private static final class Accounting {
    String mode;
    final Set<String> acknowledged = new HashSet<>();
    final Set<String> reported = new TreeSet<>();
    final Set<String> threw = new HashSet<>();
    final Set<String> handlerKeys = new HashSet<>();
    int handlerCalls;
    int unexpected;
    long failureCounter;
    String seconds;
    String longestPut;

    static Accounting of(Path outcomes, String[] done, boolean async) throws Exception {
      Accounting acc = new Accounting();
      acc.mode = async ? "FIRE_AND_FORGET" : "WAIT_FOR_ACK";
      // write-done attempted ok threw unexpected handler-calls failure-counter seconds longest-put
      acc.failureCounter = Long.parseLong(done[6]);
      acc.seconds = done[7];
      acc.longestPut = done[8];
      Set<String> returned = new HashSet<>();
      for (String line : Files.readAllLines(outcomes, UTF_8)) {
        String[] w = line.split(" ", 3);
        switch (w[1]) {
          case "ok" -> returned.add(w[0]);
          case "threw" -> acc.threw.add(w[0]);
          case "handler" -> {
            acc.handlerCalls++;
            acc.handlerKeys.add(w[0]);
          }
          default -> acc.unexpected++;
        }
      }
      assertEquals(Integer.parseInt(done[1]), returned.size() + acc.threw.size() + acc.unexpected, "every write has an outcome");
      acc.reported.addAll(acc.threw);
      acc.reported.addAll(acc.handlerKeys);
      for (String key : returned) {
        if (!acc.reported.contains(key)) {
          acc.acknowledged.add(key);
        }
      }
      return acc;
    }
  }

  private static Map<String, String> dump(ReplicaProcess r, String name) throws Exception {
    Path file = r.answersFile().resolveSibling(name + ".dump");
    r.send("dump " + file);
    String[] d = r.await("dump", WAIT);
    assertEquals("true", d[3], name + " caught up");
    Map<String, String> m = new HashMap<>();
    for (String line : Files.readAllLines(file, UTF_8)) {
      int eq = line.indexOf('=');
      m.put(line.substring(0, eq), line.substring(eq + 1));
    }
    assertEquals(Long.parseLong(d[1]), m.size());
    return m;
  }

  private static Map<String, String> without(Map<String, String> view, Set<String> keys) {
    Map<String, String> m = new HashMap<>(view);
    m.keySet().removeAll(keys);
    return m;
  }

  private static int differing(Map<String, String> a, Map<String, String> b) {
    Set<String> keys = new HashSet<>(a.keySet());
    keys.addAll(b.keySet());
    return (int) keys.stream().filter(k -> !Objects.equals(a.get(k), b.get(k))).count();
  }

  private static int present(Map<String, String> view, Set<String> keys) {
    return (int) keys.stream().filter(view::containsKey).count();
  }

  private static String[] digest(ReplicaProcess r) throws Exception {
    r.send("digest");
    String[] d = r.await("digest", WAIT);
    assertEquals("true", d[3], "caught up");
    return d;
  }
}
