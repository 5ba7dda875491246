package io.inkv.replication;

import io.inkv.store.document.Document;
import java.util.List;

/**
 * One change of a replicated store, as it travels through the store's topic. The record key of a
 * key-level event is the store key; whole-store events ({@link Clear}, {@link DropFields}) carry
 * the partition they were sent to and travel under a reserved key (see {@link EventFormat}).
 *
 * <p>Every event carries the time it was made (epoch milliseconds, the writer's clock), the id of
 * the writer (random per publisher instance) and the writer's sequence number, which together
 * identify it.
 */
public sealed interface Event {

  /** Returns the epoch-millisecond time the writer made the event. */
  long time();

  /** Returns the writer's id (random per publisher instance). */
  long writerId();

  /** Returns the writer's sequence number of the event, increasing per writer. */
  long sequence();

  /** Sets a key to a value that expires at {@code expireAt} (epoch ms; 0 never). */
  record Put(long time, long writerId, long sequence, byte[] value, long expireAt) implements Event {}

  /** Removes a key (a document, in a document store). */
  record Remove(long time, long writerId, long sequence) implements Event {}

  /** Merges fields into a document (each given field replaces that field's value). */
  record DocUpsert(long time, long writerId, long sequence, Document fields) implements Event {}

  /** Removes the named fields of one document. */
  record DocFieldDelete(long time, long writerId, long sequence, List<String> names) implements Event {}

  /** Removes every entry; one copy goes to each of the topic's {@code partitionCount} partitions. */
  record Clear(long time, long writerId, long sequence, int partitionCount, int partition) implements Event {}

  /**
   * Drops fields from a document store's schema (and so from every document); one copy per partition.
   *
   * @param mode which fields: the names given, every field starting with the one prefix given, or
   *     every field and every document ({@code DocumentStore.dropAll})
   */
  record DropFields(long time, long writerId, long sequence, int partitionCount, int partition, DropMode mode,
      List<String> names) implements Event {}

  /** What a {@link DropFields} event drops. */
  enum DropMode {
    /** The fields named. */
    NAMES,
    /** Every field whose name starts with the one name given. */
    PREFIX,
    /** Every document and every field. */
    ALL
  }
}
