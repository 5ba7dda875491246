package io.inkv.store;

/**
 * A copy of one stored entry.
 *
 * @param key the key bytes
 * @param value the value bytes
 * @param expireAt the expiry time in epoch milliseconds, or {@link Store#NEVER} if it does not expire
 */
public record Entry(byte[] key, byte[] value, long expireAt) {}
