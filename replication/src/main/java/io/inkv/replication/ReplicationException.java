package io.inkv.replication;

import io.inkv.store.StoreException;

/**
 * The root of the errors replication raises. It extends {@link StoreException} because a
 * replicated store is a {@link io.inkv.store.Store}: code that handles store errors handles these,
 * and the JCache provider turns them into {@code javax.cache.CacheException} like any store error.
 */
public class ReplicationException extends StoreException {
  private static final long serialVersionUID = 1L;

  public ReplicationException(String message) {
    super(message);
  }

  public ReplicationException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Thrown by a write in {@link ReplicationConfig.WriteMode#WAIT_FOR_ACK} mode when Kafka did not
   * acknowledge its event. The write was applied to the local replica already (read-your-writes).
   * The outcome elsewhere is unknown: a timed-out event may still have reached the topic (then every
   * replica applies it), or not (then other replicas do not see it until it is written again).
   * Writing it again is safe either way.
   */
  public static final class PublishException extends ReplicationException {
    private static final long serialVersionUID = 1L;

    public PublishException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Thrown at start-up when the store's topic cannot be created, or exists but does not fit. */
  public static final class TopicException extends ReplicationException {
    private static final long serialVersionUID = 1L;

    public TopicException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
