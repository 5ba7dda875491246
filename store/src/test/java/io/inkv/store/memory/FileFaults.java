package io.inkv.store.memory;

/**
 * Makes file allocations fail as a full or read-only file system would, through the seam in
 * {@link MappedFile} (segment creation and the index image's temporary file), for tests in other
 * packages. Always {@link #clear()} in a {@code finally} or {@code @AfterEach}: the seam is static.
 */
public final class FileFaults {
  /** The message Linux gives for ENOSPC. */
  public static final String NO_SPACE = "No space left on device";
  /** The message Linux gives for EROFS. */
  public static final String READ_ONLY = "Read-only file system";

  private FileFaults() {}

  /** Makes every file allocation fail with {@code reason} until {@link #clear()}. */
  public static void failAll(String reason) {
    MappedFile.injectFaults(Integer.MAX_VALUE, reason);
  }

  /** Makes the next {@code count} file allocations fail with {@code reason}. */
  public static void failNext(int count, String reason) {
    MappedFile.injectFaults(count, reason);
  }

  /** Ends any injected failure. */
  public static void clear() {
    MappedFile.injectFaults(0, NO_SPACE);
  }
}
