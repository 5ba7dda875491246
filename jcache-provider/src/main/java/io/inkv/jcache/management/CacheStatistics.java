package io.inkv.jcache.management;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.cache.management.CacheStatisticsMXBean;

/**
 * The counters behind a cache's {@link CacheStatisticsMXBean}.
 *
 * <p>Every counter is a {@link LongAdder}, so threads that record on the get path add to their
 * own cell instead of contending on one word; the cache records only while statistics are
 * enabled. Average times are in microseconds, as the MXBean specifies, computed from nanosecond
 * totals. Readers see the counters as of slightly different instants.
 */
public final class CacheStatistics implements CacheStatisticsMXBean {
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder puts = new LongAdder();
  private final LongAdder removals = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder getNanos = new LongAdder();
  private final LongAdder putNanos = new LongAdder();
  private final LongAdder removeNanos = new LongAdder();

  /** Creates zeroed counters. */
  public CacheStatistics() {}

  /** Records {@code count} hits. */
  public void recordHits(long count) {
    hits.add(count);
  }

  /** Records {@code count} misses. */
  public void recordMisses(long count) {
    misses.add(count);
  }

  /** Records {@code count} puts. */
  public void recordPuts(long count) {
    puts.add(count);
  }

  /** Records {@code count} removals. */
  public void recordRemovals(long count) {
    removals.add(count);
  }

  /** Records {@code count} evictions. */
  public void recordEvictions(long count) {
    evictions.add(count);
  }

  /** Adds to the time spent in gets. */
  public void recordGetTime(long nanos) {
    getNanos.add(nanos);
  }

  /** Adds to the time spent in puts. */
  public void recordPutTime(long nanos) {
    putNanos.add(nanos);
  }

  /** Adds to the time spent in removals. */
  public void recordRemoveTime(long nanos) {
    removeNanos.add(nanos);
  }

  @Override
  public void clear() {
    hits.reset();
    misses.reset();
    puts.reset();
    removals.reset();
    evictions.reset();
    getNanos.reset();
    putNanos.reset();
    removeNanos.reset();
  }

  @Override
  public long getCacheHits() {
    return hits.sum();
  }

  @Override
  public float getCacheHitPercentage() {
    return percentage(hits.sum(), misses.sum());
  }

  @Override
  public long getCacheMisses() {
    return misses.sum();
  }

  @Override
  public float getCacheMissPercentage() {
    return percentage(misses.sum(), hits.sum());
  }

  /** {@code part} as a percentage of {@code part + rest}; 0 when both are 0. */
  private static float percentage(long part, long rest) {
    long all = part + rest;
    return all == 0 ? 0 : (float) part / all * 100;
  }

  @Override
  public long getCacheGets() {
    return hits.sum() + misses.sum();
  }

  @Override
  public long getCachePuts() {
    return puts.sum();
  }

  @Override
  public long getCacheRemovals() {
    return removals.sum();
  }

  @Override
  public long getCacheEvictions() {
    return evictions.sum();
  }

  private static float averageMicros(long nanos, long count) {
    return count == 0 ? 0 : (float) nanos / count / TimeUnit.MICROSECONDS.toNanos(1);
  }

  @Override
  public float getAverageGetTime() {
    return averageMicros(getNanos.sum(), getCacheGets());
  }

  @Override
  public float getAveragePutTime() {
    return averageMicros(putNanos.sum(), puts.sum());
  }

  @Override
  public float getAverageRemoveTime() {
    return averageMicros(removeNanos.sum(), removals.sum());
  }
}
