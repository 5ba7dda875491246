package io.inkv.benchmarks.suite;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/*
 * Bytes allocated per get or put by the calling thread alone, for one system of the suite:
 *
 *   java -cp benchmarks/target/benchmarks.jar io.inkv.benchmarks.suite.OperationAllocation \
 *       system=inkv-jcache value=record-100 entries=100000 part=put
 *
 * JMH's gc profiler divides every thread's allocation by the operations, so a store's compactor
 * and the JIT's own threads move its B/op by tens of bytes from run to run; this counts only the
 * thread that runs the operations (com.sun.management.ThreadMXBean), so a round's figure is the
 * same in every round of a run, and differs between runs only by what the JIT's escape analysis
 * decided (a few bytes: 664 and 672 B per put in two runs of one build). An A/B of two builds
 * (benchmarks/run-alloc-ab.sh) shows what a change adds to the path itself, including what escape
 * analysis no longer removes. It says nothing
 * about time. Keys are a fixed permutation of [0, entries); puts write version 1..1024 values
 * prepared before the loop, as PeerBenchmark does, so the loop allocates only what the system
 * does (and the boxed key where the client boxes it).
 */
public final class OperationAllocation {
  private OperationAllocation() {}

  public static void main(String[] args) throws Exception {
    OpenLoopLatency.Args a = new OpenLoopLatency.Args(args);
    String system = a.get("system", "inkv-jcache");
    ValueKind kind = ValueKind.of(a.get("value", "record-100"));
    int entries = Integer.parseInt(a.get("entries", "100000"));
    String part = a.get("part", "put");
    int rounds = Integer.parseInt(a.get("rounds", "12"));
    int ops = Integer.parseInt(a.get("ops", "2000000"));
    if (!part.equals("put") && !part.equals("get")) {
      throw new IllegalArgumentException("part must be put or get: " + part);
    }
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long self = Thread.currentThread().getId();
    try (Peer peer = Peers.open(system, kind, entries)) {
      Peers.populate(peer, kind, entries);
      Peer.Client client = peer.client();
      Object[] pool = new Object[1024];
      for (int i = 0; i < pool.length; i++) {
        pool[i] = client.prepare(kind.value(i, i + 1));
      }
      long sink = 0;
      for (int round = 0; round < rounds; round++) {
        long before = threads.getThreadAllocatedBytes(self);
        long start = System.nanoTime();
        for (int i = 0; i < ops; i++) {
          long key = (i * 2654435761L & 0x7fffffffL) % entries;
          if (part.equals("put")) {
            client.put(key, pool[i & 1023]);
          } else {
            sink += client.get(key) == null ? 0 : 1;
          }
        }
        long bytes = threads.getThreadAllocatedBytes(self) - before;
        long nanos = System.nanoTime() - start;
        // The first half of the rounds is warm-up: the JIT's decisions settle there.
        if (round >= rounds / 2) {
          System.out.printf(Locale.ROOT, "%s %s %s round %d: %.1f B/op (%.0f ns/op, not a timing figure)%n",
              system, kind.label(), part, round, bytes / (double) ops, nanos / (double) ops);
        }
      }
      if (part.equals("get") && sink != (long) ops * (rounds)) {
        System.out.println("note: " + ((long) ops * rounds - sink) + " gets missed");
      }
    }
  }
}
