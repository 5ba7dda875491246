package io.inkv.benchmarks.suite;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Locale;

/*
 * Bytes per entry of one system holding `entries` values of one kind, in a JVM of its own (run one
 * system per JVM, so that one system's garbage and class metadata do not count for another):
 *
 *   heap      used heap after three System.gc() calls (full collections with G1), after populating
 *             minus before; values are made on the fly, so the heap holds only what the system
 *             keeps (for the by-reference maps that is the value objects themselves)
 *   off-heap  what the system reports: inkv's segment files (StoreStats.fileBytes, the mapped
 *             files' fixed sizes; liveBytes is the part holding live records), Chronicle's
 *             offHeapMemoryUsed(); Redis's used_memory delta (INFO memory, the server process)
 *   RSS       the JVM's resident set (VmRSS) after minus before: the heap is pre-touched
 *             (-XX:+AlwaysPreTouch, -Xms = -Xmx) so its growth is off-heap memory and touched
 *             mapped pages; the one figure for Ehcache off-heap, which reports no size
 *
 * usage: MemoryFootprint system=chronicle value=record-100 entries=1000000 out=memory.csv
 */
public final class MemoryFootprint {
  private MemoryFootprint() {}

  public static void main(String[] args) throws Exception {
    OpenLoopLatency.Args a = new OpenLoopLatency.Args(args);
    String system = a.get("system", "inkv-jcache");
    ValueKind kind = ValueKind.of(a.get("value", "record-100"));
    long entries = Long.parseLong(a.get("entries", "1000000"));
    String out = a.get("out", "memory.csv");
    if (system.equals("redis") && Peers.RedisPeer.unreachableReason() != null) {
      System.out.println("skipping redis: " + Peers.RedisPeer.unreachableReason());
      return;
    }

    long heap0 = usedHeap();
    long rss0 = rss();
    Peer peer = Peers.open(system, kind, entries);
    try {
      long redis0 = peer instanceof Peers.RedisPeer ? ((Peers.RedisPeer) peer).usedMemory() : 0;
      long t0 = System.nanoTime();
      Peers.populate(peer, kind, entries);
      double fill = (System.nanoTime() - t0) / 1e9;
      long heap1 = usedHeap();
      long rss1 = rss();
      long off = peer instanceof Peers.RedisPeer ? ((Peers.RedisPeer) peer).usedMemory() - redis0 : peer.offHeapBytes();
      String live = "";
      if (peer instanceof Peers.StorePeer) {
        live = Long.toString(((Peers.StorePeer) peer).liveBytes());
      } else if (peer instanceof Peers.JCachePeer<?> j && j.liveBytes() >= 0) {
        live = Long.toString(j.liveBytes());
      }
      String row = String.format(Locale.ROOT, "%s,%s,%d,%d,%d,%s,%d,%.1f,%.1f,%s,%.1f,%.1f,%s",
          system, kind.label(), entries, heap1 - heap0, off, live, rss1 - rss0,
          (heap1 - heap0) / (double) entries, off < 0 ? Double.NaN : off / (double) entries,
          live.isEmpty() ? "" : String.format(Locale.ROOT, "%.1f", Long.parseLong(live) / (double) entries),
          (rss1 - rss0) / (double) entries, fill, OpenLoopLatency.load());
      System.out.println(row);
      OpenLoopLatency.appendLine(Paths.get(out),
          "system,value,entries,heap_bytes,offheap_bytes,live_bytes,rss_bytes,heap_per_entry,offheap_per_entry,"
              + "live_per_entry,rss_per_entry,fill_s,load1", row);
    } finally {
      peer.close();
    }
  }

  private static long usedHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long rss() throws IOException {
    for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }
}
