package io.inkv.store;

import java.util.Arrays;

/*
 * Segment id -> Segment, copy-on-write: the table changes only when a segment is added or retired
 * (a few times a minute at most), and readers look up a segment on every get, so a lookup is one
 * volatile read plus a probe of an immutable open-addressing table, with no allocation. Ids are not
 * dense (compaction deletes old segments), which is why this is not a plain array indexed by id.
 */
final class SegmentTable {
  private volatile Table table = new Table(new Segment[0]);
  /** Whether release() has run: the store's segments no longer count in ColdReads. */
  private boolean released;

  Segment get(int id) {
    return table.get(id);
  }

  /** Returns the sum of the segments' file sizes. */
  long fileBytes() {
    return table.fileBytes;
  }

  /** Returns the segments in id order. */
  Segment[] all() {
    return table.sorted;
  }

  synchronized void add(Segment s) {
    Segment[] next = Arrays.copyOf(table.sorted, table.sorted.length + 1);
    next[next.length - 1] = s;
    table = new Table(next);
    if (!released) {
      ColdReads.segmentBytes(s.capacity);
    }
  }

  synchronized void remove(Segment s) {
    Table before = table;
    Segment[] next = Arrays.stream(before.sorted).filter(x -> x != s).toArray(Segment[]::new);
    table = new Table(next);
    if (!released && next.length < before.sorted.length) {
      ColdReads.segmentBytes(-s.capacity);
    }
  }

  /** Stops counting this table's segments in ColdReads (the store closes); the table is left as it is. */
  synchronized void release() {
    if (!released) {
      released = true;
      ColdReads.segmentBytes(-table.fileBytes);
    }
  }

  private static final class Table {
    final Segment[] sorted;
    final Segment[] slots;
    final int mask;
    final long fileBytes;

    Table(Segment[] segments) {
      sorted = segments.clone();
      long bytes = 0;
      for (Segment s : segments) {
        bytes += s.capacity;
      }
      fileBytes = bytes;
      Arrays.sort(sorted, (a, b) -> Integer.compare(a.id, b.id));
      int n = Integer.highestOneBit(Math.max(2, segments.length * 4) - 1) << 1;
      slots = new Segment[n];
      mask = n - 1;
      for (Segment s : sorted) {
        int i = mix(s.id) & mask;
        while (slots[i] != null) {
          i = (i + 1) & mask;
        }
        slots[i] = s;
      }
    }

    private static int mix(int id) {
      return id * 0x9E3779B9 >>> 7;
    }

    Segment get(int id) {
      int i = mix(id) & mask;
      Segment s;
      while ((s = slots[i]) != null) {
        if (s.id == id) {
          return s;
        }
        i = (i + 1) & mask;
      }
      return null;
    }
  }
}
