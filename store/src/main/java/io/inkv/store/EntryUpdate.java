package io.inkv.store;

/**
 * An atomic read-modify-write of one key, passed to {@link Store#update(byte[], EntryUpdate)}.
 *
 * <p>The function runs while the store holds the key's write lock: no other write to the same key
 * runs until it returns, and readers see either the old or the new value. It must be quick, must
 * not write to the same store (other keys may share the lock), and at most one of the
 * {@link Writer}'s methods takes effect (the last one called). The {@link Current} and the
 * {@link Writer} it is given are valid only until it returns: the store reuses them, so that an
 * update allocates nothing of its own.
 *
 * @param <R> the result type
 */
@FunctionalInterface
public interface EntryUpdate<R> {

  /**
   * Decides the key's new state.
   *
   * @param current the current value and expiry time, or {@code null} if the key is absent or expired
   * @param writer records the change; calling none of its methods leaves the entry as it is
   * @return the result handed back by {@code update}
   */
  R apply(Current current, Writer writer);

  /**
   * Called under the key's lock, before {@link #apply}, when the key held an entry whose expiry
   * time had passed; the store has already dropped it, and {@code apply} then sees the key as
   * absent. This lets a caller report the expiry in order with the change {@code apply} makes.
   *
   * @param value a copy of the expired value
   * @param expireAt its expiry time in epoch milliseconds
   * @return {@code true} if the caller reports the expiry itself, so that the store does not also
   *     tell its {@link RemovalListener}; the default returns {@code false}
   */
  default boolean expired(byte[] value, long expireAt) {
    return false;
  }

  /**
   * The current state of the key.
   *
   * <p>The store hands {@link #apply} an object it reuses for later updates: it answers only while
   * {@code apply} runs, on its thread (afterwards its methods throw {@link IllegalStateException}).
   * The value it returns is a copy, which the function may keep.
   */
  interface Current {
    /** Returns a copy of the value, which the function may keep. */
    byte[] value();

    /** Returns the expiry time in epoch milliseconds, or {@link Store#NEVER}. */
    long expireAt();

    /**
     * Returns a state that keeps {@code value} and {@code expireAt}, for a caller that runs an
     * update's function itself (a layer over a store, a test).
     */
    static Current of(byte[] value, long expireAt) {
      return new Update.State(value, expireAt);
    }
  }

  /**
   * The change an update makes.
   *
   * <p>Like {@link Current}, the store's writer is reused: it takes calls only while
   * {@link #apply} runs, on its thread, and throws {@link IllegalStateException} afterwards.
   */
  interface Writer {
    /** Replaces the value (or creates the entry) with {@code value}, expiring at {@code expireAt}. */
    void put(byte[] value, long expireAt);

    /** Keeps the value and changes only its expiry time. */
    void setExpiry(long expireAt);

    /** Removes the entry. */
    void remove();
  }
}
