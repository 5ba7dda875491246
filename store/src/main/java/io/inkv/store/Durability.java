package io.inkv.store;

/**
 * When the store forces written records to the storage device.
 *
 * <p>Writes go into memory-mapped files, so the operating system's page cache holds every write as
 * soon as the call that made it returns. A <em>process</em> crash ({@code kill -9}, an
 * {@code OutOfMemoryError}, a JVM fault) therefore loses nothing that returned, whatever the
 * setting. The settings differ in what survives a <em>power loss or kernel crash</em>:
 *
 * <ul>
 *   <li>{@link #NONE}: the operating system writes pages back when it chooses (on Linux typically
 *       within 30 seconds). After a power loss any write since the last index image may be lost,
 *       and recovery truncates the log at the first record that did not reach the device. Sealed
 *       segments and index images are still forced, so what recovery keeps is consistent.
 *   <li>{@link #INTERVAL}: a background thread forces the log every
 *       {@link StoreOptions.Builder#syncInterval(java.time.Duration) sync interval}; a power loss
 *       loses at most the writes of the last interval.
 *   <li>{@link #EVERY_WRITE}: a write returns only after its record is on the device (concurrent
 *       writers share one flush: group commit). A power loss loses no write that returned. The
 *       store makes its segment files in 4 KiB pages rather than 2 MiB ones, so that each flush
 *       writes back only the pages written since the last.
 * </ul>
 */
public enum Durability {
  NONE,
  INTERVAL,
  EVERY_WRITE
}
