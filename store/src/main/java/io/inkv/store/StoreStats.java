package io.inkv.store;

/**
 * A snapshot of a store's counters, taken without stopping writers (so the fields may be from
 * slightly different instants).
 *
 * @param entries live entries (not removed, not expired when last checked)
 * @param liveBytes bytes of the records that hold live entries, header and padding included
 * @param garbageBytes bytes of superseded, removed, expired and evicted records not yet reclaimed
 * @param segments segment files in use
 * @param fileBytes bytes of every segment file on disk (their fixed sizes)
 * @param evictions entries removed to keep within the capacity bound since open
 * @param expirations expired entries dropped since open
 * @param compactions segments compacted since open
 */
public record StoreStats(
    long entries,
    long liveBytes,
    long garbageBytes,
    int segments,
    long fileBytes,
    long evictions,
    long expirations,
    long compactions) {}
