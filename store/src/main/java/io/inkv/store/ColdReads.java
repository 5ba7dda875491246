package io.inkv.store;

import io.inkv.store.memory.MappedFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/*
 * Whether reads of records in sealed segments copy them with positional reads (RecordCopy) instead
 * of reading the mapping: docs/store.md, "Reads of values not in memory".
 *
 * A fault on a mapping that madvise has not advised MADV_RANDOM reads the device's read-ahead
 * window around the page (8 MiB on the test machine); a positional read of a page not in the page
 * cache reads the pages asked for. A fault on an advised mapping reads only its page too, but it
 * maps the page into the process, and under memory pressure the kernel must unmap such pages
 * again to reclaim them: measured side by side (10M x 1 KB in a 3 GiB cgroup, JDK 25), positional
 * reads served 1.2x-1.3x the gets of advised faults with a p99 0.6x-0.85x theirs. A positional
 * read costs a system call and a copy even when the page is cached (about 1.2 us against 0.2 us
 * for a copy out of the mapping), so it pays only when gets miss the page cache, that is when the
 * segments do not fit in the memory the process has.
 *
 * inkv.store.readAdvice (MappedFile) decides:
 *   off, random   never
 *   pread         always
 *   auto          when the segment files of every open store in this JVM, together, are larger
 *                 than the memory the process may use less the heap's maximum: what is left for
 *                 the page cache, on every JDK (madvise, where the JDK can call it, still advises
 *                 the mappings that writes and the active segment read). Checked again whenever a
 *                 segment is added or dropped (each roll, compaction, open and close), which is
 *                 how a store that grows past memory switches.
 *
 * The memory the process may use: the limit of its memory cgroup (v2 memory.max, v1
 * memory.limit_in_bytes, the lowest on the path from its cgroup up, as the kernel applies them),
 * or, without one, MemTotal of /proc/meminfo. Reading it fails quietly to "unknown", and then auto
 * stays on the mapping.
 */
final class ColdReads {
  /** The bit a read's mode carries when it copies sealed records (LogStore.probe). */
  static final int COPY = 8;

  enum Setting { NEVER, AUTO, ALWAYS }

  static final Setting SETTING = setting(MappedFile.readAdvice());

  /** The bytes of the segment files of every open store in this JVM; guarded by ColdReads.class. */
  private static long segmentBytes;
  /** The page cache's room: the process's memory less the heap; -1 while unknown. */
  private static volatile long room = -2;
  /** Test seam: replaces the setting while not null. */
  private static volatile Setting forced;
  private static volatile int mode = SETTING == Setting.ALWAYS ? COPY : 0;

  private ColdReads() {}

  static Setting setting(String readAdvice) {
    switch (readAdvice) {
      case "pread":
        return Setting.ALWAYS;
      case "auto":
        return Setting.AUTO;
      default:
        return Setting.NEVER;
    }
  }

  /** Returns {@link #COPY} if reads copy sealed records now, else 0; one volatile read. */
  static int mode() {
    return mode;
  }

  /** Counts {@code delta} bytes of segment files added (or, negative, dropped) and decides again. */
  static synchronized void segmentBytes(long delta) {
    long total = segmentBytes += delta;
    Setting s = forced != null ? forced : SETTING;
    if (s == Setting.AUTO) {
      long r = room;
      if (r == -2) {
        room = r = room(memoryLimit(Paths.get("/proc/self/cgroup"), Paths.get("/sys/fs/cgroup"), Paths.get("/proc/meminfo")),
            Runtime.getRuntime().maxMemory());
      }
      mode = copies(total, r) ? COPY : 0;
    } else {
      mode = s == Setting.ALWAYS ? COPY : 0;
    }
  }

  /** Whether segment files of {@code segmentBytes} in all should be read by copies, with {@code room} bytes for the page cache. */
  static boolean copies(long segmentBytes, long room) {
    return room >= 0 && segmentBytes > room;
  }

  /** The page cache's room: {@code memoryLimit} less {@code maxHeap}, at least an eighth of it; -1 if the limit is unknown. */
  static long room(long memoryLimit, long maxHeap) {
    if (memoryLimit <= 0) {
      return -1;
    }
    long heap = maxHeap == Long.MAX_VALUE ? memoryLimit / 2 : maxHeap;
    return Math.max(memoryLimit - heap, memoryLimit / 8);
  }

  /**
   * The memory the process may use: the lowest memory limit on its cgroup's path (files named in
   * {@code procSelfCgroup}, under {@code cgroupRoot}), else MemTotal of {@code meminfo}; -1 if
   * none can be read.
   */
  static long memoryLimit(Path procSelfCgroup, Path cgroupRoot, Path meminfo) {
    long limit = Long.MAX_VALUE;
    try {
      for (String line : Files.readAllLines(procSelfCgroup)) {
        // "hierarchy-id:controllers:path": v1 names "memory" among the controllers, v2 has none
        String[] parts = line.split(":", 3);
        if (parts.length < 3) {
          continue;
        }
        boolean v1 = List.of(parts[1].split(",")).contains("memory");
        if (!v1 && !(parts[0].equals("0") && parts[1].isEmpty())) {
          continue;
        }
        Path base = v1 ? cgroupRoot.resolve("memory") : cgroupRoot;
        String file = v1 ? "memory.limit_in_bytes" : "memory.max";
        for (Path dir : ancestors(base, parts[2])) {
          limit = Math.min(limit, readLimit(dir.resolve(file)));
        }
      }
    } catch (IOException | RuntimeException e) {
      // no cgroup file: MemTotal below
    }
    long total = memTotal(meminfo);
    if (total > 0) {
      limit = Math.min(limit, total);
    }
    return limit == Long.MAX_VALUE ? -1 : limit;
  }

  /** {@code base/path}, its parents up to {@code base} and {@code base} itself. */
  private static List<Path> ancestors(Path base, String path) {
    List<Path> dirs = new ArrayList<>();
    Path dir = base;
    dirs.add(dir);
    for (String name : path.split("/")) {
      if (!name.isEmpty()) {
        dir = dir.resolve(name);
        dirs.add(dir);
      }
    }
    return dirs;
  }

  /** A limit file's value; Long.MAX_VALUE when absent, "max" or unlimited (v1 writes a huge number). */
  private static long readLimit(Path file) {
    try {
      String text = Files.readString(file).trim();
      return text.equals("max") ? Long.MAX_VALUE : Long.parseLong(text);
    } catch (IOException | NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  private static long memTotal(Path meminfo) {
    try {
      for (String line : Files.readAllLines(meminfo)) {
        if (line.startsWith("MemTotal:")) {
          String[] f = line.substring(9).trim().split("\\s+");
          return Long.parseLong(f[0]) * (f.length > 1 && f[1].equalsIgnoreCase("kB") ? 1024 : 1);
        }
      }
    } catch (IOException | RuntimeException e) {
      // unknown
    }
    return -1;
  }

  /** Test seam: decides as {@code setting} with {@code room} bytes for the page cache (null: as configured). */
  static void force(Setting setting, long room) {
    forced = setting;
    ColdReads.room = setting == null ? -2 : room;
    segmentBytes(0);
  }

  /** Test seam: the bytes counted. */
  static synchronized long segmentBytes() {
    return segmentBytes;
  }
}
