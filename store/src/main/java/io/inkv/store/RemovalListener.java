package io.inkv.store;

/**
 * Told when the store drops an entry on its own: because it expired or to stay within the
 * capacity bound. Set it with {@link StoreOptions.Builder#removalListener(RemovalListener)}.
 *
 * <p>It is called synchronously on whichever thread drops the entry (the background maintenance
 * thread, a writer that evicts, or a reader that meets an expired entry), after the entry is gone
 * from the index, with no store lock held. It must be quick and must not throw; an exception it
 * throws is logged and ignored.
 */
@FunctionalInterface
public interface RemovalListener {

  /** Why an entry was dropped. */
  enum Cause {
    /** Its expiry time passed. */
    EXPIRED,
    /** It was the oldest entry when the store passed its capacity bound. */
    EVICTED
  }

  /**
   * Called after {@code key} was dropped.
   *
   * @param key a copy of the key
   * @param value a copy of the value it held
   * @param cause why it was dropped
   */
  void onRemoval(byte[] key, byte[] value, Cause cause);
}
