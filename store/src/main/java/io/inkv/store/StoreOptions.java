package io.inkv.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The settings a store is opened with. Build them with {@link #builder(Path)}; every setting is
 * checked in {@link Builder#build()}, so a wrong one fails there with its name in the message.
 */
public final class StoreOptions {
  /** The default segment file size: 64 MiB. */
  public static final int DEFAULT_SEGMENT_SIZE = 64 << 20;
  /** The smallest segment file size: 64 KiB. */
  public static final int MIN_SEGMENT_SIZE = 64 << 10;
  /** The largest segment file size: 1 GiB, so no mapping passes 2 GiB. */
  public static final int MAX_SEGMENT_SIZE = 1 << 30;

  /**
   * Returns whether {@code bytes} is a segment size a store accepts: a multiple of 4096 from
   * {@value #MIN_SEGMENT_SIZE} to {@value #MAX_SEGMENT_SIZE}; configuration layers above the store
   * check it when they read a setting, before any store is opened.
   */
  public static boolean isSegmentSize(long bytes) {
    return bytes >= MIN_SEGMENT_SIZE && bytes <= MAX_SEGMENT_SIZE && bytes % 4096 == 0;
  }

  private final Path directory;
  private final int segmentSize;
  private final Durability durability;
  private final Duration syncInterval;
  private final long maxEntries;
  private final long maxBytes;
  private final double compactionThreshold;
  private final boolean backgroundMaintenance;
  private final Duration maintenanceInterval;
  private final long checkpointBytes;
  private final Verification verification;
  private final boolean createIfMissing;
  private final LongSupplier clock;
  private final KeyHasher keyHasher;
  private final RemovalListener removalListener;
  private final boolean temporary;
  private final boolean readOnly;

  private StoreOptions(Builder b) {
    this.directory = b.directory;
    this.segmentSize = b.segmentSize;
    this.durability = b.durability;
    this.syncInterval = b.syncInterval;
    this.maxEntries = b.maxEntries;
    this.maxBytes = b.maxBytes;
    this.compactionThreshold = b.compactionThreshold;
    this.backgroundMaintenance = b.backgroundMaintenance;
    this.maintenanceInterval = b.maintenanceInterval;
    this.checkpointBytes = b.checkpointBytes;
    this.verification = b.verification;
    this.createIfMissing = b.createIfMissing;
    this.clock = b.clock;
    this.keyHasher = b.keyHasher;
    this.removalListener = b.removalListener;
    this.temporary = b.temporary;
    this.readOnly = b.readOnly;
  }

  /** Starts options for the store in {@code directory}. */
  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  public Path directory() {
    return directory;
  }

  public int segmentSize() {
    return segmentSize;
  }

  public Durability durability() {
    return durability;
  }

  public Duration syncInterval() {
    return syncInterval;
  }

  /** Returns the maximum number of entries, or 0 if unbounded. */
  public long maxEntries() {
    return maxEntries;
  }

  /** Returns the maximum live bytes, or 0 if unbounded. */
  public long maxBytes() {
    return maxBytes;
  }

  public double compactionThreshold() {
    return compactionThreshold;
  }

  public boolean backgroundMaintenance() {
    return backgroundMaintenance;
  }

  public Duration maintenanceInterval() {
    return maintenanceInterval;
  }

  public long checkpointBytes() {
    return checkpointBytes;
  }

  public Verification verification() {
    return verification;
  }

  public boolean createIfMissing() {
    return createIfMissing;
  }

  public LongSupplier clock() {
    return clock;
  }

  KeyHasher keyHasher() {
    return keyHasher;
  }

  /** Returns whether the store is deleted when closed (and never forced to disk). */
  public boolean temporary() {
    return temporary;
  }

  /** Returns whether the store is opened for reading only; see {@link Builder#readOnly(boolean)}. */
  public boolean readOnly() {
    return readOnly;
  }

  /** Returns the listener told of expirations and evictions, or {@code null}. */
  public RemovalListener removalListener() {
    return removalListener;
  }

  /** Returns a builder holding these options, to derive changed ones. */
  public Builder toBuilder() {
    Builder b = new Builder(directory);
    b.segmentSize = segmentSize;
    b.durability = durability;
    b.syncInterval = syncInterval;
    b.maxEntries = maxEntries;
    b.maxBytes = maxBytes;
    b.compactionThreshold = compactionThreshold;
    b.backgroundMaintenance = backgroundMaintenance;
    b.maintenanceInterval = maintenanceInterval;
    b.checkpointBytes = checkpointBytes;
    b.verification = verification;
    b.createIfMissing = createIfMissing;
    b.clock = clock;
    b.keyHasher = keyHasher;
    b.removalListener = removalListener;
    b.temporary = temporary;
    b.readOnly = readOnly;
    return b;
  }

  @Override
  public String toString() {
    return "StoreOptions[directory=" + directory + ", segmentSize=" + segmentSize
        + ", durability=" + durability + ", syncInterval=" + syncInterval
        + ", maxEntries=" + maxEntries + ", maxBytes=" + maxBytes
        + ", compactionThreshold=" + compactionThreshold + ", checkpointBytes=" + checkpointBytes
        + ", verification=" + verification + "]";
  }

  /** Collects and checks store settings. */
  public static final class Builder {
    private final Path directory;
    private int segmentSize = DEFAULT_SEGMENT_SIZE;
    private Durability durability = Durability.NONE;
    private Duration syncInterval = Duration.ofSeconds(1);
    private long maxEntries;
    private long maxBytes;
    private double compactionThreshold = 0.5;
    private boolean backgroundMaintenance = true;
    private Duration maintenanceInterval = Duration.ofMillis(500);
    private long checkpointBytes = 256L << 20;
    private Verification verification = Verification.ONCE;
    private boolean createIfMissing = true;
    private LongSupplier clock = System::currentTimeMillis;
    private KeyHasher keyHasher = KeyHasher.XXH64;
    private RemovalListener removalListener;
    private boolean temporary;
    private boolean readOnly;

    private Builder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
    }

    /** The size of each segment file, from 64 KiB to 1 GiB, a multiple of 4 KiB (default 64 MiB). */
    public Builder segmentSize(int bytes) {
      this.segmentSize = bytes;
      return this;
    }

    /** When writes are forced to the device (default {@link Durability#NONE}). */
    public Builder durability(Durability durability) {
      this.durability = Objects.requireNonNull(durability, "durability");
      return this;
    }

    /** How often {@link Durability#INTERVAL} forces the log (default 1 second). */
    public Builder syncInterval(Duration interval) {
      this.syncInterval = Objects.requireNonNull(interval, "syncInterval");
      return this;
    }

    /** The most entries to keep before evicting the oldest (0, the default, for no bound). */
    public Builder maxEntries(long maxEntries) {
      this.maxEntries = maxEntries;
      return this;
    }

    /** The most live record bytes to keep before evicting the oldest (0, the default, for no bound). */
    public Builder maxBytes(long maxBytes) {
      this.maxBytes = maxBytes;
      return this;
    }

    /** The garbage ratio of a sealed segment above which it is compacted (default 0.5). */
    public Builder compactionThreshold(double ratio) {
      this.compactionThreshold = ratio;
      return this;
    }

    /**
     * Whether a background thread compacts, drops expired entries, writes index images and (for
     * {@link Durability#INTERVAL}) forces the log (default {@code true}). Without it, call
     * {@link Store#compact()} and {@link Store#flush()} yourself.
     */
    public Builder backgroundMaintenance(boolean enabled) {
      this.backgroundMaintenance = enabled;
      return this;
    }

    /** How often the background thread looks for work (default 500 ms). */
    public Builder maintenanceInterval(Duration interval) {
      this.maintenanceInterval = Objects.requireNonNull(interval, "maintenanceInterval");
      return this;
    }

    /**
     * How many bytes may be appended after the last index image before the background thread
     * writes a new one (default 256 MiB). Reopening after a crash scans at most about this much.
     */
    public Builder checkpointBytes(long bytes) {
      this.checkpointBytes = bytes;
      return this;
    }

    /**
     * When reads check a record's CRC32C (default {@link Verification#ONCE}: before this process
     * first relies on the record); see {@link Verification}.
     */
    public Builder verification(Verification verification) {
      this.verification = Objects.requireNonNull(verification, "verification");
      return this;
    }

    /** Whether {@link Store#open} creates a missing store (default {@code true}). */
    public Builder createIfMissing(boolean create) {
      this.createIfMissing = create;
      return this;
    }

    /** The clock expiry times are compared with, in epoch milliseconds (default the system clock). */
    public Builder clock(LongSupplier clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Whether the store is scratch space (default {@code false}): nothing is ever forced to the
     * device, no index image is written, and {@link Store#close()} deletes the directory and
     * everything in it. For caches that need not outlive their process; the durability setting is
     * ignored.
     */
    public Builder temporary(boolean temporary) {
      this.temporary = temporary;
      return this;
    }

    /**
     * Whether to open an existing store for reading only (default {@code false}), e.g. on a
     * read-only file system or a copy that must not change. Nothing in the directory is created,
     * changed or deleted: the segments are mapped read-only, a torn tail is skipped instead of
     * zeroed, no index image is written, no background maintenance runs, and every write throws
     * {@link Store.ReadOnlyException}. Any number of read-only openers may share a directory (a
     * shared lock on {@code inkv.lock}, when that file exists), but not with a writer.
     */
    public Builder readOnly(boolean readOnly) {
      this.readOnly = readOnly;
      return this;
    }

    /** The listener told of expirations and evictions (default none). */
    public Builder removalListener(RemovalListener listener) {
      this.removalListener = listener;
      return this;
    }

    /** Replaces the key hash; only tests use this, to force collisions. */
    Builder keyHasher(KeyHasher hasher) {
      this.keyHasher = Objects.requireNonNull(hasher, "keyHasher");
      return this;
    }

    /**
     * Checks every setting and returns the options.
     *
     * @throws IllegalArgumentException naming the first setting that is out of range
     */
    public StoreOptions build() {
      Checks.requireArgument(isSegmentSize(segmentSize),
          "segmentSize must be a multiple of 4096 from %s to %s: %s", MIN_SEGMENT_SIZE, MAX_SEGMENT_SIZE, segmentSize);
      Checks.requireArgument(!syncInterval.isNegative() && !syncInterval.isZero(),
          "syncInterval must be positive: %s", syncInterval);
      Checks.requireArgument(maxEntries >= 0, "maxEntries must be 0 (unbounded) or positive: %s", maxEntries);
      Checks.requireArgument(maxBytes >= 0, "maxBytes must be 0 (unbounded) or positive: %s", maxBytes);
      Checks.requireArgument(compactionThreshold > 0 && compactionThreshold < 1,
          "compactionThreshold must be between 0 and 1 (exclusive): %s", compactionThreshold);
      Checks.requireArgument(!maintenanceInterval.isNegative() && !maintenanceInterval.isZero(),
          "maintenanceInterval must be positive: %s", maintenanceInterval);
      Checks.requireArgument(checkpointBytes > 0, "checkpointBytes must be positive: %s", checkpointBytes);
      Checks.requireArgument(!(readOnly && temporary), "readOnly and temporary exclude each other: a temporary store is deleted on close");
      return new StoreOptions(this);
    }

    /** Builds the options and opens the store; see {@link Store#open(StoreOptions)}. */
    public Store open() {
      return Store.open(build());
    }
  }
}
