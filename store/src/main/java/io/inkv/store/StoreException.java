package io.inkv.store;

/**
 * The root of every exception the store throws for a condition other than a bad argument.
 *
 * <p>Specific kinds are nested in {@link Store}: {@link Store.ClosedException},
 * {@link Store.CorruptedException}, {@link Store.FormatException}, {@link Store.StorageException},
 * {@link Store.ReadOnlyException} and {@link Store.AlreadyOpenException}.
 */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
