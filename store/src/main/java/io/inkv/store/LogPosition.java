package io.inkv.store;

/**
 * Where an index image stands in the log: replay at open starts at {@code offset} of segment
 * {@code segment}; the next sequence and the clear floor as of that point; each segment's end of
 * data and counters; and how many index entries the image holds.
 */
record LogPosition(int segment, int offset, long nextSequence, long clearFloor, SegmentInfo[] segments, long entries) {

  /** One segment as an index image describes it. */
  record SegmentInfo(int id, int end, long liveBytes, long garbageBytes, long minSequence, long earliestExpiry) {}
}
