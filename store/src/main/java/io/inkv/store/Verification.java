package io.inkv.store;

/**
 * When a read checks a record's CRC32C before using it.
 *
 * <p>Every record carries a CRC32C of its bytes. The check costs little arithmetic (the CPU's
 * {@code crc32} instruction) but it reads the whole record where a zero-copy read of a value
 * otherwise touches only the record's first cache line: on a random get from a store larger than
 * the CPU caches that is one or two more cache misses, up to half the cost of the get
 * ({@code benchmarks/README.md}). The settings choose where that cost is paid:
 *
 * <ul>
 *   <li>{@link #ONCE} (the default): a record is checked before this process first relies on it.
 *       Records this process wrote need no check (it computed their checksums from the bytes it
 *       wrote). Segments found on disk at open are <em>unchecked</em>: every read of one of their
 *       records checks it, while the store's background thread scrubs them, one at a time, checking
 *       every record; a segment that passes is trusted from then on, and reads of it skip the check.
 *       A segment that fails stays unchecked (every read of it keeps checking, so a damaged record
 *       is reported, never returned) and the failure is logged with the file and offset. Compaction
 *       checks each record it copies out of an unchecked segment. Damage that happens to a trusted
 *       segment's bytes later (a bad disk block read back after the page cache dropped the page) is
 *       found by {@link Store#verify()} and the admin command's {@code verify}, not by reads.
 *   <li>{@link #EVERY_READ}: every read checks the record it returns, always. The strongest
 *       setting, for stores on media the operator does not trust, at the cost above.
 *   <li>{@link #NEVER}: reads never check checksums and no scrub runs; recovery still checks the
 *       records it scans after the last index image, and {@link Store#verify()} still checks all.
 * </ul>
 *
 * <p>Every setting checks the 16-bit check of a record's expiry word on each read, and
 * {@link Store#verify()} checks every record whatever the setting.
 */
public enum Verification {
  ONCE,
  EVERY_READ,
  NEVER
}
